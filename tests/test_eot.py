"""fgsm_edu.eot (lesson 07, "Attacks that survive the world"): random transformations, EOT-PGD, survival."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import fgsm_edu
from fgsm_edu import saving
from fgsm_edu.eot import Transforms, apply_transform, eot_pgd, random_transform, survival, survival_rate
from fgsm_edu.models import logits

EPS = 0.2


@pytest.fixture(scope="module")
def cnn():
    return fgsm_edu.load_model("mnist_cnn")


@pytest.fixture(scope="module")
def digits(cnn) -> tuple[np.ndarray, np.ndarray]:
    """The first 60 test digits mnist_cnn gets right."""
    data = fgsm_edu.load_mnist_data()
    right = np.flatnonzero(logits(cnn, data.x_test[:100]).argmax(-1) == data.y_test[:100])[:60]
    return data.x_test[right], data.y_test[right]


def test_identity_parameters_return_the_input(digits):
    x = digits[0][:5]
    np.testing.assert_array_equal(random_transform(x, Transforms(0, 0, 0, None), seed=3), x)
    np.testing.assert_array_equal(apply_transform(x), x)


def test_given_shift_and_rotation_move_a_pixel_where_expected():
    x = np.zeros((5, 5, 1), np.float32)
    x[2, 3] = 1.0  # one pixel right of the centre
    assert np.argwhere(apply_transform(x, shift=(1, 0)) > 0.5).tolist() == [[2, 4, 0]]
    assert np.argwhere(apply_transform(x, shift=(0, 1)) > 0.5).tolist() == [[3, 3, 0]]
    assert np.argwhere(apply_transform(x, rotate=90) > 0.5).tolist() == [[3, 2, 0]]  # clockwise as displayed
    np.testing.assert_allclose(apply_transform(x * 0.5, brightness=0.25), np.clip(x * 0.5 + 0.25, 0, 1))


def test_jpeg_is_the_packages_operator(digits):
    x = digits[0][:4]
    only_jpeg = random_transform(x, Transforms(0, 0, 0, (70, 70)), seed=0)
    np.testing.assert_array_equal(only_jpeg, saving.jpeg(tf.constant(x), 70).numpy())
    np.testing.assert_array_equal(apply_transform(x, quality=70), only_jpeg)


def test_random_transform_is_batched_bounded_and_reproducible(digits):
    x = np.repeat(digits[0][:1], 6, axis=0)
    out = random_transform(x, Transforms(), seed=1)
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_array_equal(out, random_transform(x, Transforms(), seed=1))
    assert not np.array_equal(out, random_transform(x, Transforms(), seed=2))
    assert len({o.tobytes() for o in out}) == 6, "a fresh draw per image: six copies, six different results"
    assert random_transform(x[0], Transforms(), seed=1).shape == (28, 28, 1)


def test_eot_pgd_stays_in_the_ball_and_is_reproducible(cnn, digits):
    x, y = digits[0][:8], digits[1][:8]
    adv = eot_pgd(cnn, x, y, EPS, Transforms(), steps=3, samples=2, seed=0)
    assert adv.shape == x.shape and adv.dtype == np.float32
    assert np.abs(adv - x).max() <= EPS + 1e-6
    assert adv.min() >= 0.0 and adv.max() <= 1.0
    np.testing.assert_array_equal(adv, eot_pgd(cnn, x, y, EPS, Transforms(), steps=3, samples=2, seed=0))
    assert eot_pgd(cnn, x[0], y[0], EPS, Transforms(), steps=1, samples=2).shape == (28, 28, 1)
    through_jpeg = eot_pgd(cnn, x, y, EPS, Transforms(0, 0, 0, (50, 50)), steps=1, samples=1)
    assert np.abs(through_jpeg - x).max() > EPS / 10, "JPEG's gradient passes straight through (BPDA), not zero"


def test_survival_counts_misclassified_pairs(cnn, digits):
    x, y = digits
    identity = Transforms(0, 0, 0, None)
    assert survival_rate(cnn, x, y, identity, draws=3) == 0.0  # every image here is classified correctly
    wrong = (y + 1) % 10
    np.testing.assert_array_equal(survival(cnn, x, wrong, identity, draws=2), np.ones(len(x)))
    per_image = survival(cnn, x, y, Transforms(), draws=5, seed=0)
    assert per_image.shape == (len(x),) and set(np.unique(per_image * 5)) <= set(range(6))
    assert survival_rate(cnn, x, y, Transforms(), draws=5, seed=0) == pytest.approx(per_image.mean())


def test_eot_survives_the_transformations_better_than_pgd(cnn, digits):
    """On 60 digits at eps 0.2 (seeds fixed): measured on the first 200 digits, EOT 0.76, PGD 0.54, FGSM 0.31."""
    x, y = digits
    transforms = Transforms()
    pgd = fgsm_edu.pgd(cnn, x, y, EPS, steps=10, seed=0)
    eot = eot_pgd(cnn, x, y, EPS, transforms, steps=10, samples=8, seed=0)
    rates = {name: survival_rate(cnn, a, y, transforms, draws=10, seed=1) for name, a in (("pgd", pgd), ("eot", eot))}
    print(rates)
    assert rates["eot"] >= rates["pgd"] + 0.1


def test_photo_path_runs_on_random_mobilenet(mobilenet, flower):
    transforms = Transforms.for_image(flower)
    assert transforms == Transforms.for_photo() and Transforms.for_image(np.zeros((28, 28, 1))) == Transforms()
    adv = eot_pgd(mobilenet, flower, 3, 4 / 255, transforms, steps=2, samples=2, seed=0)
    assert adv.shape == flower.shape and np.abs(adv - flower).max() <= 4 / 255 + 1e-6
    assert 0.0 <= survival_rate(mobilenet, adv[None], [3], transforms, draws=2) <= 1.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Transforms(shift=-1), "Transforms.shift must be a number of pixels, 0 or more"),
        (lambda: Transforms(rotate=270), "Transforms.rotate must be a number from 0 to 180"),
        (lambda: Transforms(brightness="a"), "Transforms.brightness"),
        (lambda: Transforms(jpeg_quality=(0, 100)), "jpeg_quality must be None or a pair"),
        (lambda: Transforms(fill="wrap"), "Transforms.fill must be one of"),
    ],
)
def test_bad_transforms_raise_catalogue_messages(make, message):
    with pytest.raises(fgsm_edu.InvalidArgumentError, match=message):
        make()


def test_bad_arguments_raise_catalogue_messages(cnn, digits):
    x, y = digits[0][:2], digits[1][:2]
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="samples must be a positive whole number"):
        eot_pgd(cnn, x, y, EPS, Transforms(), samples=0)
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="draws must be a positive whole number"):
        survival_rate(cnn, x, y, Transforms(), draws=0)
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="transforms must be a Transforms"):
        random_transform(x, None)  # type: ignore[arg-type]
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="eps"):
        eot_pgd(cnn, x, y, 2.0, Transforms())
