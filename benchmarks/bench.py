"""fgsm-edu benchmarks: speed against the floor and the reference libraries, in one process.

Run ``make bench`` (or ``python benchmarks/bench.py [--quick] [--json FILE]``). Every row is timed
interleaved with its peers (round-robin), after warm-up calls, and reported as the median over
repetitions; ratios compare medians measured in this run only. Absolute times vary between machines
(and between runs on a shared CPU): compare ratios. Rows:

- FGSM on an 8-image MobileNetV2 batch (224x224, random weights): the floor (a bare ``tf.function``
  around ``GradientTape`` on the raw Keras model, plus sign and clip), ``fgsm_edu.fgsm``, CleverHans,
  ART and Foolbox, with the same labels. Targets: fgsm_edu <= 1.10x the floor and <= CleverHans.
- 16 epsilons on one MobileNetV2 image: the TensorFlow tutorial's way (one gradient, then a
  ``model.predict`` per epsilon) against ``fgsm_sweep`` (one gradient, one batched forward). Target >= 6x.
- ``fgsm_edu.evaluate`` over the digits test split at 5 epsilons against ART's loop (generate per
  epsilon, then predict). Target >= 2x.
- ``fgsm_edu.evaluate`` of ``mnist_cnn`` over the 10,000 MNIST test images at PyTorch's tutorial's 7
  epsilons, against ART's loop (target >= 2x) and against a per-image loop as PyTorch's FGSM tutorial
  runs it (per epsilon, per image: a forward pass, a gradient, a forward pass of the adversarial
  image, eagerly; target >= 20x). The per-image loop is timed on the first ``PER_IMAGE_SUBSET`` test
  images, interleaved with the others, and scaled to 10,000 (it is linear in the number of images).
- Randomized smoothing's CERTIFY (Cohen et al. 2019; lesson 07) of the first 500 MNIST test images with
  ``mnist_cnn_noise50`` at sigma 0.5, n0 = 100 and n = 1,000 noise draws each: ``fgsm_edu.smoothing.certify``
  (many images times draws per forward pass; noise drawn in TensorFlow, the same draws for every image)
  against ART's ``TensorFlowV2RandomizedSmoothing.certify`` (per image, NumPy noise; batch_size 1,000).
  Target >= 2x; the note gives how many predictions agree and the largest radius gap.
- The epsilon slider's step time on MobileNetV2 (``fgsm_edu.widgets.epsilon_explorer``: no model call,
  no drawing per step; every epsilon's images, top-5 bars, curve and visibility readout are computed
  when the sweep arrives). Target < 100 ms.
- Peak memory of ``evaluate`` over a tf.data stream 1x and 4x as long (each in a fresh subprocess):
  flat means the 4x run needs no more memory than the 1x run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import fgsm_edu  # noqa: E402
from fgsm_edu._compile import compiled, logits_graph  # noqa: E402

EVAL_EPSILONS = (0.0, 0.05, 0.1, 0.2, 0.3)
SWEEP_EPSILONS = tuple(float(e) for e in np.linspace(0.0, 0.15, 16))
MNIST_EPSILONS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)  # PyTorch's FGSM tutorial's
GROUPS = ("fgsm", "sweep", "digits", "mnist", "certify", "slider", "memory")
CERTIFY_IMAGES, CERTIFY_N, CERTIFY_SIGMA = 500, 1_000, 0.5
PER_IMAGE_SUBSET = 100  # test images the per-image loop is timed on, then scaled to the whole test set
MEMORY_BASE_REPEATS = 40  # the "1x" stream: the digits test split 40 times (18,000 images)


@dataclass
class Row:
    """One line of the table: a median time (or memory) and its ratio to a reference row."""

    group: str
    name: str
    median: float | None
    unit: str = "s"
    ratio: float | None = None
    ratio_to: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""
    samples: list[float] = field(default_factory=list)
    cpu_ratio: float | None = None  # the same ratio in process CPU time (less sensitive to a busy machine)


def machine() -> dict[str, Any]:
    """The machine and library versions this run measured."""
    versions = {"tensorflow": tf.__version__, "numpy": np.__version__, "fgsm_edu": fgsm_edu.__version__}
    for module in ("keras", "cleverhans", "art", "foolbox"):
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            versions[module] = getattr(__import__(module), "__version__", "installed")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": cpus,
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
        "python": platform.python_version(),
        "versions": versions,
    }


def interleaved(
    fns: dict[str, Callable[[], Any]], reps: int, warmup: int = 2, cpu: dict[str, list[float]] | None = None
) -> dict[str, list[float]]:
    """Time each function ``reps`` times, round-robin (rotating the order), after ``warmup`` calls each.

    Returns wall-clock seconds per call; ``cpu``, if given, receives this process's CPU seconds per call.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    names, times = list(fns), {name: [] for name in fns}
    for rep in range(reps):
        for name in names[rep % len(names) :] + names[: rep % len(names)]:
            start, start_cpu = time.perf_counter(), time.process_time()
            fns[name]()
            times[name].append(time.perf_counter() - start)
            if cpu is not None:
                cpu.setdefault(name, []).append(time.process_time() - start_cpu)
    return times


