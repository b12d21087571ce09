"""The ``fgsm-edu`` command line: a demo without a notebook, one-image attacks, and dataset evaluation.

    fgsm-edu demo --out DIR [--data digits]
    fgsm-edu attack IMAGE --model NAME --eps 0.01 [--target CLASS] --out ADV.png
    fgsm-edu evaluate [--model NAME] [--eps 0,0.02,0.05,0.1] [--attack pgd] [--json FILE]
    fgsm-edu download [--check]
    fgsm-edu handout OUT_DIR [--lang en|ja] [--notebooks DIR] [--force]

Bad arguments end with a one-line error and exit code 2; no file is overwritten without --force.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fgsm_edu import __version__
from fgsm_edu.errors import FgsmEduError, InvalidArgumentError
from fgsm_edu.i18n import LANGUAGES, t
from fgsm_edu.models import KNOWN_MODELS

MNIST_MODELS = ("mnist_cnn", "mnist_linear")  # the defaults: MNIST ships with the package (28x28)
DIGITS_MODELS = ("digits_cnn", "digits_linear")  # scikit-learn's 8x8 digits, still selectable
DATASETS = {"mnist": MNIST_MODELS, "digits": DIGITS_MODELS}
DEMO_EPSILONS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)  # PyTorch's FGSM tutorial's, on MNIST
DEMO_FILES = ("sweep.png", "perturbation.png", "accuracy_vs_epsilon.png", "fooled.png", "evaluation.json")


class CliError(Exception):
    """A user mistake found after parsing; reported by the sub-command's parser (exit code 2)."""


def parse_eps(text: str) -> float:
    """Read one epsilon: a number ("0.03") or a fraction of 255 grey levels ("8/255").

    Args:
        text: the command-line text.

    Returns:
        The value as a float.
    """
    try:
        top, _, bottom = text.strip().partition("/")
        return float(top) / (float(bottom) if bottom else 1.0)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"cannot read {text!r} as an epsilon; write 0.03 or 8/255") from None


def parse_eps_list(text: str) -> list[float]:
    """Read a comma-separated list of epsilons, for example "0,0.02,8/255".

    Args:
        text: the command-line text.

    Returns:
        The values as floats.
    """
    return [parse_eps(part) for part in text.split(",") if part.strip()] or [parse_eps(text)]


def _weights(text: str) -> Any:
    """--weights: "default", "none" (random, offline) or a path."""
    return None if text.lower() == "none" else text


