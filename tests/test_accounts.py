"""Every party's own account (issue #13): what each pays, receives and saves, in total and per budget year."""

from __future__ import annotations

import json
import random

import attrs
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sibkit.engine.accounts as accounts_module
from sibkit.cli import main
from sibkit.engine import run
from sibkit.engine.accounts import Account, accounts
from sibkit.engine.ledger import Ledger
from sibkit.engine.run import default_scenario
from sibkit.errors import ContractFileError, EngineError
from sibkit.load import load_contract, loads
from sibkit.model import Appropriation, Budget, Contract, Party
from sibkit.money import Cents
from sibkit.testing import strategies as sst
from sibkit.testing.properties import reordered

from conftest import EXAMPLE, ROOT

RIKERS = ROOT / "contracts" / "rikers.toml"


def _by_id(accts: tuple[Account, ...]) -> dict[str, Account]:
    return {a.id: a for a in accts}


class TestKnownAnswers:
    def test_the_pilots_contributors_each_pay_half_of_the_base_payments(self) -> None:
        """Leeuwarden, base scenario: the fund pays €333,900 for outcomes and charges its two contributors
        by their equal commitments, €166,950 each (the figure the issue found only by adding up the ledger);
        the fund itself passes the money through (net 0)."""
        res = run(load_contract(EXAMPLE), "base")
        a = _by_id(res.accounts)
        assert int(res.outcome_payments[0]) == 333_900_00
        assert int(a["fno"].pays[0]) == int(a["gemeente-leeuwarden"].pays[0]) == 166_950_00
        assert int(a["resultatenfonds"].net[0]) == 0
        assert a["gemeente-leeuwarden"].roles == ("fund_contributor",)

    def test_the_municipality_is_credited_with_the_welfare_it_saves(self) -> None:
        """The pilot's saving (€8,000 per societal result, cashable, budget 'gemeente-leeuwarden') lands in
        the municipality's account, not FNO's and not the fund's: 54 societal results in the base scenario."""
        res = run(load_contract(EXAMPLE), "base")
        a = _by_id(res.accounts)
        societal = [m.id for m in load_contract(EXAMPLE).metrics].index("maatschappelijk")
        assert int(res.outcome_units[0, societal]) == 54
        assert int(a["gemeente-leeuwarden"].savings[0]) == 54 * 8_000_00
        assert int(a["fno"].savings[0]) == int(a["resultatenfonds"].savings[0]) == 0
        assert int(a["gemeente-leeuwarden"].net_of_savings[0]) == 54 * 8_000_00 - 166_950_00

    def test_a_guarantors_payout_is_its_own_figure(self) -> None:
        """Rikers (no effect): Bloomberg's guarantee pays Goldman Sachs's loss; that payout is Bloomberg's own
        account, equal to what the guarantee paid, and Goldman gets its capital back through it."""
        res = run(load_contract(RIKERS), "base")
        a = _by_id(res.accounts)
        (g,) = res.guarantees
        bloomberg = a["bloomberg-philanthropies"]
        assert "guarantor" in bloomberg.roles
        assert int(bloomberg.pays[0]) == int(g.paid[0]) > 0
        assert int(bloomberg.receives[0]) == 0
        assert int(a["goldman-sachs"].net[0]) == 0

    def test_years_are_budget_years(self) -> None:
        """The pilot runs from 2023: its accounts have the budget years 2023, 2024 and 2025, and FNO's three
        years add up to its total."""
        res = run(load_contract(EXAMPLE), "base")
        fno = _by_id(res.accounts)["fno"]
        assert [y.year for y in fno.years] == [2023, 2024, 2025]
        assert sum(int(y.pays[0]) for y in fno.years) == 166_950_00


class TestBudgetYear:
    @pytest.mark.parametrize(
        ("start", "month", "expected"),
        [(1, 0, 2025), (1, 11, 2025), (1, 12, 2026), (4, 2, 2024), (4, 3, 2025), (4, 14, 2025), (4, 15, 2026)],
    )
    def test_budget_year_of_a_month(self, start: int, month: int, expected: int) -> None:
        """A contract starting in January 2025: with budget years from January, month 12 is 2026; from April,
        March 2025 (month 2) still belongs to budget year 2024 and April 2026 (month 15) starts 2026."""
        c = load_contract(EXAMPLE)
        timeline = attrs.evolve(
            c.timeline, start=c.timeline.start.replace(year=2025, month=1, day=1), fiscal_year_start=start
        )
        assert timeline.budget_year(month) == expected

    def test_a_month_of_the_year_out_of_range_is_refused(self) -> None:
        """`fiscal_year_start = 13` is refused where it is written, in the file's words."""
        text = EXAMPLE.read_text(encoding="utf-8").replace("[timeline]\n", "[timeline]\nfiscal_year_start = 13\n", 1)
        with pytest.raises(ContractFileError) as err:
            loads(text)
        assert "expected a month of the year from 1 to 12, got 13 @ $.timeline.fiscal_year_start" in str(err.value)


