"""Widgets: drag epsilon and watch FGSM fool a model, at once (notebook 01, "Explore epsilon with a slider").

Import explicitly (``from fgsm_edu import widgets``) so that ``import fgsm_edu`` stays light.

Builders, each returning one ``ipywidgets.VBox`` to display as the last line of a cell:

- ``epsilon_explorer(model, image, label=None, epsilons=None)``: an epsilon slider, the clean
  image beside the adversarial one, the perturbation, the model's label and confidence as text,
  its top-5 classes as probability bars, a small confidence-vs-epsilon curve with a marker at the
  slider's epsilon, and how visible the change is (L-inf, L2, PSNR, SSIM: ``fgsm_edu.visibility``).
- ``compare_models({"linear": m1, "cnn": m2}, image, label)``: one slider drives several models.
- ``photo_explorer(model)``: upload your own photo, then explore it.
- ``dataset_explorer(model, data)``: pick an example of ``(x, y)`` or ``DigitsData`` by index.

Speed: the input gradient and the model's probabilities for every slider epsilon come from one
``fgsm_sweep`` (one gradient, one batched forward pass) when the widget is built, and again only
when the attack changes (target class, true label vs prediction, a new image). Each new sweep is
turned at once into everything shown per epsilon: PNG bytes (PIL), the visibility measures (one
``tf.image.ssim`` call for all epsilons), the bars, the curve (an inline SVG string) and the texts.
A slider step only swaps those cached values: no gradient, no forward pass, no drawing.

Driving the widgets from Python (tests, scripts): ``EpsilonExplorer`` exposes ``slider`` (values are
the epsilons), ``mode`` ("true" or "predicted"), ``target`` (a class id, or -1 for untargeted) and
``panels`` (one ``Panel`` per model with ``clean``, ``adversarial`` and ``perturbation`` Image widgets
and ``label``, ``bars``, ``curve`` and ``readout`` HTML widgets); for one model, ``explorer.label``
etc. are shortcuts to its panel. Setting ``.value`` on a control updates the view exactly as a click does.

Without a kernel: the explorer also displays as ``text/html`` (ipywidgets 8), every frame precomputed
with a slider that works in the browser alone (``fgsm_edu.explorer_view``), which the course site and
HTML exports show; ``explorer.save_html("explorer.html")`` writes it as one file for slides.

Small images (8x8 and 28x28 digits) are enlarged pixel for pixel (nearest neighbour) to about
``MIN_DISPLAY_SIDE`` pixels, so digits look like digits.

Where they run: JupyterLab 4 and Notebook 7 (ipywidgets 8 ships the front end), VS Code, and Colab.
These widgets use core ipywidgets only (no ipympl or other third-party widget packages), and only
what ipywidgets 7.7 and 8 share (options as (label, value) pairs, plain-text descriptions, PNG bytes
in ``Image.value``, no 8-only traits such as ``tooltip`` or ``description_allow_html``), which Colab
(ipywidgets 7.7.1; ``make test-colab`` checks it in classic Notebook 6.5) renders out of the box:
``google.colab.output.enable_custom_widget_manager()`` is needed only for third-party widget
libraries, so the lessons do not call it. On Colab keep its own ipywidgets;
``photo_explorer`` reads the ``FileUpload`` value of ipywidgets 8 and of 7.x alike. Uploads travel
over the kernel's websocket: keep photos under ``MAX_UPLOAD_MB`` (phone photos are a few MB).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as w
import numpy as np

from fgsm_edu import i18n
from fgsm_edu.attacks import Sweep, fgsm_sweep
from fgsm_edu.checks import as_image_batch, check_epsilons, check_labels
from fgsm_edu.data import DigitsData, load_image_bytes
from fgsm_edu.errors import FgsmEduError, InvalidArgumentError, InvalidTypeError
from fgsm_edu.explorer_view import (  # the view, written once: the live and the static explorer share it
    _CURVE_BOTTOM,  # noqa: F401 (re-exported, as are MIN_DISPLAY_SIDE, TOP_K and the renderers)
    _CURVE_TOP,  # noqa: F401
    FOOLED_COLOR,
    MIN_DISPLAY_SIDE,  # noqa: F401
    OK_COLOR,
    TARGET_COLOR,
    TOP_K,  # noqa: F401
    StaticFrame,
    StaticPanel,
    bars_html,
    curve_svg,
    display_size,
    html_page,
    perturbation_view,
    png_data,
    readout_html,
    static_html,
    to_png,
    write_page,
)
from fgsm_edu.models import ModelInfo, class_name, model_info
from fgsm_edu.visibility import Visibility, visibility

DEFAULT_EPSILONS = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3)
MAX_UPLOAD_MB = 10  # Jupyter Server's websocket (Tornado's default) refuses messages over 10 MiB anyway
TRUE, PREDICTED = "true", "predicted"
UNTARGETED = -1

# Widget labels and captions: the [widgets] table of fgsm_edu/locales/*.toml.


# ---------------------------------------------------------------------------------------------
# The slider's epsilons
# ---------------------------------------------------------------------------------------------


def _eps_text(eps: float) -> str:
    """Label a slider epsilon with its value and its size in grey levels: "0.02 (5.1/255)"."""
    return f"{eps:g} ({eps * 255:.3g}/255)"


def _slider_epsilons(epsilons: Any) -> list[float]:
    """Check the slider's epsilons (sorted, unique, each in [0, 1]) and return them as floats."""
    values = sorted({float(e) for e in np.ravel(np.asarray(DEFAULT_EPSILONS if epsilons is None else epsilons))})
    checked = check_epsilons(values)
    return values if len(checked) == len(values) else [float(e) for e in checked]


