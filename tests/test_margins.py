"""margins.flip_margin and explain_flip: lesson 01's "Why the answer flips, or does not", on its three paths."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

import fgsm_edu as fe
from fgsm_edu import exercises, lessons, margins
from fgsm_edu.i18n import t


@pytest.fixture(scope="module")
def mnist_setup() -> fe.LessonSetup:
    return fe.lesson_model_and_image("mnist")


def test_margin_and_gradient_norm_on_the_mnist_digit(mnist_setup):
    model, image = mnist_setup.model, mnist_setup.image
    m = margins.flip_margin(model, image)
    z = fe.models.logits(model, image[None])[0]
    assert m.answer == mnist_setup.label == int(np.argmax(z)) and not m.tied
    assert m.margin == pytest.approx(z[m.answer] - np.sort(z)[-2], rel=1e-5) and m.margin > 0
    # to first order, a step along sign(grad (z_c - z_y)) moves z_c - z_y by eps * L1 (small eps, no clipping)
    x = tf.constant(image[None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        z_x = model(x, training=False)[0]
        gap = z_x[m.runner_up] - z_x[m.answer]
    direction = np.sign(tape.gradient(gap, x).numpy()[0])
    eps = 1e-6
    z_moved = fe.models.logits(model, (image + eps * direction)[None].astype(np.float32))[0]
    moved = (z_moved[m.runner_up] - z_moved[m.answer]) - float(gap)
    assert 0 < moved <= m.first_order_change(eps) * 1.01  # ReLU and max-pool kinks: at most, not exactly
    assert m.first_order_eps() == pytest.approx(m.margin / m.gradient_l1)


def test_for_a_linear_model_the_first_order_change_is_exact(digits_linear, digits):
    image = digits.x_test[0]
    m = margins.flip_margin(digits_linear, image)
    w = digits_linear.get_layer("logits").get_weights()[0]
    assert m.gradient_l1 == pytest.approx(np.abs(w[:, m.runner_up] - w[:, m.answer]).sum(), rel=1e-5)
    step = 0.01 * np.sign(w[:, m.runner_up] - w[:, m.answer]).reshape(image.shape)
    z0, z1 = (fe.models.logits(digits_linear, x[None].astype(np.float32))[0] for x in (image, image + step))
    moved = (z1[m.runner_up] - z1[m.answer]) - (z0[m.runner_up] - z0[m.answer])
    assert moved == pytest.approx(m.first_order_change(0.01), rel=1e-4)


def test_explain_flip_picks_the_case_from_the_numbers(mnist_setup):
    m = margins.flip_margin(mnist_setup.model, mnist_setup.image)
    fe.set_language("en")
    assert margins.explain_flip(m, 0.075).startswith("The answer 7 leads") and "more than the margin" in (
        margins.explain_flip(m, 0.075)
    )
    assert "less than the margin" in margins.explain_flip(m, 0.001)  # 0.001 x L1 < margin on this digit
    tie = margins.FlipMargin(0, 85, -1e-11, 1e-9, 8e-11, tied=True)
    assert "tie" in margins.explain_flip(tie, 0.075)
    assert margins.FlipMargin(0, 1, 1.0, 0.0, 1.0, False).first_order_eps() == math.inf


def test_random_mobilenet_is_a_float32_tie_that_no_eps_breaks(mobilenet, flower):
    """The WEIGHTS = None path: logits within ~1e-10, every probability exactly 1/1000, nothing flips."""
    m = margins.flip_margin(mobilenet, flower)
    assert m.tied and m.spread < 1e-6 and m.answer == 0
    assert exercises.smallest_flipping_eps(mobilenet, flower, m.answer) == math.inf
    assert exercises.check_flip_eps(np.inf, mobilenet, flower, m.answer).correct
    assert not exercises.check_flip_eps(0.05, mobilenet, flower, m.answer).correct


def test_check_flip_eps_rejects_inf_when_an_eps_flips(mnist_setup):
    model, image, label = mnist_setup.model, mnist_setup.image, mnist_setup.label
    fe.set_language("en")
    smallest = exercises.smallest_flipping_eps(model, image, label)
    assert 0 < smallest < 0.3
    verdict = exercises.check_flip_eps(np.inf, model, image, label)
    assert not verdict.correct and f"{smallest:g}" in verdict.message
    assert exercises.check_flip_eps(smallest, model, image, label).correct


def test_sweep_story_and_verdicts_are_worded_from_the_numbers(mnist_setup):
    fe.set_language("en")
    model, image, label = mnist_setup.model, mnist_setup.image, mnist_setup.label
    sweep = fe.fgsm_sweep(model, image, label, epsilons=[0, 0.005, 0.05, 0.075])
    story = lessons.sweep_story(sweep, label)
    assert story == t("lesson01.sweep_flips", label="7", kept="0, 0.005, 0.05", changed="0.075")
    assert lessons.flipped(sweep, label).tolist() == [False, False, False, True]
    assert lessons.tutorial_verdict([1e-8, 2e-8], [True, True]).startswith("At every epsilon")
    assert lessons.tutorial_verdict([1e-8, 0.5], [True, False]).startswith("Here the two recipes disagree")
    assert "float32 rounding (below" in lessons.rounding_verdict(0.0)
    assert "more than float32" in lessons.rounding_verdict(1e-3)
    g = np.array([1.0, -2.0, 3.0])
    assert "agree in every pixel" in lessons.gradients_agree(g, g + 1e-7)
    assert "1 signs differ" in lessons.gradients_agree(g, g * np.array([1, 1, -1]))
    record = {"eps": 0.3, "accuracy": 0.1, "mean_confidence": 0.8}
    assert "mostly wrong, yet not unsure" in lessons.confident_when_wrong("m", record)
    assert 'not "mostly wrong' in lessons.confident_when_wrong("m", {**record, "mean_confidence": 0.2})
