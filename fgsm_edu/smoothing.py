"""Certified robustness by randomized smoothing (notebook 07, section 1, "What can be proved").

Cohen, Rosenfeld & Kolter (ICML 2019), "Certified Adversarial Robustness via Randomized Smoothing":
the smoothed classifier g(x) answers the class the base model f picks most often under Gaussian noise,
g(x) = argmax_c P(f(x + e) = c) with e ~ N(0, sigma^2 I). If a lower bound pA on the top class's
probability is above 1/2, g provably keeps its answer within the L2 radius sigma * PhiInv(pA).
``predict`` and ``certify`` are their Algorithms PREDICT and CERTIFY; the noise is added to pixels in
[0, 1] without clipping, as in their code, and many images times many noise draws go through the
model in large batches. Draw k of a call is the same Gaussian noise for every image of that call
(common random numbers): each image still gets n independent N(0, sigma^2 I) draws, which is all a
certificate needs, and the noise is drawn once per block of ``BLOCK`` draws, not once per image. The
draws depend only on (seed, draw index), so results do not depend on ``batch_size``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from scipy import stats

from fgsm_edu._compile import compiled
from fgsm_edu.checks import as_image_batch, check_batch_size, check_labels
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.i18n import t
from fgsm_edu.models import model_info

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
BLOCK = 1_000  # noise draws generated at once (one seed per block), shared by the images of a call
MAX_PIXELS = 10_000 * 28 * 28  # per forward pass, whatever batch_size says: 10,000 MNIST digits or 52 photos
_SELECTION, _ESTIMATION = 1, 0  # noise streams: CERTIFY's estimation draws are noise_counts' (stream 0)


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


def _check_sigma(sigma: Any) -> float:
    """Check the noise level: a finite number > 0."""
    number = isinstance(sigma, int | float | np.integer | np.floating) and not isinstance(sigma, bool | np.bool_)
    if not number or not (math.isfinite(sigma) and sigma > 0):
        raise InvalidArgumentError(t("smoothing.sigma", value=sigma))
    return float(sigma)


def _check_count(value: Any, name: str, low: int = 1) -> int:
    """Check a number of draws, steps or a seed: a whole number >= ``low``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < low:
        raise InvalidArgumentError(t("smoothing.count", name=name, low=low, value=value))
    return int(value)


def _check_alpha(alpha: Any) -> float:
    """Check a failure probability: a number strictly between 0 and 1."""
    number = isinstance(alpha, int | float | np.integer | np.floating) and not isinstance(alpha, bool | np.bool_)
    if not number or not 0 < alpha < 1:
        raise InvalidArgumentError(t("smoothing.alpha", value=alpha))
    return float(alpha)


def _noise_block(shape: tuple[int, ...], seed: int, stream: int, block: int) -> tf.Tensor:
    """The ``block``-th BLOCK standard normal draws of shape ``shape`` (stateless: the same for the same seeds)."""
    key = tf.constant([seed, (stream << 32) + block], tf.int64)
    return tf.random.stateless_normal((BLOCK, *shape), key)


def _counts_graph(model: Any, x: tf.Tensor, noise: tf.Tensor, sigma: tf.Tensor, num_classes: int) -> tf.Tensor:
    """(g, num_classes) top-1 counts of the model on every image of ``x`` plus every draw of ``sigma * noise``."""
    noisy = tf.reshape(x[:, None] + sigma * noise[None], (-1, *x.shape[1:]))
    top = tf.argmax(model(noisy, training=False), -1, output_type=tf.int32)
    return tf.reduce_sum(tf.one_hot(tf.reshape(top, (tf.shape(x)[0], -1)), num_classes, dtype=tf.int32), 1)


