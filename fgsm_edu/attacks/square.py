"""Square Attack (Andriushchenko, Croce, Flammarion & Hein 2020), L-inf: an attack that only queries the model.

It never computes a gradient: it tries a random square of +-eps at a time and keeps it when Carlini &
Wagner's margin improves. A defence that only hides its gradient (notebook 06's JPEG) does not stop it,
which is why it belongs to the checklist of notebook 05, "An evaluation you can trust". The schedule of
the square's size and the vertical-stripe start follow the authors' code (max-andr/square-attack,
``square_attack_linf``), batched over images. Where a square would change nothing, the authors draw its
signs again; here it takes the opposite sign in every channel (the same thing for grey images).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import tensorflow as tf

from fgsm_edu._compile import logits_graph, run
from fgsm_edu.checks import check_clip, check_eps, eps_limit, valid_range
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.gradients import margin, prepare
from fgsm_edu.i18n import t
from fgsm_edu.models import logits as forward_logits
from fgsm_edu.models import model_info

# The authors' schedule: p halves at these fractions of the query budget (in ten-thousandths).
_HALVINGS = (10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000)
# The authors' code never spends a query on a square that changes nothing (it draws again); ART's
# SquareAttack does. tests/test_square.py switches this off to compare the rest with ART.
_REDRAW = True


def square_fraction(p_init: float, iteration: int, queries: int) -> float:
    """The fraction p of pixels the square covers at an iteration: p_init, halved at fixed points (notebook 05).

    Args:
        p_init: the starting fraction (0.8 by default, as in AutoAttack and ART).
        iteration: the iteration, counted from 0.
        queries: the query budget.

    Returns:
        p_init / 2^k, where k counts the points of ``_HALVINGS`` below iteration / queries * 10,000.
    """
    point = int(iteration / queries * 10000)
    return p_init / 2 ** sum(point > h for h in _HALVINGS) if point <= 10000 else p_init


def _objective_graph(model: Any, x: tf.Tensor, y: tf.Tensor, sign: float) -> tf.Tensor:
    """The attacker's objective, positive once the attack succeeds: sign * (max_{j != y} z_j - z_y)."""
    return sign * margin(logits_graph(model, x), y)


def _square_step_graph(
    model: Any,
    x: tf.Tensor,
    best: tf.Tensor,
    y: tf.Tensor,
    corners: tf.Tensor,
    size: tf.Tensor,
    signs: tf.Tensor,
    eps: tf.Tensor,
    clip: tf.Tensor,
    sign: float,
    redraw: bool = True,
) -> tuple[tf.Tensor, tf.Tensor]:
    """One query per image: its square set to x +- eps (flipped if that changes nothing), and its objective."""
    rows, cols = tf.range(tf.shape(x)[1])[None], tf.range(tf.shape(x)[2])[None]
    top, left = corners[:, :1], corners[:, 1:]
    in_rows, in_cols = (rows >= top) & (rows < top + size), (cols >= left) & (cols < left + size)
    mask = in_rows[:, :, None, None] & in_cols[:, None, :, None]

    def with_square(s: tf.Tensor) -> tf.Tensor:
        return tf.where(mask, tf.clip_by_value(x + s * eps, clip[0], clip[1]), best)

    candidate = with_square(signs)
    if redraw:  # for one channel, the authors' "draw again" is the other sign
        unchanged = tf.reduce_all(tf.abs(candidate - best) < 1e-7, axis=[1, 2, 3])
        candidate = tf.where(unchanged[:, None, None, None], with_square(-signs), candidate)
    return candidate, _objective_graph(model, candidate, y, sign)


