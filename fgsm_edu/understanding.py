"""Checkers for exercises that ask the learner to write the idea itself, not to recall an API call.

Each recognises the specific mistakes a learner makes on the way (notebook 03, "Exercises"); like
``fgsm_edu.exercises``, a checker returns Feedback and never raises on a wrong answer. Text comes from
the catalogue's ``[understanding]`` table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fgsm_edu.exercises import Feedback, as_array, checker, right, wrong

HINT = "understanding.logits_hint"


def _softmax(z: np.ndarray) -> np.ndarray:
    """A softmax that accepts -inf logits (probability 0), as log(0) gives them."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@checker
def check_logits_from_probabilities(answer: Any, probabilities: Any) -> Feedback:
    """Check logits recovered from a softmax model's probabilities (notebook 03, "Exercises").

    Correct: any logits whose softmax gives the probabilities, that is log p plus a constant per row.

    Args:
        answer: the learner's logits, shape (N, classes).
        probabilities: the softmax model's outputs, (N, classes).

    Returns:
        Feedback that names the mistake: the probabilities themselves, exp instead of log, log10,
        a flipped sign, NaN or +inf, or logits whose softmax is not the probabilities.
    """
    p = np.asarray(probabilities, np.float64)
    z = as_array(answer, p.shape).astype(np.float64)
    if np.isnan(z).any() or np.isposinf(z).any():
        return wrong("understanding.logits_not_finite", HINT)
    if np.allclose(z, p, atol=1e-6):
        return wrong("understanding.logits_are_probabilities", HINT)
    if np.allclose(z, np.exp(p), atol=1e-5):
        return wrong("understanding.logits_exp", HINT)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if np.allclose(_softmax(-z), p, atol=1e-5):
            return wrong("understanding.logits_sign", HINT)
        if np.allclose(_softmax(z * np.log(10.0)), p, atol=1e-5) and not np.allclose(_softmax(z), p, atol=1e-5):
            return wrong("understanding.logits_log10", HINT)
        if not np.allclose(_softmax(z), p, atol=1e-5):
            return wrong("understanding.logits_mismatch", HINT)
    return right("understanding.logits_right")
