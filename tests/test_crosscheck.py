"""Our FGSM is the FGSM: cross-checks against CleverHans 4, IBM ART 1.20 and Foolbox 3 (dev dependencies).

Every peer gets the same Keras model (pixels in [0, 1], logits out), the same inputs, labels, epsilon,
norm and clip range [0, 1]; the adversarial images must match ours to float tolerance (ATOL).
Checked on ``digits_cnn`` (50 test digits) and on MobileNetV2 with random weights (2 photos, 224x224).

Differences by design, each documented here and checked with the peer's settings aligned:

1. ART's loss. ``TensorFlowV2Classifier`` takes any Keras loss; its default reduction
   ("sum_over_batch_size") averages over the batch, which divides every gradient by N. We (and
   CleverHans, Foolbox) sum per-example losses, so each image's gradient is independent of the batch.
   Aligned with ``reduction="sum"``; with the default reduction the gradient is ours / N and the
   FGSM images are still identical (sign and per-image normalisation remove the scale).
2. The L2 step for a vanishing gradient. We follow CleverHans's ``optimize_linear``:
   g / sqrt(max(1e-12, ||g||^2)), so an image whose gradient norm is below 1e-6 moves less than eps.
   ART divides by ||g|| (no floor), Foolbox by max(||g||, 1e-12). Where ||g||_2 >= 1e-6 all agree;
   below it ART and Foolbox equal our formula without the floor. (MobileNetV2 with random weights
   has ||g||_2 ~ 1e-12, so there the floor is always active.)
3. The L1 step. Ours and CleverHans put eps on the largest |g| (shared among ties); ART puts it on the
   first arg-max (identical without ties). Foolbox's ``L1FastGradientAttack`` is a different method:
   it moves every pixel along g / ||g||_1 (checked against that formula, and shown to differ from ours).
4. Foolbox's API. Epsilon is absolute in the model's ``bounds``, so ``bounds=(0, 1)`` gives our
   "fraction of the pixel range". Labels are required (no "use the prediction"): we pass the model's
   prediction. Labels must be int64: with int32 labels eagerpy calls ``np.find_common_type``, removed
   in NumPy 2. ``FGSM`` refuses a targeted criterion, so targeted FGSM is
   ``LinfPGD(steps=1, abs_stepsize=eps, random_start=False)`` with ``TargetedMisclassification``.
5. PGD/BIM order. Ours and CleverHans: step, clip, project, clip. ART: step, clip, project. Foolbox:
   step, project, clip. For L-inf all are the same (the intersection of two boxes); for L2, Foolbox
   differs only where clipping is active, so its L2 check uses images in the interior of [0, 1].
   Random starts are switched off: CleverHans ``rand_init=0``, ART ``num_random_init=0``, Foolbox
   ``random_start=False``, ours ``bim`` (``pgd(random_start=False)``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf

import fgsm_edu
from fgsm_edu.models import model_info

ATOL = 1e-6  # float32 resolution near 1.0 is 1.2e-7; a sign disagreement would show as 2 * eps
L2_FLOOR = 1e-6  # sqrt(1e-12): CleverHans's (and our) floor under the L2 norm of the gradient


@pytest.fixture(scope="module")
def peers() -> SimpleNamespace:
    """Import the three reference libraries (quietly: ART warns that PyTorch is missing)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ch_fgm = pytest.importorskip("cleverhans.tf2.attacks.fast_gradient_method")
        ch_pgd = pytest.importorskip("cleverhans.tf2.attacks.projected_gradient_descent")
        art_est = pytest.importorskip("art.estimators.classification")
        art_att = pytest.importorskip("art.attacks.evasion")
        fb = pytest.importorskip("foolbox")
    return SimpleNamespace(
        ch_fgm=ch_fgm.fast_gradient_method,
        ch_pgd=ch_pgd.projected_gradient_descent,
        art_classifier=art_est.TensorFlowV2Classifier,
        art_fgm=art_att.FastGradientMethod,
        art_pgd=art_att.ProjectedGradientDescent,
        fb=fb,
    )


@dataclass
class Case:
    """A model with a small batch, true labels, and the radii used for it."""

    name: str
    model: Any
    x: np.ndarray
    y: np.ndarray
    eps: float  # L-inf radius
    eps_l2: float  # L2 and L1 radius
    num_classes: int


