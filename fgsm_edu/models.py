"""Models that own their preprocessing and output logits (notebook 01, "The model").

Every model handed out by this module takes float32 pixels in [0, 1] and returns logits,
so epsilon always means "a fraction of the pixel range", whatever the network inside.
"""

from __future__ import annotations

import difflib
import functools
import json
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import keras
import numpy as np

from fgsm_edu._compile import compiled, logits_graph
from fgsm_edu.checks import as_image_batch
from fgsm_edu.errors import InvalidArgumentError, ModelError
from fgsm_edu.i18n import t

KNOWN_MODELS = (
    "mobilenet_v2",
    "digits_cnn",
    "digits_linear",
    "mnist_cnn",
    "mnist_linear",
    "mnist_cnn_fgsm_rs",
    "mnist_cnn_pgd",
    "mnist_cnn_noise25",
    "mnist_cnn_noise50",
    "mnist_cnn_noise100",
)
WEIGHTS_DIR = Path(__file__).parent / "weights"
DIGIT_NAMES = tuple(str(i) for i in range(10))
_INFO_ATTR = "fgsm_edu_info"


@dataclass(frozen=True)
class ModelInfo:
    """What the package knows about a model: its name, input shape and class names."""

    name: str
    input_shape: tuple[int | None, ...]
    class_names: tuple[str, ...] | None
    num_classes: int

    def __str__(self) -> str:
        """One line in the current language, e.g. "mnist_cnn: input (28, 28, 1), 10 classes (0, 1, ..., 9)"."""
        names = self.class_names or ()
        shown = ", ".join(names) if len(names) <= 10 else ", ".join([*names[:3], "…", *names[-2:]])
        listed = t("models.info_names", names=shown) if names else ""
        return t("models.info", name=self.name, shape=self.input_shape, num=self.num_classes, names=listed)


def model_info(model: keras.Model) -> ModelInfo:
    """Return the ModelInfo of a model from ``load_model`` or ``wrap_model``.

    Args:
        model: the model.

    Returns:
        Its ModelInfo (inferred from the Keras model for a bare model).
    """
    info = getattr(model, _INFO_ATTR, None)
    if isinstance(info, ModelInfo):
        return info
    if not callable(model):
        raise ModelError(t("errors.not_a_model", type=type(model).__name__))
    _check_single_io(model)
    shape = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else None
    if shape is not None and hasattr(model, "output_shape"):
        _check_shapes(tuple(model.input_shape), tuple(model.output_shape))
    if _last_layer_is_softmax(model):
        raise ModelError(t("errors.softmax_model"))
    num = int(model.output_shape[-1]) if hasattr(model, "output_shape") else 0
    return ModelInfo(getattr(model, "name", "model"), shape or (None, None, None), None, num)


def _check_shapes(in_shape: tuple[Any, ...], out_shape: tuple[Any, ...]) -> None:
    """Refuse models without a batch axis, without image input, or without (N, classes) output."""
    if len(in_shape) == 3 and in_shape[0] is not None:
        raise ModelError(t("errors.no_batch_axis", shape=in_shape))
    if len(in_shape) != 4:
        raise ModelError(t("errors.not_image_input", shape=in_shape))
    if len(out_shape) != 2:
        raise ModelError(t("errors.not_class_scores", shape=out_shape))


def _attach(model: keras.Model, info: ModelInfo) -> keras.Model:
    """Store ``info`` on the model (a plain attribute, not a tracked Keras variable)."""
    object.__setattr__(model, _INFO_ATTR, info)
    return model


def _linear(shape: tuple[int, int, int], name: str) -> keras.Model:
    """One dense layer from every pixel to 10 logits: a linear (softmax) classifier (notebook 02)."""
    inputs = keras.Input(shape, name="pixels")
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(10, name="logits")(x), name=name)


def build_digits_linear() -> keras.Model:
    """A linear model for 8x8 digits: one dense layer from 64 pixels to 10 logits (notebook 02).

    Returns:
        The untrained Keras model.
    """
    return _linear((8, 8, 1), "digits_linear")


