"""An evaluation you can trust (Carlini et al. 2019): several attacks, and each image's worst case.

A defence's robust accuracy is the share of images that no attack fools: one image counts only if it
is classified correctly clean and under every attack. ``robust_accuracy`` reports that number beside
each attack's own accuracy; ``pgd_loss_curves`` and ``show_loss_curves`` show whether PGD's loss has
converged. Explained in notebook 05, "An evaluation you can trust".
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from fgsm_edu.attacks import fgsm, pgd, pgd_descend, pgd_plan, pgd_starts, square_attack
from fgsm_edu.checks import as_image_batch, check_batch_size, check_eps, check_labels
from fgsm_edu.errors import InvalidArgumentError, InvalidTypeError
from fgsm_edu.i18n import t
from fgsm_edu.models import logits as forward_logits
from fgsm_edu.models import model_info

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Attack = Callable[[Any, np.ndarray, np.ndarray, float], np.ndarray]  # (model, x, y, eps) -> adversarial x

# The attacks robust_accuracy knows by name; each takes (model, x, y, eps). Their labels are in the
# catalogue ([robust_evaluation] attack_<name>). Pass your own callables for other settings.
NAMED_ATTACKS: dict[str, Attack] = {
    "fgsm": lambda model, x, y, eps: fgsm(model, x, y, eps),
    "pgd": lambda model, x, y, eps: pgd(model, x, y, eps, steps=40, seed=0),
    "pgd_margin": lambda model, x, y, eps: pgd(model, x, y, eps, steps=40, seed=0, loss="margin"),
    "square": lambda model, x, y, eps: square_attack(model, x, y, eps, queries=1000, seed=0),
}
DEFAULT_ATTACKS = ("fgsm", "pgd", "pgd_margin", "square")


@dataclass(frozen=True)
class RobustAccuracy:
    """Accuracy clean, under each attack, and under each image's worst case (notebook 05).

    ``correct`` is (K, N): whether each of the K attacks left each image correctly classified.
    """

    eps: float
    names: tuple[str, ...]
    clean_correct: np.ndarray  # (N,) bool
    correct: np.ndarray  # (K, N) bool

    @property
    def robust(self) -> np.ndarray:
        """(N,) whether each image is correct clean and under every attack: its worst case."""
        return self.clean_correct & self.correct.all(axis=0)

    @property
    def clean(self) -> float:
        """Clean accuracy."""
        return float(self.clean_correct.mean()) if self.clean_correct.size else float("nan")

    @property
    def accuracy(self) -> dict[str, float]:
        """Accuracy under each attack, by name."""
        return {
            name: float(row.mean()) if row.size else float("nan")
            for name, row in zip(self.names, self.correct, strict=True)
        }

    @property
    def worst_case(self) -> float:
        """The number to report: the share of images that no attack fools."""
        return float(self.robust.mean()) if self.robust.size else float("nan")

    def rows(self) -> list[tuple[str, float]]:
        """(label, accuracy) rows in the current language: clean, each attack, the worst case last."""
        named = [(_label(name), value) for name, value in self.accuracy.items()]
        clean, worst = t("robust_evaluation.clean"), t("robust_evaluation.worst_case")
        return [(clean, self.clean), *named, (worst, self.worst_case)]

    def __str__(self) -> str:
        rows = self.rows()
        width = max(len(label) for label, _ in rows)
        lines = [t("robust_evaluation.title", eps=self.eps, n=self.clean_correct.size)]
        lines.append(f"{t('robust_evaluation.attack'):<{width}}  {t('robust_evaluation.accuracy')}")
        lines += [f"{label:<{width}}  {value:7.1%}" for label, value in rows]
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        rows = self.rows()
        cells = [
            f"<tr><td style='text-align:left'>{_bold(html.escape(label), i == len(rows) - 1)}</td>"
            f"<td>{_bold(f'{value:.1%}', i == len(rows) - 1)}</td></tr>"
            for i, (label, value) in enumerate(rows)
        ]
        head = f"<tr><th style='text-align:left'>{t('robust_evaluation.attack')}</th>"
        head += f"<th>{t('robust_evaluation.accuracy')}</th></tr>"
        caption = html.escape(t("robust_evaluation.title", eps=self.eps, n=self.clean_correct.size))
        return f"<table><caption>{caption}</caption>{head}{''.join(cells)}</table>"


def _bold(text: str, bold: bool) -> str:
    """``text`` in <b> when ``bold`` (the worst-case row: the number to report)."""
    return f"<b>{text}</b>" if bold else text


def _label(name: str) -> str:
    """A named attack's label from the catalogue; a user's attack keeps its own name."""
    return t(f"robust_evaluation.attack_{name}") if name in NAMED_ATTACKS else name


def _attacks(attacks: Any) -> dict[str, Attack]:
    """Turn names, or a mapping of names to names or callables, into {name: attack}."""
    if isinstance(attacks, str):
        attacks = (attacks,)
    if not isinstance(attacks, Mapping | Sequence) or not attacks:
        raise InvalidArgumentError(t("robust_evaluation.no_attacks", got=attacks))
    pairs = attacks.items() if isinstance(attacks, Mapping) else ((a, a) for a in attacks)
    out: dict[str, Attack] = {}
    for name, attack in pairs:
        if isinstance(attack, str) and attack in NAMED_ATTACKS:
            attack = NAMED_ATTACKS[attack]
        if not callable(attack):
            known = ", ".join(map(repr, NAMED_ATTACKS))
            raise InvalidArgumentError(t("robust_evaluation.unknown_attack", attack=attack, known=known))
        out[str(name)] = attack
    return out


def _correct(model: Any, name: str, attack: Attack, x: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    """Run one attack on one batch, check it stayed within eps and [0, 1], and say which images it missed."""
    adv = np.asarray(attack(model, x, y, eps), dtype=np.float32)
    if adv.shape != x.shape:
        raise InvalidTypeError(t("robust_evaluation.attack_shape", name=name, got=adv.shape, expected=x.shape))
    distance = float(np.abs(adv - x).max()) if x.size else 0.0
    if distance > eps + 1e-5 or (adv.size and (adv.min() < -1e-6 or adv.max() > 1 + 1e-6)):
        raise InvalidArgumentError(t("robust_evaluation.outside", name=name, distance=distance, eps=eps))
    return forward_logits(model, adv).argmax(-1) == y


def robust_accuracy(
    model: Any, x: Any, y: Any, eps: float, attacks: Any = DEFAULT_ATTACKS, *, batch_size: int = 500
) -> RobustAccuracy:
    """Accuracy under each attack and under each image's worst case, the number to report (notebook 05).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: a batch of images (N, H, W, C), float32 in [0, 1].
        y: the true labels, one per image.
        eps: the L-inf radius every attack must stay within (checked on its output).
        attacks: names from ``NAMED_ATTACKS`` ("fgsm", "pgd", "pgd_margin", "square"), or a mapping
            {name: a name or a callable (model, x, y, eps) -> adversarial x}, e.g.
            ``{"PGD-100 x 10": functools.partial(fe.pgd, steps=100, restarts=10, seed=0)}``.
        batch_size: images per batch handed to each attack.

    Returns:
        A RobustAccuracy; print it (or leave it as a cell's last line) for the table.
    """
    info = model_info(model)
    batch, _ = as_image_batch(x, info.input_shape)
    labels = check_labels(y, len(batch), info.num_classes or None)
    eps, size, chosen = check_eps(eps), check_batch_size(batch_size), _attacks(attacks)
    clean = forward_logits(model, batch).argmax(-1) == labels
    rows = [np.zeros(0, bool) for _ in chosen]
    for start in range(0, len(batch), size):
        xb, yb = batch[start : start + size], labels[start : start + size]
        done = [_correct(model, name, attack, xb, yb, eps) for name, attack in chosen.items()]
        rows = [np.concatenate([row, part]) for row, part in zip(rows, done, strict=True)]
    return RobustAccuracy(eps, tuple(chosen), clean, np.stack(rows) if rows else np.zeros((0, len(batch)), bool))


def pgd_loss_curves(
    model: Any,
    x: Any,
    y: Any,
    eps: float,
    *,
    steps: int = 40,
    restarts: int = 3,
    loss: str = "ce",
    step_size: float | None = None,
    seed: int | None = 0,
) -> np.ndarray:
    """PGD's loss at every step, averaged over the images, for a few random restarts (notebook 05).

    Curves that flatten out at the same height say more steps or restarts would change little.

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: a batch of images, float32 in [0, 1].
        y: the true labels, or None for the clean prediction.
        eps: the L-inf radius.
        steps: PGD steps per restart.
        restarts: how many random starts (drawn as ``pgd(..., restarts=...)`` draws them).
        loss: "ce" or "margin", as in ``pgd``.
        step_size: as in ``pgd`` (default 2.5 * eps / steps).
        seed: the seed of the random starts.

    Returns:
        (restarts, steps + 1) mean losses: at the start, then after each step.
    """
    plan = pgd_plan(
        model, x, y, eps, step_size=step_size, steps=steps, norm=np.inf, clip=(0.0, 1.0), targeted=False, loss=loss
    )
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 1:
        raise InvalidArgumentError(t("attacks.restarts", restarts=restarts))
    curves = []
    for start in pgd_starts(plan, True, seed, restarts):
        trace: list[float] = []
        pgd_descend(model, plan, start, trace)
        curves.append(trace)
    return np.asarray(curves, dtype=np.float32)


def show_loss_curves(curves: Any) -> Figure:
    """Plot ``pgd_loss_curves``: one line per restart, loss against step (notebook 05's checklist).

    Args:
        curves: (restarts, steps + 1) mean losses.

    Returns:
        The Figure.
    """
    from fgsm_edu.plots import _figure

    values = np.asarray(curves, dtype=np.float32)
    if values.ndim != 2 or not values.size:
        raise InvalidArgumentError(t("robust_evaluation.curves_shape", shape=values.shape))
    with _figure(9, 5.6) as fig:
        ax = fig.add_subplot()
        for i, row in enumerate(values):
            ax.plot(range(len(row)), row, linewidth=2.5, label=t("robust_evaluation.restart", i=i + 1))
        ax.set_xlabel(t("robust_evaluation.step"))
        ax.set_ylabel(t("robust_evaluation.mean_loss"))
        ax.grid(True, alpha=0.3)
        ax.legend()
        ax.set_title(t("robust_evaluation.curves_title", restarts=len(values)))
    return fig
