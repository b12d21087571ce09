"""Randomized smoothing (lesson 07, section 1) against ART's estimator on the same shipped model, sigma and sample
counts: the same predictions on almost every image, and p_lower (so the radius) within sampling error."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from fgsm_edu.data import load_mnist_data
from fgsm_edu.models import load_model
from fgsm_edu.smoothing import certify, noise_counts, predict

pytest.importorskip("statsmodels")  # ART's certify() imports it for the Clopper-Pearson bound
IMAGES, N0, N, ALPHA = 100, 100, 1_000, 0.001


def art_smoothing(model, sigma: float):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from art.estimators.certification.randomized_smoothing import TensorFlowV2RandomizedSmoothing
    return TensorFlowV2RandomizedSmoothing(model, 10, (28, 28, 1), sample_size=N0, scale=sigma, alpha=ALPHA)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist_data()


@pytest.mark.parametrize(("name", "sigma"), [("mnist_cnn_noise25", 0.25), ("mnist_cnn_noise100", 1.0)])
def test_certify_agrees_with_arts_randomized_smoothing(name, sigma, mnist):
    model, x = load_model(name), mnist.x_test[:IMAGES]
    np.random.seed(0)  # ART draws its noise from NumPy's global generator
    art_prediction, art_radius = art_smoothing(model, sigma).certify(x, n=N, batch_size=1_000)
    ours = certify(model, x, sigma, n0=N0, n=N, alpha=ALPHA)
    # both abstain or both certify the same class on almost every image (they differ only near pA = 1/2)
    assert np.mean(ours.prediction == art_prediction) >= 0.97
    both = (ours.prediction >= 0) & (ours.prediction == art_prediction)
    # ART's p_lower, from its radius; two independent estimates of the same pA differ by a few standard errors
    art_p = stats.norm.cdf(art_radius[both] / sigma)
    p = np.clip(ours.p_lower[both], 0.5, 1.0)
    spread = 4.5 * np.sqrt(2 * p * (1 - p) / N) + 3 / N
    assert np.all(np.abs(ours.p_lower[both] - art_p) <= spread)
    # and the radius formula is the same: sigma * PhiInv(p_lower)
    np.testing.assert_allclose(ours.radius[both], sigma * stats.norm.ppf(ours.p_lower[both]), rtol=1e-9)


def test_predict_agrees_with_arts_counts(mnist):
    model, x, sigma = load_model("mnist_cnn_noise50"), mnist.x_test[:50], 0.5
    np.random.seed(1)
    art = art_smoothing(model, sigma)
    art_counts = np.stack([art._prediction_counts(image, n=N, batch_size=1_000) for image in x])
    ours = noise_counts(model, x, sigma, N)
    assert np.mean(ours.argmax(1) == art_counts.argmax(1)) >= 0.98
    top = ours.argmax(1)
    a, b = ours[np.arange(50), top] / N, art_counts[np.arange(50), top] / N
    assert np.all(np.abs(a - b) <= 4.5 * np.sqrt(2 * a * (1 - a) / N) + 3 / N)
    kept = predict(model, x, sigma, n=N)
    assert np.all((kept == -1) | (kept == top)) and np.mean(kept == mnist.y_test[:50]) >= 0.9
