"""The test contracts of the engine, with results worked out by hand.

Each expected number is derived in the docstring or comment beside it from the
contract's own terms, not copied from the engine's output.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import numpy as np
import numpy_financial as npf
import pytest

from sibkit.engine import deterministic_batch, run
from sibkit.engine.ledger import COSTS, OTHER_INCOME
from sibkit.engine.maximum import maximum_payment
from sibkit.engine.schedule import schedule
from sibkit.load import load_contract
from sibkit.model import Cap, Fee, ScenarioOutcome, Termination, Tier
from sibkit.model.waterfall import FeesStep
from sibkit.money import Cents

from conftest import ROOT

CONTRACTS = ROOT / "tests" / "engine_contracts"


def contract(name: str):  # type: ignore[no-untyped-def]
    return load_contract(CONTRACTS / f"{name}.toml")


class TestSeniorSubordinatedGuarantee:
    """sib-guarantee.toml: senior €60,000 at 12% a year, subordinated €40,000 at 0%, both drawn in month 0
    to pay the provider's €100,000 cost; 100 participants, baseline 2.0 events each; €5,000 per event
    avoided from a 10% reduction; everything is paid at the end of month 23."""

    def test_base_pays_interest_principal_then_residual(self) -> None:
        """20% reduction → 2.0 × 100 × 0.2 = 40 events × €5,000 = €200,000. Senior interest: 1% a month on
        €60,000 for months 1–23 = 23 × €600 = €13,800; then principal €60,000 and €40,000; the residual
        €86,200 splits 50/50: €43,100 to the subordinated lender and €43,100 to the revolving fund."""
        res = run(contract("sib-guarantee"), "base")
        senior, sub = res.tranches
        assert int(res.outcome_payments[0]) == 200_000_00
        assert int(senior.returned[0]) == 60_000_00 + 13_800_00
        assert int(sub.returned[0]) == 40_000_00 + 43_100_00
        assert int(res.flows.ledger.total(target="revolving-fund")[0]) == 43_100_00
        assert int(senior.loss[0]) == 0 and int(sub.loss[0]) == 0

    def test_senior_irr_matches_numpy_financial(self) -> None:
        """The senior flows are -60,000 in month 0 and +73,800 in month 23: IRR from numpy-financial, annualised."""
        res = run(contract("sib-guarantee"), "base")
        flows = [-60_000.0] + [0.0] * 22 + [73_800.0]
        expected = (1 + npf.irr(flows)) ** 12 - 1
        assert res.tranches[0].irr[0] == pytest.approx(expected, abs=1e-9)
        assert res.tranches[0].multiple[0] == pytest.approx(73_800 / 60_000)

    def test_mid_repays_senior_and_part_of_subordinated(self) -> None:
        """10% reduction → 20 events × €5,000 = €100,000: €13,800 interest, €60,000 senior principal,
        €26,200 of the subordinated principal; the subordinated lender loses €13,800 and no guarantee is drawn."""
        res = run(contract("sib-guarantee"), "mid")
        senior, sub = res.tranches
        assert int(senior.returned[0]) == 73_800_00
        assert int(sub.returned[0]) == 26_200_00
        assert int(sub.loss[0]) == 13_800_00
        assert int(senior.guaranteed[0]) == 0

    def test_low_misses_the_threshold_and_draws_the_guarantee(self) -> None:
        """5% reduction is below the 10% tier: nothing is paid; the guarantee pays the senior lender
        min(€60,000 shortfall, €30,000) = €30,000; the subordinated lender loses all €40,000."""
        res = run(contract("sib-guarantee"), "low")
        senior, sub = res.tranches
        assert int(res.outcome_payments[0]) == 0
        assert int(senior.guaranteed[0]) == 30_000_00
        assert int(senior.loss[0]) == 30_000_00
        assert int(sub.loss[0]) == 40_000_00
        assert np.isnan(sub.irr[0]) and int(sub.irr_reason[0]) == 1
        entries = [e for e in res.flows.ledger.entries(0) if e.reason.startswith("guarantee draw")]
        assert [(e.month, e.source, e.target, e.amount) for e in entries] == [(23, "foundation", "bank", 30_000_00)]

    def test_provider_costs_are_funded_by_capital(self) -> None:
        """The provider does not pre-finance: its €100,000 cost in month 0 is paid from the drawn capital."""
        res = run(contract("sib-guarantee"), "base")
        prov = res.providers[0]
        assert int(prov.cost[0]) == 100_000_00
        assert int(prov.revenue[0]) == 100_000_00
        assert int(prov.lowest_cash[0]) == 0


class TestRateCardCaps:
    """rate-card-caps.toml: 10 participants; entry £1,000 (all 10), sustained £3,000 (6), qualification
    £500 repeatable up to 3 (5 achievers × 4 units, paid for 3 each); participant cap £4,000;
    contract cap £25,000; paid monthly."""

    def test_participant_cap_under_nested_outcomes(self) -> None:
        """Uncapped: £10,000 + £18,000 + £7,500 = £35,500. Nested: 4 people earn £1,000, 1 earns £4,000,
        5 would earn £5,500 but are capped at £4,000: allowed £28,000, a cut of £7,500. Split pro rata
        (largest remainder): entry 788,732.39 → 788,733 cents, sustained 1,419,718, qualification 591,549."""
        res = run(contract("rate-card-caps"), "base")
        assert int(res.flows.schedule.participant_cap_cut[0]) == 7_500_00
        lines = {ln.metric: ln.index for ln in res.flows.schedule.lines}
        due = res.flows.schedule.due[0].sum(axis=(0, 2))
        assert int(due[lines["entry"]]) == 788_733
        assert int(due[lines["sustained"]]) == 1_419_718
        assert int(due[lines["qualification"]]) == 591_549

    def test_results_after_the_term_take_no_room_under_the_participant_cap(self) -> None:
        """Sustained work verified 8 months late (month 14 of a 12-month term) is never paid, so it must not
        share the £4,000 participant cap with what is paid: entry 10 × £1,000 and qualification 5 × 3 × £500
        = £17,500, nobody over £2,500, nothing cut; 6 × £3,000 = £18,000 unpaid after the term. (Found by
        the monotonicity property: the cap's cut was shared with the unpaid results, so one more late result
        lowered what was paid, here by £7,500 × 17,500/35,500.)"""
        c = contract("rate-card-caps")
        late = attrs.evolve(c.metric("sustained"), lag_months=8)
        c = attrs.evolve(c, metrics=tuple(late if m.id == "sustained" else m for m in c.metrics))
        s = run(c, "base").flows.schedule
        assert int(s.due[0].sum()) == 17_500_00
        assert int(s.participant_cap_cut[0]) == 0
        assert int(s.unpaid_after_term[0]) == 18_000_00
        nobody_sustains = attrs.evolve(
            c.scenarios[0],
            outcomes=tuple(
                attrs.evolve(o, rate=Decimal(0)) if o.metric == "sustained" else o for o in c.scenarios[0].outcomes
            ),
        )
        assert int(run(c, nobody_sustains).flows.schedule.due[0].sum()) == 17_500_00

    def test_contract_cap_cuts_the_latest_payments(self) -> None:
        """Paid in time order: entry in month 1 (788,733), qualification in month 3 (591,549), sustained in
        month 6: only £25,000 − £13,802.82 = 1,119,718 cents of it fit under the contract cap."""
        res = run(contract("rate-card-caps"), "base")
        paid = res.flows.payer_paid[0, :, 0]
        assert [int(x) for x in paid[[1, 3, 6]]] == [788_733, 591_549, 1_119_718]
        assert int(paid.sum()) == 25_000_00
        assert int(res.cap_cut[0]) == 7_500_00 + 3_000_00

    def test_repeatable_units_are_limited_per_participant(self) -> None:
        """5 achievers × 4 qualifications, at most 3 each: 15 units are paid for."""
        res = run(contract("rate-card-caps"), "base")
        assert int(res.outcome_units[0, 2]) == 15


class TestPerDayAndSavings:
    """per-day-savings.toml: 20 participants; 10 housed for 200 days each, paid £10 a day up to 180 days;
    5 leave benefits, each saving €1,200, of which 50% is paid; quarterly payments."""

    def test_amounts_and_timing(self) -> None:
        """Days: 10 × 180 × €10 = €18,000, observed in month 6, paid at the quarter end in month 8.
        Savings: 5 × €1,200 × 50% = €3,000, observed in month 3, paid in month 5."""
        res = run(contract("per-day-savings"), "base")
        paid = res.flows.payer_paid[0, :, 0]
        assert int(paid[8]) == 18_000_00
        assert int(paid[5]) == 3_000_00
        assert int(paid.sum()) == 21_000_00

    def test_savings_and_benefit_cost(self) -> None:
        """Cashable savings €6,000 against €21,000 paid: ratio 6/21."""
        res = run(contract("per-day-savings"), "base")
        assert int(res.cashable_savings[0]) == 6_000_00
        assert res.payers[0].benefit_cost_ratio[0] == pytest.approx(6 / 21)

    def test_provider_costs_follow_the_profile(self) -> None:
        """20 × €500 spent half in month 0 and half in month 1."""
        res = run(contract("per-day-savings"), "base")
        costs = res.flows.ledger.flows[("housing", COSTS, "delivery costs")][0]
        assert [int(x) for x in costs[:3]] == [5_000_00, 5_000_00, 0]
        assert ("housing", OTHER_INCOME, "other income") not in res.flows.ledger.flows


class TestPayersByOutcome:
    """payers-by-outcome.toml: readiness $2,900 paid by the city; reading $750 paid 60/40 by schools and city."""

    def test_each_payer_pays_its_outcomes(self) -> None:
        """8 ready children × $2,900 = $23,200 (city); 5 readers × $750 = $3,750, split $2,250 / $1,500."""
        res = run(contract("payers-by-outcome"), "base")
        schools, city = res.payers
        assert int(schools.paid[0]) == 2_250_00
        assert int(city.paid[0]) == 23_200_00 + 1_500_00

    def test_success_factor_scales_rates(self) -> None:
        """At success 0.5: 4 ready (0.4 × 10) and 3 readers (0.25 × 10 = 2.5, rounded half up)."""
        res = run(contract("payers-by-outcome"), "base", success=Decimal("0.5"))
        assert [int(x) for x in res.outcome_units[0]] == [4, 3]


class TestMaximumUnderCaps:
    """The maximum potential payment is an upper bound where only caps limit a rule, and where a cap is
    shared between payers (issue #11, item 2)."""

    def test_per_day_payment_without_a_limit_is_bounded_by_its_metric_cap(self) -> None:
        """per-day-metric-cap.toml: 10 participants × 50 days × €10 = €5,000 due, cut to the €1,000 metric
        cap. Days per person have no limit, so the maximum is the cap, €1,000, and the base scenario pays
        100% of it (it used to report €100, one day per person, and a share of 1,000%)."""
        c = contract("per-day-metric-cap")
        mx = maximum_payment(c)
        assert mx.total == mx.by_payer["city"] == mx.by_metric["housed"] == mx.by_rule["days"] == 1_000_00
        assert mx.before_caps is None
        res = run(c, "base")
        assert res.maximum_payment is not None and int(res.outcome_payments[0]) == 1_000_00 <= res.maximum_payment
        assert float(res.payers[0].share_of_maximum[0]) == 1.0

    def test_without_the_cap_nothing_bounds_it(self) -> None:
        """The same contract without its metric cap has no maximum: total, payer, metric and rule are
        unbounded (None), and so is the share of the maximum (NaN)."""
        c = attrs.evolve(contract("per-day-metric-cap"), caps=())
        mx = maximum_payment(c)
        assert mx.total is None and mx.by_payer == {"city": None} and mx.by_metric == {"housed": None}
        res = run(c, "base")
        assert res.maximum_payment is None and res.payers[0].maximum is None
        assert np.isnan(res.payers[0].share_of_maximum[0])

    def test_a_cap_shared_between_payers_bounds_each_payer_by_its_own_lines(self) -> None:
        """payers-by-outcome.toml with a $20,000 contract cap: at most 10 × $2,900 = $29,000 (city) and
        10 × $750 = $7,500 (60% schools, 40% city) fall due, all paid on the one annual date. When every
        outcome is achieved the cap is shared pro rata and schools pay $4,500 × 20,000 / 36,500, but with
        readers only they pay their full $4,500, so that is their maximum; the city's is the cap."""
        c = attrs.evolve(contract("payers-by-outcome"), caps=(Cap(level="contract", amount=Cents(20_000_00)),))
        mx = maximum_payment(c)
        assert mx.total == 20_000_00
        assert mx.by_payer == {"schools": 4_500_00, "city": 20_000_00}
        assert mx.by_metric == {"ready": 20_000_00, "reading": 7_500_00}
        readers_only = attrs.evolve(
            c.scenarios[0],
            outcomes=(ScenarioOutcome(metric="ready", rate=Decimal(0)), ScenarioOutcome(metric="reading", rate=Decimal(1))),
        )
        res = run(c, readers_only)
        assert int(res.payers[0].paid[0]) == 4_500_00


    def test_payers_sharing_every_line_are_bounded_by_their_share(self) -> None:
        """Peterborough: the Ministry and the Big Lottery Fund each pay 50% of the one cohort line, which
        its £8m max_payment bounds: each payer's maximum is £4m. Rounding each annual payment's 50/50 split
        and the cap's cut to the cent can move a cent a step to one payer: 2 steps × 9 annual payment dates
        (a 108-month term) = 18 cents on top, at most."""
        mx = maximum_payment(load_contract(ROOT / "contracts" / "peterborough.toml"))
        assert mx.total == 8_000_000_00
        assert mx.by_payer == {"moj": 4_000_000_00, "big-lottery-fund": 4_000_000_00}
        assert mx.rounding_by_payer == {"moj": 18, "big-lottery-fund": 18}


class TestLeeuwarden:
    """The running example: no investors, providers paid directly from the outcomes fund."""

    def test_base_tariff_arithmetic(self) -> None:
        """180 participants; 85% process (153 × €350), 55% individual (99 × €2,450), 30% societal (54 × €700)."""
        c = load_contract(ROOT / "contracts" / "leeuwarden-oost-pilot.toml")
        res = run(c, "base")
        assert int(res.participants[0]) == 180
        assert int(res.outcome_payments[0]) == (153 * 350 + 99 * 2450 + 54 * 700) * 100

    def test_fund_is_charged_to_contributors_half_each(self) -> None:
        """FNO and the municipality commit equally, so each funds half of every payment."""
        c = load_contract(ROOT / "contracts" / "leeuwarden-oost-pilot.toml")
        res = run(c, "base")
        led = res.flows.ledger
        fno = int(led.total(source="fno", target="resultatenfonds")[0])
        city = int(led.total(source="gemeente-leeuwarden", target="resultatenfonds")[0])
        assert fno + city == int(res.outcome_payments[0])
        assert abs(fno - city) <= 100  # at most one cent per payment date apart

    def test_providers_cash_dips_in_arrears(self) -> None:
        """Dreamfabryk pays its coaches for 9 months before the first result is verified: its cash falls
        below zero; the Wijkbedrijf's larger buffer and other income keep it above zero."""
        c = load_contract(ROOT / "contracts" / "leeuwarden-oost-pilot.toml")
        res = run(c, "base")
        wijk, dream = res.providers
        assert int(dream.lowest_cash[0]) < 0
        assert int(wijk.lowest_cash[0]) > 0


class TestInvestorGroups:
    """investor-groups.toml: two $30,000 loans, one repaid only from 'housed' payments, the other only
    from 'jail' payments; 10 participants at $5,000 per outcome; only 'housed' is achieved."""

    def test_each_group_is_repaid_only_from_its_outcome(self) -> None:
        """$50,000 comes in for 'housed': loan-a gets its $30,000 back, loan-b nothing (without the link the
        pro-rata step would have paid $25,000 each); the $20,000 left returns to the city at settlement."""
        res = run(contract("investor-groups"), "housing-only")
        loan_a, loan_b = res.tranches
        assert int(loan_a.returned[0]) == 30_000_00
        assert int(loan_b.returned[0]) == 0
        assert int(res.payers[0].paid[0]) == 50_000_00 - 20_000_00


class TestContractVariations:
    """Features of real deals, each checked on a test contract changed by one term."""

    def test_cancelled_cohort_is_not_paid(self) -> None:
        """sib-guarantee has one 12-month cohort; cancelling it (Peterborough's policy change) means no
        outcome payment even at 20% fewer reconvictions, and the guarantee pays the senior lender €30,000."""
        c = contract("sib-guarantee")
        rule = c.rules[0]
        cancelled = attrs.evolve(c, rules=(attrs.evolve(rule, cancelled_cohorts=(0,)),))
        res = run(cancelled, "base")
        assert int(res.outcome_payments[0]) == 0
        assert int(res.tranches[0].guaranteed[0]) == 30_000_00

    def test_cap_including_vat(self) -> None:
        """payers-by-outcome with 21% VAT and a $12,100 contract cap that includes VAT: payments before VAT
        stop at 12,100 / 1.21 = $10,000, and the payers pay $2,100 VAT on top."""
        c = contract("payers-by-outcome")
        capped = attrs.evolve(
            c, vat_rate=Decimal("0.21"), caps=(Cap(level="contract", amount=Cents(12_100_00), includes_vat=True),)
        )
        res = run(capped, "base")
        assert int(res.outcome_payments[0]) == 10_000_00
        assert sum(int(p.vat[0]) for p in res.payers) == 2_100_00

    def test_termination_stops_enrolment_costs_and_later_outcomes(self) -> None:
        """The pilot ended after 12 months with results after the end unpaid: enrolment stops (Bilgaard's
        plan of 80 over 24 months starts 4 a month in months 0–7 and 3 after, so 44 by month 11; Dreamfabryk's
        100 over 24 starts 5 a month in months 0–3, then 4: 52), no delivery costs from month 12, and
        results observed from month 12 on are not paid."""
        c = load_contract(ROOT / "contracts" / "leeuwarden-oost-pilot.toml")
        ended = attrs.evolve(c, termination=Termination(month=12, pay_outcomes_after=False))
        res = run(ended, "base")
        assert int(res.participants[0]) == 44 + 52
        costs = sum(arr[0] for (s, t, r), arr in res.flows.ledger.flows.items() if t == COSTS)
        assert int(costs[12:].sum()) == 0
        assert int(res.unpaid_after_term[0]) > 0
        # achieved is counted per provider: 85% of 44 is 37.4 -> 37, of 52 is 44.2 -> 44
        assert int(res.outcome_units[0, 2]) == 37 + 44
        # only participants who started in months 0-2 (result in month 9 + start, before 12) are paid:
        # 3 x 4 + 3 x 5 = 27 people at most, at most EUR 3,500 each
        assert 0 < int(res.outcome_payments[0]) <= 27 * 3500_00

    def test_interest_never_paid_is_reported(self) -> None:
        """sib-guarantee with its cohort cancelled: no outcome payment ever arrives, so the senior loan's
        €600 a month of interest (12% on €60,000, from month 1 to month 23) is never paid: €13,800 still
        due at the end; in the base scenario it is paid, and the interest-free subordinated loan owes none."""
        c = contract("sib-guarantee")
        cancelled = attrs.evolve(c, rules=(attrs.evolve(c.rules[0], cancelled_cohorts=(0,)),))
        senior, sub = run(cancelled, "base").tranches
        assert int(senior.interest_unpaid[0]) == 13_800_00 and int(sub.interest_unpaid[0]) == 0
        assert int(run(c, "base").tranches[0].interest_unpaid[0]) == 0

    def test_a_fee_the_outcome_payments_cannot_cover_is_reported_unpaid(self) -> None:
        """sib-guarantee with a €10,000 manager's fee due in month 0, paid first from outcome payments: in the
        base scenario the cohort payment covers it (paid €10,000, nothing due at the end); with the cohort
        cancelled no outcome payment ever arrives, so nothing is paid and all €10,000 is still due."""
        c = contract("sib-guarantee")
        fee = Fee(id="manager", payee="fund", basis="fixed", amount=Cents(10_000_00), paid_from="outcome_payments")
        with_fee = attrs.evolve(c, fees=(fee,), waterfall=(FeesStep(fees=("manager",)), *c.waterfall))
        paid = run(with_fee, "base").fees[0]
        assert (paid.id, paid.payee) == ("manager", "fund")
        assert (int(paid.paid[0]), int(paid.unpaid[0])) == (10_000_00, 0)
        cancelled = attrs.evolve(with_fee, rules=(attrs.evolve(c.rules[0], cancelled_cohorts=(0,)),))
        unpaid = run(cancelled, "base").fees[0]
        assert (int(unpaid.paid[0]), int(unpaid.unpaid[0])) == (0, 10_000_00)

    def test_unspent_capital_returns_when_the_service_ends_early(self) -> None:
        """sib-guarantee with the provider costing €500 per participant: €50,000 of the €100,000 drawn up
        front is never spent. With the service ended in month 6, that €50,000 goes back to the lenders in
        month 5 (the last month capital could be used), €30,000 senior and €20,000 subordinated (in
        proportion to the €60,000 and €40,000 drawn)."""
        c = contract("sib-guarantee")
        cheap = attrs.evolve(
            c,
            providers=(attrs.evolve(c.providers[0], cost_per_participant=Cents(500_00)),),
            termination=Termination(month=6),
        )
        res = run(cheap, "low")
        back = [e for e in res.flows.ledger.entries(0) if e.reason.startswith("unused capital returned")]
        assert [(e.month, e.target, e.amount) for e in back] == [(5, "bank", 30_000_00), (5, "fund", 20_000_00)]


class TestPooledThreshold:
    """pooled-cohorts: one cohort rule over two providers of 1,000 people each (one 12-month cohort each),
    baseline 1.55 reconviction events per person, £100 per event avoided from a 10% improvement for a
    cohort on its own, or £100 per event avoided when all cohorts together improve by 7.5% (issue #11)."""

    def test_issue_11_reproducer_pays_both_cohorts(self) -> None:
        """North improves 7.0%, south 9.5%: neither reaches its own 10% tier. All cohorts together:
        (1,000 × 7.0% + 1,000 × 9.5%) / 2,000 = (70 + 95) / 2,000 = 8.25% ≥ 7.5%, so both are paid:
        north 1.55 × 1,000 × 7.0% = 108.5 events avoided × £100 = £10,850.00; south
        1.55 × 1,000 × 9.5% = 147.25 × £100 = £14,725.00; together £25,575.00. (The per-provider test
        paid only south's £14,725.00: north's 7.0% alone is below 7.5%.)"""
        res = run(contract("pooled-cohorts"), "both-below-tier")
        assert int(res.outcome_payments[0]) == 25_575_00
        assert [int(p.revenue[0]) for p in res.providers] == [10_850_00, 14_725_00]

    def test_missing_the_pooled_trigger_pays_nobody(self) -> None:
        """North 5.0%, south 9.5%: together (50 + 95) / 2,000 = 7.25% < 7.5%, so nothing is paid, though
        south on its own is above 7.5% (the per-provider test paid it £14,725.00)."""
        res = run(contract("pooled-cohorts"), "pooled-missed")
        assert int(res.outcome_payments[0]) == 0

    def test_a_cohort_at_its_own_tier_counts_towards_the_pooled_trigger(self) -> None:
        """North 7.0%, south 12%: south reaches its tier and is paid 1.55 × 1,000 × 12% = 186 × £100 =
        £18,600.00 in month 23 (last enrolment month 11 + 12 months' observation; annual payment dates are
        months 11, 23 and 35). Together (70 + 120) / 2,000 = 9.5% ≥ 7.5%, so north is paid 108.5 × £100 =
        £10,850.00 at the end of the term (month 35)."""
        c = contract("pooled-cohorts")
        due = schedule(c, deterministic_batch(c, c.scenario("one-reaches-its-tier"))).due[0, :, :, 0]  # (T, L)
        north, south = (due[:, line] for line in (0, 1))
        assert {int(m): int(north[m]) for m in np.flatnonzero(north)} == {35: 10_850_00}
        assert {int(m): int(south[m]) for m in np.flatnonzero(south)} == {23: 18_600_00}

    def test_cohorts_weigh_by_their_participants(self) -> None:
        """South enrols three times its plan (3,000). North 4.0%, south 9.5%: together
        (1,000 × 4.0% + 3,000 × 9.5%) / 4,000 = (40 + 285) / 4,000 = 8.125% ≥ 7.5% (the plain average of
        the two rates, 6.75%, would miss it). North: 1.55 × 1,000 × 4% = 62 × £100 = £6,200.00; south:
        1.55 × 3,000 × 9.5% = 441.75 × £100 = £44,175.00; together £50,375.00."""
        res = run(contract("pooled-cohorts"), "unequal-cohorts")
        assert int(res.outcome_payments[0]) == 50_375_00

    def test_published_levels_pay_as_the_same_improvements(self) -> None:
        """The evaluator's levels, events per 100 people: north 144.15 against 155 is
        (155 − 144.15) / 155 = 10.85 / 155 = 7.0% fewer; south 140.275 against 155 is 14.725 / 155 = 9.5%
        fewer: the reproducer again, £25,575.00."""
        res = run(contract("pooled-cohorts"), "published-levels")
        assert int(res.outcome_payments[0]) == 25_575_00

    def test_cancelled_cohorts_do_not_count_towards_the_pooled_trigger(self) -> None:
        """Six-month cohorts, cohort 0 (months 0–5) cancelled. North enrols its 1,000 in months 0–5 (cohort 0),
        south its 1,000 in months 6–11 (cohort 1). North 5.0%, south 9.5%: all cohorts together would be
        (50 + 95) / 2,000 = 7.25% and pay nobody, but the cancelled cohort does not count, so the pooled
        improvement is south's 9.5% ≥ 7.5%: south is paid 1.55 × 1,000 × 9.5% = 147.25 × £100 = £14,725.00,
        north nothing."""
        c = contract("pooled-cohorts")
        north, south = c.providers
        rule = c.rules[0]
        changed = attrs.evolve(
            c,
            providers=(
                attrs.evolve(north, enrolment=attrs.evolve(north.enrolment, months=6)),
                attrs.evolve(south, enrolment=attrs.evolve(south.enrolment, months=6, start_month=6)),
            ),
            rules=(attrs.evolve(rule, cohort_months=6, cancelled_cohorts=(0,)),),
        )
        res = run(changed, "pooled-missed")
        assert [int(p.revenue[0]) for p in res.providers] == [0, 14_725_00]

    def test_half_a_cent_rounds_up_once_per_cohort(self) -> None:
        """At £0.01 per event avoided and 10.5% for both: 1.55 × 1,000 × 10.5% = 162.75 events, × 1 cent =
        162.75 cents, rounded half up to 163 cents per cohort: 326 cents in all (not 325.5 rounded once)."""
        c = contract("pooled-cohorts")
        rule = c.rules[0]
        tiers = (Tier(from_improvement=Decimal("0.10"), price_per_unit=Cents(1)),)
        base = c.scenarios[0]
        both = attrs.evolve(base, outcomes=tuple(attrs.evolve(o, rate=Decimal("0.105")) for o in base.outcomes))
        cheap = attrs.evolve(c, rules=(attrs.evolve(rule, tiers=tiers),), scenarios=(both,))
        assert int(run(cheap, both.name).outcome_payments[0]) == 326

    def test_prices_too_large_for_64_bit_products_stay_exact(self) -> None:
        """At 999,999,937 cents (a prime) per event avoided, for the tier and the pooled trigger, the exact
        products pass 2**63, so they are worked out in Python integers: north 108.5 × 999,999,937 =
        108,499,993,164.5 → 108,499,993,165 cents (half up); south 147.25 × 999,999,937 =
        147,249,990,723.25 → 147,249,990,723 cents; together 255,749,983,888 cents."""
        c = contract("pooled-cohorts")
        rule = c.rules[0]
        price = Cents(999_999_937)
        tiers = (Tier(from_improvement=Decimal("0.10"), price_per_unit=price),)
        dear = attrs.evolve(c, rules=(attrs.evolve(rule, tiers=tiers, pooled_price_per_unit=price),))
        sched = schedule(dear, deterministic_batch(dear, dear.scenario("both-below-tier")))
        assert [int(sched.due[0, :, line, 0].sum()) for line in (0, 1)] == [108_499_993_165, 147_249_990_723]