# ---------------------------------------------------------------------------------------------
# One model's view
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """What a panel shows at one epsilon, as HTML: the verdict line, the bars, the curve, the readout."""

    label: str
    bars: str
    curve: str
    readout: str


class Panel(w.VBox):
    """One model's part of the explorer: clean, adversarial and perturbation images, texts, bars, curve.

    Attributes: ``model``, ``info``, ``sweep`` (the current Sweep), ``visibility`` (its measures),
    ``clean``, ``adversarial`` and ``perturbation`` (``ipywidgets.Image``), ``label``, ``bars``,
    ``curve`` and ``readout`` (``ipywidgets.HTML``).
    """

    def __init__(self, name: str, model: Any) -> None:
        """Build the empty panel (notebook 01, "Explore epsilon with a slider"); ``set_sweep`` fills it."""
        title = w.HTML(f"<b>{html.escape(name)}</b>" if name else "")
        self.clean, self.adversarial, self.perturbation = (w.Image(format="png") for _ in range(3))
        self._captions = (w.HTML(), w.HTML(), w.HTML())
        self.clean.add_class("fgsm-edu-clean")
        column = w.Layout(align_items="flex-start", margin="0 12px 0 0")
        pictures = zip((self.clean, self.adversarial, self.perturbation), self._captions, strict=True)
        images = w.HBox([w.VBox([image, caption], layout=column) for image, caption in pictures])
        self.label = w.HTML(layout=w.Layout(min_height="2.5em"))
        self.bars, self.curve, self.readout = w.HTML(), w.HTML(), w.HTML()
        charts = w.HBox([self.bars, self.curve], layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
        super().__init__([title, images, self.label, charts, self.readout], layout=w.Layout(margin="0 24px 12px 0"))
        self.model, self.info, self.name = model, model_info(model), name
        self.sweep: Sweep | None = None
        self.visibility: Visibility | None = None
        self._png: list[tuple[bytes, bytes]] = []
        self._frames: list[Frame] = []
        self._frames_for: tuple[str, int | None, int] | None = None
        self._top_eps = 0.0
        self._clean: np.ndarray | None = None
        self._static_png: list[tuple[bytes, bytes]] = []  # native-size PNGs for the static view, made on demand

    def set_sweep(self, sweep: Sweep, clean: np.ndarray) -> None:
        """Use a new sweep (a new image or attack): encode every epsilon's PNGs and measure visibility once.

        Args:
            sweep: the single-image Sweep for this panel's model.
            clean: the image attacked.
        """
        self.sweep, self._frames_for, self._clean, self._static_png = sweep, None, clean, []
        self._top_eps = float(sweep.epsilons[-1])
        self.visibility = visibility(clean, sweep.images)  # all K at once: one SSIM call
        self._png = [(to_png(adv), to_png(perturbation_view(adv, clean, self._top_eps))) for adv in sweep.images]
        self.clean.value = to_png(clean)
        height, width = display_size(clean.shape)
        for widget in (self.clean, self.adversarial, self.perturbation, *self._captions):  # fixed size
            widget.layout.width = f"{width}px"
        for widget in (self.clean, self.adversarial, self.perturbation):
            widget.layout.height = f"{height}px"

    def show(self, index: int, truth: int | None, target: int) -> None:
        """Display the index-th epsilon: swap in its cached images and HTML (no model call, no drawing).

        Args:
            index: the position of the epsilon on the slider.
            truth: the true class id, or None when unknown.
            target: the target class id, or UNTARGETED.
        """
        frame = self.frames(truth, target)[index]
        self.adversarial.value, self.perturbation.value = self._png[index]
        self.label.value, self.bars.value, self.curve.value = frame.label, frame.bars, frame.curve
        self.readout.value = frame.readout
        small = '<div style="line-height: 1.3; font-size: 90%">{}</div>'
        for caption, text in zip(self._captions, self._caption_texts(), strict=True):
            caption.value = small.format(text)

    def frames(self, truth: int | None, target: int) -> list[Frame]:
        """Every epsilon's Frame, built once per sweep, label, target and language.

        Args:
            truth: the true class id, or None when unknown.
            target: the target class id, or UNTARGETED.

        Returns:
            One Frame per slider epsilon.
        """
        key = (i18n.get_language(), truth, target)
        if self._frames_for != key:
            assert self.sweep is not None and self.visibility is not None
            lines, colors = self._curve_lines(truth, target), _highlights(truth, target)
            epsilons, probabilities = [float(e) for e in self.sweep.epsilons], self.sweep.probabilities
            self._frames = [
                Frame(
                    self.caption(i, truth, target),
                    bars_html(probabilities[i], self._name, colors),
                    curve_svg(epsilons, lines, i),
                    readout_html(self.visibility, i),
                )
                for i in range(len(epsilons))
            ]
            self._frames_for = key
        return self._frames

    def static_view(self, truth: int | None, target: int) -> StaticPanel:
        """This panel's every frame for the view without a kernel (``explorer_view.static_html``).

        Args:
            truth: the true class id, or None when unknown.
            target: the target class id, or UNTARGETED.

        Returns:
            A StaticPanel: native-size PNGs (encoded once per sweep) and the same HTML as the live panel.
        """
        assert self.sweep is not None and self._clean is not None
        if not self._static_png:
            clean, top = self._clean, self._top_eps
            self._static_png = [(png_data(a), png_data(perturbation_view(a, clean, top))) for a in self.sweep.images]
        frames = [
            StaticFrame(adv, pert, f.label, f.bars, f.curve, f.readout)
            for (adv, pert), f in zip(self._static_png, self.frames(truth, target), strict=True)
        ]
        return StaticPanel(
            self.name, png_data(self._clean), display_size(self._clean.shape), self._caption_texts(), frames
        )

    def _curve_lines(self, truth: int | None, target: int) -> list[tuple[str, str, np.ndarray]]:
        """The curve's lines: the true class (or the clean prediction), the top-1 class, the target."""
        assert self.sweep is not None
        probabilities = self.sweep.probabilities
        if truth is not None:
            reference = truth
        elif target == UNTARGETED:
            reference = int(self.sweep.labels[0])  # the clean prediction, which the attack moves away from
        else:
            reference = int(probabilities[0].argmax())  # the prediction at the smallest epsilon
        key = "widgets.curve_true" if truth is not None else "widgets.curve_clean"
        lines = [(i18n.t(key, name=self._name(reference)), OK_COLOR, probabilities[:, reference])]
        lines.append((i18n.t("widgets.curve_top"), FOOLED_COLOR, probabilities.max(-1)))
        if target != UNTARGETED:
            lines.append(
                (i18n.t("widgets.curve_target", name=self._name(target)), TARGET_COLOR, probabilities[:, target])
            )
        return lines

    def _caption_texts(self) -> tuple[str, str, str]:
        """The captions under the clean image, the adversarial image and the perturbation."""
        return i18n.t("widgets.clean"), i18n.t("widgets.adversarial"), i18n.t("widgets.perturbation", eps=self._top_eps)

    def caption(self, index: int, truth: int | None, target: int) -> str:
        """The label text for the index-th epsilon: "predicted 7 (98.1%) · true label 3 · ✗ fooled".

        Args:
            index: the position of the epsilon on the slider.
            truth: the true class id, or None when unknown.
            target: the target class id, or UNTARGETED.

        Returns:
            HTML (one ``<span aria-live="polite">``, so screen readers read each change).
        """
        assert self.sweep is not None
        ids, confidences = self.sweep.top1()
        predicted, name = int(ids[index]), self._name
        parts = [i18n.t("widgets.prediction", name=name(predicted), confidence=float(confidences[index]))]
        parts += [i18n.t("widgets.truth", name=name(truth))] if truth is not None else []
        parts += [_verdict(predicted, truth, target, int(self.sweep.labels[0]), name)]
        return f'<span class="fgsm-edu-label" aria-live="polite">{" · ".join(p for p in parts if p)}</span>'

    def _name(self, class_id: int) -> str:
        """A class id as readable, HTML-escaped text."""
        return html.escape(class_name(self.info, int(class_id)))


def _highlights(truth: int | None, target: int) -> dict[int, str]:
    """Bar colours for the classes to pick out: the true class in green, the target in blue."""
    colors = {} if truth is None else {truth: OK_COLOR}
    return colors | ({target: TARGET_COLOR} if target != UNTARGETED else {})


def _verdict(predicted: int, truth: int | None, target: int, attacked: int, name: Any) -> str:
    """Say, in colour and in words, whether the attack worked (notebook 01, "Explore epsilon with a slider")."""
    if target != UNTARGETED:
        hit = predicted == target
        text = i18n.t("widgets.hit_target" if hit else "widgets.towards", name=name(target))
        return f'<span style="color:{FOOLED_COLOR if hit else "inherit"}">{text}</span>'
    reference = truth if truth is not None else attacked
    if predicted != reference:
        key = "widgets.fooled" if truth is not None else "widgets.changed"
        return f'<span style="color:{FOOLED_COLOR}">{i18n.t(key)}</span>'
    key = "widgets.correct" if truth is not None else "widgets.unchanged"
    return f'<span style="color:{OK_COLOR}">{i18n.t(key)}</span>'


# ---------------------------------------------------------------------------------------------
# The explorer: controls plus one panel per model
# ---------------------------------------------------------------------------------------------


class EpsilonExplorer(w.VBox):
    """An epsilon slider and attack controls driving one Panel per model (notebook 01).

    Attributes: ``slider`` (SelectionSlider over the epsilons), ``mode`` (ToggleButtons, "true" or
    "predicted"), ``target`` (Dropdown, a class id or -1), ``panels``, ``epsilons``, ``image``,
    ``true_label``, and for one model the shortcuts ``label``, ``clean``, ``adversarial``,
    ``perturbation``, ``bars``, ``curve`` and ``readout``.
    """

    def __init__(self, models: Mapping[str, Any], image: Any, label: Any = None, epsilons: Any = None) -> None:
        """Build the controls and panels, then run the first sweep (see ``epsilon_explorer``)."""
        self.epsilons = _slider_epsilons(epsilons)
        panels = [Panel(name if len(models) > 1 else "", model) for name, model in models.items()]
        options = [(_eps_text(e), e) for e in self.epsilons]
        slider = w.SelectionSlider(options=options, value=self.epsilons[0], description=i18n.t("widgets.epsilon"))
        slider.layout = w.Layout(width="min(560px, 100%)")
        mode = w.ToggleButtons(style={"button_width": "auto"})
        mode_label = w.HTML(f'<div style="text-align: right">{i18n.t("widgets.attack")}</div>')
        mode_label.layout = w.Layout(width="80px", margin="0 8px 0 0")
        target = w.Dropdown(options=_target_options(panels), value=UNTARGETED, description=i18n.t("widgets.target"))
        row = w.Layout(flex_flow="row wrap", align_items="flex-start")  # several models wrap onto new rows
        super().__init__([slider, w.HBox([mode_label, mode]), target, w.HBox(panels, layout=row)])
        self.slider, self.mode, self.target, self.panels = slider, mode, target, panels
        self.image: np.ndarray | None = None
        self.true_label: int | None = None
        self._quiet = False
        self.set_image(image, label)
        slider.observe(lambda _: self.refresh(), names="value")
        mode.observe(self._on_attack_change, names="value")
        target.observe(self._on_attack_change, names="value")

    @property
    def label(self) -> w.HTML:
        """The first panel's label text widget (the only one for a single model)."""
        return self.panels[0].label

    @property
    def adversarial(self) -> w.Image:
        """The first panel's adversarial image widget."""
        return self.panels[0].adversarial

    @property
    def perturbation(self) -> w.Image:
        """The first panel's perturbation image widget."""
        return self.panels[0].perturbation

    @property
    def clean(self) -> w.Image:
        """The first panel's clean image widget."""
        return self.panels[0].clean

    @property
    def bars(self) -> w.HTML:
        """The first panel's top-5 probability bars."""
        return self.panels[0].bars

    @property
    def curve(self) -> w.HTML:
        """The first panel's confidence-vs-epsilon curve (inline SVG)."""
        return self.panels[0].curve

    @property
    def readout(self) -> w.HTML:
        """The first panel's visibility readout (L-inf, L2, PSNR, SSIM)."""
        return self.panels[0].readout

    def set_image(self, image: Any, label: Any = None) -> None:
        """Explore a new image (and its true label, or None); runs the sweep once per model.

        Args:
            image: one (H, W, C) float32 image in [0, 1] that every model accepts.
            label: its true class id, or None to attack the model's own prediction.
        """
        image, truth = _single_image(image), self._check_label(label)
        choices = ([(i18n.t("widgets.true_label"), TRUE)] if truth is not None else []) + [
            (i18n.t("widgets.own_prediction"), PREDICTED)
        ]
        mode = self.mode.value if self.mode.value in dict(choices).values() else choices[0][1]
        sweeps = self._sweeps(image, *self.attack_labels(truth, mode))  # raises before anything changes
        self._quiet = True
        try:
            self.mode.options, self.mode.value = choices, mode
        finally:
            self._quiet = False
        self.image, self.true_label = image, truth
        self._show_sweeps(sweeps)

    def attack_labels(self, truth: int | None, mode: str) -> tuple[int | None, bool]:
        """The (y, targeted) pair for fgsm_sweep: the target class, the true label, or None.

        Args:
            truth: the true label, or None.
            mode: TRUE or PREDICTED (ignored when a target class is chosen).

        Returns:
            (y, targeted).
        """
        if self.target.value != UNTARGETED:
            return int(self.target.value), True
        return (truth, False) if mode == TRUE else (None, False)

    def _on_attack_change(self, _change: dict[str, Any]) -> None:
        """A new target class or label mode: recompute the sweep (unless set_image is changing it)."""
        if not self._quiet:
            self.recompute()

    def recompute(self) -> None:
        """Run one fgsm_sweep per model (one gradient, one batched forward pass), then redraw."""
        self._show_sweeps(self._sweeps(self.image, *self.attack_labels(self.true_label, self.mode.value)))

    def _sweeps(self, image: Any, y: int | None, targeted: bool) -> list[Sweep]:
        """One sweep per panel's model over the slider's epsilons."""
        return [fgsm_sweep(panel.model, image, y, self.epsilons, targeted=targeted) for panel in self.panels]

    def _show_sweeps(self, sweeps: list[Sweep]) -> None:
        """Hand each panel its new sweep, grey out the mode toggle when it has no effect, redraw."""
        for panel, sweep in zip(self.panels, sweeps, strict=True):
            panel.set_sweep(sweep, np.asarray(self.image))
        self.mode.disabled = self.target.value != UNTARGETED or len(self.mode.options) < 2
        self.refresh()

    def _check_label(self, label: Any) -> int | None:
        """Check a true label (an id or a one-hot row) against the first model's classes."""
        if label is None:
            return None
        return int(check_labels(label, 1, self.panels[0].info.num_classes or None)[0])

    def refresh(self) -> None:
        """Show the slider's epsilon in every panel: cached PNGs and HTML, no model call."""
        index = self.epsilons.index(self.slider.value)
        for panel in self.panels:
            panel.show(index, self.true_label, int(self.target.value))

    def texts(self) -> list[str]:
        """The label text of each panel, without HTML tags (for tests and screen-reader checks)."""
        return [_plain(panel.label.value) for panel in self.panels]

    def static_html(self) -> str:
        """The explorer as HTML that works without a kernel (notebook 01, "Explore epsilon with a slider").

        Every epsilon's frame is already cached, so the slider keeps working in the browser alone: the
        course site, a notebook exported to HTML. The target and the label mode stay as they are.

        Returns:
            One self-contained HTML snippet (``fgsm_edu.explorer_view.static_html``).
        """
        truth, target = self.true_label, int(self.target.value)
        panels = [panel.static_view(truth, target) for panel in self.panels]
        return static_html(panels, [_eps_text(e) for e in self.epsilons], self.epsilons.index(self.slider.value))

    def save_html(self, path: str | Path, overwrite: bool = False) -> Path:
        """Save the explorer as one self-contained HTML file, for slides or a learning platform (notebook 01).

        Args:
            path: the file to write, for example ``"explorer.html"``.
            overwrite: replace the file if it exists (otherwise an existing file is an error).

        Returns:
            The path written; open it in any browser, offline.
        """
        return write_page(path, html_page(self.static_html(), i18n.t("explorer_view.title")), overwrite)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The live widget, plus the static view as ``text/html`` for pages without a kernel (ipywidgets 8)."""
        live = getattr(super(), "_repr_mimebundle_", None)  # ipywidgets 7 (Colab) displays with _ipython_display_
        bundle = live(**kwargs) if live is not None else None
        if bundle is not None:
            bundle["text/html"] = self.static_html()
        return bundle


def _single_image(image: Any) -> np.ndarray:
    """Check that the explorer gets one image (H, W, C), not a batch."""
    arr, single = as_image_batch(image)
    if not single:
        raise InvalidArgumentError(i18n.t("errors.explorer_batch", shape=arr.shape))
    return arr[0]


def _plain(markup: str) -> str:
    """Strip HTML tags and unescape entities: the text a person reads."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _target_options(panels: Sequence[Panel]) -> list[tuple[str, int]]:
    """The target-class choices: untargeted, then every class (when all models share the classes)."""
    infos: list[ModelInfo] = [panel.info for panel in panels]
    options = [(i18n.t("widgets.untargeted"), UNTARGETED)]
    if len({info.num_classes for info in infos}) != 1:
        return options
    return options + [(f"{i}: {class_name(infos[0], i)}", i) for i in range(infos[0].num_classes)]


def epsilon_explorer(model: Any, image: Any, label: Any = None, epsilons: Any = None) -> EpsilonExplorer:
    """Drag epsilon and watch the adversarial image, perturbation, top-5 and visibility change (notebook 01).

    Args:
        model: a model from ``load_model`` or ``wrap_model`` ([0, 1] pixels in, logits out).
        image: one (H, W, C) float32 image in [0, 1] of the model's input size.
        label: the true class id; None attacks the model's own prediction (and hides "true label").
        epsilons: the slider's epsilons (default ``DEFAULT_EPSILONS``, 0 to 0.3).

    Returns:
        An ``EpsilonExplorer`` (an ``ipywidgets.VBox``); display it as a cell's last line.
    """
    return EpsilonExplorer({"": model}, image, label, epsilons)


def compare_models(models: Mapping[str, Any], image: Any, label: Any = None, epsilons: Any = None) -> EpsilonExplorer:
    """One epsilon slider drives several models side by side (notebook 02, "Linear vs CNN on one digit").

    Args:
        models: display name -> model, for example ``{"linear": digits_linear, "CNN": digits_cnn}``.
        image: one image every model accepts.
        label: the true class id, or None.
        epsilons: the slider's epsilons (default ``DEFAULT_EPSILONS``).

    Returns:
        An ``EpsilonExplorer`` with one panel per model.
    """
    if not isinstance(models, Mapping) or not models:
        raise InvalidArgumentError(i18n.t("errors.models_dict", type=type(models).__name__))
    return EpsilonExplorer(dict(models), image, label, epsilons)


# ---------------------------------------------------------------------------------------------
# Your own photo
# ---------------------------------------------------------------------------------------------


def _uploaded_files(value: Any) -> list[tuple[str, bytes]]:
    """Read FileUpload.value: a tuple of dicts in ipywidgets 8, a dict name -> file in 7.x (Colab)."""
    if isinstance(value, Mapping):
        return [(str(name), bytes(item["content"])) for name, item in value.items()]
    return [(str(item.get("name", "upload")), bytes(item["content"])) for item in value]


def _model_image_size(info: ModelInfo) -> tuple[int, int, int]:
    """The (height, width, channels) a model takes; unknown sizes default to 224x224x3."""
    height, width, channels = (tuple(info.input_shape) + (None, None, None))[:3]
    return int(height or 224), int(width or 224), int(channels or 3)


class PhotoExplorer(w.VBox):
    """Upload a photo, then explore it with an EpsilonExplorer (notebook 01, "Your own photo").

    Attributes: ``upload`` (FileUpload), ``message`` (HTML: the hint, or what went wrong),
    ``explorer`` (the EpsilonExplorer, None until a photo is loaded), ``model``.
    """

    def __init__(self, model: Any, epsilons: Any = None) -> None:
        """Build the upload button and the message line (see ``photo_explorer``)."""
        upload = w.FileUpload(accept="image/*", multiple=False, description=i18n.t("widgets.upload"))
        upload.layout = w.Layout(width="auto", align_self="flex-start")  # not stretched (ipywidgets 7 stretched it)
        self.model, self.size = model, _model_image_size(model_info(model))
        self.epsilons = _slider_epsilons(epsilons)
        height, width, _ = self.size
        message = w.HTML(i18n.t("widgets.upload_hint", limit=MAX_UPLOAD_MB, height=height, width=width))
        super().__init__([upload, message])
        self.upload, self.message = upload, message
        self.explorer: EpsilonExplorer | None = None
        upload.observe(self._on_upload, names="value")

    def _on_upload(self, change: dict[str, Any]) -> None:
        """Load the newest uploaded file; an empty value (a cleared upload) is ignored."""
        files = _uploaded_files(change["new"])
        if files:
            self.load(files[-1][1], files[-1][0])

    def load(self, data: bytes, name: str = "photo") -> bool:
        """Decode uploaded bytes and explore them; any problem becomes a message, never a traceback.

        Args:
            data: the file's bytes.
            name: the file's name, for messages.

        Returns:
            True if the photo is now shown, False if the message explains why not.
        """
        try:
            image = self._decode(data, name)
            if self.explorer is None:
                self.explorer = EpsilonExplorer({"": self.model}, image, None, self.epsilons)
                self.children = (self.upload, self.message, self.explorer)
            else:
                self.explorer.set_image(image)
        except Exception as err:  # a widget callback: show every failure, keep the kernel's log clean
            self._say("widgets.bad_upload", FOOLED_COLOR, name=name, reason=_reason(err))
            return False
        self._say("widgets.loaded", "inherit", name=name, height=self.size[0], width=self.size[1])
        return True

    def _decode(self, data: bytes, name: str) -> np.ndarray:
        """Check the upload's size, decode it at the model's input size, match its channels."""
        megabytes = len(data) / 2**20
        if megabytes > MAX_UPLOAD_MB:
            raise _UploadTooLargeError(i18n.t("widgets.too_big", name=name, size=megabytes, limit=MAX_UPLOAD_MB))
        height, width, channels = self.size
        image = load_image_bytes(data, size=(height, width), name=name)
        return image.mean(axis=-1, keepdims=True) if channels == 1 else image

    def _say(self, key: str, color: str, **fields: Any) -> None:
        """Show one escaped message line in the given colour."""
        escaped = {k: html.escape(str(v)) for k, v in fields.items()}
        self.message.value = f'<span style="color:{color}" role="status">{i18n.t(key, **escaped)}</span>'


class _UploadTooLargeError(FgsmEduError):
    """An upload over MAX_UPLOAD_MB (its message is already complete)."""


def _reason(err: Exception) -> str:
    """The learner-facing reason for a failed upload: our own messages as they are, others named."""
    if isinstance(err, FgsmEduError | MemoryError):
        return str(err) or type(err).__name__
    return f"{type(err).__name__}: {err}"


def photo_explorer(model: Any, epsilons: Any = None) -> PhotoExplorer:
    """Upload your own photo and attack it with FGSM (notebook 01, "Your own photo").

    Args:
        model: a model from ``load_model`` or ``wrap_model``; photos are resized to its input size.
        epsilons: the slider's epsilons (default ``DEFAULT_EPSILONS``).

    Returns:
        A ``PhotoExplorer`` (an ``ipywidgets.VBox``); bad files show a message in it.
    """
    return PhotoExplorer(model, epsilons)


# ---------------------------------------------------------------------------------------------
# Examples from a dataset
# ---------------------------------------------------------------------------------------------


def _examples(data: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Accept DigitsData (its test split) or an (x, y) pair; check that x and y line up."""
    if isinstance(data, DigitsData):
        return data.x_test, data.y_test
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise InvalidTypeError(i18n.t("errors.data_pair_type", type=type(data).__name__))
    x, y = np.asarray(data[0]), None if data[1] is None else np.asarray(data[1])
    if x.ndim != 4 or len(x) == 0 or (y is not None and len(y) != len(x)):
        raise InvalidArgumentError(i18n.t("errors.data_pair_shape", x=x.shape, y=None if y is None else y.shape))
    return x, y


class DatasetExplorer(w.VBox):
    """Pick an example by index and explore it (notebook 03, "One example at a time").

    Attributes: ``index`` (IntSlider), ``explorer`` (the EpsilonExplorer), ``x``, ``y``.
    """

    def __init__(self, model: Any, data: Any, epsilons: Any = None) -> None:
        """Build the index slider and the explorer of example 0 (see ``dataset_explorer``)."""
        self.x, self.y = _examples(data)
        index = w.IntSlider(0, 0, len(self.x) - 1, description=i18n.t("widgets.example"), continuous_update=False)
        explorer = EpsilonExplorer({"": model}, self.x[0], self._label(0), epsilons)
        super().__init__([index, explorer])
        self.index, self.explorer = index, explorer
        index.observe(lambda change: explorer.set_image(self.x[change["new"]], self._label(change["new"])), "value")

    def _label(self, i: int) -> int | None:
        """The true label of example i, or None when the data has no labels."""
        return None if self.y is None else int(self.y[i])


def dataset_explorer(model: Any, data: Any, epsilons: Any = None) -> DatasetExplorer:
    """Explore one example of a dataset at a time (notebook 03, "One example at a time").

    Args:
        model: a model from ``load_model`` or ``wrap_model``.
        data: ``DigitsData`` (its test split is used) or an ``(x, y)`` pair (y may be None).
        epsilons: the slider's epsilons (default ``DEFAULT_EPSILONS``).

    Returns:
        A ``DatasetExplorer`` (an ``ipywidgets.VBox``): an index slider above an epsilon explorer.
    """
    return DatasetExplorer(model, data, epsilons)
