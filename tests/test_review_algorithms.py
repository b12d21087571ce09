"""The algorithms as their papers define them (review 2026-11-30, issue 19 part 1): one test per fixed item."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from fgsm_edu.defences import DEFAULT_ADV_WEIGHT, adversarial_fit, fgsm_rs_examples, pgd_examples
from fgsm_edu.gradients import USE_PREDICTION, cross_entropy
from fgsm_edu.models import build_digits_linear


def _threshold_model() -> keras.Model:
    """The review's 1-D two-class model: 2 logits, class 0 iff x > 0.5."""
    inputs = keras.Input((1, 1, 1))
    dense = keras.layers.Dense(2)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([np.array([[10.0, -10.0]], np.float32), np.array([-5.0, 5.0], np.float32)])
    return model


# 1. labels="predicted": the label is taken once, on the clean image.


def test_training_pgd_keeps_the_clean_prediction_for_every_step():
    # At x = 0.55 the model says class 0; pushing away from class 0 for all 10 steps of 0.075 reaches x - eps.
    # Re-labelling each step (the old behaviour) stops at the boundary instead: about 0.45-0.54.
    x, y = tf.fill([16, 1, 1, 1], 0.55), tf.fill([16], USE_PREDICTION)
    adv = pgd_examples(_threshold_model(), x, y, tf.constant(0.3), 10, tf.constant([0, 1])).numpy()
    np.testing.assert_allclose(adv.ravel(), 0.25, atol=1e-6)


def test_training_fgsm_rs_takes_the_label_from_the_clean_image_not_the_random_start():
    # Starts below 0.5 are predicted class 1; re-labelled there, the step would go up, back to class 0.
    x, y = tf.fill([64, 1, 1, 1], 0.55), tf.fill([64], USE_PREDICTION)
    seed = tf.constant([0, 1])
    start = np.clip(0.55 + tf.random.stateless_uniform([64, 1, 1, 1], seed, -0.3, 0.3).numpy(), 0, 1).ravel()
    assert (start < 0.5).sum() > 10  # the case that tells the two rules apart occurs
    adv = fgsm_rs_examples(_threshold_model(), x, y, tf.constant(0.3), seed).numpy().ravel()
    np.testing.assert_allclose(adv, np.maximum(start - 0.375, 0.25), atol=1e-6)  # every step goes down


# 3. Each named training method is its paper's objective by default.


def _first_loss(attack: str, x: np.ndarray, y: np.ndarray, **kwargs: object) -> float:
    keras.utils.set_random_seed(0)
    model = build_digits_linear()
    return adversarial_fit(model, x, y, eps=0.2, attack=attack, epochs=1, batch_size=len(x), **kwargs)[0]


def _losses(attack: str, x: np.ndarray, y: np.ndarray, predicted: bool = False) -> tuple[float, float]:
    """(clean, adversarial) loss at the initial weights, on the batch as adversarial_fit orders it.

    predicted: attack the initial model's predictions on the clean images, given as fixed labels.
    """
    keras.utils.set_random_seed(0)
    model = build_digits_linear()
    order = np.random.default_rng(0).permutation(len(x))
    xb, yb, seed = tf.constant(x[order]), tf.constant(y[order]), tf.constant([0, 0], tf.int32)
    attack_y = tf.argmax(model(xb), -1, output_type=tf.int32) if predicted else yb
    if attack == "pgd":
        adv = pgd_examples(model, xb, attack_y, tf.constant(0.2), 7, seed)
    else:
        adv = fgsm_rs_examples(model, xb, attack_y, tf.constant(0.2), seed)
    clean, hard = (float(tf.reduce_mean(cross_entropy(model(v, training=True), yb))) for v in (xb, adv))
    return clean, hard


@pytest.mark.parametrize("attack", ["pgd", "fgsm_rs"])
def test_pgd_and_fgsm_rs_train_on_the_adversarial_loss_alone_by_default(digits, attack):
    x, y = digits.x_train[:96], digits.y_train[:96]
    clean, hard = _losses(attack, x, y)
    assert abs(hard - clean) > 0.05  # the two objectives differ here
    assert _first_loss(attack, x, y) == pytest.approx(hard, rel=1e-4)
    assert _first_loss(attack, x, y, adv_weight=0.5) == pytest.approx(0.5 * (clean + hard), rel=1e-4)


@pytest.mark.parametrize("attack", ["pgd", "fgsm_rs"])
def test_adversarial_fit_with_predicted_labels_attacks_the_clean_prediction(digits, attack):
    # The compiled training step, not only the example makers: its loss is the one of an attack on the
    # clean images' predicted classes, passed as fixed labels (the initial linear model gets most wrong).
    x, y = digits.x_train[:96], digits.y_train[:96]
    _, hard = _losses(attack, x, y, predicted=True)
    assert hard != pytest.approx(_losses(attack, x, y)[1], rel=1e-3)  # not the true-label attack
    assert _first_loss(attack, x, y, labels="predicted", adv_weight=1.0) == pytest.approx(hard, rel=1e-4)


