"""SIB-SHORT-001: most of the money paid for entry outcomes rather than lasting ones."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.short_termism import CODE, entry_metrics, short_termism
from sibkit.load import load_contract, loads
from sibkit.model import Contract, RateCard, RateCardEntry
from sibkit.money import Cents

from conftest import EXAMPLE

JOBS = """
format = 1
name = "Job entry and job retention"

[timeline]
start = 2024-01-01
enrolment_months = 6
service_months = 12
term_months = 24

[[payers]]
id = "gemeente"
name = "Gemeente"

[[providers]]
id = "coach"
name = "Coach"
capacity = 60
enrolment = { total = 60, months = 6 }
cost_per_participant = 1000

[[metrics]]
id = "entry"
name = "Starts work"
kind = "event"
observation_months = 3

[[metrics]]
id = "still-in-work"
name = "Still in work after 6 months"
kind = "milestone"
requires = ["entry"]
sustained_months = 6
observation_months = 9

[[rules]]
type = "rate_card"
id = "jobs"
entries = [ { metric = "entry", price = 3000 }, { metric = "still-in-work", price = 1000 } ]

[[scenarios]]
name = "base"
outcomes = [ { metric = "entry", rate = 0.5 }, { metric = "still-in-work", rate = 0.3 } ]
"""


def check(c: Contract, *, threshold: Decimal = Decimal("0.5"), long_term_months: int = 12) -> list[Finding]:
    """The check's findings for ``c`` with its own context."""
    return short_termism(c, Context(c), threshold=threshold, long_term_months=long_term_months)


def jobs(entry: int, sustained: int) -> Contract:
    """The job contract with these prices (whole euros) for entry and for still being in work."""
    c = loads(JOBS)
    card = c.rules[0]
    assert isinstance(card, RateCard)
    entries = (
        RateCardEntry(metric="entry", price=Cents(entry * 100)),
        RateCardEntry(metric="still-in-work", price=Cents(sustained * 100)),
    )
    return attrs.evolve(c, rules=(attrs.evolve(card, entries=entries),))


class TestShortTermism:
    def test_entry_heavy_chain_is_a_warning(self) -> None:
        """€3,000 for starting work and €1,000 for still working after 6 months: 75% for entry, a warning."""
        (finding,) = check(loads(JOBS))
        assert finding.code == CODE and finding.severity == "warning"
        assert finding.path == "$.metrics[0].sustained_months"
        assert "75%" in finding.title("en") and "75%" in finding.title("nl")
        assert "25%" in finding.explanation("en") and "Still in work after 6 months (6 months)" in finding.explanation("en")

    def test_mitigation_pay_more_for_sustained_work(self) -> None:
        """Swapping the prices (€1,000 entry, €3,000 sustained) puts 25% on entry: no finding."""
        assert check(jobs(1000, 3000)) == []

    def test_threshold_is_a_parameter(self) -> None:
        """With the threshold at 80%, the 75% entry share passes."""
        assert check(loads(JOBS), threshold=Decimal("0.8")) == []

    def test_leeuwarden_nothing_has_to_last(self) -> None:
        """The 36-month pilot pays its societal and process results (30% of the money) on reaching them, and
        nothing has to last: information."""
        (finding,) = check(load_contract(EXAMPLE))
        assert finding.code == CODE and finding.severity == "info"
        assert "30%" in finding.explanation("en") and "36 months" in finding.explanation("en")
        assert "36 maanden" in finding.explanation("nl")

    def test_leeuwarden_with_a_retention_requirement(self) -> None:
        """Requiring the societal result to last 6 months removes the finding."""
        c = load_contract(EXAMPLE)
        metrics = tuple(attrs.evolve(m, sustained_months=6) if m.id == "maatschappelijk" else m for m in c.metrics)
        assert check(attrs.evolve(c, metrics=metrics)) == []

    def test_short_contracts_are_not_flagged(self) -> None:
        """With ``long_term_months`` at 36, the 36-month pilot is short enough to pass."""
        assert check(load_contract(EXAMPLE), long_term_months=36) == []

    def test_entry_metrics(self) -> None:
        """Entry outcomes are events and milestones that need not last; a 'change' metric is neither."""
        assert [m.id for m in entry_metrics(load_contract(EXAMPLE))] == ["maatschappelijk", "procesmatig"]
