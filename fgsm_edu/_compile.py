"""A per-model cache of ``tf.function``-compiled helpers, so nothing retraces per call.

XLA (``jit_compile=True``) is left off on purpose: on a 2-core CPU it made the
forward+backward pass 15x slower (see benchmarks/). Set FGSM_EDU_XLA=1 to try it on a GPU.
"""

from __future__ import annotations

import functools
import math
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


# Large images go through the model a few at a time: on a CPU, MobileNetV2 runs about 30% faster
# in chunks of 4 images than in one batch of 16 (activations stay in cache), and memory stays small.
CHUNK_PIXELS = 4 * 224 * 224 * 3


def logits_graph(model: Any, x: tf.Tensor) -> tf.Tensor:
    """The forward pass in inference mode, pixels in [0, 1] to logits, in chunks for large images.

    Args:
        model: the Keras model.
        x: (N, H, W, C) images with a static (H, W, C).

    Returns:
        (N, classes) logits.
    """
    pixels = math.prod(int(d) for d in x.shape[1:])
    chunk = max(1, CHUNK_PIXELS // pixels)
    if chunk >= 64:  # small images (digits): one batch is fastest
        return model(x, training=False)
    n = tf.shape(x)[0]
    padded = tf.pad(x, [[0, (-n) % chunk]] + [[0, 0]] * (len(x.shape) - 1))
    chunks = tf.reshape(padded, tf.concat([[-1, chunk], tf.shape(x)[1:]], 0))
    out = tf.map_fn(lambda c: model(c, training=False), chunks, fn_output_signature=tf.float32, parallel_iterations=1)
    return tf.reshape(out, [-1, tf.shape(out)[-1]])[:n]
