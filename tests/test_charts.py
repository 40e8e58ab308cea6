"""Charts: payoff curves and cumulative cash, rendered to SVG and PNG (``sibkit.report.charts``)."""

from __future__ import annotations

import re

import attrs
import pytest

from sibkit.engine import run
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.report import charts
from sibkit.report.charts import payoff_chart, waterfall_chart
from sibkit.sweep import Sweep, parse_range, sweep

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sib() -> Contract:
    return load_contract(SIB)


@pytest.fixture(scope="module")
def sib_sweep(sib: Contract) -> Sweep:
    return sweep(sib, parse_range("0:2:41"))


@pytest.fixture(scope="module")
def leeuwarden() -> Contract:
    return load_contract(EXAMPLE)


def _svg_text(data: bytes) -> str:
    text = data.decode("utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    return text


class TestPayoffChart:
    """``payoff_chart``: payer cost, provider margin and IRR against the success level."""

    def test_renders_svg_and_png(self, sib_sweep: Sweep, sib: Contract) -> None:
        """Both formats give a non-empty image: an SVG document and PNG bytes."""
        _svg_text(payoff_chart(sib_sweep, sib, "svg"))
        png = payoff_chart(sib_sweep, sib, "png")
        assert png.startswith(PNG_MAGIC) and len(png) > 1000

    def test_svg_is_identical_across_calls(self, sib_sweep: Sweep, sib: Contract) -> None:
        """Same input, same bytes: no date and fixed element ids."""
        first = payoff_chart(sib_sweep, sib)
        assert first == payoff_chart(sib_sweep, sib)
        assert b"<dc:date>" not in first

    def test_legend_names_every_party(self, sib_sweep: Sweep, sib: Contract) -> None:
        """The payer, the provider and both tranches appear by id in the legend, as text."""
        text = _svg_text(payoff_chart(sib_sweep, sib))
        for label in ("city: cost (payer)", "prov: margin (provider)", "senior: IRR (tranche, bank)", "sub: IRR"):
            assert label in text, label

    def test_break_even_levels_are_labelled(self, sib_sweep: Sweep, sib: Contract) -> None:
        """The senior's jump at 0.5 and the sub lender's principal-back point carry labels."""
        text = _svg_text(payoff_chart(sib_sweep, sib))
        assert "senior: principal back" in text and "sub: principal back" in text

    def test_contract_without_tranches_has_no_irr_panel(self, leeuwarden: Contract) -> None:
        """Leeuwarden has no investor: one panel, no empty IRR panel (a council member read an empty panel as
        missing data); the payer and both providers are in the legend."""
        svg = payoff_chart(sweep(leeuwarden, parse_range("0:1.5:31")), leeuwarden).decode()
        text = _svg_text(svg.encode())
        assert svg.count('<g id="axes_') == 1
        assert "IRR" not in text
        for party in ("resultatenfonds", "wijkbedrijf-bilgaard", "dreamfabryk"):
            assert f"{party}: " in text, party
        assert "dreamfabryk: margin 0" in text

    def test_labels_come_from_one_dict(self, sib_sweep: Sweep, sib: Contract, monkeypatch: pytest.MonkeyPatch) -> None:
        """Replacing a text in ``LABELS`` (as a translation will) changes the chart."""
        monkeypatch.setitem(charts.LABELS, "irr_panel", "Rendement per tranche")
        assert "Rendement per tranche" in _svg_text(payoff_chart(sib_sweep, sib))

    def test_unknown_format_is_refused(self, sib_sweep: Sweep, sib: Contract) -> None:
        """Only svg and png are offered."""
        with pytest.raises(ValueError, match="expected the format svg or png, got 'pdf'"):
            payoff_chart(sib_sweep, sib, "pdf")  # type: ignore[arg-type]


class TestWaterfallChart:
    """``waterfall_chart``: cumulative cash per party over the term, for one scenario."""

    def test_renders_svg_and_png(self, sib: Contract) -> None:
        """Both formats give a non-empty image."""
        res = run(sib, "base")
        _svg_text(waterfall_chart(res, sib, fmt="svg"))
        assert waterfall_chart(res, sib, fmt="png").startswith(PNG_MAGIC)

    def test_svg_is_identical_across_calls(self, leeuwarden: Contract) -> None:
        """Same results, same bytes."""
        res = run(leeuwarden)
        assert waterfall_chart(res, leeuwarden) == waterfall_chart(res, leeuwarden)

    def test_legend_names_every_party(self, sib: Contract) -> None:
        """Payer, provider and tranches (with their investor) appear by id in the legend."""
        text = _svg_text(waterfall_chart(run(sib, "base"), sib))
        for label in ("city (payer)", "prov (provider)", "senior (tranche, bank)", "sub (tranche, fund)"):
            assert label in text, label

    def test_picks_one_scenario_of_a_sweep(self, sib: Contract, sib_sweep: Sweep) -> None:
        """Any scenario of a batch can be drawn; the chart differs between a level that pays and one that does not."""
        res = sib_sweep.results
        assert waterfall_chart(res, sib, scenario_index=0) != waterfall_chart(res, sib, scenario_index=20)

    def test_scenario_out_of_range_is_refused(self, sib: Contract) -> None:
        """A single run has only scenario 0."""
        with pytest.raises(ValueError, match="scenario_index must be from 0 to 0, got 1"):
            waterfall_chart(run(sib), sib, scenario_index=1)


class TestLocale:
    """Numbers on the charts follow the term sheet's language: ``100.000`` and ``0,5`` in Dutch."""

    GROUPED_DOT = re.compile(r">−?-?\d{1,3}(\.\d{3})+<")
    GROUPED_COMMA = re.compile(r">−?-?\d{1,3}(,\d{3})+<")
    DECIMAL_COMMA = re.compile(r">\d+,\d+<")

    def test_dutch_charts_group_with_dots_and_mark_decimals_with_commas(
        self, sib_sweep: Sweep, sib: Contract, leeuwarden: Contract
    ) -> None:
        cash = waterfall_chart(run(leeuwarden), leeuwarden, locale="nl_NL").decode()
        assert self.GROUPED_DOT.search(cash) and not self.GROUPED_COMMA.search(cash)
        payoff = payoff_chart(sib_sweep, sib, locale="nl_NL").decode()
        assert self.DECIMAL_COMMA.search(payoff)  # success levels 0,00 … 2,00
        assert self.GROUPED_DOT.search(payoff) and not self.GROUPED_COMMA.search(payoff)

    def test_english_charts_group_with_commas(self, leeuwarden: Contract) -> None:
        cash = waterfall_chart(run(leeuwarden), leeuwarden).decode()
        assert self.GROUPED_COMMA.search(cash) and not self.GROUPED_DOT.search(cash)

    def test_distribution_counts_and_percentiles_in_dutch(self, leeuwarden: Contract) -> None:
        costs = [1_234_567_00, 2_345_678_00, 3_456_789_00] * 400
        svg = charts.distribution_chart(costs, leeuwarden, locale="nl_NL").decode()
        assert "1.200" in svg  # the number of scenarios in the title
        assert self.GROUPED_DOT.search(svg) and not self.GROUPED_COMMA.search(svg)


class TestContractName:
    def test_dollar_signs_and_backslashes_are_shown_as_written(self, sib_sweep: Sweep, sib: Contract) -> None:
        """A name matplotlib would read as (broken) mathematical notation is drawn as written, in every chart."""
        named = attrs.evolve(sib, name=r"Pilot $\frac{ and $5 \o")
        for svg in (
            payoff_chart(sib_sweep, named).decode(),
            waterfall_chart(run(named), named).decode(),
            charts.distribution_chart([100_00, 200_00], named).decode(),
        ):
            assert r"Pilot $\frac{ and $5 \o" in svg
