"""The widgets, driven from Python: set ``.value`` on the controls and read what they show."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import sys
from typing import Any

import ipywidgets
import numpy as np
import pytest
from PIL import Image

import fgsm_edu
from fgsm_edu import i18n, widgets

EPSILONS = (0.0, 0.05, 0.1, 0.2, 0.3)


def confidence(text: str) -> float:
    """The percentage shown in a label text, as a fraction."""
    return float(re.search(r"\(([\d.]+)%\)", text).group(1)) / 100


def predicted(text: str) -> str:
    """The class name shown after "predicted"."""
    return re.search(r"predicted (\S+)", text).group(1)


def decode(png: bytes) -> np.ndarray:
    """PNG bytes back to a uint8 array."""
    return np.asarray(Image.open(io.BytesIO(png)))


def upload(widget: Any, content: bytes, name: str = "upload.png") -> None:
    """Set a FileUpload as its front end does after a learner picks one file (ipywidgets 8, or 7 on Colab)."""
    if int(ipywidgets.__version__.split(".")[0]) >= 8:
        when = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
        item = {"name": name, "type": "", "size": len(content), "content": memoryview(content), "last_modified": when}
        widget.value = (item,)
    else:  # ipywidgets 7: value is read-only, built from metadata and data when the counter moves
        widget.metadata = [{"name": name, "type": "", "size": len(content), "lastModified": 1704067200000}]
        widget.data = [content]
        widget._counter += 1


def png_bytes(array: np.ndarray, fmt: str = "PNG") -> bytes:
    """Encode a uint8 array as an image file."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def sweep_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Count (and record the arguments of) every fgsm_sweep the widgets run."""
    calls: list[dict[str, Any]] = []
    real = widgets.fgsm_sweep

    def counting(model: Any, x: Any, y: Any = None, epsilons: Any = (), **kwargs: Any) -> Any:
        calls.append({"model": model, "y": y, "epsilons": list(epsilons), **kwargs})
        return real(model, x, y, epsilons, **kwargs)

    monkeypatch.setattr(widgets, "fgsm_sweep", counting)
    return calls


@pytest.fixture(scope="module")
def fooled_example(digits: fgsm_edu.DigitsData, digits_cnn: Any) -> tuple[np.ndarray, int]:
    """A test digit the CNN gets right at eps 0 and wrong at eps 0.3 (found, not hard-coded)."""
    for image, label in zip(digits.x_test[:50], digits.y_test[:50], strict=True):
        ids, _ = fgsm_edu.fgsm_sweep(digits_cnn, image, int(label), [0.0, 0.3]).top1()
        if ids[0] == label and ids[1] != label:
            return image, int(label)
    pytest.fail("no test digit among the first 50 is fooled at eps 0.3")


def test_slider_changes_label_confidence_and_images(digits_cnn: Any, fooled_example: Any) -> None:
    image, label = fooled_example
    explorer = widgets.epsilon_explorer(digits_cnn, image, label, epsilons=EPSILONS)
    shown = {}
    for eps in EPSILONS:
        explorer.slider.value = eps
        panel = explorer.panels[0]
        shown[eps] = (panel.label.value, explorer.texts()[0], panel.adversarial.value, panel.perturbation.value)
    first, last = shown[EPSILONS[0]], shown[EPSILONS[-1]]
    assert predicted(first[1]) == str(label) and f"true label {label}" in first[1] and "correct" in first[1]
    assert predicted(last[1]) != str(label) and "fooled" in last[1]
    assert len({confidence(text) for _, text, _, _ in shown.values()}) > 1
    assert len({adv for _, _, adv, _ in shown.values()}) == len(EPSILONS)
    assert len({pert for _, _, _, pert in shown.values()}) == len(EPSILONS)
    assert 'aria-live="polite"' in last[0] and explorer.label is explorer.panels[0].label
    assert explorer.adversarial.value == last[2] and explorer.perturbation.value == last[3]
    clean_png = decode(first[2])
    assert clean_png.shape == (200, 200)  # an 8x8 digit, enlarged 25x
    assert np.array_equal(clean_png[::25, ::25], np.round(image[..., 0] * 255).astype(np.uint8))
    assert np.all(decode(first[3]) == 128)  # eps 0: no perturbation, mid grey


