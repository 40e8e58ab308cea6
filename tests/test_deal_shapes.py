"""The contract model expresses every row of the deal-shapes table.

``contracts/`` holds, beside the Leeuwarden example, one contract file per row of
``/work/shared/reference/deal-shapes.md`` (real, published outcome contracts
reduced to their structure). Each must load, validate, round-trip through
``dumps``/``loads``, have a computable maximum payment, and show in the loaded
objects the feature its row is in the table for.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Literal

import pytest

from sibkit.engine.maximum import maximum_payment
from sibkit.load import dumps, load_contract, loads
from sibkit.model import (
    CohortThreshold,
    Contract,
    DeferredFee,
    Equity,
    Loan,
    PerTime,
    RateCard,
    RecoverableGrant,
    ResidualStep,
    ShareOfSavings,
    Tariff,
)

from conftest import ROOT

DEAL_SHAPES = ROOT / "contracts"
REFERENCE = Path("/work/shared/reference/deal-shapes.md")

ROWS: dict[str, str] = {
    "peterborough": "Peterborough prison SIB",
    "rikers": "NYC Rikers ABLE",
    "roca-massachusetts": "Massachusetts Juvenile Justice PFS (Roca)",
    "utah-preschool": "Utah High Quality Preschool",
    "denver-housing": "Denver Supportive Housing SIB",
    "chicago-cpc": "Chicago Child-Parent Centers",
    "educate-girls": "Educate Girls DIB",
    "uk-rate-card": "UK rate-card SIBs",
    "buzinezzclub": "Buzinezzclub Rotterdam / Utrecht",
    "werk-na-detentie": "Werk na Detentie",
    "sociaal-hospitaal": "Sociaal Hospitaal Den Haag",
    "stevig-staan": "Stevig Staan, Limburg",
}
"""File stem → the deal's name as the table writes it in bold, in table order."""


@functools.cache
def contract(stem: str) -> Contract:
    """The deal-shape contract ``stem``, loaded once per test session."""
    return load_contract(DEAL_SHAPES / f"{stem}.toml")


def _cents(units: str) -> int:
    """Currency units written as text (``"7.2e6"``, ``"3500"``) as cents."""
    return int(Decimal(units) * 100)


def _residual_parties(c: Contract) -> set[str]:
    return {share.party for step in c.waterfall if isinstance(step, ResidualStep) for share in step.shares}


class TestDealShapeFiles:
    def test_one_file_per_row_of_the_table(self) -> None:
        """The folder holds exactly the twelve row files: a missing or extra file fails."""
        assert len(ROWS) == 12
        assert {p.stem for p in DEAL_SHAPES.glob("*.toml")} - {"leeuwarden-oost-pilot"} == set(ROWS)
        assert [p.name for p in DEAL_SHAPES.iterdir() if p.suffix != ".toml"] == []

    def test_rows_match_the_reference_table(self) -> None:
        """Every row of the reference table has a file, and nothing else does (skipped without the table)."""
        if not REFERENCE.is_file():
            pytest.skip(f"reference table {REFERENCE} not available")
        rows = [line for line in REFERENCE.read_text("utf-8").splitlines() if line.startswith("| **")]
        names = [row.split("**")[1] for row in rows]
        assert sorted(names) == sorted(ROWS.values())

    @pytest.mark.parametrize("stem", list(ROWS))
    def test_header_names_the_deal_and_its_feature(self, stem: str) -> None:
        """Each file opens with a comment naming its row of the table and what it demonstrates."""
        text = (DEAL_SHAPES / f"{stem}.toml").read_text("utf-8")
        header = text.split("\nformat = ", 1)[0]
        assert all(line.startswith("#") or not line.strip() for line in header.splitlines())
        assert "deal-shapes row" in header
        assert "Demonstrates:" in header