def test_fgsm_training_is_goodfellows_half_and_half_by_default(digits):
    x, y = digits.x_train[:96], digits.y_train[:96]
    assert DEFAULT_ADV_WEIGHT == {"fgsm": 0.5, "fgsm_rs": 1.0, "pgd": 1.0}
    assert _first_loss("fgsm", x, y) == pytest.approx(_first_loss("fgsm", x, y, adv_weight=0.5), rel=1e-6)
    assert _first_loss("fgsm", x, y) != pytest.approx(_first_loss("fgsm", x, y, adv_weight=1.0), rel=1e-3)


# 2. quantize: never farther from x than max(eps, half a grey level); at eps 0, x's nearest level.

HALF_LEVEL = 0.5 / 255
TOLERANCE = 1e-3 / 255 + 1e-7  # quantize's documented 1e-3 grey level, plus float32 rounding
OFF_GRID_EPS = [0.0, 0.25 / 255, 0.001, 0.6 / 255, 1 / 255, 0.05]


def _photo_model() -> keras.Model:
    """A small random CNN on 16x16 RGB photos (any model will do: quantize's bound holds whatever the gradient)."""
    from fgsm_edu.models import wrap_model

    keras.utils.set_random_seed(1)
    inputs = keras.Input((16, 16, 3))
    hidden = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    core = keras.Model(inputs, keras.layers.Dense(5)(keras.layers.Flatten()(hidden)))
    return wrap_model(core, output="logits", name="photo16")


@pytest.fixture(scope="module")
def off_grid(request: pytest.FixtureRequest) -> list[tuple[keras.Model, np.ndarray]]:
    """(model, images) pairs whose pixels lie between grey levels: k/16 digits and a resized photo."""
    from fgsm_edu.data import sample_image

    digits = request.getfixturevalue("digits")
    photos = np.stack([sample_image(name, size=16) for name in ("flower", "china")])
    cases = [(request.getfixturevalue("digits_cnn"), digits.x_test[:24]), (_photo_model(), photos)]
    for _, x in cases:
        assert np.mean(np.abs(x * 255 - np.round(x * 255)) > 0.01) > 0.3  # most pixels are off the grid
    return cases


def _assert_on_grid_and_close(q: np.ndarray, x: np.ndarray, eps: float) -> None:
    from fgsm_edu.saving import from_uint8, to_uint8

    np.testing.assert_array_equal(q, from_uint8(to_uint8(q)))  # multiples of 1/255
    assert np.abs(q - x).max() <= max(eps, HALF_LEVEL) + TOLERANCE
    if eps == 0:
        np.testing.assert_array_equal(np.broadcast_to(from_uint8(to_uint8(x)), q.shape), q)  # the nearest level


def test_quantize_by_hand_where_no_level_is_within_eps():
    from fgsm_edu.saving import quantize

    x = np.array([1 / 16, 8 / 16, 15.3 / 255], np.float32)  # 15.94, 127.5 and 15.3 levels
    for eps, adv, expected in ((0.0, x, [16, 128, 15]), (0.001, x + 0.001, [16, 128, 15])):
        got = quantize(adv, x, eps).numpy() * 255
        np.testing.assert_allclose(got, expected, atol=1e-4)


@pytest.mark.parametrize("eps", OFF_GRID_EPS)
def test_quantized_fgsm_pgd_and_bim_stay_within_eps_or_half_a_level(off_grid, eps):
    import fgsm_edu

    for model, x in off_grid:
        _assert_on_grid_and_close(fgsm_edu.fgsm(model, x, eps=eps, quantize=True), x, eps)
        _assert_on_grid_and_close(fgsm_edu.pgd(model, x, eps=eps, steps=3, seed=0, quantize=True), x, eps)
        _assert_on_grid_and_close(fgsm_edu.bim(model, x, eps=eps, steps=3, quantize=True), x, eps)


def test_quantized_sweep_stays_within_each_eps_and_its_zero_row_is_the_nearest_level(off_grid):
    import fgsm_edu

    for model, x in off_grid:
        sweep = fgsm_edu.fgsm_sweep(model, x, epsilons=OFF_GRID_EPS, quantize=True)
        for eps, images in zip(sweep.epsilons, sweep.images, strict=True):
            _assert_on_grid_and_close(images, x, float(eps))


