"""The epsilon explorer's view, written once: what one frame looks like, and the same view without a kernel.

Notebook 01, "Explore epsilon with a slider". ``fgsm_edu.widgets`` builds the live explorer
(ipywidgets, a kernel behind it) from the renderers here: PNG images, the top-5 bars, the
confidence curve with its marker, the visibility readout. ``static_html`` puts every precomputed
frame of the same sweep into one HTML snippet with a few lines of script, so the slider still
works where no kernel runs: the course site, a notebook exported to HTML, a file saved with
``EpsilonExplorer.save_html`` for slides or a learning platform. Images travel as PNG data URIs
at their own size and are enlarged in the browser pixel for pixel (``image-rendering: pixelated``):
no JPEG, no smoothing, so a perturbation of one grey level stays one grey level.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from fgsm_edu import i18n
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.saving import to_uint8
from fgsm_edu.visibility import Visibility

MIN_DISPLAY_SIDE = 196  # small images are enlarged pixel for pixel to at least this: 28x28 x7, 8x8 x25
TOP_K = 5  # classes shown as probability bars
FOOLED_COLOR, OK_COLOR, TARGET_COLOR, BAR_COLOR = "#d32f2f", "#2e7d32", "#1565c0", "#78909c"


# ---------------------------------------------------------------------------------------------
# Rendering: arrays to PNG bytes
# ---------------------------------------------------------------------------------------------


def to_png(image: np.ndarray, min_side: int = MIN_DISPLAY_SIDE, compress_level: int = 1) -> bytes:
    """Encode a [0, 1] float image as PNG bytes, enlarged with nearest neighbour (notebook 01).

    Args:
        image: (H, W, 1) or (H, W, 3) float pixels in [0, 1].
        min_side: enlarge by a whole factor until the shorter side is at least this many pixels.
        compress_level: zlib's level, 1 (fast) to 9 (about 13% smaller, ten times slower).

    Returns:
        The PNG file's bytes (8-bit grey or RGB).
    """
    pixels = to_uint8(image)
    img = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    height, width = display_size(pixels.shape, min_side)
    if (height, width) != pixels.shape[:2]:
        img = img.resize((width, height), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()


def display_size(shape: Sequence[int], min_side: int = MIN_DISPLAY_SIDE) -> tuple[int, int]:
    """The (height, width) an image is shown at: enlarged by a whole factor to a short side >= min_side.

    Args:
        shape: the image's shape, (H, W, ...).
        min_side: the smallest short side to show.

    Returns:
        The displayed (height, width) in pixels.
    """
    scale = max(1, -(-min_side // min(shape[0], shape[1])))
    return int(shape[0]) * scale, int(shape[1]) * scale


def perturbation_view(adversarial: np.ndarray, clean: np.ndarray, max_eps: float) -> np.ndarray:
    """Map x_adv - x onto [0, 1] for display: grey is 0, black/white is -/+ max_eps (notebook 01).

    Args:
        adversarial: the adversarial image.
        clean: the original image.
        max_eps: the largest epsilon on the slider (the scale, the same for every step).

    Returns:
        A float image in [0, 1]; it grows more contrasted as epsilon grows.
    """
    scale = 2.0 * max_eps if max_eps > 0 else 1.0
    return np.clip(0.5 + (adversarial - clean) / scale, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------
# Rendering: probability bars, the confidence curve, the visibility readout (HTML strings)
# ---------------------------------------------------------------------------------------------

_CURVE_WIDTH, _CURVE_LEFT, _CURVE_RIGHT, _CURVE_TOP, _CURVE_BOTTOM = 300, 44, 288, 10, 100


def bars_html(probabilities: np.ndarray, name: Callable[[int], str], colors: Mapping[int, str]) -> str:
    """The top-5 classes at one epsilon as probability bars, plain inline-styled HTML (notebook 01).

    Notebook 01, "Explore epsilon with a slider".

    Args:
        probabilities: (classes,) the model's probabilities at this epsilon.
        name: class id -> HTML-escaped class name.
        colors: class id -> bar colour for classes to highlight (the true class, the target).

    Returns:
        A ``<div class="fgsm-edu-bars">`` with one row per class, largest first.
    """
    top = np.argsort(-probabilities, kind="stable")[:TOP_K]
    rows = "".join(_bar_row(name(int(c)), float(probabilities[c]), colors.get(int(c), BAR_COLOR)) for c in top)
    title = f'<div style="font-weight: bold">{i18n.t("widgets.top_classes", k=len(top))}</div>'
    return f'<div class="fgsm-edu-bars" style="width: 300px; font-size: 90%; line-height: 1.4">{title}{rows}</div>'


def _bar_row(name: str, probability: float, color: str) -> str:
    """One bar: the class name, a track filled to the probability, the percentage."""
    label = f'<span style="width: 120px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap">{name}</span>'
    fill = f'<div style="width: {100 * probability:.1f}%; height: 100%; background: {color}"></div>'
    track = f'<span style="flex: 1; height: 0.8em; margin: 0 6px; background: rgba(127, 127, 127, 0.2)">{fill}</span>'
    percent = f'<span style="width: 3.6em; text-align: right">{probability:.1%}</span>'
    return f'<div class="fgsm-edu-bar" style="display: flex; align-items: center">{label}{track}{percent}</div>'


def curve_svg(epsilons: Sequence[float], lines: Sequence[tuple[str, str, np.ndarray]], index: int) -> str:
    """A small confidence-vs-epsilon curve with a marker at the slider's epsilon, as inline SVG (notebook 01).

    Notebook 01, "Explore epsilon with a slider". The x axis spaces the epsilons as the slider does.

    Args:
        epsilons: the slider's K epsilons.
        lines: (legend, colour, (K,) probabilities) per curve.
        index: the slider's position (where the marker goes).

    Returns:
        An ``<svg class="fgsm-edu-curve">`` element (about 300 x 160 pixels).
    """
    k, height = len(epsilons), _CURVE_BOTTOM + 24 + 14 * len(lines)
    x = [_CURVE_LEFT + (_CURVE_RIGHT - _CURVE_LEFT) * (i / (k - 1) if k > 1 else 0.5) for i in range(k)]
    parts = [_curve_axes(epsilons, x)]
    for row, (legend, color, values) in enumerate(lines):
        y = [_curve_y(float(v)) for v in values]
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        parts.append(f'<circle class="fgsm-edu-marker" cx="{x[index]:.1f}" cy="{y[index]:.1f}" r="4" fill="{color}"/>')
        legend_y = _CURVE_BOTTOM + 30 + 14 * row
        parts.append(f'<rect x="{_CURVE_LEFT}" y="{legend_y - 8}" width="14" height="4" fill="{color}"/>')
        parts.append(f'<text x="{_CURVE_LEFT + 20}" y="{legend_y}">{legend}</text>')
    marker = f'<line x1="{x[index]:.1f}" x2="{x[index]:.1f}" y1="{_CURVE_TOP}" y2="{_CURVE_BOTTOM}"'
    parts.append(marker + ' stroke="currentColor" stroke-dasharray="3 2" opacity="0.7"/>')
    size = f'width="{_CURVE_WIDTH}" height="{height}" viewBox="0 0 {_CURVE_WIDTH} {height}"'
    return (
        f'<svg class="fgsm-edu-curve" {size} role="img" font-size="11" fill="currentColor" style="display: block" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{i18n.t("widgets.curve_title")}</title>{"".join(parts)}</svg>'
    )


def _curve_y(probability: float) -> float:
    """The SVG y coordinate of a probability (1 at the top)."""
    return _CURVE_BOTTOM - (_CURVE_BOTTOM - _CURVE_TOP) * min(max(probability, 0.0), 1.0)


def _curve_axes(epsilons: Sequence[float], x: Sequence[float]) -> str:
    """The curve's frame: y ticks 0/50/100%, the first and last epsilon, the axis titles."""
    frame = f'<rect x="{_CURVE_LEFT}" y="{_CURVE_TOP}" width="{_CURVE_RIGHT - _CURVE_LEFT}" '
    frame += f'height="{_CURVE_BOTTOM - _CURVE_TOP}" fill="none" stroke="currentColor" opacity="0.4"/>'
    ticks = [f'<text x="{_CURVE_LEFT - 4}" y="{_curve_y(p) + 4:.1f}" text-anchor="end">{p:.0%}</text>' for p in (0, 1)]
    for i, anchor in ((0, "start"), (len(x) - 1, "end")):
        ticks.append(f'<text x="{x[i]:.1f}" y="{_CURVE_BOTTOM + 14}" text-anchor="{anchor}">{epsilons[i]:g}</text>')
    middle = (_CURVE_LEFT + _CURVE_RIGHT) / 2
    ticks.append(
        f'<text x="{middle:.0f}" y="{_CURVE_BOTTOM + 14}" text-anchor="middle">{i18n.t("widgets.curve_x")}</text>'
    )
    middle_y = (_CURVE_TOP + _CURVE_BOTTOM) / 2
    title = f'<text x="12" y="{middle_y:.0f}" text-anchor="middle" transform="rotate(-90 12 {middle_y:.0f})">'
    title += f"{i18n.t('widgets.confidence')}</text>"
    return frame + "".join(ticks) + title


