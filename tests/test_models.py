"""Models own their preprocessing and output logits; digits models reach their accuracies."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import fgsm_edu
from fgsm_edu.models import ends_in_softmax, model_info


def accuracy(model, x, y) -> float:
    return float(np.mean(fgsm_edu.predict(model, x).ids[:, 0] == y))


def test_digits_split_is_fixed_and_in_range(digits):
    again = fgsm_edu.load_digits_data()
    assert digits.x_train.shape[1:] == (8, 8, 1) and digits.x_train.dtype == np.float32
    assert len(digits.x_train) + len(digits.x_test) == 1797
    assert digits.x_train.min() >= 0.0 and digits.x_train.max() <= 1.0
    np.testing.assert_array_equal(digits.y_test, again.y_test)


def test_shipped_digits_weights_reach_stated_accuracies(digits, digits_cnn, digits_linear):
    assert accuracy(digits_cnn, digits.x_test, digits.y_test) >= 0.97
    assert accuracy(digits_linear, digits.x_test, digits.y_test) >= 0.94


def test_digits_linear_is_a_single_dense_layer(digits_linear):
    dense = [layer for layer in digits_linear.layers if isinstance(layer, keras.layers.Dense)]
    assert len(dense) == 1 and dense[0].kernel.shape == (64, 10)


def test_mobilenet_wraps_keras_own_model_with_preprocessing_inside(mobilenet):
    inner = [layer for layer in mobilenet.layers if isinstance(layer, keras.Model)]
    assert len(inner) == 1 and inner[0].name.startswith("mobilenet")
    rescale = mobilenet.get_layer("to_minus1_plus1")
    x = np.array([[0.0, 0.5, 1.0]], np.float32)
    np.testing.assert_allclose(np.asarray(rescale(x)), [[-1.0, 0.0, 1.0]])
    assert model_info(mobilenet).input_shape == (224, 224, 3)
    assert mobilenet.output_shape == (None, 1000)


def test_mobilenet_outputs_logits_not_probabilities(mobilenet, flower):
    out = np.asarray(mobilenet(flower[None], training=False))
    assert not np.allclose(out.sum(), 1.0, atol=1e-3) or out.min() < 0


def test_unknown_model_lists_known_ones():
    with pytest.raises(fgsm_edu.ModelError, match="digits_cnn"):
        fgsm_edu.load_model("resnet")


def test_missing_weights_file_is_a_clear_error(tmp_path):
    with pytest.raises(fgsm_edu.ModelError, match="does not exist"):
        fgsm_edu.load_model("digits_cnn", weights=tmp_path / "nope.weights.h5")


def test_predict_names_and_probabilities(digits, digits_cnn):
    pred = fgsm_edu.predict(digits_cnn, digits.x_test[0], top=3)
    assert pred.ids.shape == (3,) and pred.probabilities[0] >= pred.probabilities[1] >= pred.probabilities[2]
    assert pred.label == str(pred.ids[0]) and str(pred).endswith("%)")
    batch = fgsm_edu.predict(digits_cnn, digits.x_test[:5], top=2)
    assert batch.ids.shape == (5, 2) and len(batch.names) == 5


def test_mobilenet_with_random_weights_still_shows_real_imagenet_names(mobilenet, flower):
    prediction = fgsm_edu.predict(mobilenet, flower)  # the class index ships with the package: no download
    assert prediction.label == fgsm_edu.model_info(mobilenet).class_names[int(prediction.ids[0])]
    assert not prediction.label.startswith("class ") and fgsm_edu.model_info(mobilenet).class_names[1] == "goldfish"


def _softmax_model() -> keras.Model:
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def test_wrap_model_detects_softmax_and_recovers_logits(digits):
    user = _softmax_model()
    assert ends_in_softmax(user)
    wrapped = fgsm_edu.wrap_model(user)
    probs = np.asarray(user(digits.x_test[:4]))
    logits = np.asarray(wrapped(digits.x_test[:4]))
    np.testing.assert_allclose(fgsm_edu.models.softmax(logits), probs, rtol=1e-4, atol=1e-6)
    assert not np.allclose(logits.sum(-1), 1.0)


def test_wrap_model_keeps_logits_model_and_applies_preprocessing(digits, digits_cnn):
    wrapped = fgsm_edu.wrap_model(digits_cnn, preprocess=lambda x: x * 1.0, output="auto")
    np.testing.assert_allclose(
        np.asarray(wrapped(digits.x_test[:3])), np.asarray(digits_cnn(digits.x_test[:3])), rtol=1e-5
    )
    scaled_user = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Rescaling(1 / 16), digits_cnn])
    wrapped = fgsm_edu.wrap_model(scaled_user, preprocess=lambda x: x * 16.0, output="logits")
    np.testing.assert_allclose(
        np.asarray(wrapped(digits.x_test[:3])), np.asarray(digits_cnn(digits.x_test[:3])), rtol=1e-4
    )


def test_wrap_model_declared_probabilities_without_softmax_layer(digits):
    inputs = keras.Input((8, 8, 1))
    dense = keras.layers.Dense(10)(keras.layers.Flatten()(inputs))
    user = keras.Model(inputs, keras.layers.Activation("softmax")(dense))
    wrapped = fgsm_edu.wrap_model(user, output="probabilities", class_names=list("abcdefghij"))
    np.testing.assert_allclose(
        fgsm_edu.models.softmax(np.asarray(wrapped(digits.x_test[:2]))), np.asarray(user(digits.x_test[:2])), atol=1e-6
    )
    assert fgsm_edu.predict(wrapped, digits.x_test[0]).label in "abcdefghij"


def test_wrap_model_refuses_several_outputs():
    inputs = keras.Input((8, 8, 1))
    flat = keras.layers.Flatten()(inputs)
    two = keras.Model(inputs, [keras.layers.Dense(10)(flat), keras.layers.Dense(2)(flat)])
    with pytest.raises(fgsm_edu.ModelError, match="2 outputs"):
        fgsm_edu.wrap_model(two)
