"""Models: unknown names, user models FGSM cannot attack as they are, softmax endings, user files."""

from __future__ import annotations

import pickle

import keras
import numpy as np
import pytest

import fgsm_edu
from fgsm_edu.models import load_keras_file

X = np.random.default_rng(0).random((2, 8, 8, 1)).astype(np.float32)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("resnet50", ""),
        ("MobileNetV2", "Did you mean 'mobilenet_v2'?"),
        ("digits-cnn", "Did you mean 'digits_cnn'?"),
        ("", ""),
    ],
)
def test_unknown_model_names_list_the_known_ones(name, hint):
    with pytest.raises(fgsm_edu.ModelError, match="known models: mobilenet_v2, digits_cnn, digits_linear") as info:
        fgsm_edu.load_model(name)
    assert hint in str(info.value)


def test_load_model_given_a_model_points_to_wrap_model(digits_linear):
    with pytest.raises(fgsm_edu.ModelError, match="wrap_model"):
        fgsm_edu.load_model(digits_linear)


def test_bad_weights(tmp_path):
    with pytest.raises(fgsm_edu.ModelError, match="does not exist"):
        fgsm_edu.load_model("digits_cnn", weights=tmp_path / "missing.weights.h5")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(fgsm_edu.ModelError, match="weights.h5"):
        fgsm_edu.load_model("digits_cnn", weights=tmp_path / "notes.txt")
    other = fgsm_edu.models.WEIGHTS_DIR / "digits_linear.weights.h5"  # real weights, wrong architecture
    with pytest.raises(fgsm_edu.ModelError, match="same architecture"):
        fgsm_edu.load_model("digits_cnn", weights=other)
    with pytest.raises(fgsm_edu.ModelError, match="no ImageNet weights"):
        fgsm_edu.load_model("digits_linear", weights="imagenet")


def test_something_that_is_not_a_model(digits_linear):
    with pytest.raises(fgsm_edu.ModelError, match="expected a Keras model"):
        fgsm_edu.fgsm("digits_cnn", X, eps=0.1)


def _functional(outputs_fn, input_kwargs=None):
    inputs = keras.Input(**(input_kwargs or {"shape": (8, 8, 1)}))
    return keras.Model(inputs, outputs_fn(inputs))


def _two_outputs():
    def heads(inputs):
        flat = keras.layers.Flatten()(inputs)
        return [keras.layers.Dense(10)(flat), keras.layers.Dense(2)(flat)]

    return _functional(heads)


def _two_inputs():
    a, b = keras.Input((8, 8, 1)), keras.Input((3,))
    flat = keras.layers.Concatenate()([keras.layers.Flatten()(a), b])
    return keras.Model([a, b], keras.layers.Dense(10)(flat))


def _no_batch_axis():
    return _functional(lambda i: keras.layers.Dense(10)(keras.layers.Flatten()(i)), {"batch_shape": (8, 8, 1)})


def _flat_input():
    return _functional(lambda i: keras.layers.Dense(10)(i), {"shape": (64,)})


def _segmentation():
    return _functional(lambda i: keras.layers.Conv2D(10, 1)(i))


BAD_MODELS = {
    "two outputs": (_two_outputs, "2 outputs"),
    "two inputs": (_two_inputs, "2 inputs"),
    "no batch axis": (_no_batch_axis, "no batch axis"),
    "flat (N, 64) input": (_flat_input, "Flatten"),
    "per-pixel output": (_segmentation, r"\(N, classes\)"),
}


@pytest.mark.parametrize("case", list(BAD_MODELS))
@pytest.mark.parametrize("use", ["wrap_model", "fgsm directly"])
def test_models_fgsm_cannot_attack_are_explained(case, use):
    build, message = BAD_MODELS[case]
    model = build()
    with pytest.raises(fgsm_edu.ModelError, match=message) as info:
        if use == "wrap_model":
            fgsm_edu.wrap_model(model)
        else:
            fgsm_edu.fgsm(model, X, eps=0.1)
    assert "\n" not in str(info.value)


def _softmax_model(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return _functional(lambda i: keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(i)))


def test_a_bare_softmax_model_is_refused_with_the_fix():
    with pytest.raises(fgsm_edu.ModelError, match=r"ends in softmax.*wrap_model"):
        fgsm_edu.fgsm(_softmax_model(), X, eps=0.1)


def test_softmax_is_detected_and_declaring_overrides_the_detection():
    user = _softmax_model()
    auto = fgsm_edu.wrap_model(user)
    probs = np.asarray(user(X))
    np.testing.assert_allclose(fgsm_edu.models.softmax(np.asarray(auto(X))), probs, atol=1e-6)
    declared = fgsm_edu.wrap_model(user, output="logits")  # "I know what I am doing": taken as it is
    np.testing.assert_allclose(np.asarray(declared(X)), probs, atol=1e-6)
    logits_user = _functional(lambda i: keras.layers.Dense(10)(keras.layers.Flatten()(i)))
    forced = fgsm_edu.wrap_model(logits_user, output="probabilities")  # declared: log is applied
    np.testing.assert_allclose(np.asarray(forced(X)), np.log(np.maximum(np.asarray(logits_user(X)), 1e-12)), atol=1e-5)
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="output must be"):
        fgsm_edu.wrap_model(user, output="softmax")


# --- user files: .keras with safe_mode, never pickle -------------------------------------------


def test_load_keras_file_round_trip_without_unpickling(tmp_path, digits_linear, monkeypatch):
    path = tmp_path / "mine.keras"
    digits_linear.save(path)

    def no_pickle(*args, **kwargs):
        raise AssertionError("something was unpickled")

    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    monkeypatch.setattr(pickle, "Unpickler", no_pickle)
    loaded = load_keras_file(path, class_names=[str(i) for i in range(10)])
    np.testing.assert_allclose(np.asarray(loaded(X)), np.asarray(digits_linear(X)), atol=1e-5)
    assert fgsm_edu.fgsm(loaded, X, eps=0.1).shape == X.shape


def test_load_keras_file_wraps_a_softmax_model(tmp_path):
    user = _softmax_model()
    user.save(tmp_path / "soft.keras")
    loaded = load_keras_file(tmp_path / "soft.keras")
    np.testing.assert_allclose(fgsm_edu.models.softmax(np.asarray(loaded(X))), np.asarray(user(X)), atol=1e-5)


def test_load_keras_file_refuses_python_code(tmp_path):
    model = _functional(
        lambda i: keras.layers.Dense(10)(keras.layers.Lambda(lambda t: t * 2.0)(keras.layers.Flatten()(i)))
    )
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(fgsm_edu.ModelError, match="safe_mode"):
        load_keras_file(tmp_path / "lambda.keras")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("model.pkl", pickle.dumps({"weights": [1, 2]}), "pickle"),
        ("model.joblib", b"\x80\x04", "pickle"),
        ("model.h5", b"\x89HDF\r\n\x1a\n", "HDF5"),
        ("model.keras", b"not a zip file", "not a Keras '.keras' model file"),
        ("model.txt", b"hello", "not a Keras '.keras' model file"),
    ],
)
def test_load_keras_file_refuses_other_files(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(fgsm_edu.ModelError, match=message):
        load_keras_file(tmp_path / name)


def test_load_keras_file_missing_path_and_broken_zip(tmp_path):
    with pytest.raises(fgsm_edu.ModelError, match="no model file"):
        load_keras_file(tmp_path / "nope.keras")
    import zipfile

    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("readme.txt", "no config here")
    with pytest.raises(fgsm_edu.ModelError, match="could not load empty.keras safely"):
        load_keras_file(tmp_path / "empty.keras")
