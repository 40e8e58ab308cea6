"""SIB-CREAM-001: a flat price while the odds of success differ."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.cream_skimming import CODE, cream_skimming
from sibkit.load import load_contract, loads
from sibkit.model import Contract, RateCard, Segment, SegmentShare, Tariff
from sibkit.money import Cents

from conftest import EXAMPLE, ROOT

SEGMENTED = (ROOT / "tests" / "checks" / "contracts" / "segmented.toml").read_text(encoding="utf-8")


def leeuwarden() -> Contract:
    """The example contract: the Leeuwarden Oost pilot."""
    return load_contract(EXAMPLE)


def segmented(lang_price: int | None = None) -> Contract:
    """The two-segment contract, with a price in cents for the 'lang' segment when given."""
    c = loads(SEGMENTED)
    if lang_price is None:
        return c
    card = c.rules[0]
    assert isinstance(card, RateCard)
    entry = attrs.evolve(card.entries[0], segment_prices={"lang": Cents(lang_price)})
    return attrs.evolve(c, rules=(attrs.evolve(card, entries=(entry,)),))


def check(c: Contract, **thresholds: Decimal) -> list[Finding]:
    """The check's findings for ``c`` with its own context."""
    return cream_skimming(c, Context(c), **thresholds)


class TestCreamSkimming:
    def test_leeuwarden_flat_tariff_is_a_warning(self) -> None:
        """The pilot pays €3,500 at full result for every participant, with no difficulty segments: a warning."""
        (finding,) = check(leeuwarden())
        assert finding.code == CODE and finding.severity == "warning"
        assert finding.path == "$.rules[0]"
        assert "€3,500.00" in finding.explanation("en") and "€1,855.00" in finding.explanation("en")
        assert "€\u00a03.500,00" in finding.explanation("nl") and "afromen" in finding.explanation("nl")

    def test_segments_with_equal_prices_quote_the_rates(self) -> None:
        """Segments exist but pay the same price: the warning quotes each segment's expected success rate."""
        (finding,) = check(segmented())
        assert finding.code == CODE and finding.severity == "warning"
        assert "'Short on welfare' 60%" in finding.explanation("en")
        assert "'Long on welfare' 20%" in finding.explanation("en")
        assert "'Long on welfare' 20%" in finding.explanation("nl")

    def test_mitigation_price_follows_difficulty(self) -> None:
        """Pricing 'lang' at €9,000 (three times 'kort', as its odds are a third) removes the finding."""
        assert check(segmented(lang_price=900000)) == []

    def test_prices_that_differ_too_little_are_still_flagged(self) -> None:
        """At €4,500 for 'lang', a hard case is expected to earn €900 against €1,800: still 50% less."""
        (finding,) = check(segmented(lang_price=450000))
        assert finding.severity == "warning"
        assert "50%" in finding.title("en") and "50%" in finding.title("nl")
        assert "€900.00" in finding.explanation("en") and "€1,800.00" in finding.explanation("en")

    def test_threshold_is_a_parameter(self) -> None:
        """With ``max_gap`` at 60%, the 50% gap left at €4,500 passes."""
        assert check(segmented(lang_price=450000), max_gap=Decimal("0.6")) == []

    def test_leeuwarden_with_a_higher_price_for_hard_cases_passes(self) -> None:
        """Leeuwarden with segments and €5,000 (instead of €3,500) for the 'lang' segment has no finding."""
        c = leeuwarden()
        rule = c.rules[0]
        assert isinstance(rule, Tariff)
        mix = (SegmentShare(segment="kort", share=Decimal("0.5")), SegmentShare(segment="lang", share=Decimal("0.5")))
        mitigated = attrs.evolve(
            c,
            segments=(Segment(id="kort", name="Under 2 years on welfare"), Segment(id="lang", name="Longer")),
            providers=tuple(attrs.evolve(p, segment_mix=mix) for p in c.providers),
            rules=(attrs.evolve(rule, segment_prices={"lang": Cents(500000)}),),
        )
        assert check(mitigated) == []

    def test_cohort_rules_alone_are_not_checked(self) -> None:
        """A contract paid only on cohort improvement against a comparison group has no finding."""
        c = load_contract(ROOT / "contracts" / "peterborough.toml")
        assert check(c) == []
