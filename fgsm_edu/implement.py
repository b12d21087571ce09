"""Checkers for the exercises where the learner writes an idea themselves (notebooks 05 and 06, "Exercises").

Each exercise asks for code that does something (breaks a defence, finds an adversarial image closer
than FGSM's, measures why transfer works) and the checker judges what that code produced, naming
the specific mistake when it recognises one. Feedback text comes from the catalogue (``[implement]``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fgsm_edu.exercises import Feedback, as_array, as_number, checker, outside_ball, right, wrong

SCALE = 10_000.0  # lesson 05's "defence" multiplies the logits by this


def scaled_logits(model: Any, scale: float = SCALE) -> Any:
    """The "defence" of notebook 05's exercise 2: the same model with its logits multiplied by ``scale``.

    It classifies exactly as ``model`` does, but its softmax saturates, so the cross-entropy gradient
    is exactly 0 on confidently classified images: gradient masking, as in defensive distillation
    (Carlini and Wagner, 2016, broke that by attacking the logits before the scaling).

    Args:
        model: a model from ``load_model`` or ``wrap_model`` (pixels in [0, 1], logits out).
        scale: the factor applied to the logits.

    Returns:
        A model taking [0, 1] pixels and returning ``scale * model(x)``.
    """
    import keras

    from fgsm_edu.models import model_info, wrap_model

    info = model_info(model)
    inputs = keras.Input(info.input_shape)
    core = keras.Model(inputs, model(inputs) * scale)
    return wrap_model(core, output="logits", class_names=info.class_names, name=f"{info.name}_scaled")


def _accuracy(model: Any, images: np.ndarray, y: Any) -> float:
    """Top-1 accuracy of ``model`` on ``images`` against the labels ``y``."""
    from fgsm_edu.models import predict

    labels = np.asarray(y)
    return float(np.mean(np.reshape(predict(model, images).ids, (len(labels), -1))[:, 0] == labels))


def _in_box(arr: np.ndarray, x: np.ndarray, eps: float) -> Feedback | None:
    """A wrong verdict if ``arr`` leaves [0, 1] or the L-inf ball of radius ``eps`` around ``x``, else None."""
    return outside_ball(
        arr, x, eps, ("implement.outside_pixels", "implement.box_hint"), ("implement.outside_eps", "implement.box_hint")
    )


@checker
def check_broken_defence(answer: Any, defended: Any, x: Any, y: Any, eps: float, goal: float = 0.2) -> Feedback:
    """Check "break this defence": images within ``eps`` of ``x`` on which ``defended`` is at most ``goal`` accurate.

    Notebook 05, exercise 2.

    Args:
        answer: the learner's adversarial images, shaped like ``x``.
        defended: the defended model (``scaled_logits``).
        x: the clean images.
        y: their true labels.
        eps: the L-inf budget.
        goal: the accuracy the attack must bring the defended model down to (or below).

    Returns:
        Feedback.
    """
    clean = np.asarray(x, np.float32)
    arr = as_array(answer, clean.shape)
    outside = _in_box(arr, clean, eps)
    if outside is not None:
        return outside
    accuracy = _accuracy(defended, arr, y)
    if accuracy <= goal:
        return right("implement.break_right", acc=accuracy, clean=_accuracy(defended, clean, y))
    if np.abs(arr - clean).max() < 1e-6:
        return wrong("implement.break_unmoved", "implement.break_hint")
    return wrong("implement.break_weak", "implement.break_hint", acc=accuracy, goal=goal)


@checker
def check_below_minimal(answer: Any, model: Any, image: Any, label: int, fgsm_eps: float) -> Feedback:
    """Check an adversarial image closer (L-inf) to ``image`` than FGSM's first flip ``fgsm_eps`` (notebook 06).

    Args:
        answer: the learner's adversarial image, shaped like ``image``.
        model: the attacked model.
        image: the clean image (H, W, C).
        label: its true label.
        fgsm_eps: the image's minimal epsilon along FGSM's direction.

    Returns:
        Feedback.
    """
    from fgsm_edu.models import predict

    clean = np.asarray(image, np.float32)
    arr = as_array(answer, clean.shape)
    if arr.min() < -1e-6 or arr.max() > 1 + 1e-6:
        return wrong("implement.outside_pixels", "implement.below_hint", eps=fgsm_eps)
    distance = float(np.abs(arr - clean).max())
    if int(np.ravel(predict(model, arr).ids)[0]) == int(label):
        return wrong("implement.below_not_fooled", "implement.below_hint", distance=distance)
    if distance >= fgsm_eps - 1e-6:
        return wrong("implement.below_not_closer", "implement.below_hint", distance=distance, eps=fgsm_eps)
    return right("implement.below_right", distance=distance, eps=fgsm_eps)


def transfer_ratio(target: Any, source: Any, x: Any, y: Any) -> float:
    """Mean over images of g_t . sign(g_s) / ||g_t||_1: how much of the white-box first-order loss increase
    the source's sign pattern gives the target (notebook 06, "Transfer", exercise 3).

    Args:
        target: the model attacked in the end.
        source: the model whose gradient sign the attack uses.
        x: the images.
        y: their true labels.

    Returns:
        A number in [-1, 1]: 1 when the two signs agree wherever the target's gradient is not 0.
    """
    from fgsm_edu.gradients import input_gradient

    g_t = np.reshape(input_gradient(target, x, y), (len(np.asarray(y)), -1))
    g_s = np.reshape(input_gradient(source, x, y), g_t.shape)
    return float(np.mean(np.sum(g_t * np.sign(g_s), axis=1) / np.sum(np.abs(g_t), axis=1)))


@checker
def check_transfer_ratio(answer: Any, target: Any, source: Any, x: Any, y: Any) -> Feedback:
    """Check the first-order transfer ratio ``transfer_ratio(target, source, x, y)`` (notebook 06, exercise 3).

    Args:
        answer: the learner's number.
        target: the target model.
        source: the source model.
        x: the images.
        y: their true labels.

    Returns:
        Feedback.
    """
    value = as_number(answer)
    expected = transfer_ratio(target, source, x, y)
    if np.isclose(value, expected, atol=1e-3):
        return right("implement.ratio_right", ratio=expected)
    if np.isclose(value, transfer_ratio(source, target, x, y), atol=1e-3):
        return wrong("implement.ratio_swapped", "implement.ratio_hint")
    if np.isclose(value, 100 * expected, atol=0.1):
        return wrong("implement.ratio_percent", "implement.ratio_hint", answer=value)
    return wrong("implement.ratio_off", "implement.ratio_hint", answer=value)
