"""Lesson 01's model-and-image helper: each WEIGHTS value, and the offline fallback."""

from __future__ import annotations

import numpy as np
import pytest

import fgsm_edu as fe


def test_imagenet_falls_back_to_mnist_when_the_download_fails(monkeypatch, tmp_path):
    monkeypatch.setenv("FGSM_EDU_CACHE_DIR", str(tmp_path / "empty-cache"))  # whatever other tests have cached
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", "http://127.0.0.1:9")  # nothing listens there
    setup = fe.lesson_model_and_image("imagenet")
    assert setup.kind == "mnist" and "could not be downloaded" in setup.note and "MNIST" in setup.note
    assert setup.image.shape == (28, 28, 1) and fe.model_info(setup.model).name == "mnist_cnn"
    assert fe.predict(setup.model, setup.image).ids[0] == setup.label
    mnist = fe.load_mnist_data()
    i = fe.lessons.lesson_digit(setup.model, mnist.x_test[:1000], mnist.y_test[:1000])
    assert np.array_equal(setup.image, mnist.x_test[i]) and setup.label == mnist.y_test[i]
    ids, _ = fe.fgsm_sweep(setup.model, setup.image, setup.label, epsilons=[0.0, 0.005, 0.05, 0.075]).top1()
    assert list(ids == setup.label) == [True, True, True, False]  # flipped at the tutorial's largest eps only


def test_mnist_and_digits_can_be_asked_for_by_name():
    mnist = fe.lesson_model_and_image("mnist")
    assert mnist.kind == "mnist" and mnist.image.shape == (28, 28, 1) and "could not" not in mnist.note
    digits = fe.lesson_model_and_image("digits")
    assert digits.kind == "digits" and digits.image.shape == (8, 8, 1)
    assert fe.model_info(digits.model).name == "digits_cnn"
    assert fe.predict(digits.model, digits.image).ids[0] == digits.label


def test_lesson_digit_flips_only_at_the_largest_tutorial_eps(digits, digits_cnn):
    i = fe.lessons.lesson_digit(digits_cnn, digits.x_test, digits.y_test)
    x, y = digits.x_test[i], digits.y_test[i]
    ids, _ = fe.fgsm_sweep(digits_cnn, x, y, epsilons=[0.0, 0.005, 0.05, 0.075]).top1()
    assert list(ids[:3] == y) == [True, True, True] and ids[3] != y


def test_random_weights_use_an_offline_photo_and_the_models_own_label():
    setup = fe.lesson_model_and_image(None)
    assert setup.kind == "random" and setup.image.shape == (224, 224, 3)
    assert fe.predict(setup.model, setup.image).ids[0] == setup.label
    assert np.allclose(setup.image, fe.sample_image("flower"))


def test_unknown_weights_are_refused():
    with pytest.raises(fe.InvalidArgumentError, match="'imagenet', None, 'mnist' or 'digits'"):
        fe.lesson_model_and_image("resnet")
