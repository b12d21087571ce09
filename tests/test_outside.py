"""Lesson 06's helpers, checked by hand: the 8-bit grid, PNG/JPEG round trips, transfer, minimal epsilon."""

from __future__ import annotations

import numpy as np
import pytest

import fgsm_edu
from fgsm_edu.evaluation import evaluate
from fgsm_edu.robustness import first_flip, minimal_epsilon
from fgsm_edu.saving import quantize, round_trip, survival
from fgsm_edu.transfer import transfer_matrix

G = 1 / 255  # one grey level


@pytest.mark.parametrize(
    ("x_levels", "eps_levels", "sign", "expected_levels"),
    [
        (10.3, 1.0, +1, 11),  # off the grid: the nearest level above x, within eps
        (10.3, 1.0, -1, 10),  # ... and below
        (10.0, 2.5, +1, 12),  # 12.5 rounds to 12 (half to even) and 12 <= x + eps
        (10.0, 2.5, -1, 8),  # 7.5 rounds to 8 = ceil(x - eps)
        (254.6, 3.0, +1, 255),  # the top of the range
        (0.2, 1.0, -1, 0),  # the bottom of the range
        (10.0, 0.4, +1, 10),  # eps below one level: the pixel cannot move on the grid
    ],
)
def test_quantize_by_hand(x_levels, eps_levels, sign, expected_levels):
    x = np.float32(x_levels * G)
    adv = np.clip(x + sign * eps_levels * G, 0, 1)
    got = float(quantize(np.array([adv]), np.array([x]), eps_levels * G)[0])
    assert got * 255 == pytest.approx(expected_levels, abs=1e-4)


@pytest.mark.parametrize("eps", [G, 3 * G, 0.05, 0.1, 0.3])
def test_quantized_fgsm_is_on_the_grid_within_eps_and_moves_what_the_sign_moves(digits_cnn, digits, eps):
    x, y = digits.x_test[:40], digits.y_test[:40]  # pixels are multiples of 1/16: off the 8-bit grid
    plain = fgsm_edu.fgsm(digits_cnn, x, y, eps=eps)
    q = fgsm_edu.fgsm(digits_cnn, x, y, eps=eps, quantize=True)
    np.testing.assert_allclose(q * 255, np.round(q * 255), atol=1e-4)
    assert np.abs(q - x).max() <= eps + 1e-6
    assert np.array_equal(np.sign(q - x), np.sign(plain - x))


def test_every_attack_takes_quantize(digits_cnn, digits):
    x, y = digits.x_test[:8], digits.y_test[:8]
    sweep = fgsm_edu.fgsm_sweep(digits_cnn, x, y, [0, 0.05, 0.2], quantize=True)
    for out, eps in [
        (sweep.images[1], 0.05),
        (fgsm_edu.pgd(digits_cnn, x, y, 0.1, steps=3, seed=0, quantize=True), 0.1),
    ]:
        np.testing.assert_allclose(out * 255, np.round(out * 255), atol=1e-4)
        assert np.abs(out - x).max() <= eps + 1e-6
    q = fgsm_edu.bim(digits_cnn, x, y, 0.1, steps=3, quantize=True)
    np.testing.assert_allclose(q * 255, np.round(q * 255), atol=1e-4)
    expected = fgsm_edu.predict(digits_cnn, sweep.images[2]).probabilities
    np.testing.assert_allclose(sweep.probabilities[2].max(-1), expected[:, 0], atol=1e-5)  # classified as quantised


def test_quantize_refuses_what_it_cannot_mean(digits_cnn, digits):
    x = digits.x_test[:2]
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="norm=np.inf and the default clip"):
        fgsm_edu.fgsm(digits_cnn, x, eps=0.5, norm=2, quantize=True)
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="norm=np.inf and the default clip"):
        fgsm_edu.fgsm(digits_cnn, x, eps=0.1, clip=(-1, 1), quantize=True)
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="True or False"):
        fgsm_edu.fgsm(digits_cnn, x, eps=0.1, quantize="yes")


