"""A batch of zero images never reaches the model, whichever CPU kernel TensorFlow would pick for it.

The tripwire model fails at run time on any empty batch (an assertion on the batch size inside the
graph), so these tests fail on every machine if a helper lets N = 0 through, not only on those whose
convolution kernels happen to reject it.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import fgsm_edu
from fgsm_edu.evaluation import evaluate

SHAPE = (8, 8, 1)
EMPTY = np.zeros((0, *SHAPE), np.float32)
NO_LABELS = np.zeros(0, int)


class NonEmpty(keras.layers.Layer):
    """Passes images through, but fails when a batch of zero images reaches it."""

    def call(self, x):
        with tf.control_dependencies([tf.debugging.assert_positive(tf.shape(x)[0], message="empty batch")]):
            return tf.identity(x)


@pytest.fixture(scope="module")
def tripwire():
    keras.utils.set_random_seed(0)
    core = keras.Sequential([keras.Input(SHAPE), NonEmpty(), keras.layers.Conv2D(4, 3), keras.layers.Flatten()])
    core.add(keras.layers.Dense(10))
    return fgsm_edu.wrap_model(core, output="logits")


def test_the_tripwire_fires_on_an_empty_batch(tripwire):
    with pytest.raises(tf.errors.InvalidArgumentError, match="empty batch"):
        tripwire(tf.constant(EMPTY), training=False)
    assert tripwire(tf.constant(np.zeros((1, *SHAPE), np.float32)), training=False).shape == (1, 10)


# helper -> (call on the empty batch, the expected shape of the result)
EMPTY_CALLS = {
    "fgsm": (lambda m: fgsm_edu.fgsm(m, EMPTY, eps=0.1), (0, *SHAPE)),
    "fgsm with labels": (lambda m: fgsm_edu.fgsm(m, EMPTY, NO_LABELS, eps=0.1), (0, *SHAPE)),
    "fgsm targeted": (lambda m: fgsm_edu.fgsm(m, EMPTY, NO_LABELS, eps=0.1, targeted=True), (0, *SHAPE)),
    "fgsm L2": (lambda m: fgsm_edu.fgsm(m, EMPTY, eps=0.5, norm=2), (0, *SHAPE)),
    "input_gradient": (lambda m: fgsm_edu.input_gradient(m, EMPTY), (0, *SHAPE)),
    "pgd": (lambda m: fgsm_edu.pgd(m, EMPTY, eps=0.1, steps=2, seed=0), (0, *SHAPE)),
    "pgd with labels": (lambda m: fgsm_edu.pgd(m, EMPTY, NO_LABELS, eps=0.1, steps=2), (0, *SHAPE)),
    "bim": (lambda m: fgsm_edu.bim(m, EMPTY, eps=0.1, steps=2), (0, *SHAPE)),
    "sweep images": (lambda m: fgsm_edu.fgsm_sweep(m, EMPTY, epsilons=[0, 0.1, 0.2]).images, (3, 0, *SHAPE)),
    "sweep probabilities": (lambda m: fgsm_edu.fgsm_sweep(m, EMPTY, epsilons=[0, 0.1]).probabilities, (2, 0, 10)),
    "sweep perturbation": (lambda m: fgsm_edu.fgsm_sweep(m, EMPTY, epsilons=[0, 0.1]).perturbation, (0, *SHAPE)),
    "sweep labels": (lambda m: fgsm_edu.fgsm_sweep(m, EMPTY, epsilons=[0, 0.1]).labels, (0,)),
    "predict ids": (lambda m: fgsm_edu.predict(m, EMPTY, top=3).ids, (0, 3)),
    "predict probabilities": (lambda m: fgsm_edu.predict(m, EMPTY, top=2).probabilities, (0, 2)),
}


@pytest.mark.parametrize("name", list(EMPTY_CALLS))
def test_every_helper_returns_the_empty_result_without_running_the_model(tripwire, name):
    call, shape = EMPTY_CALLS[name]
    out = np.asarray(call(tripwire))
    assert out.shape == shape


def test_empty_batches_inside_evaluate_are_skipped_and_counted_as_nothing(tripwire):
    x = np.random.default_rng(0).random((5, *SHAPE)).astype(np.float32)
    y = np.arange(5) % 10
    whole = evaluate(tripwire, (x, y), [0, 0.1], progress=False)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(3)
    empty_batch = tf.data.Dataset.from_tensors((EMPTY, NO_LABELS.astype(np.int64)))
    with_empty = empty_batch.concatenate(data).concatenate(empty_batch)
    assert sum(1 for _ in with_empty) == 4  # two of the four batches hold zero images
    got = evaluate(tripwire, with_empty, [0, 0.1], progress=False)
    assert [(r["eps"], r["n"], r["accuracy"]) for r in got] == [(r["eps"], r["n"], r["accuracy"]) for r in whole]
    assert [r["mean_confidence"] for r in got] == pytest.approx([r["mean_confidence"] for r in whole], abs=1e-6)
    for attack in ("pgd", "bim"):
        records = evaluate(tripwire, with_empty, [0, 0.1], attack=attack, steps=2, progress=False)
        assert [r["n"] for r in records] == [5, 5]


def test_an_empty_dataset_is_refused_clearly(tripwire):
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="holds no images"):
        evaluate(tripwire, (EMPTY, NO_LABELS), [0, 0.1], progress=False)


def test_adversarial_training_on_no_images_is_refused_clearly(tripwire):
    from fgsm_edu.defences import adversarial_fit

    with pytest.raises(fgsm_edu.InvalidArgumentError, match="no images"):
        adversarial_fit(tripwire, EMPTY, NO_LABELS, eps=0.1, epochs=1)


def test_the_real_cnn_gives_empty_results_too(digits_cnn):
    """digits_cnn's first convolution is the one that failed on an empty batch on some CPUs."""
    assert fgsm_edu.fgsm(digits_cnn, EMPTY, NO_LABELS, eps=0.1).shape == (0, *SHAPE)
    assert fgsm_edu.fgsm_sweep(digits_cnn, EMPTY, epsilons=[0, 0.1]).probabilities.shape == (2, 0, 10)
