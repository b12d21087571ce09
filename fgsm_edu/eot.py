"""Attacks that survive the world: Expectation over Transformation (notebook 07, "Attacks that survive the world").

Athalye, Engstrom, Ilyas & Kwok (2018), "Synthesizing Robust Adversarial Examples": average the loss
gradient over random transformations (small shifts and rotations, brightness, JPEG), so the adversarial
image still fools the model after any of them. JPEG is the package's one operator (``saving.jpeg``); its
gradient passes straight through (BPDA, as in notebook 06).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from fgsm_edu import saving
from fgsm_edu._compile import run
from fgsm_edu.attacks import project
from fgsm_edu.checks import as_image_batch, check_batch_size, check_eps, check_labels
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.gradients import cross_entropy
from fgsm_edu.i18n import t
from fgsm_edu.models import logits as forward_logits
from fgsm_edu.models import model_info

__all__ = ["Transforms", "apply_transform", "eot_pgd", "random_transform", "survival", "survival_rate"]

FILLS = ("constant", "nearest", "reflect")  # what fills the pixels a shift or rotation uncovers
JPEG_LEVELS = 6  # JPEG qualities a draw picks from, evenly spread over the range (each one is compiled once)
PHOTO_SIZE = 64  # images at least this tall get Transforms.for_photo() from Transforms.for_image


@dataclass(frozen=True)
class Transforms:
    """The random transformations, each drawn afresh per image (notebook 07, "Attacks that survive the world").

    Defaults fit MNIST (28 x 28, black background); ``Transforms.for_photo()`` fits a 224 x 224 photo.
    """

    shift: float = 2.0  # pixels, uniform in [-shift, shift] along each axis
    rotate: float = 15.0  # degrees, uniform in [-rotate, rotate] about the centre
    brightness: float = 0.1  # added to every pixel, uniform in [-brightness, brightness], then clipped to [0, 1]
    jpeg_quality: tuple[int, int] | None = (50, 95)  # JPEG at one of JPEG_LEVELS qualities in [low, high]; None: none
    fill: str = "constant"  # uncovered pixels: "constant" (0, black), "nearest" or "reflect"

    def __post_init__(self) -> None:
        """Check every field, with a message that names it."""
        for name, top in (("shift", math.inf), ("rotate", 180.0), ("brightness", 1.0)):
            value = getattr(self, name)
            ok = isinstance(value, int | float | np.number) and not isinstance(value, bool)
            if not ok or not 0 <= float(value) <= top:
                key = "eot.shift" if name == "shift" else "eot.field"
                raise InvalidArgumentError(t(key, name=name, value=value, top=top))
        q = self.jpeg_quality
        if q is not None and not _quality_range_ok(q):
            raise InvalidArgumentError(t("eot.jpeg_quality", value=q))
        if self.fill not in FILLS:
            raise InvalidArgumentError(t("eot.fill", value=self.fill, fills=", ".join(FILLS)))

    @classmethod
    def for_photo(cls) -> Transforms:
        """Transformations for a 224 x 224 photo: shifts of up to 10 pixels, 10 degrees, edges reflected.

        Returns:
            The photo's Transforms (notebook 07, "Attacks that survive the world").
        """
        return cls(shift=10.0, rotate=10.0, brightness=0.1, jpeg_quality=(50, 95), fill="reflect")

    @classmethod
    def for_image(cls, image: Any) -> Transforms:
        """The defaults for digits (28 x 28) or ``for_photo()`` for a photo, chosen by the image's height.

        Args:
            image: one image (H, W, C) or a batch (N, H, W, C).

        Returns:
            Transforms fit for that size (notebook 07, "Attacks that survive the world").
        """
        return cls.for_photo() if np.shape(image)[-3] >= PHOTO_SIZE else cls()

    def moves(self) -> bool:
        """Whether a draw shifts or rotates the image (else that part of the transformation is skipped)."""
        return self.shift > 0 or self.rotate > 0

    def qualities(self) -> tuple[int, ...]:
        """The JPEG qualities a draw picks from, uniformly: JPEG_LEVELS evenly spread in the range (none: no JPEG)."""
        if self.jpeg_quality is None:
            return ()
        return tuple(sorted({round(q) for q in np.linspace(*self.jpeg_quality, JPEG_LEVELS)}))


def _quality_range_ok(q: Any) -> bool:
    """Whether ``q`` is a pair of whole numbers 1 <= low <= high <= 95."""
    if not isinstance(q, tuple | list) or len(q) != 2:
        return False
    whole = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in q)
    return whole and 1 <= q[0] <= q[1] <= 95


@dataclass(frozen=True)
class _Draw:
    """One draw of parameters for M images, as tensors."""

    matrices: tf.Tensor  # (M, 8) projective transforms, output pixel -> input pixel
    brightness: tf.Tensor  # (M,)
    quality: tf.Tensor  # (M,) int32 index into Transforms.qualities()


def _matrices(dx: Any, dy: Any, degrees: Any, height: int, width: int) -> np.ndarray:
    """(M, 8) projective transforms (output pixel -> input pixel): turn about the centre, then shift."""
    angle = np.deg2rad(np.asarray(degrees, np.float64))
    cos, sin = np.cos(angle), np.sin(angle)
    cx, cy = (width - 1) / 2 + np.asarray(dx), (height - 1) / 2 + np.asarray(dy)  # where the centre goes
    a2 = (width - 1) / 2 - cos * cx - sin * cy
    b2 = (height - 1) / 2 + sin * cx - cos * cy
    zeros = np.zeros_like(cos)
    return np.stack([cos, sin, a2, -sin, cos, b2, zeros, zeros], 1).astype(np.float32)


def _draw(transforms: Transforms, m: int, height: int, width: int, rng: np.random.Generator) -> _Draw:
    """Draw the parameters of ``m`` transformations: shift, rotation about the centre, brightness, JPEG quality."""
    dx, dy = (rng.uniform(-transforms.shift, transforms.shift, m) for _ in range(2))
    degrees = rng.uniform(-transforms.rotate, transforms.rotate, m)
    brightness = rng.uniform(-transforms.brightness, transforms.brightness, m)
    quality = rng.integers(0, max(1, len(transforms.qualities())), m)
    matrices = _matrices(dx, dy, degrees, height, width)
    return _Draw(tf.constant(matrices), tf.constant(brightness, tf.float32), tf.constant(quality, tf.int32))


def _jpeg_each(images: tf.Tensor, index: tf.Tensor, qualities: tuple[int, ...]) -> tf.Tensor:
    """JPEG each image at its own quality with ``saving.jpeg`` (the quality is fixed per compiled branch)."""

    def one(args: tuple[tf.Tensor, tf.Tensor]) -> tf.Tensor:
        image, i = args
        branches = [functools.partial(lambda q, im: saving.jpeg(im[None], q)[0], q, image) for q in qualities]
        return tf.switch_case(i, branches)

    return tf.map_fn(one, (images, index), fn_output_signature=tf.TensorSpec(images.shape[1:], tf.float32))


def _transform(
    x: tf.Tensor, draw: _Draw, fill: str, qualities: tuple[int, ...], shift_rotate: bool = True
) -> tf.Tensor:
    """Apply drawn transformations: shift and rotate (bilinear), brightness, clip, then JPEG (gradient: identity)."""
    if shift_rotate:
        x = tf.raw_ops.ImageProjectiveTransformV3(
            images=x,
            transforms=draw.matrices,
            output_shape=tf.shape(x)[1:3],
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode=fill.upper(),
        )
    x = tf.clip_by_value(x + draw.brightness[:, None, None, None], 0.0, 1.0)
    if not qualities:
        return x
    return tf.stop_gradient(_jpeg_each(x, draw.quality, qualities)) + (x - tf.stop_gradient(x))  # BPDA, exact JPEG


@functools.cache
def _compiled_transform(fill: str, qualities: tuple[int, ...], shift_rotate: bool) -> Any:
    """The transformation compiled once per setting (no model involved)."""
    return tf.function(
        lambda x, m, b, q: _transform(x, _Draw(m, b, q), fill, qualities, shift_rotate), reduce_retracing=True
    )


def _apply(x: np.ndarray, transforms: Transforms, rng: np.random.Generator) -> np.ndarray:
    """Transform a checked batch with a fresh draw per image."""
    if len(x) == 0:
        return x.copy()
    draw = _draw(transforms, len(x), x.shape[1], x.shape[2], rng)
    fn = _compiled_transform(transforms.fill, transforms.qualities(), transforms.moves())
    return fn(tf.constant(x), draw.matrices, draw.brightness, draw.quality).numpy()


def _check_transforms(transforms: Any) -> Transforms:
    """Check that ``transforms`` is a Transforms."""
    if not isinstance(transforms, Transforms):
        raise InvalidArgumentError(t("eot.transforms", got=type(transforms).__name__))
    return transforms


def _check_count(value: Any, name: str) -> int:
    """Check a positive whole number (steps, samples, draws)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidArgumentError(t("eot.count", name=name, value=value))
    return int(value)


