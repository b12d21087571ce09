"""The pictures every lesson needs, readable on a projector and in light or dark JupyterLab themes.

Each function draws a new matplotlib Figure and returns it, already closed in pyplot: as a
cell's last line it shows exactly once (``%matplotlib inline``); elsewhere use ``display(fig)``
or ``fig.savefig("file.png")``. Figures have an opaque white background and black text,
so they read the same whatever the notebook theme. Titles, axis labels and captions come from
``fgsm_edu.i18n`` in the language of ``set_language`` (which also sets the Japanese font).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from fgsm_edu.attacks import Sweep
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.evaluation import Fooled
from fgsm_edu.i18n import t
from fgsm_edu.models import class_name, model_info, predict

STYLE: dict[Any, Any] = {
    "font.size": 14,
    "axes.titlesize": 16,
    "axes.labelsize": 15,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 13,
    "figure.titlesize": 18,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "text.color": "black",
    "axes.labelcolor": "black",
    "axes.edgecolor": "black",
    "xtick.color": "black",
    "ytick.color": "black",
}
WRONG = "#c0392b"  # dark red: readable on white, marks a changed prediction (with a cross, for colour-blind readers)


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    """A new figure in the projector style, closed in pyplot so it is shown only once."""
    with matplotlib.rc_context(STYLE):
        fig = plt.figure(figsize=(width, height), layout="constrained")
        fig.patch.set_facecolor("white")
        fig.patch.set_alpha(1.0)
        try:
            yield fig
        finally:
            plt.close(fig)


def _one_image(image: Any, name: str = "image") -> np.ndarray:
    """Accept (H, W, C) or (1, H, W, C) and return (H, W, C) as float32."""
    arr = np.asarray(image, dtype=np.float32)
    if arr.ndim == 4 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 3 or arr.shape[-1] not in (1, 3):
        raise InvalidArgumentError(t("errors.one_image", name=name, shape=arr.shape))
    return arr


def _draw(ax: Axes, image: np.ndarray) -> None:
    """Draw one [0, 1] image without axes ticks (grey colour map for one channel)."""
    if image.shape[-1] == 1:
        ax.imshow(image[..., 0], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        ax.imshow(np.clip(image, 0.0, 1.0), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def show_image(image: Any, model: Any = None, title: str | None = None) -> Figure:
    """Show one image, with the model's top-1 label and confidence if a model is given (notebook 01).

    Args:
        image: (H, W, C) or (1, H, W, C), float32 in [0, 1].
        model: a model to classify the image, or None.
        title: a title; the prediction is added below it.

    Returns:
        The Figure.
    """
    arr = _one_image(image)
    lines = [title] if title else []
    if model is not None:
        lines.append(t("plots.prediction", prediction=predict(model, arr)))
    with _figure(6, 6.6) as fig:
        ax = fig.add_subplot()
        _draw(ax, arr)
        ax.set_title("\n".join(lines) or t("plots.image"))
    return fig


def visible(perturbation: Any) -> tuple[np.ndarray, float]:
    """Map a perturbation onto [0, 1] for display: grey is 0, black/white are -/+ its largest value.

    Args:
        perturbation: an (H, W, C) perturbation (sign(grad) or x_adv - x).

    Returns:
        (the image in [0, 1], the largest absolute value).
    """
    arr = np.asarray(perturbation, dtype=np.float32)
    peak = float(np.abs(arr).max()) if arr.size else 0.0
    return (0.5 + arr / (2 * peak) if peak > 0 else np.full_like(arr, 0.5)), peak


def show_perturbation(perturbation: Any, title: str | None = None) -> Figure:
    """Show the perturbation (for FGSM, sign of the gradient), scaled for visibility (notebook 01).

    Args:
        perturbation: (H, W, C) or (1, H, W, C), for example ``sweep.perturbation``.
        title: a title (default: "Perturbation: sign of the gradient", in the current language).

    Returns:
        The Figure; its x label says how the values were scaled.
    """
    arr = _one_image(perturbation, "perturbation")
    shown, peak = visible(arr)
    with _figure(6, 6.8) as fig:
        ax = fig.add_subplot()
        _draw(ax, shown)
        ax.set_title(title or t("plots.perturbation"))
        ax.set_xlabel(t("plots.perturbation_scale", peak=peak))
    return fig


def _sweep_panels(sweep: Sweep, index: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The (K, H, W, C) images, (K, classes) probabilities and label of one image of a sweep."""
    images, probs, labels = sweep.images, sweep.probabilities, np.atleast_1d(sweep.labels)
    if images.ndim == 5:
        if not 0 <= index < images.shape[1]:
            raise InvalidArgumentError(t("errors.index", n=images.shape[1], index=index))
        return images[:, index], probs[:, index], int(labels[index])
    return images, probs, int(labels[0])


