"""``sibkit check --properties``: Hypothesis searches for outcomes where more results pay someone less,
for a reordering of the contract's lists that moves money, for a scenario that pays more than
the maximum potential payment the contract states, and for scenarios that answer a payer's questions
wrongly (``sibkit.testing.properties.PAYER_QUESTIONS``): a participant paid above the full price, hard
cases paid less than easy ones, a payer above its appropriation or budget.

Hypothesis draws outcome vectors for *this* contract (how many participants of each
provider, enrolment month and segment achieve each outcome), adds one more achiever
in one place, runs both through the engine in one batch, and looks for a party that
is paid less: the payers together, a provider, or a tranche. When it finds one it
shrinks it to the smallest case, which is reported in plain language.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

import attrs
import numpy as np
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from sibkit.checks.finding import Finding, Message, messages, money
from sibkit.engine.batch import Batch, axes, stack
from sibkit.engine.waterfall import Flows, run_batch
from sibkit.errors import SibkitError
from sibkit.i18n import N_, Count, Fact, Listing, Phrase, Word
from sibkit.model import Contract, Scenario
from sibkit.testing.properties import (
    PropertyFailure,
    full_price,
    hard_cases_never_paid_less,
    maximum_bounds_payments,
    more_results_never_cost_less,
    no_participant_paid_above_full_price,
    order_independent,
    within_appropriations,
)
from sibkit.testing.strategies import outcome_vectors, scenarios
from sibkit.texts import Texts

T = TypeVar("T")

__all__ = [
    "AboveMaximum",
    "CheaperWithMore",
    "Counterexample",
    "OrderDependence",
    "ScenarioFailure",
    "SearchNotRun",
    "above_maximum_finding",
    "cheaper_finding",
    "find_cheaper_with_more",
    "find_non_monotone",
    "find_order_dependence",
    "find_payment_above_maximum",
    "find_scenario_failure",
    "order_finding",
    "payer_question_findings",
    "property_finding",
    "scenario_failure_finding",
]

_DEFECT = N_("This is a defect in sibkit, not in the contract: please report it with the contract file.")
messages(
    "SIB-PROP-001",
    {
        "pays-less": Message(
            title=N_("More results pay someone less"),
            explanation=N_(
                "If one more participant of %(provider)s (enrolled in month %(month_number)d) reaches '%(metric)s', "
                "%(party)s is paid %(loss)s less. Smallest case found (results per outcome: %(results)s)."
            ),
            mitigation=N_(
                "Make every payment grow with results: separate caps per provider, tiers without gaps, and no share "
                "that falls once investors are repaid."
            ),
        )
    },
)
messages(
    "SIB-PROP-004",
    {
        "costs-less": Message(
            title=N_("More results cost the payers less"),
            explanation=N_("%(sentence)s To rerun it, add these scenarios to the contract file:\n%(scenarios)s"),
            mitigation=N_(
                "Make every payment grow with results: tiers that never pay less at a higher level, caps that "
                "do not fall, and no share that falls once investors are repaid."
            ),
        )
    },
)
messages(
    "SIB-PROP-002",
    {
        "order": Message(
            title=N_("The order of a list moves money"),
            explanation=N_("Listing the contract's items in another order changes a payment: %(message)s"),
            mitigation=_DEFECT,
        )
    },
)
messages(
    "SIB-PROP-003",
    {
        "above-maximum": Message(
            title=N_("A scenario pays more than the stated maximum"),
            explanation=N_(
                "At the planned enrolment, some outcomes pay more than the maximum potential payment: %(message)s"
            ),
            mitigation=_DEFECT,
        )
    },
)


messages(
    "SIB-PROP-005",
    {
        "above-full-price": Message(
            title=N_("A participant is paid more than the full price"),
            explanation=N_("%(sentence)s To rerun it, add this scenario to the contract file:\n%(scenarios)s"),
            mitigation=N_(
                "Make the rules pay one participant at most the full price: no two rules paying the same result, "
                "a maximum per participant on repeatable outcomes, or a cap per participant."
            ),
        )
    },
)
messages(
    "SIB-PROP-006",
    {
        "hard-pays-less": Message(
            title=N_("Hard cases pay less than easy ones at the same results"),
            explanation=N_("%(sentence)s The scenario of these results:\n%(scenarios)s"),
            mitigation=N_(
                "Give every harder segment at least the prices of the easier ones (segment_prices), for every "
                "result, so that providers gain nothing by choosing the easier participants."
            ),
        )
    },
)
messages(
    "SIB-PROP-007",
    {
        "above-appropriation": Message(
            title=N_("A payer pays more than it appropriated or budgeted"),
            explanation=N_("%(sentence)s To rerun it, add this scenario to the contract file:\n%(scenarios)s"),
            mitigation=N_(
                "Raise the appropriation or the budget, or cap what the payer pays (a payer cap), so that no "
                "scenario needs a new decision on the budget."
            ),
        )
    },
)


class SearchNotRun(SibkitError, RuntimeError):
    """A ``--properties`` search could not draw a single valid example for this contract (Hypothesis gave
    up: the outcome vectors of a very large contract exceed what it generates), so it found nothing
    because it searched nothing; saying "no counterexample" would be untrue."""


@attrs.frozen(kw_only=True)
class Counterexample:
    """The smallest case found: one more result, and who is paid less because of it."""

    metric: str
    provider: str
    month: int
    """Enrolment month (from the contract start) of the extra achiever."""
    party: Fact
    """Who is paid less: the payers together, a provider (its name) or a tranche."""
    loss: int
    """Cents the party receives less."""
    base_outcomes: dict[str, int]
    """Units achieved per metric in the case before the extra result."""


def property_finding(contract: Contract, found: Counterexample) -> Finding:
    """The ``--properties`` finding (``SIB-PROP-001``) for the smallest case where more results pay less."""
    results = tuple(
        Phrase.of(N_("%(metric)s: %(count)d"), metric=m, count=Count(n)) for m, n in found.base_outcomes.items()
    )
    facts: dict[str, Fact] = {
        "provider": found.provider,
        "month_number": Count(found.month),
        "metric": contract.metric(found.metric).name,
        "party": found.party,
        "loss": money(found.loss, contract.currency),
        "results": Listing(results),
    }
    return Finding(code="SIB-PROP-001", kind="pays-less", severity="error", path="$.rules", facts=facts)


def order_finding(found: OrderDependence) -> Finding:
    """The ``--properties`` finding (``SIB-PROP-002``) for a reordering that moves money: a defect in sibkit."""
    return Finding(code="SIB-PROP-002", kind="order", severity="error", path="$", facts={"message": found.message})


def above_maximum_finding(found: AboveMaximum) -> Finding:
    """The ``--properties`` finding (``SIB-PROP-003``) for a payment above the stated maximum: a defect in sibkit."""
    return Finding(
        code="SIB-PROP-003", kind="above-maximum", severity="error", path="$.caps", facts={"message": found.message}
    )


def _received(contract: Contract, flows: Flows) -> dict[Fact, np.ndarray]:
    out: dict[Fact, np.ndarray] = {Word(N_("the payers together")): flows.payer_paid.sum(axis=(1, 2))}
    for p, prov in enumerate(contract.providers):
        out[prov.name] = flows.provider_revenue[:, p]
    for j, t in enumerate(contract.tranches):
        out[Phrase.of(N_("tranche %(tranche)s"), tranche=t.id)] = (
            flows.tranche_cash[:, :, j].sum(axis=1) + flows.tranche_drawn[:, j]
        )
    return out


def _worse(contract: Contract, batch: Batch, pick: int) -> Counterexample | None:
    cells = np.argwhere(batch.enrolled[..., None] > batch.achieved)
    cells = cells[~np.asarray([contract.metrics[c[-1]].kind == "cohort_change" for c in cells], dtype=bool)]
    if len(cells) == 0:
        return None
    cell = tuple(int(x) for x in cells[pick % len(cells)])
    achieved, units = batch.achieved.copy(), batch.units.copy()
    achieved[cell] += 1
    units[cell] += 1
    flows = run_batch(contract, stack([batch, attrs.evolve(batch, achieved=achieved, units=units)]))
    for party, got in _received(contract, flows).items():
        if got[1] < got[0]:
            ax = axes(contract)
            return Counterexample(
                metric=ax.metrics[cell[4]],
                provider=ax.providers[cell[2]],
                month=cell[1],
                party=party,
                loss=int(got[0] - got[1]),
                base_outcomes={m: int(batch.achieved[..., i].sum()) for i, m in enumerate(ax.metrics)},
            )
    return None


def find_non_monotone(contract: Contract, *, max_examples: int = 300) -> Counterexample | None:
    """The smallest outcome vector where one more result pays some party less, or None."""
    strategy = st.tuples(outcome_vectors(contract), st.integers(min_value=0, max_value=10**6))
    found = _search(
        strategy,
        lambda pair: _worse(contract, pair[0], pair[1]) is not None,
        max_examples=max_examples,
        what="one more result that pays someone less",
        suppress=True,
    )
    return None if found is None else _worse(contract, *found)


def _search(
    strategy: st.SearchStrategy[T],
    condition: Callable[[T], bool],
    *,
    max_examples: int,
    what: str,
    shrink: bool = True,
    suppress: bool = False,
) -> T | None:
    """The example of ``strategy`` that meets ``condition`` (the smallest, with ``shrink``), or None: one
    deterministic search (derandomized, no example database), the same for every ``--properties`` finding.
    ``suppress``: no health checks (the outcome-vector searches draw large arrays by design). Raises
    ``SearchNotRun(what)`` when Hypothesis cannot draw examples for the contract."""
    try:
        return find(
            strategy,
            condition,
            settings=settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate, Phase.shrink] if shrink else [Phase.generate],
                suppress_health_check=list(HealthCheck) if suppress else [],
            ),
        )
    except NoSuchExample:
        return None
    except Unsatisfiable as exc:
        raise SearchNotRun(what) from exc


def _first_failure(
    strategy: st.SearchStrategy[T], prop: Callable[[T], object], max_examples: int, what: str
) -> str | None:
    """The message of the first ``AssertionError`` that ``prop`` raises on an example of ``strategy``
    (a deterministic search, no shrinking: the message already says what went wrong), or None."""
    found: list[str] = []

    def fails(example: T) -> bool:
        try:
            prop(example)
        except AssertionError as exc:
            found.append(str(exc))
            return True
        return False

    if _search(strategy, fails, max_examples=max_examples, what=what, shrink=False, suppress=True) is None:
        return None
    return found[-1]


@attrs.frozen(kw_only=True)
class OrderDependence:
    """Listing the contract's items in another order changed a movement of money."""

    message: str
    """What changed, as the property ``order_independent`` says it."""


