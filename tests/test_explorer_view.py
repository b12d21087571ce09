"""The explorer without a kernel (fgsm_edu/explorer_view.py): every frame in one HTML snippet, switched by script."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_support import CHROMIUM_ARGS, chromium_path
from PIL import Image

import fgsm_edu
from fgsm_edu import explorer_view, i18n, widgets
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.saving import to_uint8

EPSILONS = [0.0, 0.05, 0.3]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def explorer(digits_cnn: Any) -> widgets.EpsilonExplorer:
    data = fgsm_edu.load_digits_data()
    for image, label in zip(data.x_test[:50], data.y_test[:50], strict=True):
        ids, _ = fgsm_edu.fgsm_sweep(digits_cnn, image, int(label), [0.0, 0.3]).top1()
        if ids[0] == label and ids[1] != label:
            return widgets.epsilon_explorer(digits_cnn, image, int(label), epsilons=EPSILONS)
    pytest.fail("no test digit among the first 50 is fooled at eps 0.3")


def frames(snippet: str) -> dict[str, Any]:
    """The JSON frames a static view carries."""
    found = re.search(r'<script type="application/json" class="fgsm-edu-frames">(.*?)</script>', snippet, re.S)
    assert found, snippet[:300]
    return json.loads(found.group(1).replace("<\\/", "</"))


def decode(b64: str) -> np.ndarray:
    """A base64 PNG as a uint8 array."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))))


def test_the_static_view_carries_every_frame_exactly(explorer: widgets.EpsilonExplorer) -> None:
    data = frames(explorer.static_html())
    assert data["eps"] == [widgets._eps_text(e) for e in EPSILONS]
    (panel,) = data["panels"]
    sweep = explorer.panels[0].sweep
    assert sweep is not None and len(panel) == len(EPSILONS)
    for i, frame in enumerate(panel):
        expected = to_uint8(sweep.images[i])[..., 0]  # 8x8 grey, at its own size: no smoothing, no JPEG
        assert np.array_equal(decode(frame["adv"]), expected)
        assert frame["label"] == explorer.panels[0].frames(explorer.true_label, -1)[i].label
        assert "fgsm-edu-marker" in frame["curve"] and "fgsm-edu-bar" in frame["bars"]
    assert len({f["adv"] for f in panel}) == len(EPSILONS) and len({f["readout"] for f in panel}) == len(EPSILONS)


def test_the_images_are_enlarged_pixel_for_pixel_by_the_browser(explorer: widgets.EpsilonExplorer) -> None:
    snippet = explorer.static_html()
    images = re.findall(r'<img class="fgsm-edu-(\w+)"[^>]*width="(\d+)"[^>]*style="([^"]*)"', snippet)
    assert [kind for kind, _, _ in images] == ["clean", "adversarial", "perturbation"]
    assert all(int(width) == widgets.display_size((8, 8))[1] and "pixelated" in style for _, width, style in images)


def test_the_live_widget_offers_the_static_view_as_html(explorer: widgets.EpsilonExplorer) -> None:
    bundle = explorer._repr_mimebundle_()
    assert bundle is not None and WIDGET_VIEW in bundle and "fgsm-edu-static" in bundle["text/html"]


def test_the_static_view_speaks_the_learners_language(explorer: widgets.EpsilonExplorer) -> None:
    try:
        i18n.set_language("ja")
        snippet = explorer.static_html()
    finally:
        i18n.set_language("en")
    assert i18n.t("explorer_view.note", lang="ja") in snippet and i18n.t("widgets.clean", lang="ja") in snippet
    assert i18n.t("explorer_view.note", lang="en") not in snippet


def test_save_html_refuses_to_overwrite(explorer: widgets.EpsilonExplorer, tmp_path: Path) -> None:
    path = explorer.save_html(tmp_path / "explorer.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page and "fgsm-edu-static" in page
    path.write_text("mine", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="overwrite=True"):
        explorer.save_html(path)
    assert path.read_text(encoding="utf-8") == "mine"
    assert "fgsm-edu-static" in explorer.save_html(path, overwrite=True).read_text(encoding="utf-8")


def test_frames_must_match_the_epsilons() -> None:
    frame = explorer_view.StaticFrame(b"", b"", "", "", "", "")
    panel = explorer_view.StaticPanel("", b"", (8, 8), ("a", "b", "c"), [frame])
    with pytest.raises(InvalidArgumentError):
        explorer_view.static_html([panel], ["0", "0.1"])
    with pytest.raises(InvalidArgumentError):
        explorer_view.static_html([panel], ["0"], index=1)


@pytest.mark.slow
def test_the_slider_switches_every_part_in_a_real_browser(explorer: widgets.EpsilonExplorer, tmp_path: Path) -> None:
    chromium = chromium_path()
    from playwright.sync_api import sync_playwright

    path = explorer.save_html(tmp_path / "explorer.html")
    part = """() => { const q = (s) => document.querySelector(s); return {
        adv: q("img.fgsm-edu-adversarial").src, pert: q("img.fgsm-edu-perturbation").src,
        label: q(".fgsm-edu-label").innerText, bars: q(".fgsm-edu-bars").innerText,
        marker: q("svg.fgsm-edu-curve .fgsm-edu-marker").getAttribute("cx"),
        readout: q(".fgsm-edu-visibility").innerText, eps: q("output.fgsm-edu-eps").textContent,
        decoded: q("img.fgsm-edu-adversarial").naturalWidth }; }"""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(path.as_uri())
            first = page.evaluate(part)
            page.fill("input.fgsm-edu-slider", str(len(EPSILONS) - 1))  # a range input: fill sets it, fires input
            page.wait_for_function("() => !!document.querySelector('img.fgsm-edu-adversarial').naturalWidth")
            last = page.evaluate(part)
        finally:
            browser.close()
    assert not errors, errors
    assert first["decoded"] == 8 and last["decoded"] == 8
    for key in ("adv", "pert", "label", "bars", "marker", "readout", "eps"):
        assert first[key] != last[key], key
    assert i18n.t("widgets.correct") in first["label"] and i18n.t("widgets.fooled") in last["label"]
    assert last["eps"] == widgets._eps_text(EPSILONS[-1])
