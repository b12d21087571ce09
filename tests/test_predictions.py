"""compare_prediction: the "predict, then measure" cells of every lesson."""

from __future__ import annotations

import numpy as np

import fgsm_edu as fe
from fgsm_edu.i18n import set_language


def test_no_prediction_names_the_measurement_and_is_not_close():
    result = fe.compare_prediction(None, 0.25)
    assert not result.close and "0.25" in result.message


def test_numbers_within_the_default_ten_percent_are_close():
    assert fe.compare_prediction(0.95, 1.0).close
    assert not fe.compare_prediction(0.8, 1.0).close


def test_an_explicit_tolerance_wins_and_arrays_of_one_are_numbers():
    assert fe.compare_prediction(np.array([0.5]), 0.7, tolerance=0.25).close
    assert not fe.compare_prediction(0.5, 0.7, tolerance=0.1).close


def test_a_word_is_not_a_number_and_does_not_raise():
    result = fe.compare_prediction("lots", 0.3)
    assert not result.close and "'lots'" in result.message


def test_choices_compare_as_words_and_refuse_other_words():
    assert fe.compare_prediction("lower", "lower", choices=("higher", "lower")).close
    assert not fe.compare_prediction("higher", "lower", choices=("higher", "lower")).close
    refused = fe.compare_prediction("up", "lower", choices=("higher", "lower"))
    assert not refused.close and "'higher'" in refused.message


def test_japanese_learners_read_japanese():
    set_language("ja")
    try:
        assert "予想" in fe.compare_prediction(0.5, 0.7).message
    finally:
        set_language("en")
