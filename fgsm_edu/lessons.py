"""Lesson 01's model and image, with an offline path so a lecture hall without Wi-Fi gets the whole lesson.

Explained in notebook 01, section "The model and the image".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fgsm_edu.errors import DownloadError, InvalidArgumentError
from fgsm_edu.i18n import t

LABRADOR_RETRIEVER = 208  # the ImageNet class of the tutorial's photo
TUTORIAL_EPSILONS = (0.0, 0.01, 0.1, 0.15)  # the tutorial's, in its [-1, 1] pixel units


@dataclass(frozen=True)
class LessonSetup:
    """What lesson 01 attacks: ``kind`` is "imagenet", "random" (weights=None) or "digits" (offline fallback)."""

    model: Any
    image: np.ndarray
    label: int
    kind: str
    note: str

    def __str__(self) -> str:
        return self.note


def lesson_digit(model: Any, x: np.ndarray, y: np.ndarray) -> int:
    """Pick the first test digit the model gets right that FGSM flips at the tutorial's largest eps only.

    "Largest eps only" means: flipped at 0.075 but not at 0.05 ([0, 1] units), so the tutorial's
    epsilon comparison shows the change in its last column, as the tutorial does.

    Args:
        model: a digits model.
        x: test digits (N, 8, 8, 1).
        y: their labels (N,).

    Returns:
        The index of that digit (0 if none qualifies).
    """
    from fgsm_edu.attacks import fgsm_sweep

    ids, _ = fgsm_sweep(model, x, y, epsilons=(0.0, 0.05, 0.075)).top1()
    fits = (ids[0] == y) & (ids[1] == y) & (ids[2] != y)
    return int(np.argmax(fits)) if fits.any() else 0


def _digits_setup(reason: str) -> LessonSetup:
    """The offline fallback: the bundled digits CNN and one test digit."""
    from fgsm_edu.data import load_digits_data
    from fgsm_edu.models import load_model

    model, data = load_model("digits_cnn"), load_digits_data()
    i = lesson_digit(model, data.x_test, data.y_test)
    return LessonSetup(model, data.x_test[i], int(data.y_test[i]), "digits", t(reason))


def lesson_model_and_image(weights: str | None = "imagenet") -> LessonSetup:
    """Lesson 01's model, image and label, for each value of its WEIGHTS parameter (notebook 01).

    Args:
        weights: "imagenet" (MobileNetV2 and the Labrador photo; falls back to "digits" when
            the download fails), None (MobileNetV2 with seeded random weights and an offline
            photo, labelled with the model's own prediction) or "digits" (the digits CNN).

    Returns:
        A LessonSetup; its ``note`` says, in the current language, what was loaded and why.
    """
    import keras

    from fgsm_edu.data import labrador_image, sample_image
    from fgsm_edu.models import load_model, predict

    if weights == "imagenet":
        try:
            model, image = load_model("mobilenet_v2", "imagenet"), labrador_image()
            return LessonSetup(model, image, LABRADOR_RETRIEVER, "imagenet", t("lesson_imagenet"))
        except DownloadError:
            return _digits_setup("lesson_offline")
    if weights is None:
        keras.utils.set_random_seed(0)
        model, image = load_model("mobilenet_v2", None), sample_image("flower")
        label = int(np.ravel(predict(model, image).ids)[0])
        return LessonSetup(model, image, label, "random", t("lesson_random"))
    if weights == "digits":
        return _digits_setup("lesson_digits")
    raise InvalidArgumentError(f"weights must be 'imagenet', None or 'digits', got {weights!r}.")
