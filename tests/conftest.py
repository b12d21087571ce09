"""Shared fixtures. Every test runs offline: pytest-socket allows loopback only (pyproject)."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402

import fgsm_edu  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the user's real download cache."""
    monkeypatch.setenv("FGSM_EDU_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("FGSM_EDU_DOWNLOAD_BASE", raising=False)


@pytest.fixture(scope="session")
def digits() -> fgsm_edu.DigitsData:
    return fgsm_edu.load_digits_data()


@pytest.fixture(scope="session")
def digits_cnn():
    return fgsm_edu.load_model("digits_cnn")


@pytest.fixture(scope="session")
def digits_linear():
    return fgsm_edu.load_model("digits_linear")


@pytest.fixture(scope="session")
def mobilenet():
    """MobileNetV2 with random (seeded) weights: the real architecture, offline."""
    import keras

    keras.utils.set_random_seed(0)
    return fgsm_edu.load_model("mobilenet_v2", weights=None)


@pytest.fixture(scope="session")
def flower() -> object:
    return fgsm_edu.sample_image("flower", size=224)