def build_digits_cnn() -> keras.Model:
    """A small two-convolution CNN for 8x8 digits, outputting logits (notebook 02).

    Returns:
        The untrained Keras model.
    """
    inputs = keras.Input((8, 8, 1), name="pixels")
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(128, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(10, name="logits")(x), name="digits_cnn")


def build_mnist_linear() -> keras.Model:
    """The paper's "shallow softmax" for 28x28 MNIST: one dense layer from 784 pixels to 10 logits (notebook 02).

    Returns:
        The untrained Keras model.
    """
    return _linear((28, 28, 1), "mnist_linear")


def build_mnist_cnn() -> keras.Model:
    """A small CNN for 28x28 MNIST (two 3x3 convolutions, each pooled, dense 128), outputting logits (notebook 02).

    Returns:
        The untrained Keras model.
    """
    inputs = keras.Input((28, 28, 1), name="pixels")
    x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(64, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.5)(x)  # active only in training: model(x, training=False) is deterministic
    x = keras.layers.Dense(128, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(10, name="logits")(x), name="mnist_cnn")


def _torch_init(fan_in: int) -> dict[str, Any]:
    """PyTorch's default initialisation of a layer with ``fan_in`` inputs: weights and biases U(+-1/sqrt(fan_in))."""
    bound = float(fan_in) ** -0.5
    uniform = keras.initializers.RandomUniform(-bound, bound)
    return {"kernel_initializer": uniform, "bias_initializer": uniform}


def build_wong_net(name: str, pytorch_init: bool = True) -> keras.Model:
    """Wong, Rice & Kolter's (2020) MNIST network: conv 16 and 32 (4x4, stride 2), dense 100, logits (notebook 05).

    Args:
        name: the model's name.
        pytorch_init: initialise as PyTorch does (Wong et al.'s code), else with Keras's defaults (Glorot
            uniform, zero biases); lesson 05's recorded collapse differs from the shipped recipe only there.

    Returns:
        The untrained Keras model.
    """

    def init(fan_in: int) -> dict[str, Any]:
        return _torch_init(fan_in) if pytorch_init else {}

    inputs = keras.Input((28, 28, 1), name="pixels")
    x = keras.layers.Conv2D(16, 4, strides=2, padding="same", activation="relu", **init(16))(inputs)
    x = keras.layers.Conv2D(32, 4, strides=2, padding="same", activation="relu", **init(256))(x)  # 7x7x32
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(100, activation="relu", **init(1568))(x)
    return keras.Model(inputs, keras.layers.Dense(10, name="logits", **init(100))(x), name=name)


def build_mnist_cnn_fgsm_rs() -> keras.Model:
    """Wong et al.'s MNIST CNN, shipped trained with their FGSM-RS recipe (notebook 05, "Robust models that ship").

    "Fast is better than free" (Wong, Rice & Kolter, ICLR 2020): FGSM from a uniform random start in
    the eps-box (unclipped, as in their code), eps 0.3, adversarial loss only, Adam with a cyclic
    learning rate up to 5e-3, 10 epochs; but a step of eps, not their 1.25 eps (the smaller step their
    maintainers advise against catastrophic overfitting), and the weights of the epoch with the best
    held-out PGD accuracy are kept;
    ``python -m fgsm_edu.train_digits mnist_cnn_fgsm_rs`` retrains it.

    Returns:
        The untrained Keras model (conv 16 and 32, 4x4 stride 2; dense 100; logits).
    """
    return build_wong_net("mnist_cnn_fgsm_rs")


def build_mnist_cnn_pgd() -> keras.Model:
    """Wong et al.'s MNIST CNN, shipped trained with PGD (notebook 05, "Robust models that ship").

    Madry et al.'s objective ("Towards Deep Learning Models Resistant to Adversarial Attacks", ICLR
    2018): PGD from a random start, adversarial loss only, eps 0.3; but 10 steps of 0.075 and a few
    epochs on Wong et al.'s smaller network, starting from ``mnist_cnn_fgsm_rs``'s weights, so that it
    trains on a 2-core CPU within the hour (PGD-40 for 100 epochs is not): ``python -m
    fgsm_edu.train_digits mnist_cnn_pgd``; the recipe is ``train_digits.ROBUST_RECIPES["mnist_cnn_pgd"]``.

    Returns:
        The untrained Keras model (conv 16 and 32, 4x4 stride 2; dense 100; logits).
    """
    return build_wong_net("mnist_cnn_pgd")