def find_order_dependence(contract: Contract, *, max_examples: int = 25) -> OrderDependence | None:
    """A reordering of ``contract``'s order-free lists (``sibkit.testing.properties.reordered``) that changes
    any movement of money in its default scenario, or None. sibkit computes in a canonical order, so
    this should never find one; it is offered so that an analyst can see it hold for their own contract."""
    message = _first_failure(
        st.integers(min_value=0, max_value=2**32 - 1),
        lambda seed: order_independent(contract, random.Random(seed)),
        max_examples,
        "a reordering of the contract's lists that moves money",
    )
    return None if message is None else OrderDependence(message=message)


@attrs.frozen(kw_only=True)
class AboveMaximum:
    """A scenario at the planned enrolment paid more than the maximum potential payment."""

    message: str
    """Who paid how much above which maximum, as ``maximum_bounds_payments`` says it."""


def find_payment_above_maximum(contract: Contract, *, max_examples: int = 100) -> AboveMaximum | None:
    """A batch of outcomes at the planned enrolment (``outcome_vectors``) in which some payer, metric, rule
    or provider is paid more than ``maximum_payment`` says it can be, or None. The maximum is meant to be
    a true upper bound, so this should never find one."""
    message = _first_failure(
        outcome_vectors(contract),
        lambda batch: maximum_bounds_payments(contract, batch),
        max_examples,
        "outcomes that pay more than the stated maximum",
    )
    return None if message is None else AboveMaximum(message=message)


