"""The robust models' table in both READMEs and lesson 05's sentence about it come from benchmarks/robust_models.json.

``python benchmarks/robust_models.py`` measures the shipped robust models (about 25 minutes each on 2 cores, so
not in CI) and writes the JSON; these tests fail when the READMEs or lesson 05 say something the file does not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLE = json.loads((ROOT / "benchmarks" / "robust_models.json").read_text(encoding="utf-8"))
MODELS = sorted(TABLE["models"])


@pytest.mark.parametrize("readme", ["README.md", "README.ja.md"])
@pytest.mark.parametrize("name", MODELS)
def test_each_readme_row_is_the_measured_one(readme, name):
    m = TABLE["models"][name]
    cells = [f"{100 * m['clean']:.2f}%", f"{100 * m['pgd_50x10']:.2f}%"]
    cells += [f"{100 * m['autoattack']:.1f}%", f"{100 * m['lesson_worst_case']:.1f}%"]
    row = next(line for line in (ROOT / readme).read_text(encoding="utf-8").splitlines() if f"| `{name}` |" in line)
    assert row.split("|")[2:6] == [f" {cell} " for cell in cells], row


def test_the_json_covers_the_evaluations_the_readme_names():
    assert TABLE["eps"] == 0.3 and TABLE["autoattack_images"] >= 1000 and TABLE["square_queries"] == 5000
    assert MODELS == ["mnist_cnn_fgsm_rs", "mnist_cnn_pgd"]


def test_lesson_05s_gap_to_autoattack_is_what_it_says():
    """Lesson 05 and the READMEs: its worst case lands one to two points (1.3 to 1.4) above AutoAttack's."""
    gaps = [m["lesson_worst_case"] - m["autoattack"] for m in TABLE["models"].values()]
    assert all(0.01 <= gap <= 0.02 for gap in gaps), gaps
    assert f"{min(gaps) * 100:.1f} to {max(gaps) * 100:.1f} points above AutoAttack" in (ROOT / "README.md").read_text()
