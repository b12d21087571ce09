"""How fast is one step of the epsilon slider? (fgsm_edu.widgets.epsilon_explorer)

Model: MobileNetV2 at 224x224 with random weights (weights=None, offline: the same architecture and
cost as the ImageNet one). Image: scikit-learn's bundled flower photo.

Compared with a naive redraw that, on every slider step, recomputes the input gradient (``fgsm``),
runs one ``predict`` and encodes the two images, as the tutorial's loop over epsilons does.
A slider step of the explorer only swaps PNG bytes (encoded on the first visit of an epsilon,
cached after) and writes a line of text. Timings are Python-side (no browser attached).

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
    """Measure and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="passes over the slider's epsilons (cached steps)")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    model = fgsm_edu.load_model("mobilenet_v2", weights=None)
    image = fgsm_edu.sample_image("flower", size=224)
    epsilons = list(widgets.DEFAULT_EPSILONS)
    widgets.epsilon_explorer(model, image, epsilons=epsilons[:2])  # warm up: trace the compiled sweep
    naive_redraw(model, image, epsilons[1])  # warm up: trace fgsm and predict

    start = time.perf_counter()
    explorer = widgets.epsilon_explorer(model, image, epsilons=epsilons)
    build = time.perf_counter() - start

    def step(eps: float) -> Callable[[], None]:
        return lambda: setattr(explorer.slider, "value", eps)

    order = epsilons[1:] + epsilons[:1]  # the explorer starts at epsilons[0]: visit every other one first
    first_visit = [timed(step(eps)) for eps in order]
    back_and_forth = (order[::-1][1:] + order[1:]) * args.repeats  # every step moves the slider
    cached = [timed(step(eps)) for eps in back_and_forth]
    naive = [timed(lambda eps=eps: naive_redraw(model, image, eps)) for eps in order]

    ms = {name: 1000 * statistics.median(values) for name, values in [("first", first_visit), ("cached", cached)]}
    ms["naive"] = 1000 * statistics.median(naive)
    every_step = 1000 * statistics.median(first_visit + cached)
    print(f"model: MobileNetV2 224x224 (weights=None); {len(epsilons)} slider epsilons; CPU, Python side")
    print(f"build: one gradient + one batched forward pass of {len(epsilons)} images: {build:.2f} s")
    print(f"slider step, first visit of an epsilon (2 PNG encodes): median {ms['first']:.2f} ms ({len(first_visit)})")
    print(f"slider step, cached:                                    median {ms['cached']:.2f} ms ({len(cached)})")
    print(f"slider step, all steps:                                 median {every_step:.2f} ms")
    print(f"naive redraw (gradient + predict + 2 encodes per step): median {ms['naive']:.1f} ms ({len(naive)})")
    print(f"ratio naive / first-visit step: {ms['naive'] / ms['first']:.0f}x")
    print(f"ratio naive / cached step:      {ms['naive'] / ms['cached']:.0f}x")
    print(f"ratio naive / median step:      {ms['naive'] / every_step:.0f}x")


if __name__ == "__main__":
    main()
