"""Accuracy and confidence over a whole dataset, for many epsilons at once (notebook 03).

Explained in notebook 03, "Accuracy vs epsilon". For FGSM each batch costs one gradient and
one batched forward pass of all its K x N adversarial images (the machinery of ``fgsm_sweep``);
only per-epsilon sums leave the graph, so memory stays flat however large the dataset is.
Any ``tf.distribute.Strategy`` spreads each batch over its replicas and sums the results.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from fgsm_edu._compile import logits_graph, run
from fgsm_edu.attacks import _pgd_step_graph, _run_fgsm, _sweep_graph, pgd, project
from fgsm_edu.checks import (
    as_image_batch,
    check_batch_size,
    check_clip,
    check_eps,
    check_epsilons,
    check_labels,
    check_norm,
    eps_limit,
    valid_range,
)
from fgsm_edu.errors import InvalidArgumentError, InvalidTypeError
from fgsm_edu.i18n import t
from fgsm_edu.models import logits, model_info, softmax

ATTACKS = ("fgsm", "pgd", "bim")
_KWARGS = {
    "fgsm": {"norm", "clip"},
    "pgd": {"norm", "clip", "steps", "step_size", "random_start", "seed"},
    "bim": {"norm", "clip", "steps", "step_size"},
}
Record = dict[str, Any]
PADDING = -1  # the label of a padding row (see _pad_for_replicas): left out of every sum


def _fgsm_sums(
    model: Any, x: tf.Tensor, y: tf.Tensor, epsilons: tf.Tensor, clip: tf.Tensor, norm: float
) -> tuple[tf.Tensor, tf.Tensor]:
    """Per-epsilon (correct count, summed top-1 confidence) of one batch: one gradient, one forward pass."""
    _, probs, _, _ = _sweep_graph(model, x, y, epsilons, clip, 1.0, norm)
    return _sums(probs, y)


def _sums(probs: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Reduce (K, N, classes) probabilities to per-epsilon correct counts and confidence sums.

    Rows labelled PADDING are masked out, so a padded batch sums to exactly what the real rows give.
    """
    mask = tf.cast(tf.not_equal(y, PADDING), tf.float32)[None]
    correct = tf.cast(tf.equal(tf.argmax(probs, -1, output_type=tf.int32), y[None]), tf.float32)
    return tf.reduce_sum(correct * mask, 1), tf.reduce_sum(tf.reduce_max(probs, -1) * mask, 1)


def _pgd_sums(
    model: Any,
    x: tf.Tensor,
    y: tf.Tensor,
    noise: tf.Tensor,
    epsilons: tf.Tensor,
    alphas: tf.Tensor,
    clip: tf.Tensor,
    norm: float,
    steps: int,
) -> tuple[tf.Tensor, tf.Tensor]:
    """PGD/BIM for all K epsilons at once (the batch tiled K times), then the same sums as FGSM."""
    k, n = tf.shape(epsilons)[0], tf.shape(x)[0]
    tiled = tf.reshape(tf.tile(x[None], [k, 1, 1, 1, 1]), tf.concat([[-1], tf.shape(x)[1:]], 0))
    eps = tf.reshape(tf.repeat(epsilons, n), [-1, 1, 1, 1])
    alpha = tf.reshape(tf.repeat(alphas, n), [-1, 1, 1, 1])
    labels = tf.tile(y, [k])
    start = tf.reshape(noise[None] * tf.reshape(epsilons, [-1, 1, 1, 1, 1]), tf.shape(tiled))
    adv = tf.clip_by_value(tiled + project(start, eps, norm), clip[0], clip[1])
    (adv,) = tf.while_loop(
        lambda _: True,
        lambda a: (_pgd_step_graph(model, tiled, a, labels, eps, alpha, clip, 1.0, norm),),
        (adv,),
        maximum_iterations=steps,
    )
    probs = tf.reshape(tf.nn.softmax(logits_graph(model, adv)), [k, n, -1])
    return _sums(probs, y)


