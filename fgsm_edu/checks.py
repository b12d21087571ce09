"""Argument checks shared by every helper: they turn mistakes into teaching messages.

Pixel convention (see the README): float32 in [0, 1], shape (N, H, W, C) or (H, W, C).
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from fgsm_edu.errors import InvalidArgumentError, InvalidTypeError
from fgsm_edu.i18n import t

PIXEL_RANGE = (0.0, 1.0)  # the package convention: float32 pixels in [0, 1]


def as_image_batch(
    x: Any, input_shape: tuple[int | None, ...] | None = None, valid: tuple[float, float] = PIXEL_RANGE
) -> tuple[np.ndarray, bool]:
    """Check images against the pixel convention and add a batch axis if needed.

    An empty batch (N = 0) is accepted: every helper then returns an empty result of the right shape.

    Args:
        x: one image (H, W, C) or a batch (N, H, W, C), float pixels in [0, 1].
        input_shape: the model's (H, W, C) input shape, or None to skip that check.
        valid: the pixel range to accept: [0, 1], or an attack's explicit clip range (see ``valid_range``).

    Returns:
        The batch as float32 (N, H, W, C) and whether a single image was given.
    """
    arr = _as_numeric_array(x, "images")
    if np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool:
        raise InvalidTypeError(t("errors.integer_pixels", dtype=arr.dtype))
    if arr.ndim not in (3, 4):
        hint = t("errors.grayscale_hint") if arr.ndim == 2 else ""
        raise InvalidArgumentError(t("errors.image_rank", shape=arr.shape, rank=arr.ndim, hint=hint))
    single = arr.ndim == 3
    batch = arr[None] if single else arr
    _check_pixel_values(batch, valid)
    if input_shape is not None:
        _check_spatial(batch.shape[1:], input_shape)
    return np.ascontiguousarray(batch, dtype=np.float32), single


def _as_numeric_array(x: Any, name: str) -> np.ndarray:
    """Turn ``x`` into a real-valued numpy array, or explain why it cannot be one."""
    if hasattr(x, "getbands") and hasattr(x, "mode"):  # a PIL image
        raise InvalidTypeError(t("errors.pil_image", name=name))
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as err:
        raise InvalidArgumentError(t("errors.not_one_array", name=name, error=err)) from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InvalidTypeError(t("errors.not_numeric", name=name, dtype=arr.dtype))
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise InvalidTypeError(t("errors.complex", name=name, dtype=arr.dtype))
    return arr


def _check_pixel_values(batch: np.ndarray, valid: tuple[float, float] = PIXEL_RANGE) -> None:
    """Reject NaN/inf and values outside ``valid`` ([0, 1] unless a clip range was given) naming the fix."""
    if batch.size == 0:
        return
    bad = ~np.isfinite(batch)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidArgumentError(t("errors.nan_pixels", count=int(bad.sum()), first=first))
    low, high = float(batch.min()), float(batch.max())
    if valid != PIXEL_RANGE:
        if low < valid[0] - 1e-6 or high > valid[1] + 1e-6:
            raise InvalidArgumentError(t("errors.pixels_clip", low=valid[0], high=valid[1], min=low, max=high))
        return
    if high > 1.0 + 1e-6 and high <= 255.0 and low >= 0.0:
        raise InvalidArgumentError(t("errors.pixels_255", high=high))
    if low < -1e-6 or high > 1.0 + 1e-6:
        raise InvalidArgumentError(t("errors.pixels_range", low=low, high=high))


def _check_spatial(got: tuple[int, ...], expected: tuple[int | None, ...]) -> None:
    """Compare an image shape (H, W, C) with a model's input shape."""
    ok = len(got) == len(expected) and all(e is None or g == e for g, e in zip(got, expected, strict=True))
    if ok:
        return
    if len(got) == len(expected) == 3 and tuple(got[:2]) == tuple(expected[:2]):
        raise InvalidArgumentError(t("errors.channels", got=got[2], expected=expected[2], shape=tuple(expected)))
    raise InvalidArgumentError(t("errors.image_size", got=tuple(got), expected=tuple(expected)))


