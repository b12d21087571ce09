"""The shipped robust MNIST models against issue 20's targets, with the papers' evaluations (lesson 05, "The table").

Run ``python benchmarks/robust_models.py [--images 1000] [--queries 5000]`` from the repository root (needs the
dev extra for ART and ``../shared/mnist/mnist.npz`` or the package's test set, which is the same official one).
For each of mnist_cnn_fgsm_rs and mnist_cnn_pgd at eps 0.3 it prints and writes to
``benchmarks/robust_models.json``:
- clean accuracy on the 10,000 official test images;
- fgsm_edu's PGD-50 (step 0.01) x 10 random restarts on all 10,000 (Wong et al.'s evaluation), each image's worst case;
- ART's AutoAttack on the first ``--images`` test images: APGD-CE and APGD-DLR (100 iterations, one start each),
  then Square Attack with ``--queries`` queries (tests/art_support.py);
- lesson 05's number on the same images: the per-image worst case over its three attacks (robust_accuracy's
  PGD-40 on the cross-entropy and on the margin, Square Attack with 1,000 queries);
- the time each took. About 25 CPU-minutes per model on 2 cores; run it in the background. ``--parts`` measures
  some columns only and keeps the others already in the file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from art_support import art_autoattack_accuracy  # noqa: E402

import fgsm_edu  # noqa: E402
from fgsm_edu.models import logits  # noqa: E402
from fgsm_edu.robust_evaluation import robust_accuracy  # noqa: E402
from fgsm_edu.train_digits import pgd_restarts_accuracy  # noqa: E402

EPS = 0.3
MODELS = ("mnist_cnn_fgsm_rs", "mnist_cnn_pgd")
PARTS = ("clean", "pgd", "autoattack", "lesson")
LESSON_ATTACKS = ("pgd", "pgd_margin", "square")  # lesson 05's table (tests/test_robust_vs_art.py)


def timed(fn, *args, **kwargs) -> tuple[float, float]:
    """Call ``fn`` and return its result with the seconds it took."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def measure(name: str, images: int, queries: int, parts: tuple[str, ...]) -> dict[str, float]:
    """The chosen columns for one shipped model: clean and PGD-50 x 10 on the whole test set, the rest on ``images``."""
    model, data = fgsm_edu.load_model(name), fgsm_edu.load_mnist_data()
    x, y, row = data.x_test, data.y_test, {}
    if "clean" in parts:
        row["clean"] = float(np.mean(np.argmax(logits(model, x), -1) == y))
    if "pgd" in parts:
        row["pgd_50x10"], row["pgd_seconds"] = timed(pgd_restarts_accuracy, model, x, y, EPS, restarts=10)
    if "autoattack" in parts:
        np.random.seed(0)
        auto = timed(art_autoattack_accuracy, model, x[:images], y[:images], EPS, queries=queries)
        row["autoattack"], row["autoattack_seconds"] = auto
    if "lesson" in parts:
        result, row["lesson_seconds"] = timed(robust_accuracy, model, x[:images], y[:images], EPS, LESSON_ATTACKS)
        row["lesson_worst_case"] = float(result.worst_case)
    return row


def main() -> None:
    """Measure both robust models and write the table next to this file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1000, help="test images for AutoAttack (default 1,000)")
    parser.add_argument("--queries", type=int, default=5000, help="Square Attack's queries (default 5,000)")
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--parts", nargs="*", default=list(PARTS), choices=PARTS, help="columns to measure")
    args = parser.parse_args()
    path = Path(__file__).with_name("robust_models.json")
    out = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"models": {}}
    out.update(eps=EPS, autoattack_images=args.images, square_queries=args.queries)
    for name in args.models:
        row = measure(name, args.images, args.queries, tuple(args.parts))
        out["models"][name] = {**out["models"].get(name, {}), **row}
        print(name, json.dumps(row), flush=True)
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
