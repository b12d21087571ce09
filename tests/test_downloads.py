"""The download path: offline it fails fast with a message that teaches."""

from __future__ import annotations

import socket
import time

import pytest

import fgsm_edu
from fgsm_edu import downloads


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_mobilenet_fails_fast_with_instructions(monkeypatch):
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", f"http://127.0.0.1:{_closed_port()}")
    start = time.monotonic()
    with pytest.raises(fgsm_edu.DownloadError) as info:
        fgsm_edu.load_model("mobilenet_v2")
    assert time.monotonic() - start < 15
    message = str(info.value)
    assert downloads.MOBILENET_V2_WEIGHTS.filename in message
    assert str(downloads.cache_dir()) in message and "weights=None" in message
    assert isinstance(info.value, OSError)


def test_nothing_is_fetched_on_import_or_for_offline_models(monkeypatch, digits):
    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(downloads, "_download", refuse)
    model = fgsm_edu.load_model("digits_cnn")
    fgsm_edu.fgsm(model, digits.x_test[:2], eps=0.1)
    fgsm_edu.load_model("mobilenet_v2", weights=None)