def timed_rows(
    group: str, times: dict[str, list[float]], reference: str, cpu: dict[str, list[float]] | None = None
) -> list[Row]:
    """Rows with medians and ratios to the ``reference`` row's median (wall clock, and CPU time if given)."""
    ref = statistics.median(times[reference])
    rows = [
        Row(group, name, statistics.median(t), ratio=statistics.median(t) / ref, ratio_to=reference, samples=t)
        for name, t in times.items()
    ]
    if cpu:
        for row in rows:
            row.cpu_ratio = statistics.median(cpu[row.name]) / statistics.median(cpu[reference])
    return rows


def quiet_peers() -> dict[str, Any]:
    """Import CleverHans, ART and Foolbox (silencing ART's "PyTorch not found" warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import foolbox
        from art.attacks.evasion import FastGradientMethod
        from art.estimators.classification import TensorFlowV2Classifier
        from cleverhans.tf2.attacks.fast_gradient_method import fast_gradient_method
    return {"ch": fast_gradient_method, "art_clf": TensorFlowV2Classifier, "art_fgm": FastGradientMethod, "fb": foolbox}


def art_classifier(peers: dict[str, Any], model: Any) -> Any:
    """ART's TensorFlowV2Classifier around our model, with our loss (summed cross-entropy from logits)."""
    info = fgsm_edu.model_info(model)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    return peers["art_clf"](model, info.num_classes, tuple(info.input_shape), loss_object=loss, clip_values=(0, 1))


