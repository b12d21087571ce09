"""Widgets: drag epsilon and watch FGSM fool a model, at once (notebook 02, "Exploring epsilon").

Import explicitly (``from fgsm_edu import widgets``) so that ``import fgsm_edu`` stays light.

Builders, each returning one ``ipywidgets.VBox`` to display as the last line of a cell:

- ``epsilon_explorer(model, image, label=None, epsilons=None)``: an epsilon slider, the
  adversarial image, the perturbation, and the model's label and confidence as text.
- ``compare_models({"linear": m1, "cnn": m2}, image, label)``: one slider drives several models.
- ``photo_explorer(model)``: upload your own photo, then explore it.
- ``dataset_explorer(model, data)``: pick an example of ``(x, y)`` or ``DigitsData`` by index.

Speed: the input gradient and the model's probabilities for every slider epsilon come from one
``fgsm_sweep`` (one gradient, one batched forward pass) when the widget is built, and again only
when the attack changes (target class, true label vs prediction, a new image). A slider step only
swaps cached PNG bytes (``ipywidgets.Image``, encoded once per epsilon by PIL) and a line of text.

Driving the widgets from Python (tests, scripts): ``EpsilonExplorer`` exposes ``slider`` (values are
the epsilons), ``mode`` ("true" or "predicted"), ``target`` (a class id, or -1 for untargeted) and
``panels`` (one ``Panel`` per model with ``adversarial`` and ``perturbation`` Image widgets and a
``label`` HTML widget); for one model, ``explorer.label`` etc. are shortcuts to its panel. Setting
``.value`` on a control updates the view exactly as a click does.

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
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
from PIL import Image

from fgsm_edu import i18n
from fgsm_edu.attacks import Sweep, fgsm_sweep
from fgsm_edu.checks import as_image_batch, check_epsilons, check_labels
from fgsm_edu.data import DigitsData, load_image_bytes
from fgsm_edu.errors import FgsmEduError, InvalidArgumentError, InvalidTypeError
from fgsm_edu.models import ModelInfo, class_name, model_info

DEFAULT_EPSILONS = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3)
MIN_DISPLAY_SIDE = 160  # small images (8x8 digits) are enlarged, pixel for pixel, to at least this
MAX_UPLOAD_MB = 10  # Jupyter Server's websocket (Tornado's default) refuses messages over 10 MiB anyway
TRUE, PREDICTED = "true", "predicted"
UNTARGETED = -1
_FOOLED_COLOR, _OK_COLOR = "#d32f2f", "#2e7d32"

# Widget labels and captions: the "widgets.*" keys of fgsm_edu.i18n.MESSAGES.


# ---------------------------------------------------------------------------------------------
# Rendering: arrays to PNG bytes
# ---------------------------------------------------------------------------------------------


def to_png(image: np.ndarray, min_side: int = MIN_DISPLAY_SIDE) -> bytes:
    """Encode a [0, 1] float image as PNG bytes, enlarged with nearest neighbour (notebook 02).

    Args:
        image: (H, W, 1) or (H, W, 3) float pixels in [0, 1].
        min_side: enlarge by a whole factor until the shorter side is at least this many pixels.

    Returns:
        The PNG file's bytes (8-bit grey or RGB).
    """
    pixels = np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
    img = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    height, width = display_size(pixels.shape, min_side)
    if (height, width) != pixels.shape[:2]:
        img = img.resize((width, height), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", compress_level=1)
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
    """Map x_adv - x onto [0, 1] for display: grey is 0, black/white is -/+ max_eps (notebook 02).

    Args:
        adversarial: the adversarial image.
        clean: the original image.
        max_eps: the largest epsilon on the slider (the scale, the same for every step).

    Returns:
        A float image in [0, 1]; it grows more contrasted as epsilon grows.
    """
    scale = 2.0 * max_eps if max_eps > 0 else 1.0
    return np.clip(0.5 + (adversarial - clean) / scale, 0.0, 1.0)


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


class Panel(w.VBox):
    """One model's part of the explorer: title, adversarial image, perturbation, label text.

    Attributes: ``model``, ``info``, ``sweep`` (the current Sweep), ``adversarial`` and
    ``perturbation`` (``ipywidgets.Image``), ``label`` (``ipywidgets.HTML``).
    """

    def __init__(self, name: str, model: Any) -> None:
        """Build the empty panel (notebook 02); ``set_sweep`` fills it."""
        title = w.HTML(f"<b>{html.escape(name)}</b>" if name else "")
        adversarial, perturbation = w.Image(format="png"), w.Image(format="png")
        adv_caption, pert_caption = w.HTML(), w.HTML()
        label = w.HTML(layout=w.Layout(min_height="2.5em"))
        column = w.Layout(align_items="flex-start", margin="0 12px 0 0")
        columns = w.HBox([w.VBox([adversarial, adv_caption], layout=column), w.VBox([perturbation, pert_caption])])
        super().__init__([title, columns, label], layout=w.Layout(margin="0 24px 0 0"))
        self.model, self.info, self.label = model, model_info(model), label
        self.adversarial, self.perturbation = adversarial, perturbation
        self._captions = (adv_caption, pert_caption)
        self.sweep: Sweep | None = None
        self._clean: np.ndarray | None = None
        self._png: dict[int, tuple[bytes, bytes]] = {}
        self._top_eps = 0.0

    def set_sweep(self, sweep: Sweep, clean: np.ndarray) -> None:
        """Use a new sweep (a new image or attack) and forget the cached PNGs.

        Args:
            sweep: the single-image Sweep for this panel's model.
            clean: the image attacked.
        """
        self.sweep, self._clean, self._png = sweep, clean, {}
        self._top_eps = float(sweep.epsilons[-1])
        height, width = display_size(clean.shape)
        for widget in (self.adversarial, self.perturbation, *self._captions):  # fixed size: no stretching
            widget.layout.width = f"{width}px"
        for widget in (self.adversarial, self.perturbation):
            widget.layout.height = f"{height}px"

    def pngs(self, index: int) -> tuple[bytes, bytes]:
        """Return (adversarial PNG, perturbation PNG) for the index-th epsilon, encoding it once.

        Args:
            index: the position of the epsilon on the slider.

        Returns:
            The two PNGs' bytes.
        """
        if index not in self._png:
            assert self.sweep is not None and self._clean is not None
            adv = self.sweep.images[index]
            self._png[index] = (to_png(adv), to_png(perturbation_view(adv, self._clean, self._top_eps)))
        return self._png[index]

    def show(self, index: int, truth: int | None, target: int) -> None:
        """Display the index-th epsilon: swap in its cached images and write the label text.

        Args:
            index: the position of the epsilon on the slider.
            truth: the true class id, or None when unknown.
            target: the target class id, or UNTARGETED.
        """
        adversarial, perturbation = self.pngs(index)
        self.adversarial.value, self.perturbation.value = adversarial, perturbation
        self.label.value = self.caption(index, truth, target)
        small = '<div style="line-height: 1.3; font-size: 90%">{}</div>'
        self._captions[0].value = small.format(i18n.t("widgets.adversarial"))
        self._captions[1].value = small.format(i18n.t("widgets.perturbation", eps=self._top_eps))

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


def _verdict(predicted: int, truth: int | None, target: int, attacked: int, name: Any) -> str:
    """Say, in colour and in words, whether the attack worked (notebook 02, "Exploring epsilon")."""
    if target != UNTARGETED:
        hit = predicted == target
        text = i18n.t("widgets.hit_target" if hit else "widgets.towards", name=name(target))
        return f'<span style="color:{_FOOLED_COLOR if hit else "inherit"}">{text}</span>'
    reference = truth if truth is not None else attacked
    if predicted != reference:
        key = "widgets.fooled" if truth is not None else "widgets.changed"
        return f'<span style="color:{_FOOLED_COLOR}">{i18n.t(key)}</span>'
    key = "widgets.correct" if truth is not None else "widgets.unchanged"
    return f'<span style="color:{_OK_COLOR}">{i18n.t(key)}</span>'


# ---------------------------------------------------------------------------------------------
# The explorer: controls plus one panel per model
# ---------------------------------------------------------------------------------------------


class EpsilonExplorer(w.VBox):
    """An epsilon slider and attack controls driving one Panel per model (notebook 02).

    Attributes: ``slider`` (SelectionSlider over the epsilons), ``mode`` (ToggleButtons, "true" or
    "predicted"), ``target`` (Dropdown, a class id or -1), ``panels``, ``epsilons``, ``image``,
    ``true_label``, and for one model the shortcuts ``label``, ``adversarial``, ``perturbation``.
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
        super().__init__([slider, w.HBox([mode_label, mode]), target, w.HBox(panels)])
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
        """Show the slider's epsilon in every panel: cached PNGs and a line of text, no model call."""
        index = self.epsilons.index(self.slider.value)
        for panel in self.panels:
            panel.show(index, self.true_label, int(self.target.value))

    def texts(self) -> list[str]:
        """The label text of each panel, without HTML tags (for tests and screen-reader checks)."""
        return [_plain(panel.label.value) for panel in self.panels]