@pytest.fixture(scope="module", params=["digits_cnn", "mobilenet_v2"])
def case(request: pytest.FixtureRequest) -> Case:
    if request.param == "digits_cnn":
        data = request.getfixturevalue("digits")
        model = request.getfixturevalue("digits_cnn")
        return Case("digits_cnn", model, data.x_test[:50], data.y_test[:50].astype(np.int64), 0.1, 0.5, 10)
    model = request.getfixturevalue("mobilenet")
    x = np.stack([request.getfixturevalue("flower"), fgsm_edu.sample_image("china", size=224)]).astype(np.float32)
    return Case("mobilenet_v2", model, x, np.array([1, 500], np.int64), 0.01, 1.0, 1000)


def art(peers: SimpleNamespace, case: Case, reduction: str = "sum") -> Any:
    """ART's classifier around our model, with our loss (see difference 1 for ``reduction``)."""
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)
    shape = tuple(model_info(case.model).input_shape)
    return peers.art_classifier(case.model, case.num_classes, shape, loss_object=loss, clip_values=(0.0, 1.0))


def foolbox(peers: SimpleNamespace, case: Case, attack: Any, x: np.ndarray, labels: Any, eps: float) -> np.ndarray:
    """Run a Foolbox attack and return its clipped adversarial images (difference 4: int64 labels)."""
    fmodel = peers.fb.TensorFlowModel(case.model, bounds=(0.0, 1.0))
    if isinstance(labels, np.ndarray):
        labels = tf.constant(labels.astype(np.int64))
    _, clipped, _ = attack(fmodel, tf.constant(x), labels, epsilons=eps)
    return clipped.numpy()


