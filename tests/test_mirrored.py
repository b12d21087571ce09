"""evaluate(strategy=MirroredStrategy) equals the single device for every dataset size, batch size and replica count;
adversarial_fit(strategy=MirroredStrategy) trains as one device does.

Every replica must get at least one row (an empty shard through a convolution fails on some CPUs), so each
batch is padded and the padding masked out. Logical devices must be configured before TensorFlow
initialises, so the check runs in its own process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SIZES = [1, 2, 3, 4, 5, 6, 7, 61, 450]
BATCH_SIZES = [1, 7, 30, 256]
PGD_SIZES = [1, 2, 3, 7, 61]  # PGD costs more; these cover every remainder modulo 2 and 3

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 3)
    import fgsm_edu
    from fgsm_edu.evaluation import evaluate

    sizes, batch_sizes, pgd_sizes = json.loads(sys.argv[1])
    digits = fgsm_edu.load_digits_data()
    assert len(digits.x_test) >= max(sizes)
    outside = fgsm_edu.load_model("digits_cnn")
    runs = {"fgsm": dict(epsilons=[0, 0.05, 0.2]), "pgd": dict(epsilons=[0, 0.1], attack="pgd", steps=2, seed=1)}
    out = []
    for replicas in (2, 3):
        strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(replicas)])
        with strategy.scope():
            inside = fgsm_edu.load_model("digits_cnn")
        for attack, kwargs in runs.items():
            for n in sizes if attack == "fgsm" else pgd_sizes:
                data = (digits.x_test[:n], digits.y_test[:n])
                for bs in batch_sizes:
                    single = evaluate(outside, data, batch_size=bs, progress=False, **kwargs)
                    for where, model in (("outside", outside), ("inside", inside)):
                        got = evaluate(model, data, batch_size=bs, strategy=strategy, progress=False, **kwargs)
                        case = dict(replicas=replicas, attack=attack, n=n, bs=bs, where=where)
                        out.append(dict(case, single=single, got=got))
    print("RESULT" + json.dumps(out))
    """
)


def _key(case: dict) -> str:
    return f"{case['attack']} n={case['n']} batch={case['bs']} replicas={case['replicas']} model built {case['where']}"


@pytest.mark.slow
def test_mirrored_strategy_equals_single_device_for_every_size():
    args = json.dumps([SIZES, BATCH_SIZES, PGD_SIZES])
    done = subprocess.run([sys.executable, "-c", SCRIPT, args], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    cases = json.loads(done.stdout.split("RESULT", 1)[1])
    assert len(cases) == 2 * 2 * len(BATCH_SIZES) * (len(SIZES) + len(PGD_SIZES))
    for case in cases:
        single, got = case["single"], case["got"]
        assert len(single) == len(got) > 1, _key(case)
        for a, b in zip(single, got, strict=True):
            assert a["eps"] == b["eps"] and a["n"] == b["n"] == case["n"], _key(case)
            assert round(a["accuracy"] * a["n"]) == round(b["accuracy"] * b["n"]), _key(case)  # the same counts
            assert a["mean_confidence"] == pytest.approx(b["mean_confidence"], abs=1e-5), _key(case)
    whole = [c["single"] for c in cases if c["attack"] == "fgsm" and c["n"] == max(SIZES)][0]
    assert whole[-1]["accuracy"] < whole[0]["accuracy"]  # the attack did something


FIT_SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import fgsm_edu
    from fgsm_edu.defences import adversarial_fit, cyclic_rate
    from fgsm_edu.models import SHIPPED_BUILDERS

    mnist = fgsm_edu.load_mnist_data()
    x, y = mnist.x_train[:400], mnist.y_train[:400]
    keras.utils.set_random_seed(0)
    single = SHIPPED_BUILDERS["mnist_cnn_fgsm_rs"]()
    start = [w.copy() for w in single.get_weights()]
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        mirrored = SHIPPED_BUILDERS["mnist_cnn_fgsm_rs"]()
    mirrored.set_weights(start)
    out = {"start": [w.ravel().tolist() for w in start]}
    for attack in ("fgsm_rs", "pgd"):
        runs = []
        for model, where in ((single, None), (mirrored, strategy)):
            model.set_weights(start)
            history = adversarial_fit(
                model, x, y, eps=0.3, attack=attack, epochs=2, batch_size=100, pgd_steps=3, start="uniform",
                learning_rate=cyclic_rate(5e-3, 2, 0.8), strategy=where,
            )
            runs.append(dict(loss=history.loss, weights=[w.ravel().tolist() for w in model.get_weights()]))
        out[attack] = runs
    print("RESULT" + json.dumps(dict(out, replicas=strategy.num_replicas_in_sync)))
    """
)


@pytest.mark.slow
def test_adversarial_fit_under_mirrored_strategy_equals_the_single_device():
    done = subprocess.run([sys.executable, "-c", FIT_SCRIPT], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.split("RESULT", 1)[1])
    assert out.pop("replicas") == 2
    start = out.pop("start")
    for attack, (single, mirrored) in out.items():
        assert mirrored["loss"] == pytest.approx(single["loss"], rel=1e-4), attack
        moved = 0.0
        for a, b, s in zip(single["weights"], mirrored["weights"], start, strict=True):
            np.testing.assert_allclose(b, a, atol=1e-4, err_msg=attack)
            moved = max(moved, float(np.abs(np.subtract(a, s)).max()))
        assert moved > 1e-3, attack  # training moved the weights: the comparison is not of two untouched models