class TestBudgets:
    def _with_health_insurer(self, budget: str) -> Contract:
        """The pilot with an outside health insurer owning a 'zvw' budget, and the saving moved to ``budget``."""
        c = load_contract(EXAMPLE)
        insurer = Party(id="zorgverzekeraar", name="De Friesland", kind="health_insurer")
        zvw = Budget(id="zvw", name="Zvw", owner="zorgverzekeraar", kind="zvw")
        savings = tuple(attrs.evolve(s, budget=budget) for s in c.savings)
        return attrs.evolve(c, parties=(insurer,), budgets=(zvw,), savings=savings)

    def test_a_saving_naming_a_budget_is_credited_to_its_owner(self) -> None:
        """Moved to the insurer's Zvw budget, the saving is the insurer's (a budget owner that pays nothing)."""
        a = _by_id(run(self._with_health_insurer("zvw"), "base").accounts)
        assert int(a["zorgverzekeraar"].savings[0]) == 54 * 8_000_00
        assert a["zorgverzekeraar"].roles == ("budget_owner",)
        assert int(a["gemeente-leeuwarden"].savings[0]) == 0

    def test_an_unknown_owner_and_a_budget_id_that_is_a_party_are_refused(self) -> None:
        """A budget names a known owner, and its id is not a party's id."""
        text = EXAMPLE.read_text(encoding="utf-8") + ('\n[[budgets]]\nid = "fno"\nname = "x"\nowner = "nobody"\n')
        with pytest.raises(ContractFileError) as err:
            loads(text)
        message = str(err.value)
        assert "unknown budget owner 'nobody'" in message and "@ $.budgets[0].owner" in message
        assert "budget id 'fno' is also a party's id; give the budget its own id @ $.budgets[0].id" in message

    @given(st.sampled_from(["zvw", "Zvw (elsewhere)", "gemeente-leeuwarden", "fno"]))
    @settings(max_examples=8, deadline=None)
    def test_moving_a_saving_elsewhere_never_raises_the_payers_savings(self, budget: str) -> None:
        """Moving the municipality's saving to another budget (an outside owner, a free text, another
        contributor) never credits the municipality with more than before."""
        before = _by_id(run(load_contract(EXAMPLE), "base").accounts)["gemeente-leeuwarden"].savings
        after = _by_id(run(self._with_health_insurer(budget), "base").accounts)["gemeente-leeuwarden"].savings
        assert np.all(after <= before)


