"""robust_accuracy and the loss curves (notebook 05, "An evaluation you can trust")."""

from __future__ import annotations

import html

import numpy as np
import pytest
from matplotlib.figure import Figure

import fgsm_edu
from fgsm_edu.attacks import square_attack
from fgsm_edu.errors import InvalidArgumentError, InvalidTypeError
from fgsm_edu.gradients import cross_entropy
from fgsm_edu.robust_evaluation import pgd_loss_curves, robust_accuracy, show_loss_curves


def _correct(model, adv, y):
    return fgsm_edu.models.logits(model, adv).argmax(-1) == y


@pytest.fixture(scope="module")
def batch(digits):
    return digits.x_test[:90], digits.y_test[:90]


def test_worst_case_is_the_per_image_union_and_never_above_any_attack(batch, digits_cnn):
    x, y = batch
    fgsm_images = fgsm_edu.fgsm(digits_cnn, x, y, 0.1)
    pgd_images = fgsm_edu.pgd(digits_cnn, x, y, 0.1, steps=5, seed=0)
    table = {
        "none": lambda m, xb, yb, eps: xb,
        "fgsm": "fgsm",
        "pgd-5": lambda m, xb, yb, eps: pgd_images,
        "square": lambda m, xb, yb, eps: square_attack(m, xb, yb, eps, queries=100, seed=0),
    }
    result = robust_accuracy(digits_cnn, x, y, 0.1, table, batch_size=len(x))
    clean = _correct(digits_cnn, x, y)
    by_hand = clean & _correct(digits_cnn, fgsm_images, y) & _correct(digits_cnn, pgd_images, y)
    by_hand &= result.correct[3]
    np.testing.assert_array_equal(result.robust, by_hand)
    assert result.worst_case == pytest.approx(by_hand.mean())
    assert result.accuracy["none"] == pytest.approx(clean.mean()) == pytest.approx(result.clean)
    assert result.accuracy["fgsm"] == pytest.approx(_correct(digits_cnn, fgsm_images, y).mean())
    assert all(result.worst_case <= value for value in [result.clean, *result.accuracy.values()])
    assert result.worst_case < min(result.accuracy.values())  # the attacks fool different images


def test_batches_give_the_same_answer(batch, digits_cnn):
    x, y = batch
    whole = robust_accuracy(digits_cnn, x, y, 0.1, ["fgsm"])
    parts = robust_accuracy(digits_cnn, x, y, 0.1, ["fgsm"], batch_size=7)
    np.testing.assert_array_equal(whole.correct, parts.correct)


def test_default_attacks_and_the_table(batch, digits_cnn):
    x, y = batch
    result = robust_accuracy(digits_cnn, x[:30], y[:30], 0.1)
    assert result.names == ("fgsm", "pgd", "pgd_margin", "square") and result.correct.shape == (4, 30)
    text, page = str(result), result._repr_html_()
    for label in ["clean (no attack)", "PGD, 40 steps, margin loss (C&W)", "Square Attack", "worst case"]:
        assert label in text and html.escape(label) in page
    assert f"{result.worst_case:.1%}" in text.splitlines()[-1]
    fgsm_edu.set_language("ja")
    try:
        japanese = str(result)
        assert "すべての攻撃での最悪の場合" in japanese and "元の画像（攻撃なし）" in japanese
        assert "worst" not in japanese and "clean" not in japanese
    finally:
        fgsm_edu.set_language("en")


@pytest.mark.parametrize(
    ("attacks", "error", "match"),
    [
        ("deepfool", InvalidArgumentError, "unknown attack 'deepfool'"),
        ([], InvalidArgumentError, "at least one attack"),
        (42, InvalidArgumentError, "at least one attack"),
        ({"too far": lambda m, x, y, eps: np.clip(x + 2 * eps, 0, 1)}, InvalidArgumentError, "more than eps"),
        ({"brighter": lambda m, x, y, eps: x + eps}, InvalidArgumentError, "out of"),
        ({"one image": lambda m, x, y, eps: x[:1]}, InvalidTypeError, "returned shape"),
    ],
)
def test_bad_attacks_explain_themselves(batch, digits_cnn, attacks, error, match):
    x, y = batch
    with pytest.raises(error, match=match):
        robust_accuracy(digits_cnn, x[:4], y[:4], 0.1, attacks)


def test_bad_inputs_use_the_package_checks(batch, digits_cnn):
    x, y = batch
    with pytest.raises(InvalidArgumentError, match="labels"):
        robust_accuracy(digits_cnn, x[:4], y[:3], 0.1, ["fgsm"])
    with pytest.raises(InvalidArgumentError, match="0-255"):
        robust_accuracy(digits_cnn, x[:4] * 255, y[:4], 0.1, ["fgsm"])
    with pytest.raises(InvalidArgumentError, match="eps"):
        robust_accuracy(digits_cnn, x[:4], y[:4], -0.1, ["fgsm"])
    with pytest.raises(InvalidArgumentError, match="batch"):
        robust_accuracy(digits_cnn, x[:4], y[:4], 0.1, ["fgsm"], batch_size=0)
    fgsm_edu.set_language("ja")
    try:
        with pytest.raises(InvalidArgumentError, match="攻撃 'deepfool' はありません"):
            robust_accuracy(digits_cnn, x[:4], y[:4], 0.1, ["deepfool"])
    finally:
        fgsm_edu.set_language("en")


def test_loss_curves_follow_pgd_step_by_step(batch, digits_cnn):
    x, y = batch
    curves = pgd_loss_curves(digits_cnn, x, y, 0.1, steps=6, restarts=3, seed=4)
    assert curves.shape == (3, 7)
    final = fgsm_edu.pgd(digits_cnn, x, y, 0.1, steps=6, seed=4)
    logits = fgsm_edu.models.logits(digits_cnn, final)
    assert curves[0, -1] == pytest.approx(float(np.mean(cross_entropy(logits, y))), rel=1e-4)
    assert np.all(curves[:, -1] > curves[:, 0])  # the loss rises from the random start
    fig = show_loss_curves(curves)
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 3
    with pytest.raises(InvalidArgumentError, match="restarts"):
        pgd_loss_curves(digits_cnn, x, y, 0.1, restarts=0)
    with pytest.raises(InvalidArgumentError, match="curves must be"):
        show_loss_curves(np.zeros(5))