def readout_html(measures: Visibility, index: int) -> str:
    """How visible the change is at one epsilon: L-inf, L2, PSNR and SSIM as one line (notebook 01).

    Notebook 01, "Explore epsilon with a slider".

    Args:
        measures: the sweep's visibility measures (``fgsm_edu.visibility.visibility``).
        index: the slider's position.

    Returns:
        A ``<div class="fgsm-edu-visibility">``.
    """
    linf, psnr = float(measures.linf[index]), float(measures.psnr[index])
    text = i18n.t(
        "widgets.visibility",
        linf=f"{linf:.3g} ({linf * 255:.3g}/255)",
        l2=f"{float(measures.l2[index]):.3g}",
        psnr="∞" if np.isinf(psnr) else f"{psnr:.1f} dB",
        ssim=f"{float(measures.ssim[index]):.3f}",
    )
    return f'<div class="fgsm-edu-visibility" style="font-size: 90%">{text}</div>'


# ---------------------------------------------------------------------------------------------
# The view without a kernel: every frame in one HTML snippet
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaticFrame:
    """One slider position of one panel: its two images (PNG bytes) and its four HTML pieces."""

    adversarial: bytes
    perturbation: bytes
    label: str
    bars: str
    curve: str
    readout: str


@dataclass(frozen=True)
class StaticPanel:
    """One model's part of the static view: a title, the clean image, its size, captions, its frames."""

    title: str
    clean: bytes
    size: tuple[int, int]
    captions: tuple[str, str, str]
    frames: Sequence[StaticFrame]


