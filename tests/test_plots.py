"""Plots: each renders to PNG with Agg; titles, labels, data and colours are checked on the Figure."""

from __future__ import annotations

import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from PIL import Image

import fgsm_edu
from fgsm_edu import InvalidArgumentError, plots


def _png(fig: Figure) -> np.ndarray:
    """Render to PNG with Agg and return the pixels."""
    assert matplotlib.get_backend().lower() == "agg"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def _readable(fig: Figure) -> None:
    """Opaque white background, black text of projector size, and not left open in pyplot."""
    assert to_rgba(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
    assert not plt.fignum_exists(fig.number)  # closed in pyplot: shown once in Jupyter, never leaked
    texts = [ax.title for ax in fig.axes if ax.get_title()] + [ax.xaxis.label for ax in fig.axes if ax.get_xlabel()]
    assert all(t.get_fontsize() >= 13 for t in texts)
    pixels = _png(fig)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 300
    assert tuple(pixels[1, 1]) == (255, 255, 255)  # the corner is white, in any theme


def test_show_image_titles_the_prediction(digits, digits_cnn):
    image = digits.x_test[3]
    fig = plots.show_image(image, digits_cnn, title="A digit")
    _readable(fig)
    assert len(fig.axes) == 1
    title = fig.axes[0].get_title()
    assert title.startswith("A digit") and f"prediction: {fgsm_edu.predict(digits_cnn, image)}" in title
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), image[..., 0])


def test_show_image_of_a_colour_photo_without_model(flower):
    fig = plots.show_image(flower[None])
    _readable(fig)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), flower)
    with pytest.raises(InvalidArgumentError, match="one image"):
        plots.show_image(np.stack([flower, flower]))


def test_show_perturbation_is_scaled_and_says_so(digits, digits_cnn):
    sweep = fgsm_edu.fgsm_sweep(digits_cnn, digits.x_test[0], digits.y_test[0], [0.0, 0.1])
    fig = plots.show_perturbation(sweep.perturbation)
    _readable(fig)
    ax = fig.axes[0]
    assert "scaled for visibility" in ax.get_xlabel() and "gradient" in ax.get_title()
    shown = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(shown, 0.5 + sweep.perturbation[..., 0] / 2)  # -1 -> black, 0 -> grey, +1 -> white
    small = plots.show_perturbation(sweep.perturbation * 0.01)
    np.testing.assert_allclose(np.asarray(small.axes[0].images[0].get_array()), shown, atol=1e-6)


def test_show_sweep_has_a_panel_per_epsilon_with_label_and_confidence(digits, digits_cnn):
    epsilons = [0.0, 0.05, 0.1, 0.2, 0.3, 0.4]
    sweep = fgsm_edu.fgsm_sweep(digits_cnn, digits.x_test[:2], digits.y_test[:2], epsilons)
    fig = plots.show_sweep(digits_cnn, sweep, index=1, ncols=3)
    _readable(fig)
    assert len(fig.axes) == len(epsilons)
    ids, conf = sweep.top1()
    for k, ax in enumerate(fig.axes):
        assert f"ε = {epsilons[k]:.3g}" in ax.get_title()
        assert f"{ids[k, 1]} ({conf[k, 1]:.1%})" in ax.get_title()
        assert ("✗" in ax.get_title()) == (ids[k, 1] != digits.y_test[1])
        np.testing.assert_allclose(ax.images[0].get_array(), sweep.images[k, 1, ..., 0])
    assert "epsilon" in fig.get_suptitle()


def test_show_curves_plots_every_model_and_both_metrics(digits, digits_cnn, digits_linear):
    data = (digits.x_test[:120], digits.y_test[:120])
    results = {
        name: fgsm_edu.evaluate(model, data, [0.0, 0.05, 0.1], progress=False)
        for name, model in (("CNN", digits_cnn), ("linear", digits_linear))
    }
    fig = plots.show_curves(results)
    _readable(fig)
    acc_ax, conf_ax = fig.axes
    assert "Accuracy" in acc_ax.get_title() and "Confidence" in conf_ax.get_title()
    assert "epsilon" in acc_ax.get_xlabel() and acc_ax.get_ylabel() == "accuracy"
    assert [t.get_text() for t in acc_ax.get_legend().get_texts()] == ["CNN", "linear"]
    for line, records in zip(acc_ax.lines, results.values(), strict=True):
        np.testing.assert_allclose(line.get_xdata(), [r["eps"] for r in records])
        np.testing.assert_allclose(line.get_ydata(), [r["accuracy"] for r in records])
    for line, records in zip(conf_ax.lines, results.values(), strict=True):
        np.testing.assert_allclose(line.get_ydata(), [r["mean_confidence"] for r in records])
    single = plots.show_curves(results["CNN"])
    assert len(single.axes[0].lines) == 1
    with pytest.raises(InvalidArgumentError, match="keys eps, accuracy"):
        plots.show_curves({"CNN": [{"eps": 0.1}]})


