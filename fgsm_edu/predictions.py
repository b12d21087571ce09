"""Predict, then measure: the learner writes a guess down before a measurement and compares it after.

Every lesson has at least one such pair of cells (notebook 01, "Predict first"): a cell that
records ``my_prediction = ...`` before the measurement runs, and one that calls
``compare_prediction`` on the measured value. A prediction is never "wrong" in the exercise
sense: the comparison says how far off it was, so the next section can explain why.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fgsm_edu.i18n import t


@dataclass(frozen=True)
class Comparison:
    """A prediction set beside its measurement: ``close`` (within tolerance, or the same choice) and a message."""

    close: bool
    message: str

    def __str__(self) -> str:
        return f"\u25b6 {self.message}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        colour = "#1b5e9f" if self.close else "#8a5a00"
        return (
            f"<div style='border-left:6px solid {colour};padding:0.5em 0.8em;font-size:1.1em'>"
            f"<b style='color:{colour}'>\u25b6</b> {html.escape(self.message)}</div>"
        )


def compare_prediction(
    guess: Any, measured: Any, tolerance: float | None = None, choices: Sequence[str] | None = None
) -> Comparison:
    """Set the learner's prediction beside the measured result (notebook 01, "Predict first").

    Args:
        guess: the learner's prediction: a number, one of ``choices``, or None if they made none.
        measured: the measured result: a number, or one of ``choices``.
        tolerance: for numbers, how far off still counts as close (default: 10% of the measured value).
        choices: for a choice between words (for example ``("higher", "lower")``), the allowed answers.

    Returns:
        A Comparison; it never raises on the learner's guess.
    """
    if guess is None or guess is Ellipsis:
        return Comparison(False, t("pred_none", measured=_show(measured)))
    if choices is not None:
        return _compare_choice(guess, measured, choices)
    try:
        value = float(np.asarray(guess, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        return Comparison(False, t("pred_not_a_number", guess=guess, measured=_show(measured)))
    return _compare_number(value, float(measured), tolerance)


def _compare_number(guess: float, measured: float, tolerance: float | None) -> Comparison:
    """Compare two numbers within a tolerance (10% of the measurement by default)."""
    tol = abs(measured) * 0.1 if tolerance is None else tolerance
    close = bool(abs(guess - measured) <= tol)
    key = "pred_number_close" if close else "pred_number_far"
    return Comparison(close, t(key, guess=_show(guess), measured=_show(measured), off=_show(abs(guess - measured))))


def _compare_choice(guess: Any, measured: Any, choices: Sequence[str]) -> Comparison:
    """Compare two choices from the same list of allowed answers."""
    if str(guess) not in choices:
        return Comparison(False, t("pred_not_a_choice", guess=guess, choices=", ".join(map(repr, choices))))
    close = str(guess) == str(measured)
    return Comparison(close, t("pred_choice_same" if close else "pred_choice_differ", guess=guess, measured=measured))


def _show(value: Any) -> str:
    """A number with four significant digits, anything else as it is."""
    return f"{value:.4g}" if isinstance(value, float | int | np.floating | np.integer) else str(value)