class TestLoadContract:
    @pytest.mark.parametrize("stem", list(ROWS))
    def test_every_deal_shape_loads(self, stem: str) -> None:
        """Each row's file loads into a valid ``Contract`` with at least one rule."""
        c = contract(stem)
        assert isinstance(c, Contract)
        assert c.rules

    def test_peterborough_has_two_cohort_triggers_and_a_13pct_cap(self) -> None:
        """Peterborough: cohort metric vs a matched comparison, 10% per cohort or 7.5% pooled, the third of
        three cohorts cancelled, 13% IRR cap on equity."""
        c = contract("peterborough")
        (rule,) = c.rules
        assert isinstance(rule, CohortThreshold)
        metric = c.metric(rule.metric)
        assert (metric.kind, metric.design, metric.baseline is not None) == (
            "cohort_change",
            "matched_comparison",
            True,
        )
        assert rule.tiers[0].from_improvement == Decimal("0.10")
        assert rule.pooled_threshold == Decimal("0.075")
        cohorts = -(-c.timeline.enrolment_months // rule.cohort_months)
        assert (cohorts, rule.cancelled_cohorts) == (3, (2,))  # the third cohort was cancelled
        (equity,) = c.tranches
        assert isinstance(equity, Equity)
        assert equity.return_cap is not None and equity.return_cap.irr == Decimal("0.13")
        assert c.currency == "GBP"

    def test_rikers_guarantee_covers_a_multiple_draw_loan(self) -> None:
        """Rikers: an as-needed loan of $9.6m, a $7.2m guarantee covering it, tiers from 8.5% to 20%,
        ended early after the year-3 evaluation."""
        c = contract("rikers")
        (loan,) = c.tranches
        assert isinstance(loan, Loan)
        assert loan.drawdown.kind == "as_needed"
        assert loan.commitment == _cents("9600000")
        (guarantee,) = c.guarantees
        assert guarantee.covers == (loan.id,)
        assert guarantee.amount == _cents("7200000") < loan.commitment
        (rule,) = c.rules
        assert isinstance(rule, CohortThreshold)
        starts = [t.from_improvement for t in rule.tiers]
        assert starts[0] == Decimal("0.085") and starts[-1] == Decimal("0.20")
        principal_tier = next(t for t in rule.tiers if t.from_improvement == Decimal("0.10"))
        assert principal_tier.amount == loan.commitment
        assert c.termination is not None
        assert (c.termination.month, c.termination.pay_outcomes_after) == (36, True)
        assert c.termination.reason

    def test_roca_has_a_four_level_stack_with_deferred_fees(self) -> None:
        """Roca: senior loan at 5%, two subordinated loans, recoverable grants, deferred fees, tiers and a rate card
        per participant-quarter; the Commonwealth pays as a regional government."""
        c = contract("roca-massachusetts")
        senior = [t for t in c.tranches if isinstance(t, Loan) and t.seniority == 1]
        assert [(t.commitment, t.coupon) for t in senior] == [(_cents("9000000"), Decimal("0.05"))]
        assert [t.commitment for t in c.tranches if isinstance(t, Loan) and t.seniority == 2] == [_cents("1500000")] * 2
        assert sum(t.commitment for t in c.tranches if isinstance(t, RecoverableGrant)) == _cents("6000000")
        deferring = {t.investor for t in c.tranches if isinstance(t, DeferredFee)}
        assert deferring == {c.providers[0].id, c.intermediaries[0].id}
        assert sorted({t.seniority for t in c.tranches}) == [1, 2, 3, 4]
        cohort = next(r for r in c.rules if isinstance(r, CohortThreshold))
        assert [t.from_improvement for t in cohort.tiers] == [
            Decimal(x) for x in ("0.05", "0.10", "0.25", "0.40", "0.55")
        ]
        card = next(r for r in c.rules if isinstance(r, RateCard))
        assert all(e.repeatable and e.max_per_participant for e in card.entries)
        assert {c.metric(e.metric).unit for e in card.entries} == {"quarter"}
        assert {p.id: p.kind for p in c.payers}["commonwealth-ma"] == "regional_government"

    def test_utah_pays_95pct_of_savings_until_repaid(self) -> None:
        """Utah: share of savings of 95% per child-year, a smaller share after repayment, senior and subordinated
        loans at 5%."""
        c = contract("utah-preschool")
        (rule,) = c.rules
        assert isinstance(rule, ShareOfSavings)
        assert rule.share == Decimal("0.95") and rule.share_after < rule.share
        assert [s.metric for s in c.savings] == [rule.metric]
        assert (c.metric(rule.metric).kind, c.metric(rule.metric).unit) == ("duration", "year")
        assert [s.amount_per_unit for s in c.savings] == [_cents("2607")]  # per child-year, not per month
        loans = sorted((t for t in c.tranches if isinstance(t, Loan)), key=lambda t: t.seniority)
        assert [(t.seniority, t.commitment, t.coupon) for t in loans] == [
            (1, _cents("4600000"), Decimal("0.05")),
            (2, _cents("2400000"), Decimal("0.05")),
        ]

    def test_denver_pays_per_day_and_ties_investors_to_outcomes(self) -> None:
        """Denver: per-day housing payment, jail bands from 20% vs an RCT, a cap per outcome, investor groups per outcome."""
        c = contract("denver-housing")
        per_day = next(r for r in c.rules if isinstance(r, PerTime))
        housing = c.metric(per_day.metric)
        assert (housing.kind, housing.unit, housing.sustained_months) == ("duration", "day", 12)
        jail = next(r for r in c.rules if isinstance(r, CohortThreshold))
        assert jail.tiers[0].from_improvement == Decimal("0.20")
        assert c.metric(jail.metric).design == "rct"
        metric_caps = {cap.target: cap.amount for cap in c.caps if cap.level == "metric"}
        assert metric_caps == {per_day.metric: _cents("5290000"), jail.metric: _cents("6130000")}
        assert {t.metrics for t in c.tranches} == {(per_day.metric,), (jail.metric,)}
        assert sum(t.commitment for t in c.tranches) == _cents("8600000")

    def test_chicago_has_a_different_payer_per_outcome(self) -> None:
        """Chicago: the City pays the rate card, Chicago Public Schools the special-education savings."""
        c = contract("chicago-cpc")
        payer_of = {r.id: tuple(s.payer for s in r.paid_by) for r in c.rules}
        assert payer_of == {"city-outcomes": ("city-of-chicago",), "special-ed-savings": ("cps",)}
        assert {p.id for p in c.payers} == {"city-of-chicago", "cps"}
        card = next(r for r in c.rules if isinstance(r, RateCard))
        assert [e.price for e in card.entries] == [_cents("2900"), _cents("750")]
        (saving,) = c.savings
        assert c.metric(saving.metric).unit == "year"
        assert saving.amount_per_unit == _cents("15000")  # per child-year
        assert (c.timeline.service_months, c.timeline.term_months) == (48, 17 * 12)

    def test_educate_girls_weights_two_metrics_and_caps_irr_at_15pct(self) -> None:
        """Educate Girls: an 80/20 tariff (RCT / pre-post), a 15% IRR cap, no guarantee, upside shared with the provider."""
        c = contract("educate-girls")
        (rule,) = c.rules
        assert isinstance(rule, Tariff)
        weights = {comp.metric: comp.weight for comp in rule.components}
        assert sorted(weights.values()) == [Decimal("0.20"), Decimal("0.80")]
        designs = {c.metric(m).design: w for m, w in weights.items()}
        assert designs == {"rct": Decimal("0.80"), "pre_post": Decimal("0.20")}
        (tranche,) = c.tranches
        assert tranche.return_cap is not None and tranche.return_cap.irr == Decimal("0.15")
        assert tranche.commitment == _cents("270000")
        assert c.guarantees == ()
        assert c.providers[0].id in _residual_parties(c)

    def test_uk_rate_card_has_repeatable_lines_caps_and_provider_equity(self) -> None:
        """UK rate card: once-per-person and repeatable lines, £15,000 per person, metric and contract caps, provider quasi-equity."""
        c = contract("uk-rate-card")
        (card,) = c.rules
        assert isinstance(card, RateCard)
        assert len(card.entries) >= 10
        assert {e.repeatable for e in card.entries} == {True, False}
        levels = [cap.level for cap in c.caps]
        assert {cap.amount for cap in c.caps if cap.level == "participant"} == {_cents("15000")}
        assert levels.count("metric") >= 2 and "contract" in levels
        provider_ids = {p.id for p in c.providers}
        assert any(isinstance(t, Equity) and t.investor in provider_ids for t in c.tranches)

    def test_buzinezzclub_pays_per_benefit_day_against_a_predicted_baseline(self) -> None:
        """Buzinezzclub: a per-day rule on a predicted-baseline metric, returns capped at 12%."""
        c = contract("buzinezzclub")
        (rule,) = c.rules
        assert isinstance(rule, PerTime)
        metric = c.metric(rule.metric)
        assert (metric.design, metric.kind, metric.unit) == ("predicted_baseline", "duration", "day")
        assert {t.return_cap.irr for t in c.tranches if t.return_cap} == {Decimal("0.12")}
        assert all(t.return_cap for t in c.tranches)

    def test_werk_na_detentie_pays_three_metrics_against_a_control_group(self) -> None:
        """Werk na Detentie: three paid cohort metrics, each against a control group (months in work must
        rise, the others fall), €1.2m capped at 10%."""
        c = contract("werk-na-detentie")
        paid = {m for r in c.rules for m in r.metrics()}
        assert len(paid) == 3
        assert {c.metric(m).design for m in paid} <= {"rct", "matched_comparison"}
        assert sum(t.commitment for t in c.tranches) == _cents("1200000")
        assert {t.return_cap.irr if t.return_cap else None for t in c.tranches} == {Decimal("0.10")}
        assert all(isinstance(r, CohortThreshold) for r in c.rules)
        directions = {m: (c.metric(m).kind, c.metric(m).direction) for m in paid}
        assert directions == {
            "benefit-months": ("cohort_change", "decrease"),
            "recidivism": ("cohort_change", "decrease"),
            "labour-months": ("cohort_change", "increase"),
        }

    def test_sociaal_hospitaal_repays_from_savings_with_a_modest_return(self) -> None:
        """Sociaal Hospitaal: share of realised savings, a payer cap of €1.3m, an insurer's loan with a low coupon."""
        c = contract("sociaal-hospitaal")
        (rule,) = c.rules
        assert isinstance(rule, ShareOfSavings)
        assert any(s.metric == rule.metric for s in c.savings)
        assert [(cap.level, cap.amount) for cap in c.caps] == [("payer", _cents("1300000"))]
        (loan,) = c.tranches
        assert isinstance(loan, Loan) and 0 < loan.coupon <= Decimal("0.05")
        assert {i.id: i.kind for i in c.investors}[loan.investor] == "health_insurer"
        assert c.metric(rule.metric).unit == "household"
        assert c.providers[0].capacity == 250

    def test_stevig_staan_has_ten_payers_vat_and_a_crowd_tranche(self) -> None:
        """Stevig Staan: ten payers sharing 100%, 21% VAT, a cap of €3.84m incl. VAT written as published,
        crowd capital, a revolving fund."""
        c = contract("stevig-staan")
        assert len(c.payers) == 10
        assert sum((p.share or 0 for p in c.payers), Fraction(0)) == 1
        assert c.vat_rate == Decimal("0.21")
        (contract_cap,) = (cap for cap in c.caps if cap.level == "contract")
        assert (contract_cap.amount, contract_cap.includes_vat) == (_cents("3840000"), True)
        assert any(cap.level == "payer" for cap in c.caps)
        crowd = {i.id for i in c.investors if i.kind == "crowd"}
        assert crowd and any(t.investor in crowd for t in c.tranches)
        assert "revolving_fund" in _residual_parties(c)


class TestDumps:
    @pytest.mark.parametrize("stem", list(ROWS))
    @pytest.mark.parametrize("fmt", ["toml", "json"])
    def test_round_trips_to_an_equal_contract(self, stem: str, fmt: Literal["toml", "json"]) -> None:
        """``loads(dumps(contract))`` gives back an equal contract, in TOML and in JSON."""
        c = contract(stem)
        assert loads(dumps(c, fmt=fmt), fmt=fmt) == c


class TestMaximumPayment:
    @pytest.mark.parametrize("stem", list(ROWS))
    def test_computes_for_every_deal_shape(self, stem: str) -> None:
        """The maximum potential payment is computed for every row, with one entry per rule and no negative amount."""
        c = contract(stem)
        result = maximum_payment(c)
        assert set(result.by_rule) == {r.id for r in c.rules}
        amounts = [result.total, *result.by_rule.values(), *result.by_payer.values(), *result.by_provider.values()]
        assert all(a is None or a >= 0 for a in amounts)

    def test_uk_contract_cap_binds_before_all_outcomes_are_paid(self) -> None:
        """UK rate card: the per-person maxima add up to more than the contract cap, so the cap is the maximum."""
        c = contract("uk-rate-card")
        result = maximum_payment(c)
        (cap,) = (cap.amount for cap in c.caps if cap.level == "contract")
        assert result.total == cap
        assert result.before_caps is not None and result.before_caps > cap

    def test_stevig_staan_maximum_is_the_published_maximum_without_vat(self) -> None:
        """Stevig Staan: the cap of €3.84m includes 21% VAT, so the maximum payment before VAT is
        €3.84m / 1.21 rounded down to the cent: 384000000 × 100 // 121 = 317355371 cents (€3,173,553.71)."""
        result = maximum_payment(contract("stevig-staan"))
        assert result.total == 384000000 * 100 // 121 == 317355371

    def test_share_of_savings_without_a_cap_is_unbounded(self) -> None:
        """Utah's share of savings has no natural maximum: with no cap, the total is unbounded (None)."""
        assert maximum_payment(contract("utah-preschool")).total is None
