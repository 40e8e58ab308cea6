"""SIB-PARK-001: participants whose expected outcome payment is below their cost."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.finding import money
from sibkit.checks.parking import CODE, expected_payment_per_participant, parking
from sibkit.i18n import Language
from sibkit.load import load_contract, loads
from sibkit.model import Contract, RateCard, Tariff
from sibkit.money import Cents

from conftest import EXAMPLE, ROOT

SEGMENTED = (ROOT / "tests" / "checks" / "contracts" / "segmented.toml").read_text(encoding="utf-8")


def leeuwarden() -> Contract:
    """The example contract: the Leeuwarden Oost pilot."""
    return load_contract(EXAMPLE)


def check(c: Contract, **thresholds: Decimal) -> list[Finding]:
    """The check's findings for ``c`` with its own context."""
    return parking(c, Context(c), **thresholds)


def dear_dreamfabryk() -> Contract:
    """Leeuwarden with Dreamfabryk spending €2,500 per participant instead of €1,500."""
    c = leeuwarden()
    providers = tuple(
        attrs.evolve(p, cost_per_participant=Cents(250000)) if p.id == "dreamfabryk" else p for p in c.providers
    )
    return attrs.evolve(c, providers=providers)


class TestParking:
    def test_leeuwarden_covers_its_costs(self) -> None:
        """Both pilot providers expect €1,855 per participant, above their €1,100 and €1,500 costs: no finding."""
        c = leeuwarden()
        assert expected_payment_per_participant(c, Context(c), "dreamfabryk", None) == Decimal(185500)
        assert check(c) == []

    def test_provider_below_cost_is_a_warning(self) -> None:
        """At €2,500 per participant Dreamfabryk loses €645 on each: a warning on its cost, with both numbers."""
        (finding,) = check(dear_dreamfabryk())
        assert finding.code == CODE and finding.severity == "warning"
        assert finding.path == "$.providers[1].cost_per_participant"
        assert "Dreamfabryk" in finding.title("en")
        assert "€1,855.00" in finding.explanation("en") and "€2,500.00" in finding.explanation("en")
        assert "€645.00" in finding.explanation("en")
        assert "€\u00a01.855,00" in finding.explanation("nl") and "parkeren" in finding.explanation("nl")

    def test_mitigation_higher_tariff(self) -> None:
        """Raising the tariff to €5,000 (expected €2,650 per participant) removes the finding."""
        c = dear_dreamfabryk()
        rule = c.rules[0]
        assert isinstance(rule, Tariff)
        mitigated = attrs.evolve(c, rules=(attrs.evolve(rule, price_per_participant=Cents(500000)),))
        assert check(mitigated) == []

    def test_hard_segment_below_cost(self) -> None:
        """The 'lang' segment expects 20% × €3,000 = €600 against €1,000 of cost; 'kort' (€1,800) is fine."""
        (finding,) = check(loads(SEGMENTED))
        assert finding.severity == "warning"
        assert "'Long on welfare'" in finding.title("en") and "Short on welfare" not in finding.explanation("en")
        assert "€600.00" in finding.explanation("en") and "50%" in finding.explanation("en")

    def test_mitigation_segment_price(self) -> None:
        """A €6,000 price for 'lang' (expected €1,200 per participant) covers the €1,000 cost."""
        c = loads(SEGMENTED)
        card = c.rules[0]
        assert isinstance(card, RateCard)
        entry = attrs.evolve(card.entries[0], segment_prices={"lang": Cents(600000)})
        mitigated = attrs.evolve(c, rules=(attrs.evolve(card, entries=(entry,)),))
        assert check(mitigated) == []

    def test_threshold_is_a_parameter(self) -> None:
        """With ``min_cover`` at 50%, €600 of expected payment against €1,000 of cost passes."""
        assert check(loads(SEGMENTED), min_cover=Decimal("0.5")) == []


class TestFormatAmount:
    def test_dutch_and_english(self) -> None:  # every check's money facts are written this way
        """Amounts are rounded half up to the cent and written as Babel writes them for the language (as the
        term sheets do): Dutch separators and a no-break space after the sign in Dutch; US$ for dollars."""
        assert Language("en").value(money(Decimal("185500.4"), "EUR")) == "€1,855.00"
        assert Language("en").value(money(Decimal("-1249.5"), "EUR")) == "-€12.50"
        assert Language("en").value(money(350000, "USD")) == "US$3,500.00"
        assert Language("nl").value(money(185500, "EUR")) == "€\u00a01.855,00"
        assert Language("nl").value(money(-12345, "GBP")) == "£\u00a0-123,45"