def _counts(
    model: keras.Model, batch: np.ndarray, sigma: float, n: int, seed: int, stream: int, size: int
) -> np.ndarray:
    """Top-1 counts over ``n`` draws of one noise stream, ``size`` noisy images per forward pass at most."""
    num, pixels = model_info(model).num_classes, int(np.prod(batch.shape[1:]))
    size = min(size, max(1, MAX_PIXELS // max(1, pixels)))
    counts, forward, scale = np.zeros((len(batch), num), np.int64), compiled(model, _counts_graph), tf.constant(sigma)
    for block in range(-(-n // BLOCK) if len(batch) else 0):
        noise = _noise_block(batch.shape[1:], seed, stream, block)[: min(BLOCK, n - block * BLOCK)]
        pieces = [noise[k : k + size] for k in range(0, len(noise), size)]
        per = max(1, size // len(noise))  # images per forward pass
        for a in range(0, len(batch), per):
            for piece in pieces:
                counts[a : a + per] += forward(tf.constant(batch[a : a + per]), piece, scale, num).numpy()
    return counts


def _images(model: keras.Model, x: Any) -> np.ndarray:
    """The images as a float32 batch checked against the model's input shape."""
    return as_image_batch(x, model_info(model).input_shape)[0]


def noise_counts(
    model: keras.Model, x: Any, sigma: float, n: int, seed: int = 0, batch_size: int = 10_000
) -> np.ndarray:
    """Count the base model's top-1 classes over ``n`` Gaussian noise draws per image (notebook 07, section 1).

    Args:
        model: a model from ``load_model`` or ``wrap_model`` (pixels in [0, 1], logits out).
        x: images (N, H, W, C) or one image, float32 in [0, 1]; noise is added without clipping.
        sigma: the noise's standard deviation (> 0).
        n: noise draws per image (>= 1).
        seed: the random seed (>= 0); the same seed gives the same counts for any ``batch_size``.
        batch_size: noisy images per forward pass (at most ``MAX_PIXELS`` pixels: fewer for large images).

    Returns:
        (N, num_classes) int64 counts; each row sums to ``n``.
    """
    sigma, n = _check_sigma(sigma), _check_count(n, "n")
    seed, size = _check_count(seed, "seed", 0), check_batch_size(batch_size)
    return _counts(model, _images(model, x), sigma, n, seed, _ESTIMATION, size)


def two_sided_p_value(n_a: int, n_b: int) -> float:
    """PREDICT's test: the two-sided binomial p-value of ``n_a`` against ``n_b`` at 1/2 (notebook 07, section 1).

    Args:
        n_a: the top class's count.
        n_b: the runner-up's count.

    Returns:
        ``scipy.stats.binomtest(n_a, n_a + n_b, 0.5).pvalue`` (1.0 when both are 0).
    """
    return float(stats.binomtest(int(n_a), int(n_a + n_b), 0.5).pvalue) if n_a + n_b else 1.0


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
    alpha = _check_alpha(alpha)
    counts = noise_counts(model, x, sigma, n, seed, batch_size)
    order = np.argsort(-counts, axis=1, kind="stable")[:, :2]
    top = np.take_along_axis(counts, order, 1)
    p_values = np.array([two_sided_p_value(a, b) for a, b in top])
    return np.where(p_values <= alpha, order[:, 0], -1).astype(np.int64)


def lower_confidence_bound(n_a: Any, n: int, alpha: float) -> np.ndarray:
    """Clopper-Pearson's one-sided (1 - alpha) lower bound on a probability (notebook 07, section 1).

    Args:
        n_a: hits (one count or an array).
        n: trials.
        alpha: the probability that the true value is below the bound.

    Returns:
        The bounds, Beta(alpha; n_a, n - n_a + 1)'s quantile (0 where n_a is 0).
    """
    hits = np.asarray(n_a, np.float64)
    bound = stats.beta.ppf(alpha, np.maximum(hits, 1), n - hits + 1)
    return np.where(hits > 0, bound, 0.0)


def radius_from_bound(p_lower: Any, sigma: float) -> np.ndarray:
    """CERTIFY's last step: the radius sigma * PhiInv(pA), 0 where pA < 1/2 and it abstains (notebook 07, section 1).

    Args:
        p_lower: lower bounds pA on the top class's probability (one or an array).
        sigma: the noise's standard deviation.

    Returns:
        The certified L2 radii.
    """
    bound = np.asarray(p_lower, np.float64)
    certified = bound >= 0.5
    return np.where(certified, sigma * stats.norm.ppf(np.where(certified, bound, 0.5)), 0.0)


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
    sigma, n0, n = _check_sigma(sigma), _check_count(n0, "n0"), _check_count(n, "n")
    alpha, seed, size = _check_alpha(alpha), _check_count(seed, "seed", 0), check_batch_size(batch_size)
    batch = _images(model, x)
    chosen = _counts(model, batch, sigma, n0, seed, _SELECTION, size).argmax(1)
    n_a = np.take_along_axis(_counts(model, batch, sigma, n, seed, _ESTIMATION, size), chosen[:, None], 1)[:, 0]
    p_lower = lower_confidence_bound(n_a, n, alpha)
    radius = radius_from_bound(p_lower, sigma)
    return Certificate(np.where(p_lower >= 0.5, chosen, -1), radius, p_lower, sigma, n, alpha)


def certified_accuracy(cert: Certificate, y: Any, radii: Any) -> np.ndarray:
    """The fraction of images certified correct at each radius (notebook 07, section 1, "Certified accuracy").

    Args:
        cert: from ``certify``.
        y: (N,) true labels.
        radii: L2 radii.

    Returns:
        (len(radii),) fractions of images with prediction == y and radius >= r.
    """
    if not isinstance(cert, Certificate):
        raise InvalidArgumentError(t("smoothing.certificate", type=type(cert).__name__))
    labels = check_labels(y, len(cert.prediction), None)
    r = np.atleast_1d(np.asarray(radii, np.float64))
    correct = (cert.prediction == labels)[None] & (cert.radius[None] >= r[:, None])
    return correct.mean(1) if len(labels) else np.zeros(len(r))


def _attack_graph(
    model: Any, x_adv: tf.Tensor, x: tf.Tensor, y: tf.Tensor, radius: tf.Tensor, step: tf.Tensor, key: tf.Tensor,
    sigma: tf.Tensor, samples: int,
) -> tf.Tensor:  # fmt: skip
    """One L2 PGD step up the smoothed classifier's loss, -log of the noise-averaged softmax of ``y``."""
    shape = x.shape[1:]
    noise = tf.random.stateless_normal((samples, tf.shape(x)[0], *shape), key)
    with tf.GradientTape() as tape:
        tape.watch(x_adv)
        probs = tf.nn.softmax(model(tf.reshape(x_adv[None] + sigma * noise, (-1, *shape)), training=False))
        mean = tf.reduce_mean(tf.reshape(probs, (samples, tf.shape(x)[0], -1)), 0)
        loss = -tf.reduce_sum(tf.math.log(tf.gather(mean, y, batch_dims=1) + 1e-12))
    grad = tape.gradient(loss, x_adv)
    size = tf.sqrt(tf.reduce_sum(grad**2, [1, 2, 3], keepdims=True)) + 1e-12
    delta = x_adv + step[:, None, None, None] * grad / size - x
    length = tf.sqrt(tf.reduce_sum(delta**2, [1, 2, 3], keepdims=True)) + 1e-12
    delta *= tf.minimum(1.0, radius[:, None, None, None] / length)
    return tf.clip_by_value(x + delta, 0.0, 1.0)


def _check_radius(radius: Any, images: int) -> np.ndarray:
    """One finite L2 radius >= 0 per image (one number is used for every image)."""
    try:
        r = np.broadcast_to(np.asarray(radius, np.float32), (images,))
    except (ValueError, TypeError):
        raise InvalidArgumentError(t("smoothing.radius", images=images, value=radius)) from None
    if not np.all(np.isfinite(r)) or np.any(r < 0):
        raise InvalidArgumentError(t("smoothing.radius", images=images, value=radius))
    return r


def smoothed_l2_attack(
    model: keras.Model, x: Any, y: Any, sigma: float, radius: Any, steps: int = 20, samples: int = 16, seed: int = 0
) -> np.ndarray:
    """L2 PGD on the smoothed classifier, within each image's radius (notebook 07, section 1, "Soundness check").

    Each step averages the softmax over ``samples`` fresh noise draws (Salman et al. 2019's SmoothAdv
    loss), moves 2 * radius / steps along the normalised gradient, and projects back into the L2 ball
    and [0, 1].

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
    sigma, steps, samples = _check_sigma(sigma), _check_count(steps, "steps"), _check_count(samples, "samples")
    seed, batch = _check_count(seed, "seed", 0), _images(model, x)
    labels = check_labels(y, len(batch), model_info(model).num_classes)
    r = _check_radius(radius, len(batch))
    if not len(batch):
        return batch
    step, forward, x0 = tf.constant(2 * r / steps), compiled(model, _attack_graph), tf.constant(batch)
    x_adv, args = x0, (tf.constant(labels, tf.int32), tf.constant(r), step)
    for i in range(steps):
        x_adv = forward(x_adv, x0, *args, tf.constant([seed, i], tf.int64), tf.constant(sigma), samples)
    return np.asarray(x_adv)
