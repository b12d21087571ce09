"""How fast is one step of the epsilon slider? (fgsm_edu.widgets.epsilon_explorer). Target: < 100 ms.

Model: MobileNetV2 at 224x224 with random weights (weights=None, offline: the same architecture and
cost as the ImageNet one). Image: scikit-learn's bundled flower photo.

When a sweep arrives (one gradient, one batched forward pass), the explorer computes everything it
shows per epsilon: the adversarial and perturbation PNGs, the visibility measures (one SSIM call for
all epsilons), the top-5 bars, the confidence curve with its marker (SVG) and the texts. A slider
step then only swaps cached values. Compared with a naive redraw that, on every slider step,
recomputes the input gradient (``fgsm``), runs one ``predict`` and encodes the two images, as the
tutorial's loop over epsilons does. Timings are Python-side (no browser attached).

Run:  .venv/bin/python benchmarks/slider_speed.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import keras
import numpy as np

import fgsm_edu
from fgsm_edu import widgets


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def naive_redraw(model: keras.Model, image: np.ndarray, eps: float) -> str:
    """One slider step done the slow way: a new gradient, one predict, two PNG encodes."""
    adversarial = fgsm_edu.fgsm(model, image, None, eps)
    prediction = fgsm_edu.predict(model, adversarial)
    widgets.to_png(adversarial)
    widgets.to_png(widgets.perturbation_view(adversarial, image, max(widgets.DEFAULT_EPSILONS)))
    return str(prediction)


def main() -> None:
    """Measure and print the medians, the 100 ms target and the ratio to a naive redraw."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="passes back and forth over the slider's epsilons")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    model = fgsm_edu.load_model("mobilenet_v2", weights=None)
    image = fgsm_edu.sample_image("flower", size=224)
    epsilons = list(widgets.DEFAULT_EPSILONS)
    widgets.epsilon_explorer(model, image, epsilons=epsilons[:2])  # warm up: trace the compiled sweep
    naive_redraw(model, image, epsilons[1])  # warm up: trace fgsm and predict

    build = timed(lambda: widgets.epsilon_explorer(model, image, epsilons=epsilons))
    explorer = widgets.epsilon_explorer(model, image, epsilons=epsilons)
    sweep = timed(lambda: fgsm_edu.fgsm_sweep(model, image, None, epsilons))
    recompute = timed(explorer.recompute)

    def step(eps: float) -> Callable[[], None]:
        return lambda: setattr(explorer.slider, "value", eps)

    back_and_forth = (epsilons[1:] + epsilons[::-1][1:]) * args.repeats  # every step moves the slider
    steps = [timed(step(eps)) for eps in back_and_forth]
    naive = [timed(lambda eps=eps: naive_redraw(model, image, eps)) for eps in epsilons[1:]]

    median, naive_ms = 1000 * statistics.median(steps), 1000 * statistics.median(naive)
    print(f"model: MobileNetV2 224x224 (weights=None); {len(epsilons)} slider epsilons; CPU, Python side")
    print(f"build: one gradient + one batched forward pass of {len(epsilons)} images + precompute: {build:.2f} s")
    print(f"new sweep: {recompute:.2f} s, of which fgsm_sweep {sweep:.2f} s and precompute {recompute - sweep:.2f} s")
    print(f"slider step (swap cached images, bars, curve, readout): median {median:.3f} ms, ", end="")
    print(f"max {1000 * max(steps):.3f} ms ({len(steps)} steps)")
    print(f"target < 100 ms: {'met' if median < 100 else 'MISSED'}")
    print(f"naive redraw (gradient + predict + 2 encodes per step): median {naive_ms:.1f} ms ({len(naive)})")
    print(f"ratio naive / slider step: {naive_ms / median:.0f}x")


if __name__ == "__main__":
    main()
