"""Build the MNIST file the package ships, ``assets/mnist.npz``, from the official split (notebook 03, "The data").

Run ``python -m fgsm_edu.prepare_mnist path/to/mnist.npz``, where the source holds the official
MNIST split as uint8: ``x_train`` (60000, 28, 28), ``y_train``, ``x_test`` (10000, 28, 28), ``y_test``
(Keras's ``mnist.npz`` has this layout too). The output keeps the full test set and the first
``MNIST_TRAIN_SIZE`` training images, both in the official order (no shuffling, nothing random),
compressed, plus ``source_sha256``, the sha256 of the source file. MNIST: CC BY-SA 3.0 (see NOTICE).
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

from fgsm_edu.data import MNIST_FILE, MNIST_SOURCE_SHA256, MNIST_TRAIN_SIZE
from fgsm_edu.errors import InvalidArgumentError

OFFICIAL_TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)


def sha256_of(path: Path) -> str:
    """Return the sha256 of a file, read in chunks (notebook 03, "The data").

    Args:
        path: the file.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _official_split(source: Path) -> dict[str, np.ndarray]:
    """Read the four arrays of the source and check that they are the official uint8 split."""
    if not source.is_file():
        raise InvalidArgumentError(f"no MNIST file at {source}; pass the path of an npz with the official split.")
    with np.load(source) as f:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(f.files)
        if missing:
            raise InvalidArgumentError(
                f"{source} lacks {sorted(missing)}; it must hold x_train, y_train, x_test, y_test."
            )
        arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    shapes = {k: v.shape for k, v in arrays.items()}
    expected = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}
    if shapes != expected or any(v.dtype != np.uint8 for v in arrays.values()):
        raise InvalidArgumentError(f"{source} is not the official uint8 MNIST split: shapes {shapes}, want {expected}.")
    if tuple(np.bincount(arrays["y_test"], minlength=10)) != OFFICIAL_TEST_COUNTS:
        raise InvalidArgumentError(f"{source}'s test labels do not have the official counts {OFFICIAL_TEST_COUNTS}.")
    return arrays


def prepare_mnist(source: Path, out: Path = MNIST_FILE, train_size: int = MNIST_TRAIN_SIZE) -> Path:
    """Write the shipped MNIST subset from the official split (notebook 03, "The data").

    Args:
        source: an npz with the official MNIST split as uint8.
        out: where to write the compressed npz.
        train_size: how many of the first official training images to keep.

    Returns:
        The path written.
    """
    arrays = _official_split(Path(source))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        x_train=arrays["x_train"][:train_size],
        y_train=arrays["y_train"][:train_size],
        x_test=arrays["x_test"],
        y_test=arrays["y_test"],
        source_sha256=np.array(sha256_of(Path(source))),
    )
    return out


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: build the file and say where the source came from."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path, help="an npz with the official MNIST split (uint8)")
    parser.add_argument("--out", type=Path, default=MNIST_FILE, help="where to write the shipped file")
    args = parser.parse_args(argv)
    out = prepare_mnist(args.source, args.out)
    known = "the documented source" if sha256_of(args.source) == MNIST_SOURCE_SHA256 else "NOT the documented source"
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) from {args.source}, {known} (see fgsm_edu/data.py)")


if __name__ == "__main__":
    main()
