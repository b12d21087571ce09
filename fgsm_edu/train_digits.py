"""Retrain the bundled digits models deterministically and rewrite their shipped weights.

Run ``python -m fgsm_edu.train_digits`` (about a minute on a laptop CPU). The split is
``load_digits_data()``'s fixed 75/25 split; the seed and the epochs are fixed below.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from fgsm_edu.data import load_digits_data
from fgsm_edu.models import WEIGHTS_DIR, build_digits_cnn, build_digits_linear

SEED = 0
EPOCHS = {"digits_linear": 200, "digits_cnn": 30}


def train(name: str, out_dir: Path = WEIGHTS_DIR) -> float:
    """Train one digits model from a fixed seed and save its weights.

    Args:
        name: "digits_linear" or "digits_cnn".
        out_dir: where to write ``<name>.weights.h5``.

    Returns:
        The held-out test accuracy.
    """
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    data = load_digits_data()
    model = build_digits_cnn() if name == "digits_cnn" else build_digits_linear()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2 if name == "digits_linear" else 1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(data.x_train, data.y_train, epochs=EPOCHS[name], batch_size=64, verbose=0, shuffle=True)
    accuracy = float(np.mean(np.argmax(model.predict(data.x_test, verbose=0), -1) == data.y_test))
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_weights(str(out_dir / f"{name}.weights.h5"))
    return accuracy


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: retrain both models and print their accuracies."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", type=Path, default=WEIGHTS_DIR, help="where to write the weights")
    args = parser.parse_args(argv)
    for name in EPOCHS:
        print(f"{name}: test accuracy {train(name, args.out_dir):.3f}")


if __name__ == "__main__":
    main()