def _single_image(image: Any) -> np.ndarray:
    """Check that the explorer gets one image (H, W, C), not a batch."""
    arr, single = as_image_batch(image)
    if not single:
        raise InvalidArgumentError(
            f"the explorer shows one image of shape (H, W, C), got a batch of shape {arr.shape}; pass x[0]."
        )
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
    """Drag epsilon and watch the adversarial image, perturbation and prediction change (notebook 02).

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
    """One epsilon slider drives several models side by side (notebook 03, "Linear models are easy to fool").

    Args:
        models: display name -> model, for example ``{"linear": digits_linear, "CNN": digits_cnn}``.
        image: one image every model accepts.
        label: the true class id, or None.
        epsilons: the slider's epsilons (default ``DEFAULT_EPSILONS``).

    Returns:
        An ``EpsilonExplorer`` with one panel per model.
    """
    if not isinstance(models, Mapping) or not models:
        raise InvalidArgumentError(
            f"models must be a non-empty dict of name -> model, got {type(models).__name__}; "
            'for example {"linear": load_model("digits_linear"), "CNN": load_model("digits_cnn")}.'
        )
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
    """Upload a photo, then explore it with an EpsilonExplorer (notebook 02, "Your own photo").

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
            self._say("widgets.bad_upload", _FOOLED_COLOR, name=name, reason=_reason(err))
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
    """Upload your own photo and attack it with FGSM (notebook 02, "Your own photo").

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
        raise InvalidTypeError(f"data must be DigitsData or an (x, y) pair, got {type(data).__name__}.")
    x, y = np.asarray(data[0]), None if data[1] is None else np.asarray(data[1])
    if x.ndim != 4 or len(x) == 0 or (y is not None and len(y) != len(x)):
        raise InvalidArgumentError(
            f"data must be (x, y) with x of shape (N, H, W, C), N > 0, and one label per image; "
            f"got x {x.shape} and y {None if y is None else y.shape}."
        )
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
