"""Certified robustness by randomized smoothing (notebook 07, section 1, "What can be proved").

Cohen, Rosenfeld & Kolter (ICML 2019), "Certified Adversarial Robustness via Randomized Smoothing":
the smoothed classifier g(x) answers the class the base model f picks most often under Gaussian noise,
g(x) = argmax_c P(f(x + e) = c) with e ~ N(0, sigma^2 I). If a lower bound pA on the top class's
probability is above 1/2, g provably keeps its answer within the L2 radius sigma * PhiInv(pA).
``predict`` and ``certify`` are their Algorithms PREDICT and CERTIFY; the noise is added to pixels in
[0, 1] without clipping, as in their code, and many images times many noise draws go through the
model in large batches. Noise draws depend only on (seed, image index, draw index), so a result does
not depend on ``batch_size``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

# Cohen et al.'s Gaussian baseline on MNIST (LeNet trained with noise at the sigma it certifies, N = 100,000,
# alpha 0.001, the full test set, 5 runs), from the logs of jh-jeong/smoothing-consistency
# (data/certify/mnist/cohen/); Cohen et al.'s paper itself reports CIFAR-10 and ImageNet only.
# {sigma: {L2 radius: (lowest, highest) certified accuracy over the 5 runs}}; 0.0 where the radius is beyond
# the largest certifiable one (sigma * PhiInv(alpha^(1/N)), 3.81 sigma at N = 100,000), None where not reported.
PUBLISHED_SOURCE = "jh-jeong/smoothing-consistency, data/certify/mnist/cohen/ (Cohen et al.'s Gaussian baseline)"
PUBLISHED_RADII = (0.0, 0.5, 1.0, 1.5, 2.0)
PUBLISHED_CERTIFIED: dict[float, dict[float, tuple[float, float] | None]] = {
    0.25: {0.0: (0.992, 0.993), 0.5: (0.966, 0.969), 1.0: (0.0, 0.0), 1.5: None, 2.0: None},
    0.5: {0.0: (0.991, 0.992), 0.5: (0.968, 0.970), 1.0: (0.898, 0.899), 1.5: (0.676, 0.680), 2.0: (0.0, 0.0)},
    1.0: {0.0: (0.963, 0.964), 0.5: (0.913, 0.915), 1.0: (0.797, 0.799), 1.5: (0.594, 0.596), 2.0: (0.323, 0.328)},
}
PUBLISHED_N = 100_000


@dataclass(frozen=True)
class Certificate:
    """What CERTIFY returns for a batch of images (notebook 07, section 1, "A certificate").

    Attributes:
        prediction: (N,) the smoothed classifier's class, -1 where it abstains.
        radius: (N,) the certified L2 radius, 0 where it abstains.
        p_lower: (N,) the Clopper-Pearson lower bound on the top class's probability.
        sigma: the noise's standard deviation.
        n: the estimation samples per image.
        alpha: the failure probability (each certificate holds with probability 1 - alpha).
    """

    prediction: np.ndarray
    radius: np.ndarray
    p_lower: np.ndarray
    sigma: float
    n: int
    alpha: float


def noise_counts(
    model: keras.Model, x: Any, sigma: float, n: int, seed: int = 0, batch_size: int = 10_000
) -> np.ndarray:
    """Count the base model's top-1 classes over ``n`` Gaussian noise draws per image (notebook 07, section 1).

    Args:
        model: a model from ``load_model`` or ``wrap_model`` (pixels in [0, 1], logits out).
        x: images (N, H, W, C) or one image, float32 in [0, 1]; noise is added without clipping.
        sigma: the noise's standard deviation (> 0).
        n: noise draws per image (>= 1).
        seed: the random seed; the same seed gives the same counts for any ``batch_size``.
        batch_size: noisy images per forward pass.

    Returns:
        (N, num_classes) int64 counts; each row sums to ``n``.
    """
    raise NotImplementedError


def predict(
    model: keras.Model,
    x: Any,
    sigma: float,
    n: int = 100,
    alpha: float = 0.001,
    seed: int = 0,
    batch_size: int = 10_000,
) -> np.ndarray:
    """Cohen et al.'s PREDICT: the smoothed classifier's class, or -1 to abstain (notebook 07, section 1).

    The two most frequent classes' counts go through a two-sided binomial test against 1/2; the answer
    is kept only if the test rejects at level ``alpha`` (then it is wrong with probability <= alpha).

    Args:
        model: the base model.
        x: images (N, H, W, C) or one image, float32 in [0, 1].
        sigma: the noise's standard deviation.
        n: noise draws per image.
        alpha: the test's level.
        seed: the random seed (the draws are ``noise_counts(model, x, sigma, n, seed)``'s).
        batch_size: noisy images per forward pass.

    Returns:
        (N,) int classes, -1 where it abstains.
    """
    raise NotImplementedError


def certify(
    model: keras.Model,
    x: Any,
    sigma: float,
    n0: int = 100,
    n: int = 10_000,
    alpha: float = 0.001,
    seed: int = 0,
    batch_size: int = 10_000,
) -> Certificate:
    """Cohen et al.'s CERTIFY: a class and an L2 radius within which it provably holds (notebook 07, section 1).

    ``n0`` selection draws pick the class; ``n`` fresh estimation draws (the same as
    ``noise_counts(model, x, sigma, n, seed)``) give its Clopper-Pearson lower bound pA at level
    ``alpha``; the radius is sigma * PhiInv(pA), and it abstains when pA < 1/2.

    Args:
        model: the base model.
        x: images (N, H, W, C) or one image, float32 in [0, 1].
        sigma: the noise's standard deviation.
        n0: selection draws per image.
        n: estimation draws per image.
        alpha: the failure probability.
        seed: the random seed.
        batch_size: noisy images per forward pass.

    Returns:
        A Certificate.
    """
    raise NotImplementedError


def certified_accuracy(cert: Certificate, y: Any, radii: Any) -> np.ndarray:
    """The fraction of images certified correct at each radius (notebook 07, section 1, "Certified accuracy").

    Args:
        cert: from ``certify``.
        y: (N,) true labels.
        radii: L2 radii.

    Returns:
        (len(radii),) fractions of images with prediction == y and radius >= r.
    """
    raise NotImplementedError


def smoothed_l2_attack(
    model: keras.Model, x: Any, y: Any, sigma: float, radius: Any, steps: int = 20, samples: int = 16, seed: int = 0
) -> np.ndarray:
    """L2 PGD on the smoothed classifier, within each image's radius (notebook 07, section 1, "Soundness check").

    Each step averages the softmax over ``samples`` fresh noise draws (Salman et al. 2019's SmoothAdv
    loss), steps along the normalised gradient, and projects back into the L2 ball and [0, 1].

    Args:
        model: the base model.
        x: images (N, H, W, C), float32 in [0, 1].
        y: (N,) the labels to move away from (for example the certified classes).
        sigma: the noise's standard deviation.
        radius: (N,) or one L2 radius per image.
        steps: PGD steps.
        samples: noise draws per step.
        seed: the random seed.

    Returns:
        The attacked images, each within its radius of x (L2) and in [0, 1].
    """
    raise NotImplementedError
