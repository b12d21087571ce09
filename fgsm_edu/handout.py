"""Solution-free copies of the lessons, for instructors to hand out (``fgsm-edu handout``; README, "The lessons").

Each lesson hides the solution of an exercise in a ``<details>`` block of a markdown cell, just after
the exercise's check cell: a learner can open it, so a handout leaves it out. A handout is the lesson
with every ``<details>`` block that holds a fenced code block removed (a markdown cell left empty is
dropped); everything else, the exercise and check cells included, is kept, with outputs stripped.

Notebooks are read and written as plain JSON (nbformat 4), so the package needs no notebook library;
cell ids and metadata are kept as they are.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.i18n import t

DETAILS = re.compile(r"[ \t]*<details>.*?</details>[ \t]*\n?", re.S)
LESSON_GLOB = "[0-9][0-9]_*.ipynb"
PACKAGE_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"  # a clone or an editable install


def without_solutions(markdown: str) -> str:
    """Remove every hidden solution (a ``<details>`` block holding a fenced code block) from markdown.

    Args:
        markdown: a markdown cell's text.

    Returns:
        The text without those blocks; other ``<details>`` blocks (hints without code) stay.
    """
    return DETAILS.sub(lambda m: "" if "```" in m.group(0) else m.group(0), markdown)


def _source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (nbformat's JSON may store it as a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def handout_cell(cell: dict[str, Any]) -> dict[str, Any] | None:
    """One cell of the handout: outputs stripped, solutions removed; None when nothing is left of it.

    Args:
        cell: a cell of an nbformat 4 notebook, as parsed JSON.

    Returns:
        A new cell, or None for a markdown cell that held only solutions.
    """
    cell = dict(cell, source=_source(cell))
    if cell["cell_type"] == "code":
        return dict(cell, outputs=[], execution_count=None)
    if cell["cell_type"] == "markdown" and "<details>" in cell["source"]:
        text = without_solutions(cell["source"])
        return dict(cell, source=text.strip("\n")) if text.strip() else None
    return cell


def handout_notebook(notebook: dict[str, Any]) -> dict[str, Any]:
    """A lesson without its hidden solutions and outputs (module docstring).

    Args:
        notebook: an nbformat 4 notebook, as parsed JSON.

    Returns:
        A new notebook; the one given is not changed.
    """
    cells = [new for new in map(handout_cell, notebook.get("cells", [])) if new is not None]
    return dict(notebook, cells=cells)


def lessons_folder(notebooks: Path | None, lang: str) -> Path:
    """The folder holding the lessons in one language: ``notebooks/`` (English) or ``notebooks/<lang>/``.

    Args:
        notebooks: the lessons' root folder; None for ``./notebooks``, else the repository's next to the package.
        lang: "en" or another language code with a subfolder (e.g. "ja").

    Returns:
        The folder; raises InvalidArgumentError when it is missing or holds no lessons.
    """
    root = notebooks or next((p for p in (Path("notebooks"), PACKAGE_NOTEBOOKS) if p.is_dir()), Path("notebooks"))
    folder = root if lang == "en" else root / lang
    if not folder.is_dir():
        raise InvalidArgumentError(t("handout.no_folder", folder=str(folder)))
    if not any(folder.glob(LESSON_GLOB)):
        raise InvalidArgumentError(t("handout.no_lessons", folder=str(folder)))
    return folder


def write_handouts(lessons: Path, out: Path, force: bool = False) -> list[Path]:
    """Write a solution-free copy of every lesson in ``lessons`` into ``out`` (same file names).

    Args:
        lessons: the folder of lesson notebooks (see ``lessons_folder``).
        out: the folder to write to (created if missing).
        force: overwrite files that already exist.

    Returns:
        The paths written; raises InvalidArgumentError, writing nothing, if one exists and not force.
    """
    if out.exists() and not out.is_dir():
        raise InvalidArgumentError(t("handout.not_a_folder", path=str(out)))
    sources = sorted(lessons.glob(LESSON_GLOB))
    taken = [out / p.name for p in sources if (out / p.name).exists()]
    if taken and not force:
        raise InvalidArgumentError(t("handout.exists", path=str(taken[0]), count=len(taken), total=len(sources)))
    out.mkdir(parents=True, exist_ok=True)
    for source in sources:
        notebook = handout_notebook(json.loads(source.read_text(encoding="utf-8")))
        text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True)
        (out / source.name).write_text(text + "\n", encoding="utf-8")
    return [out / p.name for p in sources]