NOISE_SIGMAS = {"mnist_cnn_noise25": 0.25, "mnist_cnn_noise50": 0.5, "mnist_cnn_noise100": 1.0}


def build_noise_net(name: str) -> keras.Model:
    """Wong et al.'s MNIST CNN, shipped trained with Gaussian noise for randomized smoothing (notebook 07, section 1).

    Cohen, Rosenfeld & Kolter (2019) train the base model with noise N(0, sigma^2 I) added to every
    training image (a fresh draw per batch) at the sigma it is certified with:
    ``mnist_cnn_noise25``, ``mnist_cnn_noise50`` and ``mnist_cnn_noise100`` (sigma 0.25, 0.5 and 1.0,
    ``NOISE_SIGMAS``), trained by ``python -m fgsm_edu.train_digits mnist_cnn_noise25 ...``. Wong et al.'s
    net, not the LeNet of the published baseline, chosen by measurement on 2 CPU cores: it certifies 2.6x
    faster (certifying draws 10,000 noisy copies of each image; lesson 07 runs on a CPU, and the benchmark
    against ART is 2.8x with it) and its weights are 0.7 MB, not 1.7 MB; at sigma 0.5 on the first 200 test
    images (n = 10,000) it certified 97.0 / 87.0 / 51.0% at L2 radius 0.5 / 1.0 / 1.5, a LeNet trained the
    same way (15 epochs) 96.5 / 89.0 / 50.5%.

    Args:
        name: one of ``NOISE_SIGMAS``.

    Returns:
        The untrained Keras model (conv 16 and 32, 4x4 stride 2; dense 100; logits).
    """
    return build_wong_net(name)


SHIPPED_BUILDERS: dict[str, Callable[[], keras.Model]] = {
    "digits_linear": build_digits_linear,
    "digits_cnn": build_digits_cnn,
    "mnist_linear": build_mnist_linear,
    "mnist_cnn": build_mnist_cnn,
    "mnist_cnn_fgsm_rs": build_mnist_cnn_fgsm_rs,
    "mnist_cnn_pgd": build_mnist_cnn_pgd,
    **{name: functools.partial(build_noise_net, name) for name in NOISE_SIGMAS},
}


def _load_shipped(name: str, weights: Any) -> keras.Model:
    """Build a digits or MNIST model and load its shipped (or given) weights."""
    model = SHIPPED_BUILDERS[name]()
    if weights == "default":
        weights = WEIGHTS_DIR / f"{name}.weights.h5"
    if weights is not None:
        _load_weights(model, _existing_file(weights))
    return _attach(model, ModelInfo(name, tuple(model.input_shape[1:]), DIGIT_NAMES, 10))


def _load_weights(model: keras.Model, path: Path) -> None:
    """Load a ``.weights.h5`` file into ``model``, explaining a wrong or broken file."""
    if not str(path).endswith(".h5"):
        raise ModelError(t("errors.weights_not_h5", path=path))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # Keras warns (not raises) on mismatched layers
        try:
            model.load_weights(str(path))
        except (ValueError, OSError, KeyError, UserWarning) as err:
            reason = str(err).splitlines()[0]
            raise ModelError(t("errors.weights_mismatch", path=path, model=model.name, reason=reason)) from None


def _existing_file(path: str | PathLike[str]) -> Path:
    """Check that a weights path exists, with a message that says what to pass instead."""
    p = Path(path)
    if not p.is_file():
        raise ModelError(t("errors.weights_missing", path=p))
    return p