def test_a_png_round_trip_of_a_quantised_image_is_lossless(digits_cnn, digits):
    q = fgsm_edu.fgsm(digits_cnn, digits.x_test[:16], digits.y_test[:16], eps=0.1, quantize=True)
    assert np.array_equal(round_trip(q, "png"), q)
    plain = fgsm_edu.fgsm(digits_cnn, digits.x_test[:16], digits.y_test[:16], eps=0.1)
    assert not np.array_equal(round_trip(plain, "png"), plain)  # off-grid pixels are rounded
    np.testing.assert_allclose(round_trip(plain, "png"), plain, atol=0.5 / 255 + 1e-6)


def test_jpeg_changes_the_image_but_keeps_shape_and_range(flower):
    rgb = np.asarray(flower, np.float32)
    back = round_trip(rgb, format="jpeg", quality=30)
    assert back.shape == rgb.shape and back.dtype == np.float32 and 0 <= back.min() <= back.max() <= 1
    assert 0 < np.abs(back - rgb).mean() < 0.1
    assert np.abs(round_trip(rgb, "jpg", 95) - rgb).mean() < np.abs(back - rgb).mean()  # better quality, closer


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"format": "gif"}, "'png' or 'jpeg'"), ({"format": "jpeg", "quality": 0}, "1 to 95"), ({"quality": 9.5}, "int")],
)
def test_round_trip_refuses_bad_arguments(kwargs, message):
    with pytest.raises(fgsm_edu.InvalidArgumentError, match=message):
        round_trip(np.zeros((2, 4, 4, 1), np.float32), **kwargs)


def test_transfer_matrix_diagonal_equals_evaluate(digits_cnn, digits_linear, digits):
    x, y = digits.x_test[:120], digits.y_test[:120]
    matrix = transfer_matrix({"cnn": digits_cnn, "linear": digits_linear}, x, y, 0.1, batch_size=50)
    assert matrix.names == ("cnn", "linear") and matrix.accuracy.shape == (2, 2)
    for i, model in enumerate((digits_cnn, digits_linear)):
        records = evaluate(model, (x, y), [0.0, 0.1], progress=False)
        assert matrix.accuracy[i, i] == pytest.approx(records[1]["accuracy"])
        assert matrix.clean_accuracy[i] == pytest.approx(records[0]["accuracy"])
    # off the diagonal: the target's accuracy on the source's images, computed directly
    adv = fgsm_edu.fgsm(digits_cnn, x, y, eps=0.1)
    assert matrix.accuracy[0, 1] == pytest.approx(np.mean(fgsm_edu.predict(digits_linear, adv).ids[:, 0] == y))


def test_transfer_matrix_takes_the_norms_epsilon_range_as_evaluate_does(digits_cnn, digits_linear, digits):
    x, y = digits.x_test[:20], digits.y_test[:20]
    matrix = transfer_matrix([digits_cnn, digits_linear], x, y, 2.0, norm=2)  # L2: up to sqrt(64) = 8
    assert matrix.accuracy[0, 0] == pytest.approx(
        evaluate(digits_cnn, (x, y), [2.0], norm=2, progress=False)[0]["accuracy"]
    )
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="larger than 8"):
        transfer_matrix([digits_cnn, digits_linear], x, y, 9.0, norm=2)


def test_transfer_matrix_refuses_one_model_or_mismatched_models(digits_cnn, digits, mobilenet):
    x, y = digits.x_test[:4], digits.y_test[:4]
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="at least two"):
        transfer_matrix([digits_cnn], x, y, 0.1)
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="same images and classes"):
        transfer_matrix([digits_cnn, mobilenet], x, y, 0.1)


def test_first_flip_by_hand():
    wrong = np.array([[False, True, False], [True, True, False], [True, False, False]])
    got = first_flip(wrong, np.array([0.0, 0.1, 0.2]))
    assert got.tolist() == [0.1, 0.0, np.inf]


