"""Lesson 07's exercises and figures: a certified radius from counts, one universal step, an attack that survives.

Notebook 07 ("What can be proved") asks the learner to write each idea of the lesson: Cohen et al.'s
radius from noise counts (section 1), one step of the universal perturbation (section 2) and an
attack averaged over transformations (section 3). Each checker recomputes what the idea should give,
names the mistakes it recognises, and never raises on a wrong answer. Feedback, titles and legends
come from the catalogue (``[certificates]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from fgsm_edu.exercises import Feedback, as_array, as_number, checker, outside_ball, right, wrong
from fgsm_edu.i18n import t
from fgsm_edu.smoothing import lower_confidence_bound, radius_from_bound
from fgsm_edu.universal import universal_step

# --- Section 1: the certified radius ---------------------------------------------------------------------


def clopper_pearson_lower(count: int, n: int, alpha: float) -> float:
    """The one-sided Clopper-Pearson lower bound on a probability from ``count`` successes in ``n`` draws.

    It holds with probability at least 1 - alpha (notebook 07, section 1, "CERTIFY, term by term"); Cohen
    et al.'s code takes the lower end of the two-sided interval at level 2 alpha, the same number. It is
    ``smoothing.lower_confidence_bound`` for one count, the bound CERTIFY uses.

    Args:
        count: successes (the top class's count), 0 <= count <= n.
        n: draws.
        alpha: the failure probability.

    Returns:
        The lower bound, in [0, 1] (0 when count is 0).
    """
    return float(lower_confidence_bound(count, n, alpha))


def certified_radius(count: int, n: int, sigma: float, alpha: float) -> float:
    """Cohen et al.'s radius from the estimation counts: sigma * PhiInv(pA), 0 when pA < 1/2 (notebook 07, section 1).

    The same steps as ``smoothing.certify`` (``lower_confidence_bound``, then ``radius_from_bound``), for one count.

    Args:
        count: how many of the ``n`` noisy copies the base model gave the selected class.
        n: the estimation draws.
        sigma: the noise's standard deviation.
        alpha: the failure probability.

    Returns:
        The certified L2 radius (0.0 where CERTIFY abstains).
    """
    return float(radius_from_bound(clopper_pearson_lower(count, n, alpha), sigma))


def largest_radius(sigma: float, n: int, alpha: float) -> float:
    """The largest radius ``n`` draws can certify: sigma * PhiInv(alpha ** (1 / n)) (notebook 07, section 1).

    Args:
        sigma: the noise's standard deviation.
        n: the estimation draws.
        alpha: the failure probability.

    Returns:
        The radius of an image whose n noisy copies all get the same class.
    """
    return certified_radius(n, n, sigma, alpha)


def _mistaken_radii(count: int, n: int, sigma: float, alpha: float) -> dict[str, float]:
    """What the usual mistakes give: catalogue key of the mistake -> the radius it computes."""
    from scipy.stats import beta, norm

    p_hat, p_lower = count / n, clopper_pearson_lower(count, n, alpha)
    two_sided = float(beta.ppf(alpha / 2, count, n - count + 1)) if count > 0 else 0.0
    mistakes = {
        "certificates.radius_estimate": float(sigma * norm.ppf(p_hat)),
        "certificates.radius_no_sigma": float(norm.ppf(p_lower)),
        "certificates.radius_two_sided": float(sigma * norm.ppf(two_sided)),
    }
    if p_lower < 0.5:  # CERTIFY abstains: a radius from the formula anyway is negative
        mistakes["certificates.radius_no_abstain"] = float(sigma * norm.ppf(p_lower))
    return {key: r for key, r in mistakes.items() if np.isfinite(r)}


@checker
def check_certified_radius(answer: Any, count: int, n: int, sigma: float, alpha: float) -> Feedback:
    """Check the certified radius computed from counts (notebook 07, exercise 1).

    Args:
        answer: the learner's radius (0 where CERTIFY abstains).
        count: the selected class's count among the estimation draws.
        n: the estimation draws.
        sigma: the noise's standard deviation.
        alpha: the failure probability.

    Returns:
        Feedback.
    """
    expected = certified_radius(int(count), int(n), sigma, alpha)
    if np.size(answer) == 1 and np.isinf(np.asarray(answer, np.float64)).all():
        return wrong("certificates.radius_infinite", "certificates.radius_hint", expected=expected, sigma=sigma)
    value = as_number(answer)
    if abs(value - expected) <= 1e-4 * max(1.0, abs(expected)):
        return right("certificates.radius_right", answer=value, expected=expected, sigma=sigma)
    for key, radius in _mistaken_radii(int(count), int(n), sigma, alpha).items():
        if abs(value - radius) <= 1e-4 * max(1.0, abs(radius)):
            return wrong(key, "certificates.radius_hint", answer=value, expected=expected, sigma=sigma)
    return wrong("certificates.radius_off", "certificates.radius_hint", answer=value, expected=expected, sigma=sigma)


# --- Section 2: one step of the universal perturbation ------------------------------------------------------


def _agrees(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two perturbations agree on at least 99.5% of the pixels (a sign of a sum near 0 may differ)."""
    return bool(np.mean(np.abs(a - b) <= 1e-5) >= 0.995)


@checker
def check_universal_step(answer: Any, model: Any, x: Any, y: Any, delta: Any, eps: float, step: float) -> Feedback:
    """Check one step of the universal perturbation (notebook 07, exercise 2).

    Args:
        answer: the learner's new perturbation, (H, W, C).
        model: the attacked model.
        x: (N, H, W, C) the images of the step.
        y: (N,) their labels.
        delta: (H, W, C) the perturbation before the step.
        eps: the L-inf budget.
        step: the step size.

    Returns:
        Feedback.
    """
    from fgsm_edu.gradients import input_gradient

    images, start = np.asarray(x, np.float32), np.asarray(delta, np.float32)
    if np.ndim(answer) == images.ndim and np.shape(answer)[1:] == start.shape:
        return wrong("certificates.step_per_image", "certificates.step_hint", eps=eps)
    arr = as_array(answer, start.shape)
    expected = universal_step(model, images, y, start, eps, step)  # universal_fgsm's own step
    if _agrees(arr, expected):
        return right("certificates.step_right", share=float(np.mean(arr != 0)))
    grads = input_gradient(model, np.clip(images + start, 0.0, 1.0), y)
    mistakes = {
        "certificates.step_descent": np.clip(start - step * np.sign(grads.sum(0)), -eps, eps),
        "certificates.step_votes": np.clip(start + step * np.sign(np.sign(grads).sum(0)), -eps, eps),
        "certificates.step_no_projection": start + step * np.sign(grads.sum(0)),
        "certificates.step_at_x": np.clip(start + step * np.sign(input_gradient(model, images, y).sum(0)), -eps, eps),
    }
    for key, candidate in mistakes.items():
        if _agrees(arr, candidate.astype(np.float32)):
            return wrong(key, "certificates.step_hint", eps=eps)
    return wrong("certificates.step_off", "certificates.step_hint", eps=eps)


# --- Section 3: an attack that survives the transformations ---------------------------------------------------


@checker
def check_survives(
    answer: Any, model: Any, x: Any, y: Any, eps: float, transforms: Any, goal: float, draws: int = 20, seed: int = 1
) -> Feedback:
    """Check adversarial images that stay adversarial after random transformations (notebook 07, exercise 3).

    Args:
        answer: the learner's images, shaped like ``x``.
        model: the attacked model.
        x: the clean images.
        y: their labels.
        eps: the L-inf budget.
        transforms: an ``eot.Transforms``.
        goal: the survival rate to reach (or exceed).
        draws: transformations per image in the check.
        seed: the seed of the check's draws (not the ones the learner may have used).

    Returns:
        Feedback.
    """
    from fgsm_edu.eot import survival_rate
    from fgsm_edu.models import predict

    clean = np.asarray(x, np.float32)
    arr = as_array(answer, clean.shape)
    box = ("implement.outside_pixels", "implement.box_hint")
    outside = outside_ball(arr, clean, eps, box, ("implement.outside_eps", "implement.box_hint"))
    if outside is not None:
        return outside
    rate = survival_rate(model, arr, y, transforms, draws=draws, seed=seed)
    if rate >= goal:
        return right("certificates.survive_right", rate=rate, goal=goal)
    if np.abs(arr - clean).max() < 1e-6:
        return wrong("certificates.survive_unmoved", "certificates.survive_hint", goal=goal)
    labels = np.asarray(y)
    fooled = float(np.mean(np.reshape(predict(model, arr).ids, (len(labels), -1))[:, 0] != labels))
    key = "certificates.survive_fragile" if fooled >= goal else "certificates.survive_weak"
    return wrong(key, "certificates.survive_hint", rate=rate, goal=goal, fooled=fooled)


# --- Figures -------------------------------------------------------------------------------------------------


def show_certified_accuracy(
    measured: Mapping[float, tuple[Sequence[float], Sequence[float]]],
    published: Mapping[float, Mapping[float, tuple[float, float] | None]],
) -> Figure:
    """Certified accuracy against L2 radius per sigma, beside the published numbers (notebook 07, section 1).

    Args:
        measured: sigma -> (radii, certified accuracy at each radius).
        published: sigma -> {radius: (lowest, highest) published accuracy, or None}.

    Returns:
        The Figure: lines for the measured curves, bars for the published ranges, one colour per sigma.
    """
    from fgsm_edu.plots import _figure

    with _figure(9, 5.5) as fig:
        ax = fig.add_subplot()
        for i, (sigma, (radii, accuracy)) in enumerate(sorted(measured.items())):
            colour = f"C{i}"
            ax.plot(radii, accuracy, color=colour, label=t("certificates.measured", sigma=sigma))
            points = [(r, span) for r, span in published.get(sigma, {}).items() if span is not None]
            for j, (r, (low, high)) in enumerate(points):
                label = t("certificates.published", sigma=sigma) if j == 0 else None
                ax.errorbar([r], [(low + high) / 2], yerr=[[(high - low) / 2]], color=colour, fmt="o", label=label)
        ax.set_xlabel(t("certificates.radius_axis"))
        ax.set_ylabel(t("certificates.accuracy_axis"))
        ax.set_ylim(0, 1.02)
        ax.set_title(t("certificates.title"))
        ax.legend(fontsize=9)
    return fig


def show_noisy(image: Any, sigmas: Sequence[float], seed: int = 0) -> Figure:
    """One image with Gaussian noise at each sigma, as the base model sees it (notebook 07, section 1).

    Args:
        image: (H, W, C) in [0, 1].
        sigmas: the noise levels.
        seed: the noise's seed.

    Returns:
        The Figure: the image, then one noisy copy per sigma (shown clipped to [0, 1]).
    """
    from fgsm_edu.plots import _draw, _figure, _one_image

    arr, rng = _one_image(image), np.random.default_rng(seed)
    panels = [(t("certificates.clean"), arr)] + [
        (t("certificates.noisy", sigma=s), arr + rng.normal(0, s, arr.shape).astype(np.float32)) for s in sigmas
    ]
    with _figure(2.6 * len(panels), 3.0) as fig:
        for ax, (title, shown) in zip(fig.subplots(1, len(panels)), panels, strict=True):
            _draw(ax, np.clip(shown, 0.0, 1.0))
            ax.set_title(title)
    return fig