def test_quantized_minimal_epsilon_is_zero_only_for_images_wrong_on_their_nearest_levels(off_grid):
    from fgsm_edu.models import logits
    from fgsm_edu.robustness import minimal_epsilon
    from fgsm_edu.saving import from_uint8, to_uint8

    for model, x in off_grid:
        y = logits(model, x).argmax(-1)  # right on every clean image
        values = minimal_epsilon(model, x, y, [0.0, 0.001, 2 / 255, 0.1], quantize=True)
        wrong_when_saved = logits(model, from_uint8(to_uint8(x))).argmax(-1) != y
        np.testing.assert_array_equal(values == 0, wrong_when_saved)


# 4. One JPEG: the defence and round_trip(format="jpeg") turn floats into 8-bit levels the same way.


@pytest.mark.parametrize("channels", [1, 3])
def test_jpeg_defence_and_round_trip_agree_bit_for_bit_on_off_grid_pixels(channels):
    from fgsm_edu.defences import JpegCompression
    from fgsm_edu.saving import round_trip

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (3, 16, 16, channels)).astype(np.float32)
    x[0] = 100.7 / 255  # between levels 100 and 101: TF's own float->uint8 truncated it to 100
    x[1] = 99.7 / 255
    for quality in (40, 95):
        layer = JpegCompression(quality, bpda=True)
        defended = tf.function(lambda images, layer=layer: layer(images))(tf.constant(x)).numpy()
        np.testing.assert_array_equal(defended, round_trip(x, "jpeg", quality))
    # At quality 95 a flat grey at level 100 or 101 survives JPEG exactly, so the rounding shows:
    np.testing.assert_array_equal(np.round(defended[:2, 0, 0, 0] * 255), [101, 100])  # rounded, not truncated


def test_jpeg_levels_are_to_uint8_bit_for_bit():
    from fgsm_edu.saving import to_levels, to_uint8

    x = np.concatenate([np.arange(0, 256.0, 0.1) / 255, [-0.1, 1.2, 127.5 / 255, 128.5 / 255]]).astype(np.float32)
    np.testing.assert_array_equal(to_levels(tf.constant(x)).numpy(), to_uint8(x))


@pytest.mark.parametrize("bpda", [True, False])
def test_jpeg_layer_gradient_in_a_graph_is_the_identity_or_zero(bpda):
    from fgsm_edu.defences import JpegCompression

    layer = JpegCompression(50, bpda=bpda)

    @tf.function
    def gradient(images: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            tape.watch(images)
            total = tf.reduce_sum(layer(images) * tf.range(64, dtype=tf.float32)[None, :, None, None])
        return tape.gradient(total, images)

    grad = gradient(tf.random.stateless_uniform([2, 64, 8, 1], [0, 0])).numpy()
    expected = np.broadcast_to(np.arange(64, dtype=np.float32)[None, :, None, None], grad.shape)
    np.testing.assert_array_equal(grad, expected if bpda else 0 * expected)


# 5. SSIM on images smaller than its 11x11 window: a uniform window, so every pixel counts the same.


def _invert(image: np.ndarray, where: list[tuple[int, int]]) -> np.ndarray:
    out = image.copy()
    for i, j in where:
        out[i, j] = 1 - out[i, j]
    return out


CORNERS, CENTRE = [(0, 0), (0, 7), (7, 0), (7, 7)], [(3, 3), (3, 4), (4, 3), (4, 4)]


def test_small_image_ssim_does_not_depend_on_where_the_change_is(digits):
    # Inverting 4 corner pixels or the 4 centre pixels of the same values is the same change, moved: with a
    # uniform window over the whole 8x8 image SSIM is the same for both (the centre-weighted Gaussian of
    # sigma 1.5 gave 0.997 and 0.448 on this digit, whose corner and centre values happen to match).
    from fgsm_edu.visibility import ssim

    x = digits.x_test[0]
    assert sorted(x[[0, 0, 7, 7], [0, 7, 0, 7], 0]) == sorted(x[3:5, 3:5, 0].ravel())
    rng = np.random.default_rng(0)
    texture = rng.uniform(0, 1, (8, 8, 1)).astype(np.float32)
    texture[3:5, 3:5, 0] = texture[[0, 0, 7, 7], [0, 7, 0, 7], 0].reshape(2, 2)  # the same values in both places
    for image in (x, texture):
        scores = ssim(np.stack([image, image]), np.stack([_invert(image, CORNERS), _invert(image, CENTRE)]))
        assert scores[0] == pytest.approx(scores[1], abs=1e-5)
        assert scores[0] < 0.99  # and the change is seen


def test_small_image_ssim_is_the_whole_image_formula():
    from fgsm_edu.visibility import ssim

    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 1, (2, 8, 8, 1))
    mu_a, mu_b, cov = a.mean(), b.mean(), np.mean((a - a.mean()) * (b - b.mean()))
    c1, c2 = 0.01**2, 0.03**2
    expected = (2 * mu_a * mu_b + c1) * (2 * cov + c2) / ((mu_a**2 + mu_b**2 + c1) * (a.var() + b.var() + c2))
    got = ssim(a.astype(np.float32)[None], b.astype(np.float32)[None])[0]
    assert got == pytest.approx(expected, abs=1e-5)