@dataclass(frozen=True)
class _Plan:
    """A checked evaluation: the graph function and the constant arguments that follow (x, y)."""

    fn: Callable[..., tuple[tf.Tensor, tf.Tensor]]
    consts: tuple[Any, ...]
    statics: tuple[Any, ...]
    needs_noise: bool
    seed: int | None


def _valid(kwargs: dict[str, Any]) -> tuple[float, float]:
    """The pixel range the attack accepts: its explicit clip range, else [0, 1]."""
    return valid_range(kwargs.get("clip", (0.0, 1.0)))


def _eps_limit(kwargs: dict[str, Any], input_shape: tuple[int | None, ...]) -> float:
    """The largest sensible epsilon (and step size) for the attack's norm and pixel range on this model's images."""
    return eps_limit(check_norm(kwargs.get("norm", np.inf)), input_shape, _valid(kwargs))


def _plan(attack: str, epsilons: np.ndarray, kwargs: dict[str, Any], limit: float) -> _Plan:
    """Check the attack name and its keyword arguments; build the per-batch graph call."""
    if attack not in ATTACKS:
        raise InvalidArgumentError(t("errors.attack_name", attacks=", ".join(ATTACKS), attack=attack))
    unknown = sorted(set(kwargs) - _KWARGS[attack])
    if unknown:
        allowed = ", ".join(sorted(_KWARGS[attack]))
        unknown_names = ", ".join(unknown)
        raise InvalidArgumentError(t("errors.attack_kwargs", attack=attack, unknown=unknown_names, allowed=allowed))
    norm = check_norm(kwargs.get("norm", np.inf))
    clip = tf.constant(check_clip(kwargs.get("clip", (0.0, 1.0))), tf.float32)
    if attack == "fgsm":
        return _Plan(_fgsm_sums, (tf.constant(epsilons), clip), (norm,), False, None)
    if norm == 1:
        raise InvalidArgumentError(t("errors.attack_l1", attack=attack))
    steps = kwargs.get("steps", 10)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InvalidArgumentError(t("errors.steps", steps=steps))
    size = kwargs.get("step_size")
    # default step: 2.5 eps / steps, the rule of the Madry lab's robustness library (as pgd)
    alphas = epsilons * 2.5 / steps if size is None else np.full_like(epsilons, check_eps(size, "step_size", limit))
    random_start = attack == "pgd" and kwargs.get("random_start", True)
    consts = (tf.constant(epsilons), tf.constant(alphas, tf.float32), clip)
    return _Plan(_pgd_sums, consts, (norm, steps), bool(random_start), kwargs.get("seed"))


def _array_batches(
    x: Any, y: Any, batch_size: int, valid: tuple[float, float]
) -> tuple[Iterator[tuple[Any, Any]], int | None]:
    """Slice (x, y) arrays into batches, lazily."""
    x_arr, _ = as_image_batch(x, valid=valid)  # names the problem (None, a file name, a ragged list...) before len()
    y_arr = np.atleast_1d(np.asarray(y))
    if len(x_arr) != len(y_arr):
        raise InvalidArgumentError(t("errors.data_count", images=len(x_arr), labels=len(y_arr)))
    starts = range(0, len(x_arr), batch_size)
    return ((x_arr[i : i + batch_size], y_arr[i : i + batch_size]) for i in starts), len(starts)


def _dataset_batches(data: tf.data.Dataset) -> tuple[Iterator[tuple[Any, Any]], int | None]:
    """Iterate a tf.data.Dataset of (x, y) batches as numpy pairs."""
    spec = data.element_spec
    if not (isinstance(spec, tuple) and len(spec) == 2):
        raise InvalidArgumentError(t("errors.dataset_elements", spec=spec))
    total = int(data.cardinality())
    return data.as_numpy_iterator(), (total if total >= 0 else None)