class TestReconciliation:
    @given(sst.contracts())
    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    def test_accounts_reconcile_with_the_payers_results(self, contract: Contract) -> None:
        """For generated contracts: a payer's net plus its contributors' nets is minus what it paid
        (outcome payments net of refunds, VAT and fees), and every party's years add up to its totals."""
        res = run(contract, default_scenario(contract).name)
        a = _by_id(res.accounts)
        for payer, pr in zip(contract.payers, res.payers, strict=True):
            net = a[payer.id].net + sum((a[c.id].net for c in payer.contributors), np.zeros(1, dtype=np.int64))
            assert np.array_equal(-net, pr.paid + pr.vat + pr.fees)
        for acct in res.accounts:
            assert np.array_equal(sum((y.pays for y in acct.years), np.zeros(1, dtype=np.int64)), acct.pays)
            assert np.array_equal(sum((y.receives for y in acct.years), np.zeros(1, dtype=np.int64)), acct.receives)

    @given(st.randoms(use_true_random=False))
    @settings(max_examples=5, deadline=None)
    def test_reordering_parties_changes_no_account(self, rnd: random.Random) -> None:
        """Shuffling the order-free lists of the pilot leaves every party's account as it was."""
        c = load_contract(EXAMPLE)
        before = _by_id(run(c, "base").accounts)
        after = _by_id(run(reordered(c, rnd), "base").accounts)
        assert before.keys() == after.keys()
        for key, acct in before.items():
            other = after[key]
            assert (acct.pays.tolist(), acct.receives.tolist(), acct.savings.tolist()) == (
                other.pays.tolist(),
                other.receives.tolist(),
                other.savings.tolist(),
            )
            assert [(y.year, y.pays.tolist()) for y in acct.years] == [(y.year, y.pays.tolist()) for y in other.years]

    def test_a_ledger_that_does_not_net_to_zero_is_an_engine_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The accounts check the ledger themselves: if its accounts did not net to zero (a movement with
        only one side), the run stops with an internal error instead of printing accounts."""
        c = load_contract(EXAMPLE)
        flows = run(c, "base").flows
        assert len(accounts(c, flows.ledger, flows.schedule.units_paid_for)) == 6
        real = accounts_module._by_account

        def one_sided(ledger: Ledger) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
            paid, received = real(ledger)
            return {**paid, "nobody": np.ones((ledger.n, ledger.months), dtype=np.int64)}, received

        monkeypatch.setattr(accounts_module, "_by_account", one_sided)
        with pytest.raises(EngineError, match="do not net to zero"):
            accounts(c, flows.ledger, flows.schedule.units_paid_for)


class TestCli:
    def test_run_by_total_leaves_the_years_out(self) -> None:
        """`run --by total` shows each party's totals only."""
        result = CliRunner().invoke(
            main, ["run", str(EXAMPLE), "--scenario", "base", "--by", "total", "--lang", "nl"], env={"COLUMNS": "200"}
        )
        assert result.exit_code == 0 and "Rekening: FNO" in result.output and "betaalt in 2024" not in result.output

    def test_run_by_year_in_dutch(self) -> None:
        """`run --lang nl` (budget years by default): what FNO and the municipality each pay per year and in total, and what the
        municipality saves, in Dutch."""
        result = CliRunner().invoke(
            main, ["run", str(EXAMPLE), "--scenario", "base", "--lang", "nl"], env={"COLUMNS": "200"}
        )
        assert result.exit_code == 0, result.output
        out = result.output
        assert "Rekening: FNO (inlegger in het fonds)" in out
        assert "Rekening: Gemeente Leeuwarden (inlegger in het fonds)" in out
        assert "betaalt in 2024" in out and "€\u00a0166.950,00" in out
        assert "verzilverbare besparingen in eigen budgetten" in out and "€\u00a0432.000,00" in out

    def test_json_accounts(self) -> None:
        """`run --json` carries one account per party with its years."""
        result = CliRunner().invoke(main, ["run", str(EXAMPLE), "--scenario", "base", "--json"])
        data = json.loads(result.output)
        acct = {a["id"]: a for a in data["accounts"]}["gemeente-leeuwarden"]
        assert acct["role"] == "fund_contributor"
        assert acct["pays"] == {"cents": 166_950_00, "amount": "166950.00"}
        assert acct["savings"]["cents"] == 432_000_00
        assert sum(y["pays"]["cents"] for y in acct["years"]) == 166_950_00

    def test_explain_says_what_each_party_pays_and_saves(self) -> None:
        """`explain --lang nl` says what FNO and the municipality pay per budget year, and what the municipality
        saves, in plain Dutch."""
        result = CliRunner().invoke(main, ["explain", str(EXAMPLE), "--lang", "nl"])
        assert result.exit_code == 0
        out = result.output.replace("\u00a0", " ")
        assert "## Wat elke partij betaalt en bespaart" in out
        assert "- FNO betaalt € 166.950,00 (per begrotingsjaar: 2023: € 10.675,00; 2024:" in out
        assert "De eigen budgetten besparen € 432.000,00 (verzilverbaar), dus per saldo gaat het er € 265.050,00" in out


class TestMonteCarlo:
    def test_every_draw_charges_the_contributors_what_the_fund_pays(self) -> None:
        """In every simulated scenario, the two contributors together pay exactly what the fund pays for
        outcomes (its cost), and the summary reports each party's account."""
        from sibkit.engine.simulate import simulate, summarise

        c = load_contract(EXAMPLE)
        sim = simulate(c, 500, 7, workers=1)
        m = sim.metrics
        fund_cost = m["payer:resultatenfonds:cost"]
        assert np.array_equal(m["account:resultatenfonds:pays"], fund_cost)
        assert np.array_equal(m["account:fno:pays"] + m["account:gemeente-leeuwarden:pays"], fund_cost)
        summary = {a.id: a for a in summarise(c, sim).accounts}
        assert summary["fno"].pays_p95 <= summary["fno"].pays_maximum
        assert summary["gemeente-leeuwarden"].expected_savings > 0 == summary["fno"].expected_savings


