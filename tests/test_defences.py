"""Adversarial training (notebook 05): the training-time attacks, the mixed objective, argument checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import fgsm_edu
from fgsm_edu.defences import adversarial_fit, fgsm_examples, pgd_examples
from fgsm_edu.models import build_digits_cnn, build_digits_linear


def _accuracy(model, x, y):
    return float(np.mean(np.argmax(np.asarray(model(x, training=False)), -1) == y))


def test_fgsm_examples_match_fgsm_with_true_labels(digits_cnn, digits):
    x, y = digits.x_test[:32], digits.y_test[:32]
    ours = fgsm_examples(digits_cnn, tf.constant(x), tf.constant(y), tf.constant(0.1)).numpy()
    np.testing.assert_allclose(ours, fgsm_edu.fgsm(digits_cnn, x, y, eps=0.1), atol=1e-6)


def test_pgd_examples_stay_in_the_eps_box_and_beat_fgsm(digits_cnn, digits):
    x, y = digits.x_test[:128], digits.y_test[:128]
    seed = tf.constant([0, 1], tf.int32)
    adv = pgd_examples(digits_cnn, tf.constant(x), tf.constant(y), tf.constant(0.15), 10, seed).numpy()
    assert np.abs(adv - x).max() <= 0.15 + 1e-6 and adv.min() >= 0.0 and adv.max() <= 1.0
    assert _accuracy(digits_cnn, adv, y) <= _accuracy(digits_cnn, fgsm_edu.fgsm(digits_cnn, x, y, eps=0.15), y)


def test_adv_weight_zero_is_ordinary_training_whatever_the_eps(digits):
    x, y = digits.x_train[:128], digits.y_train[:128]
    keras.utils.set_random_seed(0)
    first = build_digits_linear()
    second = build_digits_linear()
    second.set_weights(first.get_weights())
    adversarial_fit(first, x, y, eps=0.0, epochs=2, adv_weight=0.0)
    adversarial_fit(second, x, y, eps=0.3, epochs=2, adv_weight=0.0)
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_adv_weight_changes_the_training(digits):
    x, y = digits.x_train[:128], digits.y_train[:128]
    keras.utils.set_random_seed(0)
    first, second = build_digits_linear(), build_digits_linear()
    second.set_weights(first.get_weights())
    adversarial_fit(first, x, y, eps=0.3, epochs=1, adv_weight=0.0)
    adversarial_fit(second, x, y, eps=0.3, epochs=1, adv_weight=0.5)
    assert not np.allclose(first.get_weights()[0], second.get_weights()[0], atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_adversarial_training_raises_accuracy_under_attack(digits, attack):
    x, y = digits.x_train[:600], digits.y_train[:600]
    keras.utils.set_random_seed(0)
    plain, robust = build_digits_cnn(), build_digits_cnn()
    robust.set_weights(plain.get_weights())
    history = adversarial_fit(robust, x, y, eps=0.2, attack=attack, epochs=6, pgd_steps=3)
    adversarial_fit(plain, x, y, eps=0.0, epochs=6, adv_weight=0.0)
    assert len(history) == 6 and history[-1] < history[0]
    xt, yt = digits.x_test, digits.y_test
    assert (
        _accuracy(robust, fgsm_edu.fgsm(robust, xt, yt, eps=0.2), yt)
        > _accuracy(plain, fgsm_edu.fgsm(plain, xt, yt, eps=0.2), yt) + 0.1
    )


def test_predicted_labels_mode_trains(digits):
    model = build_digits_linear()
    history = adversarial_fit(model, digits.x_train[:64], digits.y_train[:64], eps=0.1, epochs=2, labels="predicted")
    assert len(history) == 2 and all(np.isfinite(history))


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"attack": "cw"}, "attack"),
        ({"labels": "gold"}, "labels"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": True}, "batch_size"),
        ({"pgd_steps": 1.5}, "pgd_steps"),
        ({"adv_weight": 1.5}, "adv_weight"),
        ({"eps": -0.1}, "eps"),
    ],
)
def test_bad_arguments_name_themselves(digits, kwargs, word):
    args = {"eps": 0.1, **kwargs}
    with pytest.raises(fgsm_edu.InvalidArgumentError, match=word):
        adversarial_fit(build_digits_linear(), digits.x_train[:8], digits.y_train[:8], **args)


def test_bad_images_and_labels_are_refused(digits):
    model = build_digits_linear()
    with pytest.raises(fgsm_edu.InvalidArgumentError):
        adversarial_fit(model, digits.x_train[:8] * 255, digits.y_train[:8], eps=0.1)
    with pytest.raises(fgsm_edu.InvalidArgumentError):
        adversarial_fit(model, digits.x_train[:8], digits.y_train[:7], eps=0.1)
