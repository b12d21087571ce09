"""How far a model's answer is from flipping, and what one FGSM step is worth against that gap, to first order.

Explained in notebook 01, section "Why the answer flips, or does not". The model's answer y flips to the
runner-up c when the logit difference z_c - z_y, negative before the attack, becomes positive. A step of at
most eps per pixel changes that difference, to first order, by at most eps * ||grad_x (z_c - z_y)||_1: the
sign in FGSM ignores the gradient's size, but the step is only worth eps times the gradient's L1 norm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from fgsm_edu.checks import as_image_batch
from fgsm_edu.i18n import t


@dataclass(frozen=True)
class FlipMargin:
    """The model's answer on one image, its runner-up, their logit gap, and the gradient of that gap.

    ``answer`` is the top-1 class as ``fe.predict`` gives it, ``runner_up`` the other class with the highest
    logit, ``margin`` = z_answer - z_runner_up, ``gradient_l1`` = ||grad_x (z_runner_up - z_answer)||_1,
    ``spread`` the largest minus the smallest logit, and ``tied`` whether float32 gives the answer and the
    runner-up exactly the same probability (the answer is then a tie that argmax breaks by class order).
    """

    answer: int
    runner_up: int
    margin: float
    gradient_l1: float
    spread: float
    tied: bool

    def first_order_change(self, eps: float) -> float:
        """The most a step of at most ``eps`` per pixel changes z_runner_up - z_answer, to first order.

        Args:
            eps: the step's L-inf size.

        Returns:
            eps * ||grad_x (z_runner_up - z_answer)||_1.
        """
        return float(eps) * self.gradient_l1

    def first_order_eps(self) -> float:
        """The eps at which the first-order change reaches the margin (inf when the gradient is zero).

        Returns:
            margin / ||grad_x (z_runner_up - z_answer)||_1, or inf.
        """
        return self.margin / self.gradient_l1 if self.gradient_l1 > 0 else math.inf


def flip_margin(model: Any, image: Any) -> FlipMargin:
    """Measure the model's margin on one image and the L1 norm of its gradient (notebook 01, "Why the answer flips").

    Args:
        model: a model from ``load_model`` or ``wrap_model`` (pixels in [0, 1] in, logits out).
        image: one image (H, W, C), float32 in [0, 1].

    Returns:
        A FlipMargin.
    """
    from fgsm_edu.models import logits, model_info, predict, softmax

    batch, _ = as_image_batch(image, model_info(model).input_shape)
    top = predict(model, batch[:1])
    answer, p_answer = int(np.ravel(top.ids)[0]), np.ravel(top.probabilities)[0]
    z = logits(model, batch[:1])[0]
    runner_up = int(np.argmax(np.where(np.arange(z.size) == answer, -np.inf, z)))
    x = tf.constant(batch[:1])
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = model(x, training=False)[0]
        gap = out[runner_up] - out[answer]
    l1 = float(tf.reduce_sum(tf.abs(tape.gradient(gap, x))))
    tied = bool(softmax(z[None])[0, runner_up] == p_answer)
    return FlipMargin(answer, runner_up, float(z[answer] - z[runner_up]), l1, float(np.ptp(z)), tied)


def explain_flip(margin: FlipMargin, eps: float, names: Any = None) -> str:
    """Say, in the current language, whether one FGSM step of ``eps`` can flip the answer, from the numbers.

    Args:
        margin: what ``flip_margin`` measured.
        eps: the largest eps the lesson tries.
        names: the model's class names (None: class ids).

    Returns:
        One of three texts: a float32 tie, a step too small for the margin, or a step large enough.
    """
    label = str(margin.answer if names is None else names[margin.answer])
    runner = str(margin.runner_up if names is None else names[margin.runner_up])
    fields: dict[str, Any] = {
        "label": label,
        "runner": runner,
        "margin": margin.margin,
        "l1": margin.gradient_l1,
        "eps": float(eps),
        "change": margin.first_order_change(eps),
        "needed": margin.first_order_eps(),
        "spread": margin.spread,
    }
    if margin.tied:
        return t("margins.tie", **fields)
    return t("margins.enough" if margin.first_order_change(eps) > margin.margin else "margins.too_small", **fields)
