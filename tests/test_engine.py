"""The FGSM engine: hand-checked gradients, the L-inf budget, targeted moves, sweeps and PGD."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import fgsm_edu
from fgsm_edu import _compile
from fgsm_edu.gradients import loss_gradient_graph


@pytest.fixture(scope="module")
def tiny_linear():
    """logits = W x + b on 2x2x1 images, with known weights."""
    inputs = keras.Input((2, 2, 1))
    dense = keras.layers.Dense(3)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    rng = np.random.default_rng(1)
    dense.set_weights([rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)])
    return fgsm_edu.wrap_model(model, output="logits")


def test_input_gradient_equals_analytic_on_linear_model(tiny_linear):
    w, b = tiny_linear.layers[-1].layers[-1].get_weights() if False else _dense_weights(tiny_linear)
    x = np.random.default_rng(2).random((5, 2, 2, 1)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0])
    z = x.reshape(5, 4) @ w + b
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    analytic = (p - np.eye(3)[y]) @ w.T  # d CE / d x = W (p - onehot)
    np.testing.assert_allclose(fgsm_edu.input_gradient(tiny_linear, x, y).reshape(5, 4), analytic, rtol=1e-5, atol=1e-6)


def _dense_weights(model):
    dense = [layer for layer in _all_layers(model) if isinstance(layer, keras.layers.Dense)]
    return dense[0].get_weights()


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def test_fgsm_linf_distance_equals_eps_where_nothing_clips(digits_cnn):
    x = np.full((4, 8, 8, 1), 0.5, np.float32) + np.random.default_rng(0).uniform(-0.2, 0.2, (4, 8, 8, 1)).astype(
        np.float32
    )
    adv = fgsm_edu.fgsm(digits_cnn, x, eps=0.1)
    assert adv.shape == x.shape and adv.dtype == np.float32
    grad = fgsm_edu.input_gradient(digits_cnn, x)
    moved = grad != 0
    np.testing.assert_allclose(np.abs(adv - x)[moved], 0.1, atol=1e-6)
    np.testing.assert_array_equal(np.sign(adv - x)[moved], np.sign(grad)[moved])


def test_fgsm_clips_to_pixel_range(digits, digits_cnn):
    adv = fgsm_edu.fgsm(digits_cnn, digits.x_test[:50], digits.y_test[:50], eps=0.3)
    assert adv.min() >= 0.0 and adv.max() <= 1.0
    assert np.abs(adv - digits.x_test[:50]).max() <= 0.3 + 1e-6


def test_single_image_in_single_image_out(digits, digits_cnn):
    assert fgsm_edu.fgsm(digits_cnn, digits.x_test[0], eps=0.1).shape == (8, 8, 1)


def test_y_none_uses_the_model_prediction(digits, digits_cnn):
    x = digits.x_test[:20]
    predicted = fgsm_edu.predict(digits_cnn, x).ids[:, 0]
    np.testing.assert_array_equal(
        fgsm_edu.fgsm(digits_cnn, x, None, 0.05), fgsm_edu.fgsm(digits_cnn, x, predicted, 0.05)
    )


def test_targeted_fgsm_lowers_the_target_loss(digits, digits_cnn):
    x = digits.x_test[:30]
    target = (digits.y_test[:30] + 1) % 10

    def target_loss(images):
        logits = digits_cnn(images, training=False)
        return fgsm_edu.gradients.cross_entropy(logits, tf.constant(target)).numpy()

    adv = fgsm_edu.fgsm(digits_cnn, x, target, eps=0.05, targeted=True)
    assert np.mean(target_loss(adv) < target_loss(x)) > 0.9


def test_l2_and_l1_steps_have_the_right_norms(digits, digits_cnn):
    x = np.full((3, 8, 8, 1), 0.5, np.float32)
    l2 = fgsm_edu.fgsm(digits_cnn, x, [1, 2, 3], eps=0.2, norm=2) - x
    np.testing.assert_allclose(np.sqrt((l2**2).reshape(3, -1).sum(1)), 0.2, rtol=1e-5)
    l1 = fgsm_edu.fgsm(digits_cnn, x, [1, 2, 3], eps=0.2, norm=1) - x
    np.testing.assert_allclose(np.abs(l1).reshape(3, -1).sum(1), 0.2, rtol=1e-5)


def test_goodfellow_effect_in_miniature(digits, digits_linear, digits_cnn):
    def acc(model, x):
        return np.mean(fgsm_edu.predict(model, x).ids[:, 0] == digits.y_test)

    clean_cnn = acc(digits_cnn, digits.x_test)
    linear_025 = acc(digits_linear, fgsm_edu.fgsm(digits_linear, digits.x_test, digits.y_test, 0.25))
    cnn_01 = acc(digits_cnn, fgsm_edu.fgsm(digits_cnn, digits.x_test, digits.y_test, 0.1))
    print(f"digits_linear @0.25: {linear_025:.3f}; digits_cnn clean {clean_cnn:.3f} -> @0.1 {cnn_01:.3f}")
    assert linear_025 < 0.10
    assert clean_cnn - cnn_01 >= 0.30


def test_sweep_matches_fgsm_at_each_epsilon_with_one_gradient(digits, digits_cnn, monkeypatch):
    x, y = digits.x_test[:6], digits.y_test[:6]
    calls = []
    original = fgsm_edu.attacks.loss_gradient_graph
    monkeypatch.setattr(fgsm_edu.attacks, "loss_gradient_graph", lambda *a: calls.append(1) or original(*a))
    _compile._CACHE.pop(digits_cnn, None)
    sweep = fgsm_edu.fgsm_sweep(digits_cnn, x, y, [0.1, 0.0, 0.05, 0.1])
    assert len(calls) == 1  # traced once: one gradient in the compiled graph
    monkeypatch.undo()
    _compile._CACHE.pop(digits_cnn, None)
    np.testing.assert_array_equal(sweep.epsilons, np.float32([0.0, 0.05, 0.1]))
    assert sweep.images.shape == (3, 6, 8, 8, 1) and sweep.probabilities.shape == (3, 6, 10)
    for k, eps in enumerate(sweep.epsilons):
        np.testing.assert_allclose(sweep.images[k], fgsm_edu.fgsm(digits_cnn, x, y, float(eps)), atol=1e-6)
        probs = fgsm_edu.models.softmax(np.asarray(digits_cnn(sweep.images[k])))
        np.testing.assert_allclose(sweep.probabilities[k], probs, atol=1e-5)
    np.testing.assert_array_equal(sweep.images[0], x)


def test_sweep_single_image_drops_batch_axis(digits, digits_cnn):
    sweep = fgsm_edu.fgsm_sweep(digits_cnn, digits.x_test[0], epsilons=[0, 0.1])
    assert sweep.images.shape == (2, 8, 8, 1) and sweep.probabilities.shape == (2, 10)
    ids, conf = sweep.top1()
    assert ids.shape == (2,) and conf.shape == (2,)


def test_gradient_is_compiled_once_per_model(digits, digits_cnn):
    fgsm_edu.input_gradient(digits_cnn, digits.x_test[:8])
    fn = _compile.compiled(digits_cnn, loss_gradient_graph)
    before = fn.experimental_get_tracing_count()
    for n in (8, 8, 8):
        fgsm_edu.input_gradient(digits_cnn, digits.x_test[:n])
    assert fn.experimental_get_tracing_count() == before


def test_pgd_is_stronger_than_fgsm_and_stays_in_the_ball(digits, digits_cnn):
    x, y = digits.x_test[:100], digits.y_test[:100]

    def acc(adv):
        return np.mean(fgsm_edu.predict(digits_cnn, adv).ids[:, 0] == y)

    adv_pgd = fgsm_edu.pgd(digits_cnn, x, y, eps=0.1, steps=10, seed=0)
    adv_bim = fgsm_edu.bim(digits_cnn, x, y, eps=0.1, steps=10)
    assert np.abs(adv_pgd - x).max() <= 0.1 + 1e-6 and np.abs(adv_bim - x).max() <= 0.1 + 1e-6
    assert acc(adv_pgd) < acc(fgsm_edu.fgsm(digits_cnn, x, y, 0.1))
    assert acc(adv_bim) < acc(fgsm_edu.fgsm(digits_cnn, x, y, 0.1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eps": -0.1}, ">= 0"),
        ({"eps": float("nan")}, "finite"),
        ({"eps": 8}, "larger than the whole pixel range"),
        ({"y": [11]}, "< 10"),
        ({"y": [-2]}, ">= 0"),
        ({"y": [1, 2]}, "one label per image"),
        ({"norm": 3}, "norm must be"),
        ({"clip": (1, 0)}, "low < high"),
    ],
)
def test_bad_arguments_raise_value_errors_that_name_the_fix(digits, digits_cnn, kwargs, message):
    args = {"x": digits.x_test[0], "eps": 0.1} | kwargs
    with pytest.raises(ValueError, match=message):
        fgsm_edu.fgsm(digits_cnn, **args)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.zeros((8, 8), np.float32), "rank"),
        (np.zeros((1, 4, 4, 1), np.float32), "expects"),
        (np.full((8, 8, 1), 200.0, np.float32), "divide by 255"),
        (np.full((8, 8, 1), np.nan, np.float32), "NaN"),
    ],
)
def test_bad_images_raise_value_errors(digits_cnn, x, message):
    with pytest.raises(ValueError, match=message):
        fgsm_edu.fgsm(digits_cnn, x, eps=0.1)


def test_eps_that_is_not_a_number_raises_type_error(digits_cnn):
    with pytest.raises(TypeError, match="must be a number"):
        fgsm_edu.fgsm(digits_cnn, np.zeros((8, 8, 1), np.float32), eps="big")


def test_integer_images_raise_type_error(digits_cnn):
    with pytest.raises(TypeError, match="255"):
        fgsm_edu.fgsm(digits_cnn, np.zeros((8, 8, 1), np.uint8), eps=0.1)


def test_l2_and_l1_budgets_may_exceed_one_up_to_the_widest_distance(digits_cnn):
    x = np.full((2, 8, 8, 1), 0.5, np.float32)
    l2 = fgsm_edu.fgsm(digits_cnn, x, [1, 2], eps=3.0, norm=2, clip=None) - x
    np.testing.assert_allclose(np.sqrt((l2**2).reshape(2, -1).sum(1)), 3.0, rtol=1e-5)
    assert fgsm_edu.pgd(digits_cnn, x, [1, 2], eps=3.0, norm=2, steps=2).shape == x.shape
    assert fgsm_edu.fgsm_sweep(digits_cnn, x[0], 1, [0.5, 2.0], norm=1).images.shape == (2, 8, 8, 1)
    with pytest.raises(ValueError, match="widest distance"):
        fgsm_edu.fgsm(digits_cnn, x, [1, 2], eps=8.5, norm=2)  # sqrt(8 * 8 * 1) = 8
    with pytest.raises(ValueError, match="larger than the whole pixel range"):
        fgsm_edu.fgsm(digits_cnn, x, [1, 2], eps=3.0)


def test_large_images_go_through_the_model_in_chunks_with_the_same_logits(mobilenet, flower):
    rng = np.random.default_rng(0)
    batch = np.clip(flower[None] + rng.uniform(-0.1, 0.1, (6, 224, 224, 3)), 0, 1).astype(np.float32)
    chunked = _compile.compiled(mobilenet, _compile.logits_graph)(tf.constant(batch)).numpy()
    assert _compile.CHUNK_PIXELS // (224 * 224 * 3) == 4  # 6 images: one full chunk and one padded chunk
    np.testing.assert_allclose(chunked, np.asarray(mobilenet(batch, training=False)), rtol=1e-5, atol=1e-6)
    assert _compile.compiled(mobilenet, _compile.logits_graph)(tf.zeros((0, 224, 224, 3))).shape == (0, 1000)


def test_pgd_without_labels_attacks_the_clean_prediction(digits, digits_cnn):
    x = digits.x_test[:20]
    predicted = fgsm_edu.predict(digits_cnn, x).ids[:, 0]
    np.testing.assert_array_equal(
        fgsm_edu.bim(digits_cnn, x, None, eps=0.1, steps=3), fgsm_edu.bim(digits_cnn, x, predicted, eps=0.1, steps=3)
    )
