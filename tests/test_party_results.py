"""Savings credited to the right pocket, and what each guarantee paid to whom (issue #11, defects 4 and 8)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_segment_split import mix_contract

from sibkit.cli import main
from sibkit.engine import run
from sibkit.engine.batch import deterministic_batch, stack
from sibkit.load import load_contract, loads
from sibkit.model import Contract, Saving
from sibkit.report.termsheet import render_termsheet
from sibkit.testing import properties
from sibkit.testing import strategies as sst

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"

ONE_PAYER = """
format = 1
name = "Work, with care savings"

[timeline]
start = 2025-01-01
enrolment_months = 1
service_months = 6
term_months = 12

[[payers]]
id = "gemeente"
name = "Gemeente"
{second_payer}

[[providers]]
id = "coach"
name = "Coach"
capacity = 10
enrolment = {{ monthly = [10] }}
cost_per_participant = 100

[[metrics]]
id = "werk"
name = "Work"
observation_months = 3

[[rules]]
type = "rate_card"
id = "card"
entries = [ {{ metric = "werk", price = 1000 }} ]

[[savings]]
metric = "werk"
amount_per_unit = 500
cashable = true
budget = "gemeente"

[[savings]]
metric = "werk"
amount_per_unit = 3000
cashable = true
budget = "Zvw (zorgverzekeraar)"

[[savings]]
metric = "werk"
amount_per_unit = 200
cashable = true

[[scenarios]]
name = "base"
outcomes = [ {{ metric = "werk", rate = 0.5 }} ]
"""

SECOND_PAYER = """share = 0.5

[[payers]]
id = "provincie"
name = "Provincie"
share = 0.5
"""


def contract(*, two_payers: bool = False) -> Contract:
    return loads(ONE_PAYER.format(second_payer=SECOND_PAYER if two_payers else ""), file="savings.toml")


class TestSavingsCredit:
    def test_single_payer_gets_only_its_own_budget(self) -> None:
        """5 of 10 find work. The municipality is credited 5 × €500 = €2,500; the insurer's 5 × €3,000
        and the unnamed 5 × €200 are reported under their own budgets, not credited to the only payer."""
        res = run(contract(), "base")
        (payer,) = res.payers
        assert int(payer.cashable_savings[0]) == 2_500_00
        assert int(res.cashable_savings[0]) == 18_500_00
        got = {b.budget: (b.payer, int(b.cashable[0])) for b in res.budgets}
        assert got == {
            "gemeente": ("gemeente", 2_500_00),
            "Zvw (zorgverzekeraar)": (None, 15_000_00),
            "": (None, 1_000_00),
        }

    def test_several_payers_unnamed_budget_is_nobodys(self) -> None:
        """With two payers the unnamed saving is credited to neither, and the named one only to its payer."""
        res = run(contract(two_payers=True), "base")
        credited = {p.id: int(p.cashable_savings[0]) for p in res.payers}
        assert credited == {"gemeente": 2_500_00, "provincie": 0}

    def test_contributor_budget_is_credited_to_its_fund(self) -> None:
        """Leeuwarden: the saving names the municipality, a contributor of the fund, so the fund is credited."""
        c = load_contract(EXAMPLE)
        res = run(c, "base")
        (fund,) = res.payers
        (budget,) = res.budgets
        assert budget.budget == "gemeente-leeuwarden" and budget.payer == fund.id
        assert np.array_equal(fund.cashable_savings, budget.cashable)

    def test_json_reports_budgets(self) -> None:
        """`sibkit run --json` lists each budget with the payer it is credited to (null: none)."""
        path = ROOT / "tests" / "engine_contracts" / "per-day-savings.toml"
        result = CliRunner().invoke(main, ["run", str(path), "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        first = data[0] if isinstance(data, list) else data
        payer_ids = {p["id"] for p in first["payers"]}
        for b in first["budgets"]:
            assert b["payer"] is None or b["payer"] in payer_ids

    @given(sst.contracts(), st.data())
    @settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=30)
    def test_credited_never_exceeds_own_budgets(self, c: Contract, data: st.DataObject) -> None:
        """Savings credited to a payer never exceed the savings whose budget names it or its contributors,
        and the budgets add up to all savings."""
        budgets = st.sampled_from(["", "elsewhere", *(p.id for p in c.payers)])
        savings = data.draw(
            st.lists(
                st.builds(
                    Saving,
                    metric=st.sampled_from([m.id for m in c.metrics]),
                    amount_per_unit=st.integers(0, 10_000_00),
                    cashable=st.booleans(),
                    budget=budgets,
                ),
                max_size=4,
            )
        )
        c = attrs.evolve(c, savings=tuple(savings))
        res = run(c)
        metric_index = {m.id: k for k, m in enumerate(c.metrics)}
        for payer in res.payers:
            own = sum(
                int(res.outcome_units[0, metric_index[s.metric]]) * s.amount_per_unit
                for s in savings
                if s.cashable and s.budget == payer.id
            )
            assert int(payer.cashable_savings[0]) <= own
            assert int(payer.cashable_savings[0]) == own  # no contributors here: exactly its own
        assert sum(int(b.savings[0]) for b in res.budgets) == int(res.savings[0])
        assert sum(int(b.cashable[0]) for b in res.budgets) == int(res.cashable_savings[0])


class TestGuaranteeResults:
    def test_low_scenario_pays_the_whole_guarantee_to_the_senior_loan(self) -> None:
        """In 'low' the cohort misses its 10% threshold, so nothing is paid for outcomes: the senior loan
        loses its €60,000 and the guarantee pays its maximum, €30,000, to it."""
        res = run(load_contract(SIB), "low")
        (g,) = res.guarantees
        assert (g.id, g.guarantor, g.amount) == ("g", "foundation", 30_000_00)
        assert int(g.paid[0]) == 30_000_00
        assert [(t, int(x[0])) for t, x in g.paid_to] == [("senior", 30_000_00)]
        senior = next(t for t in res.tranches if t.id == "senior")
        assert int(senior.guaranteed[0]) == int(g.paid[0])

    @given(st.decimals(min_value=0, max_value=3, places=2))
    @settings(deadline=None, max_examples=25)
    def test_paid_within_amount_and_equal_to_what_tranches_received(self, success: object) -> None:
        """At any success level, a guarantee pays at most its amount, and what it paid is what the covered
        tranches report as guaranteed."""
        c = load_contract(SIB)
        res = run(c, "base", success)  # type: ignore[arg-type]
        for g in res.guarantees:
            assert 0 <= int(g.paid[0]) <= g.amount
            covered = {t.id: int(t.guaranteed[0]) for t in res.tranches if t.id in dict(g.paid_to)}
            assert covered == {t: int(x[0]) for t, x in g.paid_to}

    def test_run_table_shows_the_guarantee(self) -> None:
        """`sibkit run --lang nl` has a table per guarantee saying what it paid to which tranche."""
        result = CliRunner().invoke(main, ["run", str(SIB), "--scenario", "low", "--lang", "nl"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "Garantie g (gegeven door foundation, ten hoogste €\u00a030.000,00)" in result.output
        assert "betaald aan tranche senior" in result.output


class TestShippedProperties:
    @given(sst.contracts(), st.data())
    @settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=30)
    def test_savings_in_own_budgets(self, c: Contract, data: st.DataObject) -> None:
        """The shipped property holds for generated contracts and batches."""
        batch = data.draw(sst.batches(c, 2))
        properties.savings_in_own_budgets(c, batch)

    def test_savings_property_can_fail(self) -> None:
        """Credited with savings from someone else's budget, the property fails (the old single-payer rule)."""
        c = contract()
        c = attrs.evolve(c, savings=tuple(attrs.evolve(s, budget="gemeente") for s in c.savings))
        batch = deterministic_batch(c, c.scenarios[0])
        properties.savings_in_own_budgets(c, batch)  # all named: holds
        lying = attrs.evolve(c, savings=tuple(attrs.evolve(s, budget="Zvw") for s in c.savings))
        res = properties.savings_in_own_budgets(lying, batch)
        assert int(res.payers[0].cashable_savings[0]) == 0

    def test_segment_mix_respected(self) -> None:
        """The 70/30 reproducer satisfies the shipped property; a batch split 80/20 fails it."""
        c = loads(mix_contract(), file="mix.toml")
        batch = deterministic_batch(c, c.scenarios[0])
        properties.segment_mix_respected(c, batch)
        wrong = batch.enrolled.copy()
        wrong[0, :, 0, :] = 0
        wrong[0, 0, 0, :] = [96, 24]
        with pytest.raises(AssertionError, match="participants away from its share"):
            properties.segment_mix_respected(c, attrs.evolve(batch, enrolled=wrong))