def show_sweep(model: Any, sweep: Sweep, index: int = 0, ncols: int = 5) -> Figure:
    """The tutorial's epsilon comparison: the adversarial image per epsilon with label and confidence (notebook 01).

    Args:
        model: the model the sweep attacked (for its class names).
        sweep: the result of ``fgsm_sweep``.
        index: which image of a batched sweep to show.
        ncols: panels per row.

    Returns:
        The Figure: one panel per epsilon, changed predictions marked in red with a cross.
    """
    images, probs, label = _sweep_panels(sweep, index)
    info, k = model_info(model), len(sweep.epsilons)
    cols = max(1, min(ncols, k))
    rows = math.ceil(k / cols)
    with _figure(3.4 * cols, 3.9 * rows + 0.6) as fig:
        for i, eps in enumerate(sweep.epsilons):
            ax = fig.add_subplot(rows, cols, i + 1)
            _draw(ax, images[i])
            top = int(probs[i].argmax())
            changed = top != label
            name = class_name(info, top)
            ax.set_title(
                f"ε = {eps:.3g}\n{'✗ ' if changed else ''}{name} ({probs[i, top]:.1%})",
                color=WRONG if changed else "black",
            )
        fig.suptitle(t("plots.sweep", label=class_name(info, label)))
    return fig


def _curve_sets(results: Any) -> Mapping[str, Sequence[Mapping[str, Any]]]:
    """Accept {name: records} or one list of records; check the record keys."""
    sets = results if isinstance(results, Mapping) else {t("plots.model"): results}
    if not sets:
        raise InvalidArgumentError(t("errors.no_records"))
    keys = {"eps", "accuracy", "mean_confidence"}
    for name, records in sets.items():
        if not records or not all(isinstance(r, Mapping) and keys <= set(r) for r in records):
            raise InvalidArgumentError(t("errors.bad_records", name=name))
    return sets


