"""Lesson 01's real path: MobileNetV2's real ImageNet weights and the Labrador photo, offline from a local mirror.

The mirror (tests/imagenet_support.py) stands in for the network: FGSM_EDU_DOWNLOAD_BASE points at it, so
the package's own download code fetches, verifies and caches the files as it would from Google's servers.
``make test-imagenet`` builds the mirror and runs these tests; without one they skip (in CI they fail).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import keras
import nbformat
import numpy as np
import pytest
from imagenet_support import mirror_folder
from PIL import Image
from test_notebooks import (
    NOTEBOOKS,
    SPAM,
    check_printed,
    kernel_environment,
    output_text,
    read,
    run_lesson,
    save_executed,
    with_parameters,
)
from test_tutorial_equivalence import tutorial_adversarial

import fgsm_edu as fe
from fgsm_edu import cli, downloads
from fgsm_edu.i18n import t
from fgsm_edu.lessons import LABRADOR_RETRIEVER, TUTORIAL_EPSILONS

OUR_EPSILONS = [e / 2 for e in TUTORIAL_EPSILONS]  # the tutorial's [-1, 1] epsilons in [0, 1] units


@pytest.fixture(scope="session")
def imagenet_mirror() -> Path:
    """The mirror folder (skips, or fails in CI, when there is none)."""
    return mirror_folder()


@pytest.fixture(scope="session")
def real_setup(imagenet_mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> fe.LessonSetup:
    """Lesson 01's setup with WEIGHTS = "imagenet", fetched through the package's download code from the mirror."""
    cache = tmp_path_factory.mktemp("imagenet-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FGSM_EDU_CACHE_DIR", str(cache))
        patch.setenv("FGSM_EDU_DOWNLOAD_BASE", imagenet_mirror.as_uri())
        setup = fe.lesson_model_and_image("imagenet")
        assert downloads.cache_status(downloads.MOBILENET_V2_WEIGHTS) == "verified (pinned sha256)"
    return setup


def test_the_lesson_gets_the_real_model_and_the_real_class_names(real_setup):
    assert real_setup.kind == "imagenet", real_setup.note
    info = fe.model_info(real_setup.model)
    assert info.class_names is not None and info.class_names[LABRADOR_RETRIEVER] == "Labrador retriever"


@pytest.mark.slow
def test_the_photo_is_a_labrador_and_the_tutorials_epsilons_change_the_label(real_setup):
    model, image = real_setup.model, real_setup.image
    clean = fe.predict(model, image)
    assert clean.ids[0] == LABRADOR_RETRIEVER and clean.label == "Labrador retriever" and clean.confidence > 0.5
    sweep = fe.fgsm_sweep(model, image, LABRADOR_RETRIEVER, epsilons=OUR_EPSILONS)
    ids, confidences = sweep.top1()
    names = fe.model_info(model).class_names
    table = [f"{e:.3f}: {names[i]} ({c:.1%})" for e, i, c in zip(sweep.epsilons, ids, confidences, strict=True)]
    print("\n".join(table))
    assert ids[0] == LABRADOR_RETRIEVER, table
    assert all(i != LABRADOR_RETRIEVER for i in ids[1:]), table  # every tutorial epsilon above 0 fools it
    wrong = confidences[1:]
    assert np.all(np.diff(wrong) > 0), f"lesson 01 says the wrong answer grows more confident with eps: {table}"


@pytest.mark.slow
def test_the_tutorials_recipe_on_real_weights_gives_our_adversarial_image(real_setup, imagenet_mirror):
    weights = imagenet_mirror / downloads.MOBILENET_V2_WEIGHTS.filename
    tutorial = keras.applications.MobileNetV2(input_shape=(224, 224, 3), weights=str(weights))  # ends in softmax
    model, image = real_setup.model, real_setup.image
    for tutorial_eps in TUTORIAL_EPSILONS[1:]:
        theirs = (tutorial_adversarial(tutorial, image, tutorial_eps) + 1.0) / 2.0
        ours = fe.fgsm(model, image, LABRADOR_RETRIEVER, eps=tutorial_eps / 2)
        print(f"tutorial eps {tutorial_eps}: max |difference| {np.abs(theirs - ours).max():.1e}")
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
        assert fe.predict(model, theirs).ids[0] == fe.predict(model, ours).ids[0]


def _environment(mirror: Path, cache: Path) -> dict[str, str]:
    """A subprocess environment that downloads from the mirror into ``cache``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.update(FGSM_EDU_DOWNLOAD_BASE=mirror.as_uri(), FGSM_EDU_CACHE_DIR=str(cache), MPLBACKEND="Agg")
    return env


