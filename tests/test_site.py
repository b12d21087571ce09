"""The course site (`make site`, docs/site.py) in a real browser, offline: every outside request is blocked and counted.

Runs over build/site (or $FGSM_EDU_SITE_DIR). Without a built site these tests skip, except under
``make test-site`` (FGSM_EDU_SITE_REQUIRED=1, as in .ci/run), where a missing site fails.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import pytest
from browser_support import CHROMIUM_ARGS, chromium_path

from fgsm_edu.i18n import t

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("FGSM_EDU_SITE_DIR") or ROOT / "build" / "site")
LANGS = ("en", "ja")
LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
COLAB = "https://colab.research.google.com/github/fgsm-edu/fgsm-edu/blob/main/"
JAPANESE = re.compile(r"[\u3040-\u30ff]")  # hiragana and katakana

# docs/site.py by path (the name `site` is the standard library's)
_spec = importlib.util.spec_from_file_location("fgsm_edu_site_build", ROOT / "docs" / "site.py")
assert _spec is not None and _spec.loader is not None
site_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_build)


@pytest.fixture(scope="module")
def site() -> Path:
    """The built site, or skip (fail under make test-site) saying how to build it."""
    if not (SITE / "en" / "index.html").is_file() or not (SITE / "ja" / "index.html").is_file():
        message = f"no built course site in {SITE}: run `make site` first"
        if os.environ.get("FGSM_EDU_SITE_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    return SITE


def pages(site: Path) -> list[Path]:
    """Every HTML page of both trees."""
    return sorted(p for lang in LANGS for p in (site / lang).rglob("*.html") if "_static" not in p.parts)


def lesson_pages(site: Path, lang: str) -> list[Path]:
    """The lesson pages of one tree, in order."""
    return [site / lang / f"{name}.html" for name in LESSONS]


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The site served on 127.0.0.1 (a free port), quietly."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    """Debian's Chromium, headless."""
    chromium = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


class Visit:
    """One page in a fresh tab: requests outside the site blocked and counted, console errors kept."""

    def __init__(self, browser: Any, base: str, path: str) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 1000})
        self.page.set_default_timeout(60_000)
        self.page.route("**/*", lambda route: self._route(route, base))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.goto(base + path, wait_until="load")

    def _route(self, route: Any, base: str) -> None:
        url = route.request.url
        if url.startswith((base, "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def close(self) -> None:
        self.page.close()


@pytest.mark.slow
def test_every_page_loads_offline_without_console_errors(site: Path, server: str, browser: Any) -> None:
    problems = {}
    for path in pages(site):
        visit = Visit(browser, server, path.relative_to(site).as_posix())
        visit.page.wait_for_timeout(300)  # late scripts (MathJax, search) have run
        if visit.outside or visit.errors:
            problems[path.relative_to(site).as_posix()] = (visit.outside, visit.errors)
        visit.close()
    assert len(pages(site)) >= 2 * (len(LESSONS) + 3)
    assert not problems, problems


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_each_lesson_page_shows_its_figures_and_its_maths(site: Path, server: str, browser: Any, lang: str) -> None:
    for path in lesson_pages(site, lang):
        visit = Visit(browser, server, path.relative_to(site).as_posix())
        visit.page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0")
        images = visit.page.evaluate(
            "() => Array.from(document.querySelectorAll('article img'), i => [i.complete && i.naturalWidth > 0, i.src])"
        )
        visit.close()
        figures = [src for _, src in images if "/_images/" in src or src.startswith("data:image/png")]
        assert figures, f"{path.name}: no figure"
        assert all(ok for ok, _ in images), f"{path.name}: images not decoded: {[s[:80] for ok, s in images if not ok]}"


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_the_static_explorer_moves_with_its_slider(site: Path, server: str, browser: Any, lang: str) -> None:
    visit = Visit(browser, server, f"{lang}/01_fgsm_explained.html")
    state = """() => { const v = document.querySelector(".fgsm-edu-static"); const q = (s) => v.querySelector(s);
        return { adv: q("img.fgsm-edu-adversarial").src, label: q(".fgsm-edu-label").innerText,
                 readout: q(".fgsm-edu-visibility").innerText, marker: q(".fgsm-edu-marker").getAttribute("cx"),
                 bars: q(".fgsm-edu-bars").innerText, decoded: q("img.fgsm-edu-adversarial").naturalWidth }; }"""
    first = visit.page.evaluate(state)
    top = visit.page.get_attribute(".fgsm-edu-static input.fgsm-edu-slider", "max")
    visit.page.fill(".fgsm-edu-static input.fgsm-edu-slider", str(top))
    visit.page.wait_for_function("() => document.querySelector('.fgsm-edu-static img.fgsm-edu-adversarial').complete")
    last = visit.page.evaluate(state)
    outside, errors = visit.outside, visit.errors
    visit.close()
    assert not outside and not errors, (outside, errors)
    for key in ("adv", "label", "readout", "marker"):
        assert first[key] != last[key], f"{lang}: the slider did not change {key}"
    assert last["decoded"] > 0
    verdicts = [t(k, lang=lang) for k in ("widgets.fooled", "widgets.changed", "widgets.correct", "widgets.unchanged")]
    assert any(v in last["label"] for v in verdicts), last["label"]
    assert t("widgets.prediction", lang=lang, name="", confidence=0.0).split("<b>")[0].strip() in last["label"]
    assert (JAPANESE.search(last["readout"]) is not None) == (lang == "ja"), last["readout"]


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "word"), [("ja", "摂動"), ("en", "perturbation")])
def test_the_sites_search_finds_a_lesson(site: Path, server: str, browser: Any, lang: str, word: str) -> None:
    visit = Visit(browser, server, f"{lang}/search.html?q={word}")
    visit.page.wait_for_function("() => document.querySelectorAll('#search-results li a').length > 0")
    found = visit.page.evaluate("() => Array.from(document.querySelectorAll('#search-results li a'), a => a.href)")
    visit.close()
    assert any(re.search(r"/\d\d_\w+\.html", href) for href in found), found


