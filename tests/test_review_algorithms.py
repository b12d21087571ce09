"""The algorithms as their papers define them (review 2026-11-30, issue 19 part 1): one test per fixed item."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from fgsm_edu.defences import DEFAULT_ADV_WEIGHT, adversarial_fit, fgsm_rs_examples, pgd_examples
from fgsm_edu.gradients import USE_PREDICTION, cross_entropy
from fgsm_edu.models import build_digits_linear


def _threshold_model() -> keras.Model:
    """The review's 1-D two-class model: 2 logits, class 0 iff x > 0.5."""
    inputs = keras.Input((1, 1, 1))
    dense = keras.layers.Dense(2)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([np.array([[10.0, -10.0]], np.float32), np.array([-5.0, 5.0], np.float32)])
    return model


# 1. labels="predicted": the label is taken once, on the clean image.


def test_training_pgd_keeps_the_clean_prediction_for_every_step():
    # At x = 0.55 the model says class 0; pushing away from class 0 for all 10 steps of 0.075 reaches x - eps.
    # Re-labelling each step (the old behaviour) stops at the boundary instead: about 0.45-0.54.
    x, y = tf.fill([16, 1, 1, 1], 0.55), tf.fill([16], USE_PREDICTION)
    adv = pgd_examples(_threshold_model(), x, y, tf.constant(0.3), 10, tf.constant([0, 1])).numpy()
    np.testing.assert_allclose(adv.ravel(), 0.25, atol=1e-6)


def test_training_fgsm_rs_takes_the_label_from_the_clean_image_not_the_random_start():
    # Starts below 0.5 are predicted class 1; re-labelled there, the step would go up, back to class 0.
    x, y = tf.fill([64, 1, 1, 1], 0.55), tf.fill([64], USE_PREDICTION)
    seed = tf.constant([0, 1])
    start = np.clip(0.55 + tf.random.stateless_uniform([64, 1, 1, 1], seed, -0.3, 0.3).numpy(), 0, 1).ravel()
    assert (start < 0.5).sum() > 10  # the case that tells the two rules apart occurs
    adv = fgsm_rs_examples(_threshold_model(), x, y, tf.constant(0.3), seed).numpy().ravel()
    np.testing.assert_allclose(adv, np.maximum(start - 0.375, 0.25), atol=1e-6)  # every step goes down


# 3. Each named training method is its paper's objective by default.


def _first_loss(attack: str, x: np.ndarray, y: np.ndarray, **kwargs: object) -> float:
    keras.utils.set_random_seed(0)
    model = build_digits_linear()
    return adversarial_fit(model, x, y, eps=0.2, attack=attack, epochs=1, batch_size=len(x), **kwargs)[0]


def _losses(attack: str, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(clean, adversarial) loss at the initial weights, on the batch as adversarial_fit orders it."""
    keras.utils.set_random_seed(0)
    model = build_digits_linear()
    order = np.random.default_rng(0).permutation(len(x))
    xb, yb, seed = tf.constant(x[order]), tf.constant(y[order]), tf.constant([0, 0], tf.int32)
    if attack == "pgd":
        adv = pgd_examples(model, xb, yb, tf.constant(0.2), 7, seed)
    else:
        adv = fgsm_rs_examples(model, xb, yb, tf.constant(0.2), seed)
    clean, hard = (float(tf.reduce_mean(cross_entropy(model(v, training=True), yb))) for v in (xb, adv))
    return clean, hard


@pytest.mark.parametrize("attack", ["pgd", "fgsm_rs"])
def test_pgd_and_fgsm_rs_train_on_the_adversarial_loss_alone_by_default(digits, attack):
    x, y = digits.x_train[:96], digits.y_train[:96]
    clean, hard = _losses(attack, x, y)
    assert abs(hard - clean) > 0.05  # the two objectives differ here
    assert _first_loss(attack, x, y) == pytest.approx(hard, rel=1e-4)
    assert _first_loss(attack, x, y, adv_weight=0.5) == pytest.approx(0.5 * (clean + hard), rel=1e-4)


def test_fgsm_training_is_goodfellows_half_and_half_by_default(digits):
    x, y = digits.x_train[:96], digits.y_train[:96]
    assert DEFAULT_ADV_WEIGHT == {"fgsm": 0.5, "fgsm_rs": 1.0, "pgd": 1.0}
    assert _first_loss("fgsm", x, y) == pytest.approx(_first_loss("fgsm", x, y, adv_weight=0.5), rel=1e-6)
    assert _first_loss("fgsm", x, y) != pytest.approx(_first_loss("fgsm", x, y, adv_weight=1.0), rel=1e-3)
