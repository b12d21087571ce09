"""Every lesson notebook follows the conventions (notes in notebooks/) and runs top to bottom on a fresh kernel.

Execution is offline on purpose: the kernel gets a download mirror that refuses connections, so
lesson 01 always takes its offline path (the digits CNN) when run as committed, and MobileNetV2
with random weights when ``WEIGHTS = None`` is injected into its parameters cell. Each run's
wall time is printed (``pytest -s`` not needed).
"""

from __future__ import annotations

import functools
import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from test_lockstep import without_comments

from fgsm_edu.models import KNOWN_MODELS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ENGLISH = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
JAPANESE = sorted((NOTEBOOKS / "ja").glob("[0-9][0-9]_*.ipynb"))
ALL = ENGLISH + JAPANESE
CELL_TIMEOUT_S = 300
SETUP = """# Setup: on Colab, install fgsm-edu once (Colab's own tensorflow, ipywidgets and matplotlib are kept).
import sys

if "google.colab" in sys.modules:
    try:
        import fgsm_edu
    except ImportError:
        %pip install --quiet --no-deps "fgsm-edu @ git+https://github.com/fgsm-edu/fgsm-edu"
import fgsm_edu as fe

%matplotlib inline"""
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# A check cell calls a checker: fgsm_edu.exercises (lessons 01-06), understanding (02-03) or certificates (07).
CHECKER = re.compile(r"\b(exercises|understanding|certificates)\.check_")
WORD = re.compile(r"[A-Za-z][A-Za-z']*(?:-[A-Za-z]+)*")  # a Latin-letter word: "lady's", "step-size"; "PGD" in PGD-40
# Latin-letter words a Japanese lesson may print: method, dataset, format and library names, and notation.
# fmt: off
ALLOWED_IN_JA = frozenset((
    "fgsm", "pgd", "bim", "mnist", "imagenet", "mobilenetv", "jpeg", "png", "psnr", "ssim", "linf", "eps",
    "keras", "tensorflow", "numpy", "colab", "bpda", "eot", "logits", "softmax", "argmax", "sign", "grad",
    "clip", "max", "min", "std", "lenet", "pytorch", "cleverhans", "art", "foolbox", "madry", "wong", "goodfellow",
    "kurakin", "rgb", "uint", "float", "dtype", "shape", "nan", "inf", "cnn", "none", "python", "ipywidgets",
    "exp", "log", "matplotlib", "pillow", "mirko", "wikimedia", "commons", "by-sa",  # the photo credit
    "predict", "certify",  # Cohen et al.'s algorithms PREDICT and CERTIFY (lesson 07)
))
# fmt: on
# What must never appear in a cell's output: tracebacks, TensorFlow / absl / CUDA log noise, and
# matplotlib's missing-glyph warning (Japanese text drawn as empty boxes).
SPAM = re.compile(
    r"Traceback|Warning|WARNING|^[IWEF]\d{4} |absl::|cuda|oneDNN|tensorflow/core|TF-TRT|missing from (current )?font",
    re.M,
)