def png_data(image: np.ndarray) -> bytes:
    """Encode a [0, 1] float image as a PNG at its own size (the static view's frames; lossless, fast).

    Args:
        image: (H, W, 1) or (H, W, 3) float pixels in [0, 1].

    Returns:
        The PNG file's bytes; the browser enlarges it pixel for pixel.
    """
    return to_png(image, min_side=1)  # zlib level 1: 10x faster than 9 for 13% more bytes (224x224 RGB)


def _uri(png: bytes) -> str:
    """A PNG as a data URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def static_html(panels: Sequence[StaticPanel], epsilons: Sequence[str], index: int = 0) -> str:
    """The explorer as one self-contained HTML snippet whose slider swaps precomputed frames (notebook 01).

    Notebook 01, "Explore epsilon with a slider": the same look as the live widget, no kernel needed.

    Args:
        panels: one StaticPanel per model, each with one frame per epsilon.
        epsilons: the slider's epsilons as text ("0.02 (5.1/255)").
        index: the slider's starting position.

    Returns:
        A ``<div class="fgsm-edu-static">`` with the frames as JSON and a short script.
    """
    if not panels or any(len(p.frames) != len(epsilons) for p in panels) or not 0 <= index < len(epsilons):
        raise InvalidArgumentError(i18n.t("explorer_view.frames", frames=len(epsilons), index=index))
    data = {"eps": list(epsilons), "panels": [[_frame_data(f) for f in p.frames] for p in panels]}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    view_id = "fgsm-edu-view-" + hashlib.sha1(payload.encode()).hexdigest()[:12]
    slider = (
        f'<label style="display: flex; align-items: center; gap: 8px">{i18n.t("widgets.epsilon")}'
        f' <input type="range" class="fgsm-edu-slider" min="0" max="{len(epsilons) - 1}" step="1" value="{index}"'
        f' aria-label="{html.escape(i18n.t("explorer_view.slider"))}" style="width: min(400px, 60vw)">'
        f' <output class="fgsm-edu-eps">{html.escape(epsilons[index])}</output></label>'
    )
    body = "".join(_panel_html(p, index) for p in panels)
    note = f'<div style="font-size: 85%; opacity: 0.75; margin: 4px 0">{i18n.t("explorer_view.note")}</div>'
    return (
        f'<div class="fgsm-edu-static" id="{view_id}">{slider}{note}'
        f'<div style="display: flex; flex-flow: row wrap; align-items: flex-start">{body}</div>'
        f'<script type="application/json" class="fgsm-edu-frames">{payload}</script>'
        f"<script>{_SCRIPT.replace('VIEW_ID', view_id)}</script></div>"
    )


def _frame_data(frame: StaticFrame) -> dict[str, str]:
    """One frame as JSON-ready strings (images as base64)."""
    return {
        "adv": base64.b64encode(frame.adversarial).decode("ascii"),
        "pert": base64.b64encode(frame.perturbation).decode("ascii"),
        "label": frame.label,
        "bars": frame.bars,
        "curve": frame.curve,
        "readout": frame.readout,
    }


def _panel_html(panel: StaticPanel, index: int) -> str:
    """One panel at the starting position: title, three images with captions, label, bars, curve, readout."""
    frame, (height, width) = panel.frames[index], panel.size
    style = f'width="{width}" height="{height}" style="image-rendering: pixelated; width: {width}px; height: auto"'
    images = "".join(
        f'<div style="margin: 0 12px 0 0; width: {width}px"><img class="fgsm-edu-{kind}" src="{_uri(png)}" alt="{alt}"'
        f' {style}><div style="line-height: 1.3; font-size: 90%">{caption}</div></div>'
        for kind, png, caption, alt in zip(
            ("clean", "adversarial", "perturbation"),
            (panel.clean, frame.adversarial, frame.perturbation),
            panel.captions,
            (html.escape(i18n.t(k)) for k in ("widgets.clean", "widgets.adversarial", "explorer_view.perturbation")),
            strict=True,
        )
    )
    title = f"<b>{html.escape(panel.title)}</b>" if panel.title else ""
    return (
        f'<div class="fgsm-edu-panel" style="margin: 0 24px 12px 0">{title}'
        f'<div style="display: flex; flex-flow: row wrap">{images}</div>'
        f'<div class="fgsm-edu-label-slot" style="min-height: 2.5em">{frame.label}</div>'
        f'<div style="display: flex; flex-flow: row wrap; align-items: flex-start">'
        f'<div class="fgsm-edu-bars-slot">{frame.bars}</div><div class="fgsm-edu-curve-slot">{frame.curve}</div></div>'
        f'<div class="fgsm-edu-readout-slot">{frame.readout}</div></div>'
    )


# The whole behaviour: on each slider move, swap every panel's images and HTML for the cached frame.
_SCRIPT = """(function () {
  var root = document.getElementById("VIEW_ID");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var data = JSON.parse(root.querySelector("script.fgsm-edu-frames").textContent);
  var slider = root.querySelector("input.fgsm-edu-slider");
  var panels = root.querySelectorAll(".fgsm-edu-panel");
  function show(i) {
    root.querySelector("output.fgsm-edu-eps").textContent = data.eps[i];
    data.panels.forEach(function (frames, j) {
      var f = frames[i], el = panels[j];
      el.querySelector("img.fgsm-edu-adversarial").src = "data:image/png;base64," + f.adv;
      el.querySelector("img.fgsm-edu-perturbation").src = "data:image/png;base64," + f.pert;
      el.querySelector(".fgsm-edu-label-slot").innerHTML = f.label;
      el.querySelector(".fgsm-edu-bars-slot").innerHTML = f.bars;
      el.querySelector(".fgsm-edu-curve-slot").innerHTML = f.curve;
      el.querySelector(".fgsm-edu-readout-slot").innerHTML = f.readout;
    });
  }
  slider.addEventListener("input", function () { show(Number(slider.value)); });
})();"""


def html_page(view: str, title: str) -> str:
    """A whole HTML document around a static view, in the current language (``save_html``).

    Args:
        view: the snippet from ``static_html``.
        title: the page's title.

    Returns:
        The document's text (UTF-8, no outside resource).
    """
    head = '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
    head += f"<title>{html.escape(title)}</title>"
    body = f'<body style="font-family: sans-serif; margin: 16px">{view}</body>'
    return f'<!DOCTYPE html>\n<html lang="{i18n.get_language()}"><head>{head}</head>{body}</html>\n'


def write_page(path: str | Path, page: str, overwrite: bool = False) -> Path:
    """Write a page to a file, refusing to replace an existing one unless asked (``save_html``).

    Args:
        path: where to write (an ``.html`` file).
        page: the document's text.
        overwrite: replace an existing file.

    Returns:
        The path written.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise InvalidArgumentError(i18n.t("explorer_view.exists", path=target))
    target.write_text(page, encoding="utf-8")
    return target
