"""README.md and README.ja.md say the same things: every section has its counterpart, the code runs, no stale sentence.

The Japanese README may be shorter, but no section of the English one may be missing from it: each
``## `` heading of README.md maps to one of README.ja.md (SECTIONS, same order), and each pair carries
the same commands, Python code lines, module names, links and benchmark table. "A taste" runs here in
both languages, and the benchmark table is the one ``benchmarks/latest.json`` holds.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import sys
from pathlib import Path

import pytest

import fgsm_edu as fe

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
README_JA = (ROOT / "README.ja.md").read_text(encoding="utf-8")
SECTIONS = {  # README.md's "## " headings, in order -> README.ja.md's counterparts
    "Two commands": "2 つのコマンド",
    "The lessons": "レッスン",
    "Colab parity": "Colab との一致（メンテナー向け）",
    "The pixel convention (the one rule)": "画素値の規約（ただ 1 つのルール）",
    "A taste": "簡単な例",
    "The package, in lesson order": "パッケージの構成（レッスン順）",
    "The command line": "コマンドライン",
    "Lecture without Wi-Fi": "Wi-Fi のない講義",
    "Common mistakes": "よくある間違い",
    "Benchmarks": "ベンチマーク",
    "Contributing": "開発に参加する",
    "License and attributions": "ライセンスと帰属表示",
}
FENCED = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def sections(text: str) -> dict[str, str]:
    """Each ``## `` section's body by its heading (headings inside code blocks do not count)."""
    parts = re.split(r"^## (.+)\n", FENCED.sub(lambda m: m.group(0).replace("\n## ", "\n#\u200b# "), text), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


EN, JA = sections(README), sections(README_JA)
PAIRS = [(en, ja) for en, ja in SECTIONS.items() if en in EN and ja in JA]


def code_lines(body: str, language: str) -> list[str]:
    """The non-blank lines of a section's code blocks in one language, comments removed."""
    lines = []
    for lang, code in FENCED.findall(body):
        if lang == language:
            lines += [re.split(r"\s#", line)[0].rstrip() for line in code.splitlines() if line.strip()]
    return [line for line in lines if line and not line.lstrip().startswith("#")]


def japanese_link(url: str) -> str:
    """The link README.ja.md should have for one of README.md's: a lesson's goes to its Japanese edition."""
    return re.sub(r"(^|/)notebooks/(?=\d\d_)", r"\1notebooks/ja/", url) if url.endswith(".ipynb") else url


def test_every_english_section_has_a_japanese_counterpart_in_the_same_order():
    assert list(EN) == list(SECTIONS), "a new README.md section: add it to SECTIONS and to README.ja.md"
    assert [h for h in JA if h in SECTIONS.values()] == list(SECTIONS.values())


@pytest.mark.parametrize(("en", "ja"), PAIRS, ids=[en for en, _ in PAIRS])
def test_each_japanese_section_carries_the_same_code_names_and_links(en, ja):
    body_en, body_ja = EN[en], JA[ja]
    for language in ("bash", "python", ""):
        missing = [line for line in code_lines(body_en, language) if line not in code_lines(body_ja, language)]
        assert not missing, f"README.ja.md, {ja}: code lines of README.md's {en!r} missing: {missing}"
    names = set(re.findall(r"`(fgsm_edu\.\w+|fgsm-edu \w+|make [\w-]+|--\w[\w-]*)`", body_en))
    assert not [n for n in names if f"`{n}`" not in body_ja], f"README.ja.md, {ja}: names missing"
    links = [japanese_link(u) for u in LINK.findall(body_en)]
    assert not [u for u in links if u not in body_ja and u != "README.ja.md"], f"README.ja.md, {ja}: links missing"


def test_the_mistakes_and_the_attributions_are_all_there():
    mistakes, mistakes_ja = EN.get("Common mistakes", ""), JA.get("よくある間違い", "")
    assert mistakes.count("\n- ") == mistakes_ja.count("\n- ") >= 14
    assert "Documented choices" in mistakes and "設計上の選択" in mistakes_ja
    for credit in ("Mirko", "CC BY-SA 3.0", "LeCun", "scikit-learn", "arXiv:1412.6572", "Apache"):
        assert credit in EN.get("License and attributions", "") and credit in JA.get("ライセンスと帰属表示", ""), credit


def run_taste(body: str) -> str:
    """Run a section's Python block and return what it printed."""
    (code,) = [c for lang, c in FENCED.findall(body) if lang == "python"]
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(code, {})
    finally:
        fe.set_language("en")
    return printed.getvalue()


@pytest.mark.parametrize("body", [EN.get("A taste", ""), JA.get("簡単な例", "")], ids=["en", "ja"])
def test_a_taste_runs_and_prints_what_its_comments_say(body):
    before_after, accuracies = run_taste(body).strip().splitlines()
    assert re.fullmatch(r"\d \(\d+\.\d%\) -> \d \(\d+\.\d%\)", before_after)
    values = [float(v) for v in accuracies.strip("[]").split()]
    assert len(values) == 4 and all(0 <= v <= 1 for v in values)


def load_bench():
    """benchmarks/bench.py as a module (its table() prints the README's table)."""
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench", module)  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_table_is_benchmarks_latest_json_in_both_readmes():
    bench = load_bench()
    report = json.loads((ROOT / "benchmarks" / "latest.json").read_text())
    rows = [bench.Row(**row) for row in report["rows"]]
    missed = [r for r in rows if r.met is False]
    verdict = (
        "All targets met." if not missed else "Targets missed: " + "; ".join(f"{r.group}: {r.name}" for r in missed)
    )
    expected = bench.table(rows).strip("\n") + f"\n\n{report['seconds']:.0f} s in all. {verdict}\n"
    for body in (EN.get("Benchmarks", ""), JA.get("ベンチマーク", "")):
        (block,) = [c for lang, c in FENCED.findall(body) if lang == ""]
        assert block == expected
        assert "make bench" in body and "benchmarks/latest.json" in body and "2026-11-29" in body
    assert f"{report['reps']} repetitions per row" in EN.get("Benchmarks", "")


@pytest.mark.parametrize(
    ("text", "stale"),
    [
        (README, "ten lessons"),
        (README, "collapsed cells"),
        (README, 'load_model("digits_cnn")               # offline'),
        (README_JA, "英語の README](README.md) を参照"),
        (README_JA, "チュートリアルを正しく"),
        (README_JA, "最小イプシロン"),
        (README_JA, "頑健さ"),
        (README_JA, "ノート PC"),
        (README_JA, "ランダムスタート"),
        (README_JA, "ひと口サンプル"),
        (README_JA, "折りたたんだセル"),
        ((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"), "ten lessons"),
    ],
)
def test_no_stale_sentence(text, stale):
    assert stale not in text


def test_the_formula_has_its_clip_and_an_instructor_finds_the_handout():
    for text in (README, README_JA):
        assert r"$$x_{adv} = \mathrm{clip}_{[0, 1]}\Big(x + \epsilon" in text
        assert "fgsm-edu handout handouts/" in text and "<details>" in text