def ids(paths: list[Path]) -> list[str]:
    """Readable test ids: "01_fgsm_explained" or "ja/01_fgsm_explained"."""
    return [str(p.relative_to(NOTEBOOKS).with_suffix("")) for p in paths]


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as nbformat 4."""
    return nbformat.read(path, as_version=4)


def parameters_index(nb: nbformat.NotebookNode) -> int:
    """The index of the cell tagged "parameters"."""
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged 'parameters'"
    return tagged[0]


def test_there_are_lessons():
    assert len(ENGLISH) >= 2, f"expected the lesson notebooks in {NOTEBOOKS}"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_committed_without_outputs(path):
    nb = read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {i} has outputs: strip them"
    assert "widgets" not in nb.metadata, "saved widget state: strip it (nbstripout)"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_follows_the_lesson_conventions(path):
    nb = read(path)
    first, markdown = nb.cells[0], [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert first.cell_type == "markdown" and first.source.startswith(("# Lesson ", "# レッスン "))
    assert BADGE in first.source and f"notebooks/{path.relative_to(NOTEBOOKS).as_posix()}" in first.source
    assert any("Learning objectives" in m or "学習目標" in m for m in markdown)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].source == SETUP, "the setup cell must be identical in every notebook"
    assert "import fgsm_edu" in code[0].source
    after_parameters = code[[i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])][0] + 1]
    assert after_parameters.source.startswith("fe.set_language(LANG)\nfe.check_environment()"), (
        "the cell after the parameters sets the language, then checks the environment in that language"
    )
    p = parameters_index(nb)
    assert nb.cells[p] is code[1], "the parameters cell is the second code cell"
    assert re.search(r'^LANG = "(en|ja)"', nb.cells[p].source, re.M)
    assert "fe.set_language(LANG)" in code[2].source
    assert any("<details>" in m for m in markdown), "exercise solutions sit in collapsed <details> cells"
    assert CHECKER.search("\n".join(c.source for c in code)), "exercises are checked by fgsm_edu's checkers"
    assert nb.cells[-1].cell_type == "markdown" and ("Summary" in markdown[-1] or "まとめ" in markdown[-1])


@pytest.mark.parametrize("path", JAPANESE, ids=ids(JAPANESE))
def test_japanese_code_is_identical_but_for_the_parameters(path):
    ja, en = read(path), read(NOTEBOOKS / path.name)
    pj, pe = parameters_index(ja), parameters_index(en)
    code_ja = [without_comments(c.source) for i, c in enumerate(ja.cells) if c.cell_type == "code" and i != pj]
    code_en = [without_comments(c.source) for i, c in enumerate(en.cells) if c.cell_type == "code" and i != pe]
    assert code_ja == code_en  # comments may be translated (tests/test_lockstep.py, without_comments)
    assert 'LANG = "ja"' in ja.cells[pj].source


def with_parameters(nb: nbformat.NotebookNode, values: dict[str, object]) -> nbformat.NotebookNode:
    """Insert an "injected-parameters" cell after the parameters cell, as papermill does."""
    if values:
        source = "\n".join(f"{name} = {value!r}" for name, value in values.items())
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
        nb.cells.insert(parameters_index(nb) + 1, cell)
    return nb


# Every path of every lesson, in both languages: as committed (offline: the MNIST fallback), and lessons 01, 06
# and 07 also with MobileNetV2's random weights (WEIGHTS = None). The real weights run in tests/test_imagenet_real.py.
WITH_WEIGHTS = ("01_", "06_", "07_")  # the lessons with a WEIGHTS parameter (lesson 01's model and photo)
RUNS = [(p, {}) for p in ALL] + [(p, {"WEIGHTS": None}) for p in ALL if p.name.startswith(WITH_WEIGHTS)]


def run_id(run: tuple[Path, dict[str, object]]) -> str:
    """A test id for a run: the notebook, plus any injected parameters."""
    path, values = run
    return ids([path])[0] + "".join(f"[{k}={v}]" for k, v in values.items())


def kernel_environment(tmp_path: Path) -> dict[str, str]:
    """The kernel's environment: a learner's, offline, without what pytest or conftest add.

    ipykernel stops forwarding C-level stderr (TensorFlow's log lines) when it sees
    PYTEST_CURRENT_TEST, and conftest quietens TensorFlow: both are removed so the outputs
    checked here are the ones a learner sees.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_CURRENT_TEST", "TF_CPP_MIN_LOG_LEVEL")}
    env.update(MPLBACKEND="Agg", FGSM_EDU_CACHE_DIR=str(tmp_path / "cache"))
    env["FGSM_EDU_DOWNLOAD_BASE"] = "http://127.0.0.1:9"  # nothing listens there: every download fails fast
    return env


def solutions(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """Each exercise's hidden solution code and the check cell just before it."""
    pairs = []
    for i, cell in enumerate(nb.cells):
        found = (
            re.search(r"<details>.*?```python\n(.*?)```", cell.source, re.S) if cell.cell_type == "markdown" else None
        )
        if found:
            check = next(c.source for c in reversed(nb.cells[:i]) if c.cell_type == "code")
            assert CHECKER.search(check), f"the cell before the solution in cell {i} should call a checker"
            pairs.append((found.group(1), check))
    return pairs


def output_text(output: nbformat.NotebookNode) -> str:
    """All the text of one cell output (streams, plain text, HTML without its data-URI images, errors)."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join(output.traceback)
    data = output.get("data", {})
    text = "\n".join(str(data.get(kind, "")) for kind in ("text/plain", "text/html"))
    return DATA_URI.sub("", text)  # base64 is no text (it could spell "cuda" by chance)


DATA_URI = re.compile(r"(data:image/png;base64,)?[A-Za-z0-9+/]{200,}={0,2}")


def save_executed(nb: nbformat.NotebookNode, path: Path, cells: int, variant: str = "") -> None:
    """Keep an executed lesson for the course site (docs/site.py) in $FGSM_EDU_EXECUTED_DIR/{en,ja}/, if set.

    Args:
        nb: the executed notebook.
        path: the committed lesson it ran.
        cells: how many cells it had before the hidden solutions were appended (those are dropped).
        variant: "" for the offline run, "@imagenet" for the real weights.
    """
    folder = os.environ.get("FGSM_EDU_EXECUTED_DIR")
    if folder:
        kept = [c for c in nb.cells[:cells] if "injected-parameters" not in c.metadata.get("tags", [])]
        target = Path(folder) / ("ja" if path.parent.name == "ja" else "en") / f"{path.stem}{variant}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbformat.from_dict({**nb, "cells": kept}), target)


def printed_text(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """What a learner reads in each cell's outputs: streams, results and errors (widget views excluded)."""
    found = []
    for i, cell in enumerate(nb.cells):
        outputs = [o for o in cell.get("outputs", []) if WIDGET_VIEW not in o.get("data", {})]
        found.append((i, "".join(output_text(o) for o in outputs)))
    return found


def english_words(text: str) -> set[str]:
    """Latin-letter words in a Japanese lesson's output that are not names or notation (ALLOWED_IN_JA)."""
    text = re.sub(r"<[^>]+>", " ", text)  # HTML tags and attributes are markup, not text
    text = re.sub(r"\bfgsm-edu(?: [a-z]+)?", " ", text)  # the package's name and its commands (fgsm-edu download)
    text = re.sub(r"\b[A-Z][A-Z_]+ = \S+", " ", text)  # a lesson parameter quoted as code (WEIGHTS = None)
    return {w for w in WORD.findall(text) if len(w) >= 3 and w.lower() not in allowed_in_ja()}


@functools.cache
def allowed_in_ja() -> frozenset[str]:
    """Names and notation a Japanese learner may see in Latin letters: ALLOWED_IN_JA, model and ImageNet class names."""
    index = json.loads((ROOT / "fgsm_edu" / "assets" / "imagenet_class_index.json").read_text())
    classes = {w.lower() for _, name in index.values() for w in WORD.findall(name) + re.findall(r"[A-Za-z]+", name)}
    models = {w.lower() for name in KNOWN_MODELS for w in WORD.findall(name.replace("_", " "))}  # noise in _noise25
    return frozenset(ALLOWED_IN_JA | classes | models)


def check_printed(nb: nbformat.NotebookNode, lang: str, path_name: str) -> None:
    """No printed check is False, and (Japanese) no English word beyond names and notation, on this path.

    Args:
        nb: the executed notebook.
        lang: "en" or "ja".
        path_name: the path it ran on, for the failure message.
    """
    for i, text in printed_text(nb):
        assert not re.search(r"\bFalse\b", text), f"{path_name}: cell {i} prints a check that fails:\n{text[:800]}"
        words = english_words(text) if lang == "ja" else set()
        assert not words, f"{path_name}: cell {i} prints English to a Japanese learner: {sorted(words)}\n{text[:800]}"


def test_the_english_words_check_names_prose_and_spares_names_and_notation():
    assert english_words("正解率 accuracy (FGSM, eps = 0.1, mnist_cnn): Labrador retriever") == {"accuracy"}
    assert english_words("<b style='color:red'>予想</b>") == set()
    assert english_words("自宅で fgsm-edu download を実行（Python 3.11, ipywidgets 8.1）") == set()
    assert english_words("ランダムな重み（WEIGHTS = None）") == set() and english_words("WEIGHTS") == {"WEIGHTS"}
    assert english_words("PGD-40 と step-size") == {"step-size"}
    assert english_words("rapeseed, daisy, yellow lady's slipper") == set()  # ImageNet class names


def run_lesson(nb: nbformat.NotebookNode, env: dict[str, str], check_solutions: bool) -> float:
    """Run every cell on a fresh kernel, then (optionally) each hidden solution, which must pass its checker.

    Args:
        nb: the notebook, changed in place (outputs, and the solution cells appended).
        env: the kernel's environment.
        check_solutions: also run each hidden solution with its check cell, in the same kernel.

    Returns:
        The wall time of the lesson's own cells, in seconds.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": NOTEBOOKS}},
    )
    with client.setup_kernel(env=env):
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        elapsed = time.perf_counter() - start
        for solution, check in solutions(nb) if check_solutions else []:
            cell = nbformat.v4.new_code_cell(solution + "\n" + check)
            nb.cells.append(cell)
            client.execute_cell(cell, len(nb.cells) - 1)
            verdict = "".join(output_text(o) for o in cell.outputs)
            assert "\u2714" in verdict and "\u2718" not in verdict, (
                f"the solution\n{solution}\nfails {check}:\n{verdict}"
            )
    return elapsed


@pytest.mark.slow
@pytest.mark.parametrize("run", RUNS, ids=[run_id(r) for r in RUNS])
def test_runs_top_to_bottom_offline(run, tmp_path, capsys):
    path, values = run
    nb = with_parameters(read(path), values)
    cells = len(nb.cells)
    elapsed = run_lesson(nb, kernel_environment(tmp_path), check_solutions=not values)  # as committed: solutions too
    with capsys.disabled():
        print(f"\n[notebook time] {run_id(run)}: {elapsed:.1f} s")
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            text = output_text(output)
            assert not SPAM.search(text), f"cell {i} output has a traceback or log noise:\n{text[:800]}"
    check_printed(nb, "ja" if path.parent.name == "ja" else "en", run_id(run))
    if not values:  # as committed (offline MNIST): the course site shows this run
        save_executed(nb, path, cells)