def bench_fgsm_batch(peers: dict[str, Any], model: Any, reps: int) -> list[Row]:
    """FGSM on 8 MobileNetV2 images: floor, fgsm_edu, CleverHans, ART, Foolbox (same labels, eps, clip)."""
    rng = np.random.default_rng(0)
    photos = [fgsm_edu.sample_image(name, size=224) for name in ("flower", "china")]
    x = np.stack([np.clip(photos[i % 2] + rng.normal(0, 0.02, photos[0].shape), 0, 1) for i in range(8)])
    x, y, eps = x.astype(np.float32), rng.integers(0, 1000, 8).astype(np.int64), 0.01
    x_t, y_t = tf.constant(x), tf.constant(y)

    @tf.function
    def floor_step(images: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            tape.watch(images)
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, model(images, training=False)))
        return tf.clip_by_value(images + eps * tf.sign(tape.gradient(loss, images)), 0.0, 1.0)

    @tf.function
    def forward(images: tf.Tensor) -> tf.Tensor:
        return model(images, training=False)

    art_attack = peers["art_fgm"](art_classifier(peers, model), eps=eps, batch_size=8)
    fmodel, fb_attack = peers["fb"].TensorFlowModel(model, bounds=(0, 1)), peers["fb"].attacks.FGSM()

    def cleverhans() -> np.ndarray:
        return peers["ch"](model, x, eps, np.inf, clip_min=0.0, clip_max=1.0, y=y).numpy()

    fns = {
        "floor (tf.function + GradientTape)": lambda: floor_step(tf.constant(x), y_t).numpy(),
        "fgsm_edu.fgsm": lambda: fgsm_edu.fgsm(model, x, y, eps),
        "CleverHans fast_gradient_method": cleverhans,
        "ART FastGradientMethod": lambda: art_attack.generate(x, y),
        "Foolbox FGSM": lambda: fb_attack(fmodel, tf.constant(x), y_t, epsilons=eps)[1].numpy(),
        "(forward pass only)": lambda: forward(x_t).numpy(),
    }
    cpu: dict[str, list[float]] = {}
    times = interleaved(fns, reps, cpu=cpu)
    rows = timed_rows("FGSM, 8 MobileNetV2 images 224x224", times, "floor (tf.function + GradientTape)", cpu)
    ours = next(r for r in rows if r.name == "fgsm_edu.fgsm")
    ch = next(r for r in rows if r.name.startswith("CleverHans"))
    assert ours.median is not None and ch.median is not None and ours.ratio is not None
    ours.target, ours.met = "<= 1.10x floor, <= CleverHans", ours.ratio <= 1.10 and ours.median <= ch.median
    ours.note = f"{ours.median / ch.median:.2f}x CleverHans (cpu {(ours.cpu_ratio or 0) / (ch.cpu_ratio or 1):.2f}x)"
    rows[-1].note = "reference: no gradient"
    return rows


def bench_sweep(model: Any, reps: int) -> list[Row]:
    """16 epsilons on one image: the tutorial's eager gradient + a predict per epsilon, vs fgsm_sweep."""
    image = fgsm_edu.sample_image("flower", size=224)
    label = int(fgsm_edu.predict(model, image).ids[0])
    loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def tutorial() -> list[Any]:
        x = tf.constant(image[None])
        with tf.GradientTape() as tape:  # the tutorial's create_adversarial_pattern (eager)
            tape.watch(x)
            loss = loss_object(tf.constant([label]), model(x))
        signed = tf.sign(tape.gradient(loss, x))
        return [model.predict(tf.clip_by_value(x + e * signed, 0, 1), verbose=0) for e in SWEEP_EPSILONS]

    fns = {
        "tutorial: 16 x model.predict": tutorial,
        "fgsm_edu.fgsm_sweep": lambda: fgsm_edu.fgsm_sweep(model, image, None, SWEEP_EPSILONS),
    }
    x16 = tf.constant(np.repeat(image[None], len(SWEEP_EPSILONS), axis=0))
    forward = tf.function(lambda images: model(images, training=False))
    chunked = compiled(model, logits_graph)  # what fgsm_sweep uses: chunks of 4 large images
    fns["(its parts: one image's gradient)"] = lambda: fgsm_edu.input_gradient(model, image)
    fns["(its parts: forward of 16 images, in chunks)"] = lambda: chunked(x16).numpy()
    fns["(forward of 16 images, one batch)"] = lambda: forward(x16).numpy()
    fns["(one model.predict of 1 image)"] = lambda: model.predict(image[None], verbose=0)
    cpu: dict[str, list[float]] = {}
    rows = timed_rows("16 epsilons, 1 MobileNetV2 image", interleaved(fns, reps, cpu=cpu), "fgsm_edu.fgsm_sweep", cpu)
    speedup = rows[0].ratio or 0.0
    rows[1].target, rows[1].met, rows[1].note = ">= 6x faster", speedup >= 6, f"{speedup:.1f}x faster"
    return rows


