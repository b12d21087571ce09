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


def loss_gradient_graph(model: Any, x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """grad_x of the summed loss, plus the logits and the labels used (compiled per model).

    Labels equal to USE_PREDICTION are replaced by the model's prediction on ``x``.
    Summing (not averaging) keeps each image's gradient independent of the batch size.

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) float32 pixels.
        y: (N,) int32 labels, or USE_PREDICTION.

    Returns:
        (gradient like x, logits (N, classes), labels (N,)).
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x, training=False)
        predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
        labels = tf.stop_gradient(tf.where(y < 0, predicted, y))
        loss = tf.reduce_sum(cross_entropy(logits, labels))
    return tape.gradient(loss, x), logits, labels


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
