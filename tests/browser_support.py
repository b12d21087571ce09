"""What the real-browser tests share: Debian's Chromium, a Jupyter server on a free port, clean shutdown.

Used by tests/test_browser.py (JupyterLab 4, ipywidgets 8) and tests/test_browser_classic.py
(classic Notebook 6.5 with ipywidgets 7's front end, as on Colab: ``make test-colab``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LABEL = ".fgsm-edu-label"


def chromium_path() -> str:
    """The Chromium binary, or skip (fail in CI) with how to install it.

    Returns:
        The path of Debian's chromium (or $CHROMIUM).
    """
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    missing = [] if Path(path).is_file() else [f"Debian's chromium (not at {path}): sudo apt-get install chromium"]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package: pip install -e '.[dev]'")
    if missing:
        message = "real-browser test needs " + " and ".join(missing) + " (CI's .ci/run installs both)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    """A localhost port nobody listens on right now.

    Returns:
        The port number.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, method: str = "GET") -> bytes:
    """One HTTP request to the local server.

    Args:
        url: the full URL, token included.
        method: the HTTP method.

    Returns:
        The response body.
    """
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
        return response.read()


def write_notebook(path: Path, cells: Sequence[str]) -> None:
    """Write a notebook of code cells with the python3 kernel.

    Args:
        path: where to write the .ipynb file.
        cells: each code cell's source.
    """
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def server_environment(home: Path) -> dict[str, str]:
    """The server's environment: Jupyter's config and runtime dirs under home, quiet TensorFlow.

    Args:
        home: a temp dir for Jupyter's own files.

    Returns:
        The environment variables.
    """
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }


@contextmanager
def jupyter_server(command: list[str], env: dict[str, str], tmp_path: Path, token: str, port: int) -> Iterator[str]:
    """Start a Jupyter server, wait until it answers, and stop it and every kernel afterwards.

    Args:
        command: the server's command line (port and token already in it).
        env: its environment.
        tmp_path: the test's temp dir (the log goes there; leftover processes are found by it).
        token: the server's token.
        port: the server's port.

    Returns:
        A context manager giving the server's base URL.
    """
    log = tmp_path / "jupyter.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(base, token, server, log)
        yield base
    finally:
        _stop(server, base, token, str(tmp_path))
    assert _processes_mentioning(str(tmp_path)) == [], "the Jupyter server or its kernel outlived the test"


def server_log(tmp_path: Path) -> str:
    """The end of the server's log, for failure messages.

    Args:
        tmp_path: the test's temp dir.

    Returns:
        The log's last 2,000 characters.
    """
    return (tmp_path / "jupyter.log").read_text(errors="replace")[-2000:]


def move_slider_to_end(page: Any, handle: str) -> None:
    """Focus the first slider's handle and press the right arrow past its last epsilon.

    Args:
        page: the Playwright page.
        handle: the CSS selector of the slider's handle (it differs between ipywidgets 7 and 8).
    """
    page.locator(handle).first.focus()
    for _ in range(20):  # one epsilon per key press, past the end of the slider
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.querySelector('{LABEL}').innerText.includes('fooled')")


def _wait_for_server(base: str, token: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Poll the server's status API until it answers (60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the Jupyter server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            http_get(f"{base}/api/status?token={token}")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"the Jupyter server did not answer within 60 s:\n{log.read_text()[-3000:]}")


def _processes_mentioning(marker: str) -> list[int]:
    """Pids of this user's processes whose command line contains marker (our unique temp path)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _stop(server: subprocess.Popen[bytes], base: str, token: str, marker: str) -> None:
    """Shut the kernels down, stop the server, then kill anything left that carries our temp path."""
    try:
        for kernel in json.loads(http_get(f"{base}/api/kernels?token={token}")):
            http_get(f"{base}/api/kernels/{kernel['id']}?token={token}", method="DELETE")
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        pass
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    for pid in _processes_mentioning(marker):
        os.kill(pid, signal.SIGKILL)


def new_token() -> str:
    """A fresh random server token.

    Returns:
        32 hex digits.
    """
    return secrets.token_hex(16)
