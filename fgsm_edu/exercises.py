"""Checkers for the lessons' exercises: each returns a Feedback and never raises on a wrong answer.

A checker recomputes the answer with the package and says "correct", or what is wrong and a
hint (notebook 01, "Exercises"). All text comes from ``fgsm_edu.i18n.t``, so it follows
``set_language``. To add a checker: decorate it with ``@checker``, return ``right()`` or
``wrong("reason_key", "hint_key", **fields)``, and add the keys to ``i18n.MESSAGES``.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec

import numpy as np

from fgsm_edu.i18n import t

P = ParamSpec("P")


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct``, a ``message`` and a ``hint`` (shown nicely in Jupyter).

    ``bool(feedback)`` is ``feedback.correct``.
    """

    correct: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "\u2714" if self.correct else "\u2718"
        return f"{mark} {self.message}" + (f"\n  {self.hint}" if self.hint else "")

    def _repr_html_(self) -> str:
        colour, mark = ("#1b7f3b", "\u2714") if self.correct else ("#b3261e", "\u2718")
        hint = f"<div style='margin-top:0.3em'>{html.escape(self.hint)}</div>" if self.hint else ""
        return (
            f"<div style='border-left:6px solid {colour};padding:0.5em 0.8em;font-size:1.15em'>"
            f"<b style='color:{colour}'>{mark} {html.escape(self.message)}</b>{hint}</div>"
        )


def right(key: str = "correct", **fields: object) -> Feedback:
    """A correct verdict, with the catalogue message ``key``.

    Args:
        key: an i18n catalogue key.
        **fields: its format fields.

    Returns:
        Feedback(correct=True).
    """
    return Feedback(True, t(key, None, **fields))


def wrong(reason: str, hint: str | None = None, **fields: object) -> Feedback:
    """A "not quite" verdict built from catalogue keys for the reason and the hint.

    Args:
        reason: the i18n key that says what is wrong.
        hint: the i18n key of a hint, or None.
        **fields: format fields shared by both texts.

    Returns:
        Feedback(correct=False).
    """
    hint_text = t("hint", hint=t(hint, None, **fields)) if hint else ""
    return Feedback(False, t("not_quite", reason=t(reason, None, **fields)), hint_text)


def checker(fn: Callable[P, Feedback]) -> Callable[P, Feedback]:
    """Make a checker safe: an unanswered exercise or an answer that breaks the check gives Feedback.

    Args:
        fn: a checker whose first argument is the learner's answer.

    Returns:
        The checker, which returns Feedback instead of raising on the learner's mistakes.
    """

    @functools.wraps(fn)
    def safe(*args: P.args, **kwargs: P.kwargs) -> Feedback:
        if args and (args[0] is None or args[0] is Ellipsis):
            return wrong("ex_missing", "ex_missing_hint")
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, ArithmeticError) as err:  # FgsmEduError subclasses these
            return wrong("ex_error", "ex_error_hint", error=f"{type(err).__name__}: {err}")

    return safe


def as_number(answer: Any) -> float:
    """Read a learner's answer as one finite float (a 1-element array or tensor is fine).

    Args:
        answer: the answer.

    Returns:
        The number; raises ValueError (caught by ``checker``) when it is not one.
    """
    value = np.asarray(answer, dtype=np.float64)
    if value.size != 1 or not np.isfinite(value).all():
        raise ValueError(t("ex_not_a_number", answer=answer))
    return float(value.reshape(()))


