"""The message catalogue is data: one TOML file per language, the same keys and placeholders in each."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

from fgsm_edu import catalogue, i18n

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "fgsm_edu" / "locales"
JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")  # kana, kanji, Japanese punctuation


def placeholders(text: str) -> list[tuple[str, str | None]]:
    """The str.format fields of a text, with their conversion (!r quotes), sorted."""
    return sorted((name, conv) for _, name, _, conv in string.Formatter().parse(text) if name is not None)


def test_every_language_file_is_found():
    files = sorted(p.stem for p in LOCALES.glob("*.toml"))
    assert sorted(catalogue.languages()) == files and {"en", "ja"} <= set(files)
    assert catalogue.languages()[0] == "en" and catalogue.languages() == i18n.LANGUAGES


@pytest.mark.parametrize("lang", [p.stem for p in sorted(LOCALES.glob("*.toml")) if p.stem != "en"])
def test_every_language_has_the_same_keys_and_placeholders_as_english(lang):
    english, other = catalogue.load("en"), catalogue.load(lang)
    assert sorted(set(english) - set(other)) == [], f"{lang}.toml lacks these keys"
    assert sorted(set(other) - set(english)) == [], f"{lang}.toml has keys en.toml does not"
    wrong = [key for key in english if placeholders(english[key]) != placeholders(other[key])]
    assert wrong == [], f"{lang}.toml's {{placeholders}} differ from en.toml's for these keys"


def test_no_placeholder_is_named_like_an_argument_of_t():
    """t(key, lang=..., **fields): a {lang} or {key} field could never be filled in."""
    clash = [k for k, text in catalogue.load("en").items() if {"key", "lang"} & {n for n, _ in placeholders(text)}]
    assert clash == []


def test_every_text_formats_with_its_own_fields():
    """No stray brace: each text formats once its fields are given (a 1.0 suits every spec used)."""
    for lang in catalogue.languages():
        for key, text in catalogue.load(lang).items():
            values = {name: 1.0 for name, _ in placeholders(text)}
            try:
                text.format(**values)
            except (ValueError, KeyError, IndexError) as error:  # a lone { or }, an unknown spec
                pytest.fail(f"{lang}.toml, {key}: {error}")


CODE_WORDS = {"eps", "np", "inf", "png", "jpeg", "alpha"}  # lowercase words that are code, not English


def names_only(text: str) -> bool:
    """A text of names, code words and symbols ("FGSM", "eps = {eps}", "ε"), the same in every language."""
    return set(re.findall(r"\b[a-z]{2,}\b", re.sub(r"\{[^}]*\}", "", text))) <= CODE_WORDS


def test_japanese_texts_are_japanese_and_english_texts_are_not():
    english, japanese = catalogue.load("en"), catalogue.load("ja")
    for key in english:
        assert not JAPANESE.search(english[key]), key
        if not (japanese[key] == english[key] and names_only(english[key])):
            assert JAPANESE.search(japanese[key]), f"{key}: {japanese[key]!r}"
    assert names_only("FGSM") and names_only("eps = {eps}") and not names_only("accuracy at {eps}")


def test_the_files_are_toml_tables_of_strings_and_long_lines_join_without_line_breaks():
    for path in LOCALES.glob("*.toml"):
        flat = catalogue.flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        assert flat == catalogue.load(path.stem)
    assert "\n" not in catalogue.load("en")["lesson_offline"]
    assert "offline?). The lesson continues" in catalogue.load("en")["lesson_offline"]
    with pytest.raises(TypeError, match="'widgets.size' is int"):
        catalogue.flatten({"widgets": {"size": 3}})


def test_t_reads_the_files_and_falls_back_to_english_only_for_unknown_languages():
    assert i18n.t("widgets.clean", lang="ja") == catalogue.load("ja")["widgets.clean"]
    assert i18n.MESSAGES["widgets.clean"] == {lang: catalogue.load(lang)["widgets.clean"] for lang in i18n.LANGUAGES}
    with pytest.raises(KeyError):
        i18n.t("no.such.key")


def test_the_locale_files_are_package_data():
    """pip install . (and Colab's pip install --no-deps) ship the catalogue: pyproject lists it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "locales/*.toml" in pyproject["tool"]["setuptools"]["package-data"]["fgsm_edu"]
