"""Lessons 03 to 05's exercise checkers: they accept the solutions and reject usual slips with a hint."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import fgsm_edu as fe
from fgsm_edu import exercises as ex


def assert_rejected(feedback: ex.Feedback, *words: str) -> None:
    """A rejection says "Not quite", gives a hint, and mentions the given words."""
    assert isinstance(feedback, ex.Feedback) and not feedback.correct
    assert feedback.message.startswith(("Not quite", "Not yet")) and feedback.hint.startswith("Hint")
    for word in words:
        assert word in str(feedback), (word, str(feedback))


@pytest.fixture(scope="module")
def soft_model(digits_cnn):
    """The digits CNN with a softmax on top: it outputs probabilities."""
    return keras.Sequential([keras.Input((8, 8, 1)), digits_cnn, keras.layers.Softmax()])


# --- lesson 03 ---


def test_logits_model_accepts_wrap_model(soft_model, digits):
    feedback = ex.check_logits_model(fe.wrap_model(soft_model), soft_model, digits.x_test[:16])
    assert feedback.correct and "logits" in feedback.message


def test_logits_model_rejects_the_softmax_model_and_other_models(soft_model, digits, digits_linear):
    assert_rejected(ex.check_logits_model(soft_model, soft_model, digits.x_test[:16]), "probabilities")
    assert_rejected(ex.check_logits_model(digits_linear, soft_model, digits.x_test[:16]), "differs")
    assert_rejected(ex.check_logits_model("wrap_model", soft_model, digits.x_test[:16]), "str")
    assert_rejected(ex.check_logits_model(None, soft_model, digits.x_test[:16]), "no answer")


@pytest.fixture(scope="module")
def records(digits_cnn, digits):
    return fe.evaluate(digits_cnn, (digits.x_test, digits.y_test), [0.0, 0.05, 0.1, 0.15, 0.2], progress=False)


def test_accuracy_drop_eps_is_the_first_eps_below_the_level(records):
    expected = ex.accuracy_drop_eps(records, 0.5)
    assert expected is not None
    below = [r["eps"] for r in records if r["accuracy"] < 0.5]
    above = [r["eps"] for r in records if r["accuracy"] >= 0.5]
    assert expected == min(below) and all(e < expected for e in above)
    assert ex.check_accuracy_drop_eps(expected, records).correct
    assert ex.accuracy_drop_eps(records, 0.0) is None


def test_accuracy_drop_eps_rejects_too_small_too_big_and_unknown(records):
    eps = [r["eps"] for r in records]
    expected = ex.accuracy_drop_eps(records, 0.5)
    smaller, bigger = eps[eps.index(expected) - 1], eps[eps.index(expected) + 1] if expected != eps[-1] else None
    assert_rejected(ex.check_accuracy_drop_eps(smaller, records), "still")
    if bigger is not None:
        assert_rejected(ex.check_accuracy_drop_eps(bigger, records), "smaller")
    assert_rejected(ex.check_accuracy_drop_eps(0.123, records), "not one of")
    assert_rejected(ex.check_accuracy_drop_eps(None, records), "no answer")


# --- lesson 04 ---


def test_targeted_accepts_a_targeted_pgd_image_and_names_misses(digits_cnn, digits):
    image, label = digits.x_test[0], int(digits.y_test[0])
    target = (label + 1) % 10
    adv = fe.pgd(digits_cnn, image, target, eps=0.3, steps=40, targeted=True, seed=0)
    assert int(fe.predict(digits_cnn, adv).ids[0]) == target
    assert ex.check_targeted(adv, digits_cnn, image, target, 0.3).correct
    assert_rejected(ex.check_targeted(image, digits_cnn, image, target, 0.3), "reads this image as")
    assert_rejected(ex.check_targeted(np.clip(adv + 0.2, 0, 1), digits_cnn, image, target, 0.3), "more than")
    assert_rejected(ex.check_targeted(adv - 0.5, digits_cnn, image, target, 0.3), "outside")
    assert_rejected(ex.check_targeted(adv[..., 0], digits_cnn, image, target, 0.3), "shape")


@pytest.fixture(scope="module")
def bim_case(digits_cnn, digits):
    x, y = digits.x_test[:8], digits.y_test[:8]
    x_adv = fe.bim(digits_cnn, x, y, eps=0.1, steps=2, step_size=0.06)
    return x, y, x_adv


def test_bim_step_accepts_the_step_and_diagnoses_slips(digits_cnn, bim_case):
    x, y, x_adv = bim_case
    step = ex.bim_step(digits_cnn, x, x_adv, y, 0.1, 0.05)
    assert np.abs(step - x).max() <= 0.1 + 1e-6
    assert ex.check_bim_step(step, digits_cnn, x, x_adv, y, 0.1, 0.05).correct
    sign = np.sign(fe.input_gradient(digits_cnn, x_adv, y))
    unprojected = np.clip(x_adv + 0.05 * sign, 0, 1)
    assert not np.allclose(unprojected, step, atol=1e-5)
    assert_rejected(ex.check_bim_step(unprojected, digits_cnn, x, x_adv, y, 0.1, 0.05), "box")
    opposite = ex.bim_step(digits_cnn, x, x_adv, y, 0.1, -0.05)
    assert_rejected(ex.check_bim_step(opposite, digits_cnn, x, x_adv, y, 0.1, 0.05), "down the loss")
    assert_rejected(ex.check_bim_step(x, digits_cnn, x, x_adv, y, 0.1, 0.05), "match")


def test_bim_step_matches_the_package_bim(digits_cnn, digits):
    x, y = digits.x_test[:8], digits.y_test[:8]
    one = fe.bim(digits_cnn, x, y, eps=0.1, steps=1, step_size=0.04)
    two = fe.bim(digits_cnn, x, y, eps=0.1, steps=2, step_size=0.04)
    np.testing.assert_allclose(ex.bim_step(digits_cnn, x, one, y, 0.1, 0.04), two, atol=1e-6)


# --- lesson 05 ---


def test_adversarial_loss_accepts_the_objective_and_names_slips(digits_linear, digits):
    model = digits_linear  # its clean loss is large enough to tell the sum from the adversarial term alone
    x, y = digits.x_train[:64], digits.y_train[:64]
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    clean = float(loss(y, model(x)))
    adv = float(loss(y, model(fe.fgsm(model, x, y, eps=0.2))))
    assert adv > clean
    assert ex.check_adversarial_loss(0.5 * clean + 0.5 * adv, model, x, y, 0.2).correct
    assert np.isclose(ex.adversarial_loss(model, x, y, 0.2), 0.5 * clean + 0.5 * adv, rtol=1e-4)
    assert_rejected(ex.check_adversarial_loss(clean, model, x, y, 0.2), "clean loss alone")
    assert_rejected(ex.check_adversarial_loss(adv, model, x, y, 0.2), "adversarial loss alone")
    assert_rejected(ex.check_adversarial_loss(clean + adv, model, x, y, 0.2), "sum")
    assert_rejected(ex.check_adversarial_loss(123.0, model, x, y, 0.2), "123")


def test_worst_case_wants_the_lowest_accuracy():
    accuracies = {"FGSM": 0.42, "PGD": 0.01, "BIM": 0.05}
    feedback = ex.check_worst_case(0.01, accuracies)
    assert feedback.correct and "PGD" in feedback.message
    assert_rejected(ex.check_worst_case(0.42, accuracies), "FGSM")
    assert_rejected(ex.check_worst_case(42, accuracies), "percentage")
    assert_rejected(ex.check_worst_case(0.3, accuracies), "none of")
    assert_rejected(ex.check_worst_case("PGD", accuracies), "could not be checked")


def test_lesson345_feedback_in_japanese(digits_cnn, digits):
    fe.set_language("ja")
    try:
        feedback = ex.check_worst_case(0.42, {"FGSM": 0.42, "PGD": 0.01})
        assert "FGSM" in feedback.message and "正解率" in feedback.message
    finally:
        fe.set_language("en")
