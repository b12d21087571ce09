"""Import TensorFlow without its C++ start-up lines in every lesson's first output (every notebook, "Setup").

TensorFlow 2.21 writes "All log messages before absl::InitializeLog() ..." and a CUDA notice to the
process's stderr while it loads, before TF_CPP_MIN_LOG_LEVEL is read; Jupyter shows them as red
text under the setup cell. They are captured here and shown only if the import fails.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile


def import_tensorflow_quietly() -> None:
    """Import TensorFlow once with C-level stderr captured, replaying it if the import fails.

    Returns:
        None. A failed import raises as usual, after printing what TensorFlow wrote.
    """
    if "tensorflow" in sys.modules:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):  # no usable file descriptor 2 (some IDEs, pythonw)
        import tensorflow  # noqa: F401

        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            with contextlib.suppress(OSError):
                os.close(saved)