def test_minimal_epsilon_is_the_first_flip_of_a_fine_sweep(digits_cnn, digits):
    grid = np.linspace(0, 0.3, 61)
    x, y = digits.x_test[:30], digits.y_test[:30]
    got = minimal_epsilon(digits_cnn, x, y, grid, batch_size=7)
    for i in range(len(x)):
        ids, _ = fgsm_edu.fgsm_sweep(digits_cnn, x[i], int(y[i]), grid).top1()
        flips = np.flatnonzero(ids != y[i])
        expected = np.float32(grid[flips[0]]) if len(flips) else np.inf
        assert got[i] == pytest.approx(expected), i
    assert np.isfinite(got).any()


# --- JPEG as a defence, BPDA, and catastrophic overfitting (defences.py) -----------------------


def _jpeg(x: np.ndarray, quality: int) -> np.ndarray:
    return round_trip(x, "jpeg", quality)  # the defence and a saved file use one JPEG


def test_jpeg_defence_classifies_the_compressed_image(digits_cnn, digits):
    from fgsm_edu.defences import jpeg_defence

    x = digits.x_test[:6]
    defended = jpeg_defence(digits_cnn, 40)
    expected = fgsm_edu.predict(digits_cnn, _jpeg(x, 40), top=2)
    got = fgsm_edu.predict(defended, x, top=2)
    np.testing.assert_allclose(got.probabilities, expected.probabilities, atol=1e-5)
    assert fgsm_edu.model_info(defended).class_names == fgsm_edu.model_info(digits_cnn).class_names


def test_bpda_gradient_is_the_models_gradient_at_the_compressed_image(digits_cnn, digits):
    from fgsm_edu.defences import jpeg_defence

    x, y = digits.x_test[:6], digits.y_test[:6]
    through = fgsm_edu.input_gradient(jpeg_defence(digits_cnn, 40), x, y)
    np.testing.assert_allclose(through, fgsm_edu.input_gradient(digits_cnn, _jpeg(x, 40), y), atol=1e-5)
    assert np.abs(through).max() > 0


def test_without_bpda_the_gradient_is_masked_and_fgsm_does_nothing(digits_cnn, digits):
    from fgsm_edu.defences import jpeg_defence

    x, y = digits.x_test[:6], digits.y_test[:6]
    masked = jpeg_defence(digits_cnn, 40, bpda=False)
    assert not fgsm_edu.input_gradient(masked, x, y).any()
    assert np.array_equal(fgsm_edu.fgsm(masked, x, y, eps=0.2), x)  # sign(0) = 0: the attack cannot move


def test_jpeg_defence_refuses_a_bad_quality(digits_cnn):
    from fgsm_edu.defences import jpeg_defence

    with pytest.raises(fgsm_edu.InvalidArgumentError, match="1 to 95"):
        jpeg_defence(digits_cnn, 100)


def test_fgsm_with_a_random_start_stays_in_the_ball(digits_cnn, digits):
    import tensorflow as tf

    from fgsm_edu.defences import fgsm_rs_examples

    x, y = tf.constant(digits.x_test[:16]), tf.constant(digits.y_test[:16])
    adv = fgsm_rs_examples(digits_cnn, x, y, tf.constant(0.1), tf.constant([0, 1])).numpy()
    assert np.abs(adv - x.numpy()).max() <= 0.1 + 1e-6 and adv.min() >= 0 and adv.max() <= 1
    again = fgsm_rs_examples(digits_cnn, x, y, tf.constant(0.1), tf.constant([0, 2])).numpy()
    assert not np.array_equal(adv, again)  # a different seed, a different start


