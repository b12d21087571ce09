"""Retrain the bundled digits and MNIST models deterministically and rewrite their shipped weights.

Run ``python -m fgsm_edu.train_digits`` for all four models, or name some:
``python -m fgsm_edu.train_digits mnist_cnn mnist_linear``. The data are ``load_digits_data()``'s
fixed 75/25 split and ``load_mnist_data()``'s shipped training images (the first 30,000 official
ones; accuracies are measured on the full official test set); seeds, epochs and learning rates are
fixed in ``RECIPES`` below, and TensorFlow's op determinism is on, so a rerun on the same machine
writes the same weights. About a minute for the digits models and three for MNIST on a laptop CPU.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from fgsm_edu.data import DigitsData, load_digits_data, load_mnist_data
from fgsm_edu.models import SHIPPED_BUILDERS, WEIGHTS_DIR

SEED = 0
BATCH_SIZE = 64


@dataclass(frozen=True)
class Recipe:
    """How one shipped model is trained: its data, epochs, Adam's learning rate, schedule and augmentation."""

    data: Callable[[], DigitsData]
    epochs: int
    learning_rate: float
    cosine: bool = False  # decay the learning rate to 0 along a cosine over all steps
    shift: int = 0  # each epoch, move every image by up to this many pixels (a fresh random shift)


RECIPES = {
    "digits_linear": Recipe(load_digits_data, epochs=200, learning_rate=1e-2),
    "digits_cnn": Recipe(load_digits_data, epochs=30, learning_rate=1e-3),
    "mnist_linear": Recipe(load_mnist_data, epochs=20, learning_rate=1e-3, cosine=True),
    "mnist_cnn": Recipe(load_mnist_data, epochs=10, learning_rate=1e-3, cosine=True, shift=2),
}


def random_shift(x: np.ndarray, shift: int, rng: np.random.Generator) -> np.ndarray:
    """Move each image by a random whole number of pixels in [-shift, shift] on both axes, padding with 0.

    Args:
        x: images (N, H, W, C).
        shift: the largest move, in pixels.
        rng: the random generator (seeded, so training is repeatable).

    Returns:
        The shifted images, same shape and dtype.
    """
    height, width = x.shape[1:3]
    padded = np.pad(x, ((0, 0), (shift, shift), (shift, shift), (0, 0)))
    dy, dx = rng.integers(0, 2 * shift + 1, size=(2, len(x)))
    out = np.empty_like(x)
    for i in range(2 * shift + 1):
        for j in range(2 * shift + 1):
            pick = (dy == i) & (dx == j)
            out[pick] = padded[pick, i : i + height, j : j + width]
    return out


def _fit(model: keras.Model, data: DigitsData, recipe: Recipe) -> None:
    """Compile and fit ``model`` as ``recipe`` says (one ``fit`` call unless images are shifted each epoch)."""
    steps = recipe.epochs * -(-len(data.x_train) // BATCH_SIZE)
    rate = (
        keras.optimizers.schedules.CosineDecay(recipe.learning_rate, steps) if recipe.cosine else recipe.learning_rate
    )
    model.compile(
        optimizer=keras.optimizers.Adam(rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    if not recipe.shift:
        model.fit(data.x_train, data.y_train, epochs=recipe.epochs, batch_size=BATCH_SIZE, verbose=0, shuffle=True)
        return
    rng = np.random.default_rng(SEED)
    for _ in range(recipe.epochs):
        x = random_shift(data.x_train, recipe.shift, rng)
        model.fit(x, data.y_train, epochs=1, batch_size=BATCH_SIZE, verbose=0, shuffle=True)


def train(name: str, out_dir: Path = WEIGHTS_DIR) -> float:
    """Train one shipped model from a fixed seed and save its weights.

    Args:
        name: "digits_linear", "digits_cnn", "mnist_linear" or "mnist_cnn".
        out_dir: where to write ``<name>.weights.h5``.

    Returns:
        The held-out test accuracy.
    """
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    recipe = RECIPES[name]
    data = recipe.data()
    model = SHIPPED_BUILDERS[name]()
    _fit(model, data, recipe)
    accuracy = float(np.mean(np.argmax(model.predict(data.x_test, verbose=0), -1) == data.y_test))
    bare = SHIPPED_BUILDERS[name]()  # never compiled: the file holds the model's weights, not Adam's moments
    bare.set_weights(model.get_weights())
    out_dir.mkdir(parents=True, exist_ok=True)
    bare.save_weights(str(out_dir / f"{name}.weights.h5"))
    return accuracy


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: retrain the named models (all by default) and print their accuracies."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", help=f"models to retrain, among {', '.join(RECIPES)} (default: all)")
    parser.add_argument("--out-dir", type=Path, default=WEIGHTS_DIR, help="where to write the weights")
    args = parser.parse_args(argv)
    unknown = [name for name in args.models if name not in RECIPES]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose among {', '.join(RECIPES)}")
    for name in args.models or RECIPES:
        start = time.perf_counter()
        accuracy = train(name, args.out_dir)
        print(f"{name}: test accuracy {accuracy:.4f} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
