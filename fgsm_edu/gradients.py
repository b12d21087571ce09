"""Where the gradient is computed: the loss J(theta, x, y) and its gradient grad_x J.

Explained in notebook 01, section "The gradient of the loss with respect to the image".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from fgsm_edu._compile import run
from fgsm_edu.checks import PIXEL_RANGE, as_image_batch, check_labels
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.i18n import t
from fgsm_edu.models import model_info

USE_PREDICTION = -1  # a label of -1 means "use the model's own prediction" (no label leaking)


def cross_entropy(logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """The loss J: softmax cross-entropy computed from logits (stable even when softmax saturates).

    Args:
        logits: (N, classes) model outputs before softmax.
        y: (N,) integer class labels.

    Returns:
        (N,) per-example losses.
    """
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)


def margin(logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """Carlini & Wagner's margin loss: max_{j != y} z_j - z_y, positive once ``y`` is no longer on top (notebook 05).

    Targeted attacks descend it for their target t, which raises z_t - max_{j != t} z_j.
    Explained in notebook 05, "An evaluation you can trust".

    Args:
        logits: (N, classes) model outputs before softmax.
        y: (N,) integer class labels.

    Returns:
        (N,) per-example margins.
    """
    own = tf.equal(tf.range(tf.shape(logits)[-1])[None], tf.cast(y, tf.int32)[:, None])
    others = tf.where(own, tf.fill(tf.shape(logits), logits.dtype.min), logits)
    return tf.reduce_max(others, -1) - tf.reduce_sum(tf.where(own, logits, tf.zeros_like(logits)), -1)


LOSSES = {"ce": cross_entropy, "margin": margin}  # the losses an attack may ascend (pgd's loss=)


def attack_loss(logits: tf.Tensor, y: tf.Tensor, loss: str = "ce") -> tf.Tensor:
    """The per-example loss an attack ascends: cross-entropy ("ce") or the C&W margin ("margin").

    Args:
        logits: (N, classes) model outputs before softmax.
        y: (N,) integer class labels.
        loss: "ce" or "margin" (notebook 05, "An evaluation you can trust").

    Returns:
        (N,) per-example losses.
    """
    return LOSSES[loss](logits, y)


def loss_gradient_graph(
    model: Any, x: tf.Tensor, y: tf.Tensor, loss: str = "ce"
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """grad_x of the summed loss, plus the logits and the labels used (compiled per model).

    Labels equal to USE_PREDICTION are replaced by the model's prediction on ``x``.
    Summing (not averaging) keeps each image's gradient independent of the batch size.

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) float32 pixels.
        y: (N,) int32 labels, or USE_PREDICTION.
        loss: "ce" (cross-entropy, the default) or "margin" (C&W; notebook 05, "An evaluation you can trust").

    Returns:
        (gradient like x, logits (N, classes), labels (N,)).
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x, training=False)
        predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
        labels = tf.stop_gradient(tf.where(y < 0, predicted, y))
        total = tf.reduce_sum(attack_loss(logits, labels, loss))
    return tape.gradient(total, x), logits, labels


def prepare(
    model: Any, x: Any, y: Any, targeted: bool = False, valid: tuple[float, float] = PIXEL_RANGE
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Check images and labels; y=None becomes USE_PREDICTION for every image.

    Args:
        model: the model (for its input shape and class count).
        x: one image or a batch, float32 in [0, 1].
        y: labels, one-hot rows, or None.
        targeted: whether y names the classes to move towards (then y is required).
        valid: the pixel range x must lie in ([0, 1], or the attack's explicit clip range).

    Returns:
        (the batch, int32 labels, whether a single image was given).
    """
    if targeted and y is None:
        raise InvalidArgumentError(t("errors.targeted_needs_y"))
    info = model_info(model)
    batch, single = as_image_batch(x, info.input_shape, valid)
    if y is None:
        return batch, np.full(len(batch), USE_PREDICTION, np.int32), single
    return batch, check_labels(y, len(batch), info.num_classes or None), single


def input_gradient(model: Any, x: Any, y: Any = None) -> np.ndarray:
    """The gradient of the cross-entropy loss with respect to the input pixels (notebook 01).

    Args:
        model: a model from ``load_model`` or ``wrap_model`` (pixels in [0, 1], logits out).
        x: one image (H, W, C) or a batch (N, H, W, C).
        y: the true labels, or None to use the model's own prediction.

    Returns:
        grad_x J(theta, x, y), the same shape as ``x``.
    """
    batch, labels, single = prepare(model, x, y)
    grad, _, _ = run(model, loss_gradient_graph, batch, tf.constant(labels))
    out = grad.numpy()
    return out[0] if single else out
