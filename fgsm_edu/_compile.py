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

_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[Callable[..., Any], bool], Any]] = weakref.WeakKeyDictionary()


def compiled(model: Any, fn: Callable[..., Any], static_shapes: bool = False) -> Any:
    """Return ``fn`` with ``model`` bound as its first argument, compiled once per model.

    Args:
        model: the Keras model.
        fn: a pure TensorFlow function ``fn(model, *tensors)``.
        static_shapes: trace each input shape exactly (for reading output shapes, see ``run``)
            instead of generalising shapes to avoid retracing.

    Returns:
        The compiled ``tf.function`` of the remaining arguments.
    """
    per_model = _CACHE.setdefault(model, {})
    key = (fn, static_shapes)
    if key not in per_model:
        xla = os.environ.get("FGSM_EDU_XLA") == "1"
        bound = functools.partial(fn, model)
        per_model[key] = tf.function(bound, reduce_retracing=not static_shapes, jit_compile=xla)
    return per_model[key]


def run(model: Any, fn: Callable[..., Any], x: Any, *args: Any) -> Any:
    """Run ``fn(model, x, *args)`` compiled; a batch of zero images never reaches the model.

    TensorFlow picks CPU kernels by processor, and some convolutions fail on a zero-sized batch, so
    for N = 0 the function is only traced (no kernel runs) to learn its output shapes, and empty
    tensors of those shapes come back. Every helper goes through here (notebook 01, "The gradient").

    Args:
        model: the Keras model.
        fn: a pure TensorFlow function ``fn(model, x, *args)``; ``x`` is a batch (N, H, W, C).
        x: the batch, a numpy array or a tensor.
        *args: the remaining arguments, as ``fn`` takes them.

    Returns:
        What ``fn`` returns, as eager tensors.
    """
    if x.shape[0]:
        return compiled(model, fn)(tf.convert_to_tensor(x), *args)
    static = compiled(model, fn, static_shapes=True)
    outputs = static.get_concrete_function(tf.TensorSpec(x.shape, tf.float32), *args).structured_outputs
    return tf.nest.map_structure(lambda t: tf.zeros([d or 0 for d in t.shape], t.dtype), outputs)


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
