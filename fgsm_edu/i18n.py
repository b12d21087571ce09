"""The learner-facing text of the package, in English and Japanese, from one catalogue.

The text itself is data, not code: ``fgsm_edu/locales/en.toml`` and ``ja.toml``, one TOML file per
language (read by ``fgsm_edu.catalogue``; TOML because ``tomllib`` is in the standard library, it
has comments for translators and multi-line strings, and needs no compile step, unlike gettext's
``.po``/``.mo``). ``t(key, **fields)`` looks a key up in the current language.

``set_language("ja")`` switches plot titles and axis labels, widget labels, exercise feedback and
the most common error messages; English is the default. It also gives matplotlib a Japanese font
(the ``ja`` extra, ``matplotlib-fontja``) so figures show real glyphs, not empty boxes: on Colab it
installs that package if missing, elsewhere it warns once with the pip command. Used by every
lesson's ``fe.set_language(LANG)`` cell (notebooks/ja/ are the Japanese lessons).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from types import ModuleType

from fgsm_edu import catalogue
from fgsm_edu.errors import InvalidArgumentError

LANGUAGES = catalogue.languages()  # one file per language in fgsm_edu/locales/
JA_FONT_PACKAGE = "matplotlib-fontja"
FALLBACK_FONT = "DejaVu Sans"  # matplotlib's own font: symbols such as ✗ that the Japanese font lacks
_state = {"lang": "en", "chosen": ""}  # chosen: set once set_language was called
_font: dict[str, object] = {"warned": False, "previous": None}

# A read-only view {key: {language: text}} of the catalogue files (fgsm_edu/locales/*.toml), for tests
# and tools; t() reads the files through catalogue.load.
MESSAGES: dict[str, dict[str, str]] = {}
for _lang in LANGUAGES:
    for _key, _text in catalogue.load(_lang).items():
        MESSAGES.setdefault(_key, {})[_lang] = _text


def set_language(lang: str) -> None:
    """Choose the language of learner-facing text ("en" or "ja"); "ja" also sets a Japanese font for figures.

    Args:
        lang: the language code.

    Returns:
        None.
    """
    if lang not in LANGUAGES:
        raise InvalidArgumentError(t("errors.language", languages=", ".join(LANGUAGES), got=lang))
    _state["lang"] = _state["chosen"] = lang
    if lang == "ja":
        use_japanese_font()
    else:
        _restore_font()


def use_japanese_font() -> bool:
    """Make matplotlib draw Japanese text with the ``matplotlib-fontja`` font (lessons' setup, notebooks/ja/).

    Returns:
        True if the font is active; False (after one warning with the pip command) if it is not installed.
    """
    import matplotlib

    previous = list(matplotlib.rcParams["font.family"])  # importing matplotlib_fontja changes it
    module = _font_module()
    if module is None:
        matplotlib.rcParams["font.family"] = previous
        if not _font["warned"]:
            _font["warned"] = True
            warnings.warn(t("font.missing", lang="ja") + "\n" + t("font.missing", lang="en"), stacklevel=3)
        return False
    from matplotlib import font_manager

    path = module.get_font_ttf_path()
    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    if _font["previous"] is None:
        _font["previous"] = previous
    matplotlib.rcParams["font.family"] = [name, FALLBACK_FONT]
    return True


def _font_module() -> ModuleType | None:
    """Import matplotlib_fontja, installing it first on Colab only; None if it is unavailable."""
    try:
        return importlib.import_module("matplotlib_fontja")
    except ImportError:
        if "google.colab" not in sys.modules:
            return None
    print(t("font.installing"))
    command = [sys.executable, "-m", "pip", "install", "--quiet", JA_FONT_PACKAGE]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return None
    importlib.invalidate_caches()
    try:
        return importlib.import_module("matplotlib_fontja")
    except ImportError:
        return None


def _restore_font() -> None:
    """Give matplotlib back the font family it had before ``use_japanese_font``."""
    if _font["previous"] is not None:
        import matplotlib

        matplotlib.rcParams["font.family"] = _font["previous"]
        _font["previous"] = None


def get_language() -> str:
    """Return the current language code ("en" by default).

    Returns:
        The language code.
    """
    return _state["lang"]


def language_chosen() -> bool:
    """Whether ``set_language`` was called in this kernel (check_environment's setup cell may run before it).

    Returns:
        True after any set_language call.
    """
    return bool(_state["chosen"])


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """Translate a catalogue key into the current (or given) language.

    Args:
        key: the catalogue key.
        lang: override the current language for this call.
        **fields: values for the text's format fields.

    Returns:
        The text, formatted.
    """
    text = catalogue.load(lang or get_language()).get(key) or catalogue.load(catalogue.DEFAULT)[key]
    return text.format(**fields) if fields else text
