"""Adversarial training: fit a model on clean and adversarial examples made on the fly (notebook 05).

Each batch, the attack is run against the model as it is now, and the model takes one optimiser
step on ``(1 - adv_weight) * J(x, y) + adv_weight * J(x_adv, y)``. Each method's default weight is its
paper's: FGSM training is Goodfellow et al.'s (2014) objective with their alpha = 0.5 (half clean,
half adversarial loss); PGD training (Madry et al. 2017, eq. 2.1) and FGSM from a random start (Wong,
Rice & Kolter 2020, Alg. 3) train on the adversarial loss alone (adv_weight 1).

The training attacks run the model in inference mode (``training=False``: no dropout, batch-norm
statistics not updated by the attack's iterates); Wong et al.'s code attacks in training mode. The
package's digit models have no batch norm, so only their dropout differs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from fgsm_edu import saving
from fgsm_edu.attacks import direction, project
from fgsm_edu.checks import as_image_batch, check_batch_size, check_eps, check_labels
from fgsm_edu.errors import InvalidArgumentError
from fgsm_edu.gradients import USE_PREDICTION, cross_entropy, loss_gradient_graph
from fgsm_edu.i18n import t
from fgsm_edu.models import model_info

ATTACKS = ("fgsm", "fgsm_rs", "pgd")
LABELS = ("true", "predicted")
START_MODES = ("clipped", "uniform")
# Each method's published objective: Goodfellow et al.'s alpha = 0.5; Madry et al. and Wong et al. use J(x_adv) alone.
DEFAULT_ADV_WEIGHT = {"fgsm": 0.5, "fgsm_rs": 1.0, "pgd": 1.0}


def clean_labels(model: Any, x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """Replace USE_PREDICTION labels by the model's prediction on the clean ``x``, once (notebook 04, "Label leaking").

    Kurakin et al.'s (2016) fix for label leaking attacks the clean image's predicted class for the
    whole attack; re-labelling every step would push away from whatever class the iterate has reached.

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) clean float32 pixels.
        y: (N,) int32 labels, USE_PREDICTION where the prediction should be used.

    Returns:
        (N,) int32 labels, fixed for the whole attack.
    """

    def predicted() -> tf.Tensor:
        return tf.where(y < 0, tf.argmax(model(x, training=False), axis=-1, output_type=tf.int32), y)

    return tf.stop_gradient(tf.cond(tf.reduce_any(y < 0), predicted, lambda: tf.identity(y)))


def fgsm_examples(model: Any, x: tf.Tensor, y: tf.Tensor, eps: tf.Tensor) -> tf.Tensor:
    """FGSM images for training, as a TensorFlow op (notebook 05, "FGSM training").

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) float32 pixels.
        y: (N,) int32 labels (USE_PREDICTION = use the model's prediction on ``x``).
        eps: the L-inf budget.

    Returns:
        The adversarial images, clipped to [0, 1].
    """
    grad, _, _ = loss_gradient_graph(model, x, y)  # the prediction on x itself: already the clean one
    return tf.clip_by_value(x + eps * tf.sign(grad), 0.0, 1.0)


def random_start(x: tf.Tensor, noise: tf.Tensor, start: str) -> tf.Tensor:
    """The random start ``x + noise``, clipped to [0, 1] or not (notebook 05, "FGSM from a random start").

    Args:
        x: (N, H, W, C) float32 pixels.
        noise: uniform noise in [-eps, eps], like ``x``.
        start: "clipped" (a valid image) or "uniform" (Wong et al.'s MNIST code: unclipped, so the whole
            eps-box is sampled even where pixels are 0 or 1; the maintainers call it unintended, issue #21).

    Returns:
        The starting images.
    """
    return x + noise if start == "uniform" else tf.clip_by_value(x + noise, 0.0, 1.0)


def fgsm_rs_from(
    model: Any, x: tf.Tensor, labels: tf.Tensor, noise: tf.Tensor, eps: tf.Tensor, step: tf.Tensor, start: str
) -> tf.Tensor:
    """One FGSM step of size ``step`` from ``random_start(x, noise, start)``, projected and clipped (notebook 05).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) float32 pixels.
        labels: (N,) int32 labels to attack, fixed (see ``clean_labels``).
        noise: uniform noise in [-eps, eps], like ``x``.
        eps: the L-inf budget.
        step: the FGSM step (Wong et al.: 1.25 eps).
        start: "clipped" or "uniform" (see ``random_start``).

    Returns:
        The adversarial images, within eps of ``x`` and in [0, 1].
    """
    begin = random_start(x, noise, start)
    grad, _, _ = loss_gradient_graph(model, begin, labels)
    return tf.clip_by_value(x + project(begin + step * tf.sign(grad) - x, eps, np.inf), 0.0, 1.0)


def fgsm_rs_examples(model: Any, x: tf.Tensor, y: tf.Tensor, eps: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """FGSM from a random start, Wong, Rice and Kolter's (2020) fix for catastrophic overfitting (notebook 05).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) float32 pixels.
        y: (N,) int32 labels (USE_PREDICTION = the prediction on the clean ``x``, not on the random start).
        eps: the L-inf budget; the step is 1.25 * eps from a uniform start in the eps-box, as in the paper.
        seed: a stateless seed, shape (2,) int32, for the random start.

    Returns:
        The adversarial images, within eps of ``x`` and in [0, 1].
    """
    noise = tf.random.stateless_uniform(tf.shape(x), seed, -eps, eps)
    return fgsm_rs_from(model, x, clean_labels(model, x, y), noise, eps, 1.25 * eps, "clipped")


def pgd_from(
    model: Any, x: tf.Tensor, labels: tf.Tensor, noise: tf.Tensor, eps: tf.Tensor, alpha: tf.Tensor, steps: int
) -> tf.Tensor:
    """PGD for training from the start ``clip(x + noise)``: ``steps`` projected sign steps of ``alpha`` (notebook 05).

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) float32 pixels.
        labels: (N,) int32 labels to attack, fixed.
        noise: uniform noise in [-eps, eps], like ``x``.
        eps: the L-inf budget.
        alpha: the step size.
        steps: the number of steps.

    Returns:
        The adversarial images, within eps of ``x`` and in [0, 1].
    """
    adv = random_start(x, noise, "clipped")
    for _ in tf.range(steps):
        grad, _, _ = loss_gradient_graph(model, adv, labels)
        moved = adv + alpha * direction(grad, np.inf)
        adv = tf.clip_by_value(x + project(moved - x, eps, np.inf), 0.0, 1.0)
    return adv


def pgd_examples(model: Any, x: tf.Tensor, y: tf.Tensor, eps: tf.Tensor, steps: int, seed: tf.Tensor) -> tf.Tensor:
    """PGD images for training: a random start, then ``steps`` projected sign steps (notebook 05, "PGD training").

    Args:
        model: a model taking [0, 1] pixels and returning logits.
        x: (N, H, W, C) float32 pixels.
        y: (N,) int32 labels (USE_PREDICTION = the prediction on the clean ``x``, fixed for every step).
        eps: the L-inf budget; each step moves 2.5 * eps / steps (the default rule of the Madry lab's
            ``robustness`` library; Madry et al. 2017 used 40 steps of 0.01 on MNIST, 7 of 2/255 on CIFAR-10).
        steps: the number of steps.
        seed: a stateless seed, shape (2,) int32, for the random start.

    Returns:
        The adversarial images, within eps of ``x`` and in [0, 1].
    """
    noise = tf.random.stateless_uniform(tf.shape(x), seed, -eps, eps)
    return pgd_from(model, x, clean_labels(model, x, y), noise, eps, 2.5 * eps / steps, steps)


def _check_fit_args(attack: str, labels: str, epochs: Any, batch_size: Any, adv_weight: Any, pgd_steps: Any) -> None:
    """Refuse unknown attacks and label modes, and out-of-range counts and weights."""
    if attack not in ATTACKS:
        raise InvalidArgumentError(f"attack must be one of {ATTACKS}, got {attack!r}.")
    if labels not in LABELS:
        raise InvalidArgumentError(f"labels must be one of {LABELS}, got {labels!r}.")
    check_batch_size(batch_size)
    for name, value in (("epochs", epochs), ("pgd_steps", pgd_steps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(f"{name} must be a positive int, got {value!r}.")
    if adv_weight is None:
        return
    if isinstance(adv_weight, bool) or not isinstance(adv_weight, int | float) or not 0.0 <= adv_weight <= 1.0:
        raise InvalidArgumentError(
            f"adv_weight must be a number in [0, 1] (Goodfellow et al. use 0.5), got {adv_weight!r}."
        )


@dataclass(frozen=True)
class _Spec:
    """What each training step does: the attack, its steps and step size, the random start, the loss weight."""

    attack: str
    steps: int
    weight: float
    step_size: float | None
    start: str


def _adversarial(model: Any, spec: _Spec, x: tf.Tensor, labels: tf.Tensor, noise: tf.Tensor, eps: tf.Tensor) -> Any:
    """The batch's training attack; default steps: fgsm eps (no noise), fgsm_rs 1.25 eps, pgd 2.5 eps / steps."""
    if spec.attack == "pgd":
        alpha = 2.5 * eps / spec.steps if spec.step_size is None else spec.step_size
        return pgd_from(model, x, labels, noise, eps, alpha, spec.steps)
    if spec.attack == "fgsm":
        step = eps if spec.step_size is None else spec.step_size
        return fgsm_rs_from(model, x, labels, tf.zeros_like(x), eps, step, "clipped")
    step = 1.25 * eps if spec.step_size is None else spec.step_size
    return fgsm_rs_from(model, x, labels, noise, eps, step, spec.start)