def test_the_monitor_records_held_out_pgd_accuracy_after_each_epoch(digits):
    import keras

    from fgsm_edu.defences import adversarial_fit
    from fgsm_edu.models import build_digits_cnn, wrap_model

    keras.utils.set_random_seed(0)
    model = wrap_model(build_digits_cnn(), output="logits")
    held_out = (digits.x_test[:64], digits.y_test[:64])
    history = adversarial_fit(
        model, digits.x_train[:256], digits.y_train[:256], eps=0.1, epochs=2, pgd_steps=3, monitor=held_out
    )
    assert len(history) == 2 and len(history.pgd_accuracy) == 2 and history[-1] == history.loss[-1]
    now = evaluate(model, held_out, [0.1], attack="pgd", steps=3, seed=0, progress=False)[0]["accuracy"]
    assert history.pgd_accuracy[-1] == pytest.approx(now)
    assert adversarial_fit(model, digits.x_train[:64], digits.y_train[:64], eps=0.1, epochs=1).pgd_accuracy == []


# --- lesson 06's plots and exercise checkers ----------------------------------------------------


def test_minimal_epsilon_plot_names_the_counts_and_shows_both_ends(digits):
    from fgsm_edu import plots

    values = np.array([0.05, np.inf, 0.01, 0.2, 0.1])
    fig = plots.show_minimal_epsilon(values, digits.x_test[:5], digits.y_test[:5], k=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert "5 images, 1 never flipped" in titles[0]
    assert "ε = 0.01" in titles[1] and "ε = 0.05" in titles[2]  # least robust first
    assert "never" in titles[3] and "ε = 0.2" in titles[4]  # then the most robust


def test_transfer_plot_labels_every_cell(digits_cnn, digits_linear, digits):
    from fgsm_edu import plots

    matrix = transfer_matrix([digits_cnn, digits_linear], digits.x_test[:40], digits.y_test[:40], 0.1)
    texts = [t.get_text() for t in plots.show_transfer(matrix).axes[0].texts]
    assert texts == [f"{v:.1%}" for v in matrix.accuracy.ravel()]


def test_survivor_checker(digits_cnn, digits):
    from fgsm_edu import exercises

    x, y = digits.x_test[:50], digits.y_test[:50]
    adv = fgsm_edu.fgsm(digits_cnn, x, y, eps=0.2)
    counts = survival(digits_cnn, adv, y, quality=30)
    assert exercises.check_survivors(counts["jpeg 30"], digits_cnn, adv, y, format="jpeg", quality=30)
    if counts["fooled"] != counts["jpeg 30"]:
        verdict = exercises.check_survivors(counts["fooled"], digits_cnn, adv, y, format="jpeg", quality=30)
        assert not verdict and "before saving" in verdict.message
    assert not exercises.check_survivors(-1, digits_cnn, adv, y)


def test_minimal_eps_checker(digits_cnn, digits):
    from fgsm_edu import exercises

    grid = np.linspace(0, 0.3, 31)
    values = minimal_epsilon(digits_cnn, digits.x_test[:20], digits.y_test[:20], grid)
    i = int(np.flatnonzero(np.isfinite(values) & (values > 0.02))[0])
    x, y = digits.x_test[i], int(digits.y_test[i])
    assert exercises.check_minimal_eps(values[i], digits_cnn, x, y, grid)
    assert "smaller ε" in exercises.check_minimal_eps(0.3, digits_cnn, x, y, grid).message or values[i] == 0.3
    assert "still gets" in exercises.check_minimal_eps(0.0, digits_cnn, x, y, grid).message
    assert "not one of the epsilons" in exercises.check_minimal_eps(0.0123, digits_cnn, x, y, grid).message


def test_best_source_checker(digits_cnn, digits_linear, digits):
    from fgsm_edu import exercises
    from fgsm_edu.transfer import TransferMatrix

    acc = np.array([[0.1, 0.5, 0.7], [0.6, 0.2, 0.4], [0.9, 0.3, 0.1]])
    matrix = TransferMatrix(("a", "b", "c"), acc, np.ones(3), 0.1)
    assert exercises.check_best_source("b", matrix, "a")  # column a: b gives 0.6 < c's 0.9
    assert "another source" in exercises.check_best_source("c", matrix, "a").message
    assert "target itself" in exercises.check_best_source("a", matrix, "a").message
    assert "not one of the models" in exercises.check_best_source("z", matrix, "a").message
