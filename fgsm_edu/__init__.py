"""fgsm_edu: helpers for learning the Fast Gradient Sign Method (Goodfellow et al., 2014).

The one pixel convention: images are float32 arrays with values in [0, 1], shaped
(N, H, W, C) for a batch or (H, W, C) for one image. Every model from ``load_model`` or
``wrap_model`` owns its preprocessing and outputs logits, so epsilon is always a
fraction of the pixel range (8/255 means eight grey levels) whatever the model.

The modules follow the lessons: ``data`` (images, digits), ``models`` (loading and
wrapping), ``gradients`` (the loss and its input gradient), ``attacks`` (FGSM, sweeps,
BIM, PGD), then evaluation, plots and widgets.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence TensorFlow's C++ start-up noise, once

__version__ = "0.1.0"

from fgsm_edu.environment import require_tensorflow  # noqa: E402

require_tensorflow()  # no TensorFlow (Colab's TPU runtime): one plain-words error that names the fix

from fgsm_edu._quiet import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()  # TensorFlow's C++ start-up lines would otherwise fill the setup cell's output

from fgsm_edu.attacks import Sweep, bim, fgsm, fgsm_sweep, pgd  # noqa: E402
from fgsm_edu.data import (  # noqa: E402
    DigitsData,
    labrador_image,
    load_digits_data,
    load_image,
    load_mnist_data,
    resize,
    sample_image,
)
from fgsm_edu.environment import check_environment  # noqa: E402
from fgsm_edu.errors import (  # noqa: E402
    DownloadError,
    FgsmEduError,
    ImageLoadError,
    InvalidArgumentError,
    InvalidTypeError,
    ModelError,
)
from fgsm_edu.evaluation import Fooled, evaluate, most_confidently_fooled  # noqa: E402
from fgsm_edu.gradients import input_gradient  # noqa: E402
from fgsm_edu.i18n import get_language, set_language  # noqa: E402
from fgsm_edu.lessons import LessonSetup, lesson_model_and_image  # noqa: E402
from fgsm_edu.models import KNOWN_MODELS, Prediction, load_model, model_info, predict, wrap_model  # noqa: E402
from fgsm_edu.predictions import compare_prediction  # noqa: E402

__all__ = [
    "KNOWN_MODELS",
    "LessonSetup",
    "DigitsData",
    "DownloadError",
    "FgsmEduError",
    "Fooled",
    "ImageLoadError",
    "InvalidArgumentError",
    "InvalidTypeError",
    "ModelError",
    "Prediction",
    "Sweep",
    "__version__",
    "bim",
    "compare_prediction",
    "check_environment",
    "evaluate",
    "fgsm",
    "fgsm_sweep",
    "get_language",
    "input_gradient",
    "labrador_image",
    "lesson_model_and_image",
    "load_digits_data",
    "load_image",
    "load_mnist_data",
    "load_model",
    "model_info",
    "most_confidently_fooled",
    "pgd",
    "predict",
    "resize",
    "sample_image",
    "set_language",
    "wrap_model",
]