def _replica_step(model: keras.Model, optimizer: Any, spec: _Spec) -> Any:
    """One step on one replica: attack its images, then one optimiser step on its share of the batch's mean loss."""

    def step(x: Any, y: Any, attack_y: Any, noise: Any, eps: tf.Tensor, total: tf.Tensor) -> tf.Tensor:
        adv = _adversarial(model, spec, x, clean_labels(model, x, attack_y), noise, eps)
        with tf.GradientTape() as tape:
            loss = spec.weight * tf.reduce_sum(cross_entropy(model(adv, training=True), y)) / total
            if spec.weight != 1.0:  # the clean term costs a forward and backward pass: skip it when its weight is 0
                loss += (1.0 - spec.weight) * tf.reduce_sum(cross_entropy(model(x, training=True), y)) / total
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    return step


def _train_step_fn(model: keras.Model, optimizer: Any, spec: _Spec, strategy: Any) -> Any:
    """Compile the training step: on one device, or on every replica of ``strategy`` with the losses summed."""
    replica = _replica_step(model, optimizer, spec)
    if strategy is None:
        return tf.function(replica, reduce_retracing=True)

    @tf.function(reduce_retracing=True)
    def step(*args: Any) -> tf.Tensor:
        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(replica, args=args), axis=None)

    return step