def square_attack(
    model: Any,
    x: Any,
    y: Any = None,
    eps: float = 0.03,
    *,
    queries: int = 1000,
    p_init: float = 0.8,
    targeted: bool = False,
    clip: tuple[float, float] | None = (0.0, 1.0),
    seed: int | None = None,
) -> np.ndarray:
    """Square Attack, L-inf: random squares of +-eps, kept when the margin improves; no gradients (notebook 05).

    Args:
        model: a model taking [0, 1] pixels and returning logits (only its outputs are used).
        x: one image or a batch, float32 in [0, 1].
        y: labels, or None for the model's prediction on the clean images.
        eps: the L-inf radius.
        queries: the most model evaluations per image, the vertical-stripe start included (the
            authors' n_iters); an image stops as soon as it is fooled.
        p_init: the square's starting share of the image's pixels; it halves along the budget.
        targeted: move towards ``y`` (raise z_y - max_{j != y} z_j) instead of away from it.
        clip: the valid pixel range (inputs must lie in it), or None for no clipping.
        seed: the random generator's seed (None: fresh).

    Returns:
        The adversarial images, same shape as ``x``; images the model already gets wrong stay clean.
    """
    low_high, valid = check_clip(clip), valid_range(clip)
    eps = check_eps(eps, limit=eps_limit(np.inf, model_info(model).input_shape, valid))
    queries, p_init = _check_budget(queries, p_init)
    batch, labels, single = prepare(model, x, y, targeted, valid)
    if y is None:
        labels = forward_logits(model, batch).argmax(-1).astype(np.int32)
    best = _square_search(model, batch, labels, eps, queries, p_init, low_high, targeted, seed)
    return best[0] if single else best


def _check_budget(queries: Any, p_init: Any) -> tuple[int, float]:
    """Check the query budget (a positive int) and p_init (a number in (0, 1])."""
    if isinstance(queries, bool) or not isinstance(queries, int | np.integer) or queries < 1:
        raise InvalidArgumentError(t("attacks.queries", queries=queries))
    if isinstance(p_init, bool) or not isinstance(p_init, int | float | np.number) or not 0 < p_init <= 1:
        raise InvalidArgumentError(t("attacks.p_init", p_init=p_init))
    return int(queries), float(p_init)


def _square_search(
    model: Any,
    x: np.ndarray,
    labels: np.ndarray,
    eps: float,
    queries: int,
    p_init: float,
    clip: tuple[float, float],
    targeted: bool,
    seed: int | None,
) -> np.ndarray:
    """The authors' loop: stripes first, then one square per image per query while the image resists."""
    sign, rng = (-1.0 if targeted else 1.0), np.random.default_rng(seed)
    n, h, w, c = x.shape
    consts = (tf.constant(eps, tf.float32), tf.constant(clip, tf.float32), sign)
    best, score = x.copy(), np.full(n, np.inf, np.float32)
    if n == 0:
        return best
    todo = np.flatnonzero(run(model, _objective_graph, x, tf.constant(labels), sign).numpy() <= 0)
    stripes = rng.choice(np.array([-eps, eps], np.float32), size=(len(todo), 1, w, c))
    best[todo] = np.clip(x[todo] + stripes, *clip)
    score[todo] = run(model, _objective_graph, best[todo], tf.constant(labels[todo]), sign).numpy()
    for i in range(queries - 1):
        todo = np.flatnonzero(score <= 0)
        if not todo.size:
            break
        size = min(max(round(math.sqrt(square_fraction(p_init, i, queries) * h * w)), 1), min(h, w) - 1)
        corners = np.stack([rng.integers(0, h - size, len(todo)), rng.integers(0, w - size, len(todo))], 1)
        signs = rng.choice(np.array([-1, 1], np.float32), size=(len(todo), 1, 1, c))
        args = (tf.constant(labels[todo]), tf.constant(corners, tf.int32), tf.constant(size), tf.constant(signs))
        candidate, new = run(model, _square_step_graph, x[todo], tf.constant(best[todo]), *args, *consts, _REDRAW)
        better = new.numpy() > score[todo]
        best[todo[better]], score[todo[better]] = candidate.numpy()[better], new.numpy()[better]
    return best