class TestShow:
    def test_show_lists_other_parties_and_budgets(self, tmp_path: object) -> None:
        """`show --lang nl` lists a budget owner outside the contract and its budget, with the budget's kind."""
        from pathlib import Path

        text = EXAMPLE.read_text(encoding="utf-8").replace('budget = "gemeente-leeuwarden"', 'budget = "zvw"')
        text += (
            '\n[[parties]]\nid = "zorgverzekeraar"\nname = "De Friesland"\nkind = "health_insurer"\n'
            '\n[[budgets]]\nid = "zvw"\nname = "Zorgverzekeringswet"\nowner = "zorgverzekeraar"\nkind = "zvw"\n'
        )
        path = Path(str(tmp_path)) / "pilot.toml"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["show", str(path), "--lang", "nl"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "budgethouder" in result.output and "De Friesland" in result.output
        assert "zorgverzekering (Zvw), budget van zorgverzekeraar" in result.output


ACCRUAL = """\
name = "Accrual"

[timeline]
start = 2025-01-01
enrolment_months = 1
service_months = 12
term_months = 24

[[payers]]
id = "gemeente"
name = "Gemeente"
kind = "municipality"

[[providers]]
id = "coach"
name = "Coach"
capacity = 10
enrolment = { monthly = [10] }
cost_per_participant = 2000

[[metrics]]
id = "werk"
name = "Paid work"
observation_months = 6

[[rules]]
type = "tariff"
id = "tarief"
price_per_participant = 3000
components = [{ metric = "werk", weight = 1 }]

[[savings]]
metric = "werk"
amount_per_unit = 1000
months = 12
cashable = true
budget = "gemeente"

[[scenarios]]
name = "base"
outcomes = [{ metric = "werk", rate = 1 }]
"""
"""Ten people start in January 2025 and are all in work six months later (July 2025); each saves the
municipality €1,000 a month of welfare for 12 months: July 2025 to June 2026."""


class TestSavingsOverTime:
    def test_a_monthly_saving_across_a_year_boundary(self) -> None:
        """10 people × €1,000 × 12 months = €120,000, of which July–December (6 months) fall in 2025 and
        January–June in 2026: €60,000 each. With budget years from July, all of it is budget year 2025."""
        c = loads(ACCRUAL)
        (acct,) = [a for a in run(c, "base").accounts if a.id == "gemeente"]
        assert int(acct.savings[0]) == 120_000_00
        assert [(y.year, int(y.savings[0])) for y in acct.years] == [(2025, 60_000_00), (2026, 60_000_00)]
        july = attrs.evolve(c, timeline=attrs.evolve(c.timeline, fiscal_year_start=7))
        (acct,) = [a for a in run(july, "base").accounts if a.id == "gemeente"]
        assert [(y.year, int(y.savings[0])) for y in acct.years if y.savings[0]] == [(2025, 120_000_00)]

    def test_present_value_matches_numpy_financial(self) -> None:
        """The present value of the savings (€10,000 a month in months 6 to 17) at the default 2.25% a year
        equals numpy-financial's NPV at the equivalent monthly rate, to the cent."""
        import numpy_financial as npf

        c = loads(ACCRUAL)
        (acct,) = [a for a in run(c, "base").accounts if a.id == "gemeente"]
        assert acct.present is not None
        monthly = 1.0225 ** (1 / 12) - 1
        flows = [0.0] * 6 + [10_000_00.0] * 12
        assert abs(int(acct.present.savings[0]) - npf.npv(monthly, flows)) <= 0.5
        assert int(acct.present.savings[0]) < int(acct.savings[0])

    def test_recurring_savings_count_in_the_totals(self) -> None:
        """The run's savings totals and the municipality's results count a recurring saving in full."""
        res = run(loads(ACCRUAL), "base")
        assert int(res.cashable_savings[0]) == 120_000_00 == int(res.payers[0].cashable_savings[0])

    @given(sst.contracts())
    @settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    def test_savings_by_year_add_up(self, contract: Contract) -> None:
        """For generated contracts, every party's savings by year add up to its savings, and its present values
        are never above the undiscounted amounts."""
        res = run(contract, default_scenario(contract).name)
        for acct in res.accounts:
            assert sum(int(y.savings[0]) for y in acct.years) == int(acct.savings[0])
            assert acct.present is not None
            assert int(acct.present.savings[0]) <= int(acct.savings[0])
            assert int(acct.present.pays[0]) <= int(acct.pays[0])

    def test_every_draw_keeps_what_a_contributor_pays_per_budget_year(self) -> None:
        """Monte Carlo keeps a payer's and a contributor's payments per budget year: in every draw the years add
        up to the total, and an appropriation below the typical payment of 2024 is exceeded in most draws."""
        from sibkit.engine.simulate import simulate, summarise

        c = load_contract(EXAMPLE)
        fund = c.payers[0]
        town = attrs.evolve(
            fund.contributors[1],
            appropriations=(Appropriation(year=2024, amount=Cents(50_000_00)),),
        )
        c = attrs.evolve(c, payers=(attrs.evolve(fund, contributors=(fund.contributors[0], town)),))
        sim = simulate(c, 500, 11, workers=1)
        m = sim.metrics
        years = [k for k in m if k.startswith("account:gemeente-leeuwarden:pays:")]
        assert sorted(years) == [f"account:gemeente-leeuwarden:pays:{y}" for y in (2023, 2024, 2025)]
        assert np.array_equal(sum(m[k] for k in years), m["account:gemeente-leeuwarden:pays"])
        (risk,) = [a for a in summarise(c, sim).accounts if a.id == "gemeente-leeuwarden"]
        (y2024,) = [y for y in risk.years if y.year == 2024]
        assert y2024.appropriated == 50_000_00
        assert y2024.chance_over_appropriation is not None and y2024.chance_over_appropriation > 0.5
        assert y2024.excess_p95 is not None and y2024.excess_p95 == pytest.approx(
            float(np.percentile(np.maximum(m["account:gemeente-leeuwarden:pays:2024"] - 50_000_00, 0), 95))
        )
        assert all(y.appropriated is None for y in risk.years if y.year != 2024)

    def test_every_draw_places_the_savings_in_budget_years(self) -> None:
        """In every simulated draw the municipality's savings per budget year add up to its savings, and the
        recurring saving of the accrual contract reaches 2026 in every draw where someone found work."""
        from sibkit.engine.results import results
        from sibkit.engine.simulate import sample
        from sibkit.engine.waterfall import run_batch

        c = load_contract(EXAMPLE)
        res = results(c, run_batch(c, sample(c, 400, 5), detail=False))
        (town,) = [a for a in res.accounts if a.id == "gemeente-leeuwarden"]
        assert all(y.savings is not None for y in town.years)
        assert np.array_equal(sum(y.savings for y in town.years if y.savings is not None), town.savings)
        accrual = loads(ACCRUAL)
        res = results(accrual, run_batch(accrual, sample(accrual, 200, 5), detail=False))
        (payer,) = [a for a in res.accounts if a.id == "gemeente"]
        by_year = {y.year: y.savings for y in payer.years if y.savings is not None}
        assert np.array_equal(by_year[2025] + by_year[2026], payer.savings)
        worked = payer.savings > 0
        assert np.all(by_year[2026][worked] > 0)


class TestOneRuleForSavingsOwners:
    def test_a_named_budget_credits_its_owners_fund_in_results_as_in_accounts(self) -> None:
        """The pilot's welfare saving moved to a ``[[budgets]]`` entry owned by the municipality (a contributor
        of the fund) is still credited to the fund, as the accounts credit it to the municipality. Before,
        the payer's results read the budget name as a party id and credited the saving to nobody."""
        text = EXAMPLE.read_text(encoding="utf-8")
        named = text.replace('budget = "gemeente-leeuwarden"', 'budget = "participatie"') + (
            '\n[[budgets]]\nid = "participatie"\nname = "Participatiebudget"\nowner = "gemeente-leeuwarden"\n'
        )
        plain, owned = run(loads(text), "base"), run(loads(named), "base")
        assert [(b.budget, b.payer) for b in owned.budgets] == [("participatie", "resultatenfonds")]
        for p, q in zip(plain.payers, owned.payers, strict=True):
            assert np.array_equal(p.cashable_savings, q.cashable_savings) and int(p.cashable_savings[0]) > 0
        before, after = _by_id(plain.accounts)["gemeente-leeuwarden"], _by_id(owned.accounts)["gemeente-leeuwarden"]
        assert np.array_equal(before.savings, after.savings) and int(after.savings[0]) > 0