def _load_mobilenet_v2(weights: Any) -> keras.Model:
    """Keras's own MobileNetV2 with logits out and the [0, 1] -> [-1, 1] step inside."""
    from fgsm_edu.downloads import MOBILENET_V2_WEIGHTS, fetch

    if weights in ("default", "imagenet"):
        weights = fetch(MOBILENET_V2_WEIGHTS)
    elif weights is not None:
        weights = _existing_file(weights)
    names = imagenet_class_names()  # shipped with the package: real names offline, even with weights=None
    base = keras.applications.MobileNetV2(
        input_shape=(224, 224, 3), weights=None if weights is None else str(weights), classifier_activation=None
    )
    inputs = keras.Input((224, 224, 3), name="pixels")
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_minus1_plus1")(inputs)  # = preprocess_input(255 x)
    model = keras.Model(inputs, base(x), name="mobilenet_v2")
    return _attach(model, ModelInfo("mobilenet_v2", (224, 224, 3), names, 1000))


def load_model(name: str, weights: Any = "default") -> keras.Model:
    """Load a model that takes [0, 1] pixels and outputs logits (notebook 01, "The model").

    Args:
        name: "mobilenet_v2" (ImageNet, 224x224x3), "digits_cnn" or "digits_linear" (8x8x1),
            "mnist_cnn" or "mnist_linear" (28x28x1), "mnist_cnn_fgsm_rs" or "mnist_cnn_pgd" (28x28x1,
            adversarially trained at eps 0.3: Wong et al.'s FGSM-RS, Madry et al.'s PGD; notebook 05),
            "mnist_cnn_noise25", "mnist_cnn_noise50" or "mnist_cnn_noise100" (28x28x1, trained with
            Gaussian noise of sigma 0.25, 0.5 or 1.0 for randomized smoothing; notebook 07).
        weights: "default" (ImageNet for MobileNetV2, the shipped weights for digits and MNIST),
            "imagenet", None (random weights, offline), or a path to a local weights file.

    Returns:
        A Keras model; ``model_info(model)`` gives its class names.
    """
    if not isinstance(name, str):
        raise ModelError(t("errors.model_name_type", type=type(name).__name__))
    if name not in KNOWN_MODELS:
        close = difflib.get_close_matches(name.lower().replace("-", "_"), KNOWN_MODELS, n=1)
        hint = t("errors.did_you_mean", close=close[0]) if close else ""
        raise ModelError(t("errors.unknown_model", name=name, known=", ".join(KNOWN_MODELS), hint=hint))
    if name == "mobilenet_v2":
        return _load_mobilenet_v2(weights)
    if weights == "imagenet":
        raise ModelError(t("errors.no_imagenet_weights", name=name))
    return _load_shipped(name, weights)


IMAGENET_CLASS_INDEX_FILE = Path(__file__).parent / "assets" / "imagenet_class_index.json"
_IMAGENET_NAMES: tuple[str, ...] | None = None


def imagenet_class_names() -> tuple[str, ...]:
    """Return the 1000 ImageNet class names, from Keras's class index shipped in the package (notebook 01).

    The file is Keras's own ``imagenet_class_index.json`` (the one ``decode_predictions`` downloads,
    md5 as Keras pins it), so names never need the network.

    Returns:
        The names, by class id ("Labrador retriever" is 208).
    """
    global _IMAGENET_NAMES
    if _IMAGENET_NAMES is None:
        index = json.loads(IMAGENET_CLASS_INDEX_FILE.read_text(encoding="utf-8"))
        _IMAGENET_NAMES = tuple(index[str(i)][1].replace("_", " ") for i in range(1000))
    return _IMAGENET_NAMES


class LogProbabilities(keras.layers.Layer):
    """Turns probabilities into log-probabilities, which act as logits for the softmax loss."""

    def call(self, p: Any) -> Any:
        return keras.ops.log(keras.ops.maximum(p, 1e-12))


def _last_layer_is_softmax(model: keras.Model) -> bool:
    """Whether the model's last layer is a Softmax layer or has a softmax activation."""
    last = model.layers[-1] if getattr(model, "layers", None) else None
    activation = getattr(last, "activation", None)
    return isinstance(last, keras.layers.Softmax) or getattr(activation, "__name__", "") == "softmax"


