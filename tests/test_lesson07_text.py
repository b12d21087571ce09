"""Lesson 07 (en, ja): what issue 22 asks of its text, held on the committed notebooks without running them.

The published MNIST certificates are cited from where they come from, the L-inf corner is computed, each
section has a prediction before its measurement and an exercise with a checker, the sampling is stated
with its guarantee, and every catalogue key the lesson prints exists in both languages.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from fgsm_edu import catalogue

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = [NOTEBOOKS / "07_what_can_be_proved.ipynb", NOTEBOOKS / "ja" / "07_what_can_be_proved.ipynb"]
IDS = ["en", "ja"]


def cells(path: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(path, as_version=4).cells


def markdown(path: Path) -> str:
    return "\n".join(c.source for c in cells(path) if c.cell_type == "markdown")


def code(path: Path) -> str:
    return "\n".join(c.source for c in cells(path) if c.cell_type == "code")


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_published_numbers_are_cited_from_their_source(path):
    text = markdown(path)
    assert "jh-jeong/smoothing-consistency" in text and "100,000" in text
    assert "CIFAR-10" in text and "ImageNet" in text  # what Cohen et al.'s paper itself reports
    assert "smoothing.PUBLISHED_CERTIFIED" in code(path)  # the numbers come from the package, not the prose


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_l_inf_corner_is_computed_not_written(path):
    assert "0.3 * np.sqrt(dims)" in code(path)
    assert "0.3\\sqrt{784}" in markdown(path)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_each_section_predicts_then_measures_and_has_a_checked_exercise(path):
    nb = cells(path)
    headings = [i for i, c in enumerate(nb) if c.cell_type == "markdown" and re.search(r"^## [123]\. ", c.source, re.M)]
    assert len(headings) == 3
    bounds = [*headings, len(nb)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        section = [c.source for c in nb[start:end] if c.cell_type == "code"]
        predicted = [i for i, s in enumerate(section) if s.startswith("my_prediction = None  # ")]
        compared = [i for i, s in enumerate(section) if "fe.compare_prediction(my_prediction" in s]
        assert len(predicted) == 1 and len(compared) == 1 and predicted[0] + 1 < compared[0]
    checks = [c.source for c in nb if c.cell_type == "code" and c.source.startswith("certificates.check_")]
    assert [re.match(r"certificates\.(\w+)", s).group(1) for s in checks] == [
        "check_certified_radius",
        "check_universal_step",
        "check_survives",
    ]
    assert markdown(path).count("<details>") == 3


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_sampling_and_its_guarantee_are_stated(path):
    text = markdown(path)
    for name in ("`N_CERT`", "`N_SAMPLES`", "`N0`", "`ALPHA`"):
        assert name in text, name
    assert "$1 - $ `ALPHA`" in text  # each certificate holds with probability 1 - alpha
    parameters = next(c.source for c in cells(path) if "parameters" in c.metadata.get("tags", []))
    values = dict(re.findall(r"^(\w+) = (.+)$", parameters, re.M))
    assert int(values["N_SAMPLES"]) < 100_000 and int(values["N_CERT"]) < 10_000  # fewer than the published


def test_every_printed_key_exists_in_both_languages():
    keys = set(re.findall(r'"(lesson07\.\w+)"', code(PATHS[0])))
    keys |= {f"lesson07.sound_{name}" for name in ("inside", "outside")}  # built with an f-string
    assert len(keys) > 25
    for lang in ("en", "ja"):
        missing = keys - set(catalogue.load(lang))
        assert not missing, (lang, sorted(missing))
