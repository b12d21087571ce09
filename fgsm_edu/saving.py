"""Adversarial examples outside the notebook: the 8-bit grid, PNG and JPEG (notebook 06, "Saving breaks it").

A photo on disk holds 256 grey levels per channel, so saving rounds every pixel to a multiple of
1/255, and JPEG also compresses. An adversarial image whose perturbation lives between those grey
levels may stop fooling the model once saved. ``quantize`` puts an attack's result on the 8-bit grid
while keeping it within eps of the original; ``round_trip`` shows what a file does to an image.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import tensorflow as tf
from PIL import Image

from fgsm_edu.checks import as_image_batch
from fgsm_edu.errors import InvalidArgumentError

LEVELS = 255  # an 8-bit channel holds the grey levels 0, 1/255, ..., 255/255
STEP = np.float32(1 / LEVELS)  # one grey level; numpy and TensorFlow both multiply by it, so they agree bit for bit
_TOLERANCE = 1e-3  # in grey levels: absorbs float32 rounding in x + eps
FORMATS = ("png", "jpeg")


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Round [0, 1] pixels to the nearest of the 256 grey levels, as an image file stores them (notebook 06).

    Args:
        images: float pixels in [0, 1].

    Returns:
        uint8 grey levels 0..255, same shape.
    """
    return np.round(np.clip(images, 0.0, 1.0) * LEVELS).astype(np.uint8)


def to_levels(images: tf.Tensor) -> tf.Tensor:
    """``to_uint8`` as a TensorFlow op, bit for bit: round [0, 1] pixels to the nearest grey level (notebook 06).

    Args:
        images: float32 pixels in [0, 1], any shape.

    Returns:
        uint8 grey levels, same shape (round half to even, as ``np.round``).
    """
    return tf.cast(tf.round(tf.clip_by_value(tf.cast(images, tf.float32), 0.0, 1.0) * float(LEVELS)), tf.uint8)


def jpeg(images: tf.Tensor, quality: int) -> tf.Tensor:
    """Compress each image to JPEG bytes and decode it: the one JPEG of the package (notebook 06).

    Both ``round_trip(format="jpeg")`` and the JPEG defence use it, so they agree bit for bit: pixels
    are rounded to the nearest grey level (``to_levels``), then encoded and decoded by TensorFlow's
    libjpeg (``tf.io.encode_jpeg`` with its defaults).
    It works eagerly and inside a ``tf.function``.

    Args:
        images: (N, H, W, C) float32 pixels in [0, 1], C 1 or 3.
        quality: JPEG quality, 1 to 95.

    Returns:
        (N, H, W, C) float32 pixels, multiples of 1/255.
    """
    channels = int(images.shape[-1])

    def one(levels: tf.Tensor) -> tf.Tensor:
        return tf.io.decode_jpeg(tf.io.encode_jpeg(levels, quality=quality), channels=channels)

    decoded = tf.map_fn(one, to_levels(images), fn_output_signature=tf.TensorSpec(images.shape[1:], tf.uint8))
    return tf.cast(decoded, tf.float32) * STEP


def from_uint8(levels: np.ndarray) -> np.ndarray:
    """Turn 8-bit grey levels back into float32 pixels in [0, 1] (the package convention).

    Args:
        levels: uint8 (or integer-valued) grey levels 0..255.

    Returns:
        float32 pixels: k * float32(1/255), the same values ``quantize`` produces.
    """
    return np.asarray(levels, np.float32) * STEP


def quantize(adv: Any, x: Any, eps: Any) -> tf.Tensor:
    """Put adversarial pixels on the 8-bit grid, as close to x as the budget allows (notebook 06, "quantize=True").

    Each pixel is rounded to the nearest grey level, then kept inside [x - eps, x + eps] on the grid.
    Where no grey level lies that close (eps below half a level and x between levels, as for the
    k/16 digits or a resized photo), the pixel takes x's nearest level. So every pixel ends within
    max(eps, half a grey level) of x (give or take 1e-3 of a level, for float32 rounding), and at eps 0
    the result is x rounded to the nearest level, what saving x as a PNG would store.
    After FGSM with eps >= 1/255, every pixel the attack moved stays moved, in the same direction;
    after PGD or BIM, a pixel moved less than half a level from x snaps back to x's level.

    Args:
        adv: adversarial images in [0, 1], shape like ``x`` (a sweep's (K, N, ...) broadcasts too).
        x: the clean images.
        eps: the L-inf budget, a number or a tensor that broadcasts against ``adv``.

    Returns:
        float32 images whose pixels are multiples of 1/255.
    """
    levels, clean = tf.constant(float(LEVELS)), tf.cast(x, tf.float32) * float(LEVELS)
    reach, nearest = tf.cast(eps, tf.float32) * levels, tf.round(clean)
    low = tf.minimum(tf.math.ceil(clean - reach - _TOLERANCE), nearest)  # nearest: the only choice when no level
    high = tf.maximum(tf.math.floor(clean + reach + _TOLERANCE), nearest)  # lies within eps of x
    rounded = tf.minimum(tf.maximum(tf.round(tf.cast(adv, tf.float32) * levels), low), high)
    return tf.clip_by_value(rounded, 0.0, levels) * STEP