def batches(
    data: Any, batch_size: int = 256, valid: tuple[float, float] = (0.0, 1.0)
) -> tuple[Iterator[tuple[Any, Any]], int | None]:
    """Turn evaluation data into an iterator of (x, y) batches and their number, if known.

    Args:
        data: an (x, y) pair of arrays, a DigitsData (its test split), or a tf.data.Dataset of (x, y) batches.
        batch_size: images per batch for arrays (a Dataset keeps its own batches).
        valid: the pixel range the images must lie in.

    Returns:
        (iterator of (x, y) numpy batches, number of batches or None).
    """
    batch_size = check_batch_size(batch_size)
    if isinstance(data, tf.data.Dataset):
        return _dataset_batches(data)
    if hasattr(data, "x_test") and hasattr(data, "y_test"):
        return _array_batches(data.x_test, data.y_test, batch_size, valid)
    if isinstance(data, tuple | list) and len(data) == 2:
        return _array_batches(data[0], data[1], batch_size, valid)
    raise InvalidTypeError(t("errors.data_type", type=type(data).__name__))


_DISTRIBUTED: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _distributed_step(strategy: tf.distribute.Strategy, model: Any, plan: _Plan) -> Callable[..., Any]:
    """``plan.fn`` on every replica of ``strategy``, sums reduced; compiled once per model, strategy and plan."""
    per_strategy = _DISTRIBUTED.setdefault(strategy, {})
    key = (id(model), plan.fn, plan.statics)
    if key not in per_strategy:

        def replica(*args: Any) -> tuple[tf.Tensor, tf.Tensor]:
            return plan.fn(model, *args, *plan.statics)

        def step(*args: Any) -> tuple[tf.Tensor, ...]:
            per_replica = strategy.run(replica, args=args)
            return tuple(strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None) for v in per_replica)

        per_strategy[key] = (tf.function(step, reduce_retracing=True), model)  # keeps id(model) valid
    return per_strategy[key][0]


