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
    """What lesson 01 attacks: ``kind`` is "imagenet", "random" (weights=None), "mnist" (the offline fallback)
    or "digits" (the 8x8 digits CNN, on request)."""

    model: Any
    image: np.ndarray
    label: int
    kind: str
    note: str

    def __str__(self) -> str:
        return self.note


def lesson_digit(model: Any, x: np.ndarray, y: np.ndarray) -> int:
    """Pick the first test digit the model gets right that FGSM flips at the tutorial's largest eps only.

    "Largest eps only" means: flipped at 0.075 but not at 0, 0.005 or 0.05 (the tutorial's epsilons in
    [0, 1] units), so the tutorial's epsilon comparison shows the change in its last column, as the tutorial does.

    Args:
        model: a digits model (MNIST's 28x28 or the 8x8 digits).
        x: test digits (N, H, W, 1).
        y: their labels (N,).

    Returns:
        The index of that digit (0 if none qualifies).
    """
    from fgsm_edu.attacks import fgsm_sweep

    ids, _ = fgsm_sweep(model, x, y, epsilons=[e / 2 for e in TUTORIAL_EPSILONS]).top1()
    fits = np.all(ids[:-1] == y, axis=0) & (ids[-1] != y)
    return int(np.argmax(fits)) if fits.any() else 0


OFFLINE_SEARCH = 1000  # lesson_digit looks among the first 1,000 MNIST test images (one sweep, about a second)


def _digits_setup(kind: str, reason: str) -> LessonSetup:
    """The offline models: MNIST's CNN ("mnist", the fallback) or the 8x8 digits CNN ("digits"), and one test digit."""
    from fgsm_edu.data import load_digits_data, load_mnist_data
    from fgsm_edu.models import load_model

    if kind == "mnist":
        model, data = load_model("mnist_cnn"), load_mnist_data()
    else:
        model, data = load_model("digits_cnn"), load_digits_data()
    x, y = data.x_test[:OFFLINE_SEARCH], data.y_test[:OFFLINE_SEARCH]
    i = lesson_digit(model, x, y)
    return LessonSetup(model, x[i], int(y[i]), kind, t(reason))


def lesson_model_and_image(weights: str | None = "imagenet") -> LessonSetup:
    """Lesson 01's model, image and label, for each value of its WEIGHTS parameter (notebook 01).

    Args:
        weights: "imagenet" (MobileNetV2 and the Labrador photo; falls back to "mnist" when
            the download fails), None (MobileNetV2 with seeded random weights and an offline
            photo, labelled with the model's own prediction), "mnist" (the MNIST CNN and a
            test digit) or "digits" (the 8x8 digits CNN).

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
            return _digits_setup("mnist", "lesson_offline")
    if weights is None:
        keras.utils.set_random_seed(0)
        model, image = load_model("mobilenet_v2", None), sample_image("flower")
        label = int(np.ravel(predict(model, image).ids)[0])
        return LessonSetup(model, image, label, "random", t("lesson_random"))
    if weights in ("mnist", "digits"):
        return _digits_setup(str(weights), f"lesson_{weights}")
    raise InvalidArgumentError(f"weights must be 'imagenet', None, 'mnist' or 'digits', got {weights!r}.")


# --- Sentences the lessons print from their own numbers (conditional wording, every path) ---------------


def gradients_agree(by_hand: np.ndarray, package: np.ndarray) -> str:
    """Say whether the tape's gradient and ``fe.input_gradient``'s agree (notebook 01, "The gradient").

    Args:
        by_hand: the gradient computed with tf.GradientTape.
        package: the gradient from fe.input_gradient.

    Returns:
        One sentence, in the current language.
    """
    largest = float(np.abs(by_hand - package).max())
    close = largest <= 1e-5 * float(np.abs(by_hand).max())
    signs = int(np.sum(np.sign(by_hand) != np.sign(package)))
    key = "lesson01.gradients_agree" if close and signs == 0 else "lesson01.gradients_differ"
    return t(key, largest=largest, signs=signs)


def rounding_verdict(rounding: float) -> str:
    """Say whether preprocess_input and 2 * image - 1 differ by float32 rounding only (notebook 01, "Units").

    Args:
        rounding: the largest absolute difference between the two.

    Returns:
        One sentence, in the current language.
    """
    return t("lesson01.rounding_only" if rounding < 1e-6 else "lesson01.rounding_real", value=float(rounding))


def tutorial_verdict(diffs: list[float], same_answer: list[bool]) -> str:
    """Say whether the tutorial's recipe and fe.fgsm gave the same images and answers (notebook 01, "Units").

    Args:
        diffs: the largest pixel difference at each epsilon.
        same_answer: whether the model gave both images the same answer, at each epsilon.

    Returns:
        One sentence, in the current language.
    """
    if max(diffs) < 1e-5 and all(same_answer):
        return t("lesson01.tutorial_same", largest=max(diffs))
    return t("lesson01.tutorial_differ", largest=max(diffs), answers=sum(not s for s in same_answer))


def flipped(sweep: Any, clean_id: int) -> np.ndarray:
    """Which epsilons of a one-image sweep changed the model's answer (notebook 01, "Comparing epsilons").

    Args:
        sweep: a SweepResult for one image.
        clean_id: the model's answer on the clean image.

    Returns:
        A boolean array, one entry per epsilon.
    """
    return np.asarray(sweep.top1()[0]) != int(clean_id)


def sweep_story(sweep: Any, clean_id: int, names: Any = None) -> str:
    """What a one-image sweep did, worded from its numbers (notebook 01, "Comparing epsilons").

    Args:
        sweep: a SweepResult for one image.
        clean_id: the model's answer on the clean image.
        names: the model's class names (None: class ids).

    Returns:
        One or two sentences, in the current language.
    """
    moved, confidences = flipped(sweep, clean_id), sweep.top1()[1]
    label = str(clean_id if names is None else names[clean_id])
    eps = [f"{e:g}" for e in sweep.epsilons]
    if not moved.any():
        return t("lesson01.sweep_none", label=label)
    kept = ", ".join(e for e, m in zip(eps, moved, strict=True) if not m) or "-"
    text = t(
        "lesson01.sweep_flips",
        label=label,
        kept=kept,
        changed=", ".join(e for e, m in zip(eps, moved, strict=True) if m),
    )
    wrong = np.asarray(confidences)[moved]
    if wrong.size >= 2:
        key = "lesson01.sweep_more_confident" if np.all(np.diff(wrong) > 0) else "lesson01.sweep_not_more_confident"
        gap = "" if text.endswith("\u3002") else " "  # no space after a Japanese full stop
        text += gap + t(key, confidences=", ".join(f"{c:.1%}" for c in wrong))
    return text


def confident_when_wrong(name: str, record: dict[str, Any]) -> str:
    """Compare a model's accuracy with its mean confidence at one epsilon (notebook 03, "Accuracy vs epsilon").

    Args:
        name: the model's name.
        record: one record of fe.evaluate (eps, accuracy, mean_confidence).

    Returns:
        One sentence, in the current language: "wrong yet sure" or not, from the numbers.
    """
    accuracy, confidence = float(record["accuracy"]), float(record["mean_confidence"])
    key = (
        "lesson03.wrong_yet_sure" if accuracy < 0.5 and confidence > accuracy + 0.25 else "lesson03.not_wrong_yet_sure"
    )
    return t(key, name=name, eps=float(record["eps"]), accuracy=accuracy, confidence=confidence)
