"""The setup cell's version check: say clearly what to upgrade before anything breaks (every notebook, "Setup").

Run as ``fe.check_environment()`` in the second cell of each lesson. The floors are ones that
Colab's default runtime meets (ipywidgets 7.7.1 there: Colab's front end renders ipywidgets 7, not
8), so the check passes on Colab as it is; ``require_tensorflow`` runs first, at ``import fgsm_edu``,
because nothing works without TensorFlow (Colab's TPU runtime has none).
"""

from __future__ import annotations

import importlib.util
import platform
import re
import sys
from importlib import metadata

from fgsm_edu.errors import FgsmEduError

# package -> (minimum version, the command that fixes it); on Colab some fixes differ (COLAB_FIXES)
MINIMUM_VERSIONS: dict[str, tuple[tuple[int, ...], str]] = {
    "python": ((3, 11), "install Python 3.11 or newer"),
    "tensorflow": ((2, 16), 'pip install -U "tensorflow>=2.16"'),
    "keras": ((3,), 'pip install -U "keras>=3"'),
    "ipywidgets": ((7, 7), 'pip install -U "ipywidgets>=8,<9"'),
}
NO_TENSORFLOW_ON_COLAB = (
    "this Colab runtime has no TensorFlow (the TPU runtime has none): choose Runtime > Change runtime type, "
    "pick CPU or a GPU (such as T4), save, then run the notebook again from the top"
)
COLAB_FIXES = {
    "python": "Runtime > Change runtime type, and pick the default runtime version",
    "tensorflow": NO_TENSORFLOW_ON_COLAB,
    "ipywidgets": 'pip install "ipywidgets==7.7.1" (Colab\'s own version), then Runtime > Restart session',
}
COLAB_WIDGETS = (7, 7, 1)  # the ipywidgets that Colab's front end renders
UNTESTED_WIDGETS = (9,)  # the first ipywidgets major the widgets were not tested with


class MissingTensorFlowError(FgsmEduError, ImportError):
    """TensorFlow is not installed (on Colab: the TPU runtime); the message says what to do."""


def on_colab() -> bool:
    """Whether this kernel runs on Google Colab.

    Returns:
        True when the ``google.colab`` module is loaded (Colab imports it into every kernel).
    """
    return "google.colab" in sys.modules


def fix_for(name: str, colab: bool) -> str:
    """The command or steps that fix a missing or too old package.

    Args:
        name: "python", "tensorflow", "keras" or "ipywidgets".
        colab: whether the advice is for Colab.

    Returns:
        One line to follow.
    """
    return COLAB_FIXES.get(name, MINIMUM_VERSIONS[name][1]) if colab else MINIMUM_VERSIONS[name][1]


def require_tensorflow(colab: bool | None = None) -> None:
    """Raise a plain-words error when TensorFlow is not installed (run by ``import fgsm_edu``).

    Args:
        colab: whether to give Colab's advice; None detects it.

    Returns:
        None. Raises MissingTensorFlowError, an ImportError, naming the fix.
    """
    if importlib.util.find_spec("tensorflow") is not None:
        return
    colab = on_colab() if colab is None else colab
    then = "" if colab else ", then restart the kernel"
    raise MissingTensorFlowError(
        f"fgsm-edu needs TensorFlow, which is not installed. Fix: {fix_for('tensorflow', colab)}{then}.",
        name="tensorflow",
    )


def parse_version(text: str) -> tuple[int, ...]:
    """Read the leading numbers of a version string ("2.21.0rc1" -> (2, 21, 0)).

    Args:
        text: a version string.

    Returns:
        The numeric parts, or () if there are none.
    """
    numbers = re.match(r"\d+(?:\.\d+)*", text.strip())
    return tuple(int(n) for n in numbers.group(0).split(".")) if numbers else ()


def installed_versions() -> dict[str, str | None]:
    """Return the installed versions of Python and the packages the lessons need (None: missing).

    Returns:
        A mapping from package name to version string.
    """
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("tensorflow", "keras", "ipywidgets"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def version_problems(found: dict[str, str | None], colab: bool = False) -> list[str]:
    """List what is missing or too old, each with the command that fixes it.

    Args:
        found: package name -> installed version (None if missing), as from ``installed_versions``.
        colab: whether to give Colab's fixes.

    Returns:
        One message per problem; empty when everything is recent enough.
    """
    problems = []
    for name, (minimum, _) in MINIMUM_VERSIONS.items():
        version, needed, fix = found.get(name), ".".join(map(str, minimum)), fix_for(name, colab)
        if version is None:
            problems.append(f"{name} is not installed; fgsm-edu needs {name} >= {needed}. Fix: {fix}")
        elif parse_version(version) < minimum:
            problems.append(f"{name} {version} is too old; fgsm-edu needs {name} >= {needed}. Fix: {fix}")
    return problems


def version_warnings(found: dict[str, str | None], colab: bool = False) -> list[str]:
    """List what works but may not show right: the widgets' front end (ipywidgets 8+ on Colab, 9+).

    Args:
        found: package name -> installed version (None if missing), as from ``installed_versions``.
        colab: whether the kernel runs on Colab.

    Returns:
        One message per warning, each with what to do; empty when nothing needs attention.
    """
    version = found.get("ipywidgets")
    if version is None:
        return []
    if colab and parse_version(version)[:1] >= (8,):
        colab_widgets = ".".join(map(str, COLAB_WIDGETS))
        return [
            f"ipywidgets {version} on Colab: Colab's front end renders ipywidgets {colab_widgets}, so the sliders "
            f"may not show. Fix: {fix_for('ipywidgets', colab=True)}"
        ]
    if parse_version(version) >= UNTESTED_WIDGETS:
        return [
            f"ipywidgets {version} is newer than fgsm-edu was tested with (7.7 to 8.x); if the sliders do not show: "
            'pip install "ipywidgets>=8,<9", then restart the kernel'
        ]
    return []


def check_environment() -> None:
    """Check Python, TensorFlow, Keras and ipywidgets; print one line (and any warning), or raise.

    Returns:
        None. Raises FgsmEduError listing every problem and its fix (then restart the kernel);
        prints a line starting with "Note:" for what may not display right.
    """
    from fgsm_edu import __version__

    found, colab = installed_versions(), on_colab()
    problems = version_problems(found, colab)
    if problems:
        restart = "Runtime > Restart session" if colab else "Kernel > Restart Kernel"
        raise FgsmEduError("\n".join([*problems, f"Then restart the kernel ({restart})."]))
    listed = ", ".join(f"{name} {version}" for name, version in found.items())
    print(f"fgsm-edu {__version__}: {listed}", file=sys.stdout)
    for warning in version_warnings(found, colab):
        print(f"Note: {warning}", file=sys.stdout)
