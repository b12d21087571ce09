"""The message catalogue as data: one TOML file per language in ``fgsm_edu/locales/``.

Why TOML: Python reads it with the standard library (``tomllib``, Python >= 3.11, which the package
requires), it allows comments for translators and multi-line strings for long messages, and there is
no compile step (gettext's ``.po`` files need ``msgfmt`` to ``.mo`` and a build hook to ship them).
A translator edits one data file and never Python; adding a language is one new ``<code>.toml``
with the same keys and ``{placeholders}`` as ``en.toml`` (tests/test_catalogue.py checks both).
Keys under a ``[table]`` are read as ``table.key`` (``[widgets]`` ``upload`` is ``widgets.upload``).
Read by ``fgsm_edu.i18n.t`` (every lesson's ``fe.set_language(LANG)`` cell chooses the language).
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

from fgsm_edu.errors import InvalidArgumentError

DEFAULT = "en"


def languages() -> tuple[str, ...]:
    """The languages with a catalogue file, English first (see the module docstring).

    Returns:
        The language codes, e.g. ("en", "ja").
    """
    names = [p.name[: -len(".toml")] for p in resources.files("fgsm_edu").joinpath("locales").iterdir()]
    codes = sorted(n for n in names if n.isalpha() and n.islower())
    return (DEFAULT, *[c for c in codes if c != DEFAULT])


@functools.cache
def load(lang: str) -> dict[str, str]:
    """Read one language's catalogue file into a flat {"table.key": text} dict (module docstring).

    Args:
        lang: the language code, the file's name without ``.toml``.

    Returns:
        Every key of that language and its text (str.format fields left in).
    """
    if lang not in languages():
        raise InvalidArgumentError(f"no catalogue for language {lang!r}; have {languages()}.")
    text = resources.files("fgsm_edu").joinpath("locales", f"{lang}.toml").read_text(encoding="utf-8")
    return flatten(tomllib.loads(text))


def flatten(table: dict[str, object], prefix: str = "") -> dict[str, str]:
    """Turn nested TOML tables into dotted keys: {"widgets": {"upload": ...}} -> {"widgets.upload": ...}.

    Args:
        table: a parsed TOML table.
        prefix: the dotted path of ``table`` so far.

    Returns:
        The flat dict; raises TypeError if a value is not a string.
    """
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, str):
            flat[prefix + key] = value
        else:
            raise TypeError(f"catalogue entry {prefix + key!r} is {type(value).__name__}, not a string")
    return flat
