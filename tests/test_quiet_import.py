"""Importing fgsm_edu shows no TensorFlow start-up noise, and a broken TensorFlow still says why."""

from __future__ import annotations

import os
import subprocess
import sys


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter, without the TF_CPP_MIN_LOG_LEVEL that conftest sets."""
    clean = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**clean, **env}, timeout=300
    )


def test_import_writes_nothing_to_stderr():
    done = run_python("import fgsm_edu, tensorflow; print(fgsm_edu.__version__)")
    assert done.returncode == 0 and done.stdout.strip() == __import__("fgsm_edu").__version__
    assert done.stderr == "", done.stderr


def test_a_failing_tensorflow_import_replays_what_it_wrote(tmp_path):
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "import os\nos.write(2, b'native loader says: libfoo missing\\n')\nraise ImportError('boom')\n"
    )
    done = run_python("import fgsm_edu", PYTHONPATH=str(tmp_path))
    assert done.returncode != 0
    assert "native loader says: libfoo missing" in done.stderr and "ImportError: boom" in done.stderr
