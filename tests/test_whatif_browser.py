"""The what-if page in a real headless Chromium, driven by Playwright's Python package.

The browser is the system's Chromium (``find_chromium``: Debian's ``chromium`` or ``SIBKIT_CHROMIUM``,
which ``.ci/install-chromium`` installs), never one Playwright downloads. Without Chromium or Playwright
these tests skip, except when the environment variable ``CI`` is set: then they fail, so that CI cannot
pass without running them (as the term sheet's PDF tests).

The page is served at a made-up address by Playwright's router, which answers that one address and
records and refuses every other request: a page that asked for anything would fail ``no_requests``.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from whatif_support import run_json_cents, run_json_months

from sibkit.cli import main
from sibkit.i18n import Language
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.report.pdf import find_chromium
from sibkit.report.whatif import build_grid, parse_lever, point_results, render_whatif
from sibkit.report.whatif.grid import Grid, _red_checks

from conftest import EXAMPLE

CI = bool(os.environ.get("CI"))
URL = "http://whatif.invalid/page.html"
LEVERS = (
    "success=0.5:1.5:3",
    "enrolment.dreamfabryk=0.8:1:2",
    "price=3000:4000:3",
    "buffer.dreamfabryk=0:15000:2",
    "frequency=monthly,annual",
    "cap=300000:700000:2",
)
"""A grid with every kind of lever the pilot has, small enough to build in a few seconds."""


def _require(what: str) -> None:
    """Skip for want of ``what``; fail instead under CI, where it must be installed."""
    if CI:
        pytest.fail(f"CI is set but {what} was not found: .ci/install-chromium and the test extra install it")
    pytest.skip(f"{what} not found (install the chromium package and the test extra)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless system Chromium under Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("Playwright (pip install -e '.[test]')")
    chromium = find_chromium()
    if chromium is None:
        _require("Chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def pilot() -> Contract:
    return load_contract(EXAMPLE)


@pytest.fixture(scope="module")
def built(pilot: Contract) -> tuple[Grid, str]:
    grid = build_grid(pilot, tuple(parse_lever(s, pilot) for s in LEVERS))
    return grid, render_whatif(pilot, grid, "nl")


class Page:
    """One tab showing ``html`` at ``URL``, with every other request recorded and refused."""

    def __init__(self, browser: Any, html: str) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

        def route(r: Any) -> None:
            if r.request.url.split("#")[0] == URL:
                r.fulfill(body=html, content_type="text/html; charset=utf-8")
            else:
                self.requests.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)

    def open(self, fragment: str = "") -> None:
        self.page.goto(URL + fragment)
        self.page.wait_for_selector("body[data-ready=true]", timeout=15000)

    def cents(self) -> dict[str, int | None]:
        found: dict[str, str] = self.page.eval_on_selector_all(
            "[data-cents]", "els => Object.fromEntries(els.map(e => [e.dataset.key, e.dataset.cents]))"
        )
        return {k: (int(v) if v != "" else None) for k, v in found.items()}

    def values(self) -> dict[str, str]:
        found: dict[str, str] = self.page.eval_on_selector_all(
            "[data-value]", "els => Object.fromEntries(els.map(e => [e.dataset.key, e.dataset.value]))"
        )
        return found

    def exact(self) -> set[str]:
        found: list[str] = self.page.eval_on_selector_all("[data-key]", "els => els.map(e => e.dataset.exact)")
        return set(found)

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def tab(browser: Any, built: tuple[Grid, str]) -> Iterator[Page]:
    """A tab on the small grid's Dutch page; after the test, no request has left it and no script failed."""
    page = Page(browser, built[1])
    yield page
    page.close()
    assert page.requests == []
    assert page.errors == []


def _check(tab: Page, pilot: Contract, setting: dict[str, str]) -> None:
    expected = run_json_cents(pilot, setting)
    got = tab.cents()
    assert {k: got[k] for k in expected if k in got} == {k: expected[k] for k in expected if k in got}, setting
    assert len(got) >= 20
    months = tab.values()
    for key, month in run_json_months(pilot, setting).items():
        assert months[key] == str(month)
    assert tab.exact() == {"true"}