@pytest.mark.parametrize("lang", LANGS)
def test_pages_carry_their_language(site: Path, lang: str) -> None:
    for path in pages(site):
        if path.parts[-len(path.relative_to(site).parts)] != lang:
            continue
        text = path.read_text(encoding="utf-8")
        assert re.search(rf'<html[^>]* lang="{lang}"', text), path
    lesson = (site / lang / "01_fgsm_explained.html").read_text(encoding="utf-8")
    assert (len(JAPANESE.findall(lesson)) > 1000) == (lang == "ja")


@pytest.mark.parametrize("lang", LANGS)
def test_each_colab_button_opens_the_same_lesson(site: Path, lang: str) -> None:
    for path in lesson_pages(site, lang):
        text = path.read_text(encoding="utf-8")
        links = set(re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', text))
        notebook = f"notebooks/{'ja/' if lang == 'ja' else ''}{path.stem}.ipynb"
        assert links == {COLAB + notebook}, (path, links)
        assert (ROOT / notebook).is_file()


def test_every_page_switches_to_the_same_page_in_the_other_language(site: Path) -> None:
    for path in pages(site):
        links = re.findall(r'class="fgsm-edu-lang-link" href="([^"]+)"', path.read_text(encoding="utf-8"))
        assert len(links) == 1, path
        target = (path.parent / links[0]).resolve()
        assert target.is_file() and target.name == path.name and target.parent.name != path.parent.name, (path, target)


def test_no_internal_link_is_broken(site: Path) -> None:
    broken = []
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"]+)"', text):
            parsed = urlparse(link)
            if parsed.scheme or link.startswith(("#", "//", "mailto:")):
                continue
            target = Path(unquote(urlparse(urljoin(path.as_uri(), link)).path))
            if not target.exists():
                broken.append((path.relative_to(site).as_posix(), link))
    assert not broken, broken[:20]


def test_sizes_are_within_budget(site: Path) -> None:
    total, lessons = site_build.sizes(site)
    assert len(lessons) == 2 * len(LESSONS)
    assert total <= site_build.SITE_BUDGET_MB, f"the site is {total:.1f} MB"
    assert all(mb <= site_build.PAGE_BUDGET_MB for mb in lessons.values()), lessons
