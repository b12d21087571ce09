"""Sphinx configuration of the English tree (built by docs/site.py: `make site`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import conf_common  # noqa: E402

globals().update(conf_common.settings("en"))
setup = conf_common.setup
