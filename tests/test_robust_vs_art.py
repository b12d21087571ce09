"""The shipped robust models: the robust accuracy lesson 05 reports is never above ART's on the same images.

Lesson 05 reports ``robust_accuracy``'s per-image worst case over PGD-40 with cross-entropy, PGD-40 with
the margin loss and Square Attack (1,000 queries). An honest number must not beat an independent
implementation's attacks: on the first 100 test images at eps 0.3 it may be at most one point above
ART's PGD and ART's AutoAttack.

ART's attacks are sized to run in CI in about a minute per model (not ART's heavy defaults):
- PGD: Wong et al.'s evaluation, 50 steps of 0.01 from a random start, 10 restarts.
- AutoAttack: APGD-CE and APGD-DLR (100 iterations, one start each) and Square Attack (1,000 queries,
  one start), one after the other on the images still classified correctly, as ART's AutoAttack runs
  them; its default adds DeepFool, five starts per attack and 5,000 queries (tests/art_support.py).
``benchmarks/robust_models.py`` runs the same attacks on the first 1,000 images with 5,000 queries.
"""

from __future__ import annotations

import numpy as np
import pytest

import fgsm_edu
from fgsm_edu.robust_evaluation import robust_accuracy

N_IMAGES = 100
EPS = 0.3
LESSON_ATTACKS = ("pgd", "pgd_margin", "square")  # lesson 05's table: its worst case is the reported number
ROBUST_MODELS = ["mnist_cnn_fgsm_rs", "mnist_cnn_pgd"]


def art_accuracies(model, x, y) -> tuple[float, float]:
    """Accuracy under ART's PGD-50 x 10 and under ART's AutoAttack (sized as the module docstring says)."""
    pytest.importorskip("art")
    from art_support import art_autoattack_accuracy, art_pgd_accuracy

    np.random.seed(0)
    return art_pgd_accuracy(model, x, y, EPS), art_autoattack_accuracy(model, x, y, EPS)


@pytest.mark.slow
@pytest.mark.parametrize("name", ROBUST_MODELS)
def test_reported_robust_accuracy_is_never_more_than_a_point_above_arts(name):
    model, data = fgsm_edu.load_model(name), fgsm_edu.load_mnist_data()
    x, y = data.x_test[:N_IMAGES], data.y_test[:N_IMAGES]
    ours = robust_accuracy(model, x, y, EPS, attacks=LESSON_ATTACKS)
    art_pgd, art_auto = art_accuracies(model, x, y)
    shown = ", ".join(f"{k} {v:.3f}" for k, v in ours.accuracy.items())
    print(f"[{name}] ours: clean {ours.clean:.3f}, {shown}, worst case {ours.worst_case:.3f}")  # pytest -rP shows it
    print(f"[{name}] ART: PGD-50 x 10 {art_pgd:.3f}, AutoAttack (APGD-CE, APGD-DLR, Square-1000) {art_auto:.3f}")
    one_point = 0.01 + 1e-9  # one image in 100; the 1e-9 absorbs float rounding (0.89 + 0.01)
    assert ours.worst_case <= art_pgd + one_point
    assert ours.worst_case <= art_auto + one_point
    assert ours.worst_case > 0.3, "a robust model keeps a good share of the images: the attacks did run on it"
