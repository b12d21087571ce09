"""How visible a change is (fgsm_edu.visibility): L-inf, L2, PSNR and SSIM checked by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import tensorflow as tf

import fgsm_edu
from fgsm_edu.visibility import visibility


def test_fgsm_image_by_hand() -> None:
    clean = np.full((8, 8, 1), 0.5, np.float32)
    sign = np.where(np.indices((8, 8, 1)).sum(0) % 2 == 0, 1.0, -1.0).astype(np.float32)  # a checkerboard
    epsilons = np.array([0.0, 0.01, 0.1], np.float32)
    measures = visibility(clean, clean + epsilons[:, None, None, None] * sign)
    np.testing.assert_allclose(measures.linf, epsilons, atol=1e-6)  # L-inf is eps: every pixel moved by eps
    np.testing.assert_allclose(measures.l2, epsilons * 8, atol=1e-5)  # sqrt(64 pixels * eps^2)
    assert measures.psnr[0] == math.inf and measures.ssim[0] == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(measures.psnr[1:], 10 * np.log10(1 / epsilons[1:] ** 2), atol=1e-3)  # MSE = eps^2
    assert 1.0 > measures.ssim[1] > measures.ssim[2]


def test_ssim_of_flat_images_is_the_luminance_term() -> None:
    # Flat images have no variance: SSIM = (2ab + C1) / (a^2 + b^2 + C1) with C1 = (0.01 * 1)^2.
    a, b, c1 = 0.5, 0.6, 0.01**2
    measures = visibility(np.full((16, 16, 3), a, np.float32), np.full((16, 16, 3), b, np.float32))
    expected = (2 * a * b + c1) / (a * a + b * b + c1)  # 0.98361; float32 variances of ~0 cost ~2e-4
    assert float(measures.ssim) == pytest.approx(expected, abs=5e-4) and 1 - expected > 0.01
    assert float(measures.linf) == pytest.approx(0.1) and float(measures.psnr) == pytest.approx(20.0, abs=1e-4)


def test_ssim_matches_tensorflow_one_image_at_a_time() -> None:
    rng = np.random.default_rng(0)
    clean = rng.random((32, 32, 3)).astype(np.float32)
    adversarial = np.clip(clean + rng.choice([-0.05, 0.05], (4, 32, 32, 3)), 0, 1).astype(np.float32)
    batched = visibility(clean, adversarial).ssim
    for i in range(4):
        alone = float(tf.image.ssim(tf.constant(clean), tf.constant(adversarial[i]), max_val=1.0))
        assert batched[i] == pytest.approx(alone, abs=1e-6)


def test_unclipped_fgsm_has_l_inf_eps(digits: fgsm_edu.DigitsData, digits_cnn: Any) -> None:
    image = digits.x_test[0]
    adversarial = fgsm_edu.fgsm(digits_cnn, image, int(digits.y_test[0]), eps=0.1, clip=None)
    assert float(visibility(image, adversarial).linf) == pytest.approx(0.1, abs=1e-6)
    sweep = fgsm_edu.fgsm_sweep(digits_cnn, image, int(digits.y_test[0]), [0.0, 0.05, 0.1, 0.3])
    measures = visibility(image, sweep.images)
    assert measures.linf.shape == (4,) and np.all(measures.linf <= sweep.epsilons + 1e-6)
    assert list(measures.l2) == sorted(measures.l2) and list(measures.ssim) == sorted(measures.ssim, reverse=True)


def test_mismatched_images_are_refused() -> None:
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="same size"):
        visibility(np.zeros((8, 8, 1)), np.zeros((3, 8, 9, 1)))
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="broadcast"):
        visibility(np.zeros((2, 8, 8, 1)), np.zeros((3, 8, 8, 1)))
