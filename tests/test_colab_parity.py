"""Colab parity: every floor admits Colab's pinned runtime, and in ``make test-colab`` no pin moved.

The pins are Colab's own ``pip freeze`` (.ci/colab-constraints.txt, with its source and date). The
first tests run everywhere; the last two run only in the Colab-parity venv (COLAB_PARITY=1).
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / ".ci" / "colab-constraints.txt"
COLAB_PYTHON = "3.13"
# The runtime the issue names (googlecolab/backend-info): all must be pinned and, in the venv, installed.
COLAB_RUNTIME = [
    "tensorflow",
    "keras",
    "ipywidgets",
    "widgetsnbextension",
    "ipython",
    "ipykernel",
    "traitlets",
    "notebook",
    "jupyter-client",
    "matplotlib",
    "numpy",
    "pillow",
    "scikit-learn",
    "tqdm",
]
in_colab_venv = pytest.mark.skipif(
    os.environ.get("COLAB_PARITY") != "1", reason="only in the Colab-parity venv: make test-colab"
)


def colab_pins() -> dict[str, str]:
    """Read the constraints file: canonical package name -> pinned version."""
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version and " @ " not in line, f"{CONSTRAINTS.name}: not a name==version pin: {line!r}"
            pins[canonicalize_name(name)] = version.strip()
    return pins


def project() -> dict[str, object]:
    """The [project] table of pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_constraints_name_their_source_and_pin_colabs_runtime() -> None:
    header = CONSTRAINTS.read_text().split("\n\n")[0]
    assert "googlecolab/backend-info" in header and re.search(r"\d{4}-\d{2}-\d{2}", header)
    pins = colab_pins()
    assert [name for name in COLAB_RUNTIME if name not in pins] == []
    assert pins["ipywidgets"].startswith("7.") and pins["notebook"].startswith("6.")


@pytest.mark.parametrize("requirement", project()["dependencies"])
def test_every_runtime_floor_admits_colabs_pin(requirement: str) -> None:
    parsed, pins = Requirement(requirement), colab_pins()
    name = canonicalize_name(parsed.name)
    assert name in pins, f"{parsed.name} is not in Colab's runtime: the setup cell installs with --no-deps"
    assert parsed.specifier.contains(pins[name], prereleases=True), (
        f"{requirement!r} excludes Colab's {parsed.name} {pins[name]}: lower the floor so a plain pip install "
        "on Colab changes nothing"
    )


def test_python_floor_admits_colabs_python() -> None:
    from packaging.specifiers import SpecifierSet

    assert SpecifierSet(str(project()["requires-python"])).contains(f"{COLAB_PYTHON}.0")


def test_environment_yml_uses_the_same_specifiers() -> None:
    lines = [
        line.split("#")[0].strip().removeprefix("- ").strip()
        for line in (ROOT / "environment.yml").read_text().splitlines()
    ]
    written = {
        canonicalize_name(Requirement(line).name): Requirement(line)
        for line in lines
        if re.match(r"^[\w.-]+\s*[<>=!~]", line)
    }
    for requirement in map(Requirement, project()["dependencies"]):
        name = canonicalize_name(requirement.name)
        if requirement.specifier:
            assert name in written and written[name].specifier == requirement.specifier, (
                f"environment.yml has {written.get(name)} for {requirement.name}; pyproject.toml: {requirement}"
            )


@in_colab_venv
def test_colab_venv_runs_colabs_python() -> None:
    assert sys.version.startswith(f"{COLAB_PYTHON}."), sys.version


@in_colab_venv
def test_no_colab_pin_moved() -> None:
    pins = colab_pins()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    assert [name for name in COLAB_RUNTIME if name not in installed] == []
    moved = {name: (version, pins[name]) for name, version in installed.items() if name in pins}
    moved = {name: pair for name, pair in moved.items() if Version(pair[0]) != Version(pair[1])}
    assert moved == {}, f"installed vs Colab's pin: {moved}; install only under --constraint {CONSTRAINTS.name}"
    assert "fgsm-edu" in installed