def random_transform(x: Any, transforms: Transforms, seed: int | None = 0) -> np.ndarray:
    """Transform each image with its own random draw (notebook 07, "Attacks that survive the world").

    Args:
        x: one image (H, W, C) or a batch (N, H, W, C), float32 in [0, 1].
        transforms: the Transforms to draw from.
        seed: the seed of the draws (the same seed gives the same transformations).

    Returns:
        The transformed images, the shape of ``x``, float32 in [0, 1].
    """
    batch, single = as_image_batch(x)
    out = _apply(batch, _check_transforms(transforms), np.random.default_rng(seed))
    return out[0] if single else out


def apply_transform(
    x: Any,
    shift: tuple[float, float] = (0.0, 0.0),
    rotate: float = 0.0,
    brightness: float = 0.0,
    quality: int | None = None,
) -> np.ndarray:
    """One given transformation of every image, as ``random_transform`` draws them (notebook 07, section 3).

    Args:
        x: one image (H, W, C) or a batch (N, H, W, C), float32 in [0, 1].
        shift: (right, down) in pixels.
        rotate: degrees, clockwise as displayed, about the centre.
        brightness: added to every pixel (then clipped to [0, 1]).
        quality: JPEG quality (1 to 95), or None for no JPEG.

    Returns:
        The transformed images, the shape of ``x``.
    """
    batch, single = as_image_batch(x)
    jpeg = None if quality is None else (quality, quality)
    _check_transforms(Transforms(max(map(abs, shift)), abs(rotate), abs(brightness), jpeg))  # checks every value
    n, h, w = batch.shape[:3]
    matrices = _matrices(np.full(n, shift[0]), np.full(n, shift[1]), np.full(n, rotate), h, w)
    fn = _compiled_transform("constant", () if quality is None else (quality,), True)
    out = fn(tf.constant(batch), matrices, tf.fill([n], float(brightness)), tf.zeros([n], tf.int32)).numpy()
    return out[0] if single else out


