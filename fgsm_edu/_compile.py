"""A per-model cache of ``tf.function``-compiled helpers, so nothing retraces per call.

XLA (``jit_compile=True``) is left off on purpose: on a 2-core CPU it made the
forward+backward pass 15x slower (see benchmarks/). Set FGSM_EDU_XLA=1 to try it on a GPU.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable
from typing import Any

import tensorflow as tf

_CACHE: weakref.WeakKeyDictionary[Any, dict[Callable[..., Any], Callable[..., Any]]] = weakref.WeakKeyDictionary()


def compiled(model: Any, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``fn`` with ``model`` bound as its first argument, compiled once per model.

    Args:
        model: the Keras model.
        fn: a pure TensorFlow function ``fn(model, *tensors)``.

    Returns:
        The compiled function of the remaining arguments.
    """
    per_model = _CACHE.setdefault(model, {})
    if fn not in per_model:
        xla = os.environ.get("FGSM_EDU_XLA") == "1"
        per_model[fn] = tf.function(functools.partial(fn, model), reduce_retracing=True, jit_compile=xla)
    return per_model[fn]


def logits_graph(model: Any, x: tf.Tensor) -> tf.Tensor:
    """The forward pass in inference mode: pixels in [0, 1] to logits."""
    return model(x, training=False)