@pytest.mark.slow
def test_cli_attack_fools_mobilenet_on_the_real_photo(imagenet_mirror, tmp_path):
    script = Path(sys.executable).with_name("fgsm-edu")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fgsm_edu.cli"]
    photo, out = imagenet_mirror / downloads.LABRADOR_PHOTO.filename, tmp_path / "adversarial.png"
    args = ["attack", str(photo), "--model", "mobilenet_v2", "--eps", "0.01", "--out", str(out)]
    done = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=_environment(imagenet_mirror, tmp_path / "cache"),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    before = re.search(r"^before: (.+) \((\d+\.\d)%\)$", done.stdout, re.M)
    after = re.search(
        r"^after: +(.+) \((\d+\.\d)%\) +\(eps = 0\.01, as saved in 8-bit PNG and read back\)$", done.stdout, re.M
    )
    assert before and after, done.stdout
    assert before.group(1) == "Labrador retriever" and after.group(1) != "Labrador retriever", done.stdout
    assert "the saved file still fools the model: yes" in done.stdout
    with Image.open(out) as saved:
        assert saved.format == "PNG" and saved.size == (224, 224)


def test_download_prepares_a_lecture_without_wifi(imagenet_mirror, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FGSM_EDU_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", imagenet_mirror.as_uri())
    assert cli.main(["download", "--check"]) == 1  # nothing cached yet, and --check fetches nothing
    assert capsys.readouterr().out.count(": missing") == 2 and not (tmp_path / "cache").exists()
    assert cli.main(["download"]) == 0  # "at home": both files, through the package's download code
    out = capsys.readouterr().out
    assert "verified (pinned sha256)" in out and "verified (sha256 recorded on first use)" in out
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", "http://127.0.0.1:9")  # "in the lecture hall": offline
    assert cli.main(["download", "--check"]) == 0
    assert fe.lesson_model_and_image("imagenet").kind == "imagenet"


# Lesson 01 on the real weights, in both languages: every printed check holds, and says what the prose says.
LESSONS = [NOTEBOOKS / "01_fgsm_explained.ipynb", NOTEBOOKS / "ja" / "01_fgsm_explained.ipynb"]
ROW = re.compile(r"^(\S+) *\| (\S+) *\| max\|Δ\| = (\S+) \| (.+ \(\d+\.\d%\)) (.+ \(\d+\.\d%\))$")


def _outputs(nb: nbformat.NotebookNode, marker: str) -> str:
    """The text output of the one code cell whose source contains ``marker``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and marker in c.source]
    assert len(cells) == 1, f"expected one cell with {marker!r}"
    return "".join(output_text(o) for o in cells[0].outputs)


def _run_on_real_weights(path: Path, mirror: Path, tmp_path: Path, capsys: Any) -> nbformat.NotebookNode:
    """Run a lesson top to bottom with WEIGHTS = "imagenet" from the mirror; each hidden solution must pass too.

    Prints the lesson's time, checks its printed lines (``check_printed``) and keeps the run for the site.
    """
    nb = with_parameters(read(path), {"WEIGHTS": "imagenet"})
    cells = len(nb.cells)
    env = kernel_environment(tmp_path)
    env["FGSM_EDU_DOWNLOAD_BASE"] = mirror.as_uri()
    elapsed = run_lesson(nb, env, check_solutions=True)
    for i, cell in enumerate(nb.cells):
        text = "".join(output_text(o) for o in cell.get("outputs", []) if o.output_type == "stream")
        assert not SPAM.search(text), f"cell {i} output has a traceback or log noise:\n{text[:800]}"
    check_printed(nb, "ja" if path.parent.name == "ja" else "en", f"{path.name} [WEIGHTS=imagenet]")
    save_executed(nb, path, cells, "@imagenet")  # the course site prefers this run (docs/site.py)
    with capsys.disabled():
        print(f"\n[notebook time] {path.relative_to(NOTEBOOKS)} [WEIGHTS=imagenet]: {elapsed:.1f} s")
    return nb


def _lesson(stem: str, lang: str) -> Path:
    """The lesson notebook ``stem`` in one language's folder."""
    return (NOTEBOOKS if lang == "en" else NOTEBOOKS / "ja") / f"{stem}.ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_lesson_06_runs_on_the_real_weights(lang, imagenet_mirror, tmp_path, capsys):
    nb = _run_on_real_weights(_lesson("06_outside_the_notebook", lang), imagenet_mirror, tmp_path, capsys)
    assert _outputs(nb, "setup = fe.lesson_model_and_image").startswith(t("lesson_imagenet", lang=lang))
    saved = _outputs(nb, "photo_adv = ")
    row = t("lesson06.row_photo", lang=lang)
    fooled = t("lesson06.survival", lang=lang, row=row, images=1, fooled=1, png=0, jpeg=0, quality=90).split("|")[0]
    assert fooled in saved and t("lesson06.after_png", lang=lang, prediction="") in saved, saved  # flips at its edge


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_lesson_07_runs_on_the_real_weights(lang, imagenet_mirror, tmp_path, capsys):
    nb = _run_on_real_weights(_lesson("07_what_can_be_proved", lang), imagenet_mirror, tmp_path, capsys)
    photo = _outputs(nb, "setup = fe.lesson_model_and_image")
    assert photo.startswith(t("lesson_imagenet", lang=lang)), photo
    rows = photo.splitlines()[1:]  # clean, PGD, EOT: "the photo's label is the tutorial's Labrador retriever"
    assert len(rows) == 3 and "Labrador retriever" in rows[0], photo
    assert rows[0].strip().startswith(t("lesson07.clean_row", lang=lang)), photo


@pytest.mark.slow
@pytest.mark.parametrize(("path", "lang"), zip(LESSONS, ["en", "ja"], strict=True), ids=["en", "ja"])
def test_lesson_01_runs_on_the_real_weights(path, lang, imagenet_mirror, tmp_path, capsys):
    nb = _run_on_real_weights(path, imagenet_mirror, tmp_path, capsys)
    assert _outputs(nb, "setup = fe.lesson_model_and_image").startswith(t("lesson_imagenet", lang=lang))
    rounding = re.search(r"(\d\.\de[+-]\d\d)", _outputs(nb, "preprocess_input("))
    assert rounding and float(rounding.group(1)) < 1e-6, _outputs(nb, "preprocess_input(")
    lines = _outputs(nb, "tutorial_fgsm(image_pm1").splitlines()
    rows = [ROW.match(line) for line in lines if "|" in line]
    assert len(rows) == 4 and all(rows), _outputs(nb, "tutorial_fgsm(image_pm1")
    for row in rows:  # "differ by float rounding only, and the model gives both the same answer"
        assert float(row.group(3)) < 1e-5 and row.group(4) == row.group(5), row.group(0)
    labels = [row.group(4).rsplit(" (", 1)[0] for row in rows]
    assert labels[0] == "Labrador retriever" and "Labrador retriever" not in labels[1:], labels