def _eot_step_graph(
    model: Any,
    x: tf.Tensor,
    adv: tf.Tensor,
    y: tf.Tensor,
    draw: tuple[tf.Tensor, tf.Tensor, tf.Tensor],
    eps: tf.Tensor,
    alpha: tf.Tensor,
    setting: tuple[str, tuple[int, ...], bool, int],
) -> tf.Tensor:
    """One EOT-PGD step: the loss summed over ``samples`` transformed copies of each image, one pass."""
    fill, qualities, moves, samples = setting
    with tf.GradientTape() as tape:
        tape.watch(adv)
        copies = _transform(tf.tile(adv, [samples, 1, 1, 1]), _Draw(*draw), fill, qualities, moves)
        total = tf.reduce_sum(cross_entropy(model(copies, training=False), tf.tile(y, [samples])))
    moved = adv + alpha * tf.sign(tape.gradient(total, adv))
    return tf.clip_by_value(x + project(moved - x, eps, np.inf), 0.0, 1.0)


def eot_pgd(
    model: Any,
    x: Any,
    y: Any,
    eps: float,
    transforms: Transforms,
    steps: int = 10,
    samples: int = 8,
    step_size: float | None = None,
    seed: int | None = 0,
) -> np.ndarray:
    """PGD on the loss averaged over random transformations, EOT (notebook 07, "Attacks that survive the world").

    Each step draws ``samples`` fresh transformations per image and takes one batched forward and backward
    pass through all N x samples copies; the step follows the sign of the summed gradient (as PGD, from x).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: one image (H, W, C) or a batch (N, H, W, C), float32 in [0, 1].
        y: the true labels.
        eps: the L-inf radius.
        transforms: the Transforms to average over.
        steps: the number of steps.
        samples: transformations per image and step.
        step_size: default 2.5 * eps / steps (as ``pgd``).
        seed: the seed of the draws.

    Returns:
        The adversarial images, the shape of ``x``, within eps of ``x`` and in [0, 1].
    """
    info = model_info(model)
    batch, single = as_image_batch(x, info.input_shape)
    labels = check_labels(y, len(batch), info.num_classes or None)
    transforms, eps = _check_transforms(transforms), check_eps(eps)
    steps, samples = _check_count(steps, "steps"), _check_count(samples, "samples")
    alpha = check_eps(2.5 * eps / steps if step_size is None else step_size, name="step_size")
    if len(batch) == 0:
        return batch[0] if single else batch.copy()
    rng = np.random.default_rng(seed)
    setting = (transforms.fill, transforms.qualities(), transforms.moves(), samples)
    x_t, adv, y_t = tf.constant(batch), tf.constant(batch), tf.constant(labels)
    consts = (tf.constant(eps, tf.float32), tf.constant(alpha, tf.float32))
    for _ in range(steps):
        d = _draw(transforms, len(batch) * samples, batch.shape[1], batch.shape[2], rng)
        adv = run(model, _eot_step_graph, x_t, adv, y_t, (d.matrices, d.brightness, d.quality), *consts, setting)
    out = adv.numpy()
    return out[0] if single else out


