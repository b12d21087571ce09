"""The READMEs' "Common mistakes" sections quote the package's real error messages: each line is run here.

README.md quotes them in English; README.ja.md (「よくある間違い」) quotes the same mistakes as the package
prints them after ``fe.set_language("ja")``.
"""

from __future__ import annotations

import re
from pathlib import Path

import keras
import numpy as np
import pytest

import fgsm_edu as fe

ROOT = Path(__file__).resolve().parents[1]
README, README_JA = ROOT / "README.md", ROOT / "README.ja.md"
ITEM = re.compile(r"^- (?P<what>[^:\n]+): `(?P<code>[^`\n]+)`\n  > (?P<message>.+)$", re.MULTILINE)
ITEM_JA = re.compile(r"^- (?P<what>[^：\n]+)：`(?P<code>[^`\n]+)`\n  > (?P<message>.+)$", re.MULTILINE)


def _section(path: Path = README, heading: str = "## Common mistakes") -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


ITEMS = [m.groupdict() for m in ITEM.finditer(_section())]
ITEMS_JA = [m.groupdict() for m in ITEM_JA.finditer(_section(README_JA, "## よくある間違い"))]


def test_the_section_lists_the_usual_mistakes():
    assert len(ITEMS) >= 14
    quoted = [line for line in _section().splitlines() if line.startswith("  > ")]
    assert len(quoted) == len(ITEMS)  # every quoted message belongs to a mistake that is run below


@pytest.fixture
def namespace(digits, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("shopping list")
    inputs = keras.Input((8, 8, 1))
    softmax_model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs)))
    x, y = digits.x_test[:2], digits.y_test[:2]
    model = fe.load_model("digits_cnn")
    return {"fe": fe, "np": np, "model": model, "x": x, "y": y, "image": x[0], "my_softmax_model": softmax_model}


@pytest.mark.parametrize("item", ITEMS, ids=[item["what"] for item in ITEMS])
def test_each_mistake_gives_the_quoted_message(namespace, item):
    with pytest.raises(fe.FgsmEduError) as info:
        exec(item["code"], namespace)
    actual = f"{type(info.value).__name__}: {info.value}"
    assert actual == item["message"], f"update README.md, {item['what']!r}, to:\n  > {actual}"
    assert isinstance(info.value, ValueError | TypeError | OSError)


def test_the_japanese_readme_lists_the_same_mistakes():
    assert [item["code"] for item in ITEMS_JA] == [item["code"] for item in ITEMS]
    quoted = [line for line in _section(README_JA, "## よくある間違い").splitlines() if line.startswith("  > ")]
    assert len(quoted) == len(ITEMS_JA)


@pytest.mark.parametrize("item", ITEMS_JA, ids=[item["code"] for item in ITEMS_JA])
def test_each_mistake_gives_the_quoted_japanese_message(namespace, item):
    fe.set_language("ja")
    try:
        with pytest.raises(fe.FgsmEduError) as info:
            exec(item["code"], namespace)
    finally:
        fe.set_language("en")
    actual = f"{type(info.value).__name__}: {info.value}"
    assert actual == item["message"], f"update README.ja.md, {item['what']!r}, to:\n  > {actual}"
