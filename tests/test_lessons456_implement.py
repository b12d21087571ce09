"""The implement-the-idea exercises of lessons 05 and 06 (fgsm_edu.implement): each checker accepts the
idea written correctly and names the specific mistakes it recognises."""

from __future__ import annotations

import numpy as np
import pytest

import fgsm_edu as fe
from fgsm_edu import exercises, implement, robustness
from fgsm_edu.defences import jpeg_defence


@pytest.fixture(scope="module")
def digits():
    data = fe.load_mnist_data()
    return data.x_test[:40], data.y_test[:40]


@pytest.fixture(scope="module")
def cnn():
    return fe.load_model("mnist_cnn")


@pytest.fixture(scope="module")
def defended(cnn):
    return implement.scaled_logits(cnn)


def accuracy(model, x, y):
    return float(np.mean(fe.predict(model, x).ids[:, 0] == y))


def test_scaled_logits_classifies_as_the_model_but_masks_its_gradient(cnn, defended, digits):
    x, y = digits
    assert np.array_equal(fe.predict(defended, x).ids[:, 0], fe.predict(cnn, x).ids[:, 0])
    right = fe.predict(cnn, x).ids[:, 0] == y
    gradient = fe.input_gradient(defended, x[right], y[right])
    assert np.mean(~gradient.reshape(int(right.sum()), -1).any(axis=1)) > 0.9  # saturated softmax: exactly 0
    naive = fe.pgd(defended, x, y, eps=0.3, steps=10, seed=0)
    assert accuracy(defended, naive, y) > 0.8  # the naive attack barely works: the exercise needs an idea


def test_breaking_the_scaled_defence(cnn, defended, digits):
    x, y = digits
    check = exercises.check_broken_defence
    assert "\u2714" in str(check(fe.pgd(cnn, x, y, eps=0.3, steps=10, seed=0), defended, x, y, 0.3))
    assert not check(None, defended, x, y, 0.3)
    unmoved = check(x.copy(), defended, x, y, 0.3)
    assert not unmoved and unmoved.message == fe.exercises.wrong("implement.break_unmoved").message
    weak = check(fe.pgd(defended, x, y, eps=0.3, steps=10, seed=0), defended, x, y, 0.3)
    assert not weak and "%" in weak.message
    too_far = check(fe.pgd(cnn, x, y, eps=0.5, steps=10, seed=0), defended, x, y, 0.3)
    assert not too_far and "0.3000" in too_far.message
    assert not check(x[:5], defended, x, y, 0.3)  # wrong shape: feedback, not an exception


def test_bpda_by_hand_breaks_the_masked_jpeg_defence(cnn, digits):
    x, y = digits
    masked = jpeg_defence(cnn, 25, bpda=False)
    assert not exercises.check_broken_defence(fe.pgd(masked, x, y, eps=0.2, steps=10, seed=0), masked, x, y, 0.2, 0.3)
    from fgsm_edu import saving

    images = x.copy()
    for _ in range(10):
        gradient = fe.input_gradient(cnn, saving.round_trip(images, "jpeg", 25), y)
        images = np.clip(np.clip(images + 0.05 * np.sign(gradient), x - 0.2, x + 0.2), 0, 1)
    assert exercises.check_broken_defence(images, masked, x, y, 0.2, goal=0.3)


def test_closer_than_fgsm(cnn, digits):
    x, y = digits
    right = fe.predict(cnn, x).ids[:, 0] == y
    x, y = x[right], y[right]
    grid = np.round(np.linspace(0, 0.3, 61), 4)
    min_eps = robustness.minimal_epsilon(cnn, x, y, grid)
    j = int(np.flatnonzero(np.isfinite(min_eps))[0])
    image, label, bound = x[j], int(y[j]), float(min_eps[j])
    found = None
    for eps in grid[grid < bound]:
        candidate = fe.pgd(cnn, image, label, eps=eps, steps=20, seed=0)
        if fe.predict(cnn, candidate).ids[0] != label:
            found = candidate
            break
    assert found is not None, "PGD should find an adversarial image closer than FGSM's first flip"
    assert exercises.check_below_minimal(found, cnn, image, label, bound)
    fgsm_at_bound = fe.fgsm(cnn, image, label, eps=bound)
    not_closer = exercises.check_below_minimal(fgsm_at_bound, cnn, image, label, bound)
    assert not not_closer and f"{bound:.4f}" in not_closer.message
    assert not exercises.check_below_minimal(image, cnn, image, label, bound)  # the clean image is not fooled


def test_transfer_ratio(cnn, digits):
    x, y = digits
    linear = fe.load_model("mnist_linear")
    assert implement.transfer_ratio(linear, linear, x, y) == pytest.approx(1.0)
    ratio = implement.transfer_ratio(cnn, linear, x, y)
    assert -1.0 <= ratio < 1.0
    check = exercises.check_transfer_ratio
    assert check(ratio, cnn, linear, x, y)
    swapped = check(implement.transfer_ratio(linear, cnn, x, y), cnn, linear, x, y)
    assert not swapped and swapped.message == fe.exercises.wrong("implement.ratio_swapped").message
    assert not check(100 * ratio, cnn, linear, x, y)
    assert not check(None, cnn, linear, x, y)


def test_lesson_checks_use_exercises_and_every_feedback_key_exists_in_both_languages():
    from fgsm_edu.i18n import MESSAGES

    keys = [k for k in MESSAGES if k.startswith(("implement.", "lesson04.", "lesson05.", "lesson06."))]
    assert len(keys) > 60 and all(set(MESSAGES[k]) == {"en", "ja"} for k in keys)
    assert not any("False" in MESSAGES[k][lang] for k in keys for lang in ("en", "ja"))


def test_implement_imports_first_and_the_lessons_reach_its_checkers_through_exercises():
    import subprocess
    import sys

    code = "import fgsm_edu.implement as i, fgsm_edu.exercises as e\n"
    code += "assert e.check_broken_defence is i.check_broken_defence"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300).returncode == 0
