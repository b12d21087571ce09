"""ART's attacks on fgsm_edu's models, shared by the ART cross-check tests and benchmarks/robust_models.py.

ART (adversarial-robustness-toolbox, the dev extra) wraps a Keras 3 model as a ``TensorFlowV2Classifier``;
APGD with a ``loss_type`` works only with that wrapper (robust-training-facts.md, "AutoAttack and ART").
ART's ``AutoAttack`` imports ``multiprocess`` even when it runs in one process (``parallel_pool_size=0``);
where that package is missing, an empty stand-in module is put in its place.
"""

from __future__ import annotations

import sys
import types
import warnings
from typing import Any

import numpy as np


def art_classifier(model: Any) -> Any:
    """The model as ART's TensorFlowV2Classifier on pixels in [0, 1] (the model outputs logits)."""
    import keras
    from art.estimators.classification import TensorFlowV2Classifier

    from fgsm_edu.models import model_info

    info, loss = model_info(model), keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return TensorFlowV2Classifier(
        model, info.num_classes, tuple(info.input_shape), loss_object=loss, clip_values=(0.0, 1.0)
    )


def _ensure_multiprocess() -> None:
    """Give ART's AutoAttack the ``multiprocess`` module it imports, an empty one if it is not installed."""
    try:
        import multiprocess  # noqa: F401
    except ImportError:
        sys.modules.setdefault("multiprocess", types.ModuleType("multiprocess"))


def art_pgd_accuracy(model: Any, x: np.ndarray, y: np.ndarray, eps: float, restarts: int = 10) -> float:
    """Accuracy under ART's PGD-50 (step 0.01) with ``restarts`` random starts: Wong et al.'s evaluation.

    ART draws its random starts from NumPy's global generator: seed it (``np.random.seed``) to repeat a run.
    """
    from art.attacks.evasion import ProjectedGradientDescent

    attack = ProjectedGradientDescent(
        art_classifier(model), norm=np.inf, eps=eps, eps_step=0.01, max_iter=50, num_random_init=restarts,
        batch_size=len(x), verbose=False,
    )  # fmt: skip
    return _accuracy(model, x, y, eps, attack)


def art_autoattack_accuracy(model: Any, x: np.ndarray, y: np.ndarray, eps: float, queries: int = 1000) -> float:
    """Accuracy under ART's AutoAttack: APGD-CE and APGD-DLR (100 iterations, one start each), then Square Attack.

    Each attack runs on the images still classified correctly, as ART's AutoAttack does; ART's default adds
    DeepFool and five starts per attack. ``queries`` is Square Attack's budget (AutoAttack's standard: 5,000).
    """
    from art.attacks.evasion import AutoAttack, AutoProjectedGradientDescent, SquareAttack

    _ensure_multiprocess()
    classifier, batch = art_classifier(model), min(len(x), 500)
    apgd = [
        AutoProjectedGradientDescent(
            classifier,
            norm=np.inf,
            eps=eps,
            eps_step=0.1,
            max_iter=100,
            nb_random_init=1,
            batch_size=batch,
            loss_type=kind,
            verbose=False,
        )  # fmt: skip
        for kind in ("cross_entropy", "difference_logits_ratio")
    ]
    square = SquareAttack(classifier, norm=np.inf, eps=eps, max_iter=queries, p_init=0.8, nb_restarts=1, verbose=False)
    auto = AutoAttack(classifier, norm=np.inf, eps=eps, attacks=[*apgd, square], batch_size=batch)
    return _accuracy(model, x, y, eps, auto)


def _accuracy(model: Any, x: np.ndarray, y: np.ndarray, eps: float, attack: Any) -> float:
    """Run one ART attack, check its images stay in the eps ball and in [0, 1], and return the model's accuracy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adv = attack.generate(x, np.eye(10, dtype=np.float32)[y])
    assert np.abs(adv - x).max() <= eps + 1e-5 and adv.min() >= 0 and adv.max() <= 1
    predictions = np.concatenate([model(adv[i : i + 500]).numpy().argmax(-1) for i in range(0, len(adv), 500)])
    return float(np.mean(predictions == y))
