"""The learner-facing text of the package, in English and Japanese, from one catalogue.

``set_language("ja")`` switches plot titles, widget labels and exercise feedback; English is
the default. Explained in the Japanese lessons' setup cell (notebooks/ja/).
"""

from __future__ import annotations

from fgsm_edu.errors import InvalidArgumentError

LANGUAGES = ("en", "ja")
_state = {"lang": "en"}

# One catalogue: key -> {language: text}. Text may hold str.format fields.
MESSAGES: dict[str, dict[str, str]] = {
    "correct": {"en": "Correct!", "ja": "正解です！"},
    "not_quite": {"en": "Not quite: {reason}", "ja": "惜しい：{reason}"},
    "hint": {"en": "Hint: {hint}", "ja": "ヒント：{hint}"},
}


def set_language(lang: str) -> None:
    """Choose the language of learner-facing text ("en" or "ja").

    Args:
        lang: the language code.

    Returns:
        None.
    """
    if lang not in LANGUAGES:
        raise InvalidArgumentError(f"language must be one of {LANGUAGES}, got {lang!r}.")
    _state["lang"] = lang


def get_language() -> str:
    """Return the current language code ("en" by default).

    Returns:
        The language code.
    """
    return _state["lang"]


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """Translate a catalogue key into the current (or given) language.

    Args:
        key: the catalogue key.
        lang: override the current language for this call.
        **fields: values for the text's format fields.

    Returns:
        The text, formatted.
    """
    entry = MESSAGES[key]
    text = entry.get(lang or get_language()) or entry["en"]
    return text.format(**fields) if fields else text
