"""Bad arrays, epsilons and labels get one clear FgsmEduError, from every helper that takes images."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import fgsm_edu
from fgsm_edu.evaluation import evaluate

X = np.random.default_rng(0).random((2, 8, 8, 1)).astype(np.float32)
Y = np.array([3, 7])

# every public helper that takes images, called the simplest way
HELPERS = {
    "fgsm": lambda m, x: fgsm_edu.fgsm(m, x, eps=0.1),
    "fgsm_sweep": lambda m, x: fgsm_edu.fgsm_sweep(m, x, epsilons=[0.0, 0.1]),
    "predict": lambda m, x: fgsm_edu.predict(m, x),
    "input_gradient": lambda m, x: fgsm_edu.input_gradient(m, x),
    "pgd": lambda m, x: fgsm_edu.pgd(m, x, eps=0.1, steps=2, seed=0),
    "evaluate": lambda m, x: evaluate(m, (x, _labels_for(x)), [0.0, 0.1], progress=False),
}


def _labels_for(x: object) -> np.ndarray:
    """One label per leading-axis entry, so evaluate's label-count check does not hide the image check."""
    shape = np.shape(x) if isinstance(x, np.ndarray) else ()
    return np.zeros(shape[0], int) if shape else Y


# evaluate (fgsm_edu/evaluation.py, another helper's module) does not yet check these before slicing batches
# (raw TypeError "len() of unsized object" or numpy's ValueError instead of the images message)
def _with(value: float, where: tuple[int, ...] = (0, 1, 1, 0)) -> np.ndarray:
    x = X.copy()
    x[where] = value
    return x


# name -> (images, error class, part of the message)
BAD_ARRAYS = {
    "nan": (_with(np.nan), fgsm_edu.InvalidArgumentError, "NaN or infinite"),
    "inf": (_with(np.inf), fgsm_edu.InvalidArgumentError, "NaN or infinite"),
    "-inf": (_with(-np.inf), fgsm_edu.InvalidArgumentError, "NaN or infinite"),
    "0-255 pixels": (X * 255, fgsm_edu.InvalidArgumentError, "divide by 255"),
    "negative pixels": (X - 0.5, fgsm_edu.InvalidArgumentError, r"must lie in \[0, 1\]"),
    "[-1, 1] pixels": (X * 2 - 1, fgsm_edu.InvalidArgumentError, r"must lie in \[0, 1\]"),
    "pixels over 255": (X * 1000, fgsm_edu.InvalidArgumentError, r"must lie in \[0, 1\]"),
    "rank 0": (np.float32(0.5), fgsm_edu.InvalidArgumentError, "rank 0"),
    "rank 1": (X.ravel(), fgsm_edu.InvalidArgumentError, "rank 1"),
    "rank 2 (grayscale, no channel axis)": (X[0, ..., 0], fgsm_edu.InvalidArgumentError, r"x\[\.\.\., None\]"),
    "rank 5": (X[None], fgsm_edu.InvalidArgumentError, "rank 5"),
    "wrong spatial size": (np.zeros((2, 16, 16, 1), np.float32), fgsm_edu.InvalidArgumentError, "resize"),
    "transposed (channels first)": (np.zeros((2, 1, 8, 8), np.float32), fgsm_edu.InvalidArgumentError, "expects"),
    "RGB for a grayscale model": (np.zeros((2, 8, 8, 3), np.float32), fgsm_edu.InvalidArgumentError, "channel"),
    "RGBA for a grayscale model": (np.zeros((2, 8, 8, 4), np.float32), fgsm_edu.InvalidArgumentError, "alpha"),
    "uint8": ((X * 255).astype(np.uint8), fgsm_edu.InvalidTypeError, "/ 255"),
    "int32": (np.zeros((2, 8, 8, 1), np.int32), fgsm_edu.InvalidTypeError, "integer dtype"),
    "int64": (np.zeros((2, 8, 8, 1), np.int64), fgsm_edu.InvalidTypeError, "integer dtype"),
    "bool": (X > 0.5, fgsm_edu.InvalidTypeError, "integer dtype"),
    "complex": (X.astype(np.complex64), fgsm_edu.InvalidTypeError, "complex"),
    "strings": (np.array([["a"]]), fgsm_edu.InvalidTypeError, "numeric array"),
    "a file name": ("photo.png", fgsm_edu.InvalidTypeError, "load_image"),
    "None": (None, fgsm_edu.InvalidTypeError, "numeric array"),
    "ragged list": ([X[0], X[0, :4]], fgsm_edu.InvalidArgumentError, "same shape"),
    "a PIL image": (Image.new("L", (8, 8)), fgsm_edu.InvalidTypeError, "PIL image"),
}