def grad_norms(case: Case, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The L2 norm of each image's loss gradient, from our (ART-checked) input_gradient."""
    g = fgsm_edu.input_gradient(case.model, x, y)
    return np.sqrt(np.sum(np.square(g.reshape(len(g), -1).astype(np.float64)), axis=1))


def test_input_gradient_is_arts_loss_gradient(peers, case):
    """Difference 1: with reduction="sum" ART's gradient is ours; with ART's default it is ours / N."""
    ours = fgsm_edu.input_gradient(case.model, case.x, case.y)
    scale = np.abs(ours).max()
    assert scale > 0
    one_hot = np.eye(case.num_classes, dtype=np.float32)[case.y]  # ART's loss_gradient takes one-hot labels
    np.testing.assert_allclose(art(peers, case).loss_gradient(case.x, one_hot), ours, rtol=1e-4, atol=1e-5 * scale)
    mean = art(peers, case, reduction="sum_over_batch_size").loss_gradient(case.x, one_hot)
    np.testing.assert_allclose(mean * len(case.x), ours, rtol=1e-4, atol=1e-5 * scale)


def test_fgsm_linf_matches_every_peer(peers, case):
    ours = fgsm_edu.fgsm(case.model, case.x, case.y, case.eps)
    assert np.abs(ours - case.x).max() == pytest.approx(case.eps, abs=ATOL)  # the attack really moved
    ch = peers.ch_fgm(case.model, case.x, case.eps, np.inf, clip_min=0.0, clip_max=1.0, y=case.y).numpy()
    np.testing.assert_allclose(ours, ch, rtol=0, atol=ATOL)
    for reduction in ("sum", "sum_over_batch_size"):  # difference 1: ART's default reduction gives the same images
        attack = peers.art_fgm(art(peers, case, reduction), norm=np.inf, eps=case.eps, batch_size=len(case.x))
        np.testing.assert_allclose(ours, attack.generate(case.x, case.y), rtol=0, atol=ATOL)
    fb_adv = foolbox(peers, case, peers.fb.attacks.FGSM(), case.x, case.y, case.eps)
    np.testing.assert_allclose(ours, fb_adv, rtol=0, atol=ATOL)


def test_fgsm_without_labels_attacks_the_prediction_like_the_peers(peers, digits, digits_cnn):
    """y=None means "the model's own prediction" in ours, CleverHans and ART; Foolbox is given it."""
    x, eps = digits.x_test[50:90], 0.1
    ours = fgsm_edu.fgsm(digits_cnn, x, None, eps)
    np.testing.assert_allclose(ours, peers.ch_fgm(digits_cnn, x, eps, np.inf, clip_min=0.0, clip_max=1.0), atol=ATOL)
    case = Case("digits_cnn", digits_cnn, x, np.zeros(len(x), np.int64), eps, eps, 10)
    np.testing.assert_allclose(ours, peers.art_fgm(art(peers, case), eps=eps).generate(x), atol=ATOL)
    predicted = fgsm_edu.predict(digits_cnn, x).ids[:, 0]
    np.testing.assert_allclose(ours, foolbox(peers, case, peers.fb.attacks.FGSM(), x, predicted, eps), atol=ATOL)


@pytest.mark.parametrize("norm", [2, 1])
def test_fast_gradient_l2_l1_match_cleverhans_exactly(peers, case, norm):
    """CleverHans's optimize_linear is our direction(), including the L2 floor and L1 ties."""
    ours = fgsm_edu.fgsm(case.model, case.x, case.y, case.eps_l2, norm=norm)
    ch = peers.ch_fgm(case.model, case.x, case.eps_l2, norm, clip_min=0.0, clip_max=1.0, y=case.y).numpy()
    np.testing.assert_allclose(ours, ch, rtol=0, atol=ATOL)


def test_fast_gradient_l2_matches_art_and_foolbox_above_the_floor(peers, digits, digits_cnn):
    """Difference 2: images whose gradient norm is >= 1e-6 (most digits) get identical L2 steps."""
    case = Case("digits_cnn", digits_cnn, digits.x_test[:50], digits.y_test[:50].astype(np.int64), 0.1, 0.5, 10)
    keep = grad_norms(case, case.x, case.y) > 10 * L2_FLOOR
    assert keep.sum() >= 20
    x, y = case.x[keep], case.y[keep]
    ours = fgsm_edu.fgsm(digits_cnn, x, y, case.eps_l2, norm=2)
    assert np.linalg.norm((ours - x).reshape(len(x), -1), axis=1).max() > 0.4  # a real step, not a no-op
    art_adv = peers.art_fgm(art(peers, case), norm=2, eps=case.eps_l2, batch_size=len(x)).generate(x, y)
    np.testing.assert_allclose(ours, art_adv, rtol=0, atol=ATOL)
    np.testing.assert_allclose(ours, foolbox(peers, case, peers.fb.attacks.FGM(), x, y, case.eps_l2), atol=ATOL)


def test_l2_peers_differ_from_us_only_by_the_floor(peers, case):
    """Difference 2, checked everywhere: ours = x + eps g / max(||g||, 1e-6); ART, Foolbox = x + eps g / ||g||."""
    g = fgsm_edu.input_gradient(case.model, case.x, case.y).astype(np.float64)
    norms = np.sqrt(np.sum(np.square(g), axis=tuple(range(1, g.ndim)), keepdims=True))
    eps = case.eps_l2

    def expected(floor: float) -> np.ndarray:
        return np.clip(case.x + eps * g / np.maximum(norms, floor), 0.0, 1.0)

    ours = fgsm_edu.fgsm(case.model, case.x, case.y, eps, norm=2)
    np.testing.assert_allclose(ours, expected(L2_FLOOR), rtol=0, atol=1e-5)
    art_adv = peers.art_fgm(art(peers, case), norm=2, eps=eps, batch_size=len(case.x)).generate(case.x, case.y)
    np.testing.assert_allclose(art_adv, expected(0.0), rtol=0, atol=1e-5)
    np.testing.assert_allclose(
        foolbox(peers, case, peers.fb.attacks.FGM(), case.x, case.y, eps), expected(0.0), atol=1e-5
    )


def test_fast_gradient_l1_matches_art_without_ties(peers, case):
    """Difference 3: ART moves the first arg-max of |g|; with no ties that is our (and CleverHans's) step."""
    g = np.abs(fgsm_edu.input_gradient(case.model, case.x, case.y)).reshape(len(case.x), -1)
    assert ((g == g.max(axis=1, keepdims=True)).sum(axis=1) == 1).all(), "a tie: ART and we legitimately differ"
    ours = fgsm_edu.fgsm(case.model, case.x, case.y, case.eps_l2, norm=1)
    assert (np.abs(ours - case.x).reshape(len(case.x), -1) > 0).sum(axis=1).max() == 1  # one pixel per image
    art_adv = peers.art_fgm(art(peers, case), norm=1, eps=case.eps_l2, batch_size=len(case.x)).generate(case.x, case.y)
    np.testing.assert_allclose(ours, art_adv, rtol=0, atol=ATOL)


def test_foolbox_l1_fast_gradient_is_a_different_method(peers, digits, digits_cnn):
    """Difference 3: Foolbox's L1 attack moves every pixel along g / ||g||_1, not one pixel as ours does."""
    x, y, eps = digits.x_test[:20], digits.y_test[:20].astype(np.int64), 0.5
    case = Case("digits_cnn", digits_cnn, x, y, eps, eps, 10)
    g = fgsm_edu.input_gradient(digits_cnn, x, y).astype(np.float64)
    l1 = np.maximum(np.abs(g).sum(axis=(1, 2, 3), keepdims=True), 1e-12)
    fb_adv = foolbox(peers, case, peers.fb.attacks.L1FastGradientAttack(), x, y, eps)
    np.testing.assert_allclose(fb_adv, np.clip(x + eps * g / l1, 0, 1), rtol=0, atol=1e-5)
    assert np.abs(fb_adv - fgsm_edu.fgsm(digits_cnn, x, y, eps, norm=1)).max() > 0.1


def test_targeted_fgsm_matches_every_peer(peers, case):
    target = (case.y + 3) % case.num_classes
    ours = fgsm_edu.fgsm(case.model, case.x, target, case.eps, targeted=True)
    ch = peers.ch_fgm(case.model, case.x, case.eps, np.inf, clip_min=0.0, clip_max=1.0, y=target, targeted=True)
    np.testing.assert_allclose(ours, ch.numpy(), rtol=0, atol=ATOL)
    attack = peers.art_fgm(art(peers, case), eps=case.eps, targeted=True, batch_size=len(case.x))
    np.testing.assert_allclose(ours, attack.generate(case.x, target), rtol=0, atol=ATOL)
    one_step = peers.fb.attacks.LinfPGD(steps=1, abs_stepsize=case.eps, random_start=False)  # difference 4
    criterion = peers.fb.criteria.TargetedMisclassification(tf.constant(target))
    np.testing.assert_allclose(ours, foolbox(peers, case, one_step, case.x, criterion, case.eps), atol=ATOL)
    assert not np.allclose(ours, fgsm_edu.fgsm(case.model, case.x, case.y, case.eps))  # targeted really differs


def test_bim_linf_matches_every_peer_with_random_start_off(peers, case):
    eps, step, steps = 2 * case.eps, case.eps / 2, (3 if case.name == "digits_cnn" else 2)
    ours = fgsm_edu.bim(case.model, case.x, case.y, eps, step_size=step, steps=steps)
    assert np.abs(ours - case.x).max() > step + ATOL  # more than one step was taken
    ch = peers.ch_pgd(case.model, case.x, eps, step, steps, np.inf, clip_min=0.0, clip_max=1.0, y=case.y, rand_init=0)
    np.testing.assert_allclose(ours, ch.numpy(), rtol=0, atol=ATOL)
    attack = peers.art_pgd(
        art(peers, case),
        eps=eps,
        eps_step=step,
        max_iter=steps,
        num_random_init=0,
        batch_size=len(case.x),
        verbose=False,
    )
    np.testing.assert_allclose(ours, attack.generate(case.x, case.y), rtol=0, atol=ATOL)
    fb_pgd = peers.fb.attacks.LinfPGD(abs_stepsize=step, steps=steps, random_start=False)
    np.testing.assert_allclose(ours, foolbox(peers, case, fb_pgd, case.x, case.y, eps), rtol=0, atol=ATOL)


def test_pgd_l2_matches_every_peer_with_random_start_off(peers, digits, digits_cnn):
    """L2 PGD on digits whose gradients are well above the floor; Foolbox on interior pixels (difference 5)."""
    x = 0.25 + 0.5 * digits.x_test[:50]  # interior: no step of an eps = 0.2 ball reaches 0 or 1
    y = digits.y_test[:50].astype(np.int64)
    case = Case("digits_cnn", digits_cnn, x, y, 0.2, 0.2, 10)
    keep = grad_norms(case, x, y) > 100 * L2_FLOOR
    x, y = x[keep], y[keep]
    eps, step, steps = 0.2, 0.08, 4
    ours = fgsm_edu.bim(digits_cnn, x, y, eps, step_size=step, steps=steps, norm=2)
    assert np.linalg.norm((ours - x).reshape(len(x), -1), axis=1).max() == pytest.approx(eps, abs=1e-5)
    ch = peers.ch_pgd(digits_cnn, x, eps, step, steps, 2, clip_min=0.0, clip_max=1.0, y=y, rand_init=0)
    np.testing.assert_allclose(ours, ch.numpy(), rtol=0, atol=ATOL)
    attack = peers.art_pgd(
        art(peers, case), norm=2, eps=eps, eps_step=step, max_iter=steps, num_random_init=0, verbose=False
    )
    np.testing.assert_allclose(ours, attack.generate(x, y), rtol=0, atol=ATOL)
    fb_pgd = peers.fb.attacks.L2PGD(abs_stepsize=step, steps=steps, random_start=False)
    np.testing.assert_allclose(ours, foolbox(peers, case, fb_pgd, x, y, eps), rtol=0, atol=ATOL)
