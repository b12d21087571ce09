"""No surprise network access: the test suite allows loopback only, and a learner's session opens no socket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest
import pytest_socket


def test_non_loopback_connections_are_blocked_in_the_test_process():
    with pytest.raises(pytest_socket.SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never a real host


def test_loopback_connections_are_allowed_for_local_test_servers():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass


# Run as a learner would in a notebook, with every internet socket refused and each attempt recorded.
GUARD = textwrap.dedent(
    """
    import json, pkgutil, importlib, socket

    attempts = []
    real_connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(repr(address))
            raise OSError("network disabled for this smoke test")
        return real_connect(self, address)

    def refuse(*args, **kwargs):
        attempts.append(repr(args[:2]))
        raise OSError("network disabled for this smoke test")

    socket.socket.connect = guarded
    socket.socket.connect_ex = guarded
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    import fgsm_edu as fe
    """
)
SMOKE = GUARD + textwrap.dedent(
    """

    for module in pkgutil.iter_modules(fe.__path__):  # importing any lesson module opens no socket
        importlib.import_module(f"fgsm_edu.{module.name}")
    model = fe.load_model("digits_cnn")
    data = fe.load_digits_data()
    x, y = data.x_test[:8], data.y_test[:8]
    adv = fe.fgsm(model, x, y, eps=0.1)
    sweep = fe.fgsm_sweep(model, x, y, [0, 0.05, 0.1])
    label = str(fe.predict(model, adv[0]))
    fe.load_model("mobilenet_v2", weights=None)
    print("RESULT " + json.dumps({"shape": list(adv.shape), "k": len(sweep.epsilons), "label": label,
                                  "attempts": attempts}))
    """
)


def _run(code: str, tmp_path) -> dict:
    env = {**os.environ, "FGSM_EDU_CACHE_DIR": str(tmp_path / "empty-cache"), "MPLBACKEND": "Agg"}
    env.pop("FGSM_EDU_DOWNLOAD_BASE", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


@pytest.mark.slow
def test_a_notebook_session_on_digits_opens_no_socket(tmp_path):
    result = _run(SMOKE, tmp_path)
    assert result["attempts"] == []
    assert result["shape"] == [8, 8, 8, 1] and result["k"] == 3 and "%" in result["label"]
    assert not (tmp_path / "empty-cache").exists()  # nothing was downloaded or cached


EXPLICIT_DOWNLOAD = GUARD + textwrap.dedent(
    """
    try:
        fe.load_model("mobilenet_v2")  # the one thing that may go online: asked for explicitly
        outcome = "loaded"
    except fe.DownloadError as err:
        outcome = str(err)
    print("RESULT " + json.dumps({"outcome": outcome, "attempts": attempts}))
    """
)


@pytest.mark.slow
def test_the_guard_sees_an_explicit_imagenet_download(tmp_path):
    """Checks the smoke test above can fail: an explicit download is seen, and offline it is explained."""
    result = _run(EXPLICIT_DOWNLOAD, tmp_path)
    assert result["attempts"] != []
    assert "Are you offline?" in result["outcome"] and "weights=None" in result["outcome"]
