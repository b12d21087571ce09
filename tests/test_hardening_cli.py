"""The command line: every bad flag value ends with exit code 2 and one error line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fgsm_edu import cli


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A good digit-sized PNG and the usual broken inputs, in one folder."""
    good = tmp_path / "digit.png"
    Image.fromarray(np.full((8, 8), 128, np.uint8)).save(good)
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_text("not an image")
    (tmp_path / "cut.png").write_bytes(good.read_bytes()[:40])
    (tmp_path / "exists.png").write_bytes(b"precious")
    (tmp_path / "exists.json").write_text("[]")
    (tmp_path / "weights.txt").write_text("not weights")
    (tmp_path / "folder").mkdir()
    return {p.name: p for p in tmp_path.iterdir()} | {"tmp": tmp_path}


def _attack(files: dict[str, Path], *extra: str, image: str = "digit.png", out: str = "adv.png") -> list[str]:
    return ["attack", str(files["tmp"] / image), "--model", "digits_cnn", "--out", str(files["tmp"] / out), *extra]


# name -> (argv builder, text the error line must contain)
BAD = {
    "attack: negative eps": (lambda f: _attack(f, "--eps", "-0.1"), ">= 0"),
    "attack: nan eps": (lambda f: _attack(f, "--eps", "nan"), "finite"),
    "attack: inf eps": (lambda f: _attack(f, "--eps", "inf"), "finite"),
    "attack: eps in grey levels": (lambda f: _attack(f, "--eps", "8"), "8/255"),
    "attack: eps not a number": (lambda f: _attack(f, "--eps", "abc"), "cannot read 'abc'"),
    "attack: eps divided by zero": (lambda f: _attack(f, "--eps", "1/0"), "cannot read '1/0'"),
    "attack: unknown model": (lambda f: _attack(f)[:3] + ["resnet"] + _attack(f)[4:], "invalid choice: 'resnet'"),
    "attack: empty image": (lambda f: _attack(f, image="empty.png"), "empty (0 bytes)"),
    "attack: text as image": (lambda f: _attack(f, image="notes.png"), "not a readable image"),
    "attack: truncated image": (lambda f: _attack(f, image="cut.png"), "not a readable image"),
    "attack: folder as image": (lambda f: _attack(f, image="folder"), "is a folder"),
    "attack: missing image": (lambda f: _attack(f, image="missing.png"), "no file at"),
    "attack: target out of range": (lambda f: _attack(f, "--target", "42"), "< 10"),
    "attack: negative target": (lambda f: _attack(f, "--target", "-3"), ">= 0"),
    "attack: unknown target name": (lambda f: _attack(f, "--target", "cat"), "not a class id"),
    "attack: existing output": (lambda f: _attack(f, out="exists.png"), "pass --force"),
    "attack: output is a folder": (lambda f: _attack(f, out="folder"), "is a folder"),
    "attack: output in a missing folder": (lambda f: _attack(f, out="no-such-folder/adv.png"), "does not exist"),
    "attack: missing weights": (lambda f: _attack(f, "--weights", str(f["tmp"] / "w.weights.h5")), "does not exist"),
    "attack: weights not a weights file": (lambda f: _attack(f, "--weights", str(f["weights.txt"])), "weights.h5"),
    "attack: unknown flag": (lambda f: _attack(f, "--epsilon", "0.1"), "unrecognized arguments"),
    "attack: no --out": (lambda f: _attack(f)[:4], "required"),
    "evaluate: negative eps in list": (lambda f: ["evaluate", "--model", "digits_cnn", "--eps", "0,-1"], ">= 0"),
    "evaluate: nan eps in list": (lambda f: ["evaluate", "--model", "digits_cnn", "--eps", "0,nan"], "finite"),
    "evaluate: empty eps": (lambda f: ["evaluate", "--model", "digits_cnn", "--eps", ""], "cannot read ''"),
    "evaluate: ImageNet model": (lambda f: ["evaluate", "--model", "mobilenet_v2"], "invalid choice"),
    "evaluate: unknown attack": (lambda f: ["evaluate", "--model", "digits_cnn", "--attack", "cw"], "invalid choice"),
    "evaluate: steps 0": (
        lambda f: ["evaluate", "--model", "digits_cnn", "--attack", "pgd", "--steps", "0"],
        "--steps",
    ),
    "evaluate: steps not a number": (lambda f: ["evaluate", "--model", "digits_cnn", "--steps", "ten"], "invalid int"),
    "evaluate: existing json": (
        lambda f: ["evaluate", "--model", "digits_cnn", "--json", str(f["exists.json"])],
        "pass --force",
    ),
    "demo: out is a file": (lambda f: ["demo", "--out", str(f["exists.json"])], "is a file"),
    "no command": (lambda f: [], "required"),
    "unknown command": (lambda f: ["train"], "invalid choice"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_flags_exit_2_with_one_error_line(capsys, files, case):
    build, expected = BAD[case]
    before = {p: p.read_bytes() for p in files["tmp"].iterdir() if p.is_file()}
    with pytest.raises(SystemExit) as info:
        cli.main(build(files))
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("fgsm-edu") and ": error: " in lines[-1], err
    assert expected in lines[-1]
    assert all(not line.startswith(("  File ", "Error", "raise ")) for line in lines)
    after = {p: p.read_bytes() for p in files["tmp"].iterdir() if p.is_file()}
    assert after == before  # nothing written, nothing overwritten
