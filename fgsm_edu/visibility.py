"""How visible is an adversarial change? L-inf, L2, PSNR and SSIM between clean and adversarial images.

Explained in notebook 01, "Explore epsilon with a slider": the explorer's readout under its images.
All four compare pixels in [0, 1]: L-inf is the largest change of one pixel (FGSM's budget, eps),
L2 the length of the whole change, PSNR = 10 log10(1 / MSE) in dB (higher is less visible; inf for
identical images), and SSIM (``tf.image.ssim``, 1 for identical images) compares local structure
the way the eye does. Images with a side under SSIM's 11 pixels (the 8x8 digits) use a uniform
window as large as that side: on an 8x8 digit one window covers the whole image, and every pixel
counts the same wherever it is (the Gaussian of sigma 1.5 cut to 8x8 would give the outer ring, 44% of
the pixels, about 7% of the weight). That is Wang and Bovik's (2002) universal quality index, SSIM's
predecessor, which used an 8x8 uniform window. Larger images get the standard 11x11 Gaussian window.

``visibility(clean, adversarial)`` works on one image or on all K images of a sweep at once
(``visibility(image, sweep.images)``): one SSIM call for all K.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from fgsm_edu.errors import InvalidArgumentError

SSIM_WINDOW = 11  # tf.image.ssim's default filter size (Wang et al., 2004)
SSIM_SIGMA = 1.5  # and its Gaussian's sigma
UNIFORM = float("inf")  # an infinite sigma: tf.image.ssim's Gaussian weights become exactly equal


@dataclass(frozen=True)
class Visibility:
    """The four measures for each adversarial image, each shaped like the batch axes (``()`` for one image)."""

    linf: np.ndarray  # the largest |x_adv - x| of any pixel
    l2: np.ndarray  # ||x_adv - x||_2 over all pixels and channels
    psnr: np.ndarray  # 10 log10(1 / MSE) in dB; inf where nothing changed
    ssim: np.ndarray  # structural similarity, 1 where nothing changed


def visibility(clean: Any, adversarial: Any) -> Visibility:
    """L-inf, L2, PSNR and SSIM between a clean image and its adversarial versions (notebook 01).

    Args:
        clean: the clean image (H, W, C), float in [0, 1] (or a batch that broadcasts).
        adversarial: one image (H, W, C) or a stack (..., H, W, C), e.g. a sweep's (K, H, W, C) images.

    Returns:
        A Visibility whose arrays have the shape of adversarial's leading axes.
    """
    adv, ref = _pair(clean, adversarial)
    diff = (adv - ref).reshape(*adv.shape[:-3], -1).astype(np.float64)
    mse = np.mean(np.square(diff), axis=-1)
    with np.errstate(divide="ignore"):
        psnr = np.where(mse > 0, -10.0 * np.log10(np.where(mse > 0, mse, 1.0)), np.inf)
    return Visibility(np.max(np.abs(diff), axis=-1), np.sqrt(np.sum(np.square(diff), axis=-1)), psnr, ssim(ref, adv))


def ssim(clean: np.ndarray, adversarial: np.ndarray) -> np.ndarray:
    """SSIM of each adversarial image against the clean one, in one ``tf.image.ssim`` call (notebook 01).

    The standard 11x11 Gaussian window; a uniform window as large as the image's shorter side when
    that side is under 11 pixels (see the module docstring).

    Args:
        clean: (..., H, W, C) float32 in [0, 1], the same shape as adversarial.
        adversarial: (..., H, W, C) float32 in [0, 1].

    Returns:
        The SSIM of each image, shaped like the leading axes (1.0 where the images are equal).
    """
    window = min(SSIM_WINDOW, clean.shape[-3], clean.shape[-2])
    sigma = SSIM_SIGMA if window == SSIM_WINDOW else UNIFORM  # small images: a uniform window (module docstring)
    score = tf.image.ssim(
        tf.constant(clean), tf.constant(adversarial), max_val=1.0, filter_size=window, filter_sigma=sigma
    )
    return np.asarray(score.numpy(), dtype=np.float64)


def _pair(clean: Any, adversarial: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check the two arrays' image axes agree and broadcast clean to adversarial's shape."""
    adv, ref = np.asarray(adversarial, np.float32), np.asarray(clean, np.float32)
    if adv.ndim < 3 or ref.ndim < 3 or adv.shape[-3:] != ref.shape[-3:]:
        raise InvalidArgumentError(
            f"clean and adversarial must be images (..., H, W, C) of the same size, got {ref.shape} and {adv.shape}."
        )
    try:
        return adv, np.ascontiguousarray(np.broadcast_to(ref, adv.shape))
    except ValueError:
        raise InvalidArgumentError(f"clean {ref.shape} does not broadcast to adversarial {adv.shape}.") from None