class TestWhatifPage:
    def test_opens_at_the_default_scenario(self, tab: Page, pilot: Contract) -> None:
        """Without a fragment the page shows what ``sibkit run --scenario base --json`` prints, to the cent,
        written as Babel writes Dutch money."""
        tab.open()
        _check(tab, pilot, {})
        printed = json.loads(CliRunner().invoke(main, ["run", str(EXAMPLE), "--scenario", "base", "--json"]).stdout)
        got = tab.cents()
        for a in printed["accounts"]:
            for field in ("pays", "receives", "net", "savings", "net_of_savings"):
                # a party whose account never moves (an evaluator without a fee) is left off the page
                assert got.get(f"accounts.{a['id']}.{field}", 0) == a[field]["cents"]
        for p in printed["payers"]:
            assert got[f"payers.{p['id']}.paid"] == p["paid"]["cents"]
            assert got[f"payers.{p['id']}.cost_per_outcome"] == p["cost_per_outcome"]["cents"]
        for p in printed["providers"]:
            assert got[f"providers.{p['id']}.lowest_cash"] == p["lowest_cash"]["cents"]
            assert tab.values()[f"providers.{p['id']}.lowest_cash_month"] == str(p["lowest_cash_month"])
        fno = tab.page.text_content('[data-key="accounts.fno.pays"]')
        assert fno == Language("nl").money(run_json_cents(pilot, {})["accounts.fno.pays"] or 0, "EUR")

    def test_sampled_grid_points_equal_the_engine(self, tab: Page, pilot: Contract, built: tuple[Grid, str]) -> None:
        """At a sample of grid points, opened by URL fragment, every figure equals ``sibkit run --json`` of the
        same contract variant (built by hand), to the cent."""
        grid = built[0]
        rng = random.Random(16)
        for _ in range(6):
            setting = {lv.name: str(rng.choice(lv.levels)) for lv in grid.levers}
            tab.open("#" + "&".join(f"{k}={v}" for k, v in setting.items()))
            _check(tab, pilot, setting)

    def test_keyboard_moves_a_slider(self, tab: Page) -> None:
        """The arrow keys move a focused slider: one step is between two grid points (figures marked as
        estimated), four steps reach the next grid point (exact again, and in the URL fragment)."""
        tab.open()
        before = tab.cents()
        slider = tab.page.locator('input[data-lever="price"]')
        slider.focus()
        tab.page.keyboard.press("ArrowRight")
        assert tab.cents() != before
        assert tab.exact() == {"false"}
        assert tab.page.text_content('[data-key="accounts.fno.pays"]').startswith("≈\u00a0")  # type: ignore[union-attr]
        for _ in range(3):
            tab.page.keyboard.press("ArrowRight")
        assert tab.exact() == {"true"}
        assert tab.page.evaluate("location.hash") == "#price=4000"

    def test_reset_and_large_print(self, tab: Page) -> None:
        """Reset brings every slider back to the contract as written and clears the fragment; large print
        is a toggle button."""
        tab.open("#success=0.5&price=3000")
        assert tab.page.input_value('input[data-lever="success"]') == "0"
        tab.page.click("#reset")
        assert tab.page.input_value('input[data-lever="success"]') == "4"
        assert tab.page.evaluate("location.hash") == ""
        tab.page.click("#presenter")
        assert tab.page.get_attribute("#presenter", "aria-pressed") == "true"
        assert tab.page.evaluate("document.body.classList.contains('presenter')")

    def test_every_slider_is_labelled(self, tab: Page) -> None:
        """Every slider has a label and a spoken value (WCAG: name and value)."""
        tab.open()
        labels = tab.page.eval_on_selector_all(
            "input[type=range]",
            "els => els.map(e => [e.labels.length, e.getAttribute('aria-valuetext')])",
        )
        assert len(labels) == len(LEVERS)
        assert all(n == 1 and text for n, text in labels)


class TestMarkupInNames:
    def test_names_with_markup_are_text(self, browser: Any, tmp_path: Path) -> None:
        """A contract whose names hold ``<script>`` shows them as text: no script of theirs runs."""
        evil = "FNO</script><script>window.pwned=1</script><b>x</b>"
        text = EXAMPLE.read_text(encoding="utf-8").replace('name = "FNO"', f'name = "{evil}"')
        path = tmp_path / "evil.toml"
        path.write_text(text, encoding="utf-8")
        c = load_contract(path)
        html = render_whatif(c, build_grid(c, (parse_lever("success=0.5:1.5:3", c),), checks=False), "en")
        tab = Page(browser, html)
        try:
            tab.open()
            assert tab.page.evaluate("typeof window.pwned") == "undefined"
            names = tab.page.eval_on_selector_all("th[scope=row]", "els => els.map(e => e.textContent)")
            assert evil in names
            assert tab.requests == []
        finally:
            tab.close()


