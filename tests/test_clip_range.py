"""An explicit clip=(low, high) is the valid pixel range for that call, as in CleverHans; without it, [0, 1]."""

from __future__ import annotations

import numpy as np
import pytest

import fgsm_edu
from fgsm_edu.evaluation import evaluate, most_confidently_fooled

RNG = np.random.default_rng(0)
WIDE = (RNG.random((4, 8, 8, 1)) * 4.4 - 2.4).astype(np.float32)  # pixels in [-2.4, 2.0], like normalised inputs
WIDE[0, 0, 0, 0], WIDE[0, 0, 1, 0] = -2.4, 2.0
Y = np.array([0, 1, 2, 3])


def test_fgsm_accepts_inputs_inside_an_explicit_clip_range_and_computes_the_equation(digits_linear):
    adv = fgsm_edu.fgsm(digits_linear, WIDE, Y, eps=0.3, clip=(-5, 5))
    grad = fgsm_edu.input_gradient(digits_linear, np.clip(WIDE, 0, 1), Y)  # any [0, 1] call still works
    assert grad.shape == WIDE.shape
    np.testing.assert_allclose(np.abs(adv - WIDE), 0.3, atol=1e-6)  # every pixel moved by eps (no clipping inside)
    narrow = fgsm_edu.fgsm(digits_linear, WIDE, Y, eps=0.5, clip=(-2.4, 2.0))
    assert narrow.min() >= -2.4 and narrow.max() <= 2.0 and (narrow == 2.0).any()


@pytest.mark.parametrize(
    "call",
    [
        lambda m: fgsm_edu.fgsm_sweep(m, WIDE, Y, epsilons=[0, 0.5, 2.0], clip=(-5, 5)).images,
        lambda m: fgsm_edu.pgd(m, WIDE, Y, eps=0.5, steps=2, seed=0, clip=(-5, 5)),
        lambda m: fgsm_edu.bim(m, WIDE, Y, eps=0.5, steps=2, clip=(-5, 5)),
    ],
    ids=["fgsm_sweep", "pgd", "bim"],
)
def test_every_attack_accepts_an_explicit_range(digits_linear, call):
    out = call(digits_linear)
    assert np.isfinite(out).all() and out.min() >= -5 and out.max() <= 5


def test_evaluate_and_most_confidently_fooled_accept_an_explicit_range(digits_linear):
    records = evaluate(digits_linear, (WIDE, Y), [0, 0.5, 2.0], clip=(-5, 5), progress=False)
    assert [r["n"] for r in records] == [4, 4, 4]
    assert len(most_confidently_fooled(digits_linear, WIDE, Y, eps=2.0, clip=(-5, 5))) <= 4


def test_inputs_outside_the_explicit_range_are_named_with_the_range(digits_linear):
    with pytest.raises(fgsm_edu.InvalidArgumentError, match=r"clip range \[-1, 1\].*min -2\.4 and max 2"):
        fgsm_edu.fgsm(digits_linear, WIDE, Y, eps=0.1, clip=(-1, 1))
    with pytest.raises(fgsm_edu.InvalidArgumentError, match=r"clip range \[-1, 1\]"):
        evaluate(digits_linear, (WIDE, Y), [0, 0.1], clip=(-1, 1), progress=False)


def test_without_clip_the_convention_and_its_messages_stay(digits_linear):
    with pytest.raises(fgsm_edu.InvalidArgumentError, match=r"must lie in \[0, 1\] \(the package convention\)"):
        fgsm_edu.fgsm(digits_linear, WIDE, Y, eps=0.1)
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="divide by 255"):
        fgsm_edu.fgsm(digits_linear, np.full((1, 8, 8, 1), 200.0, np.float32), eps=0.1)
    with pytest.raises(fgsm_edu.InvalidArgumentError, match=r"\(the package convention\)"):
        fgsm_edu.fgsm(digits_linear, WIDE, Y, eps=0.1, clip=None)  # no clipping still means [0, 1] inputs


def test_the_epsilon_limit_follows_the_range(digits_linear):
    assert fgsm_edu.fgsm(digits_linear, WIDE, Y, eps=9.0, clip=(-5, 5)).shape == WIDE.shape
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="larger than 10"):
        fgsm_edu.fgsm(digits_linear, WIDE, Y, eps=11.0, clip=(-5, 5))
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="255"):
        fgsm_edu.fgsm(digits_linear, np.clip(WIDE, 0, 1), Y, eps=8.0)  # the [0, 1] teaching message
