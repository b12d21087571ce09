"""The fgsm-edu command line: the console script run as a subprocess (offline), errors checked in-process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import fgsm_edu
from fgsm_edu import cli

SCRIPT = Path(sys.executable).with_name("fgsm-edu")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script (or ``python -m fgsm_edu.cli``) with downloads pointed nowhere."""
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "fgsm_edu.cli"]
    env = {**os.environ, "FGSM_EDU_DOWNLOAD_BASE": "http://127.0.0.1:9/", "MPLBACKEND": "Agg"}
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def _error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The last line of stderr, after checking it is an argparse-style error and not a traceback."""
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.strip() == f"fgsm-edu {fgsm_edu.__version__}"
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert all(command in text for command in ("demo", "attack", "evaluate", "download", "handout"))
    assert "fraction of the pixel range" in text
    for command, option in (
        ("demo", "--force"),
        ("attack", "--target"),
        ("evaluate", "--json"),
        ("download", "--check"),
        ("handout", "--lang"),
    ):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        assert option in capsys.readouterr().out


@pytest.mark.slow
def test_demo_writes_the_pictures_and_the_table_and_never_overwrites(tmp_path):
    out = tmp_path / "demo"
    done = run_cli("demo", "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    for name in cli.DEMO_FILES:
        assert (out / name).is_file() and str(out / name) in done.stdout
    for name in ("sweep.png", "perturbation.png", "accuracy_vs_epsilon.png", "fooled.png"):
        with Image.open(out / name) as image:
            assert image.format == "PNG" and image.width >= 500
    table = json.loads((out / "evaluation.json").read_text())
    assert set(table) == {"mnist_cnn", "mnist_linear"}  # MNIST by default
    mnist, cnn = fgsm_edu.load_mnist_data(), fgsm_edu.load_model("mnist_cnn")
    expected = fgsm_edu.evaluate(cnn, (mnist.x_test, mnist.y_test), cli.DEMO_EPSILONS, progress=False)
    assert [r["accuracy"] for r in table["mnist_cnn"]] == [r["accuracy"] for r in expected]
    assert all(r["n"] == 10_000 for r in table["mnist_linear"])
    before = (out / "sweep.png").stat().st_mtime_ns
    again = run_cli("demo", "--out", str(out))
    assert "already exists; pass --force" in _error_line(again)
    assert (out / "sweep.png").stat().st_mtime_ns == before


@pytest.mark.slow
def test_attack_prints_before_and_after_and_writes_the_adversarial_png(tmp_path, digits, digits_cnn):
    source = tmp_path / "digit.png"
    Image.fromarray(np.round(digits.x_test[0, ..., 0] * 255).astype(np.uint8)).save(source)
    out = tmp_path / "adv.png"
    done = run_cli("attack", str(source), "--model", "digits_cnn", "--eps", "0.2", "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = done.stdout.splitlines()[:2]
    clean = fgsm_edu.load_image(source, size=8).mean(-1, keepdims=True)
    adv = fgsm_edu.load_image(out).mean(-1, keepdims=True)
    assert adv.shape == (8, 8, 1) and np.abs(adv - clean).max() <= 0.2 + 1 / 255
    assert before == f"before: {fgsm_edu.predict(digits_cnn, clean)}"
    assert after.startswith(f"after:  {fgsm_edu.predict(digits_cnn, adv)}")  # the file, read back from disk
    fooled = fgsm_edu.predict(digits_cnn, adv).label != fgsm_edu.predict(digits_cnn, clean).label
    assert f"the saved file still fools the model: {'yes' if fooled else 'no'}" in done.stdout


def test_attack_says_when_saving_undoes_the_attack_and_quantize_keeps_it(capsys, tmp_path, digits, digits_cnn):
    """An attack at a digit's edge (its minimal epsilon) is undone by PNG rounding; --quantize survives the file."""
    from fgsm_edu.robustness import at_minimal_epsilon, minimal_epsilon
    from fgsm_edu.saving import from_uint8, round_trip, to_uint8

    x, y = from_uint8(to_uint8(digits.x_test[:100])), digits.y_test[:100]  # the digits as PNG files hold them
    edge = minimal_epsilon(digits_cnn, x, y, np.round(np.linspace(0, 0.3, 301), 4))
    flips = np.flatnonzero(np.isfinite(edge) & (edge > 0))
    adv = at_minimal_epsilon(digits_cnn, x[flips], y[flips], edge[flips])
    undone = flips[fgsm_edu.predict(digits_cnn, round_trip(adv, "png")).ids[:, 0] == y[flips]]
    assert len(undone), "no digit among the first 100 whose edge attack PNG rounding undoes"
    i = int(undone[0])
    source = tmp_path / "digit.png"
    Image.fromarray(to_uint8(x[i, ..., 0])).save(source)
    base = ["attack", str(source), "--model", "digits_cnn", "--eps", repr(float(edge[i]))]
    assert cli.main([*base, "--out", str(tmp_path / "plain.png")]) == 0
    assert "still fools the model: no (try --quantize" in capsys.readouterr().out
    assert cli.main([*base, "--quantize", "--out", str(tmp_path / "q.png")]) == 0
    shown = capsys.readouterr().out
    q = fgsm_edu.fgsm(digits_cnn, x[i], int(y[i]), eps=float(edge[i]), quantize=True)
    saved = fgsm_edu.load_image(tmp_path / "q.png").mean(-1, keepdims=True)
    assert np.array_equal(to_uint8(saved), to_uint8(q)) and np.allclose(q * 255, np.round(q * 255), atol=1e-4)
    fooled = int(fgsm_edu.predict(digits_cnn, q).ids[0]) != int(y[i])
    assert f"the saved file still fools the model: {'yes' if fooled else 'no'}" in shown


