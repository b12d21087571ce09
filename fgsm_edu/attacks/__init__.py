"""FGSM and friends: adv_x = clip(x + eps * sign(grad_x J(theta, x, y))).

Explained in notebook 01 ("The FGSM equation, term by term") and notebook 04 ("Beyond FGSM").
L2 and L1 fast-gradient variants follow CleverHans's ``optimize_linear`` exactly. PGD's restarts and
margin loss, and the gradient-free Square Attack (``fgsm_edu.attacks.square``), belong to notebook 05,
"An evaluation you can trust".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from fgsm_edu import saving
from fgsm_edu._compile import logits_graph, run
from fgsm_edu.attacks.square import square_attack
from fgsm_edu.checks import check_clip, check_eps, check_epsilons, check_norm, eps_limit, valid_range
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.gradients import LOSSES, attack_loss, loss_gradient_graph, prepare
from fgsm_edu.i18n import t
from fgsm_edu.models import logits as forward_logits
from fgsm_edu.models import model_info

__all__ = [
    "PgdPlan",
    "Sweep",
    "bim",
    "direction",
    "fgsm",
    "fgsm_sweep",
    "pgd",
    "pgd_descend",
    "pgd_plan",
    "pgd_score",
    "pgd_starts",
    "project",
    "square_attack",
]

_TINY = 1e-12


def direction(grad: tf.Tensor, norm: float) -> tf.Tensor:
    """The unit step that maximises the linearised loss: sign(grad) for L-inf (notebook 04).

    Args:
        grad: (N, H, W, C) input gradients.
        norm: np.inf (sign), 2 (grad / ||grad||_2) or 1 (all weight on the largest |grad|).

    Returns:
        The perturbation direction, same shape as ``grad``.
    """
    axes = list(range(1, len(grad.shape)))
    if norm == np.inf:
        return tf.sign(grad)
    if norm == 2:
        return grad / tf.sqrt(tf.maximum(_TINY, tf.reduce_sum(tf.square(grad), axes, keepdims=True)))
    abs_grad = tf.abs(grad)
    ties = tf.cast(tf.equal(abs_grad, tf.reduce_max(abs_grad, axes, keepdims=True)), grad.dtype)
    return tf.sign(grad) * ties / tf.reduce_sum(ties, axes, keepdims=True)


def _fgsm_graph(
    model: Any,
    x: tf.Tensor,
    y: tf.Tensor,
    eps: tf.Tensor,
    clip: tf.Tensor,
    sign: float,
    norm: float,
    quantized: bool = False,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """One fast-gradient step, compiled: returns (adversarial images, clean logits, labels used)."""
    grad, logits, labels = loss_gradient_graph(model, x, y)
    adv = tf.clip_by_value(x + sign * eps * direction(grad, norm), clip[0], clip[1])
    return (saving.quantize(adv, x, eps) if quantized else adv), logits, labels


def _options(
    model: Any, norm: Any, clip: Any, quantize: Any
) -> tuple[float, tuple[float, float], tuple[float, float], bool, float]:
    """Check the options every attack shares: norm, clip (also the inputs' valid range) and quantize.

    Returns:
        (norm, clip range, valid pixel range, quantize, the largest sensible epsilon for them).
    """
    norm, low_high, valid = check_norm(norm), check_clip(clip), valid_range(clip)
    quantized = saving.check_quantize(quantize, low_high, norm)
    return norm, low_high, valid, quantized, eps_limit(norm, model_info(model).input_shape, valid)


def fgsm(
    model: Any,
    x: Any,
    y: Any = None,
    eps: float = 0.01,
    *,
    targeted: bool = False,
    norm: float = np.inf,
    clip: tuple[float, float] | None = (0.0, 1.0),
    quantize: bool = False,
) -> np.ndarray:
    """The Fast Gradient Sign Method (notebook 01, "The FGSM equation, term by term").

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: one image (H, W, C) or a batch (N, H, W, C), float32 in [0, 1].
        y: true labels; None uses the model's own prediction (avoids label leaking).
            With ``targeted=True``, the classes to move towards.
        eps: the step size, a fraction of the pixel range (8/255 = eight grey levels).
        targeted: move towards ``y`` (descend its loss) instead of away from it.
        norm: np.inf (FGSM), 2 or 1 (fast gradient methods, as in CleverHans).
        clip: the valid pixel range: inputs must lie in it and outputs are clipped to it;
            None disables clipping (inputs then follow the [0, 1] convention).
        quantize: put the result on the 8-bit grid (multiples of 1/255), within eps of ``x`` (or half
            a grey level, where no level is that close), so that it survives being saved as a PNG (notebook 06).

    Returns:
        The adversarial images, same shape as ``x``, float32.
    """
    adv, _, _ = _run_fgsm(model, x, y, eps, targeted=targeted, norm=norm, clip=clip, quantized=quantize)
    return adv


def _run_fgsm(
    model: Any, x: Any, y: Any, eps: Any, *, targeted: bool, norm: Any, clip: Any, quantized: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check arguments, then run the compiled step; returns numpy (adv, logits, labels)."""
    norm, low_high, valid, quantized, limit = _options(model, norm, clip, quantized)
    eps = check_eps(eps, limit=limit)
    batch, labels, single = prepare(model, x, y, targeted, valid)
    adv, logits, used = run(
        model,
        _fgsm_graph,
        batch,
        tf.constant(labels),
        tf.constant(eps, tf.float32),
        tf.constant(low_high, tf.float32),
        -1.0 if targeted else 1.0,
        norm,
        quantized,
    )
    adv = adv.numpy()
    return (adv[0] if single else adv), logits.numpy(), used.numpy()


@dataclass(frozen=True)
class Sweep:
    """FGSM at many epsilons from one gradient (notebook 01, "Comparing epsilons").

    Shapes: K epsilons, N images; single-image sweeps drop the N axis.
    """

    epsilons: np.ndarray  # (K,), sorted ascending, duplicates removed
    images: np.ndarray  # (K, N, H, W, C) adversarial images
    probabilities: np.ndarray  # (K, N, classes)
    perturbation: np.ndarray  # (N, H, W, C): the direction, sign(grad) for L-inf
    labels: np.ndarray  # (N,) the labels attacked (true, target, or predicted)

    def top1(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the top-1 class ids and confidences, each (K, N) (or (K,) for one image)."""
        return self.probabilities.argmax(-1), self.probabilities.max(-1)


def _sweep_graph(
    model: Any,
    x: tf.Tensor,
    y: tf.Tensor,
    epsilons: tf.Tensor,
    clip: tf.Tensor,
    sign: float,
    norm: float,
    quantized: bool = False,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """One gradient, then all K x N adversarial images through the model in one batched pass."""
    grad, _, labels = loss_gradient_graph(model, x, y)
    step = direction(grad, norm)
    shape = tf.shape(x)
    eps = tf.reshape(epsilons, [-1, 1, 1, 1, 1])
    adv = tf.clip_by_value(x[None] + sign * eps * step[None], clip[0], clip[1])
    adv = saving.quantize(adv, x[None], eps) if quantized else adv
    flat = tf.reshape(adv, tf.concat([[-1], shape[1:]], 0))
    probs = tf.nn.softmax(logits_graph(model, flat))
    return adv, tf.reshape(probs, [tf.shape(epsilons)[0], shape[0], tf.shape(probs)[-1]]), step, labels


def fgsm_sweep(
    model: Any,
    x: Any,
    y: Any = None,
    epsilons: Any = (0.0, 0.005, 0.05, 0.075),
    *,
    targeted: bool = False,
    norm: float = np.inf,
    clip: tuple[float, float] | None = (0.0, 1.0),
    quantize: bool = False,
) -> Sweep:
    """FGSM at many epsilons with one gradient and one batched forward pass (notebook 01).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: one image or a batch, float32 in [0, 1].
        y: labels, or None for the model's own prediction.
        epsilons: the epsilons to compare; they are sorted and de-duplicated.
        targeted: move towards ``y`` instead of away from it.
        norm: np.inf, 2 or 1.
        clip: the valid pixel range (inputs must lie in it), or None for no clipping.
        quantize: put every adversarial image on the 8-bit grid before it is classified (notebook 06).

    Returns:
        A Sweep with the adversarial images and the model's probabilities for each epsilon.
    """
    norm, low_high, valid, quantized, limit = _options(model, norm, clip, quantize)
    eps = check_epsilons(epsilons, limit=limit)
    batch, labels, single = prepare(model, x, y, targeted, valid)
    adv, probs, step, used = run(
        model,
        _sweep_graph,
        batch,
        tf.constant(labels),
        tf.constant(eps),
        tf.constant(low_high, tf.float32),
        -1.0 if targeted else 1.0,
        norm,
        quantized,
    )
    adv, probs, step, used = adv.numpy(), probs.numpy(), step.numpy(), used.numpy()
    if single:
        return Sweep(eps, adv[:, 0], probs[:, 0], step[0], used)
    return Sweep(eps, adv, probs, step, used)


def project(eta: tf.Tensor, eps: tf.Tensor, norm: float) -> tf.Tensor:
    """Project a perturbation back into the eps-ball (L-inf: clip; L2: rescale), as CleverHans does.

    Args:
        eta: (N, H, W, C) perturbations.
        eps: the ball's radius.
        norm: np.inf or 2.

    Returns:
        The projected perturbation.
    """
    if norm == np.inf:
        return tf.clip_by_value(eta, -eps, eps)
    axes = list(range(1, len(eta.shape)))
    length = tf.sqrt(tf.maximum(_TINY, tf.reduce_sum(tf.square(eta), axes, keepdims=True)))
    return eta * tf.minimum(1.0, eps / length)


def _pgd_step_graph(
    model: Any,
    x: tf.Tensor,
    adv: tf.Tensor,
    y: tf.Tensor,
    eps: tf.Tensor,
    step_size: tf.Tensor,
    clip: tf.Tensor,
    sign: float,
    norm: float,
    loss: str = "ce",
) -> tf.Tensor:
    """One projected step: a fast-gradient step from ``adv``, projected around ``x``, clipped."""
    grad, _, _ = loss_gradient_graph(model, adv, y, loss)
    moved = tf.clip_by_value(adv + sign * step_size * direction(grad, norm), clip[0], clip[1])
    return tf.clip_by_value(x + project(moved - x, eps, norm), clip[0], clip[1])


def _score_graph(model: Any, adv: tf.Tensor, y: tf.Tensor, sign: float, loss: str) -> tuple[tf.Tensor, tf.Tensor]:
    """Each image's attack objective (sign * loss) and whether it is fooled (untargeted) or hit (targeted)."""
    logits = logits_graph(model, adv)
    predicted = tf.argmax(logits, -1, output_type=tf.int32)
    fooled = tf.equal(predicted, y) if sign < 0 else tf.not_equal(predicted, y)
    return sign * attack_loss(logits, y, loss), fooled


@dataclass(frozen=True)
class PgdPlan:
    """A checked PGD run as tensors, shared by ``pgd`` and the loss-vs-step curves (notebook 05)."""

    x: tf.Tensor  # (N, H, W, C) the clean batch
    labels: tf.Tensor  # (N,) int32: true, target, or the clean prediction
    eps: tf.Tensor
    alpha: tf.Tensor
    clip: tf.Tensor
    sign: float  # +1 untargeted, -1 targeted
    norm: float
    steps: int
    loss: str
    eps_value: float
    single: bool


def pgd_plan(
    model: Any, x: Any, y: Any, eps: Any, *, step_size: Any, steps: Any, norm: Any, clip: Any, targeted: bool, loss: Any
) -> PgdPlan:
    """Check PGD's arguments once; the labels for y=None are the clean prediction (notebook 04).

    Args:
        model, x, y, eps, step_size, steps, norm, clip, targeted, loss: as in ``pgd``.

    Returns:
        A PgdPlan of tensors, so repeated runs never retrace.
    """
    norm, low_high, valid, _, limit = _options(model, norm, clip, False)
    eps = check_eps(eps, limit=limit)
    if norm == 1:
        raise InvalidArgumentError(t("attacks.pgd_l1"))
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InvalidArgumentError(t("errors.steps", steps=steps))
    if not isinstance(loss, str) or loss not in LOSSES:
        raise InvalidArgumentError(t("attacks.loss", loss=loss, losses=", ".join(map(repr, LOSSES))))
    alpha = check_eps(2.5 * eps / steps if step_size is None else step_size, name="step_size", limit=limit)
    batch, labels, single = prepare(model, x, y, targeted, valid)
    if y is None:  # fix the labels once: the model's prediction on the clean images (a forward pass)
        labels = forward_logits(model, batch).argmax(-1).astype(np.int32)
    consts = (tf.constant(batch), tf.constant(labels), tf.constant(eps, tf.float32), tf.constant(alpha, tf.float32))
    return PgdPlan(
        *consts, tf.constant(low_high, tf.float32), -1.0 if targeted else 1.0, norm, steps, loss, eps, single
    )


def pgd_starts(plan: PgdPlan, random_start: bool, seed: int | None, restarts: int) -> Iterator[tf.Tensor]:
    """The starting points of the restarts, drawn in turn from one generator: the first is ``restarts=1``'s.

    Args:
        plan: the checked run.
        random_start: uniform in the L-inf eps-box (projected for L2), or x itself.
        seed: the generator's seed (None: fresh).
        restarts: how many starting points.

    Returns:
        An iterator of (N, H, W, C) starting points.
    """
    rng = np.random.default_rng(seed)
    for _ in range(restarts):
        if not random_start:
            yield plan.x
            continue
        noise = tf.constant(rng.uniform(-plan.eps_value, plan.eps_value, plan.x.shape).astype(np.float32))
        yield tf.clip_by_value(plan.x + project(noise, plan.eps, plan.norm), plan.clip[0], plan.clip[1])


def pgd_score(model: Any, plan: PgdPlan, adv: tf.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Each image's attack objective (its loss, negated for targeted) and whether the attack succeeded.

    Args:
        model: the attacked model.
        plan: the checked run.
        adv: (N, H, W, C) candidate images.

    Returns:
        ((N,) objectives, (N,) bool successes).
    """
    score, fooled = run(model, _score_graph, adv, plan.labels, plan.sign, plan.loss)
    return score.numpy(), fooled.numpy()


def pgd_descend(model: Any, plan: PgdPlan, adv: tf.Tensor, trace: list[float] | None = None) -> tf.Tensor:
    """Run the plan's steps from one starting point (one compiled step per call, no retracing).

    Args:
        model: the attacked model.
        plan: the checked run.
        adv: the starting point.
        trace: if given, the mean objective over the images is appended at the start and after each
            step (notebook 05, "An evaluation you can trust": do the loss curves converge?).

    Returns:
        The images after ``plan.steps`` projected steps.
    """
    args = (plan.labels, plan.eps, plan.alpha, plan.clip, plan.sign, plan.norm, plan.loss)
    for step in range(plan.steps + 1):
        if trace is not None:
            trace.append(float(np.mean(pgd_score(model, plan, adv)[0])))
        if step < plan.steps:
            adv = run(model, _pgd_step_graph, plan.x, adv, *args)
    return adv


def pgd(
    model: Any,
    x: Any,
    y: Any = None,
    eps: float = 0.03,
    *,
    step_size: float | None = None,
    steps: int = 10,
    norm: float = np.inf,
    clip: tuple[float, float] | None = (0.0, 1.0),
    targeted: bool = False,
    random_start: bool = True,
    seed: int | None = None,
    quantize: bool = False,
    restarts: int = 1,
    loss: str = "ce",
) -> np.ndarray:
    """Projected gradient descent: repeated small FGSM steps kept inside the eps-ball (notebook 04).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: one image or a batch, float32 in [0, 1].
        y: labels, or None for the model's prediction on the clean images (computed once).
        eps: the radius of the allowed perturbation.
        step_size: the size of each step; it may exceed eps (the projection keeps the result within
            eps). Default 2.5 * eps / steps, the rule of the Madry lab's ``robustness`` library; Madry
            et al. (2017) themselves used 40 steps of 0.01 on MNIST and 7 steps of 2/255 on CIFAR-10.
        steps: the number of steps.
        norm: np.inf or 2.
        clip: the valid pixel range (inputs must lie in it), or None for no clipping.
        targeted: move towards ``y`` instead of away from it.
        random_start: start from a uniformly random point in the L-inf eps-box; for norm=2 that box
            sample is then projected onto the L2 ball (not uniform in the ball, as CleverHans samples).
        seed: the seed of that random start (None: a fresh one each call).
        quantize: put the result on the 8-bit grid, within max(eps, half a grey level) of ``x`` (notebook 06).
        restarts: run PGD from this many random starts and keep each image's worst case: the first
            restart that fools it, else the one with the highest loss (notebook 05, "An evaluation you
            can trust"). The first start is the one ``restarts=1`` uses with the same seed.
        loss: "ce" (cross-entropy) or "margin" (Carlini & Wagner's max_{j != y} z_j - z_y on logits).

    Returns:
        The adversarial images, same shape as ``x``.
    """
    quantized = _options(model, norm, clip, quantize)[3]
    plan = pgd_plan(
        model, x, y, eps, step_size=step_size, steps=steps, norm=norm, clip=clip, targeted=targeted, loss=loss
    )
    starts = pgd_starts(plan, random_start, seed, _check_restarts(restarts, random_start))
    best, best_score, best_fooled = _pgd_result(model, plan, next(starts), quantized)
    for start in starts:
        adv, score, fooled = _pgd_result(model, plan, start, quantized)
        take = ~best_fooled & (fooled | (score > best_score))
        best[take], best_score[take] = adv[take], score[take]
        best_fooled |= fooled
    return best[0] if plan.single else best


def _pgd_result(
    model: Any, plan: PgdPlan, start: tf.Tensor, quantized: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One restart: descend from ``start`` (then quantize if asked); return the images, objectives, successes."""
    adv = pgd_descend(model, plan, start)
    adv = saving.quantize(adv, plan.x, plan.eps) if quantized else adv
    return (adv.numpy(), *pgd_score(model, plan, adv))


def _check_restarts(restarts: Any, random_start: bool) -> int:
    """Check ``restarts``: a positive int, and more than one only with a random start (notebook 05)."""
    if isinstance(restarts, bool) or not isinstance(restarts, int | np.integer) or restarts < 1:
        raise InvalidArgumentError(t("attacks.restarts", restarts=restarts))
    if restarts > 1 and not random_start:
        raise InvalidArgumentError(t("attacks.restarts_no_random", restarts=restarts))
    return int(restarts)


def bim(model: Any, x: Any, y: Any = None, eps: float = 0.03, **kwargs: Any) -> np.ndarray:
    """The Basic Iterative Method: PGD without the random start (notebook 04, "Iterate: BIM and PGD").

    Its defaults are ``pgd``'s (10 steps of 2.5 * eps / 10), not Kurakin et al.'s (2016): they took
    steps of one grey level, alpha = 1/255, and N = min(eps * 255 + 4, 1.25 * eps * 255) of them (eps
    in [0, 1] units). For theirs: ``bim(model, x, y, eps, step_size=1/255,
    steps=max(1, math.ceil(min(eps * 255 + 4, 1.25 * eps * 255))))``.

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: one image or a batch, float32 in [0, 1].
        y: labels, or None for the model's prediction on the clean images (computed once).
        eps: the radius of the allowed perturbation.
        **kwargs: step_size, steps, norm, clip, targeted, quantize (as in ``pgd``).

    Returns:
        The adversarial images, same shape as ``x``.
    """
    return pgd(model, x, y, eps, random_start=False, **kwargs)
