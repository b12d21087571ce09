"""A built wheel installs the bundled model weights, the message catalogue and the metadata `pip install` needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import fgsm_edu

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (path,) = out.glob("fgsm_edu-*.whl")
    return path


def test_wheel_contains_the_bundled_weights(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "fgsm_edu/weights/digits_cnn.weights.h5" in names
    assert "fgsm_edu/weights/digits_linear.weights.h5" in names
    assert "fgsm_edu/weights/mnist_cnn.weights.h5" in names
    assert "fgsm_edu/weights/mnist_linear.weights.h5" in names
    assert "fgsm_edu/assets/mnist.npz" in names
    assert "fgsm_edu/py.typed" in names
    assert "fgsm_edu/locales/en.toml" in names and "fgsm_edu/locales/ja.toml" in names  # the catalogue


def test_wheel_stays_under_its_size_budget(wheel):
    assert wheel.stat().st_size < 25_000_000, f"the wheel is {wheel.stat().st_size / 1e6:.1f} MB; the budget is 25 MB"


def test_wheel_metadata_is_complete(wheel):
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode())
        entry_points = zf.read(meta_name.replace("METADATA", "entry_points.txt")).decode()
    assert meta["Version"] == fgsm_edu.__version__
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Summary"] and meta.get_all("Classifier") and meta.get_all("Project-URL")
    requires = " ".join(meta.get_all("Requires-Dist"))
    assert "tensorflow>=2.16" in requires and "tensorflow-cpu" not in requires
    assert "fgsm-edu = fgsm_edu.cli:main" in entry_points
