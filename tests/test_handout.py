"""fgsm-edu handout: the lessons without their hidden solutions, for an instructor to hand out (fgsm_edu.handout)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

import fgsm_edu as fe
from fgsm_edu import cli
from fgsm_edu.handout import handout_notebook, lessons_folder, without_solutions, write_handouts

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOLUTION = re.compile(r"<details>.*?```python\n.*?```.*?</details>", re.S)


def is_solution_only(cell: nbformat.NotebookNode) -> bool:
    """Whether a markdown cell holds hidden solutions and nothing else."""
    return cell.cell_type == "markdown" and "<details>" in cell.source and not SOLUTION.sub("", cell.source).strip()


@pytest.fixture(scope="module", params=["en", "ja"])
def handouts(request, tmp_path_factory) -> tuple[str, Path]:
    """Every lesson in one language, written as handouts once per module."""
    out = tmp_path_factory.mktemp(f"handout-{request.param}")
    assert cli.main(["handout", str(out), "--lang", request.param, "--notebooks", str(NOTEBOOKS)]) == 0
    return request.param, out


def test_every_lesson_is_written_without_solutions_and_keeps_everything_else(handouts):
    lang, out = handouts
    folder = NOTEBOOKS if lang == "en" else NOTEBOOKS / lang
    originals = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    assert [p.name for p in sorted(out.iterdir())] == [p.name for p in originals]
    for path in originals:
        lesson, handout = nbformat.read(path, as_version=4), nbformat.read(out / path.name, as_version=4)
        nbformat.validate(handout)
        solutions = sum(SOLUTION.search(c.source) is not None for c in lesson.cells if c.cell_type == "markdown")
        assert solutions >= 2, f"{path.name}: the lesson should have hidden solutions to remove"
        kept = [c for c in lesson.cells if not is_solution_only(c)]
        assert len(handout.cells) == len(kept) < len(lesson.cells)
        expected = [SOLUTION.sub("", c.source).strip("\n") if "<details>" in c.source else c.source for c in kept]
        assert [c.source for c in handout.cells] == expected, path.name  # text around a solution stays
        assert [c.get("id") for c in handout.cells] == [c.get("id") for c in kept]
        text = "\n".join(c.source for c in handout.cells)
        assert "<details>" not in text and "```python" not in text
        assert all(c.outputs == [] and c.execution_count is None for c in handout.cells if c.cell_type == "code")


def test_exercise_and_check_cells_stay(handouts):
    lang, out = handouts
    for path in sorted(out.iterdir()):
        code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        answers = [s for s in code if re.search(r"^\w+ = None  # ", s, re.M)]
        checks = [s for s in code if re.search(r"\b(exercises|understanding|certificates)\.check_", s)]
        assert len(answers) >= 2 and len(checks) >= 2, path.name
        assert any(f'LANG = "{lang}"' in s for s in code)


def test_without_solutions_keeps_hints_and_text_around():
    text = (
        "Try it.\n\n<details><summary>Hint</summary>\n\nLook at the sign.\n</details>\n\n"
        "<details><summary>Solution</summary>\n\n```python\nx = 1\n```\n</details>\nAfter."
    )
    assert without_solutions(text) == (
        "Try it.\n\n<details><summary>Hint</summary>\n\nLook at the sign.\n</details>\n\nAfter."
    )


def test_the_handout_does_not_change_the_lesson_and_strips_outputs():
    cell = {"cell_type": "code", "id": "a1", "metadata": {"tags": ["x"]}, "source": ["y = 1\n", "y"]}
    cell |= {"outputs": [{"output_type": "stream", "name": "stdout", "text": "1"}], "execution_count": 3}
    solution = {"cell_type": "markdown", "id": "b2", "metadata": {}, "source": "<details>```python\nx\n```</details>"}
    lesson = {"cells": [cell, solution], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    before = json.dumps(lesson)
    handout = handout_notebook(lesson)
    assert json.dumps(lesson) == before
    assert handout["cells"] == [dict(cell, source="y = 1\ny", outputs=[], execution_count=None)]


def test_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "class"
    out.mkdir()
    (out / "01_fgsm_explained.ipynb").write_text("my own notes")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["handout", str(out), "--notebooks", str(NOTEBOOKS)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    lessons = len(list(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
    assert error == f"fgsm-edu handout: error: {out / '01_fgsm_explained.ipynb'} already exists; " + (
        f"pass --force to overwrite it (lessons already in that folder: 1 of {lessons}; nothing was written)."
    )
    assert [p.name for p in out.iterdir()] == ["01_fgsm_explained.ipynb"]  # nothing written, nothing replaced
    assert (out / "01_fgsm_explained.ipynb").read_text() == "my own notes"
    assert cli.main(["handout", str(out), "--notebooks", str(NOTEBOOKS), "--force"]) == 0
    assert len(list(out.iterdir())) == lessons and "<details>" not in (out / "01_fgsm_explained.ipynb").read_text()


def test_a_missing_lessons_folder_or_a_file_as_out_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        cli.main(["handout", "out", "--notebooks", "nowhere"])
    assert "there is no lessons folder nowhere" in capsys.readouterr().err
    (tmp_path / "empty" / "ja").mkdir(parents=True)
    with pytest.raises(SystemExit):
        cli.main(["handout", "out", "--lang", "ja", "--notebooks", "empty"])
    assert "holds no lessons" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    with pytest.raises(fe.InvalidArgumentError, match="is a file"):
        write_handouts(NOTEBOOKS, tmp_path / "file")


def test_default_folder_is_the_clone_s_notebooks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./notebooks here: the clone's, next to the package
    assert lessons_folder(None, "ja").resolve() == (NOTEBOOKS / "ja").resolve()


def test_messages_in_japanese(tmp_path):
    (tmp_path / "01_fgsm_explained.ipynb").write_text("")
    fe.set_language("ja")
    try:
        with pytest.raises(fe.InvalidArgumentError) as caught:
            write_handouts(NOTEBOOKS / "ja", tmp_path)
    finally:
        fe.set_language("en")
    assert "--force" in str(caught.value) and re.search(r"[\u3040-\u30ff]", str(caught.value))
