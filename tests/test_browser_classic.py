"""Colab parity in a real browser: classic Notebook 6.5 with ipywidgets 7's front end, as on Colab.

Runs in ``make test-colab``'s venv (Colab's pins: ipywidgets 7.7.1, widgetsnbextension 3.6.10,
notebook 6.5.7) with Debian's Chromium: the epsilon explorer's slider changes the verdict, and a
photo picked through the FileUpload button is classified, exactly as fgsm_edu does it in Python.
Elsewhere (ipywidgets 8, no classic Notebook 6) it is skipped; under COLAB_PARITY=1 it never is.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
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
from PIL import Image

import fgsm_edu
from fgsm_edu.environment import parse_version

NOTEBOOK_CELLS = [
    DIGITS_SETUP_CELL,
    "explorer = widgets.epsilon_explorer(model, data.x_test[{index}], data.y_test[{index}])\nexplorer",
    "photo = widgets.photo_explorer(model)\nphoto",
]
PHOTO = "digit.png"


def _classic_stack() -> None:
    """Skip unless ipywidgets 7 and classic Notebook 6 are installed (fail instead under COLAB_PARITY=1)."""
    versions = {}
    for name in ("ipywidgets", "notebook", "widgetsnbextension"):
        try:
            versions[name] = parse_version(metadata.version(name))
        except metadata.PackageNotFoundError:
            versions[name] = ()
    if versions["ipywidgets"][:1] == (7,) and versions["notebook"][:1] == (6,) and versions["widgetsnbextension"]:
        return
    message = f"needs ipywidgets 7 and classic Notebook 6, as on Colab (make test-colab); found {versions}"
    if os.environ.get("COLAB_PARITY") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def chromium() -> str:
    """The Chromium binary, once the classic stack is known to be there (so a skip costs nothing)."""
    _classic_stack()
    return chromium_path()


@pytest.fixture(scope="module")
def fooled_index(digits: fgsm_edu.DigitsData, digits_cnn: Any) -> int:
    """The first test digit the CNN gets right at eps 0 and wrong at eps 0.3."""
    for i, (image, label) in enumerate(zip(digits.x_test, digits.y_test, strict=True)):
        ids, _ = fgsm_edu.fgsm_sweep(digits_cnn, image, int(label), [0.0, 0.3]).top1()
        if ids[0] == label != ids[1]:
            return i
    pytest.fail("no test digit is fooled at eps 0.3")


@pytest.fixture
def classic(chromium: str, tmp_path: Path, fooled_index: int) -> Iterator[tuple[str, str, Path]]:
    """A classic Notebook 6 server on a free localhost port, with a token, rooted in a temp dir."""
    root, home = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    write_notebook(root / "explorer.ipynb", [cell.format(index=fooled_index) for cell in NOTEBOOK_CELLS])
    port, token = free_port(), new_token()
    command = [sys.executable, "-m", "notebook", "--no-browser", "--NotebookApp.ip=127.0.0.1"]
    command += [f"--NotebookApp.port={port}", "--NotebookApp.port_retries=0", f"--NotebookApp.token={token}"]
    command += [f"--NotebookApp.notebook_dir={root}", "--NotebookApp.terminals_enabled=False"]
    command += ["--allow-root"] if os.geteuid() == 0 else []
    with jupyter_server(command, server_environment(home), tmp_path, token, port) as base:
        yield base, token, tmp_path


def _photo(digits: fgsm_edu.DigitsData, index: int) -> bytes:
    """A test digit enlarged 10x (nearest) as an RGB PNG: the 'photo' a learner uploads."""
    pixels = np.round(digits.x_test[index][..., 0] * 255).astype(np.uint8)
    img = Image.fromarray(np.repeat(np.repeat(pixels, 10, 0), 10, 1)).convert("RGB")
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_classic_notebook_slider_and_upload(
    chromium: str, classic: tuple[str, str, Path], digits: fgsm_edu.DigitsData, digits_cnn: Any, fooled_index: int
) -> None:
    from playwright.sync_api import Error, sync_playwright

    from fgsm_edu import widgets

    base, token, tmp_path = classic
    photo = tmp_path / PHOTO
    photo.write_bytes(_photo(digits, fooled_index))
    expected = widgets.photo_explorer(digits_cnn)  # what the kernel must show for this upload
    assert expected.load(photo.read_bytes(), PHOTO) and expected.explorer is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.set_default_timeout(120_000)  # a busy 2-core machine: the kernel imports TensorFlow
        try:
            seen = _run_slide_and_upload(page, f"{base}/notebooks/explorer.ipynb?token={token}", photo)
            page.screenshot(path=str(tmp_path / "classic_notebook.png"), full_page=True)
        except Error as err:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            pytest.fail(f"{err}\n(screenshot: {tmp_path / 'failure.png'})\nNotebook log:\n{server_log(tmp_path)}")
        finally:
            browser.close()
    before, after, readout, uploaded, message, parts = seen
    label = int(digits.y_test[fooled_index])
    assert re.search(rf"predicted {label} \(\d+\.\d%\)", before) and "correct" in before, before
    assert after != before and re.search(r"predicted \d \(\d+\.\d%\)", after) and "fooled" in after, after
    assert readout.startswith("0.3"), readout
    check_new_parts(*parts, clean_width=200)  # ipywidgets 7 shows the new parts too
    assert uploaded == expected.explorer.texts()[0] and re.search(rf"^predicted {label} \(", uploaded), uploaded
    assert PHOTO in message and "8x8" in message, message
    assert (tmp_path / "classic_notebook.png").stat().st_size > 10_000


def _run_slide_and_upload(page: Any, url: str, photo: Path) -> tuple[str, str, str, str, str, tuple[Any, Any]]:
    """Open the notebook, run all cells, slide epsilon to its end, then upload the photo.

    Returns:
        The explorer's label before and after sliding, the slider's readout, the uploaded photo's
        label, the upload's message line, and the explorer's other parts before and after sliding.
    """
    page.goto(url)
    page.wait_for_function(
        "() => window.Jupyter?.notebook?.kernel?.is_connected?.() === true && Jupyter.WidgetManager?._managers?.length"
    )
    # ipywidgets 7's classic manager fetches the kernel's widgets once it starts; widgets created while that
    # fetch runs get a second model that steals their comm (some updates then never reach the page). Await
    # one more fetch: the kernel answers in order, so the first one has finished too.
    page.evaluate("async () => { await Jupyter.WidgetManager._managers[0]._loadFromKernel(); return true; }")
    page.evaluate("() => window.Jupyter.notebook.execute_all_cells()")
    label = page.locator(LABEL).first
    label.wait_for()
    before, parts = label.inner_text(), explorer_parts(page)
    move_slider_to_end(page, ".widget-slider .ui-slider-handle")
    moved = wait_for_new_parts(page, parts, "L∞ = 0.3 (")
    after, readout = label.inner_text(), page.locator(".widget-slider .widget-readout").first.inner_text()
    with page.expect_file_chooser() as chooser:
        page.locator(".widget-upload").click()
    chooser.value.set_files(str(photo))
    uploaded = page.locator(LABEL).nth(1)
    uploaded.wait_for()
    uploaded.scroll_into_view_if_needed()
    message = page.locator("[role=status]").first.inner_text()
    return before, after, readout, uploaded.inner_text(), message, (parts, moved)