class TestGuaranteeInTermSheet:
    def test_dutch_sheet_has_a_row_per_covered_tranche(self) -> None:
        """The scenario table of the Dutch term sheet says what the guarantee paid, and to whom: all of its
        €30,000 to the senior loan in 'low', nothing in 'mid' and 'base' (the loan is repaid)."""
        text = render_termsheet(load_contract(SIB), "nl", "md", today=dt.date(2026, 12, 4))
        assert "| Garantie g (Foundation): betaald aan senior (Bank) | €\u00a030.000,00 | €\u00a00,00 | €\u00a00,00 |" in text


class TestSavingsPerUnitOfTime:
    def test_a_daily_saving_grows_with_the_days_achieved(self) -> None:
        """A saving on a metric that counts days is a saving per day: 10 of 20 participants housed for 200
        days, paid for at most 180 each, save 10 × 180 × €30 = €54,000 in the care budget (not the city's),
        besides 5 benefit exits × €1,200 = €6,000 for the city."""
        text = (ROOT / "tests" / "engine_contracts" / "per-day-savings.toml").read_text(encoding="utf-8")
        text = text.replace(
            "[[scenarios]]",
            '[[savings]]\nmetric = "housed"\namount_per_unit = 30\ncashable = true\nbudget = "Wmo (zorgkantoor)"\n\n'
            "[[scenarios]]",
        )
        res = run(loads(text, file="per-day.toml"), "base")
        got = {b.budget: (b.payer, int(b.cashable[0])) for b in res.budgets}
        assert got == {"city": ("city", 6_000_00), "Wmo (zorgkantoor)": (None, 54_000_00)}
        assert int(res.payers[0].cashable_savings[0]) == 6_000_00


@pytest.mark.parametrize("path", sorted((ROOT / "contracts").glob("*.toml")), ids=lambda p: p.stem)
def test_payer_outlays_are_the_payers_results(path: Path) -> None:
    """``payer_outlays`` (what the fund's simulation checks each start against, from the engine's arrays alone) is
    each payer's ``paid + vat + fees`` of the full results, on every bundled contract at low and high success."""
    from sibkit.engine.results import payer_outlays, results
    from sibkit.engine.waterfall import run_batch

    c = load_contract(path)
    scenario = c.default_scenario()
    batch = stack([deterministic_batch(c, scenario, s) for s in (Decimal("0.4"), Decimal("1.3"))])
    flows = run_batch(c, batch)
    res = results(c, flows)
    outlays = payer_outlays(c, flows)
    assert list(outlays) == [p.id for p in c.payers]
    for p in res.payers:
        assert np.array_equal(outlays[p.id], p.paid + p.vat + p.fees), p.id
