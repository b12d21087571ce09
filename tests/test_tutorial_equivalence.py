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


def tutorial_adversarial_on(model: keras.Model, image_01: np.ndarray, label: int, eps: float) -> np.ndarray:
    """Lesson 01's tutorial_fgsm on any package model: softmax on top, the loss on probabilities, in [-1, 1]."""
    x = tf.constant((2.0 * image_01 - 1.0)[None])
    one_hot = tf.one_hot([label], fgsm_edu.model_info(model).num_classes)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.CategoricalCrossentropy()(one_hot, tf.nn.softmax(model((x + 1) / 2, training=False)))
    gradient = tape.gradient(loss, x)
    return ((tf.clip_by_value(x + eps * tf.sign(gradient), -1, 1) + 1) / 2).numpy()[0], gradient.numpy()[0]


def test_on_the_offline_mnist_digit_the_tutorials_recipe_gives_our_image_and_answer():
    """Lesson 01's claim on its offline path (the MNIST CNN and its lesson digit)."""
    setup = fgsm_edu.lesson_model_and_image("mnist")
    model, image, label = setup.model, setup.image, setup.label
    for tutorial_eps in (0.01, 0.1, 0.15):
        theirs, _ = tutorial_adversarial_on(model, image, label, tutorial_eps)
        ours = fgsm_edu.fgsm(model, image, label, eps=tutorial_eps / 2)
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
        assert fgsm_edu.predict(model, theirs).ids[0] == fgsm_edu.predict(model, ours).ids[0]


def test_where_the_softmax_saturates_the_tutorials_gradient_is_zero_and_ours_is_not():
    """Lesson 01's caveat: on a digit whose probability rounds to 1.0 the two recipes part ways."""
    model, data = fgsm_edu.load_model("mnist_cnn"), fgsm_edu.load_mnist_data()
    prediction = fgsm_edu.predict(model, data.x_test[:1000])
    saturated = np.flatnonzero(prediction.probabilities[:, 0] == 1.0)
    assert saturated.size, "expected a digit the CNN is certain about in the first 1,000"
    i = int(saturated[0])
    image, label = data.x_test[i], int(prediction.ids[i, 0])
    theirs, gradient = tutorial_adversarial_on(model, image, label, 0.1)
    assert not gradient.any()  # sign(0) = 0: no pixel moves (but for the float round trip to [-1, 1] and back)
    np.testing.assert_allclose(theirs, image, atol=1e-6)
    assert np.abs(fgsm_edu.fgsm(model, image, label, eps=0.05) - image).max() > 0  # logits: every pixel can move