@attrs.frozen(kw_only=True)
class CheaperWithMore:
    """Scenarios, in the contract's own terms, where more results cost the payers less."""

    failure: PropertyFailure
    """What broke (in words, in each language asked) and the two scenarios as TOML, to rerun."""
    sentences: dict[str, str]
    """The sentence per language code."""


def find_cheaper_with_more(
    contract: Contract, *, max_examples: int = 100, langs: tuple[str, ...] = ("en", "nl")
) -> CheaperWithMore | None:
    """The smallest scenario (a success rate per outcome, ``sibkit.testing.strategies.scenarios``) where raising
    one outcome's rates makes the payers together pay less (``more_results_never_cost_less``), or None. Unlike
    ``find_non_monotone`` it searches scenarios, so what it finds is a ``[[scenarios]]`` block to rerun."""
    what = "more results that cost the payers less"
    found = _failing_scenario(
        contract, more_results_never_cost_less, max_examples=max_examples, what=what, langs=langs, own_first=False
    )
    return None if found is None else CheaperWithMore(failure=found[0], sentences=found[1])


def _failing_scenario(
    contract: Contract,
    prop: ScenarioProperty,
    *,
    max_examples: int,
    what: str,
    langs: tuple[str, ...],
    own_first: bool,
) -> tuple[PropertyFailure, dict[str, str]] | None:
    """The smallest scenario for which ``prop`` raises ``PropertyFailure`` (with ``own_first``, the contract's
    own scenarios are tried before a search), as its failure and its sentence in every language of ``langs``;
    or None."""

    def fails(scenario: Scenario) -> bool:
        try:
            prop(contract, scenario)
        except PropertyFailure:
            return True
        return False

    found = next((sc for sc in contract.scenarios if fails(sc)), None) if own_first else None
    if found is None:
        found = _search(scenarios(contract), fails, max_examples=max_examples, what=what)
        if found is None:
            return None
    sentences: dict[str, str] = {}
    failure: PropertyFailure | None = None
    for lang in langs:
        try:
            prop(contract, found, lang=lang)
        except PropertyFailure as exc:
            sentences[lang] = exc.sentence
            failure = failure or exc
    assert failure is not None  # it failed above, and the engine is deterministic
    return failure, sentences


