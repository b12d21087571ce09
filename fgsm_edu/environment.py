"""The setup cell's version check: say clearly what to upgrade before anything breaks (every notebook, "Setup").

Run as ``fe.check_environment()`` in the second cell of each lesson. The floors are ones that
Colab's default runtime meets (ipywidgets 7.7.1 there: Colab's front end renders ipywidgets 7, not
8), so the check passes on Colab as it is; ``require_tensorflow`` runs first, at ``import fgsm_edu``,
because nothing works without TensorFlow (Colab's TPU runtime has none).
"""

from __future__ import annotations

import importlib.util
import os
import platform
import re
import sys
from importlib import metadata

from fgsm_edu.errors import FgsmEduError
from fgsm_edu.i18n import get_language, language_chosen, t

# package -> (minimum version, the command that fixes it, or the catalogue key of the steps);
# on Colab some fixes differ (COLAB_FIXES). The text is in the catalogue's [environment] table.
MINIMUM_VERSIONS: dict[str, tuple[tuple[int, ...], str]] = {
    "python": ((3, 11), "environment.fix_python"),
    "tensorflow": ((2, 16), 'pip install -U "tensorflow>=2.16"'),
    "keras": ((3,), 'pip install -U "keras>=3"'),
    "ipywidgets": ((7, 7), 'pip install -U "ipywidgets>=8,<9"'),
}
COLAB_FIXES = {
    "python": "environment.colab_python",
    "tensorflow": "environment.colab_tensorflow",
    "ipywidgets": "environment.colab_ipywidgets",
}
LOCALE_VARIABLES = ("FGSM_EDU_LANG", "LC_ALL", "LC_MESSAGES", "LANG")  # read when no language was chosen
COLAB_WIDGETS = (7, 7, 1)  # the ipywidgets that Colab's front end renders
UNTESTED_WIDGETS = (9,)  # the first ipywidgets major the widgets were not tested with


class MissingTensorFlowError(FgsmEduError, ImportError):
    """TensorFlow is not installed (on Colab: the TPU runtime); the message says what to do."""


def on_colab() -> bool:
    """Whether this kernel runs on Google Colab.

    Returns:
        True when the ``google.colab`` module is loaded (Colab imports it into every kernel).
    """
    return "google.colab" in sys.modules


def setup_language(lang: str | None = None) -> str:
    """The language of the setup cell's messages, which may run before ``set_language`` (every notebook, "Setup").

    Args:
        lang: an explicit language code, such as the lesson's LANG.

    Returns:
        ``lang`` if given; else the language chosen with ``set_language``; else "ja" when the
        FGSM_EDU_LANG, LC_ALL, LC_MESSAGES or LANG environment variable starts with "ja"; else "en".
    """
    if lang is not None:
        return lang
    if language_chosen():
        return get_language()
    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def fix_for(name: str, colab: bool, lang: str | None = None) -> str:
    """The command or steps that fix a missing or too old package.

    Args:
        name: "python", "tensorflow", "keras" or "ipywidgets".
        colab: whether the advice is for Colab.
        lang: the language of the steps (None: the current language).

    Returns:
        One line to follow.
    """
    fix = COLAB_FIXES.get(name, MINIMUM_VERSIONS[name][1]) if colab else MINIMUM_VERSIONS[name][1]
    return t(fix, lang=lang) if fix.startswith("environment.") else fix


def require_tensorflow(colab: bool | None = None) -> None:
    """Raise a plain-words error when TensorFlow is not installed (run by ``import fgsm_edu``).

    Args:
        colab: whether to give Colab's advice; None detects it.

    Returns:
        None. Raises MissingTensorFlowError, an ImportError, naming the fix.
    """
    if importlib.util.find_spec("tensorflow") is not None:
        return
    colab = on_colab() if colab is None else colab
    lang = setup_language()
    then = "" if colab else t("environment.then_restart", lang=lang)
    fix = fix_for("tensorflow", colab, lang)
    raise MissingTensorFlowError(t("environment.no_tensorflow", lang=lang, fix=fix, then=then), name="tensorflow")


def parse_version(text: str) -> tuple[int, ...]:
    """Read the leading numbers of a version string ("2.21.0rc1" -> (2, 21, 0)).

    Args:
        text: a version string.

    Returns:
        The numeric parts, or () if there are none.
    """
    numbers = re.match(r"\d+(?:\.\d+)*", text.strip())
    return tuple(int(n) for n in numbers.group(0).split(".")) if numbers else ()


def installed_versions() -> dict[str, str | None]:
    """Return the installed versions of Python and the packages the lessons need (None: missing).

    Returns:
        A mapping from package name to version string.
    """
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("tensorflow", "keras", "ipywidgets"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def version_problems(found: dict[str, str | None], colab: bool = False, lang: str | None = None) -> list[str]:
    """List what is missing or too old, each with the command that fixes it.

    Args:
        found: package name -> installed version (None if missing), as from ``installed_versions``.
        colab: whether to give Colab's fixes.
        lang: the language of the messages (None: the current language).

    Returns:
        One message per problem; empty when everything is recent enough.
    """
    problems = []
    for name, (minimum, _) in MINIMUM_VERSIONS.items():
        version, needed, fix = found.get(name), ".".join(map(str, minimum)), fix_for(name, colab, lang)
        fields = {"name": name, "version": version, "needed": needed, "fix": fix}
        if version is None:
            problems.append(t("environment.not_installed", lang=lang, **fields))
        elif parse_version(version) < minimum:
            problems.append(t("environment.too_old", lang=lang, **fields))
    return problems


def version_warnings(found: dict[str, str | None], colab: bool = False, lang: str | None = None) -> list[str]:
    """List what works but may not show right: the widgets' front end (ipywidgets 8+ on Colab, 9+).

    Args:
        found: package name -> installed version (None if missing), as from ``installed_versions``.
        colab: whether the kernel runs on Colab.
        lang: the language of the messages (None: the current language).

    Returns:
        One message per warning, each with what to do; empty when nothing needs attention.
    """
    version = found.get("ipywidgets")
    if version is None:
        return []
    if colab and parse_version(version)[:1] >= (8,):
        colab_widgets = ".".join(map(str, COLAB_WIDGETS))
        fix = fix_for("ipywidgets", True, lang)
        return [t("environment.widgets_colab", lang=lang, version=version, colab_widgets=colab_widgets, fix=fix)]
    if parse_version(version) >= UNTESTED_WIDGETS:
        return [t("environment.widgets_untested", lang=lang, version=version)]
    return []


def check_environment(lang: str | None = None) -> None:
    """Check Python, TensorFlow, Keras and ipywidgets; print one line (and any warning), or raise.

    Args:
        lang: the language of the messages, e.g. the lesson's LANG; None: see ``setup_language``.

    Returns:
        None. Raises FgsmEduError listing every problem and its fix (then restart the kernel);
        prints a line starting with "Note:" for what may not display right.
    """
    from fgsm_edu import __version__

    found, colab, lang = installed_versions(), on_colab(), setup_language(lang)
    problems = version_problems(found, colab, lang)
    if problems:
        restart = t("environment.restart_colab" if colab else "environment.restart_jupyter", lang=lang)
        raise FgsmEduError("\n".join([*problems, t("environment.restart", lang=lang, restart=restart)]))
    listed = ", ".join(f"{name} {version}" for name, version in found.items())
    print(t("environment.versions", lang=lang, version=__version__, listed=listed), file=sys.stdout)
    for warning in version_warnings(found, colab, lang):
        print(t("environment.note", lang=lang, warning=warning), file=sys.stdout)
