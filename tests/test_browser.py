"""A real browser: JupyterLab + headless Chromium run the epsilon explorer and move its slider.

Needs Debian's ``chromium`` (``sudo apt-get install chromium``) and the Python ``playwright``
package (in the dev extra; Playwright's own browser download is not used). Without chromium the
test is skipped with that hint, except in CI (``CI=true``), where a missing browser fails it.
``CHROMIUM=/path/to/chromium`` picks another binary. Helpers: tests/browser_support.py.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CHROMIUM_ARGS,
    DIGITS_SETUP_CELL,
    LABEL,
    check_new_parts,
    chromium_path,
    explorer_parts,
    free_port,
    jupyter_server,
    move_slider_to_end,
    new_token,
    server_environment,
    server_log,
    wait_for_new_parts,
    write_notebook,
)

NOTEBOOK_CELLS = [
    DIGITS_SETUP_CELL,
    "def fooled(i):  # right at eps 0, wrong at the slider's largest eps\n"
    "    ids, _ = fgsm_edu.fgsm_sweep(model, data.x_test[i], int(data.y_test[i]), [0.0, 0.3]).top1()\n"
    "    return ids[0] == data.y_test[i] != ids[1]\n\n"
    "index = next(i for i in range(len(data.x_test)) if fooled(i))",
    "explorer = widgets.epsilon_explorer(model, data.x_test[index], data.y_test[index])\nexplorer",
]


@pytest.fixture
def chromium() -> str:
    """The Chromium binary (checked before JupyterLab starts, so a skip costs nothing)."""
    return chromium_path()


@pytest.fixture
def lab(chromium: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """A JupyterLab server on a free localhost port, with a token, rooted in a temp dir (all killed after)."""
    root, home = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    write_notebook(root / "explorer.ipynb", NOTEBOOK_CELLS)
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    env = server_environment(home)
    env.update(JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    port, token = free_port(), new_token()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1"]
    command += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    command += [f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None"]
    command += [
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    command += ["--ServerApp.terminals_enabled=False"] + (["--allow-root"] if os.geteuid() == 0 else [])
    with jupyter_server(command, env, tmp_path, token, port) as base:
        yield base, token, tmp_path


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
            before, after, readout, parts = _run_and_move_slider(page, f"{base}/lab/tree/explorer.ipynb?token={token}")
            page.screenshot(path=str(tmp_path / "epsilon_explorer.png"))
        except Error as err:
            page.screenshot(path=str(tmp_path / "failure.png"))
            pytest.fail(f"{err}\n(screenshot: {tmp_path / 'failure.png'})\nJupyterLab log:\n{server_log(tmp_path)}")
        finally:
            browser.close()
    assert re.search(r"predicted \d \(\d+\.\d%\)", before) and "correct" in before, before
    assert after != before and re.search(r"predicted \d \(\d+\.\d%\)", after) and "fooled" in after, after
    assert readout.startswith("0.3"), readout
    check_new_parts(*parts, clean_width=200)  # an 8x8 digit enlarged 25x, pixel for pixel
    assert (tmp_path / "epsilon_explorer.png").stat().st_size > 10_000


def _run_and_move_slider(page: Any, url: str) -> tuple[str, str, str, tuple[dict[str, Any], dict[str, Any]]]:
    """Open the notebook, run all cells, press the right arrow on the slider to its end.

    Returns:
        The label text before and after, the slider's readout after, and the explorer's other parts
        (clean image, bars, curve marker, visibility readout) before and after.
    """
    page.goto(url)
    page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.connectionStatus"
        " === 'connected'"
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    label = page.locator(LABEL)
    label.wait_for()
    before, parts = label.inner_text(), explorer_parts(page)
    move_slider_to_end(page, ".widget-slider .noUi-handle")
    moved = wait_for_new_parts(page, parts, "L∞ = 0.3 (")
    label.scroll_into_view_if_needed()
    readout = page.locator(".widget-slider .widget-readout").first.inner_text()
    return before, label.inner_text(), readout, (parts, moved)