def _shard(strategy: Any, arrays: tuple[Any, ...]) -> tuple[Any, ...]:
    """Split each batch array into one contiguous part per replica (the arrays as they are without a strategy)."""
    if strategy is None:
        return arrays
    k = strategy.num_replicas_in_sync

    def parts(a: Any) -> Any:
        split = np.array_split(np.asarray(a), k)
        return strategy.experimental_distribute_values_from_function(
            lambda ctx: tf.constant(split[ctx.replica_id_in_sync_group])
        )

    return tuple(parts(a) for a in arrays)


class PerStepRate(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate read from a table, one entry per optimiser step: a tensor in the graph, never retraced."""

    def __init__(self, rates: Any) -> None:
        self.rates = tf.constant(np.asarray(rates, np.float32))

    def __call__(self, step: Any) -> tf.Tensor:
        last = tf.shape(self.rates)[0] - 1
        return tf.gather(self.rates, tf.minimum(tf.cast(step, tf.int32), last))

    def get_config(self) -> dict[str, Any]:
        return {"rates": self.rates.numpy().tolist()}


def cyclic_rate(peak: float, epochs: float, peak_epoch: float) -> Callable[[float], float]:
    """Wong et al.'s cyclic learning rate: 0 at the start, ``peak`` at ``peak_epoch``, 0 after ``epochs`` (notebook 05).

    Args:
        peak: the largest learning rate (Wong et al.: 5e-3 on MNIST).
        epochs: where it returns to 0.
        peak_epoch: where it peaks (Wong et al.: 2/5 of the epochs).

    Returns:
        A function of the training progress in epochs (a float), for ``adversarial_fit(learning_rate=...)``.
    """
    return lambda t: float(np.interp(t, [0.0, peak_epoch, epochs], [0.0, peak, 0.0]))


def _rate(learning_rate: Any, epochs: int, per_epoch: int) -> Any:
    """Adam's learning rate: a number as it is, a function of the progress in epochs as a per-step table."""
    if not callable(learning_rate):
        return learning_rate
    progress = [e + (i + 1) / per_epoch for e in range(epochs) for i in range(per_epoch)]
    return PerStepRate([learning_rate(t) for t in progress])


@dataclass(frozen=True)
class FitHistory(Sequence[float]):
    """What ``adversarial_fit`` measured, one entry per epoch (notebook 05, "Catastrophic overfitting").

    It reads like the list of epoch losses (``history[-1]``, ``plt.plot(history)``); ``pgd_accuracy``
    holds the held-out PGD accuracy after each epoch when ``monitor`` was given, else it is empty.
    """

    loss: list[float]
    pgd_accuracy: list[float]

    def __len__(self) -> int:
        return len(self.loss)

    def __getitem__(self, index: Any) -> Any:
        return self.loss[index]


def _epoch(step: Any, data: tuple[np.ndarray, np.ndarray], eps: tf.Tensor, batch_size: int, run: Any) -> float:
    """One shuffled pass of training steps (a batch smaller than the replica count is left out); the mean loss."""
    (batch, y_int), (rng, seed, epoch, labels, strategy) = data, run
    order, losses = rng.permutation(len(batch)), []
    for i, start in enumerate(range(0, len(batch), batch_size)):
        idx = order[start : start + batch_size]
        if strategy is not None and len(idx) < strategy.num_replicas_in_sync:
            continue
        attack_y = y_int[idx] if labels == "true" else np.full(len(idx), USE_PREDICTION, np.int32)
        seed_t = tf.constant([seed, epoch * 100_000 + i], tf.int32)
        noise = tf.random.stateless_uniform((len(idx), *batch.shape[1:]), seed_t, -eps, eps)
        args = _shard(strategy, (batch[idx], y_int[idx], attack_y, noise))
        losses.append(float(step(*args, eps, tf.constant(len(idx), tf.float32))))
    return float(np.mean(losses))


def _pgd_accuracy(model: keras.Model, monitor: Any, eps: float, steps: int, seed: int) -> float:
    """PGD accuracy on the held-out (x, y) batch: the robustness that FGSM accuracy can hide."""
    from fgsm_edu.evaluation import evaluate

    return float(evaluate(model, monitor, [eps], attack="pgd", steps=steps, seed=seed, progress=False)[0]["accuracy"])


def adversarial_fit(
    model: keras.Model,
    x: Any,
    y: Any,
    *,
    eps: float,
    attack: str = "fgsm",
    epochs: int = 5,
    batch_size: int = 64,
    adv_weight: float | None = None,
    pgd_steps: int = 7,
    labels: str = "true",
    learning_rate: float | Callable[[float], float] = 1e-3,
    seed: int = 0,
    monitor: tuple[Any, Any] | None = None,
    step_size: float | None = None,
    start: str = "clipped",
    on_epoch_end: Callable[[int], Any] | None = None,
    strategy: tf.distribute.Strategy | None = None,
) -> FitHistory:
    """Train a model on clean and adversarial examples generated each batch (notebook 05, "Adversarial training").

    Args:
        model: a Keras model taking [0, 1] pixels and returning logits (trained in place).
        x: training images (N, H, W, C), float32 in [0, 1].
        y: their integer labels (N,).
        eps: the attack's L-inf budget, a fraction of the pixel range.
        attack: "fgsm" (Goodfellow et al. 2014), "fgsm_rs" (FGSM from a random start, Wong et al. 2020)
            or "pgd" (Madry et al. 2017; steps of 2.5 * eps / pgd_steps, the Madry lab's ``robustness`` rule).
        epochs: passes over the data.
        batch_size: images per step.
        adv_weight: the weight of the adversarial loss (0 = ordinary training). None (the default) uses
            the method's published objective: 0.5 for "fgsm" (Goodfellow et al.), 1 for "pgd" (Madry et
            al., eq. 2.1) and "fgsm_rs" (Wong et al., Alg. 3): the adversarial loss alone.
        pgd_steps: PGD steps per batch (attack="pgd"), and of the monitor's PGD.
        labels: attack the "true" labels, or the model's "predicted" ones on the clean images, taken once
            before each attack (Kurakin et al.'s fix for label leaking).
        learning_rate: Adam's learning rate: a number, or a function of the training progress in epochs
            (``epoch + (batch + 1) / batches``, as Wong et al. compute it), e.g. ``cyclic_rate(5e-3, 10, 4)``;
            it is tabulated per step and read in the graph, so the compiled step is never retraced.
        seed: seeds the shuffling and the random starts.
        monitor: a held-out (x, y) batch; after each epoch its PGD accuracy at ``eps`` is recorded
            (cheap for a few hundred images), which shows catastrophic overfitting when it happens.
            That PGD has ``pgd_steps`` steps of 2.5 * eps / pgd_steps, one random start and a fixed seed
            (with pgd_steps=1 it is FGSM from a random start at 2.5 eps): enough to see a collapse, but
            much weaker than the PGD-50 with 10 restarts that Wong et al. report.
        step_size: the attack's step; None: eps for "fgsm", 1.25 eps for "fgsm_rs", 2.5 eps / pgd_steps for "pgd".
        start: "fgsm_rs"'s random start, "clipped" to [0, 1] or "uniform" (unclipped, as Wong et al.'s code).
        on_epoch_end: called with the epoch's index after each epoch (and after the monitor), e.g. to keep
            the weights with the best held-out PGD accuracy (early stopping, Rice et al. 2020).
        strategy: a tf.distribute.Strategy (e.g. MirroredStrategy over several GPUs) whose scope built the
            model; each batch is split between the replicas and their gradients summed, so the step is the
            single device's up to float rounding. A last batch smaller than the replica count is skipped.

    Returns:
        A FitHistory: the mean training loss of each epoch, and the monitor's PGD accuracies.
    """
    _check_fit_args(attack, labels, epochs, batch_size, adv_weight, pgd_steps)
    eps_value, batch, y_int = _fit_data(model, x, y, eps, step_size, start)
    weight = DEFAULT_ADV_WEIGHT[attack] if adv_weight is None else float(adv_weight)
    spec = _Spec(attack, pgd_steps, weight, step_size, start)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        optimizer = keras.optimizers.Adam(_rate(learning_rate, epochs, -(-len(batch) // batch_size)))
        optimizer.build(model.trainable_variables)
    step = _train_step_fn(model, optimizer, spec, strategy)
    rng, history = np.random.default_rng(seed), FitHistory([], [])
    eps_t = tf.constant(eps_value, tf.float32)
    for epoch in range(epochs):
        run = (rng, seed, epoch, labels, strategy)
        history.loss.append(_epoch(step, (batch, y_int), eps_t, batch_size, run))
        if monitor is not None:
            history.pgd_accuracy.append(_pgd_accuracy(model, monitor, eps_value, pgd_steps, seed))
        if on_epoch_end is not None:
            on_epoch_end(epoch)
    return history


def _fit_data(model: Any, x: Any, y: Any, eps: Any, step_size: Any, start: Any) -> tuple[float, np.ndarray, Any]:
    """Check adversarial_fit's eps, step size, start and data; return eps, the images and the int labels."""
    eps_value = check_eps(eps)
    if step_size is not None:
        check_eps(step_size, name="step_size")
    if start not in START_MODES:
        raise InvalidArgumentError(t("robust_training.start", starts=", ".join(map(repr, START_MODES)), start=start))
    batch, _ = as_image_batch(x, model_info(model).input_shape)
    y_int = check_labels(y, len(batch), model_info(model).num_classes or None)
    if not len(batch):
        raise InvalidArgumentError("x holds no images; adversarial training needs at least one (image, label) pair.")
    return eps_value, batch, y_int


class JpegCompression(keras.layers.Layer):
    """JPEG-compress each image on the way in (forward), with a chosen gradient on the way back.

    ``bpda=True``: the backward pass treats JPEG as the identity (Athalye et al.'s 2018 Backward Pass
    Differentiable Approximation), so gradient attacks see through it. ``bpda=False``: the gradient
    through JPEG is zero, what a naive attacker gets from a non-differentiable defence. The forward
    pass is ``saving.jpeg``, the same operator as ``saving.round_trip(format="jpeg")``.
    """

    def __init__(self, quality: int, bpda: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.quality, self.bpda = quality, bpda

    def call(self, x: Any) -> Any:
        jpeg = saving.jpeg(x, self.quality)
        if self.bpda:  # forward: exactly jpeg (x - x is exactly 0, x + (jpeg - x) is not); backward: d/dx = 1
            return tf.stop_gradient(jpeg) + (x - tf.stop_gradient(x))
        return tf.stop_gradient(jpeg) + 0.0 * x  # forward: jpeg; backward: d/dx = 0


def jpeg_defence(model: keras.Model, quality: int = 50, *, bpda: bool = True) -> keras.Model:
    """The model behind a JPEG-compression "defence" (notebook 06, "JPEG as a defence, and why it is not one").

    Args:
        model: a model from ``load_model`` or ``wrap_model`` (pixels in [0, 1], logits out).
        quality: JPEG quality, 1 to 95 (lower: stronger compression).
        bpda: attack gradients pass through JPEG as the identity (True), or are zero (False: gradient masking).

    Returns:
        A model taking [0, 1] pixels and returning logits: ``model(jpeg(x))``.
    """
    from fgsm_edu.models import wrap_model

    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 95:
        raise InvalidArgumentError(f"quality must be an int from 1 to 95, got {quality!r}.")
    info = model_info(model)
    if info.input_shape[-1] not in (1, 3):
        raise InvalidArgumentError(f"JPEG needs images with 1 or 3 channels, the model takes {info.input_shape}.")
    inputs = keras.Input(info.input_shape)
    core = keras.Model(inputs, model(JpegCompression(quality, bpda)(inputs)))
    name = f"{info.name}_jpeg{quality}{'' if bpda else '_masked'}"
    return wrap_model(core, output="logits", class_names=info.class_names, name=name)
