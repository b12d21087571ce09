"""check_environment on Colab's stack: passes as it is, warns where widgets may not render, and
says in plain words what to do without TensorFlow (Colab's TPU runtime)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

import fgsm_edu as fe
from fgsm_edu import environment as env

CONSTRAINTS = Path(__file__).resolve().parents[1] / ".ci" / "colab-constraints.txt"


def colab_versions() -> dict[str, str | None]:
    """What installed_versions() returns on Colab's default runtime, read from the pinned constraints."""
    pins = dict(
        line.split("==") for line in CONSTRAINTS.read_text().splitlines() if "==" in line and not line.startswith("#")
    )
    return {"python": "3.13.15", **{name: pins[name] for name in ("tensorflow", "keras", "ipywidgets")}}


@pytest.fixture
def on_colab(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process look like a Colab kernel ("google.colab" imported)."""
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


def test_colabs_default_runtime_passes_without_warnings() -> None:
    found = colab_versions()
    assert found["ipywidgets"] == "7.7.1" and found["tensorflow"] == "2.20.0"
    assert env.version_problems(found, colab=True) == [] and env.version_warnings(found, colab=True) == []


def test_too_old_widgets_still_fail_with_the_fix() -> None:
    problems = env.version_problems({**colab_versions(), "ipywidgets": "7.6.5"})
    assert problems == [
        'ipywidgets 7.6.5 is too old; fgsm-edu needs ipywidgets >= 7.7. Fix: pip install -U "ipywidgets>=8,<9"'
    ]
    on_colab = env.version_problems({**colab_versions(), "ipywidgets": "7.6.5"}, colab=True)
    assert 'pip install "ipywidgets==7.7.1"' in on_colab[0] and "Restart session" in on_colab[0]


def test_ipywidgets_8_warns_on_colab_only() -> None:
    found = {**colab_versions(), "ipywidgets": "8.1.7"}
    assert env.version_problems(found, colab=True) == []
    [warning] = env.version_warnings(found, colab=True)
    assert warning.startswith("ipywidgets 8.1.7 on Colab") and "may not show" in warning
    assert 'pip install "ipywidgets==7.7.1"' in warning and "Runtime > Restart session" in warning
    assert env.version_warnings(found, colab=False) == []
    [untested] = env.version_warnings({**found, "ipywidgets": "9.0.0"})
    assert "newer than fgsm-edu was tested with" in untested and '"ipywidgets>=8,<9"' in untested


def test_check_environment_warns_but_passes_on_colab_with_ipywidgets_8(
    on_colab: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(env, "installed_versions", lambda: {**colab_versions(), "ipywidgets": "8.1.7"})
    fe.check_environment()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"fgsm-edu {fe.__version__}: python 3.13.15, tensorflow 2.20.0")
    assert lines[1].startswith("Note: ipywidgets 8.1.7 on Colab")


def test_check_environment_is_one_line_on_colabs_runtime(
    on_colab: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(env, "installed_versions", colab_versions)
    fe.check_environment()
    assert capsys.readouterr().out.count("\n") == 1


def test_missing_tensorflow_on_colab_says_change_the_runtime(on_colab: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(env, "installed_versions", lambda: {**colab_versions(), "tensorflow": None})
    with pytest.raises(fe.FgsmEduError) as info:
        fe.check_environment()
    first, last = str(info.value).splitlines()[0], str(info.value).splitlines()[-1]
    assert first.startswith("tensorflow is not installed") and "TPU runtime has none" in first
    assert "Runtime > Change runtime type, pick CPU or a GPU" in first and "Runtime > Restart session" in last


def test_require_tensorflow_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    env.require_tensorflow()  # installed here: nothing happens
    monkeypatch.setattr(env.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(env.MissingTensorFlowError, match="Runtime > Change runtime type") as colab:
        env.require_tensorflow(colab=True)
    assert isinstance(colab.value, ImportError) and colab.value.name == "tensorflow"
    with pytest.raises(ImportError, match=r'pip install -U "tensorflow>=2.16", then restart the kernel\.$'):
        env.require_tensorflow(colab=False)


HIDE_TENSORFLOW = """
import importlib.machinery as m, sys, types

class NoTensorFlow(m.PathFinder):
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        return None if name.split(".")[0] == "tensorflow" else super().find_spec(name, path, target)

sys.meta_path[:] = [NoTensorFlow if finder is m.PathFinder else finder for finder in sys.meta_path]
sys.modules["google.colab"] = types.ModuleType("google.colab")
import fgsm_edu
"""


def test_import_on_a_runtime_without_tensorflow_says_what_to_do() -> None:
    out = subprocess.run([sys.executable, "-c", HIDE_TENSORFLOW], capture_output=True, text=True, timeout=120)
    last = out.stderr.strip().splitlines()[-1]
    assert out.returncode == 1 and last.startswith("fgsm_edu.environment.MissingTensorFlowError: fgsm-edu needs")
    assert "the TPU runtime has none" in last and "pick CPU or a GPU" in last, out.stderr[-2000:]
