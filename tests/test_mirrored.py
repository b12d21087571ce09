"""evaluate(strategy=MirroredStrategy) over two logical CPU devices equals the single-device result.

Logical devices must be configured before TensorFlow initialises, so the check runs in its own process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import fgsm_edu
    from fgsm_edu.evaluation import evaluate

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    digits = fgsm_edu.load_digits_data()
    model = fgsm_edu.load_model("digits_cnn")
    data = (digits.x_test, digits.y_test)
    small = (digits.x_test[:61], digits.y_test[:61])  # the last batch of 1 leaves one replica empty
    out = {"replicas": strategy.num_replicas_in_sync}
    for name, kwargs, d in [
        ("fgsm", dict(epsilons=[0, 0.02, 0.05, 0.1, 0.2], batch_size=100), data),
        ("pgd", dict(epsilons=[0, 0.1], attack="pgd", steps=3, seed=1, batch_size=30), small),
    ]:
        out[name] = [evaluate(model, d, progress=False, strategy=s, **kwargs) for s in (None, strategy)]
    print("RESULT" + json.dumps(out))
    """
)


@pytest.mark.slow
def test_mirrored_strategy_equals_single_device():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.split("RESULT", 1)[1])
    assert out["replicas"] == 2
    for attack in ("fgsm", "pgd"):
        single, mirrored = out[attack]
        assert len(single) == len(mirrored) > 1
        for a, b in zip(single, mirrored, strict=True):
            assert (a["eps"], a["n"]) == (b["eps"], b["n"])
            assert round(a["accuracy"] * a["n"]) == round(b["accuracy"] * b["n"])  # the same counts
            assert a["mean_confidence"] == pytest.approx(b["mean_confidence"], abs=1e-5)
    assert out["fgsm"][0][-1]["accuracy"] < out["fgsm"][0][0]["accuracy"]  # the attack did something
