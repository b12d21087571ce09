"""Property-based tests: every call returns a valid result or raises one of the package's documented errors.

A valid attack result keeps the input's shape, is finite, lies in [0, 1] and is at most eps away (L-inf)
from the input. ``max_examples`` stays moderate so the suite stays fast; run with
``--hypothesis-seed=...`` to reproduce a failure.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image, features

import fgsm_edu

EXAMPLES = int(os.environ.get("FGSM_EDU_FUZZ_EXAMPLES", "40"))  # raise it for a longer bug hunt
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

DTYPES = st.sampled_from([np.float16, np.float32, np.float64, np.uint8, np.int32, np.bool_])
# mostly the right (8, 8, 1) images, sometimes the wrong spatial size, channels or rank
SHAPES = st.one_of(
    st.integers(0, 3).map(lambda n: (n, 8, 8, 1)),
    st.just((8, 8, 1)),
    st.sampled_from([(2, 8, 8, 3), (1, 4, 4, 1), (8, 8), (1, 1, 8, 8, 1), (3,)]),
)
PIXELS = st.one_of(
    st.floats(0, 1, width=16),  # the convention
    st.floats(-2, 300, width=16),  # 0-255 images, [-1, 1] images
    st.sampled_from([np.nan, np.inf, -np.inf]),
)
EPS = st.one_of(
    st.floats(0, 1),
    st.floats(0, 0.3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-3, 300),
    st.sampled_from([None, "0.1", [0.1], True]),
)


@st.composite
def images(draw: st.DrawFn) -> np.ndarray:
    """Arrays of many shapes and dtypes; about half are valid float32 pixel batches."""
    if draw(st.booleans()):
        shape = draw(st.integers(0, 3).map(lambda n: (n, 8, 8, 1)) | st.just((8, 8, 1)))
        return draw(hnp.arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))
    shape, dtype = draw(SHAPES), draw(DTYPES)
    if np.issubdtype(dtype, np.floating):
        valid = draw(st.booleans())
        elements = st.floats(0, 1, width=16) if valid else PIXELS
        return draw(hnp.arrays(dtype, shape, elements=elements))
    return draw(hnp.arrays(dtype, shape))


def _labels(draw: st.DrawFn, n: int) -> object:
    """None, a class id, one id per image, one-hot rows, or a wrong count / out-of-range / fractional label."""
    return draw(
        st.one_of(
            st.none(),
            st.lists(st.integers(0, 9), min_size=n, max_size=n),
            st.integers(-2, 12),
            st.lists(st.integers(-1, 11), min_size=n, max_size=n),
            st.lists(st.integers(0, 9), min_size=0, max_size=n + 2),
            st.lists(st.floats(-1, 11), min_size=n, max_size=n),
            st.just(np.eye(10)[np.arange(n) % 10]),
        )
    )


def _batch_size(x: np.ndarray) -> int:
    return x.shape[0] if x.ndim == 4 else 1


def _check_attack_result(x: np.ndarray, adv: np.ndarray, eps: float) -> None:
    assert adv.shape == x.shape and adv.dtype == np.float32
    assert np.isfinite(adv).all() and adv.min(initial=0) >= 0 and adv.max(initial=0) <= 1
    assert np.abs(adv - x.astype(np.float32)).max(initial=0) <= eps + 1e-6


@FUZZ
@given(x=images(), eps=EPS, data=st.data(), norm=st.sampled_from([np.inf, 2, 1]), targeted=st.booleans())
def test_fgsm_returns_a_valid_attack_or_a_documented_error(digits_linear, x, eps, data, norm, targeted):
    y = _labels(data.draw, _batch_size(x))
    try:
        adv = fgsm_edu.fgsm(digits_linear, x, y, eps=eps, norm=norm, targeted=targeted)
    except fgsm_edu.FgsmEduError as err:
        event(f"refused: {type(err).__name__}")
        return
    event("attacked")
    _check_attack_result(x, adv, float(eps))


@FUZZ
@given(x=images(), epsilons=st.lists(st.floats(0, 1), max_size=5) | st.lists(EPS, max_size=5), data=st.data())
def test_fgsm_sweep_returns_a_valid_sweep_or_a_documented_error(digits_linear, x, epsilons, data):
    y = _labels(data.draw, _batch_size(x))
    try:
        sweep = fgsm_edu.fgsm_sweep(digits_linear, x, y, epsilons=epsilons)
    except fgsm_edu.FgsmEduError as err:
        event(f"refused: {type(err).__name__}")
        return
    event("swept")
    assert np.all(np.diff(sweep.epsilons) > 0)  # sorted, no duplicates
    assert sweep.images.shape == (len(sweep.epsilons), *x.shape)
    assert sweep.probabilities.shape[:-1] == (len(sweep.epsilons), *x.shape[:-3])
    np.testing.assert_allclose(sweep.probabilities.sum(-1), 1.0, atol=1e-4)
    for eps, adv in zip(sweep.epsilons, sweep.images, strict=True):
        _check_attack_result(x, adv, float(eps))


# --- load_image on generated image bytes --------------------------------------------------------

FORMATS = ["PNG", "JPEG", "GIF", "BMP", "TIFF"] + (["WEBP"] if features.check("webp") else [])
MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"]
SAVABLE = {  # which modes each format can store (others are converted first, as an editor would)
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"},
    "JPEG": {"L", "RGB", "CMYK"},
    "GIF": {"L", "P"},
    "BMP": {"1", "L", "P", "RGB"},
    "TIFF": {"1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"},
    "WEBP": {"RGB", "RGBA"},
}


@st.composite
def image_files(draw: st.DrawFn) -> tuple[bytes, tuple[int, int], bool]:
    """(file bytes, (height, width), intact?): a small image in some mode and format, maybe damaged."""
    height, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    rgb = draw(hnp.arrays(np.uint8, (height, width, 3)))
    mode, fmt = draw(st.sampled_from(MODES)), draw(st.sampled_from(FORMATS))
    img = Image.fromarray(rgb).convert(mode if mode in ("1", "L", "LA", "P", "RGB", "RGBA", "CMYK") else "L")
    if mode in ("I;16", "I", "F"):
        img = img.convert("I" if mode != "F" else "F")
        img = img if mode != "I;16" else Image.fromarray(np.asarray(img).astype(np.uint16) * 257)
    if img.mode not in SAVABLE[fmt]:
        img = img.convert("RGB" if "RGB" in SAVABLE[fmt] else "L")
    buffer = io.BytesIO()
    img.save(buffer, format=fmt)
    data = buffer.getvalue()
    damage = draw(st.sampled_from(["none", "truncate", "flip", "prefix"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "flip":
        positions = draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8))
        flipped = bytearray(data)
        for p in positions:
            flipped[p] ^= draw(st.integers(1, 255))
        data = bytes(flipped)
    elif damage == "prefix":
        data = draw(st.binary(min_size=1, max_size=16)) + data
    return data, (height, width), damage == "none"


@settings(max_examples=3 * EXAMPLES, deadline=None, database=None)
@given(file=image_files(), size=st.one_of(st.none(), st.integers(1, 16)))
def test_load_image_returns_float_rgb_or_image_load_error(file, size):
    data, (height, width), intact = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.img"
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "n frames" warnings from damaged GIFs
                arr = fgsm_edu.load_image(path, size=size)
        except fgsm_edu.ImageLoadError:
            assert not intact, "an intact image file was refused"
            event("refused")
            return
    event("loaded intact" if intact else "loaded damaged")
    expected = (size, size) if size is not None else None
    assert arr.dtype == np.float32 and arr.ndim == 3 and arr.shape[2] == 3
    assert np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1
    if expected is not None:
        assert arr.shape[:2] == expected
    elif intact:
        assert arr.shape[:2] == (height, width)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_fuzzed_format_round_trips_intact(fmt):
    """The generator above really produces readable files in each format (so the property is not vacuous)."""
    buffer = io.BytesIO()
    Image.new("RGB", (5, 3), (255, 0, 0)).convert("RGB" if "RGB" in SAVABLE[fmt] else "L").save(buffer, format=fmt)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"red.{fmt.lower()}"
        path.write_bytes(buffer.getvalue())
        assert fgsm_edu.load_image(path).shape == (3, 5, 3)