def eps_limit(norm: float, image_shape: tuple[int | None, ...], valid: tuple[float, float] = PIXEL_RANGE) -> float:
    """The widest distance between two images in the valid range under ``norm``: a larger eps means nothing.

    Args:
        norm: np.inf, 2 or 1.
        image_shape: the model's (H, W, C) input shape.
        valid: the pixel range ([0, 1], or an explicit clip range).

    Returns:
        For [0, 1]: 1 for L-inf, sqrt(H*W*C) for L2, H*W*C for L1 (inf when the shape is not known);
        scaled by the width of ``valid`` otherwise.
    """
    width = valid[1] - valid[0]
    if norm == np.inf:
        return width
    if any(d is None for d in image_shape):
        return math.inf
    pixels = float(math.prod(d for d in image_shape if d is not None))
    return width * (math.sqrt(pixels) if norm == 2 else pixels)


def check_eps(eps: Any, name: str = "eps", limit: float = 1.0) -> float:
    """Check one epsilon: a finite number in [0, limit] (for L-inf, a fraction of the pixel range).

    Args:
        eps: the value to check (a number, or a 0-d array or tensor holding one).
        name: the argument's name, for the message.
        limit: the largest sensible value (``eps_limit``: 1 for L-inf, larger for L2 and L1).

    Returns:
        eps as a Python float.
    """
    if hasattr(eps, "dtype") and np.ndim(eps) == 0:
        eps = np.asarray(eps)[()]  # a 0-d numpy array or tensor holding one number
    if isinstance(eps, bool | np.bool_) or not isinstance(eps, Real | np.number) or isinstance(eps, np.complexfloating):
        several = name == "eps" and isinstance(eps, list | tuple | np.ndarray)
        hint = t("errors.eps_several_hint") if several else ""
        raise InvalidTypeError(t("errors.eps_not_number", name=name, eps=eps, hint=hint))
    value = float(eps)
    if math.isnan(value) or math.isinf(value):
        raise InvalidArgumentError(t("errors.eps_not_finite", name=name, value=value))
    if value < 0:
        raise InvalidArgumentError(t("errors.eps_negative", name=name, value=value))
    if value > limit and limit == 1.0:
        raise InvalidArgumentError(t("errors.eps_too_large", name=name, value=value, scaled=value / 255))
    if value > limit:
        raise InvalidArgumentError(t("errors.eps_over_limit", name=name, value=value, limit=limit))
    return value


def check_epsilons(epsilons: Any, limit: float = 1.0) -> np.ndarray:
    """Check a list of epsilons: duplicates are dropped and the rest sorted ascending (documented).

    Args:
        epsilons: one number, or an iterable (list, tuple, array, generator) of numbers in [0, limit].
        limit: the largest sensible value (see ``eps_limit``).

    Returns:
        The sorted, unique epsilons as a float32 array.
    """
    if isinstance(epsilons, str | bytes):
        raise InvalidTypeError(t("errors.epsilons_text", epsilons=epsilons))
    if not isinstance(epsilons, np.ndarray) and hasattr(epsilons, "__iter__"):
        epsilons = list(epsilons)  # lists, tuples, generators, tensors
    try:
        values = np.atleast_1d(np.asarray(epsilons, dtype=object)).ravel()
    except ValueError:
        raise InvalidTypeError(t("errors.epsilons_not_flat", epsilons=epsilons)) from None
    if values.size == 0:
        raise InvalidArgumentError(t("errors.epsilons_empty"))
    checked = np.asarray([check_eps(e, name=t("errors.each_epsilon"), limit=limit) for e in values], dtype=np.float32)
    return np.unique(checked)  # sorted; de-duplicated after rounding to float32, as the attack uses them


