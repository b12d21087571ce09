"""The setup cell's version check: say clearly what to upgrade before anything breaks (every notebook, "Setup").

Run as ``fe.check_environment()`` in the second cell of each lesson.
"""

from __future__ import annotations

import platform
import re
import sys
from importlib import metadata

from fgsm_edu.errors import FgsmEduError

# package -> (minimum version, the command that fixes it)
MINIMUM_VERSIONS: dict[str, tuple[tuple[int, ...], str]] = {
    "python": ((3, 11), "install Python 3.11 or newer (on Colab: Runtime > Change runtime type)"),
    "tensorflow": ((2, 16), 'pip install -U "tensorflow>=2.16"'),
    "keras": ((3,), 'pip install -U "keras>=3"'),
    "ipywidgets": ((8,), 'pip install -U "ipywidgets>=8"'),
}


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


def version_problems(found: dict[str, str | None]) -> list[str]:
    """List what is missing or too old, each with the command that fixes it.

    Args:
        found: package name -> installed version (None if missing), as from ``installed_versions``.

    Returns:
        One message per problem; empty when everything is recent enough.
    """
    problems = []
    for name, (minimum, fix) in MINIMUM_VERSIONS.items():
        version, needed = found.get(name), ".".join(map(str, minimum))
        if version is None:
            problems.append(f"{name} is not installed; fgsm-edu needs {name} >= {needed}. Fix: {fix}")
        elif parse_version(version) < minimum:
            problems.append(f"{name} {version} is too old; fgsm-edu needs {name} >= {needed}. Fix: {fix}")
    return problems


def check_environment() -> None:
    """Check Python, TensorFlow, Keras and ipywidgets; print one line, or raise saying what to upgrade.

    Returns:
        None. Raises FgsmEduError listing every problem and its fix (then restart the kernel).
    """
    from fgsm_edu import __version__

    found = installed_versions()
    problems = version_problems(found)
    if problems:
        raise FgsmEduError("\n".join([*problems, "Then restart the kernel (Colab: Runtime > Restart session)."]))
    listed = ", ".join(f"{name} {version}" for name, version in found.items())
    print(f"fgsm-edu {__version__}: {listed}", file=sys.stdout)
