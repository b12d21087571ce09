"""understanding.check_logits_from_probabilities: lesson 03's exercise 1 and the mistakes it recognises."""

from __future__ import annotations

import numpy as np
import pytest

import fgsm_edu as fe
from fgsm_edu.i18n import t
from fgsm_edu.understanding import check_logits_from_probabilities as check

LOGITS = np.array([[2.0, -1.0, 0.5], [10.0, 0.0, -3.0]])


@pytest.fixture(autouse=True)
def _english():
    fe.set_language("en")
    yield
    fe.set_language("en")  # the last test switches to Japanese


def probabilities() -> np.ndarray:
    return fe.models.softmax(LOGITS.astype(np.float32))


def reason(key: str) -> str:
    return t("not_quite", reason=t(key))


def test_log_of_the_probabilities_and_any_row_shift_are_right():
    p = probabilities()
    assert check(np.log(p), p).correct
    assert check(LOGITS + np.array([[5.0], [-7.0]]), p).correct  # the true logits, shifted per row
    assert check(np.array([[0.0, -np.inf]]), np.array([[1.0, 0.0]])).correct  # log 0 = -inf is fine


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        (lambda p: p, "understanding.logits_are_probabilities"),
        (lambda p: np.exp(p), "understanding.logits_exp"),
        (lambda p: -np.log(p), "understanding.logits_sign"),
        (lambda p: np.log10(p), "understanding.logits_log10"),
        (lambda p: np.log(p) * np.array([1.0, 2.0, 3.0]), "understanding.logits_mismatch"),
        (lambda p: np.full_like(p, np.nan), "understanding.logits_not_finite"),
    ],
)
def test_each_mistake_is_named(answer, key):
    p = probabilities()
    feedback = check(answer(p), p)
    assert not feedback.correct and feedback.message == reason(key)
    assert feedback.hint == t("hint", hint=t("understanding.logits_hint"))


def test_no_answer_and_wrong_shapes_give_feedback_not_errors():
    p = probabilities()
    assert not check(None, p).correct
    assert not check(np.zeros((3, 3)), p).correct  # wrong shape
    fe.set_language("ja")
    assert "確率そのもの" in check(p, p).message