def cheaper_finding(found: CheaperWithMore) -> Finding:
    """The ``--properties`` finding (``SIB-PROP-004``): more results cost the payers less, with the scenarios to
    rerun. The sentence is the property's own, in the language of the output (English where not given)."""
    return Finding(
        code="SIB-PROP-004",
        kind="costs-less",
        severity="error",
        path="$.rules",
        facts={"sentence": Texts(found.sentences), "scenarios": found.failure.toml},
    )


@attrs.frozen(kw_only=True)
class ScenarioFailure:
    """A scenario, in the contract's own terms, for which a ready property of ``PAYER_QUESTIONS`` fails."""

    code: str
    """The finding's code: ``SIB-PROP-005`` (full price), ``-006`` (hard cases), ``-007`` (appropriation)."""
    failure: PropertyFailure
    """What broke (in English) and the scenario as TOML, to rerun."""
    sentences: dict[str, str]
    """The sentence per language code."""


ScenarioProperty = Callable[..., None]
"""A ready property in scenario form: ``prop(contract, scenario, *, lang="en")``, raising ``PropertyFailure``."""

_SEARCHED: tuple[tuple[str, str, str, ScenarioProperty], ...] = (
    ("SIB-PROP-005", "above-full-price", "$.rules", no_participant_paid_above_full_price),
    ("SIB-PROP-006", "hard-pays-less", "$.segments", hard_cases_never_paid_less),
    ("SIB-PROP-007", "above-appropriation", "$.payers", within_appropriations),
)
"""The scenario-form properties ``check --properties`` searches: code, kind, path, property."""


def find_scenario_failure(
    contract: Contract,
    prop: ScenarioProperty,
    code: str,
    *,
    max_examples: int = 50,
    langs: tuple[str, ...] = ("en", "nl"),
) -> ScenarioFailure | None:
    """The smallest scenario (``sibkit.testing.strategies.scenarios``; the contract's own scenarios tried first)
    for which ``prop`` raises ``PropertyFailure``, or None; the failure in every language of ``langs``."""
    found = _failing_scenario(contract, prop, max_examples=max_examples, what=code, langs=langs, own_first=True)
    return None if found is None else ScenarioFailure(code=code, failure=found[0], sentences=found[1])


def scenario_failure_finding(found: ScenarioFailure) -> Finding:
    """The ``--properties`` finding for a failed scenario-form property (``SIB-PROP-005`` to ``-007``): the
    property's sentence in the language of the output and the scenario to rerun."""
    kind, path = next((k, p) for c, k, p, _ in _SEARCHED if c == found.code)
    return Finding(
        code=found.code,
        kind=kind,
        severity="error",
        path=path,
        facts={"sentence": Texts(found.sentences), "scenarios": found.failure.toml},
    )


def payer_question_findings(contract: Contract, *, max_examples: int = 50) -> list[Finding]:
    """The findings of the searches for a participant paid above the full price (``SIB-PROP-005``), hard cases
    paid less than easy ones (``SIB-PROP-006``) and a payer above its appropriation or budget
    (``SIB-PROP-007``), in that order; a property with nothing to compare in this contract (no segments, no
    appropriation or budget, no full price) is not searched."""
    out: list[Finding] = []
    for code, _, _, prop in _SEARCHED:
        if prop is hard_cases_never_paid_less and len(contract.segments) < 2:
            continue
        if prop is no_participant_paid_above_full_price and all(
            full_price(contract, p.id, seg.id if seg else None) is None
            for p in contract.providers
            for seg in (contract.segments or (None,))
        ):
            continue
        if prop is within_appropriations and not any(
            p.appropriations or p.budget is not None or any(c.appropriations for c in p.contributors)
            for p in contract.payers
        ):
            continue
        found = find_scenario_failure(contract, prop, code, max_examples=max_examples)
        if found is not None:
            out.append(scenario_failure_finding(found))
    return out
