"""SIB-CLIFF-001: a cohort threshold that jumps from nothing to a large payment."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.cliff_edge import CODE, cliff_edge, jumps, typical_cohort
from sibkit.load import load_contract
from sibkit.model import CohortThreshold, Contract, Tier
from sibkit.money import Cents

from conftest import EXAMPLE, ROOT

SHAPES = ROOT / "contracts"


def peterborough() -> Contract:
    """The Peterborough deal shape: £12,000 per reconviction event avoided from a 10% reduction, and a
    7.5% pooled trigger."""
    return load_contract(SHAPES / "peterborough.toml")


def check(c: Contract, **thresholds: Decimal) -> list[Finding]:
    """The check's findings for ``c`` with its own context."""
    return cliff_edge(c, Context(c), **thresholds)


def smooth(c: Contract) -> Contract:
    """Peterborough paying £12,000 per event avoided from the first event, with no pooled trigger."""
    rule = c.rules[0]
    assert isinstance(rule, CohortThreshold)
    tiers = (Tier(from_improvement=Decimal(0), price_per_unit=Cents(1200000)),)
    return attrs.evolve(c, rules=(attrs.evolve(rule, tiers=tiers, pooled_threshold=None, pooled_price_per_unit=None),))


class TestCliffEdge:
    def test_peterborough_jumps_at_ten_percent(self) -> None:
        """A cohort of 1,008 (baseline 1.4 events each) is paid £0 at 9.9% and £1,693,440 at 10%: 21% of the
        £8m the rule pays at most."""
        (finding,) = check(peterborough())
        assert finding.code == CODE and finding.severity == "warning"
        assert finding.path == "$.rules[0].tiers"
        assert "£0.00" in finding.title("en") and "£1,693,440.00" in finding.title("en") and "10%" in finding.title("en")
        assert "1008 participants" in finding.explanation("en") and "21%" in finding.explanation("en")
        assert "£\u00a01.693.440,00" in finding.explanation("nl")
        assert "2 such steps" in finding.explanation("en")

    def test_both_triggers_are_jumps(self) -> None:
        """The single-cohort tier (10%) and the pooled trigger (7.5%) both jump from nothing. A typical cohort
        has 1,008 participants: the first 48 of 72 months enrol 42 (3,000 spread evenly), and the third
        cohort is cancelled."""
        c = peterborough()
        rule = c.rules[0]
        assert isinstance(rule, CohortThreshold)
        assert typical_cohort(c, rule) == 1008
        steps, most = jumps(c, rule, 1008)
        assert [(j.at, j.below, j.above, j.pooled) for j in steps] == [
            (Decimal("0.10"), 0, 169344000, False),
            (Decimal("0.075"), 0, 127008000, True),
        ]
        assert most == 800000000

    def test_mitigation_price_from_the_first_unit(self) -> None:
        """Paying per event avoided from a 0% improvement, without the pooled trigger, has no cliff."""
        assert check(smooth(peterborough())) == []

    def test_gradual_tiers_pass(self) -> None:
        """Tiers from 0% that add £500 per event at each step (1%, 2%, 3%) move little money at each step."""
        c = smooth(peterborough())
        rule = c.rules[0]
        assert isinstance(rule, CohortThreshold)
        tiers = tuple(
            Tier(from_improvement=Decimal(k) / 100, price_per_unit=Cents(1200000 + 50000 * k)) for k in range(4)
        )
        assert check(attrs.evolve(c, rules=(attrs.evolve(rule, tiers=tiers),))) == []

    def test_amount_tiers_jump(self) -> None:
        """Rikers pays a fixed $4.8m from an 8.5% reduction: a cliff from $0."""
        (finding,) = check(load_contract(SHAPES / "rikers.toml"))
        assert "$0.00" in finding.title("en") and "$4,800,000.00" in finding.title("en") and "8.5%" in finding.title("en")

    def test_threshold_is_a_parameter(self) -> None:
        """With ``min_jump_share`` at 25%, Peterborough's 21% jump passes."""
        assert check(peterborough(), min_jump_share=Decimal("0.25")) == []

    def test_per_participant_rules_are_not_cliffs(self) -> None:
        """Leeuwarden (a tariff) and a rate card with a milestone chain have no cohort threshold to check."""
        assert check(load_contract(EXAMPLE)) == []
        assert check(load_contract(SHAPES / "uk-rate-card.toml")) == []
