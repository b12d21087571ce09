"""Packaging: one version, runtime dependencies listed in both pyproject.toml and environment.yml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import fgsm_edu

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ]", requirement.strip(), maxsplit=1)[0].lower()


def test_every_runtime_dependency_is_in_environment_yml():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env_lines = [
        line.split("#")[0].strip().lstrip("- ").strip() for line in (ROOT / "environment.yml").read_text().splitlines()
    ]
    env_names = {_name(line) for line in env_lines if line}
    missing = [d for d in deps if _name(d) not in env_names]
    assert not missing, f"add {missing} to environment.yml"


def test_tensorflow_not_tensorflow_cpu():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {_name(d) for d in deps}
    assert "tensorflow" in names and "tensorflow-cpu" not in names
    assert "tensorflow-cpu" not in (ROOT / "environment.yml").read_text().replace("never `tensorflow-cpu`", "")


def test_version_is_defined_once():
    assert re.fullmatch(r"\d+\.\d+\.\d+", fgsm_edu.__version__)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject.split("[tool")[0]


def test_shipped_weights_are_package_data():
    weights = sorted(p.name for p in (ROOT / "fgsm_edu" / "weights").glob("*.weights.h5"))
    assert weights == [
        "digits_cnn.weights.h5",
        "digits_linear.weights.h5",
        "mnist_cnn.weights.h5",
        "mnist_cnn_fgsm_rs.weights.h5",
        "mnist_cnn_noise100.weights.h5",
        "mnist_cnn_noise25.weights.h5",
        "mnist_cnn_noise50.weights.h5",
        "mnist_cnn_pgd.weights.h5",
        "mnist_linear.weights.h5",
    ]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "weights/*.weights.h5" in pyproject and "assets/*.npz" in pyproject
    assert (ROOT / "fgsm_edu" / "assets" / "mnist.npz").is_file()
