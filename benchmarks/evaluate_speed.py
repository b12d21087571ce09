"""Images per second of ``fgsm_edu.evaluate`` on the digits test split (450 images) for 5 epsilons.

Measured three ways in one process, on the same model and data:
  - single device (``strategy=None``);
  - ``tf.distribute.MirroredStrategy`` over two logical CPU devices (one CPU split in two; on a
    machine with GPUs, pass --gpus to mirror over the real GPUs instead);
  - the naive loop, for scale: per epsilon, one ``fgsm`` call (a gradient) plus one ``predict``.
An "image" here is one test image evaluated at all 5 epsilons. The first (tracing) call is not timed.

Run:  .venv/bin/python benchmarks/evaluate_speed.py [--model digits_cnn] [--repeats 5] [--batch-size 256]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import tensorflow as tf

EPSILONS = (0.0, 0.02, 0.05, 0.1, 0.2)


def split_cpu(gpus: bool) -> list[str]:
    """Configure two logical CPU devices (must run before TensorFlow initialises); return the devices to mirror."""
    if gpus and tf.config.list_physical_devices("GPU"):
        return [d.name for d in tf.config.list_logical_devices("GPU")]
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    return ["/cpu:0", "/cpu:1"]


def best_of(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and best seconds of ``repeats`` calls after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> None:
    """Measure and print images/second for each way."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="digits_cnn", choices=("digits_cnn", "digits_linear"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--gpus", action="store_true", help="mirror over the physical GPUs, if any")
    args = parser.parse_args()
    devices = split_cpu(args.gpus)

    import fgsm_edu  # after the device configuration

    digits = fgsm_edu.load_digits_data()
    model = fgsm_edu.load_model(args.model)
    data, n = (digits.x_test, digits.y_test), len(digits.x_test)
    strategy = tf.distribute.MirroredStrategy(devices)

    def single() -> object:
        return fgsm_edu.evaluate(model, data, EPSILONS, batch_size=args.batch_size, progress=False)

    def mirrored() -> object:
        return fgsm_edu.evaluate(model, data, EPSILONS, batch_size=args.batch_size, progress=False, strategy=strategy)

    def naive() -> object:
        return [fgsm_edu.predict(model, fgsm_edu.fgsm(model, digits.x_test, digits.y_test, e)) for e in EPSILONS]

    print(
        f"evaluate() on the digits test split: {n} images x {len(EPSILONS)} epsilons, model {args.model}, "
        f"batch {args.batch_size}, TensorFlow {tf.__version__}, mirrored over {devices}"
    )
    rows = [
        ("single device", single),
        (f"MirroredStrategy ({len(devices)} replicas)", mirrored),
        ("naive: fgsm + predict per eps", naive),
    ]
    base = None
    for name, fn in rows:
        median, best = best_of(fn, args.repeats)
        base = base or median
        print(
            f"  {name:<34} {n / median:9.0f} images/s (median of {args.repeats}; best {n / best:.0f})"
            f"  time x{median / base:.2f} of single device"
        )


if __name__ == "__main__":
    main()
