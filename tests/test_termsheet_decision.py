"""Page 1 of the term sheet (the decision summary) and the value-for-money section.

Known answers are worked out from the Leeuwarden contract's own terms, not printed by the engine:
180 planned participants × €3,500 a participant = €630,000 at most (the fund's €700,000 cap does not
bind), split equally between its two contributors (€315,000 each: equal commitments of €350,000).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sibkit.i18n import Language
from sibkit.load import load_contract
from sibkit.report.termsheet import compute, render_termsheet, termsheet_view
from sibkit.report.termsheet.decision import _at_most, _funders
from sibkit.report.termsheet.writer import Writer

from conftest import EXAMPLE, ROOT

TODAY = dt.date(2024, 6, 1)
BUNDLED = sorted((ROOT / "contracts").glob("*.toml")) + sorted((ROOT / "tests" / "engine_contracts").glob("*.toml"))


@pytest.fixture(scope="module")
def dutch() -> str:
    # Babel writes "€ 3.500,00" with a no-break space; compared here with a plain one
    return render_termsheet(load_contract(EXAMPLE), "nl", "md", today=TODAY).replace("\u00a0", " ")


class TestPageOne:
    def test_the_summary_comes_first_in_dutch(self, dutch: str) -> None:
        """The decision summary is the first section, before the parties, with its six parts."""
        summary = dutch.index("## Samenvatting voor het besluit")
        assert summary < dutch.index("## 1. Partijen en rollen")
        page_one = dutch[summary : dutch.index("## 1. Partijen en rollen")]
        for heading in (
            "### Wat elke betaler betaalt",
            "### Besparingen",
            "### Kasstand van de aanbieders",
            "### Belangrijkste bevindingen",
            "### Gevraagd besluit",
        ):
            assert heading in page_one, heading

    def test_each_contributor_commits_half_of_the_maximum(self, dutch: str) -> None:
        """180 × €3,500 = €630,000 at most, €315,000 for each contributor (equal commitments)."""
        page_one = dutch[: dutch.index("## 1. Partijen en rollen")]
        fund = next(line for line in page_one.splitlines() if line.startswith("| Resultatenfonds Leeuwarden Oost |"))
        assert fund.split("|")[-2].strip() == "€ 630.000,00"
        assert "FNO ten hoogste € 315.000,00 en Gemeente Leeuwarden ten hoogste € 315.000,00" in page_one

    def test_savings_land_with_the_municipality(self, dutch: str) -> None:
        """The contract's savings name the municipality's welfare budget: they are credited to it, not to
        the fund that pays, nor to FNO."""
        page_one = dutch[: dutch.index("## 1. Partijen en rollen")]
        assert "Gemeente Leeuwarden: € " in page_one and "aan verzilverbare besparingen in de eigen begroting" in (
            page_one
        )
        assert "FNO: € " not in page_one.split("### Besparingen")[1].split("###")[0]

    def test_investors_and_guarantors_when_there_are_any(self) -> None:
        """Leeuwarden has neither, and says so once, with the providers' cash; the SIB contract has both: each
        tranche's money drawn, IRR and loss, and what the guarantee pays in the low and the base scenario."""
        leeuwarden = termsheet_view(load_contract(EXAMPLE), "en", today=TODAY)["decision"]
        assert leeuwarden["capital"] == []
        assert leeuwarden["providers"][0] == (
            "There are no investors or guarantors: the providers pre-finance the work themselves."
        )
        sib = termsheet_view(
            load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"), "en", today=TODAY
        )
        capital = sib["decision"]["capital"]
        assert [line.split(":")[0] for line in capital] == [
            "senior (Bank)",
            "sub (Impact fund)",
            "Guarantee g (Foundation)",
        ]
        # the guarantee covers the senior's loss up to its amount: in 'low' nothing is paid and it pays all of it
        assert "Guarantee g (Foundation): pays up to €30,000.00; €30,000.00 in 'low'" in capital[2]

    def test_at_most_three_findings_with_their_remedy(self, dutch: str) -> None:
        page_one = dutch[: dutch.index("## 1. Partijen en rollen")]
        findings = page_one.split("### Belangrijkste bevindingen")[1].split("###")[0]
        assert findings.count("Maatregel:") == 3

    def test_simulation_adds_the_p95_column(self) -> None:
        view = termsheet_view(load_contract(EXAMPLE), "en", today=TODAY, simulate_n=500)
        assert view["decision"]["pays"]["headers"][-1] == "P95"
        assert "P95: in 1 of 20 of the 500 simulated scenarios it pays more." in view["decision"]["pays"]["note"]
        assert all(len(row) == len(view["decision"]["pays"]["headers"]) for row in view["decision"]["pays"]["rows"])


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: Path(p).stem)
def test_at_most_is_never_below_what_a_scenario_pays(path: Path) -> None:
    """Found by an independent check: a "maximum" below what was paid. For every bundled contract, every
    payer and contributor: the "at most" of page 1 is at least what it pays in every scenario shown and at
    least the engine's maximum potential outcome payment of a payer (which leaves out VAT and fees)."""
    contract = load_contract(path)
    comp = compute(contract, None)
    w = Writer(contract, Language("en"), TODAY, comp)
    for account in _funders(w):
        most = _at_most(w, account)
        if most is None:
            continue
        for run in comp.runs:
            paid = int(next(a for a in run.accounts if a.id == account.id).pays[0])
            assert most >= paid, (account.id, most, paid)
        bound = comp.maximum.by_payer.get(account.id)
        if bound is not None:
            assert most >= bound, (account.id, most, bound)


class TestValueForMoney:
    def test_present_values_are_below_the_amounts(self) -> None:
        """Discounted at 2.25% a year, a payment after the start is worth less at the start."""
        view = termsheet_view(load_contract(EXAMPLE), "en", today=TODAY)
        vfm = view["value_for_money"]
        assert "2.25%" in vfm["intro"]
        rows = {row[0]: row for row in vfm["rows"]}
        assert "Resultatenfonds Leeuwarden Oost" not in rows  # its contributors carry its cost

        def cents(text: str) -> int:
            return round(float(text.replace("€", "").replace(",", "").replace("\u00a0", "").strip()) * 100)

        for name in ("FNO", "Gemeente Leeuwarden"):
            assert 0 < cents(rows[name][4]) < cents(rows[name][1])

    def test_savings_cover_the_cost_at_every_level(self) -> None:
        """The municipality saves €432,000 in the base scenario against €166,950 it pays: every result saves
        more than it costs, so its savings cover what it pays at every level swept."""
        view = termsheet_view(load_contract(EXAMPLE), "en", today=TODAY)
        assert view["value_for_money"]["break_even"] == [
            "Gemeente Leeuwarden: its savings cover what it pays at every level from 0× to 1.5×."
        ]


def test_scenarios_are_named_in_the_sheets_language(dutch: str) -> None:
    """Scenario names are ids (``--scenario base``); their labels are what readers see: the Dutch sheet says
    laag, basis and hoog, and never the English ids."""
    body = "\n".join(line for line in dutch.splitlines() if "data:image" not in line)
    assert "| Partij | laag | basis | hoog | Ten hoogste |" in body
    for english in ("'base'", "'low'", "'high'", "| low |", "| base |"):
        assert english not in body, english
