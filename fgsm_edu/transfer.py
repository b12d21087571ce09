"""Transfer: adversarial images made on one model, tested on another (notebook 06, "Transfer").

An attacker who cannot see a model's gradients (a black box) can attack a model of their own and
hope the images transfer. ``transfer_matrix`` measures how often they do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fgsm_edu.checks import as_image_batch, check_batch_size, check_eps, check_labels
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.evaluation import _adversarial, _eps_limit, _plan, _valid
from fgsm_edu.models import logits, model_info


@dataclass(frozen=True)
class TransferMatrix:
    """Accuracy of each target model on adversarial images made on each source model (notebook 06).

    ``accuracy[i, j]``: made on ``names[i]``, classified by ``names[j]``; the diagonal is the white-box attack.
    """

    names: tuple[str, ...]
    accuracy: np.ndarray  # (S, S)
    clean_accuracy: np.ndarray  # (S,) each model on the clean images
    eps: float


def _named(models: Any) -> tuple[tuple[str, ...], list[Any]]:
    """Accept {name: model} or a list of models (named by model_info); check they are comparable."""
    if isinstance(models, Mapping):
        names, found = tuple(str(k) for k in models), list(models.values())
    elif isinstance(models, Sequence) and not isinstance(models, str):
        found = list(models)
        names = tuple(model_info(m).name for m in found)
    else:
        raise InvalidArgumentError(f"models must be a dict {{name: model}} or a list of models, got {models!r}.")
    if len(found) < 2:
        raise InvalidArgumentError("a transfer matrix needs at least two models (a source and a target).")
    infos = [model_info(m) for m in found]
    if len({(i.input_shape, i.num_classes) for i in infos}) != 1:
        shapes = ", ".join(f"{n}: {i.input_shape} -> {i.num_classes}" for n, i in zip(names, infos, strict=True))
        raise InvalidArgumentError(f"the models must take the same images and classes, got {shapes}.")
    return names, found


def transfer_matrix(
    models: Any, x: Any, y: Any, eps: float, *, attack: str = "fgsm", batch_size: int = 256, **attack_kwargs: Any
) -> TransferMatrix:
    """Attack every model, then test every model on every model's adversarial images (notebook 06).

    Args:
        models: {name: model} or a list of models taking the same images and classes.
        x: the clean images (N, H, W, C), float32 in [0, 1].
        y: their true labels (N,).
        eps: the attack's epsilon.
        attack: "fgsm", "pgd" or "bim".
        batch_size: images per batch.
        **attack_kwargs: passed to the attack (as in ``evaluate``). For "pgd", ``seed`` seeds a
            generator that gives every (batch, source model) pair its own random start: reproducible
            with a seed, fresh each call with seed=None (the default, as in ``pgd`` and ``evaluate``).

    Returns:
        A TransferMatrix; its diagonal equals ``evaluate``'s accuracy at ``eps`` for FGSM and BIM.
    """
    names, found = _named(models)
    info, batch_size = model_info(found[0]), check_batch_size(batch_size)
    limit = _eps_limit(attack_kwargs, info.input_shape)  # as evaluate: by the norm and the clip range
    eps = check_eps(eps, limit=limit)
    _plan(attack, np.asarray([eps], np.float32), attack_kwargs, limit)
    batch, _ = as_image_batch(x, info.input_shape, _valid(attack_kwargs))
    labels = check_labels(y, len(batch), info.num_classes or None)
    if not len(batch):
        raise InvalidArgumentError("x holds no images; pass at least one (image, label) pair.")
    hits, clean = np.zeros((len(found), len(found))), np.zeros(len(found))
    starts = np.random.default_rng(attack_kwargs.get("seed"))  # one random start per (batch, source)
    for start in range(0, len(batch), batch_size):
        xb, yb = batch[start : start + batch_size], labels[start : start + batch_size]
        for i, source in enumerate(found):
            kwargs = {**attack_kwargs, "seed": int(starts.integers(2**32))} if attack == "pgd" else attack_kwargs
            adv, clean_pred = _adversarial(source, xb, yb, eps, attack, kwargs)
            clean[i] += np.sum(clean_pred == yb)
            hits[i] += [np.sum(logits(target, adv).argmax(-1) == yb) for target in found]
    return TransferMatrix(names, hits / len(batch), clean / len(batch), eps)