@pytest.mark.parametrize("helper", list(HELPERS))
@pytest.mark.parametrize("case", list(BAD_ARRAYS))
def test_bad_images_are_refused_by_every_helper(digits_linear, helper, case):
    images, error, message = BAD_ARRAYS[case]
    with pytest.raises(error, match=message) as info:
        HELPERS[helper](digits_linear, images)
    assert isinstance(info.value, fgsm_edu.FgsmEduError)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_dtypes_and_nested_lists_are_accepted(digits_linear, dtype):
    adv = fgsm_edu.fgsm(digits_linear, X.astype(dtype), Y, eps=0.1)
    assert adv.dtype == np.float32 and adv.shape == X.shape
    np.testing.assert_allclose(fgsm_edu.fgsm(digits_linear, X.tolist(), Y, eps=0.1), adv, atol=2e-3)


def test_empty_batch_gives_empty_results_of_the_right_shape(digits_linear):
    """Documented choice: N = 0 is not an error; every helper returns an empty result of the right shape."""
    empty = np.zeros((0, 8, 8, 1), np.float32)
    assert fgsm_edu.fgsm(digits_linear, empty, eps=0.1).shape == (0, 8, 8, 1)
    assert fgsm_edu.fgsm(digits_linear, empty, np.zeros(0, int), eps=0.1).shape == (0, 8, 8, 1)
    assert fgsm_edu.input_gradient(digits_linear, empty).shape == (0, 8, 8, 1)
    assert fgsm_edu.pgd(digits_linear, empty, eps=0.1, steps=2).shape == (0, 8, 8, 1)
    prediction = fgsm_edu.predict(digits_linear, empty, top=3)
    assert prediction.ids.shape == (0, 3) and prediction.names == []
    assert fgsm_edu.fgsm_sweep(digits_linear, empty, epsilons=[0.0, 0.1, 0.2]).images.shape == (3, 0, 8, 8, 1)


def test_empty_batch_sweep_probabilities_have_the_class_axis(digits_linear):
    sweep = fgsm_edu.fgsm_sweep(digits_linear, np.zeros((0, 8, 8, 1), np.float32), epsilons=[0.0, 0.1, 0.2])
    assert sweep.probabilities.shape == (3, 0, 10)


# --- epsilons ---------------------------------------------------------------------------------

BAD_EPS = {
    "negative": (-0.1, fgsm_edu.InvalidArgumentError, ">= 0"),
    "nan": (float("nan"), fgsm_edu.InvalidArgumentError, "finite"),
    "inf": (float("inf"), fgsm_edu.InvalidArgumentError, "finite"),
    "-inf": (float("-inf"), fgsm_edu.InvalidArgumentError, "finite"),
    "0-255 scale": (8, fgsm_edu.InvalidArgumentError, "did you mean 8/255"),
    "just over 1": (1.5, fgsm_edu.InvalidArgumentError, "larger than the whole pixel range"),
    "text": ("0.1", fgsm_edu.InvalidTypeError, "must be a number"),
    "None": (None, fgsm_edu.InvalidTypeError, "must be a number"),
    "bool": (True, fgsm_edu.InvalidTypeError, "must be a number"),
    "complex": (0.1j, fgsm_edu.InvalidTypeError, "must be a number"),
    "a list (several epsilons)": ([0.1, 0.2], fgsm_edu.InvalidTypeError, "fgsm_sweep"),
}


@pytest.mark.parametrize("case", list(BAD_EPS))
@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_bad_eps_is_refused(digits_linear, attack, case):
    eps, error, message = BAD_EPS[case]
    with pytest.raises(error, match=message):
        getattr(fgsm_edu, attack)(digits_linear, X, Y, eps=eps)


@pytest.mark.parametrize("eps", [0, 0.0, 1, 8 / 255, np.float32(0.1), np.float64(0.1), np.array(0.1), np.int64(0)])
def test_good_eps_forms_are_accepted(digits_linear, eps):
    adv = fgsm_edu.fgsm(digits_linear, X, Y, eps=eps)
    assert np.abs(adv - X).max() <= float(eps) + 1e-6


BAD_EPSILON_LISTS = {
    "empty": ([], fgsm_edu.InvalidArgumentError, "empty"),
    "one negative": ([0.1, -0.1], fgsm_edu.InvalidArgumentError, ">= 0"),
    "one nan": ([0.1, float("nan")], fgsm_edu.InvalidArgumentError, "finite"),
    "0-255 values": ([0, 2, 4, 8], fgsm_edu.InvalidArgumentError, "fraction of the range"),
    "text": ("0.1, 0.2", fgsm_edu.InvalidTypeError, "text"),
    "list of text": (["0.1"], fgsm_edu.InvalidTypeError, "must be a number"),
    "None inside": ([0.1, None], fgsm_edu.InvalidTypeError, "must be a number"),
}


@pytest.mark.parametrize("case", list(BAD_EPSILON_LISTS))
def test_bad_epsilon_lists_are_refused(digits_linear, case):
    epsilons, error, message = BAD_EPSILON_LISTS[case]
    with pytest.raises(error, match=message):
        fgsm_edu.fgsm_sweep(digits_linear, X, Y, epsilons=epsilons)