@pytest.mark.slow
def test_evaluate_prints_the_table_and_writes_json(tmp_path, digits, digits_linear):
    out = tmp_path / "records.json"
    done = run_cli("evaluate", "--model", "digits_linear", "--eps", "0,0.05,8/255", "--json", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    records = json.loads(out.read_text())
    expected = fgsm_edu.evaluate(digits_linear, (digits.x_test, digits.y_test), [0, 0.05, 8 / 255], progress=False)
    assert [r["eps"] for r in records] == pytest.approx([r["eps"] for r in expected])
    assert [r["accuracy"] for r in records] == [r["accuracy"] for r in expected]
    lines = done.stdout.splitlines()
    assert "accuracy" in lines[1] and len([line for line in lines if "%" in line]) == 3


@pytest.mark.slow
def test_demo_on_the_8x8_digits(tmp_path, digits, digits_cnn):
    done = run_cli("demo", "--out", str(tmp_path), "--data", "digits")
    assert done.returncode == 0, done.stderr[-2000:]
    table = json.loads((tmp_path / "evaluation.json").read_text())
    assert set(table) == {"digits_cnn", "digits_linear"}
    expected = fgsm_edu.evaluate(digits_cnn, (digits.x_test, digits.y_test), cli.DEMO_EPSILONS, progress=False)
    assert [r["accuracy"] for r in table["digits_cnn"]] == [r["accuracy"] for r in expected]


def test_evaluate_defaults_to_mnist_cnn_on_the_mnist_test_set_at_seven_epsilons(capsys, monkeypatch):
    args = cli.build_parser().parse_args(["evaluate"])
    assert args.model == "mnist_cnn" and args.eps == pytest.approx([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3])
    assert [cli.dataset_of(m) for m in ("mnist_cnn", "mnist_linear", "digits_cnn")] == ["mnist", "mnist", "digits"]
    seen = {}

    def fake_evaluate(model, data, epsilons, **kwargs):
        seen.update(name=fgsm_edu.model_info(model).name, shape=data[0].shape, epsilons=list(epsilons))
        return [{"eps": e, "accuracy": 0.5, "mean_confidence": 0.9, "n": len(data[1])} for e in epsilons]

    monkeypatch.setattr(fgsm_edu.evaluation, "evaluate", fake_evaluate)
    assert cli.main(["evaluate"]) == 0
    assert seen == {"name": "mnist_cnn", "shape": (10_000, 28, 28, 1), "epsilons": list(cli.DEMO_EPSILONS)}
    out = capsys.readouterr().out
    assert out.startswith("FGSM on mnist_cnn, MNIST test set (10,000 images):") and out.count("10000") == 7


@pytest.mark.slow
def test_a_bad_epsilon_is_one_line_and_exit_code_2():
    line = _error_line(run_cli("evaluate", "--model", "digits_linear", "--eps", "0,8"))
    assert line.startswith("fgsm-edu evaluate: error:") and "8/255" in line


def _fails(capsys, argv: list[str]) -> str:
    """Run main() in-process, expect exit code 2 and return the error line."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    return err[-1]


def test_bad_arguments_end_with_a_clear_error(capsys, tmp_path):
    existing = tmp_path / "exists.json"
    existing.write_text("[]")
    assert "invalid choice: 'resnet'" in _fails(capsys, ["evaluate", "--model", "resnet"])
    assert "cannot read 'abc'" in _fails(capsys, ["evaluate", "--model", "digits_cnn", "--eps", "0,abc"])
    assert "--steps must be a positive int" in _fails(
        capsys, ["evaluate", "--model", "digits_cnn", "--attack", "pgd", "--steps", "0"]
    )
    assert "pass --force" in _fails(capsys, ["evaluate", "--model", "digits_cnn", "--json", str(existing)])
    assert existing.read_text() == "[]"
    missing = ["attack", str(tmp_path / "missing.png"), "--model", "digits_cnn", "--out", str(tmp_path / "a.png")]
    assert "no file at" in _fails(capsys, missing)
    assert "is a folder" in _fails(capsys, ["attack", str(existing), "--model", "digits_cnn", "--out", str(tmp_path)])
    assert "required" in _fails(capsys, ["attack", str(existing), "--model", "digits_cnn"])
    assert "is a file" in _fails(capsys, ["demo", "--out", str(existing)])
    nowhere = ["attack", str(existing), "--model", "digits_cnn", "--out", str(tmp_path / "no-such-folder" / "a.png")]
    assert "does not exist; create it first" in _fails(capsys, nowhere)
    missing_weights = ["evaluate", "--model", "digits_cnn", "--weights", str(tmp_path / "w.h5")]
    assert "does not exist" in _fails(capsys, missing_weights)


def test_attack_with_a_target_name_or_id(capsys, tmp_path, digits, digits_cnn):
    source = tmp_path / "digit.png"
    Image.fromarray(np.round(digits.x_test[0, ..., 0] * 255).astype(np.uint8)).save(source)
    base = ["attack", str(source), "--model", "digits_cnn", "--eps", "0.1"]
    assert cli.main([*base, "--target", "5", "--out", str(tmp_path / "to5.png")]) == 0
    assert "wrote" in capsys.readouterr().out

    def p5(path):
        return fgsm_edu.predict(digits_cnn, fgsm_edu.load_image(path).mean(-1, keepdims=True), top=10)

    clean, moved = p5(source), p5(tmp_path / "to5.png")
    assert moved.probabilities[list(moved.ids).index(5)] > clean.probabilities[list(clean.ids).index(5)]
    assert "not a class id or a class name" in _fails(capsys, [*base, "--target", "cat", "--out", str(tmp_path / "b")])
    assert "labels must be >= 0 and < 10" in _fails(capsys, [*base, "--target", "12", "--out", str(tmp_path / "c")])


def test_format_table_and_eps_parsing():
    table = cli.format_table([{"eps": 0.0, "accuracy": 0.984, "mean_confidence": 0.99, "n": 450}])
    assert table.splitlines()[1].split() == ["0", "98.4%", "99.0%", "450"]
    assert cli.parse_eps_list("0, 0.02,8/255") == pytest.approx([0.0, 0.02, 8 / 255])


def test_download_fills_the_cache_for_a_lecture_and_check_fetches_nothing(tmp_path, monkeypatch, capsys):
    from fgsm_edu import downloads

    pinned = downloads.Asset("pinned.bin", "http://example.invalid/pinned.bin", hashlib.sha256(b"weights").hexdigest())
    photo = downloads.Asset("photo.jpg", "http://example.invalid/photo.jpg", "", b"\xff\xd8\xff")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "pinned.bin").write_bytes(b"weights")
    (mirror / "photo.jpg").write_bytes(b"\xff\xd8\xff a photo")
    monkeypatch.setattr(downloads, "REMOTE_ASSETS", (pinned, photo))
    monkeypatch.setenv("FGSM_EDU_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", "http://127.0.0.1:9")  # offline

    assert cli.main(["download", "--check"]) == 1
    out, err = capsys.readouterr()
    assert out.count(": missing") == 2 and "run 'fgsm-edu download' while online" in err
    assert not (tmp_path / "cache").exists()  # --check fetched nothing
    assert cli.main(["download"]) == 1  # offline: each failure explained, nothing half-written
    out, err = capsys.readouterr()
    assert err.count("Are you offline?") == 2 and out.count(": missing") == 2

    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", mirror.as_uri())  # at home, online
    assert cli.main(["download"]) == 0
    out, err = capsys.readouterr()
    assert "pinned.bin (remote file): verified (pinned sha256)" in out
    assert "photo.jpg (remote file): verified (sha256 recorded on first use)" in out
    assert "pinned.bin: 100%" in err  # the progress bar (tqdm.auto, on stderr in a terminal)

    monkeypatch.setenv("FGSM_EDU_DOWNLOAD_BASE", "http://127.0.0.1:9")  # in the lecture hall
    assert cli.main(["download", "--check"]) == 0 and "everything is cached" in capsys.readouterr().out
    (tmp_path / "cache" / "pinned.bin").write_bytes(b"bit rot")
    assert cli.main(["download", "--check"]) == 1 and "pinned.bin (remote file): corrupted" in capsys.readouterr().out