def as_array(answer: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Read a learner's answer as a float array of the expected shape.

    Args:
        answer: a numpy array, tensor or nested list.
        shape: the expected shape.

    Returns:
        The array; raises ValueError (caught by ``checker``) on a wrong shape.
    """
    arr = np.asarray(answer, dtype=np.float32)
    if arr.shape != tuple(shape):
        raise ValueError(t("ex_shape", expected=tuple(shape), got=arr.shape))
    return arr


# --- Lesson 01 ---------------------------------------------------------------------------


@checker
def check_perturbation(answer: Any, model: Any, image: Any, label: Any = None) -> Feedback:
    """Check FGSM's perturbation sign(grad_x J) (notebook 01, "Exercises").

    Args:
        answer: the learner's perturbation, shaped like ``image``.
        model: the model attacked.
        image: the clean image.
        label: the label used for the loss (None: the model's prediction).

    Returns:
        Feedback.
    """
    from fgsm_edu.gradients import input_gradient

    grad = input_gradient(model, image, label)
    arr, expected = as_array(answer, grad.shape), np.sign(grad)
    scale = float(np.abs(arr).max())
    if np.allclose(arr, grad, rtol=1e-3, atol=1e-8) and not np.array_equal(arr, expected):
        return wrong("ex_pert_raw", "ex_pert_raw_hint")
    if scale > 0 and not np.isclose(scale, 1.0) and np.isin(np.round(arr / scale, 6), (-1.0, 0.0, 1.0)).all():
        return wrong("ex_pert_scaled", "ex_pert_scaled_hint", value=scale)
    agree = float(np.mean(arr == expected))
    if agree >= 0.999:
        return right()
    if float(np.mean(arr == -expected)) >= 0.999:
        return wrong("ex_pert_opposite", "ex_pert_opposite_hint")
    return wrong("ex_pert_mismatch", "ex_pert_mismatch_hint", agree=agree)


@checker
def check_eps_units(answer: Any, tutorial_eps: float) -> Feedback:
    """Check the conversion of the tutorial's eps ([-1, 1] pixels) into fgsm_edu's [0, 1] units (notebook 01).

    Args:
        answer: the learner's eps in [0, 1] units.
        tutorial_eps: the tutorial's eps.

    Returns:
        Feedback.
    """
    value, expected = as_number(answer), tutorial_eps / 2
    if np.isclose(value, expected, rtol=1e-3):
        return right()
    if np.isclose(value, tutorial_eps, rtol=1e-3):
        return wrong("ex_units_same", "ex_units_hint", answer=value)
    if np.isclose(value, 2 * tutorial_eps, rtol=1e-3):
        return wrong("ex_units_double", "ex_units_hint", answer=value)
    return wrong("ex_units_off", "ex_units_hint", answer=value)


def smallest_flipping_eps(model: Any, image: Any, label: Any = None, epsilons: Any = None) -> float | None:
    """The smallest eps of a grid at which FGSM changes the model's top-1 class (notebook 01, "Exercises").

    Args:
        model: the model.
        image: one image.
        label: the label attacked (None: the model's prediction).
        epsilons: the grid (default 0.001, 0.002, ..., 0.3).

    Returns:
        That eps, or None if no eps of the grid flips the label.
    """
    from fgsm_edu.attacks import fgsm_sweep
    from fgsm_edu.models import predict

    grid = np.round(np.arange(1, 301) * 0.001, 6) if epsilons is None else epsilons
    sweep = fgsm_sweep(model, image, label, epsilons=grid)
    ids, _ = sweep.top1()
    clean = int(np.ravel(predict(model, image).ids)[0])
    flipped = np.flatnonzero(ids != clean)
    return round(float(sweep.epsilons[flipped[0]]), 6) if flipped.size else None


@checker
def check_flip_eps(answer: Any, model: Any, image: Any, label: Any = None) -> Feedback:
    """Check "the smallest eps that flips the label" to within 0.002 (notebook 01, "Exercises").

    Args:
        answer: the learner's eps.
        model: the model.
        image: one image.
        label: the label attacked (None: the model's prediction).

    Returns:
        Feedback.
    """
    from fgsm_edu.attacks import fgsm
    from fgsm_edu.models import predict

    eps = as_number(answer)
    if eps < 0:
        return wrong("ex_eps_negative", "ex_flip_hint", answer=eps)
    clean, adv = predict(model, image), predict(model, fgsm(model, image, label, eps=eps))
    if int(np.ravel(adv.ids)[0]) == int(np.ravel(clean.ids)[0]):
        return wrong("ex_flip_no_flip", "ex_flip_hint", eps=eps, label=clean.label)
    smallest = smallest_flipping_eps(model, image, label)
    if smallest is not None and eps > smallest + 0.002:
        return wrong("ex_flip_too_big", "ex_flip_hint", eps=eps)
    return right("ex_flip_right", eps=eps, label=clean.label, new=adv.label)


# --- Lesson 02 ---------------------------------------------------------------------------


def dense_weights(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """The kernel W (inputs, classes) and bias b of a linear model's one Dense layer (notebook 02).

    Args:
        model: a model with exactly one Dense layer, such as ``load_model("digits_linear")``.

    Returns:
        (W, b) as numpy arrays.
    """
    import keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if len(dense) != 1:
        raise ValueError(f"expected a linear model with one Dense layer, found {len(dense)}.")
    kernel, bias = dense[0].get_weights()
    return kernel, bias


@checker
def check_linear_change(answer: Any, model: Any, eps: float, true_class: int, other_class: int) -> Feedback:
    """Check the predicted change eps * ||w_c - w_y||_1 of the logit difference z_c - z_y (notebook 02).

    Args:
        answer: the learner's number.
        model: the linear model.
        eps: the step size.
        true_class: y.
        other_class: c.

    Returns:
        Feedback.
    """
    kernel, _ = dense_weights(model)
    diff = kernel[:, other_class] - kernel[:, true_class]
    value, l1 = as_number(answer), float(np.abs(diff).sum())
    if np.isclose(value, eps * l1, rtol=1e-3):
        return right()
    mistakes = {
        "ex_lin_no_eps": l1,
        "ex_lin_l2": eps * float(np.sqrt(np.square(diff).sum())),
        "ex_lin_no_abs": eps * float(diff.sum()),
        "ex_lin_one_class": eps * float(np.abs(kernel[:, other_class]).sum()),
        "ex_lin_negative": -eps * l1,
    }
    for reason, mistaken in mistakes.items():
        if np.isclose(value, mistaken, rtol=1e-3):
            return wrong(reason, "ex_lin_hint", answer=value)
    return wrong("ex_lin_off", "ex_lin_hint", answer=value)


@checker
def check_linear_flip_eps(answer: Any, model: Any, image: Any, true_class: int, other_class: int) -> Feedback:
    """Check the eps at which eps * ||w_c - w_y||_1 closes the logit gap z_y - z_c (notebook 02).

    Args:
        answer: the learner's eps.
        model: the linear model.
        image: the clean image.
        true_class: y.
        other_class: c.

    Returns:
        Feedback.
    """
    kernel, bias = dense_weights(model)
    z = np.ravel(np.asarray(image, np.float64)) @ kernel + bias
    gap = float(z[true_class] - z[other_class])
    l1 = float(np.abs(kernel[:, other_class] - kernel[:, true_class]).sum())
    value = as_number(answer)
    if np.isclose(value, gap / l1, rtol=1e-2):
        return right()
    if np.isclose(value, l1 / gap, rtol=1e-2):
        return wrong("ex_lin_flip_inverted", "ex_lin_flip_hint", gap=gap, change=value * l1)
    return wrong("ex_lin_flip_off", "ex_lin_flip_hint", eps=value, gap=gap, change=value * l1)
