"""How robust is each image: the smallest epsilon that flips it (notebook 06, "How robust is each image").

One FGSM sweep per batch (one gradient, one batched forward pass) gives every image's first flip.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from fgsm_edu.attacks import fgsm, fgsm_sweep
from fgsm_edu.checks import as_image_batch, check_batch_size, check_epsilons, check_labels
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.i18n import t
from fgsm_edu.models import logits, model_info


def first_flip(wrong: np.ndarray, epsilons: np.ndarray) -> np.ndarray:
    """The first epsilon at which each image is wrong, or inf where it never is.

    Args:
        wrong: (K, N) booleans, the model wrong at epsilons[k] on image n.
        epsilons: (K,) sorted epsilons.

    Returns:
        (N,) float epsilons.
    """
    first = np.argmax(wrong, axis=0)
    return np.where(wrong.any(axis=0), epsilons[first].astype(np.float64), np.inf)


def minimal_epsilon(
    model: Any, x: Any, y: Any, epsilons: Any, *, batch_size: int = 64, quantize: bool = False
) -> np.ndarray:
    """The smallest epsilon in the grid at which FGSM makes the model wrong, per image (notebook 06).

    An image the model already gets wrong has minimal epsilon 0 when 0 is in the grid.

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: the images (N, H, W, C), float32 in [0, 1].
        y: their true labels (N,).
        epsilons: the grid to search, for example ``np.linspace(0, 0.3, 61)`` (sorted, de-duplicated).
        batch_size: images per sweep (each sweep classifies K x batch_size images at once).
        quantize: search among 8-bit images (``fgsm_sweep(quantize=True)``), the ones a PNG can hold.

    Returns:
        (N,) float array: the first flipping epsilon of each image, or inf if none in the grid flips it.
    """
    info = model_info(model)
    grid, batch_size = check_epsilons(epsilons), check_batch_size(batch_size)
    batch, _ = as_image_batch(x, info.input_shape)
    labels = check_labels(y, len(batch), info.num_classes or None)
    found = [np.zeros(0)]
    for start in range(0, len(batch), batch_size):
        rows = slice(start, start + batch_size)
        sweep = fgsm_sweep(model, batch[rows], labels[rows], grid, quantize=quantize)
        found.append(first_flip(sweep.probabilities.argmax(-1) != sweep.labels[None], sweep.epsilons))
    return np.concatenate(found)


def at_minimal_epsilon(model: Any, x: Any, y: Any, epsilons: Any, *, quantize: bool = False) -> np.ndarray:
    """FGSM images, each made at its own epsilon: "at the edge" when given minimal epsilons (notebook 06).

    Each image should then be misclassified; a warning names the ones that are not (epsilons that are
    not the image's first flip, or a gradient entry near zero whose sign differs in another batch).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: the images (N, H, W, C), float32 in [0, 1].
        y: their true labels (N,).
        epsilons: (N,) one finite epsilon per image, for example ``minimal_epsilon``'s finite values.
        quantize: put each image on the 8-bit grid (``fgsm(quantize=True)``).

    Returns:
        (N, H, W, C) adversarial images; one FGSM call per distinct epsilon.
    """
    info, per_image = model_info(model), np.asarray(epsilons, np.float64)
    batch, _ = as_image_batch(x, info.input_shape)
    if per_image.shape != (len(batch),) or not np.isfinite(per_image).all():
        raise InvalidArgumentError(
            f"epsilons must hold one finite value per image ({len(batch)}), got shape {per_image.shape}; "
            "keep only the images that flip: values[np.isfinite(values)]."
        )
    out, labels = np.empty_like(batch), check_labels(y, len(batch), info.num_classes or None)
    for eps in np.unique(per_image):
        rows = per_image == eps
        out[rows] = fgsm(model, batch[rows], labels[rows], eps=float(eps), quantize=quantize)
    _warn_unflipped(logits(model, out).argmax(-1) == labels)
    return out


def _warn_unflipped(still_right: np.ndarray) -> None:
    """Warn, naming them, about images the model still gets right at their epsilon (notebook 06)."""
    if still_right.any():
        where = np.flatnonzero(still_right).tolist()
        warnings.warn(t("robustness.not_flipped", count=len(where), total=len(still_right), where=where), stacklevel=3)
