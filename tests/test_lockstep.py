"""The Japanese lessons (notebooks/ja/) stay in lockstep with the English ones (notebooks/), mechanically.

For each pair: the same cells in the same order and of the same types; identical code cells once their
comments are removed (comments may be translated), except that the parameters cell may differ in ``LANG``
alone; and every English markdown cell has a Japanese
counterpart with Japanese text, the same equations, links, headings, code blocks and hidden solutions.
A change to an English lesson that is not mirrored fails here, naming the notebook and the cell.
"""

from __future__ import annotations

import copy
import io
import re
import tokenize
from collections import Counter
from pathlib import Path

import nbformat
import pytest

import fgsm_edu as fe

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ENGLISH = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
KANA_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|href=\"([^\"]+)\"")
FENCED = re.compile(r"```.*?```", re.S)
INLINE_CODE = re.compile(r"`[^`\n]+`")
LANG_LINE = re.compile(r'^LANG = "(en|ja)"$', re.M)


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as nbformat 4."""
    return nbformat.read(path, as_version=4)


def equations(markdown: str) -> Counter[str]:
    """The LaTeX of every $$...$$ and $...$ (outside code), whitespace-normalised, as a multiset."""
    text = INLINE_CODE.sub("", FENCED.sub("", markdown))
    display = DISPLAY_MATH.findall(text)
    inline = INLINE_MATH.findall(DISPLAY_MATH.sub("", text))
    return Counter(" ".join(m.split()) for m in display + inline)


def links(markdown: str) -> Counter[str]:
    """The URLs of every markdown link and href, as a multiset."""
    return Counter(a or b for a, b in LINK.findall(FENCED.sub("", markdown)))


def structure(markdown: str) -> list[object]:
    """What must match exactly: heading levels, fenced code blocks, and <details> blocks."""
    outside = FENCED.sub("", markdown)
    levels = [len(m) for m in re.findall(r"^(#{1,6}) ", outside, re.M)]
    return [levels, FENCED.findall(markdown), outside.count("<details>"), outside.count("</details>")]


def japanese_link(url: str) -> str:
    """The link a Japanese cell should have for an English one: links to a lesson go to its Japanese edition."""
    return url.replace("/notebooks/", "/notebooks/ja/", 1) if url.endswith(".ipynb") else url


def is_magic(line: str) -> bool:
    """Whether a line is an IPython magic or shell escape (``%pip ...``, ``!ls``), which is not Python."""
    return line.lstrip().startswith(("%", "!"))


def comment_starts(lines: list[str]) -> dict[int, int] | None:
    """Where each comment starts, {line index: column}, found by Python's tokenizer (never a '#' in a string).

    Magic lines are read as ``pass`` (same indentation) so the rest still tokenizes; None if it does not.
    """
    python = [line[: len(line) - len(line.lstrip())] + "pass" if is_magic(line) else line for line in lines]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(python) + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    return {t.start[0] - 1: t.start[1] for t in tokens if t.type == tokenize.COMMENT}


def without_comments(source: str) -> str:
    """A code cell with its comments removed, so a translated comment does not count as a change.

    Comment-only lines are dropped, trailing comments cut (with the spaces before them); magic and
    shell lines stay exactly as they are; everything else, whitespace included, is kept. Source that
    does not tokenize is returned unchanged (then it must match byte for byte).

    Args:
        source: the cell's source.

    Returns:
        The source without comments.
    """
    lines = source.split("\n")
    starts = comment_starts(lines)
    if starts is None:
        return source
    kept = []
    for i, line in enumerate(lines):
        if i in starts and not is_magic(line):
            line = line[: starts[i]].rstrip()
            if not line:
                continue
        kept.append(line)
    return "\n".join(kept)


def code_problem(en: str, ja: str, parameters: bool) -> str | None:
    """Why two code cells differ once comments are removed, or None: the parameters cell may differ in LANG alone."""
    if parameters:
        if not LANG_LINE.search(ja) or 'LANG = "ja"' not in ja:
            return 'the parameters cell must set LANG = "ja"'
        en, ja = LANG_LINE.sub("", en), LANG_LINE.sub("", ja)
    return None if without_comments(en) == without_comments(ja) else "code differs from the English cell"


def markdown_problems(en: str, ja: str) -> list[str]:
    """What a Japanese markdown cell lacks compared with its English original."""
    problems = []
    if not ja.strip() or not KANA_KANJI.search(ja):
        problems.append("no Japanese text")
    if equations(en) != equations(ja):
        missing, extra = equations(en) - equations(ja), equations(ja) - equations(en)
        problems.append(f"equations differ (missing {sorted(missing)}, extra {sorted(extra)})")
    en_links = Counter({japanese_link(u): n for u, n in links(en).items()})
    if en_links != links(ja):
        problems.append(f"links differ (missing {sorted(en_links - links(ja))}, extra {sorted(links(ja) - en_links)})")
    if structure(en) != structure(ja):
        problems.append("headings, code blocks or <details> differ")
    return problems


def lockstep_problems(en_nb: nbformat.NotebookNode, ja_nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Every way a Japanese notebook drifted from its English original, each naming the cell."""
    en_types, ja_types = [c.cell_type for c in en_nb.cells], [c.cell_type for c in ja_nb.cells]
    if en_types != ja_types:
        pairs = zip(en_types, ja_types, strict=False)
        first = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(en_types), len(ja_types)))
        return [f"{name}: cells differ from cell {first} on ({len(en_types)} English cells, {len(ja_types)} Japanese)"]
    problems = []
    for i, (en, ja) in enumerate(zip(en_nb.cells, ja_nb.cells, strict=True)):
        if en.cell_type == "code":
            parameters = "parameters" in en.get("metadata", {}).get("tags", [])
            if ("parameters" in ja.get("metadata", {}).get("tags", [])) != parameters:
                problems.append(f"{name} cell {i}: the 'parameters' tag differs")
            why = code_problem(en.source, ja.source, parameters)
            problems += [f"{name} cell {i}: {why}"] if why else []
        elif en.cell_type == "markdown":
            problems += [f"{name} cell {i}: {p}" for p in markdown_problems(en.source, ja.source)]
    return problems