def test_duplicate_and_unsorted_epsilons_are_sorted_and_deduplicated(digits_linear):
    """Documented choice: fgsm_sweep accepts any order and repeats; it sorts ascending and keeps each once."""
    sweep = fgsm_edu.fgsm_sweep(digits_linear, X, Y, epsilons=[0.2, 0.0, 0.1, 0.2, 0.1])
    np.testing.assert_allclose(sweep.epsilons, [0.0, 0.1, 0.2])
    for k, eps in enumerate(sweep.epsilons):
        np.testing.assert_allclose(sweep.images[k], fgsm_edu.fgsm(digits_linear, X, Y, eps=float(eps)), atol=1e-6)
    generator = fgsm_edu.fgsm_sweep(digits_linear, X, Y, epsilons=(e for e in (0.1, 0.0)))
    np.testing.assert_allclose(generator.epsilons, [0.0, 0.1])
    np.testing.assert_allclose(fgsm_edu.fgsm_sweep(digits_linear, X, Y, epsilons=0.1).epsilons, [0.1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "steps must be a positive int"),
        ({"steps": 2.5}, "steps must be a positive int"),
        ({"step_size": -0.01}, "step_size must be >= 0"),
        ({"norm": 1}, "norm=np.inf or norm=2"),
        ({"norm": 3}, "norm must be np.inf, 2 or 1"),
        ({"clip": (1, 0)}, "low < high"),
        ({"clip": "0-1"}, "clip must be a pair"),
    ],
)
def test_bad_pgd_options(digits_linear, kwargs, message):
    with pytest.raises(fgsm_edu.InvalidArgumentError, match=message):
        fgsm_edu.pgd(digits_linear, X, Y, eps=0.1, **kwargs)


# --- labels -----------------------------------------------------------------------------------

BAD_LABELS = {
    "out of range": ([3, 10], fgsm_edu.InvalidArgumentError, "< 10"),
    "negative": ([-1, 3], fgsm_edu.InvalidArgumentError, ">= 0"),
    "not whole": ([1.5, 2.0], fgsm_edu.InvalidArgumentError, "whole numbers"),
    "nan": ([np.nan, 2.0], fgsm_edu.InvalidArgumentError, "whole numbers"),
    "too many": ([1, 2, 3], fgsm_edu.InvalidArgumentError, "got 3 labels for 2 images"),
    "too few (empty)": ([], fgsm_edu.InvalidArgumentError, "got 0 labels for 2 images"),
    "class names": (["cat", "dog"], fgsm_edu.InvalidTypeError, "class_names.index"),
    "bools": ([True, False], fgsm_edu.InvalidTypeError, "integers"),
    "probability rows": (np.full((2, 10), 0.1), fgsm_edu.InvalidArgumentError, "argmax"),
    "ragged": ([[1], [2, 3]], fgsm_edu.InvalidArgumentError, "flat list"),
}


@pytest.mark.parametrize("case", list(BAD_LABELS))
@pytest.mark.parametrize("helper", ["fgsm", "fgsm_sweep", "input_gradient"])
def test_bad_labels_are_refused(digits_linear, helper, case):
    labels, error, message = BAD_LABELS[case]
    with pytest.raises(error, match=message):
        getattr(fgsm_edu, helper)(digits_linear, X, labels)


def test_one_hot_labels_are_accepted_and_mean_the_same(digits_linear):
    expected = fgsm_edu.fgsm(digits_linear, X, Y, eps=0.1)
    np.testing.assert_array_equal(fgsm_edu.fgsm(digits_linear, X, np.eye(10)[Y], eps=0.1), expected)
    single = fgsm_edu.fgsm(digits_linear, X[0], np.eye(10)[3], eps=0.1)  # one one-hot row for one image
    np.testing.assert_array_equal(single, expected[0])


def test_one_label_for_a_batch_applies_to_every_image(digits_linear):
    """Documented choice: a single label (for example a target class) is used for every image."""
    np.testing.assert_array_equal(
        fgsm_edu.fgsm(digits_linear, X, 4, eps=0.1, targeted=True),
        fgsm_edu.fgsm(digits_linear, X, [4, 4], eps=0.1, targeted=True),
    )


def test_targeted_attack_needs_labels(digits_linear):
    for attack in (fgsm_edu.fgsm, fgsm_edu.fgsm_sweep, fgsm_edu.pgd):
        with pytest.raises(fgsm_edu.InvalidArgumentError, match="targeted=True needs y"):
            attack(digits_linear, X, targeted=True)


def test_errors_still_work_with_builtin_except_clauses(digits_linear):
    with pytest.raises(ValueError):
        fgsm_edu.fgsm(digits_linear, X * 255)
    with pytest.raises(TypeError):
        fgsm_edu.fgsm(digits_linear, X.astype(np.uint8))
