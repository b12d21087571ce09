"""pgd(restarts=, loss=) (notebook 05, "An evaluation you can trust"): the worst case per image, the C&W margin."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import fgsm_edu
from fgsm_edu import attacks
from fgsm_edu._compile import run
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.gradients import loss_gradient_graph, margin


def _correct(model, adv, y):
    return fgsm_edu.models.logits(model, adv).argmax(-1) == y


def test_defaults_are_the_old_pgd(digits, digits_cnn):
    """restarts=1, loss='ce' is the old loop: one random start from default_rng(seed), then the steps."""
    x, y, eps, steps = digits.x_test[:20], digits.y_test[:20], 0.1, 5
    ours = fgsm_edu.pgd(digits_cnn, x, y, eps, steps=steps, seed=3)
    np.testing.assert_array_equal(ours, fgsm_edu.pgd(digits_cnn, x, y, eps, steps=steps, seed=3, restarts=1, loss="ce"))
    noise = np.random.default_rng(3).uniform(-eps, eps, x.shape).astype(np.float32)
    adv, args = tf.constant(np.clip(x + noise, 0, 1)), (tf.constant(y), 0.1, 2.5 * eps / steps)
    for _ in range(steps):
        adv = run(digits_cnn, attacks._pgd_step_graph, x, adv, *args, tf.constant([0.0, 1.0]), 1.0, np.inf)
    np.testing.assert_allclose(ours, adv.numpy(), atol=1e-6)


@pytest.mark.parametrize("loss", ["ce", "margin"])
def test_restarts_never_raise_accuracy_and_keep_every_fooled_image(digits, digits_cnn, loss):
    x, y = digits.x_test[:120], digits.y_test[:120]
    one = _correct(digits_cnn, fgsm_edu.pgd(digits_cnn, x, y, 0.08, steps=5, seed=0, loss=loss), y)
    for n in (2, 5):
        many = _correct(digits_cnn, fgsm_edu.pgd(digits_cnn, x, y, 0.08, steps=5, seed=0, loss=loss, restarts=n), y)
        assert many.mean() <= one.mean()
        assert not (many & ~one).any()  # an image fooled by the first start stays fooled
    assert 0.2 < one.mean() < 0.9  # the setting leaves room for restarts to matter


def test_restarts_keep_the_highest_loss_among_unfooled_images(digits, digits_cnn):
    x, y = digits.x_test[:60], digits.y_test[:60]

    def losses(adv):
        return margin(tf.constant(fgsm_edu.models.logits(digits_cnn, adv)), tf.constant(y)).numpy()

    first = fgsm_edu.pgd(digits_cnn, x, y, 0.05, steps=3, seed=1, loss="margin")
    best = fgsm_edu.pgd(digits_cnn, x, y, 0.05, steps=3, seed=1, loss="margin", restarts=4)
    resisted = _correct(digits_cnn, best, y)
    assert resisted.any()
    assert np.all(losses(best)[resisted] >= losses(first)[resisted] - 1e-5)
    assert np.abs(best - x).max() <= 0.05 + 1e-6


@pytest.fixture(scope="module")
def linear():
    """A 2x2-pixel, 3-class linear model z = W^T x + b with hand-picked weights."""
    w = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, -1.0], [2.0, 0.5, 0.0], [-1.0, 0.0, 3.0]], np.float32)
    b = np.array([0.5, 0.0, -0.2], np.float32)
    net = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    net.layers[-1].set_weights([w, b])
    return fgsm_edu.wrap_model(net, output="logits"), w, b


def test_margin_matches_a_hand_computation(linear):
    model, w, b = linear
    x = np.array([[[[0.2], [0.7]], [[0.4], [0.1]]], [[[0.9], [0.3]], [[0.5], [0.8]]]], np.float32)
    z = x.reshape(2, 4) @ w + b
    y = np.array([0, 2], np.int32)
    expected = [max(z[0, 1], z[0, 2]) - z[0, 0], max(z[1, 0], z[1, 1]) - z[1, 2]]
    np.testing.assert_allclose(margin(tf.constant(z), tf.constant(y)).numpy(), expected, rtol=1e-6)
    grad, _, _ = run(model, loss_gradient_graph, x, tf.constant(y), "margin")
    runner = [int(np.argmax(np.where(np.arange(3) == y[i], -np.inf, z[i]))) for i in range(2)]
    hand = np.stack([w[:, runner[i]] - w[:, y[i]] for i in range(2)]).reshape(x.shape)
    np.testing.assert_allclose(grad.numpy(), hand, rtol=1e-6)
    step = fgsm_edu.pgd(model, x, y, 0.1, steps=1, step_size=0.1, random_start=False, loss="margin")
    np.testing.assert_allclose(step, np.clip(x + 0.1 * np.sign(hand), 0, 1), atol=1e-6)
    target = np.array([1, 1], np.int32)  # targeted: raise z_t - max_{j != t} z_j
    toward = fgsm_edu.pgd(
        model, x, target, 0.1, steps=1, step_size=0.1, random_start=False, loss="margin", targeted=True
    )
    rival = [int(np.argmax(np.where(np.arange(3) == 1, -np.inf, z[i]))) for i in range(2)]
    up = np.stack([w[:, 1] - w[:, rival[i]] for i in range(2)]).reshape(x.shape)
    np.testing.assert_allclose(toward, np.clip(x + 0.1 * np.sign(up), 0, 1), atol=1e-6)


def test_margin_pgd_fools_like_cross_entropy(digits, digits_cnn):
    x, y = digits.x_test[:100], digits.y_test[:100]
    ce = _correct(digits_cnn, fgsm_edu.pgd(digits_cnn, x, y, 0.15, steps=10, seed=0), y).mean()
    cw = _correct(digits_cnn, fgsm_edu.pgd(digits_cnn, x, y, 0.15, steps=10, seed=0, loss="margin"), y).mean()
    clean = _correct(digits_cnn, x, y).mean()
    assert cw < clean - 0.3 and abs(cw - ce) < 0.15


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"loss": "hinge"}, "loss must be one of"),
        ({"loss": None}, "loss must be one of"),
        ({"restarts": 0}, "restarts must be a positive int"),
        ({"restarts": 2.0}, "restarts must be a positive int"),
        ({"restarts": True}, "restarts must be a positive int"),
        ({"restarts": 3, "random_start": False}, "random_start=True"),
    ],
)
def test_bad_options_explain_themselves(digits, digits_cnn, kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        fgsm_edu.pgd(digits_cnn, digits.x_test[:2], digits.y_test[:2], 0.1, **kwargs)


def test_errors_in_japanese(digits, digits_cnn):
    fgsm_edu.set_language("ja")
    try:
        with pytest.raises(InvalidArgumentError, match="restarts は正の整数"):
            fgsm_edu.pgd(digits_cnn, digits.x_test[:2], digits.y_test[:2], 0.1, restarts=0)
    finally:
        fgsm_edu.set_language("en")


def test_every_old_name_still_imports():
    from fgsm_edu.attacks import (  # noqa: F401
        Sweep,
        _options,
        _pgd_step_graph,
        _run_fgsm,
        _sweep_graph,
        bim,
        direction,
        fgsm,
        fgsm_sweep,
        loss_gradient_graph,
        pgd,
        project,
        square_attack,
    )