def _model_options(parser: argparse.ArgumentParser, choices: Sequence[str], default: str | None = None) -> None:
    """Add --model (required unless it has a default) and --weights to a sub-command."""
    more = "" if default is None else f" (default {default})"
    parser.add_argument(
        "--model", required=default is None, default=default, choices=choices, help="the model to attack" + more
    )
    parser.add_argument(
        "--weights",
        type=_weights,
        default="default",
        help="'default' (shipped MNIST or digits weights; ImageNet for mobilenet_v2, downloaded once), "
        "'none' (random weights, offline) or a weights file",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its sub-commands.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="fgsm-edu",
        description="Adversarial examples with the Fast Gradient Sign Method: "
        "adv_x = clip(x + eps * sign(grad_x J(theta, x, y))). Epsilon is a fraction of the pixel range.",
        epilog="Run 'fgsm-edu COMMAND --help' for each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"fgsm-edu {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="attack the bundled MNIST models and write the pictures (offline, under a minute)"
    )
    demo.add_argument("--out", required=True, type=Path, help="folder for the PNGs and evaluation.json")
    demo.add_argument(
        "--data",
        choices=tuple(DATASETS),
        default="mnist",
        help="mnist (28x28, the 10,000 official test images; default) or digits (scikit-learn's 8x8 digits)",
    )
    demo.add_argument("--force", action="store_true", help="overwrite files already in the folder")
    attack = commands.add_parser("attack", help="attack one image file and save the adversarial image")
    attack.add_argument("image", type=Path, help="the image file (PNG, JPEG, ...), resized to the model's input")
    _model_options(attack, KNOWN_MODELS)
    attack.add_argument("--eps", type=parse_eps, default=0.01, help="the step, e.g. 0.01 or 8/255 (default 0.01)")
    attack.add_argument("--target", help="move towards this class (id or name) instead of away from the prediction")
    attack.add_argument("--out", required=True, type=Path, help="where to write the adversarial PNG")
    attack.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    attack.add_argument(
        "--quantize", action="store_true", help="attack on the 8-bit grid, so the PNG holds exactly the attacked image"
    )
    evaluate = commands.add_parser(
        "evaluate", help="accuracy and confidence per epsilon on the model's test set (MNIST's 10,000 or the digits')"
    )
    _model_options(evaluate, MNIST_MODELS + DIGITS_MODELS, default="mnist_cnn")
    evaluate.add_argument(
        "--eps", type=parse_eps_list, default=list(DEMO_EPSILONS), help="e.g. 0,0.02,8/255 (default 0,0.05,...,0.3)"
    )
    evaluate.add_argument("--attack", choices=("fgsm", "pgd", "bim"), default="fgsm", help="the attack (default fgsm)")
    evaluate.add_argument("--steps", type=int, default=10, help="steps of pgd/bim (default 10)")
    evaluate.add_argument("--json", type=Path, help="also write the records to this JSON file")
    evaluate.add_argument("--force", action="store_true", help="overwrite --json if it exists")
    download = commands.add_parser(
        "download",
        help="fetch every remote file (ImageNet weights, the Labrador photo) into the cache, for offline use",
    )
    download.add_argument("--check", action="store_true", help="only list what is cached and verified; fetch nothing")
    handout = commands.add_parser(
        "handout", help="copy the lessons without their hidden solutions, for an instructor to hand out"
    )
    handout.add_argument("out", type=Path, metavar="OUT_DIR", help="the folder to write the lessons to")
    handout.add_argument("--lang", choices=LANGUAGES, default="en", help="the lessons' language (default en)")
    handout.add_argument(
        "--notebooks",
        type=Path,
        help="the lessons' folder (default ./notebooks, else the one of the clone the package runs from)",
    )
    handout.add_argument("--force", action="store_true", help="overwrite lessons already in OUT_DIR")
    return parser


def _free(path: Path, force: bool) -> Path:
    """Refuse to overwrite an existing file unless --force was given."""
    if path.is_dir():
        raise CliError(f"{path} is a folder; pass a file name such as {path / 'adversarial.png'}")
    if path.exists() and not force:
        raise CliError(f"{path} already exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise CliError(f"the folder {path.parent} does not exist; create it first or pick another path")
    return path


def format_table(records: Sequence[dict[str, Any]]) -> str:
    """The evaluation records as an aligned text table.

    Args:
        records: the result of ``evaluate``.

    Returns:
        The table, one line per epsilon.
    """
    lines = [f"{'eps':>8}  {'accuracy':>8}  {'mean confidence':>15}  {'n':>6}"]
    for r in records:
        lines.append(f"{r['eps']:>8.4g}  {r['accuracy']:>8.1%}  {r['mean_confidence']:>15.1%}  {r['n']:>6}")
    return "\n".join(lines)


def _save_png(image: np.ndarray, path: Path) -> None:
    """Write a [0, 1] image as an 8-bit PNG (pixels rounded to the nearest of 256 grey levels)."""
    from PIL import Image

    from fgsm_edu.saving import to_uint8

    pixels = to_uint8(image)
    Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(path, format="PNG")


def _reload(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """Read an image file back at the model's input shape, as the attack's result is read from disk."""
    from fgsm_edu.data import load_image

    image = load_image(path, size=(int(shape[0]), int(shape[1])))
    return image.mean(axis=-1, keepdims=True) if shape[-1] == 1 else image


def _fools(prediction: Any, clean: Any, target: int | None) -> bool:
    """Whether an attack worked: the target reached, or (untargeted) the clean prediction changed."""
    top = int(np.ravel(prediction.ids)[0])
    return top == target if target is not None else top != int(np.ravel(clean.ids)[0])


def _target_id(model: Any, text: str) -> int:
    """Turn --target (a class id or a class name) into a class id."""
    from fgsm_edu.models import model_info

    info = model_info(model)
    if text.strip().lstrip("-").isdigit():
        return int(text)
    names = [n.lower() for n in info.class_names or ()]
    if text.lower() not in names:
        raise CliError(f"--target {text!r} is not a class id or a class name of {info.name}")
    return names.index(text.lower())


def run_attack(args: argparse.Namespace) -> None:
    """fgsm-edu attack: attack one image, save it as a PNG, and say whether the file read back still fools the model."""
    from fgsm_edu.attacks import fgsm
    from fgsm_edu.models import load_model, model_info, predict

    out = _free(args.out, args.force)
    model = load_model(args.model, args.weights)
    shape = tuple(int(d) for d in model_info(model).input_shape)  # type: ignore[arg-type]
    image = _reload(args.image, shape)
    target = None if args.target is None else _target_id(model, args.target)
    adv = fgsm(model, image, target, args.eps, targeted=target is not None, quantize=args.quantize)
    _save_png(adv, out)
    clean, in_memory, on_disk = predict(model, image), predict(model, adv), predict(model, _reload(out, shape))
    grid = ", on the 8-bit grid" if args.quantize else ""
    print(f"before: {clean}")
    print(f"after:  {on_disk}  (eps = {args.eps:.4g}{grid}, as saved in 8-bit PNG and read back)")
    print(f"in memory, before saving: {in_memory}")
    verdict = "yes" if _fools(on_disk, clean, target) else "no"
    hint = "" if verdict == "yes" or args.quantize else " (try --quantize, or a larger --eps)"
    print(f"the saved file still fools the model: {verdict}{hint}")
    print(f"wrote {out}")


def dataset_of(model_name: str) -> str:
    """The data set a shipped model was trained on: "mnist" or "digits".

    Args:
        model_name: one of MNIST_MODELS or DIGITS_MODELS.

    Returns:
        The key of DATASETS holding it.
    """
    return next(name for name, models in DATASETS.items() if model_name in models)


def load_test_split(dataset: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The test images, labels and a description of the data set "mnist" or "digits"."""
    from fgsm_edu.data import load_digits_data, load_mnist_data

    if dataset == "mnist":
        data = load_mnist_data()
        return data.x_test, data.y_test, f"MNIST test set ({len(data.y_test):,} images)"
    data = load_digits_data()
    return data.x_test, data.y_test, f"8x8 digits test split ({len(data.y_test)} images)"


def run_evaluate(args: argparse.Namespace) -> None:
    """fgsm-edu evaluate: print the table of accuracy and confidence per epsilon."""
    from fgsm_edu.evaluation import evaluate
    from fgsm_edu.models import load_model

    if args.steps < 1:
        raise InvalidArgumentError(f"--steps must be a positive int, got {args.steps}")
    out = None if args.json is None else _free(args.json, args.force)
    kwargs = {} if args.attack == "fgsm" else {"steps": args.steps}
    x, y, described = load_test_split(dataset_of(args.model))
    model = load_model(args.model, args.weights)
    progress = sys.stderr.isatty()
    records = evaluate(model, (x, y), args.eps, attack=args.attack, progress=progress, **kwargs)
    print(f"{args.attack.upper()} on {args.model}, {described}:")
    print(format_table(records))
    if out is not None:
        out.write_text(json.dumps(records, indent=2) + "\n")
        print(f"wrote {out}")


def run_demo(args: argparse.Namespace) -> None:
    """fgsm-edu demo: attack the MNIST (or 8x8 digits) models offline and write the lesson pictures."""
    from fgsm_edu.attacks import fgsm_sweep
    from fgsm_edu.evaluation import evaluate, most_confidently_fooled
    from fgsm_edu.models import load_model
    from fgsm_edu.plots import show_curves, show_fooled, show_perturbation, show_sweep

    if args.out.exists() and not args.out.is_dir():
        raise CliError(f"--out {args.out} is a file; pass a folder")
    args.out.mkdir(parents=True, exist_ok=True)  # a new folder cannot hold files to overwrite
    paths = [_free(args.out / name, args.force) for name in DEMO_FILES]
    x, y, described = load_test_split(args.data)
    models = {name: load_model(name) for name in DATASETS[args.data]}
    cnn, data = models[DATASETS[args.data][0]], (x, y)
    sweep = fgsm_sweep(cnn, x[0], y[0], epsilons=(0.0, 0.05, 0.1, 0.2, 0.3))
    results = {name: evaluate(m, data, DEMO_EPSILONS, progress=False) for name, m in models.items()}
    figures = [
        show_sweep(cnn, sweep),
        show_perturbation(sweep.perturbation),
        show_curves(results, title=f"FGSM on the {described}"),
        show_fooled(cnn, most_confidently_fooled(cnn, *data, eps=0.1)),
    ]
    for fig, path in zip(figures, paths, strict=False):
        fig.savefig(path, dpi=100)
    paths[-1].write_text(json.dumps(results, indent=2) + "\n")
    for name, records in results.items():
        print(f"FGSM on {name}:\n{format_table(records)}\n")
    print("wrote:\n" + "\n".join(f"  {p}" for p in paths))


ASSET_NOTES = {
    "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5": "MobileNetV2's ImageNet weights, 14 MB",
    "YellowLabradorLooking_new.jpg": "lesson 01's Labrador photo",
}


def run_download(args: argparse.Namespace) -> int:
    """fgsm-edu download: fetch every remote file into the cache (or, with --check, only list what is there).

    Explained in README, "Lecture without Wi-Fi".

    Args:
        args: the parsed arguments (``check``).

    Returns:
        0 when every file is cached and verified, 1 otherwise.
    """
    from fgsm_edu.downloads import REMOTE_ASSETS, cache_dir, cache_status, fetch
    from fgsm_edu.errors import DownloadError

    print(f"cache: {cache_dir()} (set FGSM_EDU_CACHE_DIR to use another folder)")
    missing = 0
    for asset in REMOTE_ASSETS:
        if not args.check:
            try:
                fetch(asset, progress=True)
            except DownloadError as err:
                print(f"error: {err}", file=sys.stderr)
        status = cache_status(asset)
        missing += not status.startswith("verified")
        print(f"  {asset.filename} ({ASSET_NOTES.get(asset.filename, 'remote file')}): {status}")
    if missing:
        print(f"{missing} file(s) not ready: run 'fgsm-edu download' while online.", file=sys.stderr)
        return 1
    print("everything is cached: lesson 01 with WEIGHTS = 'imagenet' runs offline on this machine.")
    return 0


def run_handout(args: argparse.Namespace) -> None:
    """fgsm-edu handout: write the lessons without their hidden solutions (fgsm_edu.handout; README, "The lessons").

    Args:
        args: the parsed arguments (``out``, ``lang``, ``notebooks``, ``force``).
    """
    from fgsm_edu.handout import lessons_folder, write_handouts

    lessons = lessons_folder(args.notebooks, args.lang)
    written = write_handouts(lessons, args.out, force=args.force)
    print(t("handout.wrote", count=len(written), lessons=str(lessons), folder=str(args.out)))
    print("\n".join(f"  {p}" for p in written))


COMMANDS = {
    "demo": run_demo,
    "attack": run_attack,
    "evaluate": run_evaluate,
    "download": run_download,
    "handout": run_handout,
}


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The sub-command's parser, so errors read "fgsm-edu attack: error: ..."."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]  # type: ignore[no-any-return]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (the ``fgsm-edu`` console script).

    Args:
        argv: the arguments (default: sys.argv[1:]).

    Returns:
        The exit code: 0 on success; errors exit with 2 through argparse.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = COMMANDS[args.command](args)
    except (CliError, FgsmEduError) as err:
        _subparser(parser, args.command).error(" ".join(str(err).split()))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