def check_labels(y: Any, n: int, num_classes: int | None) -> np.ndarray:
    """Check class labels: integers in [0, num_classes), one per image (documented choices below).

    One-hot rows are accepted and turned into class ids; one label for a batch applies to every image.

    Args:
        y: one label, a sequence of labels, or one-hot rows.
        n: the number of images in the batch.
        num_classes: the model's number of classes (None skips the range check).

    Returns:
        The labels as an int32 array of shape (n,).
    """
    arr = _label_array(y)
    arr = _from_one_hot(arr, n, num_classes)
    if arr.ndim == 2 and num_classes is not None and arr.shape[1] == num_classes and num_classes > 1:
        raise InvalidArgumentError(t("errors.labels_scores", shape=arr.shape))
    arr = np.atleast_1d(arr).ravel()
    if arr.size == 1 and n > 1:
        arr = np.repeat(arr, n)
    if arr.size != n:
        raise InvalidArgumentError(t("errors.labels_count", labels=arr.size, images=n))
    whole = np.issubdtype(arr.dtype, np.integer) or (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))
    if not whole:
        raise InvalidArgumentError(t("errors.labels_whole", values=arr[:5].tolist()))
    ints = arr.astype(np.int64)
    wrong = (ints < 0) | (ints >= (num_classes if num_classes is not None else np.iinfo(np.int64).max))
    if wrong.any():
        top = "" if num_classes is None else t("errors.labels_below", num_classes=num_classes)
        where = int(np.argmax(wrong))
        raise InvalidArgumentError(t("errors.labels_range", top=top, value=ints[where], where=where))
    return ints.astype(np.int32)


def _label_array(y: Any) -> np.ndarray:
    """Turn labels into a real numeric array, or say why they are not class ids."""
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError):
        raise InvalidArgumentError(t("errors.labels_flat", y=y)) from None
    numeric = arr.dtype != object and np.issubdtype(arr.dtype, np.number)
    if not numeric or np.issubdtype(arr.dtype, np.complexfloating):
        raise InvalidTypeError(t("errors.labels_name", y=y))
    return arr


def _from_one_hot(arr: np.ndarray, n: int, num_classes: int | None) -> np.ndarray:
    """Turn one-hot rows (N, num_classes), or one one-hot row for a single image, into class ids."""
    rows = arr[None] if arr.ndim == 1 and n == 1 and arr.size > 1 else arr
    looks_one_hot = (
        rows.ndim == 2
        and rows.shape[0] == n
        and (num_classes is None or rows.shape[1] == num_classes)
        and rows.shape[1] > 1
        and np.all((rows == 0) | (rows == 1))
        and np.all(rows.sum(axis=1) == 1)
    )
    return np.argmax(rows, axis=1) if looks_one_hot else arr


def check_clip(clip: Any) -> tuple[float, float]:
    """Check a clip range (low, high): the pixels' valid range, (0, 1) by convention.

    Args:
        clip: a pair of numbers, or None for no clipping.

    Returns:
        The pair as floats ((-inf, inf) when clip is None).
    """
    if clip is None:
        return (-math.inf, math.inf)
    try:
        low, high = (float(v) for v in clip)
    except (TypeError, ValueError):
        raise InvalidArgumentError(t("errors.clip_pair", clip=clip)) from None
    if not low < high:
        raise InvalidArgumentError(t("errors.clip_order", clip=clip))
    return low, high


def valid_range(clip: Any) -> tuple[float, float]:
    """The pixel range an attack accepts: its explicit clip range, else the [0, 1] convention (as in CleverHans).

    Args:
        clip: the attack's clip argument: a checked pair, or None for no clipping.

    Returns:
        (low, high): ``clip`` itself, or (0, 1) when clip is None.
    """
    return PIXEL_RANGE if clip is None else check_clip(clip)


def check_norm(norm: Any) -> float:
    """Check the attack norm: np.inf, 2 or 1 (as in CleverHans).

    Args:
        norm: the norm of the perturbation.

    Returns:
        The norm as a float.
    """
    if norm in (np.inf, "inf", 1, 2):
        return float(norm)
    raise InvalidArgumentError(t("errors.norm", norm=norm))


def check_batch_size(batch_size: Any) -> int:
    """Check a batch size: a positive whole number of images per batch (notebook 03, "Accuracy vs epsilon").

    Args:
        batch_size: the value given.

    Returns:
        The batch size as an int.
    """
    if isinstance(batch_size, bool | np.bool_) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise InvalidArgumentError(t("errors.batch_size", value=batch_size))
    return int(batch_size)
