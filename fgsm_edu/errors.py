"""One small error hierarchy: every message says what is wrong and how to fix it.

Each class also inherits the matching built-in exception, so ordinary
``except ValueError`` (or ``TypeError`` / ``OSError``) code keeps working.
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