def test_large_image_ssim_keeps_the_standard_gaussian_window():
    from fgsm_edu.visibility import ssim

    rng = np.random.default_rng(2)
    a, b = rng.uniform(0, 1, (2, 1, 28, 28, 1)).astype(np.float32)
    expected = tf.image.ssim(tf.constant(a), tf.constant(b), max_val=1.0).numpy()  # 11x11, sigma 1.5
    np.testing.assert_allclose(ssim(a, b), expected, rtol=1e-6)


# 6. transfer_matrix's PGD: a random start per (batch, source model), reproducible with a seed.


def test_transfer_matrix_pgd_seeds_each_batch_and_source_differently_and_reproducibly(
    digits_cnn, digits_linear, digits, monkeypatch
):
    from fgsm_edu import evaluation
    from fgsm_edu.transfer import transfer_matrix

    seen: list[int] = []

    def recording_pgd(*args: object, **kwargs: object) -> np.ndarray:
        seen.append(kwargs["seed"])  # type: ignore[arg-type]
        return real_pgd(*args, **kwargs)

    real_pgd = evaluation.pgd
    monkeypatch.setattr(evaluation, "pgd", recording_pgd)
    x, y = digits.x_test[:30], digits.y_test[:30]
    models = {"cnn": digits_cnn, "linear": digits_linear}
    runs = []
    for seed in (3, 3, 4):
        seen.clear()
        matrix = transfer_matrix(models, x, y, 0.1, attack="pgd", batch_size=10, steps=2, seed=seed)
        runs.append((list(seen), matrix.accuracy))
    assert len(runs[0][0]) == 6 and len(set(runs[0][0])) == 6  # 3 batches x 2 sources, all different
    assert runs[0][0] == runs[1][0] and np.array_equal(runs[0][1], runs[1][1])  # the same seed, the same matrix
    assert not set(runs[0][0]) & set(runs[2][0])


# 6. batch_size is checked wherever it is taken, with one message that says what to pass.


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "64", None])
def test_every_batch_size_is_checked_with_one_clear_message(digits_cnn, digits_linear, digits, bad):
    from fgsm_edu.errors import InvalidArgumentError
    from fgsm_edu.evaluation import evaluate, most_confidently_fooled
    from fgsm_edu.robustness import minimal_epsilon
    from fgsm_edu.transfer import transfer_matrix

    x, y = digits.x_test[:4], digits.y_test[:4]
    calls = [
        lambda: minimal_epsilon(digits_cnn, x, y, [0.0, 0.1], batch_size=bad),
        lambda: transfer_matrix([digits_cnn, digits_linear], x, y, 0.1, batch_size=bad),
        lambda: evaluate(digits_cnn, (x, y), [0.1], batch_size=bad, progress=False),
        lambda: most_confidently_fooled(digits_cnn, x, y, 0.1, batch_size=bad),
        lambda: adversarial_fit(build_digits_linear(), x, y, eps=0.1, batch_size=bad),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError, match=r"batch_size must be a positive whole number.*batch_size=64"):
            call()


def test_batch_size_message_is_in_japanese_too():
    from fgsm_edu import i18n
    from fgsm_edu.checks import check_batch_size
    from fgsm_edu.errors import InvalidArgumentError

    i18n.set_language("ja")
    try:
        with pytest.raises(InvalidArgumentError, match="正の整数"):
            check_batch_size(0)
    finally:
        i18n.set_language("en")
    assert check_batch_size(np.int64(8)) == 8


# 6. at_minimal_epsilon says which images do not flip at their epsilon.


def test_at_minimal_epsilon_names_the_images_that_do_not_flip(digits_cnn, digits):
    from fgsm_edu.models import logits
    from fgsm_edu.robustness import at_minimal_epsilon, minimal_epsilon

    x, y = digits.x_test[:40], digits.y_test[:40]
    keep = logits(digits_cnn, x).argmax(-1) == y
    x, y = x[keep], y[keep]
    values = minimal_epsilon(digits_cnn, x, y, np.linspace(0, 0.4, 81))
    flips = np.isfinite(values)
    assert flips.sum() >= 3
    x, y, values = x[flips][:3], y[flips][:3], values[flips][:3]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # at their minimal epsilons every image flips: no warning
        edge = at_minimal_epsilon(digits_cnn, x, y, values)
    assert (logits(digits_cnn, edge).argmax(-1) != y).all()
    too_small = values.copy()
    too_small[1] = 0.0  # FGSM at eps 0 leaves image 1 as it is, correctly classified
    with pytest.warns(UserWarning, match=r"1 of 3 images are still classified correctly.*\[1\]"):
        at_minimal_epsilon(digits_cnn, x, y, too_small)