def bench_evaluate(peers: dict[str, Any], reps: int) -> list[Row]:
    """evaluate over the digits test split at 5 epsilons vs ART's loop (generate per epsilon, then predict)."""
    group = f"Accuracy at {len(EVAL_EPSILONS)} epsilons, digits test split"
    try:
        from fgsm_edu.evaluation import evaluate
    except ImportError as err:
        return [Row(group, "fgsm_edu.evaluate", None, note=f"not available ({err})")]
    model, data = fgsm_edu.load_model("digits_cnn"), fgsm_edu.load_digits_data()
    x, y = data.x_test, data.y_test
    clf = art_classifier(peers, model)

    def art_loop() -> list[float]:
        accuracy = []
        for eps in EVAL_EPSILONS:
            adv = peers["art_fgm"](clf, eps=eps, batch_size=256).generate(x, y)
            accuracy.append(float((clf.predict(adv, batch_size=256).argmax(1) == y).mean()))
        return accuracy

    fns = {
        "ART loop (generate + predict)": art_loop,
        "fgsm_edu.evaluate": lambda: evaluate(model, (x, y), EVAL_EPSILONS, progress=False),
    }
    ours = [r["accuracy"] for r in evaluate(model, (x, y), EVAL_EPSILONS, progress=False)]
    agree = np.allclose(ours, art_loop(), atol=1 / len(x) + 1e-9)
    cpu: dict[str, list[float]] = {}
    rows = timed_rows(group + f" ({len(x)} images)", interleaved(fns, reps, cpu=cpu), "fgsm_edu.evaluate", cpu)
    speedup = rows[0].ratio or 0.0
    rows[1].target, rows[1].met = ">= 2x faster", speedup >= 2
    rows[1].note = f"{speedup:.1f}x faster; accuracies {'match' if agree else 'DIFFER from'} ART's"
    return rows


def per_image_loop(model: Any, x: np.ndarray, y: np.ndarray, epsilons: Sequence[float]) -> list[float]:
    """PyTorch's FGSM tutorial's test loop in eager TensorFlow: per epsilon, per image, a forward pass (an image
    already misclassified counts as an error and is not attacked), the loss's gradient, and a forward pass of
    the adversarial image. Returns the accuracy per epsilon."""
    loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    accuracy = []
    for eps in epsilons:
        correct = 0
        for i in range(len(x)):
            image, label = tf.constant(x[i : i + 1]), tf.constant(y[i : i + 1])
            with tf.GradientTape() as tape:
                tape.watch(image)
                output = model(image, training=False)
                loss = loss_object(label, output)
            if int(tf.argmax(output[0])) != int(y[i]):
                continue
            adversarial = tf.clip_by_value(image + eps * tf.sign(tape.gradient(loss, image)), 0.0, 1.0)
            correct += int(tf.argmax(model(adversarial, training=False)[0])) == int(y[i])
        accuracy.append(correct / len(x))
    return accuracy


