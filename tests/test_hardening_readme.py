"""The README's "Common mistakes" section quotes the package's real error messages: each line is run here."""

from __future__ import annotations

import re
from pathlib import Path

import keras
import numpy as np
import pytest

import fgsm_edu as fe

README = Path(__file__).resolve().parents[1] / "README.md"
ITEM = re.compile(r"^- (?P<what>[^:\n]+): `(?P<code>[^`\n]+)`\n  > (?P<message>.+)$", re.MULTILINE)


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Common mistakes")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


ITEMS = [m.groupdict() for m in ITEM.finditer(_section())]


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
