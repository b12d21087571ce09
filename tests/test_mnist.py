"""MNIST ships with the package: the official test set, a training subset, two models at their accuracies."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

import fgsm_edu
from fgsm_edu.data import MNIST_FILE, MNIST_SOURCE_SHA256
from fgsm_edu.models import model_info
from fgsm_edu.prepare_mnist import prepare_mnist
from fgsm_edu.train_digits import random_shift

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "mnist" / "mnist.npz"


@pytest.fixture(scope="module")
def mnist() -> fgsm_edu.DigitsData:
    return fgsm_edu.load_mnist_data()


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(fgsm_edu.predict(model, x).ids[:, 0] == y))


def test_mnist_data_shapes_dtype_and_range(mnist):
    assert mnist.x_train.shape == (30000, 28, 28, 1) and mnist.x_test.shape == (10000, 28, 28, 1)
    assert mnist.x_train.dtype == np.float32 and mnist.x_test.dtype == np.float32
    assert mnist.y_train.shape == (30000,) and mnist.y_train.dtype == np.int32 and mnist.y_test.dtype == np.int32
    for x in (mnist.x_train, mnist.x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    assert np.array_equal(np.unique(mnist.x_test * 255), np.arange(256))  # every grey level, exactly /255


def test_mnist_test_set_is_the_official_one_in_order(mnist):
    counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert np.bincount(mnist.y_test, minlength=10).tolist() == counts
    assert mnist.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert mnist.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the first official training images


def test_shipped_file_is_compressed_uint8_and_names_its_source():
    with np.load(MNIST_FILE) as f:
        assert {k: f[k].dtype for k in ("x_train", "y_train", "x_test", "y_test")} == dict.fromkeys(
            ("x_train", "y_train", "x_test", "y_test"), np.dtype(np.uint8)
        )
        assert str(f["source_sha256"]) == MNIST_SOURCE_SHA256
    assert MNIST_FILE.stat().st_size < 8_000_000


@pytest.mark.skipif(not SHARED_MNIST.is_file(), reason="the official MNIST source is not next to this checkout")
def test_prepare_mnist_rebuilds_the_shipped_arrays(tmp_path):
    out = prepare_mnist(SHARED_MNIST, tmp_path / "mnist.npz")
    with np.load(out) as new, np.load(MNIST_FILE) as shipped:
        for key in ("x_train", "y_train", "x_test", "y_test", "source_sha256"):
            np.testing.assert_array_equal(new[key], shipped[key])


def test_prepare_mnist_refuses_a_file_that_is_not_the_official_split(tmp_path):
    fake = tmp_path / "fake.npz"
    np.savez(fake, x_train=np.zeros((10, 28, 28), np.uint8), y_train=np.zeros(10, np.uint8))
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="x_test"):
        prepare_mnist(fake, tmp_path / "out.npz")
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="no MNIST file"):
        prepare_mnist(tmp_path / "missing.npz", tmp_path / "out.npz")


def test_shipped_mnist_models_reach_stated_accuracies_on_the_full_test_set(mnist):
    assert accuracy(fgsm_edu.load_model("mnist_cnn"), mnist.x_test, mnist.y_test) >= 0.99
    assert accuracy(fgsm_edu.load_model("mnist_linear"), mnist.x_test, mnist.y_test) >= 0.91


def test_mnist_models_output_logits_and_name_digits(mnist):
    for name in ("mnist_cnn", "mnist_linear"):
        model = fgsm_edu.load_model(name)
        out = np.asarray(model(mnist.x_test[:8], training=False))
        assert out.shape == (8, 10) and out.min() < 0 and not np.allclose(out.sum(-1), 1.0, atol=1e-3)
        info = model_info(model)
        assert info.input_shape == (28, 28, 1) and info.class_names == tuple("0123456789")


def test_mnist_linear_is_the_papers_shallow_softmax():
    model = fgsm_edu.load_model("mnist_linear")
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert len(dense) == 1 and dense[0].kernel.shape == (784, 10) and dense[0].activation.__name__ == "linear"


def test_mnist_cnn_without_weights_is_offline_and_untrained(mnist):
    model = fgsm_edu.load_model("mnist_cnn", weights=None)
    assert model_info(model).input_shape == (28, 28, 1)
    assert accuracy(model, mnist.x_test[:500], mnist.y_test[:500]) < 0.5


def test_random_shift_moves_each_image_by_at_most_the_shift():
    x = np.zeros((50, 9, 9, 1), np.float32)
    x[:, 4, 4, 0] = 1.0
    moved = random_shift(x, 2, np.random.default_rng(0))
    rows, cols = np.nonzero(moved[..., 0])[1:]
    assert moved.shape == x.shape and moved.sum() == 50
    assert (
        np.all(np.abs(rows - 4) <= 2) and np.all(np.abs(cols - 4) <= 2) and len(set(zip(rows, cols, strict=True))) > 5
    )
    np.testing.assert_array_equal(random_shift(x, 0, np.random.default_rng(0)), x)