def test_shown_confidence_matches_the_model(digits_cnn: Any, fooled_example: Any) -> None:
    image, label = fooled_example
    explorer = widgets.epsilon_explorer(digits_cnn, image, label, epsilons=EPSILONS)
    explorer.slider.value = 0.1
    adversarial = fgsm_edu.fgsm(digits_cnn, image, label, eps=0.1)
    prediction = fgsm_edu.predict(digits_cnn, adversarial)
    assert predicted(explorer.texts()[0]) == prediction.label
    assert confidence(explorer.texts()[0]) == pytest.approx(prediction.confidence, abs=0.0006)


def test_slider_step_does_not_recompute_the_gradient(
    digits_cnn: Any, fooled_example: Any, sweep_calls: list[dict[str, Any]]
) -> None:
    image, label = fooled_example
    explorer = widgets.epsilon_explorer(digits_cnn, image, label, epsilons=EPSILONS)
    assert len(sweep_calls) == 1 and sweep_calls[0]["epsilons"] == list(EPSILONS)
    texts = set()
    for _ in range(2):
        for eps in reversed(EPSILONS):
            explorer.slider.value = eps
            texts.add(explorer.texts()[0])
    assert len(sweep_calls) == 1 and len(texts) >= 3  # the text changed, from the cached sweep
    explorer.mode.value = widgets.PREDICTED
    explorer.slider.value = 0.05
    assert len(sweep_calls) == 2 and sweep_calls[1]["y"] is None


def bar_rows(markup: str) -> list[tuple[str, float]]:
    """The (class name, percentage as a fraction) of each probability bar, top first."""
    rows = re.findall(r'nowrap">(.*?)</span>.*?right">([\d.]+)%</span>', markup)
    return [(name, float(percent) / 100) for name, percent in rows]


def marker_x(svg: str) -> set[float]:
    """The x positions of the curve's markers (one per line, all at the slider's epsilon)."""
    return {float(x) for x in re.findall(r'class="fgsm-edu-marker" cx="([\d.]+)"', svg)}


def readout_numbers(markup: str) -> dict[str, float]:
    """L-inf, L2, PSNR (inf for ∞) and SSIM as shown in the readout."""
    found = dict(re.findall(r"(L∞|L2|PSNR|SSIM) = (∞|[\d.]+)", markup))
    return {key: float("inf") if value == "∞" else float(value) for key, value in found.items()}


def test_explorer_shows_clean_image_top5_curve_and_visibility(digits_cnn: Any, fooled_example: Any) -> None:
    image, label = fooled_example
    explorer = widgets.epsilon_explorer(digits_cnn, image, label, epsilons=EPSILONS)
    sweep = explorer.panels[0].sweep
    clean = explorer.clean.value
    assert np.array_equal(decode(clean), decode(widgets.to_png(image)))  # the clean image, enlarged
    seen = []
    for i, eps in enumerate(EPSILONS):
        explorer.slider.value = eps
        assert explorer.clean.value == clean  # the clean image stays beside the adversarial one
        rows = bar_rows(explorer.bars.value)
        top = np.argsort(-sweep.probabilities[i])[:5]
        assert [name for name, _ in rows] == [str(c) for c in top]
        np.testing.assert_allclose([p for _, p in rows], sweep.probabilities[i][top], atol=0.0006)
        assert len(marker_x(explorer.curve.value)) == 1 and explorer.curve.value.count("<polyline") == 2
        numbers = readout_numbers(explorer.readout.value)
        assert numbers["L∞"] == pytest.approx(eps, abs=0.0006)  # FGSM moves some pixel by exactly eps
        seen.append((marker_x(explorer.curve.value).pop(), numbers["PSNR"], numbers["SSIM"], rows[0]))
    xs, psnrs, ssims, tops = zip(*seen, strict=True)
    assert list(xs) == sorted(xs) and len(set(xs)) == len(EPSILONS)  # the marker follows the slider
    assert psnrs[0] == float("inf") and ssims[0] == 1.0 and list(psnrs[1:]) == sorted(psnrs[1:], reverse=True)
    assert ssims[-1] < ssims[1] < 1.0 and tops[0][0] == str(label) and tops[-1][0] != str(label)
    assert f"true class {label}" in explorer.curve.value and "top 5 classes" in explorer.bars.value