def _pad_for_replicas(parts: tuple[np.ndarray, ...], replicas: int) -> tuple[np.ndarray, ...]:
    """Pad a batch (x, y[, noise]) to a positive multiple of ``replicas`` rows, so no replica gets an empty shard.

    Padding rows are zero images labelled PADDING, which ``_sums`` leaves out: the sums stay exact.

    Args:
        parts: the batch's arrays, each with N rows; parts[1] holds the labels.
        replicas: the strategy's number of replicas.

    Returns:
        The arrays with max(1, ceil(N / replicas)) * replicas rows.
    """
    n = len(parts[0])
    extra = max(1, -(-n // replicas)) * replicas - n
    padded = [np.pad(p, [(0, extra)] + [(0, 0)] * (p.ndim - 1)) for p in parts]
    padded[1][n:] = PADDING
    return tuple(padded)


def _shard(strategy: tf.distribute.Strategy, array: np.ndarray) -> Any:
    """Split one padded numpy batch into equal slices, one per replica."""
    parts = np.array_split(array, strategy.num_replicas_in_sync)
    return strategy.experimental_distribute_values_from_function(
        lambda ctx: tf.constant(parts[ctx.replica_id_in_sync_group])
    )


def _run_batch(model: Any, plan: _Plan, parts: tuple[np.ndarray, ...], strategy: Any) -> tuple[Any, Any]:
    """Run one checked batch (x, y[, noise]) on one device, or padded and spread over a strategy's replicas."""
    if strategy is None:
        x, *rest = parts
        return run(model, plan.fn, x, *(tf.constant(p) for p in rest), *plan.consts, *plan.statics)
    step = _distributed_step(strategy, model, plan)
    padded = _pad_for_replicas(parts, strategy.num_replicas_in_sync)
    return step(*(_shard(strategy, p) for p in padded), *plan.consts)


def _checked_parts(
    x_raw: Any, y_raw: Any, info: Any, plan: _Plan, rng: np.random.Generator, valid: tuple[float, float]
) -> tuple[np.ndarray, ...]:
    """Check one batch against the model; return (x, y), plus the random-start noise for PGD/BIM."""
    x, _ = as_image_batch(x_raw, info.input_shape, valid)
    y = check_labels(y_raw, len(x), info.num_classes or None)
    if plan.fn is not _pgd_sums:
        return x, y
    noise = rng.uniform(-1.0, 1.0, x.shape) if plan.needs_noise else np.zeros(x.shape)
    return x, y, noise.astype(np.float32)


def _as_given(epsilons: Any, checked: np.ndarray) -> list[float]:
    """The user's epsilons as Python floats (0.02, not 0.0199999996), one per checked float32 value."""
    given: dict[float, float] = {}
    for e in sorted(float(v) for v in np.ravel(np.asarray(epsilons, dtype=object))):
        given.setdefault(float(np.float32(e)), e)
    return [given[float(c)] for c in checked]


def evaluate(
    model: Any,
    data: Any,
    epsilons: Any = (0.0, 0.01, 0.02, 0.05, 0.1),
    *,
    attack: str = "fgsm",
    batch_size: int = 256,
    strategy: tf.distribute.Strategy | None = None,
    progress: bool = True,
    **attack_kwargs: Any,
) -> list[Record]:
    """Accuracy and mean confidence under attack, one record per epsilon (notebook 03, "Accuracy vs epsilon").

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        data: an (x, y) pair of arrays, a DigitsData (its test split), or a tf.data.Dataset of (x, y) batches.
        epsilons: the epsilons to evaluate (sorted, de-duplicated); 0 gives the clean accuracy.
        attack: "fgsm" (one gradient per batch serves every epsilon), "pgd" or "bim".
        batch_size: images per batch for arrays; lower it for large models (K x batch images per pass).
        strategy: any tf.distribute.Strategy (for example MirroredStrategy): each batch is padded so every
            replica gets at least one row, split, and the masked sums reduced, so the records equal the
            single-device ones whatever the dataset size, batch size and replica count.
        progress: show a tqdm progress bar over batches.
        **attack_kwargs: norm, clip (all attacks; an explicit clip is also the images' valid range);
            steps, step_size (pgd, bim); random_start, seed (pgd).

    Returns:
        A list of dicts with keys eps, accuracy, mean_confidence (of the predicted class) and n;
        ``pandas.DataFrame(records)`` shows it as a table.
    """
    info = model_info(model)
    limit = _eps_limit(attack_kwargs, info.input_shape)
    eps = check_epsilons(epsilons, limit=limit)
    plan = _plan(attack, eps, attack_kwargs, limit)
    rng = np.random.default_rng(plan.seed)
    valid = _valid(attack_kwargs)
    iterator, total = batches(data, batch_size, valid)
    correct, confidence, n = np.zeros(len(eps)), np.zeros(len(eps)), 0
    desc = t("evaluation.progress", attack=attack.upper())
    for x_raw, y_raw in tqdm(iterator, total=total, desc=desc, disable=not progress):
        parts = _checked_parts(x_raw, y_raw, info, plan, rng, valid)
        sums = _run_batch(model, plan, parts, strategy)
        correct, confidence = correct + np.asarray(sums[0]), confidence + np.asarray(sums[1])
        n += len(parts[0])
    if n == 0:
        raise InvalidArgumentError(t("errors.no_images"))
    return [
        {"eps": e, "accuracy": float(c / n), "mean_confidence": float(p / n), "n": n}
        for e, c, p in zip(_as_given(epsilons, eps), correct, confidence, strict=True)
    ]


@dataclass(frozen=True)
class Fooled:
    """The adversarial images a model got wrong most confidently (notebook 03, "Most confidently fooled").

    Arrays have one row per image, most confident first.
    """

    indices: np.ndarray  # (k,) positions in the dataset
    images: np.ndarray  # (k, H, W, C) adversarial images
    labels: np.ndarray  # (k,) true labels
    predicted: np.ndarray  # (k,) the model's (wrong) prediction on the adversarial image
    confidence: np.ndarray  # (k,) the probability of that prediction
    originals: np.ndarray | None = None  # (k, H, W, C) the clean images
    eps: float | None = None  # the epsilon used

    def __len__(self) -> int:
        return len(self.indices)


def _adversarial(model: Any, x: np.ndarray, y: np.ndarray, eps: float, attack: str, kwargs: dict[str, Any]) -> Any:
    """Adversarial images and the clean predictions of one batch."""
    if attack == "fgsm":
        adv, clean_logits, _ = _run_fgsm(model, x, y, eps, targeted=False, **{"norm": np.inf, "clip": (0, 1), **kwargs})
        return adv, clean_logits.argmax(-1)
    options: dict[str, Any] = {"random_start": False} if attack == "bim" else {}
    adv = pgd(model, x, y, eps, **options, **kwargs)
    return adv, logits(model, x).argmax(-1)


def most_confidently_fooled(
    model: Any,
    x: Any,
    y: Any,
    eps: float,
    k: int = 8,
    attack: str = "fgsm",
    batch_size: int = 256,
    **attack_kwargs: Any,
) -> Fooled:
    """The k images the model classified correctly but, once attacked, gets wrong most confidently (notebook 03).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: the images (N, H, W, C), float32 in [0, 1].
        y: their true labels (N,).
        eps: the attack's epsilon.
        k: how many to return (fewer if fewer are fooled).
        attack: "fgsm", "pgd" or "bim".
        batch_size: images per batch.
        **attack_kwargs: passed to the attack (as in ``evaluate``).

    Returns:
        A Fooled with indices, adversarial images, labels, predictions and confidences, most confident first.
    """
    info = model_info(model)
    limit = _eps_limit(attack_kwargs, info.input_shape)
    eps = check_eps(eps, limit=limit)
    _plan(attack, np.asarray([eps], np.float32), attack_kwargs, limit)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidArgumentError(t("errors.k", k=k))
    valid = _valid(attack_kwargs)
    iterator, _ = batches((x, y), batch_size, valid)
    best: list[tuple[float, int, np.ndarray, int, int, np.ndarray]] = []
    start = 0
    for x_raw, y_raw in iterator:
        xb, _ = as_image_batch(x_raw, info.input_shape, valid)
        yb = check_labels(y_raw, len(xb), info.num_classes or None)
        adv, clean_pred = _adversarial(model, xb, yb, eps, attack, attack_kwargs)
        probs = softmax(logits(model, adv))
        pred, conf = probs.argmax(-1), probs.max(-1)
        for i in np.flatnonzero((clean_pred == yb) & (pred != yb)):
            best.append((float(conf[i]), start + int(i), adv[i], int(yb[i]), int(pred[i]), xb[i]))
        best = sorted(best, key=lambda t: (-t[0], t[1]))[:k]
        start += len(xb)
    return _as_fooled(best, info.input_shape, eps)


def _as_fooled(best: list[tuple[float, int, np.ndarray, int, int, np.ndarray]], shape: Any, eps: float) -> Fooled:
    """Pack the kept candidates into a Fooled (empty arrays when nothing was fooled)."""
    empty = np.zeros((0, *[s or 0 for s in shape]), np.float32)
    return Fooled(
        indices=np.asarray([b[1] for b in best], np.int64),
        images=np.stack([b[2] for b in best]) if best else empty,
        labels=np.asarray([b[3] for b in best], np.int32),
        predicted=np.asarray([b[4] for b in best], np.int32),
        confidence=np.asarray([b[0] for b in best], np.float32),
        originals=np.stack([b[5] for b in best]) if best else empty,
        eps=eps,
    )