def bench_evaluate_mnist(peers: dict[str, Any], reps: int) -> list[Row]:
    """evaluate of mnist_cnn over the MNIST test set at 7 epsilons vs ART's loop and PyTorch's per-image loop."""
    model, data = fgsm_edu.load_model("mnist_cnn"), fgsm_edu.load_mnist_data()
    x, y, n = data.x_test, data.y_test, len(data.y_test)
    group = f"Accuracy at {len(MNIST_EPSILONS)} epsilons, MNIST test set ({n:,} images), mnist_cnn"
    clf = art_classifier(peers, model)
    last: dict[str, list[float]] = {}

    def ours() -> None:
        last["ours"] = [r["accuracy"] for r in fgsm_edu.evaluate(model, (x, y), MNIST_EPSILONS, progress=False)]

    def art_loop() -> None:
        last["art"] = []
        for eps in MNIST_EPSILONS:
            adv = peers["art_fgm"](clf, eps=eps, batch_size=256).generate(x, y)
            last["art"].append(float((clf.predict(adv, batch_size=256).argmax(1) == y).mean()))

    def per_image() -> None:
        last["per_image"] = per_image_loop(model, x[:PER_IMAGE_SUBSET], y[:PER_IMAGE_SUBSET], MNIST_EPSILONS)

    per_image_name = f"per-image loop, PyTorch's way (scaled x{n // PER_IMAGE_SUBSET})"
    fns = {"fgsm_edu.evaluate": ours, "ART loop (generate + predict)": art_loop, per_image_name: per_image}
    cpu: dict[str, list[float]] = {}
    times = interleaved(fns, reps, warmup=1, cpu=cpu)
    scale = n / PER_IMAGE_SUBSET
    times[per_image_name] = [t * scale for t in times[per_image_name]]  # scaled to the whole test set
    cpu[per_image_name] = [t * scale for t in cpu[per_image_name]]
    rows = timed_rows(group, times, "fgsm_edu.evaluate", cpu)
    ours_row, art_row, loop_row = rows
    agree = np.allclose(last["ours"], last["art"], atol=1 / n + 1e-9)
    subset = fgsm_edu.evaluate(model, (x[:PER_IMAGE_SUBSET], y[:PER_IMAGE_SUBSET]), MNIST_EPSILONS, progress=False)
    gap = max(abs(a - r["accuracy"]) for a, r in zip(last["per_image"], subset, strict=True))
    art_speedup, loop_speedup = art_row.ratio or 0.0, loop_row.ratio or 0.0
    ours_row.target, ours_row.met = ">= 2x ART, >= 20x per-image", art_speedup >= 2 and loop_speedup >= 20
    ours_row.note = (
        f"{art_speedup:.1f}x faster than ART (accuracies {'match' if agree else 'DIFFER'}), "
        f"{loop_speedup:.0f}x faster than the per-image loop; accuracy " + ", ".join(f"{a:.1%}" for a in last["ours"])
    )
    loop_row.note = f"timed on {PER_IMAGE_SUBSET} images; accuracies within {100 * gap:.1f} points of evaluate's there"
    return rows


def art_smoothing(model: Any, sigma: float, n0: int) -> Any:
    """ART's TensorFlowV2RandomizedSmoothing around our model (logits out; argmax counts are the same)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from art.estimators.certification.randomized_smoothing import TensorFlowV2RandomizedSmoothing
    info = fgsm_edu.model_info(model)
    return TensorFlowV2RandomizedSmoothing(
        model, info.num_classes, tuple(info.input_shape), sample_size=n0, scale=sigma, alpha=0.001
    )


def bench_certify(reps: int) -> list[Row]:
    """CERTIFY of 500 MNIST test images with n = 1,000 draws each: fgsm_edu.smoothing.certify vs ART's."""
    from fgsm_edu.smoothing import certify

    model, data = fgsm_edu.load_model("mnist_cnn_noise50"), fgsm_edu.load_mnist_data()
    x = data.x_test[:CERTIFY_IMAGES]
    art, last = art_smoothing(model, CERTIFY_SIGMA, 100), {}
    group = f"Randomized smoothing CERTIFY, {CERTIFY_IMAGES} MNIST images, n0 = 100, n = {CERTIFY_N:,}, sigma 0.5"

    def ours() -> None:
        cert = certify(model, x, CERTIFY_SIGMA, n0=100, n=CERTIFY_N)
        last["ours"] = (cert.prediction, cert.radius)

    def theirs() -> None:
        last["art"] = art.certify(x, n=CERTIFY_N, batch_size=1_000)

    certify(model, x[:4], CERTIFY_SIGMA, n=CERTIFY_N)  # warm-up: trace once; ART needs none
    art.certify(x[:4], n=CERTIFY_N, batch_size=1_000)
    fns = {"fgsm_edu.smoothing.certify": ours, "ART TensorFlowV2RandomizedSmoothing.certify": theirs}
    cpu: dict[str, list[float]] = {}
    rows = timed_rows(group, interleaved(fns, reps, warmup=0, cpu=cpu), "fgsm_edu.smoothing.certify", cpu)
    speedup = rows[1].ratio or 0.0
    same = float(np.mean(last["ours"][0] == last["art"][0]))
    both = (last["ours"][0] >= 0) & (last["art"][0] >= 0)
    gap = float(np.max(np.abs(last["ours"][1] - last["art"][1])[both])) if both.any() else 0.0
    rows[0].target, rows[0].met = ">= 2x faster than ART", speedup >= 2
    rows[0].note = f"{speedup:.1f}x faster; same prediction on {same:.1%}, radii within {gap:.3f} where both certify"
    return rows