def ends_in_softmax(model: keras.Model, input_shape: tuple[int, ...] | None = None) -> bool:
    """Detect whether a model outputs probabilities (softmax) rather than logits.

    Args:
        model: a Keras model.
        input_shape: its (H, W, C) input shape, if the model does not declare one.

    Returns:
        True if the last layer is a softmax, or if its outputs on random inputs are distributions.
    """
    if _last_layer_is_softmax(model):
        return True
    shape = tuple(input_shape or model.input_shape[1:])
    probe = np.random.default_rng(0).random((2, *shape)).astype(np.float32)
    out = np.asarray(model(probe, training=False))
    return bool(np.all(out >= 0) and np.all(out <= 1) and np.allclose(out.sum(-1), 1.0, atol=1e-3))


def _logits_head(model: keras.Model) -> keras.Model | None:
    """Rebuild a functional model ending in softmax so it outputs the pre-softmax logits."""
    last = model.layers[-1]
    try:
        if isinstance(last, keras.layers.Softmax):
            return keras.Model(model.inputs, last.input)
        head = type(last).from_config({**last.get_config(), "activation": "linear", "name": last.name + "_logits"})
        out = head(last.input)
        head.set_weights(last.get_weights())
        return keras.Model(model.inputs, out)
    except (ValueError, AttributeError, TypeError):
        return None


def _check_single_io(model: keras.Model) -> None:
    """Refuse models with several inputs or outputs, saying how to adapt them."""
    for what in ("inputs", "outputs"):
        tensors = getattr(model, what, None)
        if tensors is not None and len(tensors) != 1:
            raise ModelError(t("errors.several_io", count=len(tensors), what=what))


def wrap_model(
    model: keras.Model,
    *,
    output: str = "auto",
    preprocess: Callable[[Any], Any] | None = None,
    class_names: Sequence[str] | None = None,
    input_shape: tuple[int, ...] | None = None,
    name: str | None = None,
) -> keras.Model:
    """Adapt your own Keras model so every fgsm_edu helper can attack it (notebook 03).

    Args:
        model: a Keras model taking one image batch and returning class scores.
        output: "logits", "probabilities" (ends in softmax) or "auto" to detect it.
        preprocess: maps [0, 1] pixels to what the model expects (for example
            ``lambda x: x * 255``); None if the model takes [0, 1] pixels.
        class_names: names for the classes, for people to read.
        input_shape: (H, W, C) when the model does not declare it.
        name: a display name.

    Returns:
        A Keras model taking [0, 1] pixels and returning logits.
    """
    _check_single_io(model)
    declared = tuple(getattr(model, "input_shape", ()) or ())
    if input_shape is None and declared:
        _check_shapes(declared, (None, None))
    shape = tuple(input_shape or getattr(model, "input_shape", (None,))[1:])
    if len(shape) != 3 or any(s is None for s in shape):
        raise ModelError(t("errors.image_size_unknown", shape=shape))
    if output not in ("auto", "logits", "probabilities"):
        raise InvalidArgumentError(t("errors.output_kind", output=output))
    inputs = keras.Input(shape, name="pixels")
    x = inputs if preprocess is None else _as_layer(preprocess)(inputs)
    core = model
    if output == "probabilities" or (output == "auto" and ends_in_softmax(model, shape)):
        head = _logits_head(model) if _last_layer_is_softmax(model) else None  # else: probabilities, take the log
        core = head or keras.Sequential([model, LogProbabilities()])
    out = core(x)
    wrapped = keras.Model(inputs, out, name=name or f"wrapped_{model.name}")
    _check_shapes((None, *shape), tuple(wrapped.output_shape))
    num = int(wrapped.output_shape[-1])
    names = tuple(class_names) if class_names is not None else None
    if names is not None and len(names) != num:
        raise InvalidArgumentError(t("errors.class_names_count", got=len(names), num=num))
    return _attach(wrapped, ModelInfo(wrapped.name, shape, names, num))