def pair_id(path: Path) -> str:
    """A test id: the lesson's file name without .ipynb."""
    return path.stem


def test_every_english_lesson_has_a_japanese_edition():
    missing = [p.name for p in ENGLISH if not (NOTEBOOKS / "ja" / p.name).exists()]
    assert not missing, f"no Japanese edition in notebooks/ja/ for {missing}"


@pytest.mark.parametrize("path", ENGLISH, ids=[pair_id(p) for p in ENGLISH])
def test_japanese_lesson_in_lockstep(path):
    ja_path = NOTEBOOKS / "ja" / path.name
    if not ja_path.exists():
        pytest.skip(f"no notebooks/ja/{path.name} (test_every_english_lesson_has_a_japanese_edition fails)")
    problems = lockstep_problems(read(path), read(ja_path), f"ja/{path.name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ENGLISH, ids=[pair_id(p) for p in ENGLISH])
def test_japanese_badge_opens_the_japanese_lesson(path):
    ja_path = NOTEBOOKS / "ja" / path.name
    if not ja_path.exists():
        pytest.skip(f"no notebooks/ja/{path.name}")
    first = read(ja_path).cells[0].source
    assert f"blob/main/notebooks/ja/{path.name}" in first, f"ja/{path.name} cell 0: the Colab badge"


# The checker itself: each kind of drift is caught and names the cell.
def pair() -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """A small English notebook and a faithful Japanese copy."""
    v4 = nbformat.v4
    en = v4.new_notebook(
        cells=[
            v4.new_markdown_cell(
                "# Lesson 1\n\n[![b](https://x/b.svg)](https://colab/blob/main/notebooks/01_a.ipynb)\n\n"
                "The loss $J(\\theta, x, y)$ and\n\n$$x_\\text{adv} = x + \\epsilon$$\n\nSee [FGSM](https://arxiv.org/abs/1412.6572)."
            ),
            v4.new_code_cell('LANG = "en"\nEPS = 0.1', metadata={"tags": ["parameters"]}),
            v4.new_code_cell("# Choose the language.\nfe.set_language(LANG)\nanswer = None  # replace None"),
            v4.new_markdown_cell("<details><summary>Solution</summary>\n\n```python\nx = 1\n```\n</details>"),
        ]
    )
    ja = copy.deepcopy(en)
    ja.cells[0].source = (
        "# Lesson 1\n\n[![b](https://x/b.svg)](https://colab/blob/main/notebooks/ja/01_a.ipynb)\n\n"
        "損失 (loss) $J(\\theta, x, y)$ と\n\n$$x_\\text{adv} = x + \\epsilon$$\n\n"
        "[FGSM](https://arxiv.org/abs/1412.6572) を参照。"
    )
    ja.cells[1].source = 'LANG = "ja"\nEPS = 0.1'
    ja.cells[3].source = "<details><summary>解答</summary>\n\n```python\nx = 1\n```\n</details>"
    return en, ja


def test_checker_accepts_a_faithful_translation():
    assert lockstep_problems(*pair(), "t.ipynb") == []


@pytest.mark.parametrize(
    ("cell", "change", "expected"),
    [
        (2, lambda s: s + "\nprint(1)", "cell 2: code differs"),
        (1, lambda s: s.replace("0.1", "0.2"), "cell 1: code differs"),
        (1, lambda s: s.replace('"ja"', '"en"'), 'cell 1: the parameters cell must set LANG = "ja"'),
        (0, lambda s: s.replace("$J(\\theta, x, y)$", "$J$"), "cell 0: equations differ"),
        (0, lambda s: s.replace("$$x_\\text{adv} = x + \\epsilon$$", ""), "cell 0: equations differ"),
        (0, lambda s: s.replace("1412.6572", "1412.6573"), "cell 0: links differ"),
        (0, lambda s: s.replace("notebooks/ja/", "notebooks/"), "cell 0: links differ"),
        (3, lambda s: s.replace("x = 1", "x = 2"), "cell 3: headings, code blocks"),
        (3, lambda s: "", "cell 3: no Japanese text"),
        (3, lambda s: s.replace("解答", "Solution"), "cell 3: no Japanese text"),
    ],
)
def test_checker_names_the_drifted_cell(cell, change, expected):
    en, ja = pair()
    ja.cells[cell].source = change(ja.cells[cell].source)
    problems = lockstep_problems(en, ja, "t.ipynb")
    assert any(expected in p for p in problems), problems


def test_checker_catches_an_english_change_not_mirrored():
    en, ja = pair()
    en.cells.insert(2, nbformat.v4.new_markdown_cell("A new paragraph."))
    assert lockstep_problems(en, ja, "t.ipynb") == [
        "t.ipynb: cells differ from cell 2 on (5 English cells, 4 Japanese)"
    ]
    en, ja = pair()
    en.cells[0].source += " Also $\\nabla_x J$."
    assert "t.ipynb cell 0: equations differ" in lockstep_problems(en, ja, "t.ipynb")[0]


def test_readme_ja_is_linked_and_opens_every_japanese_lesson():
    readme, readme_ja = (ROOT / "README.md").read_text(), (ROOT / "README.ja.md").read_text()
    assert "](README.ja.md)" in readme.split("\n## ")[0], "README.md links to README.ja.md near the top"
    for path in ENGLISH:
        badge = f"https://colab.research.google.com/github/fgsm-edu/fgsm-edu/blob/main/notebooks/ja/{path.name}"
        assert f"]({badge})" in readme_ja, f"README.ja.md: no Colab badge for notebooks/ja/{path.name}"
        assert f"](notebooks/ja/{path.name})" in readme_ja
    for command in ("make lab", "make test", "conda env create -f environment.yml", "matplotlib-fontja"):
        assert command in readme_ja


def test_readme_ja_error_example_is_the_real_message():
    readme_ja = (ROOT / "README.ja.md").read_text()
    quoted = re.search(r"# InvalidArgumentError: (.+)", readme_ja).group(1)
    model = fe.load_model("digits_cnn")
    x = fe.load_digits_data().x_test[:2]
    fe.set_language("ja")
    try:
        with pytest.raises(fe.InvalidArgumentError) as caught:
            fe.fgsm(model, x * 255, [3, 7], eps=0.1)
    finally:
        fe.set_language("en")
    assert str(caught.value) == quoted


def test_checker_accepts_translated_comments():
    en, ja = pair()
    ja.cells[2].source = "# 言語を選びます。\nfe.set_language(LANG)\nanswer = None  # None を答えに置き換えます"
    assert lockstep_problems(en, ja, "t.ipynb") == []


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.replace("None  #", "0  #"),  # a changed value, its comment translated
        lambda s: s.replace("answer = None", "answer= None"),  # whitespace is code too
        lambda s: s.replace("set_language(LANG)", "set_language('ja')"),
    ],
)
def test_checker_still_catches_changed_code_beside_a_translated_comment(change):
    en, ja = pair()
    ja.cells[2].source = change(ja.cells[2].source).replace("# replace None", "# 答えを入れます")
    assert lockstep_problems(en, ja, "t.ipynb") == ["t.ipynb cell 2: code differs from the English cell"]


@pytest.mark.parametrize(
    ("en", "ja", "same"),
    [
        ('s = "# keep"  # note', 's = "# keep"  # メモ', True),
        ('s = "# keep"', 's = "# 残す"', False),  # a '#' inside a string is not a comment
        ("x = 1\n# note\ny = 2", "x = 1\ny = 2", True),
        ("x = 1\n\ny = 2", "x = 1\ny = 2", False),  # a blank line that is not a comment
        ('if s:\n    %pip install "a"  # note', 'if s:\n    %pip install "a"  # メモ', False),  # magics: as is
        ('%pip install -q "a"\nx = 1  # note', '%pip install -q "a"\nx = 1  # メモ', True),
        ("!ls  # note\nx = 1  # note", "!ls  # note\nx = 1  # メモ", True),
        ("!ls\nx = 1", "!ls -l\nx = 1", False),
        ("%%time\nx = f(1)  # note", "%%time\nx = f(1)  # メモ", True),
        ("x = (1,  # one\n     2)", "x = (1,  # 一\n     2)", True),
        ("x = (1,", "x = (1,  # 一", False),  # does not tokenize: compared byte for byte
    ],
)
def test_without_comments(en, ja, same):
    assert (without_comments(en) == without_comments(ja)) is same
