"""Lesson 01's model-and-image helper: each WEIGHTS value, and the offline fallback."""

from __future__ import annotations

import numpy as np
import pytest

import fgsm_edu as fe


def test_imagenet_falls_back_to_digits_when_the_download_fails(monkeypatch):
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", "http://127.0.0.1:9")  # nothing listens there
    setup = fe.lesson_model_and_image("imagenet")
    assert setup.kind == "digits" and "could not be downloaded" in setup.note
    assert setup.image.shape == (8, 8, 1)
    assert fe.predict(setup.model, setup.image).ids[0] == setup.label


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
    with pytest.raises(fe.InvalidArgumentError, match="'imagenet', None or 'digits'"):
        fe.lesson_model_and_image("resnet")