def survival(
    model: Any, x_adv: Any, y: Any, transforms: Transforms, draws: int = 20, seed: int | None = 0, batch_size: int = 256
) -> np.ndarray:
    """Per image, the fraction of random transformations after which it is still misclassified (notebook 07).

    On clean images it measures what the transformations alone cost (notebook 07, "Attacks that survive the world").

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x_adv: (N, H, W, C) adversarial (or clean) images, float32 in [0, 1].
        y: the true labels.
        transforms: the Transforms to draw from.
        draws: transformations per image.
        seed: the seed of the draws.
        batch_size: images per forward pass.

    Returns:
        (N,) fractions in [0, 1].
    """
    info = model_info(model)
    batch, _ = as_image_batch(x_adv, info.input_shape)
    labels = check_labels(y, len(batch), info.num_classes or None)
    transforms, draws = _check_transforms(transforms), _check_count(draws, "draws")
    batch_size, rng = check_batch_size(batch_size), np.random.default_rng(seed)
    wrong = np.zeros(len(batch))
    per_chunk = max(1, batch_size // max(1, len(batch)))
    for start in range(0, draws, per_chunk):
        k = min(per_chunk, draws - start)
        moved = _apply(np.tile(batch, (k, 1, 1, 1)), transforms, rng)
        predicted = forward_logits(model, moved, batch_size).argmax(-1).reshape(k, len(batch))
        wrong += (predicted != labels).sum(0)
    return wrong / draws


def survival_rate(
    model: Any, x_adv: Any, y: Any, transforms: Transforms, draws: int = 20, seed: int | None = 0
) -> float:
    """The fraction of (image, draw) pairs still misclassified after a random transformation (notebook 07).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x_adv: (N, H, W, C) adversarial images, float32 in [0, 1].
        y: the true labels.
        transforms: the Transforms to draw from.
        draws: transformations per image.
        seed: the seed of the draws.

    Returns:
        The survival rate in [0, 1] (NaN for no images).
    """
    rates = survival(model, x_adv, y, transforms, draws, seed)
    return float(rates.mean()) if rates.size else float("nan")
