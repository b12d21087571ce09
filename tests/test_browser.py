"""A real browser: JupyterLab + headless Chromium run the epsilon explorer and move its slider.

Needs Debian's ``chromium`` (``sudo apt-get install chromium``) and the Python ``playwright``
package (in the dev extra; Playwright's own browser download is not used). Without chromium the
test is skipped with that hint, except in CI (``CI=true``), where a missing browser fails it.
``CHROMIUM=/path/to/chromium`` picks another binary.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
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
NOTEBOOK_CELLS = [
    "import fgsm_edu\nfrom fgsm_edu import widgets\n\ndata = fgsm_edu.load_digits_data()\n"
    'model = fgsm_edu.load_model("digits_cnn")',
    "def fooled(i):  # right at eps 0, wrong at the slider's largest eps\n"
    "    ids, _ = fgsm_edu.fgsm_sweep(model, data.x_test[i], int(data.y_test[i]), [0.0, 0.3]).top1()\n"
    "    return ids[0] == data.y_test[i] != ids[1]\n\n"
    "index = next(i for i in range(len(data.x_test)) if fooled(i))",
    "explorer = widgets.epsilon_explorer(model, data.x_test[index], data.y_test[index])\nexplorer",
]
LABEL = ".fgsm-edu-label"


def _chromium() -> str:
    """The Chromium binary, or skip (fail in CI) with how to install it."""
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


def _free_port() -> int:
    """A localhost port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, method: str = "GET") -> bytes:
    """One HTTP request to the local server."""
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
        return response.read()


def _wait_for_server(base: str, token: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Poll the server's status API until it answers (60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            _get(f"{base}/api/status?token={token}")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within 60 s:\n{log.read_text()[-3000:]}")


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
        for kernel in json.loads(_get(f"{base}/api/kernels?token={token}")):
            _get(f"{base}/api/kernels/{kernel['id']}?token={token}", method="DELETE")
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


@pytest.fixture
def chromium() -> str:
    """The Chromium binary (checked before JupyterLab starts, so a skip costs nothing)."""
    return _chromium()


@pytest.fixture
def lab(chromium: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """A JupyterLab server on a free localhost port, with a token, rooted in a temp dir (all killed after)."""
    root, home = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "explorer.ipynb")
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    port, token = _free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1"]
    command += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    command += [f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None"]
    command += [
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    command += ["--ServerApp.terminals_enabled=False"] + (["--allow-root"] if os.geteuid() == 0 else [])
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(base, token, server, log)
        yield base, token, tmp_path
    finally:
        _stop(server, base, token, str(tmp_path))
    assert _processes_mentioning(str(tmp_path)) == [], "JupyterLab or its kernel outlived the test"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_slider_moves_in_a_real_browser(chromium: str, lab: tuple[str, str, Path]) -> None:
    from playwright.sync_api import Error, sync_playwright

    base, token, tmp_path = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(120_000)  # a busy 2-core machine: the kernel imports TensorFlow
        try:
            before, after, readout = _run_and_move_slider(page, f"{base}/lab/tree/explorer.ipynb?token={token}")
            page.screenshot(path=str(tmp_path / "epsilon_explorer.png"))
        except Error as err:
            page.screenshot(path=str(tmp_path / "failure.png"))
            log = (tmp_path / "jupyterlab.log").read_text()[-2000:]
            pytest.fail(f"{err}\n(screenshot: {tmp_path / 'failure.png'})\nJupyterLab log:\n{log}")
        finally:
            browser.close()
    assert re.search(r"predicted \d \(\d+\.\d%\)", before) and "correct" in before, before
    assert after != before and re.search(r"predicted \d \(\d+\.\d%\)", after) and "fooled" in after, after
    assert readout.startswith("0.3"), readout
    assert (tmp_path / "epsilon_explorer.png").stat().st_size > 10_000


def _run_and_move_slider(page: Any, url: str) -> tuple[str, str, str]:
    """Open the notebook, run all cells, press the right arrow on the slider to its end.

    Returns:
        The label text before and after, and the slider's readout after.
    """
    page.goto(url)
    page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.connectionStatus"
        " === 'connected'"
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    label = page.locator(LABEL)
    label.wait_for()
    before = label.inner_text()
    page.locator(".widget-slider .noUi-handle").first.focus()
    for _ in range(20):  # one epsilon per key press, past the end of the slider
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.querySelector('{LABEL}').innerText.includes('fooled')")
    label.scroll_into_view_if_needed()
    return before, label.inner_text(), page.locator(".widget-slider .widget-readout").first.inner_text()
