"""One small error hierarchy: every message says what is wrong and how to fix it.

Each class also inherits the matching built-in exception, so ordinary
``except ValueError`` (or ``TypeError`` / ``OSError``) code keeps working.

Which error for which mistake (the README's "Common mistakes" quotes real examples):

- InvalidArgumentError: NaN/inf or 0-255 pixels, wrong rank, size or channels, epsilon outside
  [0, 1], labels out of range, not whole, or not one per image, a bad size, clip, norm or timeout;
  lesson 07's: a noise sigma, sample count, alpha or L2 radius out of range (smoothing), a universal
  perturbation of the wrong shape or outside [-1, 1] (universal), transformations out of range (eot).
- InvalidTypeError: integer, complex or text pixels, a PIL image or a path where an array is
  expected, an epsilon or a label that is not a number.
- ModelError: an unknown model name, a model with several inputs or outputs, no batch axis, no
  (N, classes) output, ending in softmax without ``wrap_model``, a bad weights or ``.keras`` file.
- ImageLoadError: a missing, empty, truncated, non-image or too large (decompression bomb) file.
- DownloadError: offline, a timeout, a truncated download, a wrong checksum, an unusable cache.
"""

from __future__ import annotations


class FgsmEduError(Exception):
    """Base class of every error raised on purpose by fgsm_edu."""


class InvalidArgumentError(FgsmEduError, ValueError):
    """An argument has the right type but a wrong value (range, shape, label)."""


class InvalidTypeError(FgsmEduError, TypeError):
    """An argument has the wrong type (for example integer pixels)."""


class ModelError(FgsmEduError, ValueError):
    """A model name is unknown, or a model cannot be attacked as it is."""


class ImageLoadError(FgsmEduError, OSError):
    """An image file is missing, unreadable, corrupt or too large."""


class DownloadError(FgsmEduError, OSError):
    """A file could not be downloaded, or its checksum did not match."""
