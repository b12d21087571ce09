"""Build the course site: `make site` (README: "Read the course online").

1. Gather each lesson as executed, in English and Japanese, from FGSM_EDU_EXECUTED_DIR (default
   build/executed/{en,ja}/): the notebook tests save them there (tests/test_notebooks.py, offline
   MNIST; tests/test_imagenet_real.py, lessons 01, 06 and 07 on the real ImageNet weights, saved as
   NN_name@imagenet.ipynb and preferred). A lesson not there yet is executed here, offline, once.
2. Stage a Sphinx source tree per language (build/site-src/{en,ja}): the pages of docs/{en,ja}, and
   the executed lessons with what a static page cannot show replaced: the Colab badge (an image
   from outside; the theme's launch buttons replace it) and live widgets without a static view.
3. sphinx-build -W (warnings fail the build) each tree into build/site/{en,ja}, then check sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = {"en": ROOT / "notebooks", "ja": ROOT / "notebooks" / "ja"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)\n*")
PAGE_BUDGET_MB, SITE_BUDGET_MB = 5.0, 60.0
WEIGHTS_FILE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"  # in .ci/imagenet_mirror.py's mirror
REAL_WEIGHTS = ("01_", "06_", "07_")  # the lessons that use MobileNetV2's ImageNet weights when they can


def lessons(lang: str) -> list[Path]:
    """The committed lesson notebooks of one language, in order."""
    return sorted(NOTEBOOKS[lang].glob("[0-9][0-9]_*.ipynb"))


def executed_path(folder: Path, lang: str, lesson: Path) -> Path | None:
    """The executed copy to use: the real-weights run when there is one, else the offline run, else None.

    A copy whose cells differ from the committed lesson's (the lesson changed since) is not used.
    """
    for name in (f"{lesson.stem}@imagenet.ipynb", f"{lesson.stem}.ipynb"):
        if (folder / lang / name).exists() and sources(folder / lang / name) == sources(lesson):
            return folder / lang / name
    return None


def sources(path: Path) -> list[str]:
    """A notebook's cell sources, in order."""
    return [cell.source for cell in nbformat.read(path, as_version=4).cells]


def execute(lesson: Path, target: Path, mirror: Path | None) -> None:
    """Run one lesson top to bottom offline, as the notebook tests do, and save it.

    The ImageNet files come from the local mirror when there is one (``make test-imagenet`` builds it),
    so lessons 01, 06 and 07 show the real weights; without it every download fails at once (the MNIST path).
    """
    from nbclient import NotebookClient

    nb = nbformat.read(lesson, as_version=4)
    base = mirror.as_uri() if mirror is not None else "http://127.0.0.1:9"  # nothing listens there
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_CURRENT_TEST", "TF_CPP_MIN_LOG_LEVEL")}
        env.update(MPLBACKEND="Agg", FGSM_EDU_CACHE_DIR=cache, FGSM_EDU_DOWNLOAD_BASE=base)
        client = NotebookClient(nb, timeout=600, startup_timeout=120, kernel_name="python3")
        client.resources = {"metadata": {"path": str(lesson.parent)}}
        with client.setup_kernel(env=env):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def for_the_page(nb: nbformat.NotebookNode, note: str) -> nbformat.NotebookNode:
    """What a static page shows: no Colab badge image, no live-widget views (their static view, or a note)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = BADGE.sub("", cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if "text/html" not in data:
                    data.pop("text/plain", None)
                    data["text/html"] = f'<p class="fgsm-edu-needs-kernel"><em>{note}</em></p>'
    return nb


def stage(lang: str, executed: Path, source: Path) -> None:
    """Write one language's Sphinx source tree: its pages and its executed lessons."""
    from fgsm_edu.i18n import t

    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(DOCS / lang, source, ignore=shutil.ignore_patterns("conf.py", "__pycache__"))
    note = t("explorer_view.widget_needs_kernel", lang=lang)
    for lesson in lessons(lang):
        found = executed_path(executed, lang, lesson)
        assert found is not None
        nb = for_the_page(nbformat.read(found, as_version=4), note)
        nbformat.write(nb, source / lesson.name)


def build(lang: str, source: Path, out: Path) -> None:
    """sphinx-build -W one tree (warnings are errors)."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-j", "1"]
    command += ["-c", str(DOCS / lang), "-d", str(source.parent / f".doctrees-{lang}"), str(source), str(out / lang)]
    subprocess.run(command, check=True)


def sizes(out: Path) -> tuple[float, dict[str, float]]:
    """The whole site's size and each lesson page's size with its images, in MB."""
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20
    pages = {}
    for page in sorted(out.glob("*/[0-9][0-9]_*.html")):
        text = page.read_text(encoding="utf-8")
        images = re.findall(r'<img[^>]+src="(?!data:)([^"]+)"', text)
        size = page.stat().st_size + sum((page.parent / i).stat().st_size for i in set(images))
        pages[str(page.relative_to(out))] = size / 2**20
    return total, pages


def main(argv: list[str] | None = None) -> int:
    """Build both trees; print where to open them, the build time and the sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    executed_dir = os.environ.get("FGSM_EDU_EXECUTED_DIR") or "build/executed"
    parser.add_argument("--executed", type=Path, default=Path(executed_dir))
    parser.add_argument("--out", type=Path, default=Path("build/site"))
    args = parser.parse_args(argv)
    start, executed, out = time.perf_counter(), args.executed.resolve(), args.out.resolve()
    mirror = Path(os.environ.get("FGSM_EDU_TEST_MIRROR") or ROOT / ".cache" / "imagenet-mirror")
    mirror = mirror.resolve() if (mirror / WEIGHTS_FILE).exists() else None
    for lang in NOTEBOOKS:
        for lesson in lessons(lang):
            if executed_path(executed, lang, lesson) is None:
                real = mirror is not None and lesson.name.startswith(REAL_WEIGHTS)
                print(f"executing {lang}/{lesson.name} (not in {executed}){' on the real weights' * real}", flush=True)
                execute(lesson, executed / lang / f"{lesson.stem}{'@imagenet' * real}.ipynb", mirror)
    if out.exists():
        shutil.rmtree(out)
    for lang in NOTEBOOKS:
        source = out.parent / "site-src" / lang
        stage(lang, executed, source)
        build(lang, source, out)
    shutil.rmtree(out / "jupyter_execute", ignore_errors=True)  # myst-nb's scratch copies, beside the trees
    (out / "index.html").write_text(REDIRECT, encoding="utf-8")
    (out / ".nojekyll").write_text("", encoding="utf-8")
    total, pages = sizes(out)
    report = {"seconds": round(time.perf_counter() - start), "site_mb": round(total, 1)}
    print(json.dumps(report | {"pages_mb": {k: round(v, 2) for k, v in pages.items()}}, indent=1))
    too_big = [p for p, mb in pages.items() if mb > PAGE_BUDGET_MB] + (["the site"] if total > SITE_BUDGET_MB else [])
    if too_big:
        print(f"over budget ({PAGE_BUDGET_MB} MB a page, {SITE_BUDGET_MB} MB in all): {too_big}", file=sys.stderr)
        return 1
    print(f"The course site is in {out}: open {out / 'en' / 'index.html'} (English)")
    print(f"or {out / 'ja' / 'index.html'} (日本語).")
    return 0


REDIRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>fgsm-edu</title>
<meta http-equiv="refresh" content="0; url=en/index.html"></head>
<body><p><a href="en/index.html">English</a> · <a href="ja/index.html" lang="ja">日本語</a></p></body></html>
"""

if __name__ == "__main__":
    sys.exit(main())