def bench_slider(model: Any, reps: int) -> list[Row]:
    """The epsilon slider on MobileNetV2: a step (cached values only), and a new sweep with its precomputation."""
    group = "Epsilon slider, MobileNetV2 photo"
    try:
        from fgsm_edu.widgets import epsilon_explorer
    except ImportError as err:
        return [Row(group, "slider step", None, note=f"not available ({err})")]
    explorer = epsilon_explorer(model, fgsm_edu.sample_image("flower", size=224))
    options = list(explorer.epsilons)
    recompute, steps = [], []
    for _ in range(max(2, reps // 3)):
        begin = time.perf_counter()
        explorer.recompute()  # a new sweep: PNGs, SSIM, bars, curve and texts for every epsilon
        recompute.append(time.perf_counter() - begin)
        for eps in (options[1:] + options[::-1][1:]) * 2:  # every step moves the slider
            begin = time.perf_counter()
            explorer.slider.value = eps
            steps.append(time.perf_counter() - begin)
    step = Row(group, "slider step (images, bars, curve, readout)", statistics.median(steps), samples=steps)
    step.target, step.met = "< 100 ms", step.median is not None and step.median < 0.1
    step.note = f"max {max(steps) * 1000:.2f} ms over {len(steps)} steps; no model call"
    new_sweep = Row(group, "new attack settings (fgsm_sweep + precompute)", statistics.median(recompute))
    new_sweep.note, new_sweep.samples = f"{len(options)} epsilons", recompute
    return [step, new_sweep]


def memory_child(repeats: int) -> dict[str, float]:
    """In a fresh process: peak RSS growth while ``evaluate`` streams the digits test split ``repeats`` times."""
    from fgsm_edu.evaluation import evaluate

    model, data = fgsm_edu.load_model("digits_cnn"), fgsm_edu.load_digits_data()
    stream = tf.data.Dataset.from_tensor_slices((data.x_test, data.y_test))
    evaluate(model, stream.batch(256), EVAL_EPSILONS, progress=False)  # warm-up: trace, allocate pools
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    records = evaluate(model, stream.repeat(repeats).batch(256), EVAL_EPSILONS, progress=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "peak_growth_mb": (after - before) / 1024,
        "peak_mb": after / 1024,
        "n": records[0]["n"],
        "seconds": seconds,
    }


def bench_memory(base_repeats: int) -> list[Row]:
    """Peak memory of evaluate at 1x and 4x the stream length, each measured in its own subprocess."""
    group = "evaluate peak memory, tf.data stream"
    try:
        import fgsm_edu.evaluation  # noqa: F401
    except ImportError as err:
        return [Row(group, "evaluate", None, note=f"not available ({err})")]
    results = {}
    for factor in (1, 4):
        cmd = [sys.executable, __file__, "--memory-child", str(base_repeats * factor)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            return [Row(group, "evaluate", None, note=f"child failed: {done.stderr.strip()[-300:]}")]
        results[factor] = json.loads(done.stdout.strip().splitlines()[-1])
    rows = []
    for factor, res in results.items():
        note = f"{res['n']} images, peak RSS {res['peak_mb']:.0f} MB, {res['seconds']:.1f} s"
        rows.append(Row(group, f"{factor}x: peak RSS growth", res["peak_growth_mb"], unit="MB", note=note))
    grow1, grow4 = results[1]["peak_growth_mb"], results[4]["peak_growth_mb"]
    rows[1].ratio, rows[1].ratio_to = (grow4 + 1) / (grow1 + 1), "1x (+1 MB)"
    rows[1].target, rows[1].met = "flat (4x within 1x + 16 MB)", grow4 <= grow1 + 16
    return rows


def fmt(value: float | None, unit: str) -> str:
    """A median for the table."""
    if value is None:
        return "-"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def table(rows: list[Row]) -> str:
    """The printed table: one block per group."""
    out, group = [], None
    header = f"{'case':46s} {'median':>10s} {'ratio':>8s} {'cpu ratio':>9s}  {'target':30s} {'met':4s} note"
    for row in rows:
        if row.group != group:
            group = row.group
            out += ["", f"== {group}", header]
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        cpu = f"{row.cpu_ratio:.2f}x" if row.cpu_ratio is not None else ""
        met = {True: "yes", False: "NO", None: ""}[row.met]
        median = fmt(row.median, row.unit)
        out.append(f"{row.name:46s} {median:>10s} {ratio:>8s} {cpu:>9s}  {row.target:30s} {met:4s} {row.note}".rstrip())
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark, print the table, optionally write JSON (exit 1 on a missed target with --strict)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, noisier ratios)")
    parser.add_argument("--json", metavar="FILE", help="also write the table and the machine as JSON to FILE")
    parser.add_argument("--reps", type=int, default=None, help="repetitions per row (default 10, --quick 3)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument(
        "--only", choices=GROUPS, action="append", help="run only this group (repeatable); default: every group"
    )
    parser.add_argument("--memory-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        with contextlib.redirect_stdout(io.StringIO()):
            result = memory_child(args.memory_child)
        print(json.dumps(result))
        return 0
    reps = args.reps or (3 if args.quick else 10)
    info = machine()
    print(
        f"fgsm-edu benchmarks: {info['cpus_usable']} usable CPUs (cpu_count {info['cpu_count']}), "
        f"GPUs {info['gpus'] or 'none'}, TensorFlow {info['versions']['tensorflow']}, Python {info['python']}"
    )
    print(f"{info['platform']}; " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    print(f"{reps} repetitions per row, interleaved, after warm-up; medians; ratios within this run only.")
    started = time.perf_counter()
    keras.utils.set_random_seed(0)
    mobilenet = fgsm_edu.load_model("mobilenet_v2", weights=None)
    peers = quiet_peers()
    groups = {
        "fgsm": lambda: bench_fgsm_batch(peers, mobilenet, reps),
        "sweep": lambda: bench_sweep(mobilenet, max(3, reps * 2 // 3)),
        "digits": lambda: bench_evaluate(peers, max(3, reps * 2 // 3)),
        "mnist": lambda: bench_evaluate_mnist(peers, max(3, reps // 3)),
        "certify": lambda: bench_certify(max(2, reps // 4)),
        "slider": lambda: bench_slider(mobilenet, reps),
        "memory": lambda: bench_memory(MEMORY_BASE_REPEATS // (4 if args.quick else 1)),
    }
    rows = [row for name, run in groups.items() if not args.only or name in args.only for row in run()]
    print(table(rows))
    elapsed = time.perf_counter() - started
    missed = [f"{r.group}: {r.name}" for r in rows if r.met is False]
    print(f"\n{elapsed:.0f} s in all. " + (f"Targets missed: {'; '.join(missed)}" if missed else "All targets met."))
    if args.json:
        report = {
            "machine": info,
            "reps": reps,
            "quick": args.quick,
            "seconds": elapsed,
            "rows": [asdict(r) for r in rows],
        }
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
        print(f"Wrote {args.json}")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
