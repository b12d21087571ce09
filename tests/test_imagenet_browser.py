"""The epsilon explorer on MobileNetV2's real ImageNet weights, in a real browser (JupyterLab + Debian's chromium).

Reuses tests/test_browser.py's JupyterLab fixture with lesson 01's real model and photo; the kernel
downloads them from the local mirror (tests/imagenet_support.py), offline. Skips without chromium or
without the mirror, and fails instead in CI (``CI=true``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import test_browser
from browser_support import check_new_parts
from imagenet_support import mirror_folder
from test_browser import _run_and_move_slider, chromium, lab  # noqa: F401  (lab and chromium are fixtures)

REAL_CELLS = [
    'import fgsm_edu\nfrom fgsm_edu import widgets\n\nsetup = fgsm_edu.lesson_model_and_image("imagenet")\n'
    "print(setup.kind)",
    "explorer = widgets.epsilon_explorer(setup.model, setup.image, setup.label)\nexplorer",
]


@pytest.fixture
def real_lab(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, Path]:
    """test_browser's JupyterLab, its notebook holding the real explorer, its kernel downloading from the mirror."""
    mirror = mirror_folder()
    monkeypatch.setattr(test_browser, "NOTEBOOK_CELLS", REAL_CELLS)
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", mirror.as_uri())  # the server's environment, then its kernel's
    monkeypatch.setenv("FGSM_EDU_CACHE_DIR", str(tmp_path_factory.mktemp("browser-cache")))  # not the shared one
    return request.getfixturevalue("lab")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_real_explorer_fools_mobilenet_in_a_real_browser(chromium: str, real_lab: tuple[str, str, Path]) -> None:  # noqa: F811
    from playwright.sync_api import Error, sync_playwright

    base, token, tmp_path = real_lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=test_browser.CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(120_000)  # a busy 2-core machine: TensorFlow, then MobileNetV2's sweep
        try:
            before, after, readout, parts = _run_and_move_slider(page, f"{base}/lab/tree/explorer.ipynb?token={token}")
            page.screenshot(path=str(tmp_path / "imagenet_explorer.png"))
        except Error as err:
            page.screenshot(path=str(tmp_path / "failure.png"))
            pytest.fail(f"{err}\n(screenshot: {tmp_path / 'failure.png'})")
        finally:
            browser.close()
    assert re.search(r"predicted Labrador retriever \(\d+\.\d%\)", before) and "correct" in before, before
    assert "fooled" in after and "predicted Labrador retriever" not in after, after
    assert readout.startswith("0.3"), readout
    check_new_parts(*parts, clean_width=224)  # the photo beside its adversarial version, bars, curve, readout
    assert (tmp_path / "imagenet_explorer.png").stat().st_size > 10_000