def test_show_curves_draws_published_reference_accuracies_dashed():
    records = [{"eps": e, "accuracy": a, "mean_confidence": 0.9} for e, a in ((0.0, 0.99), (0.1, 0.8), (0.2, 0.4))]
    reference = {"PyTorch LeNet": ([0.0, 0.1, 0.2], [0.981, 0.851, 0.43])}
    fig = plots.show_curves({"ours": records}, reference=reference)
    acc_ax, conf_ax = fig.axes
    assert [t.get_text() for t in acc_ax.get_legend().get_texts()] == ["ours", "PyTorch LeNet"]
    ref_line = acc_ax.lines[1]
    assert ref_line.get_linestyle() == "--" and acc_ax.lines[0].get_linestyle() == "-"
    np.testing.assert_allclose(ref_line.get_ydata(), [0.981, 0.851, 0.43])
    assert len(conf_ax.lines) == 1  # published figures are accuracies only


def test_show_fooled_gallery(digits, digits_cnn):
    fooled = fgsm_edu.most_confidently_fooled(digits_cnn, digits.x_test[:150], digits.y_test[:150], 0.1, k=6)
    fig = plots.show_fooled(digits_cnn, fooled, ncols=3)
    _readable(fig)
    assert len(fig.axes) == len(fooled) == 6
    for i, ax in enumerate(fig.axes):
        assert f"{fooled.labels[i]} → {fooled.predicted[i]}" in ax.get_title()
        np.testing.assert_allclose(ax.images[0].get_array(), fooled.images[i, ..., 0])
    assert "0.1" in fig.get_suptitle()
    none = fgsm_edu.most_confidently_fooled(digits_cnn, digits.x_test[:10], digits.y_test[:10], 0.0)
    empty = plots.show_fooled(digits_cnn, none)
    assert "No image was fooled" in empty.axes[0].texts[0].get_text()
    _png(empty)


def test_show_pgd_history_plots_each_run_per_epoch_and_refuses_runs_without_a_monitor():
    from fgsm_edu.defences import FitHistory

    runs = {
        "FGSM": FitHistory([1.0, 0.8, 0.7], [0.4, 0.6, 0.05]),
        "FGSM-RS": FitHistory([1.0, 0.9, 0.8], [0.3, 0.5, 0.6]),
    }
    fig = plots.show_pgd_history(runs, 0.3)
    _readable(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["FGSM", "FGSM-RS"]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.4, 0.6, 0.05])
    assert "0.3" in ax.get_title() and ax.get_ylim() == (-0.02, 1.02)
    fgsm_edu.set_language("ja")
    try:
        assert "エポック" in plots.show_pgd_history(runs, 0.3).axes[0].get_xlabel()
    finally:
        fgsm_edu.set_language("en")
    with pytest.raises(InvalidArgumentError, match="monitor"):
        plots.show_pgd_history({"FGSM": FitHistory([1.0], [])}, 0.3)
    _png(fig)


def test_mnist_digits_are_drawn_pixel_for_pixel():
    digit = np.zeros((28, 28, 1), np.float32)
    digit[::2, ::2] = 1.0  # a fine checkerboard: any smoothing would grey it out
    fig = plots.show_image(digit)
    (artist,) = fig.axes[0].images
    assert artist.get_interpolation() == "nearest"
    pixels = _png(fig)
    box = fig.axes[0].get_window_extent()
    height = pixels.shape[0]
    inside = pixels[int(height - box.y1) + 2 : int(height - box.y0) - 2, int(box.x0) + 2 : int(box.x1) - 2, 0]
    assert set(np.unique(inside)) <= {0, 255}  # only black and white: enlarged with nearest neighbour
