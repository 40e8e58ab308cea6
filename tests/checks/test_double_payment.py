"""SIB-DOUBLE-001: the same person-outcome paid twice."""

from __future__ import annotations

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.double_payment import CODE, double_payment
from sibkit.load import load_contract
from sibkit.model import Cap, Contract, RateCard, RateCardEntry, Tariff
from sibkit.money import Cents

from conftest import EXAMPLE


def leeuwarden() -> Contract:
    """The example contract: the Leeuwarden Oost pilot."""
    return load_contract(EXAMPLE)


def check(c: Contract) -> list[Finding]:
    """The check's findings for ``c`` with its own context."""
    return double_payment(c, Context(c))


def with_bonus(c: Contract) -> Contract:
    """``c`` with a second rule that also pays €700 for the societal result."""
    bonus = RateCard(id="bonus", entries=(RateCardEntry(metric="maatschappelijk", price=Cents(70000)),))
    return attrs.evolve(c, rules=(*c.rules, bonus))


def with_participant_cap(c: Contract) -> Contract:
    """``c`` with a cap of €3,500 per participant."""
    return attrs.evolve(c, caps=(*c.caps, Cap(level="participant", amount=Cents(350000))))


class TestDoublePayment:
    def test_leeuwarden_two_providers_one_rule(self) -> None:
        """Both pilot providers are paid under one rule with no participant cap: information."""
        (finding,) = check(leeuwarden())
        assert finding.code == CODE and finding.severity == "info"
        assert finding.path == "$.rules[0]"
        assert "Wijkbedrijf Bilgaard and Dreamfabryk" in finding.explanation("en")
        assert "Wijkbedrijf Bilgaard en Dreamfabryk" in finding.explanation("nl")

    def test_mitigation_participant_cap(self) -> None:
        """A cap of €3,500 per participant removes the finding."""
        assert check(with_participant_cap(leeuwarden())) == []

    def test_mitigation_one_rule_per_provider(self) -> None:
        """A rule per provider, each naming its provider, removes the finding."""
        c = leeuwarden()
        rule = c.rules[0]
        assert isinstance(rule, Tariff)
        split = tuple(attrs.evolve(rule, id=f"tariff-{p.id}", providers=(p.id,)) for p in c.providers)
        assert check(attrs.evolve(c, rules=split)) == []

    def test_same_outcome_under_two_rules_is_a_warning(self) -> None:
        """A second rule paying the societal result again is a warning naming both rules and both providers."""
        warnings = [f for f in check(with_bonus(leeuwarden())) if f.severity == "warning"]
        (finding,) = warnings
        assert finding.code == CODE and finding.path == "$.rules[1]"
        assert "paid 2 times" in finding.title("en") and "2 keer" in finding.title("nl")
        assert "'leeuwarden' and 'bonus'" in finding.explanation("en")
        assert "Wijkbedrijf Bilgaard and Dreamfabryk" in finding.explanation("en")

    def test_participant_cap_lowers_the_severity(self) -> None:
        """With a participant cap the double rule is information only, and the open-rule note disappears."""
        (finding,) = check(with_participant_cap(with_bonus(leeuwarden())))
        assert finding.severity == "info" and "paid 2 times" in finding.title("en")

    def test_single_provider_single_rule(self) -> None:
        """One provider paid under one rule has nothing to pay twice."""
        c = leeuwarden()
        rule = c.rules[0]
        assert isinstance(rule, Tariff)
        one = attrs.evolve(c, rules=(attrs.evolve(rule, providers=("dreamfabryk",)),))
        assert check(one) == []