def load_keras_file(path: str | PathLike[str], **wrap_kwargs: Any) -> keras.Model:
    """Load your own ``.keras`` model file safely and wrap it for fgsm_edu (notebook 03, "Your own model").

    Keras's ``safe_mode=True`` refuses files that would run Python code (Lambda layers), and the
    ``.keras`` format holds JSON and weights only: nothing is ever unpickled.

    Args:
        path: a ``.keras`` file saved with ``model.save("name.keras")``.
        **wrap_kwargs: passed to ``wrap_model`` (output, preprocess, class_names, input_shape, name).

    Returns:
        The wrapped model: [0, 1] pixels in, logits out.
    """
    file = _keras_file(Path(path))
    try:
        model = keras.saving.load_model(file, compile=False, safe_mode=True)
    except Exception as err:  # Keras raises ValueError, TypeError, OSError... for a bad file
        hint = t("errors.keras_lambda") if "Lambda" in str(err) else ""
        reason = str(err).splitlines()[0]
        raise ModelError(t("errors.keras_unsafe", name=file.name, reason=reason, hint=hint)) from None
    return wrap_model(model, **wrap_kwargs)


def _keras_file(path: Path) -> Path:
    """Check that ``path`` is an existing ``.keras`` zip file; refuse pickles and other formats."""
    if not path.is_file():
        raise ModelError(t("errors.no_model_file", path=path, cwd=Path.cwd()))
    if path.suffix in (".pkl", ".pickle", ".joblib", ".dill"):
        raise ModelError(t("errors.pickle", name=path.name))
    if str(path).endswith(".h5"):
        raise ModelError(t("errors.hdf5_model", name=path.name))
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise ModelError(t("errors.not_keras_file", name=path.name))
    return path


def _as_layer(fn: Callable[[Any], Any]) -> keras.layers.Layer:
    """Use a Keras layer as it is; wrap a plain function in a Lambda layer."""
    return fn if isinstance(fn, keras.layers.Layer) else keras.layers.Lambda(fn, name="preprocess")


@dataclass(frozen=True)
class Prediction:
    """Top-k predictions for people to read: ids, names and probabilities.

    Arrays are (N, top) for a batch and (top,) for a single image.
    """

    ids: np.ndarray
    names: list[Any]
    probabilities: np.ndarray

    @property
    def label(self) -> str:
        """The top-1 class name of the (first) image."""
        first = self.names[0]
        return str(first[0] if isinstance(first, list) else first)

    @property
    def confidence(self) -> float:
        """The top-1 probability of the (first) image."""
        return float(np.ravel(self.probabilities)[0])

    def __str__(self) -> str:
        return f"{self.label} ({self.confidence:.1%})"


def class_name(info: ModelInfo, class_id: int) -> str:
    """Name a class for people: its name if known, else "class N".

    Args:
        info: the model's info.
        class_id: the class index.

    Returns:
        The readable name.
    """
    names = info.class_names
    return names[class_id] if names is not None else t("models.class_n", id=class_id)


def logits(model: keras.Model, x: Any, batch_size: int = 256) -> np.ndarray:
    """Run the compiled forward pass in batches.

    Args:
        model: the model.
        x: images, already checked, (N, H, W, C) float32.
        batch_size: images per forward pass.

    Returns:
        The logits, (N, classes).
    """
    forward = compiled(model, logits_graph)
    parts = [forward(x[i : i + batch_size]).numpy() for i in range(0, len(x), batch_size)]
    return np.concatenate(parts) if parts else np.zeros((0, model_info(model).num_classes), np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    """A numerically stable softmax over the last axis (numpy).

    Args:
        z: logits.

    Returns:
        Probabilities that sum to 1 along the last axis.
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def predict(model: keras.Model, x: Any, top: int = 1) -> Prediction:
    """Classify images and return the top classes with names and probabilities (notebook 01).

    Args:
        model: a model from ``load_model`` or ``wrap_model``.
        x: one image (H, W, C) or a batch (N, H, W, C), float32 in [0, 1].
        top: how many classes to return per image.

    Returns:
        A Prediction; ``str(pred)`` reads like "Labrador retriever (41.8%)".
    """
    info = model_info(model)
    batch, single = as_image_batch(x, info.input_shape)
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= info.num_classes:
        raise InvalidArgumentError(t("errors.top", num=info.num_classes, top=top))
    probs = softmax(logits(model, batch))
    ids = np.argsort(-probs, axis=-1)[:, :top]
    top_p = np.take_along_axis(probs, ids, axis=-1)
    names = [[class_name(info, int(i)) for i in row] for row in ids]
    return Prediction(ids[0], names[0], top_p[0]) if single else Prediction(ids, names, top_p)
