"""The exercise checkers accept the solutions and reject wrong answers with a helpful message (never raising)."""

from __future__ import annotations

import numpy as np
import pytest

import fgsm_edu as fe
from fgsm_edu import exercises as ex
from fgsm_edu.environment import parse_version, version_problems


@pytest.fixture(scope="module")
def digit(digits, digits_cnn):
    """Lesson 01's offline digit and its label."""
    i = fe.lessons.lesson_digit(digits_cnn, digits.x_test, digits.y_test)
    return digits.x_test[i], int(digits.y_test[i])


def assert_rejected(feedback: ex.Feedback, *words: str) -> None:
    """A rejection says "Not quite", gives a hint, and mentions the given words."""
    assert isinstance(feedback, ex.Feedback) and not feedback.correct
    assert feedback.message.startswith(("Not quite", "Not yet")) and feedback.hint.startswith("Hint")
    for word in words:
        assert word in str(feedback), (word, str(feedback))


def test_feedback_renders_as_text_and_escaped_html():
    good, bad = ex.Feedback(True, "Correct!"), ex.Feedback(False, "a < b", "try <this>")
    assert bool(good) and not bool(bad)
    assert str(good).startswith("\u2714") and "try <this>" in str(bad)
    assert "a &lt; b" in bad._repr_html_() and "<this>" not in bad._repr_html_()
    from IPython.lib.pretty import pretty

    assert pretty(bad) == str(bad)


def test_perturbation_solution_is_accepted(digits_cnn, digit):
    image, label = digit
    gradient = fe.input_gradient(digits_cnn, image, label)
    assert ex.check_perturbation(np.sign(gradient), digits_cnn, image, label).correct
    import tensorflow as tf

    assert ex.check_perturbation(tf.sign(tf.constant(gradient)), digits_cnn, image, label).correct


def test_perturbation_mistakes_get_specific_hints(digits_cnn, digit):
    image, label = digit
    gradient = fe.input_gradient(digits_cnn, image, label)
    check = ex.check_perturbation
    assert_rejected(check(None, digits_cnn, image, label), "no answer")
    assert_rejected(check(gradient, digits_cnn, image, label), "raw gradient", "sign")
    assert_rejected(check(-np.sign(gradient), digits_cnn, image, label), "opposite")
    assert_rejected(check(0.1 * np.sign(gradient), digits_cnn, image, label), "0.1", "eps")
    assert_rejected(check(np.ones_like(image), digits_cnn, image, label), "match")
    assert_rejected(check(np.zeros((3, 3)), digits_cnn, image, label), "shape (3, 3)")
    assert_rejected(check("a string", digits_cnn, image, label), "could not be checked")


def test_eps_units():
    assert ex.check_eps_units(0.05, 0.1).correct
    assert_rejected(ex.check_eps_units(0.1, 0.1), "unchanged", "half")
    assert_rejected(ex.check_eps_units(0.2, 0.1), "twice")
    assert_rejected(ex.check_eps_units(0.3, 0.1), "0.3")
    assert_rejected(ex.check_eps_units([1, 2], 0.1), "one number")


def test_flip_eps_accepts_the_smallest_and_rejects_too_small_or_too_big(digits_cnn, digit):
    image, label = digit
    smallest = ex.smallest_flipping_eps(digits_cnn, image, label)
    assert smallest is not None and 0.05 < smallest <= 0.075  # lesson_digit's promise
    adversarial = fe.fgsm(digits_cnn, image, label, eps=smallest)
    assert fe.predict(digits_cnn, adversarial).ids[0] != label
    assert ex.check_flip_eps(smallest, digits_cnn, image, label).correct
    assert_rejected(ex.check_flip_eps(0.0, digits_cnn, image, label), "still says")
    assert_rejected(ex.check_flip_eps(smallest + 0.1, digits_cnn, image, label), "smaller")
    assert_rejected(ex.check_flip_eps(-0.1, digits_cnn, image, label), ">= 0")


def test_feedback_follows_the_language(digits_cnn, digit):
    fe.set_language("ja")
    try:
        feedback = ex.check_eps_units(0.1, 0.1)
        assert feedback.message.startswith("惜しい") and "ヒント" in feedback.hint
    finally:
        fe.set_language("en")


