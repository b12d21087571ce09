"""The download path: offline it fails fast with a message that teaches; the real code against a local server."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

import fgsm_edu
from fgsm_edu import downloads


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_mobilenet_fails_fast_with_instructions(monkeypatch):
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", f"http://127.0.0.1:{_closed_port()}")
    start = time.monotonic()
    with pytest.raises(fgsm_edu.DownloadError) as info:
        fgsm_edu.load_model("mobilenet_v2")
    assert time.monotonic() - start < 15
    message = str(info.value)
    assert downloads.MOBILENET_V2_WEIGHTS.filename in message
    assert str(downloads.cache_dir()) in message and "weights=None" in message
    assert isinstance(info.value, OSError)


def test_nothing_is_fetched_on_import_or_for_offline_models(monkeypatch, digits):
    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(downloads, "_download", refuse)
    model = fgsm_edu.load_model("digits_cnn")
    fgsm_edu.fgsm(model, digits.x_test[:2], eps=0.1)
    fgsm_edu.load_model("mobilenet_v2", weights=None)


# ---------------------------------------------------------------------------------------------
# The real download code against a local HTTP server on 127.0.0.1, started by the tests.
# ---------------------------------------------------------------------------------------------

GOOD = b"the real file\n" * 1000
TIMEOUT_S = 2.0  # a local server answers in milliseconds, but a loaded 2-core CI machine can take over 0.5 s


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.hits: dict[str, int] = {}
        self.stop = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    """Serves ``routes[name] = (behaviour, body)``: ok, truncated, slow, stall or missing."""

    server: _Server

    def do_GET(self) -> None:
        name = self.path.strip("/").split("/")[-1]
        self.server.hits[name] = self.server.hits.get(name, 0) + 1
        behaviour, body = self.server.routes.get(name, ("missing", b""))
        if behaviour == "slow":
            self.server.stop.wait(10)  # longer than the client's timeout; released at teardown
        if behaviour == "missing":
            self.send_error(404)
            return
        self.send_response(200)
        claimed = len(body) * 2 if behaviour == "truncated" else len(body)
        self.send_header("Content-Length", str(claimed))
        self.end_headers()
        if behaviour == "stall":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.server.stop.wait(10)
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()


def _asset(server: _Server, name: str, body: bytes = GOOD, algorithm: str = "sha256") -> downloads.Asset:
    return downloads.Asset(name, f"{server.base}/{name}", hashlib.new(algorithm, body).hexdigest())


def _cache_names() -> set[str]:
    folder = downloads.cache_dir()
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FGSM_EDU_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_good_file_is_downloaded_verified_and_then_served_from_the_cache(server, fresh_cache):
    server.routes["good.bin"] = ("ok", GOOD)
    asset = _asset(server, "good.bin")
    path = downloads.fetch(asset, timeout=TIMEOUT_S)
    assert path == fresh_cache / "good.bin" and path.read_bytes() == GOOD
    assert downloads.fetch(asset, timeout=TIMEOUT_S) == path
    assert server.hits["good.bin"] == 1  # the second call did not touch the network
    assert _cache_names() == {"good.bin"}  # no leftover partial files


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
def test_wrong_hash_is_refused_and_nothing_is_left_in_the_cache(server, fresh_cache, algorithm):
    server.routes["tampered.bin"] = ("ok", b"not what was pinned")
    with pytest.raises(fgsm_edu.DownloadError, match="was not kept") as info:
        downloads.fetch(_asset(server, "tampered.bin", GOOD, algorithm), timeout=TIMEOUT_S)
    assert hashlib.new(algorithm, GOOD).hexdigest() in str(info.value)
    assert _cache_names() == set()


def test_pinned_imagenet_class_index_md5_refuses_a_wrong_mirror_copy(server, fresh_cache, monkeypatch):
    assert downloads.IMAGENET_CLASS_INDEX.checksum == "c2c37ea517e94d9795004a39431a14cb"
    server.routes["imagenet_class_index.json"] = ("ok", b'{"0": ["n0", "fake"]}')
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", server.base)
    with pytest.raises(fgsm_edu.DownloadError, match="md5"):
        downloads.fetch(downloads.IMAGENET_CLASS_INDEX, timeout=TIMEOUT_S)
    assert _cache_names() == set()


def test_truncated_download_is_refused_and_does_not_poison_the_cache(server, fresh_cache):
    server.routes["big.bin"] = ("truncated", GOOD)
    asset = _asset(server, "big.bin")
    with pytest.raises(fgsm_edu.DownloadError, match=f"stopped after {len(GOOD)} of {2 * len(GOOD)} bytes"):
        downloads.fetch(asset, timeout=TIMEOUT_S)
    assert _cache_names() == set()
    server.routes["big.bin"] = ("ok", GOOD)  # the network recovers: the next call simply works
    assert downloads.fetch(asset, timeout=TIMEOUT_S).read_bytes() == GOOD


@pytest.mark.parametrize("behaviour", ["slow", "stall"])
def test_a_slow_server_gives_the_offline_error_quickly(server, fresh_cache, behaviour):
    server.routes["slow.bin"] = (behaviour, GOOD)
    start = time.monotonic()
    with pytest.raises(fgsm_edu.DownloadError, match="Are you offline") as info:
        downloads.fetch(_asset(server, "slow.bin"), timeout=TIMEOUT_S)
    assert time.monotonic() - start < 5
    assert "FGSM_EDU_DOWNLOAD_BASE" in str(info.value) and str(fresh_cache / "slow.bin") in str(info.value)
    assert _cache_names() == set()


def test_missing_file_on_the_server_is_a_download_error(server, fresh_cache):
    with pytest.raises(fgsm_edu.DownloadError, match="404"):
        downloads.fetch(_asset(server, "nowhere.bin"), timeout=TIMEOUT_S)
    assert _cache_names() == set()


def test_corrupted_cached_file_is_detected_and_fetched_again(server, fresh_cache):
    server.routes["good.bin"] = ("ok", GOOD)
    asset = _asset(server, "good.bin")
    path = downloads.fetch(asset, timeout=TIMEOUT_S)
    path.write_bytes(GOOD[:100])  # a disk error, an interrupted copy by hand...
    assert downloads.fetch(asset, timeout=TIMEOUT_S).read_bytes() == GOOD
    assert server.hits["good.bin"] == 2


def test_mirror_from_environment_variable_is_used(server, fresh_cache, monkeypatch):
    server.routes["good.bin"] = ("ok", GOOD)
    unreachable = downloads.Asset(
        "good.bin", f"http://127.0.0.1:{_closed_port()}/good.bin", _asset(server, "good.bin").checksum
    )
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", server.base + "/mirror/")
    assert downloads.source_url(unreachable) == f"{server.base}/mirror/good.bin"
    assert downloads.fetch(unreachable, timeout=TIMEOUT_S).read_bytes() == GOOD


def test_a_local_folder_can_be_the_mirror(tmp_path, fresh_cache, monkeypatch):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "good.bin").write_bytes(GOOD)
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", (tmp_path / "mirror").as_uri())
    asset = downloads.Asset("good.bin", "http://example.invalid/good.bin", hashlib.sha256(GOOD).hexdigest())
    assert downloads.fetch(asset, timeout=TIMEOUT_S).read_bytes() == GOOD


def test_a_mirror_that_is_not_a_url_is_explained(fresh_cache, monkeypatch):
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", "my-mirror.example.org/files")
    with pytest.raises(fgsm_edu.DownloadError, match="is not a URL"):
        downloads.fetch(downloads.LABRADOR_PHOTO, timeout=TIMEOUT_S)


def test_an_unusable_cache_folder_is_explained(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("FGSM_EDU_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    with pytest.raises(fgsm_edu.DownloadError, match="FGSM_EDU_CACHE_DIR"):
        downloads.fetch(downloads.Asset("x.bin", "http://127.0.0.1:9/x.bin", "0" * 64), timeout=TIMEOUT_S)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "10", None])
def test_bad_timeout_is_refused(timeout):
    with pytest.raises(fgsm_edu.InvalidArgumentError, match="timeout"):
        downloads.fetch(downloads.LABRADOR_PHOTO, timeout=timeout)


# --- the weights are pinned; the photo is trusted on first use ---------------------------------

WEIGHTS_SHA256 = "3e195a2857356cfc092cbbb460beb2a5bce279015d7792598b8d3d9e451902e3"  # ../shared/imagenet/README.md


def test_only_the_photo_is_unpinned_and_the_weights_carry_keras_files_sha256():
    assert {downloads.LABRADOR_PHOTO.filename} == downloads.KNOWN_UNPINNED and not downloads.LABRADOR_PHOTO.checksum
    assert downloads.MOBILENET_V2_WEIGHTS.checksum == WEIGHTS_SHA256
    assert set(downloads.REMOTE_ASSETS) == {downloads.MOBILENET_V2_WEIGHTS, downloads.LABRADOR_PHOTO}


def _fake_weights() -> bytes:
    return b"\x89HDF\r\n\x1a\n" + b"an HDF5 file, but not Keras's MobileNetV2 weights" * 100


def test_other_weights_from_a_mirror_are_refused(tmp_path, fresh_cache, monkeypatch):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / downloads.MOBILENET_V2_WEIGHTS.filename).write_bytes(_fake_weights())
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", (tmp_path / "mirror").as_uri())
    with pytest.raises(fgsm_edu.DownloadError, match=f"expected {WEIGHTS_SHA256}; .* not kept") as info:
        fgsm_edu.load_model("mobilenet_v2")
    assert "delete" not in str(info.value)  # pinned: no first-use record to delete
    assert _cache_names() == set()


def test_other_weights_placed_by_hand_are_not_trusted(fresh_cache, monkeypatch):
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", f"http://127.0.0.1:{_closed_port()}")
    fresh_cache.mkdir(parents=True)
    placed = fresh_cache / downloads.MOBILENET_V2_WEIGHTS.filename
    placed.write_bytes(_fake_weights())
    assert downloads.cache_status(downloads.MOBILENET_V2_WEIGHTS) == "corrupted (fetched again on next use)"
    with pytest.raises(fgsm_edu.DownloadError, match="Are you offline"):
        downloads.fetch(downloads.MOBILENET_V2_WEIGHTS, timeout=TIMEOUT_S)
    assert _cache_names() == set()  # the wrong file was dropped, and no first-use record was written


def _jpeg_bytes(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((30, 40, 3), value, np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_trust_on_first_use_records_the_hash_and_checks_every_later_use(server, fresh_cache, monkeypatch):
    photo = _jpeg_bytes(200)
    server.routes[downloads.LABRADOR_PHOTO.filename] = ("ok", photo)
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", server.base)
    image = fgsm_edu.labrador_image(size=224)  # the real public helper, through the mirror
    assert image.shape == (224, 224, 3) and image.dtype == np.float32
    path = fresh_cache / downloads.LABRADOR_PHOTO.filename
    record = fresh_cache / (downloads.LABRADOR_PHOTO.filename + ".sha256")
    assert record.read_text().strip() == hashlib.sha256(photo).hexdigest()

    path.write_bytes(photo[:50])  # corrupted in the cache: detected through the record, fetched again
    assert downloads.fetch(downloads.LABRADOR_PHOTO, timeout=TIMEOUT_S).read_bytes() == photo
    assert server.hits[downloads.LABRADOR_PHOTO.filename] == 2

    path.write_bytes(photo[:50])
    server.routes[downloads.LABRADOR_PHOTO.filename] = ("ok", _jpeg_bytes(10))  # the server now sends another file
    with pytest.raises(fgsm_edu.DownloadError, match="delete .*sha256"):
        downloads.fetch(downloads.LABRADOR_PHOTO, timeout=TIMEOUT_S)
    assert _cache_names() == {record.name}  # the refused file was not kept


def test_a_photo_placed_by_hand_is_trusted_and_recorded_without_network(fresh_cache, monkeypatch):
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", f"http://127.0.0.1:{_closed_port()}")
    fresh_cache.mkdir(parents=True)
    placed = fresh_cache / downloads.LABRADOR_PHOTO.filename
    placed.write_bytes(_jpeg_bytes(120))  # copied from a USB stick
    assert downloads.cache_status(downloads.LABRADOR_PHOTO) == "cached, not yet recorded"
    assert downloads.fetch(downloads.LABRADOR_PHOTO, timeout=TIMEOUT_S) == placed
    record = placed.with_name(placed.name + ".sha256")
    assert record.read_text().strip() == hashlib.sha256(placed.read_bytes()).hexdigest()
    assert downloads.cache_status(downloads.LABRADOR_PHOTO) == "verified (sha256 recorded on first use)"


def test_a_login_page_instead_of_an_unpinned_file_is_not_trusted(server, fresh_cache, monkeypatch):
    portal = b"<html><body>Please log in to the cafe Wi-Fi</body></html>"
    server.routes[downloads.LABRADOR_PHOTO.filename] = ("ok", portal)
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", server.base)
    with pytest.raises(fgsm_edu.DownloadError, match="Wi-Fi login"):
        fgsm_edu.labrador_image()
    assert _cache_names() == set()  # neither the page nor a first-use record was kept
    server.routes[downloads.LABRADOR_PHOTO.filename] = ("ok", _jpeg_bytes(90))  # on a working network
    assert fgsm_edu.labrador_image(size=16).shape == (16, 16, 3)


def test_a_wrong_file_placed_by_hand_is_not_trusted(fresh_cache, monkeypatch):
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", f"http://127.0.0.1:{_closed_port()}")
    fresh_cache.mkdir(parents=True)
    (fresh_cache / downloads.MOBILENET_V2_WEIGHTS.filename).write_text("<html>saved web page</html>")
    with pytest.raises(fgsm_edu.DownloadError, match="Are you offline"):
        downloads.fetch(downloads.MOBILENET_V2_WEIGHTS, timeout=TIMEOUT_S)


def test_an_interrupted_download_leaves_nothing_behind(server, fresh_cache, monkeypatch):
    server.routes["good.bin"] = ("ok", GOOD)
    real_download = downloads._download

    def interrupted(url, dest, timeout, **kwargs):  # the learner presses "interrupt kernel" halfway through
        real_download(url, dest, timeout, **kwargs)
        dest.write_bytes(GOOD[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(downloads, "_download", interrupted)
    with pytest.raises(KeyboardInterrupt):
        downloads.fetch(_asset(server, "good.bin"), timeout=TIMEOUT_S)
    assert _cache_names() == set()
    monkeypatch.undo()
    monkeypatch.setenv("FGSM_EDU_CACHE_DIR", str(fresh_cache))
    assert downloads.fetch(_asset(server, "good.bin"), timeout=TIMEOUT_S).read_bytes() == GOOD


def test_cache_status_reads_the_cache_without_fetching(server, fresh_cache, monkeypatch):
    server.routes["good.bin"] = ("ok", GOOD)
    asset = _asset(server, "good.bin")
    assert downloads.cache_status(asset) == "missing" and server.hits == {}
    path = downloads.fetch(asset, timeout=TIMEOUT_S)
    assert downloads.cache_status(asset) == "verified (pinned sha256)"
    path.write_bytes(GOOD[:10])
    assert downloads.cache_status(asset) == "corrupted (fetched again on next use)"
    assert server.hits == {"good.bin": 1}


def test_progress_bar_counts_the_bytes_when_asked(server, fresh_cache, capsys):
    server.routes["good.bin"] = ("ok", GOOD)
    downloads.fetch(_asset(server, "good.bin"), timeout=TIMEOUT_S, progress=True)
    bar = capsys.readouterr().err
    assert "good.bin: 100%" in bar and "13.7k/13.7k" in bar, bar  # len(GOOD) = 14,000 bytes, in KiB
    server.routes["quiet.bin"] = ("ok", GOOD)
    downloads.fetch(_asset(server, "quiet.bin"), timeout=TIMEOUT_S)  # the default: no bar
    assert capsys.readouterr().err == ""


def test_the_class_names_ship_with_the_package_and_match_keras_pin(monkeypatch):
    from fgsm_edu import models

    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(downloads, "_download", refuse)
    shipped = models.IMAGENET_CLASS_INDEX_FILE
    assert hashlib.md5(shipped.read_bytes()).hexdigest() == downloads.IMAGENET_CLASS_INDEX.checksum
    names = models.imagenet_class_names()
    assert len(names) == 1000 and len(set(names)) >= 998  # ImageNet repeats "crane" and "maillot"
    assert names[208] == "Labrador retriever" and names[0] == "tench" and names[999] == "toilet tissue"
