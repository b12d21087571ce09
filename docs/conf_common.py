"""Sphinx settings shared by the English and the Japanese tree (docs/en/conf.py, docs/ja/conf.py).

Everything a page needs is served from the build: MathJax from the sphinx-mathjax-offline wheel
(only the files a page loads), the theme's own assets, and no widget JavaScript from a CDN. The
lessons are the notebooks executed once (docs/site.py gathers them), never executed here.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import fgsm_edu  # noqa: E402

REPOSITORY = "https://github.com/fgsm-edu/fgsm-edu"
LANGUAGES = {"en": "English", "ja": "日本語"}
MATHJAX_FILES = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui", "a11y")


def settings(lang: str) -> dict[str, Any]:
    """The conf.py values for one language's tree.

    Args:
        lang: "en" or "ja".

    Returns:
        A dict for ``globals().update(...)`` in that tree's conf.py.
    """
    other = "ja" if lang == "en" else "en"
    return {
        "project": "fgsm-edu",
        "author": "fgsm-edu contributors",
        "copyright": "fgsm-edu contributors (Apache-2.0)",
        "version": fgsm_edu.__version__,
        "release": fgsm_edu.__version__,
        "language": lang,
        "extensions": ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"],
        "templates_path": [str(ROOT / "docs" / "_templates")],
        "html_static_path": [str(ROOT / "docs" / "_static")],
        "html_css_files": ["site.css"],
        "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
        "html_theme": "sphinx_book_theme",
        "html_title": "fgsm-edu",
        "html_last_updated_fmt": None,
        "html_copy_source": False,
        "html_show_sourcelink": False,
        "html_context": {"lang_other": other, "lang_other_name": LANGUAGES[other], "default_mode": "auto"},
        "html_sidebars": {
            "**": ["navbar-logo.html", "lang-switch.html", "search-button-field.html", "sbt-sidebar-nav.html"]
        },
        "html_theme_options": {
            "repository_url": REPOSITORY,
            "repository_branch": "main",
            "path_to_docs": "notebooks" if lang == "en" else "notebooks/ja",
            "use_repository_button": True,
            "launch_buttons": {
                "colab_url": "https://colab.research.google.com",
                "binderhub_url": "https://mybinder.org",
                "notebook_interface": "jupyterlab",
            },
            "show_toc_level": 2,
        },
        # Lessons: executed once (docs/site.py), shown as they ran; no widget or require.js from a CDN.
        "nb_execution_mode": "off",
        "nb_ipywidgets_js": {},
        "nb_mime_priority_overrides": [("html", "application/vnd.jupyter.widget-view+json", None)],
        "myst_enable_extensions": ["dollarmath", "amsmath", "colon_fence"],
        "myst_heading_anchors": 3,
        "mathjax_path": "mathjax/tex-chtml.js",
        "autodoc_member_order": "bysource",
        "autodoc_typehints": "description",
        "autodoc_default_options": {"members": True, "show-inheritance": False},
        "napoleon_google_docstring": True,
        "napoleon_numpy_docstring": False,
        "napoleon_custom_sections": [("Environment variables", "params_style")],
        "suppress_warnings": ["myst.header"],
    }


def copy_mathjax(app: Any, exc: Exception | None) -> None:
    """Copy the MathJax files a page loads (about 3 MB, not the wheel's 24 MB) into _static/mathjax."""
    if exc is not None or app.builder.format != "html":
        return
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    assert spec is not None and spec.origin is not None, "pip install sphinx-mathjax-offline (the site extra)"
    source = Path(spec.origin).parent / "static" / "mathjax"
    target = Path(app.outdir) / "_static" / "mathjax"
    for name in MATHJAX_FILES:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, dirs_exist_ok=True)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)


def plain_bars(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """Docstrings are Google style, not reStructuredText: a bare |x| is a norm, not a substitution."""
    for i, line in enumerate(lines):
        if "|" in line and "``" not in line:
            lines[i] = line.replace("|", "\\|")


def setup(app: Any) -> None:
    """Hook the MathJax copy and the docstring clean-up into the build."""
    app.connect("build-finished", copy_mathjax)
    app.connect("autodoc-process-docstring", plain_bars)
