"""evaluate() and most_confidently_fooled(): records checked against the attacks computed one by one."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import fgsm_edu
from fgsm_edu import FgsmEduError, InvalidArgumentError, InvalidTypeError
from fgsm_edu.evaluation import evaluate, most_confidently_fooled

EPS = [0.1, 0.0, 0.05, 0.02, 0.05]  # unsorted, with a duplicate


def _accuracy_and_confidence(model, adv, y):
    probs = fgsm_edu.predict(model, adv).probabilities[:, 0]
    return float((fgsm_edu.predict(model, adv).ids[:, 0] == y).mean()), float(probs.mean())


def test_fgsm_records_match_attacks_done_one_by_one(digits, digits_cnn):
    x, y = digits.x_test[:200], digits.y_test[:200]
    records = evaluate(digits_cnn, (x, y), EPS, batch_size=64, progress=False)
    assert [r["eps"] for r in records] == [0.0, 0.02, 0.05, 0.1]
    assert all(set(r) == {"eps", "accuracy", "mean_confidence", "n"} and r["n"] == 200 for r in records)
    for record in records:
        accuracy, confidence = _accuracy_and_confidence(digits_cnn, fgsm_edu.fgsm(digits_cnn, x, y, record["eps"]), y)
        assert record["accuracy"] == pytest.approx(accuracy, abs=1e-9)
        assert record["mean_confidence"] == pytest.approx(confidence, abs=1e-5)
    accuracies = [r["accuracy"] for r in records]
    assert accuracies[0] > 0.9 and accuracies[-1] < accuracies[0]  # the attack works


def test_dataset_of_batches_equals_arrays(digits, digits_linear):
    x, y = digits.x_test, digits.y_test
    from_arrays = evaluate(digits_linear, (x, y), [0.0, 0.03], batch_size=450, progress=False)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(37)
    from_dataset = evaluate(digits_linear, dataset, [0.0, 0.03], progress=False)
    from_digits = evaluate(digits_linear, digits, [0.0, 0.03], batch_size=450, progress=False)  # its test split
    assert from_digits == from_arrays
    for a, b in zip(from_arrays, from_dataset, strict=True):
        assert a["n"] == b["n"] == len(x)
        assert a["accuracy"] == b["accuracy"]
        assert a["mean_confidence"] == pytest.approx(b["mean_confidence"], abs=1e-5)


def test_streams_a_dataset_larger_than_memory_would_like(digits, digits_linear):
    """A generator dataset with no known length is consumed batch by batch; n counts every image."""
    x, y = digits.x_test[:100], digits.y_test[:100]

    def gen():
        for _ in range(12):
            yield x, y

    spec = (tf.TensorSpec((None, 8, 8, 1), tf.float32), tf.TensorSpec((None,), tf.int32))
    records = evaluate(digits_linear, tf.data.Dataset.from_generator(gen, output_signature=spec), [0.0], progress=False)
    single = evaluate(digits_linear, (x, y), [0.0], progress=False)
    assert records[0]["n"] == 1200
    assert records[0]["accuracy"] == single[0]["accuracy"]


def test_bim_records_match_bim(digits, digits_cnn):
    x, y = digits.x_test[:64], digits.y_test[:64]
    records = evaluate(digits_cnn, (x, y), [0.0, 0.1], attack="bim", steps=3, progress=False)
    assert records[0]["accuracy"] == pytest.approx(_accuracy_and_confidence(digits_cnn, x, y)[0])
    accuracy, confidence = _accuracy_and_confidence(digits_cnn, fgsm_edu.bim(digits_cnn, x, y, 0.1, steps=3), y)
    assert records[1]["accuracy"] == pytest.approx(accuracy, abs=1e-9)
    assert records[1]["mean_confidence"] == pytest.approx(confidence, abs=1e-4)


def test_pgd_is_reproducible_with_a_seed_and_stronger_than_fgsm(digits, digits_cnn):
    x, y = digits.x_test[:64], digits.y_test[:64]
    first = evaluate(digits_cnn, (x, y), [0.1], attack="pgd", steps=5, seed=3, progress=False)
    again = evaluate(digits_cnn, (x, y), [0.1], attack="pgd", steps=5, seed=3, progress=False)
    one_step = evaluate(digits_cnn, (x, y), [0.1], progress=False)
    assert first == again
    assert first[0]["accuracy"] <= one_step[0]["accuracy"]
    direct = _accuracy_and_confidence(digits_cnn, fgsm_edu.pgd(digits_cnn, x, y, 0.1, steps=5, seed=3), y)[0]
    assert abs(first[0]["accuracy"] - direct) <= 2 / 64  # same random start, up to float rounding


def test_progress_bar_can_be_hidden(digits, digits_linear, capsys):
    data = (digits.x_test[:20], digits.y_test[:20])
    evaluate(digits_linear, data, [0.0], batch_size=10, progress=True)
    assert "FGSM evaluation" in capsys.readouterr().err
    evaluate(digits_linear, data, [0.0], batch_size=10, progress=False)
    assert "FGSM evaluation" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"attack": "deepfool"}, InvalidArgumentError, "attack must be one of"),
        ({"steps": 3}, InvalidArgumentError, "takes no argument steps"),
        ({"attack": "pgd", "steps": 0}, InvalidArgumentError, "steps must be a positive int"),
        ({"attack": "bim", "norm": 1}, InvalidArgumentError, "norm=np.inf or 2"),
        ({"batch_size": 0}, InvalidArgumentError, "batch_size"),
    ],
)
def test_bad_arguments_say_what_to_do(digits, digits_linear, kwargs, error, words):
    with pytest.raises(error, match=words):
        evaluate(digits_linear, (digits.x_test[:4], digits.y_test[:4]), [0.0], progress=False, **kwargs)


def test_bad_data_is_refused(digits, digits_linear):
    x, y = digits.x_test[:4], digits.y_test[:4]
    with pytest.raises(InvalidArgumentError, match="4 images but 3 labels"):
        evaluate(digits_linear, (x, y[:3]), [0.0], progress=False)
    with pytest.raises(InvalidArgumentError, match="divide by 255"):
        evaluate(digits_linear, (x * 255, y), [0.0], progress=False)
    with pytest.raises(InvalidArgumentError, match="no images"):
        evaluate(digits_linear, (x[:0], y[:0]), [0.0], progress=False)
    with pytest.raises(InvalidTypeError, match="pair of arrays"):
        evaluate(digits_linear, x, [0.0], progress=False)
    with pytest.raises(InvalidArgumentError, match=r"\(x, y\) batches"):
        evaluate(digits_linear, tf.data.Dataset.from_tensor_slices(x).batch(2), [0.0], progress=False)
    with pytest.raises(FgsmEduError, match="larger than the whole pixel range"):
        evaluate(digits_linear, (x, y), [8], progress=False)


def test_most_confidently_fooled(digits, digits_cnn):
    x, y = digits.x_test[:150], digits.y_test[:150]
    fooled = most_confidently_fooled(digits_cnn, x, y, eps=0.1, k=5, batch_size=40)
    assert len(fooled) == 5 and fooled.eps == 0.1
    assert np.all(np.diff(fooled.confidence) <= 0)  # most confident first
    np.testing.assert_array_equal(fooled.labels, y[fooled.indices])
    np.testing.assert_array_equal(fooled.originals, x[fooled.indices])
    assert np.abs(fooled.images - fooled.originals).max() <= 0.1 + 1e-6
    adv_pred = fgsm_edu.predict(digits_cnn, fooled.images)
    np.testing.assert_array_equal(adv_pred.ids[:, 0], fooled.predicted)
    np.testing.assert_allclose(adv_pred.probabilities[:, 0], fooled.confidence, atol=1e-5)
    assert np.all(fooled.predicted != fooled.labels)
    assert np.all(fgsm_edu.predict(digits_cnn, fooled.originals).ids[:, 0] == fooled.labels)  # fooled, not wrong
    # no image outside the gallery is fooled more confidently
    probs = fgsm_edu.predict(digits_cnn, fgsm_edu.fgsm(digits_cnn, x, y, 0.1))
    clean = fgsm_edu.predict(digits_cnn, x).ids[:, 0]
    wrong = (probs.ids[:, 0] != y) & (clean == y)
    assert np.sort(probs.probabilities[wrong, 0])[::-1][:5] == pytest.approx(fooled.confidence, abs=1e-5)


def test_most_confidently_fooled_with_nothing_fooled(digits, digits_cnn):
    fooled = most_confidently_fooled(digits_cnn, digits.x_test[:20], digits.y_test[:20], eps=0.0, k=3)
    assert len(fooled) == 0 and fooled.images.shape == (0, 8, 8, 1)
    bim = most_confidently_fooled(digits_cnn, digits.x_test[:40], digits.y_test[:40], 0.2, k=2, attack="bim", steps=3)
    assert len(bim) == 2 and np.all(bim.predicted != bim.labels)


def test_l2_budgets_above_one_are_evaluated(digits, digits_cnn):
    x, y = digits.x_test[:40], digits.y_test[:40]
    records = fgsm_edu.evaluate(digits_cnn, (x, y), [0.0, 2.0], norm=2, progress=False)
    adv = fgsm_edu.fgsm(digits_cnn, x, y, eps=2.0, norm=2)
    expected = float(np.mean(fgsm_edu.predict(digits_cnn, adv).ids[:, 0] == y))
    assert records[1]["eps"] == 2.0 and records[1]["accuracy"] == pytest.approx(expected)


def test_l2_step_sizes_above_one_are_accepted_like_pgd(digits, digits_cnn):
    x, y = digits.x_test[:20], digits.y_test[:20]
    records = fgsm_edu.evaluate(digits_cnn, (x, y), [2.0], attack="bim", norm=2, steps=2, step_size=1.5, progress=False)
    adv = fgsm_edu.bim(digits_cnn, x, y, eps=2.0, norm=2, steps=2, step_size=1.5)
    assert records[0]["accuracy"] == pytest.approx(np.mean(fgsm_edu.predict(digits_cnn, adv).ids[:, 0] == y))
