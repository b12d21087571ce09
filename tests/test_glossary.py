"""One term per concept: GLOSSARY.md's discouraged Japanese variants appear nowhere a Japanese learner reads."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "GLOSSARY.md"
DISCOURAGED = "ja: discouraged variants"


def glossary_rows() -> list[dict[str, str]]:
    """The glossary table as one dict per row, keyed by the header's column names."""
    lines = [line.strip() for line in GLOSSARY.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, rows = cells[0], [row for row in cells[2:] if len(row) == len(cells[0])]
    assert len(rows) == len(cells) - 2, "a glossary row has the wrong number of columns"
    return [dict(zip(header, row, strict=True)) for row in rows]


def variants() -> dict[str, str]:
    """Discouraged variant -> the Japanese term to use instead."""
    return {v: row["日本語"] for row in glossary_rows() for v in re.findall(r"`([^`]+)`", row[DISCOURAGED])}


def code_comments(source: str) -> str:
    """The comments of a code cell (IPython magics and shell lines skipped)."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tokens = tokenize.generate_tokens(io.StringIO(code).readline)
        return "\n".join(tok.string for tok in tokens if tok.type == tokenize.COMMENT)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "\n".join(line.split("#", 1)[1] for line in code.splitlines() if "#" in line)


def japanese_texts() -> list[tuple[str, str]]:
    """(where, text) for everything the glossary governs: notebooks/ja prose and comments, README.ja, ja.toml."""
    texts = [("README.ja.md", (ROOT / "README.ja.md").read_text(encoding="utf-8"))]
    texts.append(("fgsm_edu/locales/ja.toml", (ROOT / "fgsm_edu/locales/ja.toml").read_text(encoding="utf-8")))
    for path in sorted((ROOT / "notebooks" / "ja").glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            text = cell.source if cell.cell_type == "markdown" else code_comments(cell.source)
            texts.append((f"notebooks/ja/{path.name} c{i}", text))
    return texts


def offences(texts: list[tuple[str, str]]) -> list[str]:
    """'where: variant (use term)' for every discouraged variant found."""
    found = variants()
    return [f"{where}: {v!r} (use {term})" for where, text in texts for v, term in found.items() if v in text]


def test_the_glossary_table_is_complete():
    rows = glossary_rows()
    assert len(rows) >= 25 and all(row["English"] and row["日本語"] for row in rows)
    terms = {row["English"].split(" (")[0] for row in rows}
    assert {"clean image", "robustness, robust", "confidence", "pixel", "minimal epsilon"} <= terms
    for row in rows:  # the term to use never contains a variant of its own row
        assert not [v for v in re.findall(r"`([^`]+)`", row[DISCOURAGED]) if v in row["日本語"]], row


def test_the_check_finds_variants_in_prose_and_comments_only():
    assert offences([("x", "きれいな画像の損失")]) == ["x: 'きれいな' (use 元の画像)"]
    assert offences([("x", "元の画像の損失、学習率と学習済みの重み")]) == []
    cell = 'x = "ピクセル"  # 画素の値\n%pip install fgsm-edu  # ピクセル\ny = 1  # ノート PC で数秒'
    assert code_comments(cell).count("#") == 2 and offences([("c", code_comments(cell))]) == [
        "c: 'ノート PC' (use ノートパソコン)"
    ]


@pytest.mark.parametrize("scope", ["README.ja.md", "fgsm_edu/locales/ja.toml", "notebooks/ja"])
def test_no_discouraged_variant_in_japanese_text(scope):
    found = offences([(where, text) for where, text in japanese_texts() if where.startswith(scope)])
    assert found == [], "discouraged variants (see GLOSSARY.md):\n" + "\n".join(found)
