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
# What the first explorer shows besides its label: the clean image, the top-5 bars, the curve's marker and the
# visibility readout, each null unless it is laid out on the page (a real box, an image that decoded).
EXPLORER_PARTS = """() => {
  const shown = (el) => !!el && el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0;
  const clean = document.querySelector("img.fgsm-edu-clean");
  const bars = document.querySelector(".fgsm-edu-bars");
  const marker = document.querySelector("svg.fgsm-edu-curve .fgsm-edu-marker");
  const readout = document.querySelector(".fgsm-edu-visibility");
  return {
    clean: shown(clean) && clean.complete && clean.naturalWidth > 0 ? [clean.naturalWidth, clean.src] : null,
    bars: shown(bars) ? bars.innerText : null,
    bar_rows: bars ? bars.querySelectorAll(".fgsm-edu-bar").length : 0,
    marker: shown(marker) ? marker.getBoundingClientRect().x - marker.ownerSVGElement.getBoundingClientRect().x : null,
    readout: shown(readout) ? readout.innerText : null,
  };
}"""
# The first cell of both browser tests' notebooks: the offline digits CNN and its data.
DIGITS_SETUP_CELL = (
    "import fgsm_edu\nfrom fgsm_edu import widgets\n\ndata = fgsm_edu.load_digits_data()\n"
    'model = fgsm_edu.load_model("digits_cnn")'
)


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


def explorer_parts(page: Any) -> dict[str, Any]:
    """What the first explorer's clean image, bars, curve marker and readout show now.

    Args:
        page: the Playwright page.

    Returns:
        {"clean": [natural width, src] or None, "bars": text or None, "bar_rows": int,
        "marker": the marker's x in the curve (pixels) or None, "readout": text or None}.
    """
    page.wait_for_function(f"() => {{ const p = ({EXPLORER_PARTS})(); return p.clean && p.marker !== null; }}")
    return dict(page.evaluate(EXPLORER_PARTS))


def wait_for_new_parts(page: Any, before: dict[str, Any], readout: str) -> dict[str, Any]:
    """Wait until the readout shows the slider's final epsilon and the bars and marker have moved, then read them.

    The kernel answers every key press in turn, the readout last of each step: once it shows the final
    epsilon, no update is left to replace the explorer's elements under the test.

    Args:
        page: the Playwright page.
        before: what ``explorer_parts`` read before the slider moved.
        readout: text the readout shows at the final epsilon, e.g. "L∞ = 0.3 (".

    Returns:
        The parts as ``explorer_parts`` reads them.
    """
    changed = f"""([before, text]) => {{
      const now = ({EXPLORER_PARTS})();
      return (now.readout || "").includes(text) && now.bars !== before.bars && now.marker !== before.marker;
    }}"""
    page.wait_for_function(changed, arg=[before, readout])
    return explorer_parts(page)


def check_new_parts(first: dict[str, Any], last: dict[str, Any], clean_width: int) -> None:
    """The clean image, top-5 bars, curve marker and visibility readout are shown and follow the slider.

    Args:
        first: the parts at the slider's first epsilon (0).
        last: the parts at its last epsilon (0.3).
        clean_width: the clean image's width in pixels.
    """
    assert first["clean"] == last["clean"] and first["clean"][0] == clean_width, (first, last)
    assert first["bar_rows"] == last["bar_rows"] == 5 and "top 5 classes" in last["bars"], last
    assert first["bars"] != last["bars"] and last["marker"] > first["marker"] + 100, (first, last)
    assert "L∞ = 0 " in first["readout"] and "PSNR = ∞" in first["readout"] and "SSIM = 1.000" in first["readout"]
    assert "L∞ = 0.3 (76.5/255)" in last["readout"] and "PSNR = ∞" not in last["readout"], last


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