def check_quantize(quantize_: Any, clip: Any, norm: float) -> bool:
    """Check the ``quantize`` flag: the 8-bit grid belongs to the [0, 1] convention and L-inf attacks.

    Args:
        quantize_: the flag given to the attack.
        clip: the attack's checked clip range.
        norm: the attack's norm.

    Returns:
        The flag as a bool.
    """
    if not isinstance(quantize_, bool | np.bool_):
        raise InvalidArgumentError(f"quantize must be True or False, got {quantize_!r}.")
    if quantize_ and (tuple(clip) != (0.0, 1.0) or norm != np.inf):
        raise InvalidArgumentError(
            "quantize=True rounds to the 8-bit grid of [0, 1] pixels within an L-inf ball; "
            "use it with norm=np.inf and the default clip=(0, 1)."
        )
    return bool(quantize_)


def _encode_png(pixels: np.ndarray) -> bytes:
    """Write one uint8 image (H, W, C) to PNG bytes, in memory, with Pillow."""
    image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _decode(data: bytes, channels: int) -> np.ndarray:
    """Read PNG bytes back into uint8 (H, W, C)."""
    with Image.open(io.BytesIO(data)) as image:
        pixels = np.asarray(image.convert("L" if channels == 1 else "RGB"))
    return pixels[..., None] if channels == 1 else pixels


def round_trip(images: Any, format: str = "png", quality: int = 75) -> np.ndarray:  # noqa: A002
    """Save images to PNG or JPEG bytes and read them back, as a file on disk would (notebook 06).

    Args:
        images: one image (H, W, C) or a batch (N, H, W, C), float32 in [0, 1]; C is 1 or 3.
        format: "png" (lossless, but 8-bit: pixels are rounded to 1/255; written with Pillow) or "jpeg"
            (lossy; ``jpeg``, the same operator as the JPEG defence).
        quality: JPEG quality, 1 (smallest file) to 95 (best); ignored for PNG.

    Returns:
        The images as read back, float32 in [0, 1], same shape.
    """
    fmt = str(format).lower().replace("jpg", "jpeg")
    if fmt not in FORMATS:
        raise InvalidArgumentError(f"format must be 'png' or 'jpeg', got {format!r}.")
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 95:
        raise InvalidArgumentError(f"quality must be an int from 1 to 95, got {quality!r}.")
    batch, single = as_image_batch(images)
    if batch.shape[-1] not in (1, 3):
        raise InvalidArgumentError(f"images must have 1 or 3 channels to be saved, got {batch.shape[-1]}.")
    if not len(batch):
        out = batch
    elif fmt == "jpeg":
        out = jpeg(tf.constant(batch), quality).numpy()
    else:
        out = from_uint8(np.stack([_decode(_encode_png(p), p.shape[-1]) for p in to_uint8(batch)]))
    return out[0] if single else out


def wrong_count(model: Any, images: Any, y: Any) -> int:
    """How many images the model gets wrong: the count of adversarial images that (still) fool it (notebook 06).

    Args:
        model: the attacked model.
        images: (N, H, W, C) images, float32 in [0, 1].
        y: their true labels (N,).

    Returns:
        The number of images whose top-1 class is not their label.
    """
    from fgsm_edu.models import predict

    labels = np.asarray(y)
    return int(np.sum(np.reshape(predict(model, images).ids, (len(labels), -1))[:, 0] != labels))


def survival(model: Any, adv: Any, y: Any, quality: int = 75) -> dict[str, int]:
    """How many adversarial images fool the model before saving, and after a PNG and a JPEG round trip (notebook 06).

    Args:
        model: the attacked model.
        adv: the adversarial images (N, H, W, C), float32 in [0, 1].
        y: their true labels (N,).
        quality: the JPEG quality.

    Returns:
        {"images": N, "fooled": ..., "png": ..., f"jpeg {quality}": ...}: counts of wrong predictions.
    """
    counts = {"images": len(np.asarray(y)), "fooled": wrong_count(model, adv, y)}
    counts["png"] = wrong_count(model, round_trip(adv, "png"), y)
    counts[f"jpeg {quality}"] = wrong_count(model, round_trip(adv, "jpeg", quality), y)
    return counts
