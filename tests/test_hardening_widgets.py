"""Widgets: bad uploads to photo_explorer show a message (never a traceback); bad arrays are refused clearly."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import fgsm_edu
from fgsm_edu import widgets


def _file(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _bomb_header() -> bytes:
    """A 60-byte PNG claiming 100000 x 100000 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


BAD_UPLOADS = {
    "pdf": (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "unknown file format"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>', "unknown file format"),
    "html saved as png": (b"<!doctype html><title>404 Not Found</title>", "unknown file format"),
    "random bytes": (bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8)), "not a readable image"),
    "decompression bomb": (_bomb_header(), "too large to load safely"),
    "png header only": (b"\x89PNG\r\n\x1a\n", "not a readable image"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_show_a_message(digits_cnn, case):
    content, expected = BAD_UPLOADS[case]
    explorer = widgets.photo_explorer(digits_cnn, epsilons=(0.0, 0.1))
    assert explorer.load(content, f"{case}.png") is False
    text = explorer.message.value
    assert expected in text and f"{case}.png" in text
    assert "Traceback" not in text and explorer.explorer is None


ODD_BUT_FINE = {
    "16-bit grayscale png": _file(Image.fromarray(np.full((20, 20), 40000, np.uint16)), "PNG"),
    "cmyk jpeg": _file(Image.new("CMYK", (20, 20), (0, 0, 0, 128)), "JPEG"),
    "animated gif": _file(
        Image.new("RGB", (20, 20), (10, 10, 10)),
        "GIF",
        save_all=True,
        append_images=[Image.new("RGB", (20, 20), "red")],
    ),
    "1x1 png": _file(Image.new("RGB", (1, 1), (255, 255, 255)), "PNG"),
    "transparent png": _file(Image.new("LA", (20, 20), (0, 0)), "PNG"),
    "float tiff": _file(Image.fromarray(np.full((20, 20), 0.5, np.float32)), "TIFF"),
}


@pytest.mark.parametrize("case", list(ODD_BUT_FINE))
def test_unusual_but_valid_uploads_are_shown(digits_cnn, case):
    explorer = widgets.photo_explorer(digits_cnn, epsilons=(0.0, 0.1))
    with pytest.warns(UserWarning, match="frames") if case == "animated gif" else contextlib.nullcontext():
        assert explorer.load(ODD_BUT_FINE[case], case) is True
    assert explorer.explorer is not None and "Traceback" not in explorer.message.value


@pytest.mark.parametrize(
    ("image", "error", "message"),
    [
        (np.full((8, 8, 1), 255.0, np.float32), fgsm_edu.InvalidArgumentError, "divide by 255"),
        (np.zeros((8, 8, 1), np.uint8), fgsm_edu.InvalidTypeError, "integer dtype"),
        (np.zeros((8, 8), np.float32), fgsm_edu.InvalidArgumentError, "channel axis"),
        (np.zeros((16, 16, 1), np.float32), fgsm_edu.InvalidArgumentError, "expects"),
        (np.full((8, 8, 1), np.nan, np.float32), fgsm_edu.InvalidArgumentError, "NaN"),
        (np.zeros((2, 8, 8, 1), np.float32), fgsm_edu.InvalidArgumentError, "pass x\\[0\\]"),
    ],
)
def test_epsilon_explorer_refuses_bad_images(digits_cnn, image, error, message):
    with pytest.raises(error, match=message):
        widgets.epsilon_explorer(digits_cnn, image)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"label": 12}, "< 10"),
        ({"label": -1}, ">= 0"),
        ({"epsilons": [0.1, -0.1]}, ">= 0"),
        ({"epsilons": [8]}, "8/255"),
    ],
)
def test_epsilon_explorer_refuses_bad_labels_and_epsilons(digits_cnn, digits, kwargs, message):
    with pytest.raises(fgsm_edu.FgsmEduError, match=message):
        widgets.epsilon_explorer(digits_cnn, digits.x_test[0], **kwargs)