def show_curves(
    results: Any,
    title: str | None = None,
    reference: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> Figure:
    """Accuracy and confidence against epsilon, several models on one plot (notebook 03, "Accuracy vs epsilon").

    Args:
        results: {"model name": records from ``evaluate``, ...}, or one list of records.
        title: the figure's title.
        reference: {"label": (epsilons, accuracies), ...}: published accuracies, drawn dashed on the
            accuracy axis for comparison (notebook 03 draws PyTorch's FGSM tutorial's).

    Returns:
        The Figure, with two axes: accuracy and mean confidence against epsilon.
    """
    sets = _curve_sets(results)
    markers = "osD^v<>"
    with _figure(13, 5.6) as fig:
        acc_ax, conf_ax = fig.subplots(1, 2)
        for i, (name, records) in enumerate(sets.items()):
            rows = sorted(records, key=lambda r: r["eps"])
            eps = [r["eps"] for r in rows]
            style = {"marker": markers[i % len(markers)], "linewidth": 2.5, "markersize": 8, "label": name}
            acc_ax.plot(eps, [r["accuracy"] for r in rows], **style)
            conf_ax.plot(eps, [r["mean_confidence"] for r in rows], **style)
        for j, (label, (ref_eps, ref_acc)) in enumerate((reference or {}).items()):
            acc_ax.plot(ref_eps, ref_acc, linestyle="--", marker="x", color=f"{0.15 + 0.25 * j:.2f}", label=label)
        for ax, what in ((acc_ax, t("plots.accuracy")), (conf_ax, t("plots.confidence"))):
            ax.set_xlabel(t("plots.eps_axis"))
            ax.set_ylabel(what)
            ax.set_ylim(-0.02, 1.02)
            ax.grid(True, alpha=0.3)
            ax.legend()
        acc_ax.set_title(t("plots.accuracy_title"))
        conf_ax.set_title(t("plots.confidence_title"))
        fig.suptitle(title or t("plots.curves"))
    return fig


def show_fooled(model: Any, fooled: Fooled, ncols: int = 4) -> Figure:
    """A gallery of the adversarial images the model got wrong most confidently (notebook 03).

    Args:
        model: the model (for its class names).
        fooled: the result of ``most_confidently_fooled``.
        ncols: panels per row.

    Returns:
        The Figure: one panel per image, titled "true -> predicted (confidence)".
    """
    info, k = model_info(model), len(fooled.indices)
    at = "" if fooled.eps is None else t("plots.at_eps", eps=fooled.eps)
    cols = max(1, min(ncols, k))
    rows = max(1, math.ceil(k / cols))
    with _figure(3.6 * cols + 0.4, 3.9 * rows + 0.6) as fig:
        if k == 0:
            ax = fig.add_subplot()
            ax.axis("off")
            ax.text(0.5, 0.5, t("plots.none_fooled", at=at), ha="center", va="center", fontsize=16)
        for i in range(k):
            ax = fig.add_subplot(rows, cols, i + 1)
            _draw(ax, _one_image(fooled.images[i]))
            true, wrong = class_name(info, int(fooled.labels[i])), class_name(info, int(fooled.predicted[i]))
            ax.set_title(f"#{fooled.indices[i]}: {true} → {wrong}\n({fooled.confidence[i]:.1%})")
        fig.suptitle(t("plots.fooled", at=at))
    return fig


def show_minimal_epsilon(values: Any, images: Any, labels: Any, k: int = 4) -> Figure:
    """How robust each image is: a histogram of minimal epsilons, and the least and most robust images (notebook 06).

    Args:
        values: (N,) minimal epsilons from ``robustness.minimal_epsilon`` (inf: never flipped).
        images: the (N, H, W, C) images they belong to.
        labels: their (N,) true labels.
        k: how many of the least and of the most robust images to show.

    Returns:
        The Figure: the histogram on top, two rows of k images below.
    """
    values, order = np.asarray(values, np.float64), np.argsort(np.asarray(values, np.float64), kind="stable")
    finite = values[np.isfinite(values)]
    k = max(1, min(k, len(values)))
    with _figure(3.0 * k + 1, 9.5) as fig:
        parts: Any = fig.subfigures(2, 1, height_ratios=[1.1, 1.6])
        top, bottom = parts
        ax = top.add_subplot()
        ax.hist(finite, bins=30, color="#34495e")
        ax.set_xlabel(t("plots.eps_axis"))
        ax.set_ylabel(t("plots.images_axis"))
        ax.set_title(t("plots.minimal_eps_title", n=len(values), never=int(np.sum(~np.isfinite(values)))))
        axes = bottom.subplots(2, k, squeeze=False)
        for row, (key, picks) in enumerate((("plots.least_robust", order[:k]), ("plots.most_robust", order[::-1][:k]))):
            for ax, i in zip(axes[row], picks, strict=False):
                _draw(ax, _one_image(np.asarray(images)[i]))
                eps = t("plots.never") if np.isinf(values[i]) else f"{values[i]:.3g}"
                ax.set_title(f"{t(key)}\ny = {int(np.asarray(labels)[i])}, ε = {eps}", fontsize=12)
    return fig


def show_transfer(matrix: Any) -> Figure:
    """The transfer matrix as a heat map: rows are sources, columns targets (notebook 06, "Transfer").

    Args:
        matrix: a ``transfer.TransferMatrix``.

    Returns:
        The Figure, each cell labelled with its accuracy.
    """
    acc, names = np.asarray(matrix.accuracy), list(matrix.names)
    with _figure(2.2 * len(names) + 3.5, 1.8 * len(names) + 2) as fig:
        ax = fig.add_subplot()
        ax.imshow(acc, cmap="RdYlGn", vmin=0.0, vmax=1.0)
        for (i, j), value in np.ndenumerate(acc):
            ink = "white" if not 0.2 <= value <= 0.8 else "black"  # readable on the dark ends of the colour map
            ax.text(j, i, f"{value:.1%}", ha="center", va="center", fontsize=15, color=ink)
            if i == j:  # a frame, not bold type: the Japanese font has no bold face (matplotlib would warn)
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2))
        ax.set_xticks(range(len(names)), names)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel(t("plots.target_axis"))
        ax.set_ylabel(t("plots.source_axis"))
        ax.set_title(t("plots.transfer_title", eps=matrix.eps))
    return fig


def show_pgd_history(histories: Mapping[str, Any], eps: float) -> Figure:
    """Held-out PGD accuracy after each training epoch, one line per run (notebook 05, "Catastrophic overfitting").

    Args:
        histories: {"run name": FitHistory from ``adversarial_fit(..., monitor=...)``, ...}.
        eps: the epsilon of the monitor's PGD (for the title).

    Returns:
        The Figure: PGD accuracy (0 to 1) against epoch (1, 2, ...).
    """
    if not histories or not all(len(getattr(h, "pgd_accuracy", [])) for h in histories.values()):
        raise InvalidArgumentError(t("errors.no_pgd_history"))
    with _figure(9, 5.6) as fig:
        ax = fig.add_subplot()
        for i, (name, history) in enumerate(histories.items()):
            accuracy = list(history.pgd_accuracy)
            ax.plot(range(1, len(accuracy) + 1), accuracy, marker="osD^v<>"[i % 7], linewidth=2.5, label=name)
        ax.set_xlabel(t("plots.epoch"))
        ax.set_ylabel(t("plots.pgd_accuracy"))
        ax.set_ylim(-0.02, 1.02)
        ax.grid(True, alpha=0.3)
        ax.legend()
        ax.set_title(t("plots.pgd_history", eps=eps))
    return fig
