"""The shipped robust MNIST models, their training recipe and the recorded training histories (lesson 05)."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from fgsm_edu import histories, train_digits
from fgsm_edu.attacks import pgd
from fgsm_edu.data import load_mnist_data
from fgsm_edu.defences import PerStepRate, adversarial_fit, cyclic_rate, fgsm_rs_from
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.models import KNOWN_MODELS, SHIPPED_BUILDERS, WEIGHTS_DIR, load_model, logits, model_info

ROBUST = ("mnist_cnn_fgsm_rs", "mnist_cnn_pgd")
# Floors a few points under what the shipped weights measured on the first 200 test images: clean 0.995 and
# 0.995, PGD-20 (one random start, seed 0, eps 0.3) 0.920 and 0.935.
FLOORS = {"mnist_cnn_fgsm_rs": (0.97, 0.88), "mnist_cnn_pgd": (0.97, 0.90)}


@pytest.fixture(scope="module")
def mnist():
    return load_mnist_data()


@pytest.mark.parametrize("name", ROBUST)
def test_robust_models_are_registered_and_load_offline(name, mnist):
    assert name in KNOWN_MODELS and name in SHIPPED_BUILDERS and name in train_digits.ROBUST_RECIPES
    file = WEIGHTS_DIR / f"{name}.weights.h5"
    assert file.is_file() and file.stat().st_size < 5_000_000
    model = load_model(name)
    info = model_info(model)
    assert info.name == name and info.input_shape == (28, 28, 1) and info.num_classes == 10
    out = logits(model, mnist.x_test[:8])
    assert out.shape == (8, 10) and np.isfinite(out).all()
    assert not np.allclose(out, logits(load_model(name, weights=None), mnist.x_test[:8]))  # trained, not random


@pytest.mark.parametrize("name", ROBUST)
def test_builders_are_wongs_mnist_network(name):
    model = SHIPPED_BUILDERS[name]()
    shapes = [tuple(layer.output.shape[1:]) for layer in model.layers[1:]]
    assert shapes == [(14, 14, 16), (7, 7, 32), (1568,), (100,), (10,)]
    assert model.count_params() == (16 * 16 + 16) + (32 * 16 * 16 + 32) + (1568 * 100 + 100) + (100 * 10 + 10)
    assert model.layers[-1].activation.__name__ == "linear"  # logits


def test_the_cyclic_rate_is_wongs_and_is_read_per_step():
    rate = cyclic_rate(5e-3, 10, 4)
    assert [rate(t) for t in (0, 2, 4, 7, 10)] == pytest.approx([0, 2.5e-3, 5e-3, 2.5e-3, 0])
    table = PerStepRate([0.1, 0.2, 0.3])
    assert [float(table(tf.constant(i))) for i in (0, 2, 9)] == pytest.approx([0.1, 0.3, 0.3])


def _tiny_fit(mnist, **kwargs):
    keras.utils.set_random_seed(0)
    model = SHIPPED_BUILDERS["mnist_cnn_fgsm_rs"]()
    x, y = mnist.x_train[:300], mnist.y_train[:300]
    options = dict(eps=0.3, attack="fgsm_rs", epochs=2, batch_size=100, step_size=0.375, start="uniform")
    history = adversarial_fit(model, x, y, **{**options, **kwargs})
    return model, history


def test_a_tiny_robust_training_run_is_deterministic_and_uses_the_schedule(mnist):
    epochs_seen = []
    model, history = _tiny_fit(mnist, learning_rate=cyclic_rate(5e-3, 2, 0.8), on_epoch_end=epochs_seen.append)
    again, _ = _tiny_fit(mnist, learning_rate=cyclic_rate(5e-3, 2, 0.8))
    assert epochs_seen == [0, 1] and len(history) == 2 and np.isfinite(history.loss).all()
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    frozen, _ = _tiny_fit(mnist, learning_rate=lambda t: 0.0)  # a zero schedule never moves the weights
    keras.utils.set_random_seed(0)
    initial = SHIPPED_BUILDERS["mnist_cnn_fgsm_rs"]().get_weights()
    for a, b, c in zip(frozen.get_weights(), initial, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.shape == c.shape
    assert any(not np.array_equal(a, c) for a, c in zip(initial, model.get_weights(), strict=True))


def test_the_unclipped_start_samples_the_whole_box_and_the_result_stays_valid(mnist):
    x = tf.constant(mnist.x_test[:16])
    noise = tf.random.stateless_uniform(tf.shape(x), [0, 1], -0.3, 0.3)
    model = SHIPPED_BUILDERS["mnist_cnn_fgsm_rs"]()
    y = tf.constant(mnist.y_test[:16])
    seen = []
    model_call = model.call

    def spy(inputs, *args, **kwargs):
        seen.append(float(tf.reduce_min(inputs)))
        return model_call(inputs, *args, **kwargs)

    model.call = spy
    adv = fgsm_rs_from(model, x, y, noise, tf.constant(0.3), tf.constant(0.375), "uniform").numpy()
    assert min(seen) < -0.2  # the model saw the unclipped start (MNIST's background is 0)
    assert adv.min() >= 0 and adv.max() <= 1 and np.abs(adv - x.numpy()).max() <= 0.3 + 1e-6
    with pytest.raises(InvalidArgumentError, match="start"):
        adversarial_fit(model, mnist.x_train[:8], mnist.y_train[:8], eps=0.3, start="unclipped")


def test_the_training_data_falls_back_to_the_shipped_30000(tmp_path):
    data, source = train_digits.full_mnist(tmp_path / "missing.npz")
    assert len(data.x_train) == 30_000 and "30,000" in source and "missing.npz" in source


def test_the_shipped_histories_have_their_schema_and_show_the_collapse():
    names = histories.available_histories()
    recipes = {**train_digits.ROBUST_RECIPES, **train_digits.HISTORY_RECIPES}
    assert set(train_digits.HISTORY_RECIPES) | set(train_digits.STABLE) <= set(names) <= set(recipes)
    for name in names:
        raw = json.loads((histories.HISTORY_DIR / f"{name}.json").read_text(encoding="utf-8"))
        run = histories.load_history(name)
        epochs = run.settings["epochs"]
        assert run.settings["eps"] == 0.3 and run.held_out["images"] == 1000 and "60,000" in run.data
        assert run.settings["train_images"] == 59_000
        recorded = {k: v for k, v in raw["settings"].items() if k not in ("train_images", "seed")}
        recipe = {k: v for k, v in train_digits.asdict(recipes[name]).items() if k != "train_images"}
        assert recorded == recipe and run.settings["seed"] == train_digits.SEED  # recorded with today's recipe
        for series in (run.clean, run.fgsm, run.pgd):
            assert len(series) == epochs and all(0.0 <= v <= 1.0 for v in series)
        assert len(run.loss) == len(run.seconds) == epochs and 1 <= run.best_epoch <= epochs
    collapse = histories.load_history(train_digits.COLLAPSE)
    peak = collapse.best_epoch - 1
    assert collapse.pgd[peak] > 0.2  # it was gaining robustness...
    after = collapse.pgd[peak + 1 : peak + 3]
    assert after and min(after) < 0.05  # ...then lost it within two epochs,
    fallen = peak + 1 + after.index(min(after))
    assert collapse.fgsm[fallen] > 0.9  # while FGSM accuracy stayed high: FGSM no longer finds the attack
    for stable in train_digits.STABLE:
        assert min(histories.load_history(stable).pgd[-3:]) > 0.5
    with pytest.raises(InvalidArgumentError, match="nope"):
        histories.load_history("nope")


@pytest.mark.slow
@pytest.mark.parametrize("name", ROBUST)
def test_shipped_models_are_robust(name, mnist):
    x, y = mnist.x_test[:200], mnist.y_test[:200]
    model = load_model(name)
    clean = np.mean(np.argmax(logits(model, x), -1) == y)
    adv = pgd(model, x, y, 0.3, steps=20, seed=0)
    robust = np.mean(np.argmax(logits(model, adv), -1) == y)
    clean_floor, robust_floor = FLOORS[name]
    assert clean >= clean_floor and robust >= robust_floor, (clean, robust)
