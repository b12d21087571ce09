"""One noise for all: a universal FGSM perturbation and its fooling rate (notebook 07, "One noise for all").

Moosavi-Dezfooli, Fawzi, Fawzi & Frossard (2017), "Universal adversarial perturbations", search for one
perturbation that fools most images at once. Our variant is a universal FGSM: the sign of the loss
gradient summed over many training images, iterated, kept in [-eps, eps], with x + delta clipped to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from fgsm_edu._compile import run
from fgsm_edu.checks import as_image_batch, check_batch_size, check_eps, check_labels
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.gradients import loss_gradient_graph
from fgsm_edu.i18n import t
from fgsm_edu.models import logits as forward_logits
from fgsm_edu.models import model_info

__all__ = ["FoolingRate", "fooling_rate", "universal_fgsm", "universal_step"]


@dataclass(frozen=True)
class FoolingRate:
    """How often one perturbation changes a correct prediction (notebook 07, "One noise for all").

    Shapes: K classes. A class with no correctly classified image has a NaN rate.
    """

    overall: float  # among the images the model gets right, the fraction whose prediction changes
    per_class: np.ndarray  # (K,) that fraction per true class
    counts: np.ndarray  # (K,) int: the images of each class the model gets right (the denominators)
    fooled: np.ndarray  # (K,) int: how many of them the perturbation fools
    moved_to: np.ndarray  # (K,) int: the new predictions of the fooled images, counted per class


def _summed_gradient_graph(model: Any, x: tf.Tensor, y: tf.Tensor, delta: tf.Tensor) -> tf.Tensor:
    """The loss gradient at clip(x + delta) summed over the batch, (H, W, C) (compiled per model)."""
    grad, _, _ = loss_gradient_graph(model, tf.clip_by_value(x + delta, 0.0, 1.0), y)
    return tf.reduce_sum(grad, 0)


def _check_inputs(model: Any, x: Any, y: Any, batch_size: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Check a batch of images, one label per image and the batch size (notebook 07, "One noise for all")."""
    info = model_info(model)
    batch, _ = as_image_batch(x, info.input_shape)
    return batch, check_labels(y, len(batch), info.num_classes or None), check_batch_size(batch_size)


def universal_fgsm(
    model: Any,
    x: Any,
    y: Any,
    eps: float,
    steps: int = 10,
    step_size: float | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """One L-inf perturbation for every image: iterated FGSM on the summed gradient (notebook 07, "One noise for all").

    Each step is one batched gradient pass over all of ``x``: delta <- clip(delta + step_size *
    sign(sum_i grad J(x_i + delta, y_i)), -eps, eps), with x_i + delta clipped to [0, 1].

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) training images, float32 in [0, 1].
        y: (N,) their true labels.
        eps: the L-inf radius of the perturbation.
        steps: how many passes over ``x``.
        step_size: the size of each step; default 2.5 * eps / steps (as ``pgd``).

    Returns:
        The perturbation, (H, W, C) float32 in [-eps, eps].
    """
    batch, labels, batch_size = _check_inputs(model, x, y, batch_size)
    eps = check_eps(eps)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise InvalidArgumentError(t("errors.steps", steps=steps))
    alpha = check_eps(2.5 * eps / steps if step_size is None else step_size, name="step_size")
    if len(batch) == 0:
        raise InvalidArgumentError(t("universal.no_images"))
    delta = np.zeros(batch.shape[1:], np.float32)
    for _ in range(int(steps)):
        delta = _step(model, batch, labels, delta, eps, alpha, batch_size)
    return delta


def _step(
    model: Any, batch: np.ndarray, labels: np.ndarray, delta: np.ndarray, eps: float, alpha: float, size: int
) -> np.ndarray:
    """One pass over checked images: clip(delta + alpha * sign(summed gradient), -eps, eps), ``size`` per batch."""
    total = np.zeros_like(delta)
    for i in range(0, len(batch), size):
        part = slice(i, i + size)
        total += run(model, _summed_gradient_graph, batch[part], tf.constant(labels[part]), tf.constant(delta))
    return np.clip(delta + np.float32(alpha) * np.sign(total), -eps, eps).astype(np.float32)


def universal_step(
    model: Any, x: Any, y: Any, delta: Any, eps: float, step_size: float, batch_size: int = 256
) -> np.ndarray:
    """One step of ``universal_fgsm`` from a given perturbation (notebook 07, "One noise for all", exercise 2).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) images, float32 in [0, 1].
        y: (N,) their true labels.
        delta: (H, W, C) the perturbation before the step.
        eps: the L-inf radius of the perturbation.
        step_size: the size of the step.
        batch_size: images per gradient pass.

    Returns:
        clip(delta + step_size * sign(sum_i grad J(clip(x_i + delta), y_i)), -eps, eps), (H, W, C) float32.
    """
    batch, labels, size = _check_inputs(model, x, y, batch_size)
    start = check_delta(delta, batch.shape[1:])
    return _step(model, batch, labels, start, check_eps(eps), check_eps(step_size, name="step_size"), size)


def check_delta(delta: Any, image_shape: tuple[int, ...]) -> np.ndarray:
    """Check a universal perturbation: finite, one image's shape, within [-1, 1] (notebook 07, "One noise for all").

    Args:
        delta: the perturbation.
        image_shape: the images' (H, W, C).

    Returns:
        delta as float32 (H, W, C).
    """
    arr = np.asarray(delta)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise InvalidArgumentError(t("universal.delta_shape", got=np.shape(delta), expected=image_shape))
    if arr.shape != tuple(image_shape):
        raise InvalidArgumentError(t("universal.delta_shape", got=arr.shape, expected=tuple(image_shape)))
    if not np.all(np.isfinite(arr)) or np.abs(arr).max(initial=0.0) > 1.0:
        raise InvalidArgumentError(t("universal.delta_values"))
    return arr.astype(np.float32)


def fooling_rate(model: Any, x: Any, y: Any, delta: Any, batch_size: int = 256) -> FoolingRate:
    """How many correct predictions one perturbation changes, overall and per class (notebook 07, "One noise for all").

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) held-out images, float32 in [0, 1].
        y: (N,) their true labels.
        delta: (H, W, C) the perturbation; each x + delta is clipped to [0, 1].
        batch_size: images per forward pass.

    Returns:
        A FoolingRate: among the images the model gets right, the fraction whose prediction changes.
    """
    batch, labels, batch_size = _check_inputs(model, x, y, batch_size)
    delta = check_delta(delta, batch.shape[1:])
    classes = model_info(model).num_classes or int(labels.max(initial=0)) + 1
    clean = forward_logits(model, batch, batch_size).argmax(-1)
    moved = forward_logits(model, np.clip(batch + delta, 0.0, 1.0), batch_size).argmax(-1)
    right = clean == labels
    fooled_mask = right & (moved != clean)
    counts = np.bincount(labels[right], minlength=classes)
    fooled = np.bincount(labels[fooled_mask], minlength=classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(counts > 0, fooled / np.maximum(counts, 1), np.nan)
    overall = float(fooled.sum() / counts.sum()) if counts.sum() else float("nan")
    return FoolingRate(overall, per_class, counts, fooled, np.bincount(moved[fooled_mask], minlength=classes))