class TestInvestorsPage:
    def test_irr_and_multiple_are_written_as_babel_writes_them(self, browser: Any) -> None:
        """At every grid point of a contract with investors (with and without them, with a payment lag that
        pushes the payments past the term), each tranche's IRR and multiple read as ``sibkit`` writes them
        in English, negative IRRs with their sign, and carry the engine's value."""
        from conftest import ROOT

        c = load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml")
        levers = tuple(parse_lever(s, c) for s in ("success=0:2:3", "investor", "lag=0:2:2"))
        grid = build_grid(c, levers, checks=False)
        en = Language("en")
        tab = Page(browser, render_whatif(c, grid, "en"))
        try:
            seen_negative = False
            for s, success in enumerate(levers[0].levels):
                for on in (0, 1):
                    for k, lag in enumerate(levers[2].levels):
                        tab.open(f"#success={success}&investor={on}&lag={lag}")
                        at = grid.flat((s, on, k))
                        for t in c.tranches:
                            irr = grid.series[f"tranches.{t.id}.irr"][at]
                            multiple = grid.series[f"tranches.{t.id}.multiple"][at]
                            irr_text = tab.page.text_content(f'[data-key="tranches.{t.id}.irr"]')
                            multiple_text = tab.page.text_content(f'[data-key="tranches.{t.id}.multiple"]')
                            assert irr_text == ("–" if irr is None else en.rate(irr))
                            assert multiple_text == ("–" if multiple is None else en.multiple(multiple))
                            seen_negative = seen_negative or (irr is not None and irr < 0)
            assert seen_negative
            assert tab.requests == [] and tab.errors == []
        finally:
            tab.close()


class TestChecksAndExactFragment:
    def test_checks_at_a_point_three_levers_away(self, tab: Page, pilot: Contract, built: tuple[Grid, str]) -> None:
        """At a grid point three levers away from the contract as written, the page lists the checks that
        turn red there (not the "not computed" note): the codes of ``run_checks`` at that point, in order."""
        grid = built[0]
        setting = {"success": "0.5", "price": "3000", "frequency": "annual"}
        tab.open("#" + "&".join(f"{k}={v}" for k, v in setting.items()))
        indices = tuple(
            lv.levels.index(Decimal(setting[lv.name]) if lv.unit != "choice" else setting[lv.name])
            if lv.name in setting
            else lv.default
            for lv in grid.levers
        )
        expected = [f.code for f in _red_checks(*point_results(pilot, grid.levers, indices))]
        assert expected
        items = tab.page.eval_on_selector_all("#checks li", "els => els.map(e => [e.className, e.dataset.code || ''])")
        assert [code for _, code in items] == expected
        assert all("note" not in cls and "approx" not in cls for cls, _ in items)

    def test_between_grid_points_the_nearest_checks_marked_approximate(
        self, tab: Page, built: tuple[Grid, str]
    ) -> None:
        """Between grid points the page shows the findings of the nearest grid point, after a note with ≈."""
        grid = built[0]
        tab.open("#success=0.6&price=3100&frequency=annual")
        nearest = tuple({"success": 0, "price": 0, "frequency": 1}.get(lv.name, lv.default) for lv in grid.levers)
        items = tab.page.eval_on_selector_all("#checks li", "els => els.map(e => [e.className, e.textContent])")
        assert items[0][0] == "note" and items[0][1].startswith("≈")
        assert len(items) - 1 == len(grid.checks[nearest]) > 0
        assert all("approx" in cls for cls, _ in items[1:])
        assert tab.page.get_attribute("#checks", "data-exact") == "false"

    def test_a_fragment_value_is_taken_exactly(self, tab: Page, built: tuple[Grid, str]) -> None:
        """``#success=0.8&price=4000`` shows 0,8× and € 4.000 on the sliders' read-outs, and each money figure
        is the linear interpolation at exactly 0.8 between the grid's levels 0.5 and 1 (rounded to the cent
        as the page rounds), marked ≈; the fragment is left as it was given."""
        grid = built[0]
        tab.open("#success=0.8&price=4000")
        assert tab.page.text_content("#lever-0-value") == "0,8×"
        price = next(i for i, lv in enumerate(grid.levers) if lv.name == "price")
        assert tab.page.text_content(f"#lever-{price}-value") == "€\u00a04.000"
        low = tuple(
            0 if lv.name == "success" else lv.levels.index(Decimal(4000)) if lv.name == "price" else lv.default
            for lv in grid.levers
        )
        high = (1, *low[1:])
        t = (0.8 - 0.5) / (1.0 - 0.5)
        w = (0 + t) - 0  # the page's fractional index, less its floor
        got = tab.cents()
        for key, value in got.items():
            a, b = grid.series[key][grid.flat(low)], grid.series[key][grid.flat(high)]
            if a is None or b is None:
                continue
            assert value == math.floor(0.0 + (1 - w) * a + w * b + 0.5), key
        assert tab.exact() == {"false"}
        assert tab.page.evaluate("location.hash") == "#success=0.8&price=4000"
