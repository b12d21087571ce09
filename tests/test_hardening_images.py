"""load_image: every PIL mode gives float32 RGB in [0, 1]; every broken file gives ImageLoadError."""

from __future__ import annotations

import re
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import fgsm_edu
from fgsm_edu import load_image


def _check_image(arr: np.ndarray, shape: tuple[int, int]) -> None:
    assert arr.shape == (*shape, 3) and arr.dtype == np.float32
    assert np.isfinite(arr).all() and arr.min() >= 0.0 and arr.max() <= 1.0


def _save(img: Image.Image, path: Path, **kwargs) -> Path:
    img.save(path, **kwargs)
    return path


# mode -> (PIL image 5 high x 7 wide, file suffix, the expected value of every pixel in [0, 1])
MODES = {
    "1": (Image.new("1", (7, 5), 1), "png", 1.0),
    "L": (Image.new("L", (7, 5), 51), "png", 0.2),
    "LA": (Image.new("LA", (7, 5), (51, 255)), "png", 0.2),
    "P": (Image.new("RGB", (7, 5), (51, 51, 51)).convert("P"), "png", 0.2),
    "RGB": (Image.new("RGB", (7, 5), (51, 51, 51)), "png", 0.2),
    "RGBA": (Image.new("RGBA", (7, 5), (51, 51, 51, 255)), "png", 0.2),
    "CMYK": (Image.new("RGB", (7, 5), (51, 51, 51)).convert("CMYK"), "tiff", 0.2),
    "I;16": (Image.fromarray(np.full((5, 7), 13107, np.uint16)), "png", 0.2),  # 13107 / 65535
    "I": (Image.fromarray(np.full((5, 7), 13107, np.int32)), "tiff", 0.2),
    "F": (Image.fromarray(np.full((5, 7), 0.2, np.float32)), "tiff", 0.2),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_every_pil_mode_becomes_float_rgb_in_0_1(tmp_path, mode):
    img, suffix, expected = MODES[mode]
    path = _save(img, tmp_path / f"image.{suffix}")
    assert Image.open(path).mode == mode  # the file really is in that mode
    arr = load_image(path)
    _check_image(arr, (5, 7))
    np.testing.assert_allclose(arr, expected, atol=1 / 255)
    resized = load_image(path, size=(3, 4))  # resizing keeps the value range, 16-bit and float included
    _check_image(resized, (3, 4))
    np.testing.assert_allclose(resized, expected, atol=2 / 255)


def test_transparent_pixels_become_white(tmp_path):
    img = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    img.putpixel((0, 0), (0, 0, 0, 255))
    arr = load_image(_save(img, tmp_path / "alpha.png"))
    assert arr[0, 0].tolist() == [0, 0, 0] and np.all(arr[1:] == 1.0)
    palette = Image.new("P", (2, 1))
    palette.putpalette([0, 0, 0, 255, 0, 0])
    palette.putpixel((1, 0), 1)
    arr = load_image(_save(palette, tmp_path / "palette.png", transparency=0))
    assert arr[0, 0].tolist() == [1, 1, 1] and arr[0, 1].tolist() == [1, 0, 0]


def test_animated_image_gives_its_first_frame_and_says_so(tmp_path):
    frames = [Image.new("RGB", (4, 4), (v, v, v)) for v in (40, 200, 120)]
    path = _save(frames[0], tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)  # the file is closed, not leaked
        with pytest.warns(UserWarning, match="anim.gif has 3 frames; using the first one"):
            arr = load_image(path)
    np.testing.assert_allclose(arr, 40 / 255, atol=2 / 255)


def test_exif_orientation_is_applied(tmp_path):
    img = Image.new("RGB", (3, 2), (0, 0, 0))  # 2 high, 3 wide, top-left pixel white
    img.putpixel((0, 0), (255, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    arr = load_image(_save(img, tmp_path / "phone.png", exif=exif))
    assert arr.shape == (3, 2, 3)
    assert arr[0, 1].min() > 0.9 and arr[0, 0].max() < 0.1  # the white corner moved to the top right


def test_tiny_image(tmp_path):
    path = _save(Image.new("RGB", (1, 1), (255, 0, 0)), tmp_path / "one.png")
    assert load_image(path).tolist() == [[[1.0, 0.0, 0.0]]]
    big = load_image(path, size=224)
    _check_image(big, (224, 224))
    np.testing.assert_allclose(big, np.broadcast_to([1.0, 0.0, 0.0], big.shape))


def test_huge_image_is_loaded_and_resized(tmp_path):
    path = _save(Image.new("RGB", (4000, 3000), (10, 20, 30)), tmp_path / "camera.jpg", quality=90)
    arr = load_image(path, size=224)
    _check_image(arr, (224, 224))


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG file that claims to be width x height pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [100_000, 10_000])  # 10^10 pixels (PIL error), 10^8 (PIL warning level)
def test_decompression_bomb_is_refused_without_using_memory(tmp_path, side):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(side, side))
    with pytest.raises(fgsm_edu.ImageLoadError, match="bomb.png is too large to load safely"):
        load_image(path)


def test_pil_pixel_limit_is_respected(tmp_path, monkeypatch):
    path = _save(Image.new("RGB", (64, 64)), tmp_path / "small.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(fgsm_edu.ImageLoadError, match="too large"):
        load_image(path)


def _broken_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good_png = tmp_path / "good.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32, 3), np.uint8)).save(good_png)
    good_jpg = tmp_path / "good.jpg"
    Image.open(good_png).save(good_jpg)
    cases = {
        "empty": ("empty.png", b"", "empty (0 bytes)"),
        "truncated png": ("cut.png", good_png.read_bytes()[:200], "cut.png is not a readable image"),
        "truncated jpeg": ("cut.jpg", good_jpg.read_bytes()[:300], "cut.jpg is not a readable image"),
        "text as jpg": ("notes.jpg", b"this is not an image\n", "unknown file format"),
        "html as png": ("page.png", b"<!doctype html><html>404</html>", "unknown file format"),
        "svg": ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "unknown file format"),
        "pdf": ("scan.pdf", b"%PDF-1.4\n%%EOF\n", "unknown file format"),
    }
    out = {}
    for key, (name, data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        out[key] = (tmp_path / name, message)
    return out


BROKEN = ["empty", "truncated png", "truncated jpeg", "text as jpg", "html as png", "svg", "pdf"]


@pytest.mark.parametrize("case", BROKEN)
def test_broken_files_raise_image_load_error(tmp_path, case):
    path, message = _broken_files(tmp_path)[case]
    with pytest.raises(fgsm_edu.ImageLoadError, match=re.escape(message)) as info:
        load_image(path)
    assert isinstance(info.value, OSError)
    assert len(str(info.value).splitlines()) == 1


def test_directory_and_missing_path(tmp_path):
    with pytest.raises(fgsm_edu.ImageLoadError, match="is a folder, not an image file"):
        load_image(tmp_path)
    with pytest.raises(fgsm_edu.ImageLoadError, match="no file at .*nope.png; check the path"):
        load_image(tmp_path / "nope.png")


@pytest.mark.parametrize(
    ("path", "message"),
    [(123, "got int"), (None, "got NoneType"), (np.zeros((4, 4, 3)), "it already is an image")],
)
def test_wrong_path_types(path, message):
    with pytest.raises(fgsm_edu.InvalidTypeError, match=message):
        load_image(path)


@pytest.mark.parametrize("size", [0, -3, True, "big", (1, 2, 3), (10, 0), 2.5])
def test_bad_sizes(tmp_path, size):
    path = _save(Image.new("RGB", (4, 4)), tmp_path / "ok.png")
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="size must be a positive int"):
        load_image(path, size=size)


def test_huge_photo_is_shrunk_before_becoming_floats(tmp_path, monkeypatch):
    import tracemalloc

    from fgsm_edu import data

    small = np.random.default_rng(1).integers(0, 256, (30, 40, 3), np.uint8)
    photo = Image.fromarray(small).resize((4000, 3000), Image.Resampling.BICUBIC)  # smooth, like a photo
    path = _save(photo, tmp_path / "camera.png")
    tracemalloc.start()
    shrunk = load_image(path, size=224)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40e6  # a float32 copy at full size would be 144 MB
    monkeypatch.setattr(data, "_shrink_first", lambda img, height, width: img)
    direct = load_image(path, size=224)
    assert np.abs(shrunk - direct).mean() < 0.005 and np.abs(shrunk - direct).max() < 0.06
