"""Recorded adversarial-training runs shipped with the package (notebook 05, "Catastrophic overfitting").

Each file in ``assets/histories/`` was written by ``python -m fgsm_edu.train_digits <name>`` (the same
script that trains the shipped robust models): the recipe's exact settings and, after each epoch, the
accuracy on 1,000 held-out training images (never trained on) of the clean images, of FGSM at the
recipe's eps and of PGD-20 (one random start, seed 0).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.i18n import t

HISTORY_DIR = Path(__file__).parent / "assets" / "histories"


@dataclass(frozen=True)
class TrainingHistory:
    """One recorded run: its settings and, per epoch, the held-out accuracies and the mean training loss."""

    name: str
    settings: dict[str, Any]
    loss: list[float]
    clean: list[float]
    fgsm: list[float]
    pgd: list[float]
    seconds: list[float]
    data: str
    held_out: dict[str, Any]

    @property
    def best_epoch(self) -> int:
        """The epoch (from 1) with the best held-out PGD accuracy: where early stopping would keep the weights."""
        return max(range(len(self.pgd)), key=self.pgd.__getitem__) + 1


def available_histories() -> tuple[str, ...]:
    """The names of the shipped histories (notebook 05, "Catastrophic overfitting").

    Returns:
        The names, sorted.
    """
    return tuple(sorted(p.stem for p in HISTORY_DIR.glob("*.json")))


def load_history(name: str) -> TrainingHistory:
    """Load a shipped training history, offline (notebook 05, "Catastrophic overfitting").

    Args:
        name: one of ``available_histories()``.

    Returns:
        The TrainingHistory.
    """
    known = available_histories()
    if name not in known:
        raise InvalidArgumentError(t("robust_training.unknown_history", name=name, known=", ".join(known)))
    raw = json.loads((HISTORY_DIR / f"{name}.json").read_text(encoding="utf-8"))
    fields = ("settings", "loss", "clean", "fgsm", "pgd", "seconds", "data", "held_out")
    return TrainingHistory(name=name, **{key: raw[key] for key in fields})
