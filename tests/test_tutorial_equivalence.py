"""TensorFlow's FGSM tutorial recipe, run as written, gives our adversarial image.

Tutorial: softmax MobileNetV2, CategoricalCrossentropy on probabilities, input in [-1, 1],
eps 0.01, clip to [-1, 1]. Ours: logits, [0, 1] pixels, eps 0.005 (half, as the range halves).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

import fgsm_edu

LABRADOR = 208


def tutorial_adversarial(model: keras.Model, image_01: np.ndarray, eps: float) -> np.ndarray:
    """The tutorial's code path, in its own units ([-1, 1])."""
    image = keras.applications.mobilenet_v2.preprocess_input(image_01.copy() * 255.0)[None]
    image = tf.constant(image)
    label = tf.one_hot([LABRADOR], 1000)
    with tf.GradientTape() as tape:
        tape.watch(image)
        loss = keras.losses.CategoricalCrossentropy()(label, model(image))
    perturbation = tf.sign(tape.gradient(loss, image))
    return tf.clip_by_value(image + eps * perturbation, -1, 1).numpy()[0]


def test_tutorial_and_package_give_the_same_adversarial_image(mobilenet, flower):
    inner = next(layer for layer in mobilenet.layers if isinstance(layer, keras.Model))
    tutorial = keras.applications.MobileNetV2(input_shape=(224, 224, 3), weights=None)  # ends in softmax
    tutorial.set_weights(inner.get_weights())
    for tutorial_eps in (0.01, 0.1, 0.15):
        theirs = (tutorial_adversarial(tutorial, flower, tutorial_eps) + 1.0) / 2.0
        ours = fgsm_edu.fgsm(mobilenet, flower, LABRADOR, eps=tutorial_eps / 2)
        diff = np.abs(theirs - ours)
        print(
            f"tutorial eps {tutorial_eps}: max |difference| {diff.max():.2e}, "
            f"pixels differing > 1e-4: {np.mean(diff > 1e-4):.2e}"
        )
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