def test_curve_lines_are_the_sweeps_confidences(digits_cnn: Any, fooled_example: Any) -> None:
    image, label = fooled_example
    explorer = widgets.epsilon_explorer(digits_cnn, image, label, epsilons=EPSILONS)
    probabilities = explorer.panels[0].sweep.probabilities
    lines = re.findall(r'<polyline points="([^"]+)"', explorer.curve.value)
    heights = [[float(point.split(",")[1]) for point in line.split()] for line in lines]
    top, bottom = widgets._CURVE_TOP, widgets._CURVE_BOTTOM
    for shown, expected in zip(heights, (probabilities[:, label], probabilities.max(-1)), strict=True):
        np.testing.assert_allclose((bottom - np.array(shown)) / (bottom - top), expected, atol=0.002)
    explorer.target.value = (label + 5) % 10
    assert explorer.curve.value.count("<polyline") == 3 and f"target {(label + 5) % 10}" in explorer.curve.value


def test_slider_step_makes_no_model_call_and_no_drawing(
    digits_cnn: Any, fooled_example: Any, sweep_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    image, label = fooled_example
    explorer = widgets.epsilon_explorer(digits_cnn, image, label, epsilons=EPSILONS)

    def forbidden(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a slider step must only swap cached values")

    for name in ("fgsm_sweep", "visibility", "to_png", "perturbation_view"):
        monkeypatch.setattr(widgets, name, forbidden)
    monkeypatch.setattr(explorer.panels[0], "model", None)  # any model call would fail
    shown = set()
    for eps in [*EPSILONS[1:], *reversed(EPSILONS)]:
        explorer.slider.value = eps
        shown.add((explorer.adversarial.value, explorer.bars.value, explorer.curve.value, explorer.readout.value))
    assert len(sweep_calls) == 1 and len(shown) == len(EPSILONS)


def test_label_toggle_attacks_true_label_or_prediction(
    digits_cnn: Any, fooled_example: Any, sweep_calls: list[dict[str, Any]]
) -> None:
    image, label = fooled_example
    explorer = widgets.epsilon_explorer(digits_cnn, image, label, epsilons=EPSILONS)
    assert explorer.mode.value == widgets.TRUE and sweep_calls[-1]["y"] == label
    explorer.mode.value = widgets.PREDICTED
    assert sweep_calls[-1]["y"] is None and sweep_calls[-1]["targeted"] is False
    explorer.mode.value = widgets.TRUE
    assert sweep_calls[-1]["y"] == label and len(sweep_calls) == 3
    unlabelled = widgets.epsilon_explorer(digits_cnn, image, epsilons=EPSILONS)
    assert [value for _, value in unlabelled.mode.options] == [widgets.PREDICTED] and unlabelled.mode.disabled
    unlabelled.slider.value = 0.3
    assert "true label" not in unlabelled.texts()[0] and "changed" in unlabelled.texts()[0]


def test_target_class_runs_a_targeted_sweep(
    digits_cnn: Any, fooled_example: Any, sweep_calls: list[dict[str, Any]]
) -> None:
    image, label = fooled_example
    explorer = widgets.epsilon_explorer(digits_cnn, image, label, epsilons=EPSILONS)
    target = (label + 5) % 10
    assert [value for _, value in explorer.target.options] == [widgets.UNTARGETED, *range(10)]
    explorer.target.value = target
    assert sweep_calls[-1]["y"] == target and sweep_calls[-1]["targeted"] is True and explorer.mode.disabled
    probabilities = explorer.panels[0].sweep.probabilities[:, target]
    assert probabilities[-1] > probabilities[0]  # moving towards the target raises its probability
    explorer.slider.value = EPSILONS[-1]
    assert f"{target}" in explorer.texts()[0].split("·")[-1]
    explorer.target.value = widgets.UNTARGETED
    assert sweep_calls[-1]["targeted"] is False and not explorer.mode.disabled and len(sweep_calls) == 3


def test_compare_models_one_slider_drives_every_model(
    digits: fgsm_edu.DigitsData, digits_cnn: Any, digits_linear: Any, sweep_calls: list[dict[str, Any]]
) -> None:
    explorer = widgets.compare_models(
        {"linear": digits_linear, "CNN": digits_cnn}, digits.x_test[3], digits.y_test[3], epsilons=EPSILONS
    )
    assert [call["model"] for call in sweep_calls] == [digits_linear, digits_cnn]
    assert "linear" in explorer.panels[0].children[0].value and "CNN" in explorer.panels[1].children[0].value
    before = explorer.texts()
    images_before = [panel.adversarial.value for panel in explorer.panels]
    explorer.slider.value = 0.3
    after = explorer.texts()
    assert all(b != a for b, a in zip(before, after, strict=True))
    assert all(panel.adversarial.value != old for panel, old in zip(explorer.panels, images_before, strict=True))
    assert len(sweep_calls) == 2


def test_mobilenet_224_is_shown_at_its_own_size(mobilenet: Any, flower: Any) -> None:
    explorer = widgets.epsilon_explorer(mobilenet, flower, epsilons=(0.0, 0.01, 0.1))
    explorer.slider.value = 0.1
    assert decode(explorer.adversarial.value).shape == (224, 224, 3)
    shown = re.search(r"predicted (.+?) \(", explorer.texts()[0])
    assert shown and shown.group(1) in fgsm_edu.model_info(mobilenet).class_names  # a real ImageNet name


def test_dataset_explorer_picks_examples_by_index(
    digits: fgsm_edu.DigitsData, digits_cnn: Any, sweep_calls: list[dict[str, Any]]
) -> None:
    explorer = widgets.dataset_explorer(digits_cnn, digits, epsilons=EPSILONS)
    assert explorer.index.max == len(digits.x_test) - 1
    explorer.explorer.slider.value = 0.2
    explorer.index.value = 7
    assert np.array_equal(explorer.explorer.image, digits.x_test[7])
    assert f"true label {digits.y_test[7]}" in explorer.explorer.texts()[0]
    assert len(sweep_calls) == 2 and explorer.explorer.slider.value == 0.2
    arrays = widgets.dataset_explorer(digits_cnn, (digits.x_train[:5], None), epsilons=EPSILONS)
    assert "true label" not in arrays.explorer.texts()[0]


def test_photo_explorer_accepts_a_photo_upload(digits_cnn: Any, mobilenet: Any) -> None:
    rng = np.random.default_rng(0)
    jpeg = png_bytes((rng.random((90, 120, 3)) * 255).astype(np.uint8), "JPEG")
    explorer = widgets.photo_explorer(mobilenet, epsilons=(0.0, 0.05))
    assert explorer.explorer is None and "224x224" in explorer.message.value
    upload(explorer.upload, jpeg, "cat.jpg")
    assert explorer.explorer is not None and explorer.explorer in explorer.children
    assert explorer.explorer.image.shape == (224, 224, 3) and "cat.jpg" in explorer.message.value
    digits_photo = widgets.photo_explorer(digits_cnn, epsilons=(0.0, 0.1))
    assert digits_photo.load(jpeg, "cat.jpg") and digits_photo.explorer.image.shape == (8, 8, 1)
    first = digits_photo.explorer.adversarial.value
    assert digits_photo.load(png_bytes(np.zeros((20, 20, 3), np.uint8)), "black.png")
    assert digits_photo.explorer.adversarial.value != first  # the same explorer, a new image


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is a text file", "not a readable image"),
        (b"", "empty"),
        ("truncated", "not a readable image"),
        ("huge_file", "MB"),
        ("huge_pixels", "too large"),
    ],
)
def test_photo_explorer_explains_bad_uploads(
    digits_cnn: Any, monkeypatch: pytest.MonkeyPatch, content: Any, expected: str
) -> None:
    photo = png_bytes(np.full((64, 64, 3), 200, np.uint8))
    if content == "truncated":
        content = photo[: len(photo) // 2]
    elif content == "huge_file":
        monkeypatch.setattr(widgets, "MAX_UPLOAD_MB", 0.01)
        content = photo + bytes(20_000)
    elif content == "huge_pixels":
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 64x64 is then a decompression bomb
        content = photo
    explorer = widgets.photo_explorer(digits_cnn)
    upload(explorer.upload, content)
    assert expected in explorer.message.value and "Could not use this file" in explorer.message.value
    assert "Traceback" not in explorer.message.value and explorer.explorer is None
    monkeypatch.undo()
    assert explorer.load(photo, "good.png") and explorer.explorer is not None


def test_upload_values_of_ipywidgets_7_and_8_are_read() -> None:
    v8 = ({"name": "a.png", "type": "image/png", "size": 3, "content": memoryview(b"abc")},)
    v7 = {"a.png": {"metadata": {"name": "a.png"}, "content": b"abc"}}
    assert widgets._uploaded_files(v8) == widgets._uploaded_files(v7) == [("a.png", b"abc")]
    assert widgets._uploaded_files(()) == []


def test_small_images_are_enlarged_pixel_for_pixel() -> None:
    image = np.random.default_rng(1).random((8, 8, 3)).astype(np.float32)
    big = decode(widgets.to_png(image))
    assert big.shape == (200, 200, 3)
    assert np.array_equal(big, np.repeat(np.repeat(np.round(image * 255).astype(np.uint8), 25, 0), 25, 1))
    digit = np.random.default_rng(2).random((28, 28, 1)).astype(np.float32)  # an MNIST digit: 7x, 196 px
    pixels = np.round(digit[..., 0] * 255).astype(np.uint8)
    assert np.array_equal(decode(widgets.to_png(digit)), np.repeat(np.repeat(pixels, 7, 0), 7, 1))
    assert decode(widgets.to_png(np.zeros((300, 200, 1)))).shape == (300, 200)


def test_explorer_rejects_bad_arguments(digits: fgsm_edu.DigitsData, digits_cnn: Any) -> None:
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="one image"):
        widgets.epsilon_explorer(digits_cnn, digits.x_test[:2])
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="labels must be"):
        widgets.epsilon_explorer(digits_cnn, digits.x_test[0], 12)
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="larger than the whole pixel range"):
        widgets.epsilon_explorer(digits_cnn, digits.x_test[0], epsilons=[0, 8])
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="non-empty dict"):
        widgets.compare_models({}, digits.x_test[0])
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="one label per image"):
        widgets.dataset_explorer(digits_cnn, (digits.x_test[:3], digits.y_test[:2]))


def test_widget_text_follows_the_language(digits_cnn: Any, fooled_example: Any) -> None:
    image, label = fooled_example
    i18n.set_language("ja")
    try:
        explorer = widgets.epsilon_explorer(digits_cnn, image, label, epsilons=EPSILONS)
        assert "予測" in explorer.texts()[0] and "正解ラベル" in [name for name, _ in explorer.mode.options]
    finally:
        i18n.set_language("en")
    explorer.slider.value = 0.3
    assert "predicted" in explorer.texts()[0]


def test_import_fgsm_edu_leaves_widgets_out() -> None:
    code = "import sys, fgsm_edu; print('ipywidgets' in sys.modules, 'fgsm_edu.widgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["False", "False"]