def test_environment_versions():
    assert parse_version("2.21.0rc1") == (2, 21, 0) and parse_version("dev") == ()
    fine = {"python": "3.11.4", "tensorflow": "2.21.0", "keras": "3.12.0", "ipywidgets": "8.1.7"}
    assert version_problems(fine) == []
    problems = version_problems({**fine, "tensorflow": "2.15.1", "ipywidgets": None})
    assert len(problems) == 2
    assert "tensorflow 2.15.1 is too old" in problems[0] and "pip install -U" in problems[0]
    assert "ipywidgets is not installed" in problems[1]


def test_check_environment_prints_one_line(capsys):
    fe.check_environment()
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "tensorflow" in out and fe.__version__ in out


def test_check_environment_raises_with_the_fix(monkeypatch):
    monkeypatch.setattr(fe.environment, "installed_versions", lambda: {"python": "3.11.0", "keras": "2.15.0"})
    with pytest.raises(fe.FgsmEduError) as info:
        fe.check_environment()
    lines = str(info.value).splitlines()
    assert lines[0].startswith("tensorflow is not installed") and "pip install" in lines[0]
    assert lines[1].startswith("keras 2.15.0 is too old") and "restart the kernel" in lines[-1]


@pytest.fixture(scope="module")
def linear_case(digits, digits_linear):
    """A test digit, its class y and the runner-up class c of the linear model."""
    image, y = digits.x_test[0], int(digits.y_test[0])
    z = fe.models.logits(digits_linear, image[None])[0]
    z[y] = -np.inf
    return image, y, int(np.argmax(z))


def test_linear_change_solution_matches_the_measured_change(digits_linear, linear_case):
    image, y, c = linear_case
    kernel, _ = ex.dense_weights(digits_linear)
    eps, d = 0.1, kernel[:, c] - kernel[:, y]
    predicted = eps * np.abs(d).sum()
    moved = fe.models.logits(digits_linear, (image + eps * np.sign(d).reshape(image.shape))[None])[0]
    clean = fe.models.logits(digits_linear, image[None])[0]
    np.testing.assert_allclose((moved[c] - moved[y]) - (clean[c] - clean[y]), predicted, rtol=1e-4)
    assert ex.check_linear_change(predicted, digits_linear, eps, y, c).correct


def test_linear_change_mistakes(digits_linear, linear_case):
    _, y, c = linear_case
    kernel, _ = ex.dense_weights(digits_linear)
    eps, d = 0.1, kernel[:, c] - kernel[:, y]
    check = ex.check_linear_change
    assert_rejected(check(np.abs(d).sum(), digits_linear, eps, y, c), "step size")
    assert_rejected(check(eps * np.linalg.norm(d), digits_linear, eps, y, c), "L2")
    assert_rejected(check(eps * d.sum(), digits_linear, eps, y, c), "absolute")
    assert_rejected(check(-eps * np.abs(d).sum(), digits_linear, eps, y, c), "sign")
    assert_rejected(check(1.0, digits_linear, eps, y, c), "np.abs(W[:, c] - W[:, y]).sum()")


def test_linear_flip_eps_solution_flips_the_label(digits_linear, linear_case):
    image, y, c = linear_case
    kernel, bias = ex.dense_weights(digits_linear)
    z = image.reshape(-1) @ kernel + bias
    d = kernel[:, c] - kernel[:, y]
    eps = (z[y] - z[c]) / np.abs(d).sum()
    assert ex.check_linear_flip_eps(eps, digits_linear, image, y, c).correct
    past = fe.models.logits(digits_linear, (image + 1.01 * eps * np.sign(d).reshape(image.shape))[None])[0]
    assert past[c] > past[y]
    assert_rejected(ex.check_linear_flip_eps(1 / eps, digits_linear, image, y, c), "upside down")
    assert_rejected(ex.check_linear_flip_eps(eps / 2, digits_linear, image, y, c), "gap")
    assert_rejected(ex.check_linear_flip_eps(None, digits_linear, image, y, c), "no answer")


def test_dense_weights_refuses_a_non_linear_model(digits_cnn):
    feedback = ex.check_linear_change(0.1, digits_cnn, 0.1, 0, 1)
    assert_rejected(feedback, "one Dense layer")
