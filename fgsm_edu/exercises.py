"""Checkers for the lessons' exercises: each returns a Feedback and never raises on a wrong answer.

A checker recomputes the answer with the package and says "correct", or what is wrong and a
hint (notebook 01, "Exercises"). All text comes from ``fgsm_edu.i18n.t``, so it follows
``set_language``. To add a checker: decorate it with ``@checker``, return ``right()`` or
``wrong("reason_key", "hint_key", **fields)``, and add the keys to ``fgsm_edu/locales/*.toml``.
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

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

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


def wrong(reason: str, hint: str | None = None, verdict: str = "not_quite", **fields: object) -> Feedback:
    """A "not quite" verdict built from catalogue keys for the reason and the hint.

    Args:
        reason: the i18n key that says what is wrong.
        hint: the i18n key of a hint, or None.
        verdict: the key of the prefix: "not_quite" for a wrong answer, "not_yet" for none,
            "not_checked" for an answer that broke the check (「惜しい」 only for a wrong answer).
        **fields: format fields shared by both texts.

    Returns:
        Feedback(correct=False).
    """
    hint_text = t("hint", hint=t(hint, None, **fields)) if hint else ""
    return Feedback(False, t(verdict, reason=t(reason, None, **fields)), hint_text)


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
            return wrong("ex_missing", "ex_missing_hint", verdict="not_yet")
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, ArithmeticError) as err:  # FgsmEduError subclasses these
            return wrong("ex_error", "ex_error_hint", verdict="not_checked", error=f"{type(err).__name__}: {err}")

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


def outside_ball(
    arr: np.ndarray, x: np.ndarray, eps: float, range_keys: tuple[str, str], far_keys: tuple[str, str]
) -> Feedback | None:
    """A wrong verdict if ``arr`` leaves [0, 1] or the L-inf ball of radius ``eps`` around ``x`` (notebooks 04-06).

    Args:
        arr: the learner's images.
        x: the clean images, same shape.
        eps: the L-inf budget.
        range_keys: (reason, hint) catalogue keys for pixels outside [0, 1].
        far_keys: (reason, hint) catalogue keys for a change larger than eps (fields: distance, eps).

    Returns:
        The Feedback to return, or None when ``arr`` is inside both.
    """
    if arr.min() < -1e-6 or arr.max() > 1 + 1e-6:
        return wrong(*range_keys, eps=eps)
    distance = float(np.abs(arr - x).max())
    if distance > eps + 1e-5:
        return wrong(*far_keys, distance=distance, eps=eps)
    return None


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


def smallest_flipping_eps(model: Any, image: Any, label: Any = None, epsilons: Any = None) -> float:
    """The smallest eps of a grid at which FGSM changes the model's top-1 class (notebook 01, "Exercises").

    Args:
        model: the model.
        image: one image.
        label: the label attacked (None: the model's prediction).
        epsilons: the grid (default 0.001, 0.002, ..., 0.3).

    Returns:
        That eps, or ``np.inf`` if no eps of the grid flips the label.
    """
    from fgsm_edu.attacks import fgsm_sweep
    from fgsm_edu.models import predict

    grid = np.round(np.arange(1, 301) * 0.001, 6) if epsilons is None else np.sort(np.ravel(epsilons))
    clean = int(np.ravel(predict(model, image).ids)[0])
    for start in range(0, len(grid), 25):  # a few small sweeps, stopping at the first flip (big models)
        sweep = fgsm_sweep(model, image, label, epsilons=grid[start : start + 25])
        flipped = np.flatnonzero(sweep.top1()[0] != clean)
        if flipped.size:
            return round(float(sweep.epsilons[flipped[0]]), 6)
    return float(np.inf)


@checker
def check_flip_eps(answer: Any, model: Any, image: Any, label: Any = None) -> Feedback:
    """Check "the smallest eps that flips the label" to within 0.002 (notebook 01, "Exercises").

    Args:
        answer: the learner's eps, or ``np.inf`` when no eps of 0.001, 0.002, ..., 0.3 flips it.
        model: the model.
        image: one image.
        label: the label attacked (None: the model's prediction).

    Returns:
        Feedback.
    """
    from fgsm_edu.attacks import fgsm
    from fgsm_edu.models import predict

    if np.ndim(answer) == 0 and isinstance(answer, float | int | np.floating) and np.isposinf(answer):
        smallest = smallest_flipping_eps(model, image, label)
        if np.isinf(smallest):
            return right("ex_flip_never")
        return wrong("ex_flip_inf_but_flips", "ex_flip_hint", eps=smallest)
    eps = as_number(answer)
    if eps < 0:
        return wrong("ex_eps_negative", "ex_flip_hint", answer=eps)
    clean, adv = predict(model, image), predict(model, fgsm(model, image, label, eps=eps))
    if int(np.ravel(adv.ids)[0]) == int(np.ravel(clean.ids)[0]):
        return wrong("ex_flip_no_flip", "ex_flip_hint", eps=eps, label=clean.label)
    if eps > smallest_flipping_eps(model, image, label) + 0.002:
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


# --- Lessons 03 to 05 --------------------------------------------------------------------


@checker
def check_logits_model(answer: Any, soft_model: Any, images: Any) -> Feedback:
    """Check a softmax model made attackable: same predictions, logits out (notebook 03, "Models that end in softmax").

    Args:
        answer: the learner's model (for example ``fe.wrap_model(soft_model)``).
        soft_model: the model that ends in softmax.
        images: a batch of images to compare the two on.

    Returns:
        Feedback.
    """
    import keras

    from fgsm_edu.models import softmax

    if not isinstance(answer, keras.Model):
        return wrong("ex_logits_not_model", "ex_logits_hint", got=type(answer).__name__)
    x = np.asarray(images, np.float32)
    out, probs = np.asarray(answer(x, training=False)), np.asarray(soft_model(x, training=False))
    if out.shape != probs.shape:
        raise ValueError(t("ex_shape", expected=probs.shape, got=out.shape))
    if np.all(out >= 0) and np.allclose(out.sum(-1), 1.0, atol=1e-3):
        return wrong("ex_logits_probs", "ex_logits_hint")
    if not np.allclose(softmax(out), probs, atol=1e-4):
        return wrong("ex_logits_mismatch", "ex_logits_hint")
    return right("ex_logits_right")


def accuracy_drop_eps(records: Any, level: float = 0.5) -> float | None:
    """The smallest evaluated eps whose accuracy is below ``level`` (notebook 03, "Exercises").

    Args:
        records: ``fe.evaluate``'s records (dicts with eps and accuracy).
        level: the accuracy threshold.

    Returns:
        That eps, or None if accuracy never falls below ``level``.
    """
    below = [r["eps"] for r in records if r["accuracy"] < level]
    return float(min(below)) if below else None


@checker
def check_accuracy_drop_eps(answer: Any, records: Any, level: float = 0.5) -> Feedback:
    """Check "the smallest evaluated eps at which accuracy falls below ``level``" (notebook 03, "Exercises").

    Args:
        answer: the learner's eps.
        records: the ``fe.evaluate`` records the learner reads it from.
        level: the accuracy threshold.

    Returns:
        Feedback.
    """
    value, expected = as_number(answer), accuracy_drop_eps(records, level)
    accuracy = {float(r["eps"]): float(r["accuracy"]) for r in records}
    if expected is not None and np.isclose(value, expected, atol=1e-9):
        return right("ex_drop_right", eps=expected, acc=accuracy[expected], level=level)
    match = [e for e in accuracy if np.isclose(e, value, atol=1e-9)]
    if not match:
        return wrong("ex_drop_not_evaluated", "ex_drop_hint", answer=value, level=level)
    if accuracy[match[0]] >= level:
        return wrong("ex_drop_too_small", "ex_drop_hint", answer=value, acc=accuracy[match[0]], level=level)
    return wrong("ex_drop_too_big", "ex_drop_hint", answer=value, level=level)


@checker
def check_targeted(answer: Any, model: Any, image: Any, target: int, eps: float) -> Feedback:
    """Check a targeted adversarial image: within ``eps`` of ``image`` and classified as ``target`` (notebook 04).

    Args:
        answer: the learner's adversarial image, shaped like ``image``.
        model: the model attacked.
        image: the clean image.
        target: the class the model should now see.
        eps: the largest change allowed per pixel (L-inf).

    Returns:
        Feedback.
    """
    from fgsm_edu.models import class_name, model_info, predict

    clean = np.asarray(image, np.float32)
    arr = as_array(answer, clean.shape)
    outside = outside_ball(
        arr, clean, eps, ("ex_target_range", "ex_target_range_hint"), ("ex_target_too_far", "ex_target_hint")
    )
    if outside is not None:
        return outside
    distance = float(np.abs(arr - clean).max())
    got = int(np.ravel(predict(model, arr).ids)[0])
    if got != target:
        name = class_name(model_info(model), got)
        return wrong("ex_target_missed", "ex_target_hint", got=name, target=class_name(model_info(model), target))
    return right("ex_target_right", target=class_name(model_info(model), target), distance=distance)


def bim_step(model: Any, x: Any, x_adv: Any, y: Any, eps: float, alpha: float) -> np.ndarray:
    """One BIM step: x_adv + alpha * sign(grad J(x_adv, y)), projected into the eps-box of x and clipped (notebook 04).

    Args:
        model: the model attacked.
        x: the clean images.
        x_adv: the current adversarial images.
        y: the true labels.
        eps: the L-inf budget.
        alpha: the step size.

    Returns:
        The next adversarial images.
    """
    from fgsm_edu.gradients import input_gradient

    moved = np.asarray(x_adv) + alpha * np.sign(input_gradient(model, x_adv, y))
    return np.clip(np.clip(moved, np.asarray(x) - eps, np.asarray(x) + eps), 0.0, 1.0).astype(np.float32)


@checker
def check_bim_step(answer: Any, model: Any, x: Any, x_adv: Any, y: Any, eps: float, alpha: float) -> Feedback:
    """Check one step of the Basic Iterative Method (notebook 04, "Exercises").

    Args:
        answer: the learner's next adversarial images.
        model: the model attacked.
        x: the clean images.
        x_adv: the current adversarial images.
        y: the true labels.
        eps: the L-inf budget.
        alpha: the step size.

    Returns:
        Feedback.
    """
    from fgsm_edu.gradients import input_gradient

    expected = bim_step(model, x, x_adv, y, eps, alpha)
    arr = as_array(answer, expected.shape)
    if np.allclose(arr, expected, atol=1e-5):
        return right()
    sign = np.sign(input_gradient(model, x_adv, y))
    unprojected = np.clip(np.asarray(x_adv) + alpha * sign, 0.0, 1.0)
    if np.allclose(arr, unprojected, atol=1e-5) or np.allclose(arr, np.asarray(x_adv) + alpha * sign, atol=1e-5):
        return wrong("ex_bim_no_project", "ex_bim_project_hint", eps=eps)
    if np.allclose(arr, bim_step(model, x, x_adv, y, eps, -alpha), atol=1e-5):
        return wrong("ex_bim_opposite", "ex_bim_hint")
    from_x = np.clip(
        np.asarray(x_adv) + alpha * np.sign(input_gradient(model, x, y)), np.asarray(x) - eps, np.asarray(x) + eps
    )
    if np.allclose(arr, np.clip(from_x, 0.0, 1.0), atol=1e-5):
        return wrong("ex_bim_grad_at_x", "ex_bim_hint")
    return wrong("ex_bim_mismatch", "ex_bim_hint", share=float(np.mean(np.isclose(arr, expected, atol=1e-5))))


def adversarial_loss(model: Any, x: Any, y: Any, eps: float, alpha: float = 0.5) -> float:
    """Goodfellow et al.'s objective alpha * J(x, y) + (1 - alpha) * J(x_fgsm, y), batch means (notebook 05).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: images.
        y: true labels.
        eps: FGSM's epsilon.
        alpha: the weight of the clean loss.

    Returns:
        The loss.
    """
    from fgsm_edu.attacks import fgsm

    clean, adv = _mean_loss(model, x, y), _mean_loss(model, fgsm(model, x, y, eps), y)
    return alpha * clean + (1 - alpha) * adv


def _mean_loss(model: Any, x: Any, y: Any) -> float:
    """The mean softmax cross-entropy of a batch, from logits."""
    from fgsm_edu.gradients import cross_entropy

    logits = model(np.asarray(x, np.float32), training=False)
    return float(np.mean(cross_entropy(logits, np.asarray(y, np.int32)).numpy()))


@checker
def check_adversarial_loss(answer: Any, model: Any, x: Any, y: Any, eps: float, alpha: float = 0.5) -> Feedback:
    """Check the adversarial training objective on one batch (notebook 05, "Exercises").

    Args:
        answer: the learner's loss value.
        model: the model.
        x: the batch's images.
        y: their true labels.
        eps: FGSM's epsilon.
        alpha: the weight of the clean loss.

    Returns:
        Feedback.
    """
    from fgsm_edu.attacks import fgsm

    value = as_number(answer)
    clean, adv = _mean_loss(model, x, y), _mean_loss(model, fgsm(model, x, y, eps), y)
    if np.isclose(value, alpha * clean + (1 - alpha) * adv, rtol=1e-4):
        return right()
    if np.isclose(value, clean, rtol=1e-4):
        return wrong("ex_advloss_clean_only", "ex_advloss_hint")
    if np.isclose(value, adv, rtol=1e-4):
        return wrong("ex_advloss_adv_only", "ex_advloss_hint")
    if np.isclose(value, clean + adv, rtol=1e-4):
        return wrong("ex_advloss_sum", "ex_advloss_hint", alpha=alpha)
    return wrong("ex_advloss_off", "ex_advloss_hint", answer=value)


@checker
def check_worst_case(answer: Any, accuracies: dict[str, float]) -> Feedback:
    """Check the robust accuracy to report: the lowest accuracy over the attacks tried (notebook 05, "Exercises").

    Args:
        answer: the learner's accuracy, a fraction in [0, 1].
        accuracies: attack name -> accuracy under that attack.

    Returns:
        Feedback.
    """
    value = as_number(answer)
    if value > 1.0 and any(np.isclose(value / 100, a, atol=1e-3) for a in accuracies.values()):
        return wrong("ex_worst_percent", "ex_worst_hint", answer=value)
    worst = min(accuracies, key=lambda k: accuracies[k])
    if np.isclose(value, accuracies[worst], atol=1e-3):
        return right("ex_worst_right", attack=worst, acc=accuracies[worst])
    for name, acc in accuracies.items():
        if np.isclose(value, acc, atol=1e-3):
            return wrong("ex_worst_not_min", "ex_worst_hint", attack=name, acc=acc)
    return wrong("ex_worst_off", "ex_worst_hint", answer=value)


# --- Lesson 06 -----------------------------------------------------------------------------


@checker
def check_survivors(answer: Any, model: Any, adv: Any, y: Any, format: str = "png", quality: int = 75) -> Feedback:  # noqa: A002
    """Check "how many of these images still fool the model after a file round trip" (notebook 06, "Exercises").

    Args:
        answer: the learner's count.
        model: the attacked model.
        adv: the adversarial images, before saving.
        y: their true labels.
        format: "png" or "jpeg".
        quality: the JPEG quality.

    Returns:
        Feedback.
    """
    from fgsm_edu.saving import round_trip, wrong_count

    value = as_number(answer)
    before, after = wrong_count(model, adv, y), wrong_count(model, round_trip(adv, format, quality), y)
    if value == after:
        return right("ex_survivors_right", count=after, n=len(np.asarray(y)), format=format.upper())
    reason = "ex_survivors_before" if value == before else "ex_survivors_off"
    return wrong(reason, "ex_survivors_hint", answer=value)


@checker
def check_minimal_eps(answer: Any, model: Any, image: Any, label: int, epsilons: Any) -> Feedback:
    """Check "the smallest epsilon in the grid that flips this image" (notebook 06, "Exercises").

    Args:
        answer: the learner's epsilon (np.inf if none flips it).
        model: the attacked model.
        image: one image (H, W, C).
        label: its true label.
        epsilons: the grid.

    Returns:
        Feedback.
    """
    from fgsm_edu.attacks import fgsm_sweep
    from fgsm_edu.robustness import first_flip

    value = as_number(answer) if not np.isinf(np.asarray(answer, np.float64)).all() else np.inf
    sweep = fgsm_sweep(model, image, label, epsilons)
    flipped = sweep.probabilities.argmax(-1) != label
    first = float(first_flip(flipped[:, None], sweep.epsilons)[0])
    wrong_at = dict(zip(sweep.epsilons.tolist(), flipped.tolist(), strict=True))
    if np.isclose(value, first, atol=1e-6) or value == first == np.inf:
        return right("ex_min_eps_right", eps=first)
    if first == np.inf:
        return wrong("ex_min_eps_never", "ex_min_eps_hint")
    match = [e for e in wrong_at if np.isclose(e, value, atol=1e-6)]
    if not match:
        return wrong("ex_min_eps_not_in_grid", "ex_min_eps_hint", answer=value)
    reason = "ex_min_eps_not_first" if wrong_at[match[0]] else "ex_min_eps_no_flip"
    return wrong(reason, "ex_min_eps_hint", answer=value)


@checker
def check_best_source(answer: Any, matrix: Any, target: str) -> Feedback:
    """Check "which other model's images lower the target's accuracy most" (notebook 06, "Exercises").

    Args:
        answer: the learner's source name.
        matrix: a ``transfer.TransferMatrix``.
        target: the target model's name.

    Returns:
        Feedback.
    """
    names, column = list(matrix.names), matrix.accuracy[:, list(matrix.names).index(target)]
    if str(answer) not in names:
        return wrong("ex_source_unknown", "ex_source_hint", answer=answer, names=", ".join(names))
    if str(answer) == target:
        return wrong("ex_source_self", "ex_source_hint", answer=answer)
    others = [i for i, n in enumerate(names) if n != target]
    best = min(others, key=lambda i: column[i])
    chosen = names.index(str(answer))
    if np.isclose(column[chosen], column[best]):
        return right("ex_source_right", source=answer, target=target, acc=column[chosen])
    return wrong("ex_source_weaker", "ex_source_hint", answer=answer, target=target, acc=column[chosen])


# --- Exercises where the learner writes the idea (lessons 05 and 06): the checkers live in implement.py ---

IMPLEMENTED = ("check_below_minimal", "check_broken_defence", "check_transfer_ratio")


def __getattr__(name: str) -> Any:
    """``exercises.check_*`` for the checkers in ``fgsm_edu.implement`` (notebooks 05 and 06, "Exercises")."""
    if name in IMPLEMENTED:
        from fgsm_edu import implement

        return getattr(implement, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
