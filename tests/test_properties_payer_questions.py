"""The ready properties in scenario form (issue #18, item 4): each answers a question a payer asks of its own
contract, and a failure is one sentence (English or Dutch) plus the scenario as TOML to rerun.

Small contracts written here make each property fail for a reason worked out by hand; every bundled contract
passes every property in its own scenarios.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from sibkit.engine.maximum import MaximumPayment
from sibkit.load import load_contract, loads
from sibkit.model import Contract, Scenario, ScenarioOutcome
from sibkit.testing import properties
from sibkit.testing.properties import (
    PAYER_QUESTIONS,
    PropertyFailure,
    difficulty_order,
    full_price,
    hard_cases_never_paid_less,
    maximum_bounds_every_payment,
    money_reconciles,
    more_results_never_cost_less,
    no_participant_paid_above_full_price,
    reordering_changes_nothing,
    within_appropriations,
)

from conftest import EXAMPLE, ROOT

BUNDLED = sorted((ROOT / "contracts").glob("*.toml"))
SEGMENTED = (ROOT / "tests" / "checks" / "contracts" / "segmented.toml").read_text(encoding="utf-8")

SHARED_CAP = """
format = 1
name = "Two payers under one contract cap"
currency = "EUR"

[timeline]
start = 2024-01-01
enrolment_months = 1
service_months = 12
term_months = 12
payment_frequency = "end"

[[payers]]
id = "gemeente"
name = "Gemeente"

[[payers]]
id = "fonds"
name = "Fonds"

[[providers]]
id = "coach"
name = "Coach"
capacity = 100
enrolment = { monthly = [100] }
cost_per_participant = 1000

[[metrics]]
id = "werk"
name = "Work"
observation_months = 6

[[metrics]]
id = "school"
name = "School"
observation_months = 6

[[rules]]
type = "rate_card"
id = "werk-card"
entries = [ { metric = "werk", price = 1000 } ]
paid_by = [ { payer = "gemeente", share = 1 } ]

[[rules]]
type = "rate_card"
id = "school-card"
entries = [ { metric = "school", price = 1000 } ]
paid_by = [ { payer = "fonds", share = 1 } ]

[[caps]]
level = "contract"
amount = 50000
"""
"""Worked out by hand: 50 workers and 50 school results are €100,000 due; the €50,000 contract cap cuts each
line pro rata, so each payer pays €25,000. Five points more work (55 workers) make €105,000 due: the Fonds's
part of the cap falls to 50/105 × €50,000 = €23,809.52. The Fonds pays €1,190.48 less for more results."""

HALF = Scenario(
    name="half",
    outcomes=(
        ScenarioOutcome(metric="werk", rate=Decimal("0.5")),
        ScenarioOutcome(metric="school", rate=Decimal("0.5")),
    ),
)

APPROPRIATED = SHARED_CAP.replace(
    'id = "gemeente"\nname = "Gemeente"',
    'id = "gemeente"\nname = "Gemeente"\nappropriations = [ { year = 2024, amount = 20000 } ]',
).replace('id = "fonds"\nname = "Fonds"', 'id = "fonds"\nname = "Fonds"\nbudget = 24000')
"""The shared-cap contract, where the Gemeente appropriated €20,000 for 2024 and the Fonds budgeted €24,000.
Both pay €25,000 at the end of the twelve months (December 2024, budget year 2024) at half the results."""

DOUBLE_PAID = SHARED_CAP.replace(
    '[[caps]]\nlevel = "contract"\namount = 50000\n',
    '[[rules]]\ntype = "rate_card"\nid = "werk-bonus"\nentries = [ { metric = "werk", price = 500 } ]\n'
    'paid_by = [ { payer = "fonds", share = 1 } ]\n',
)
"""Work paid twice (€1,000 and a €500 bonus), school €1,000: the rules' full price is €2,500 per participant."""


def _segmented(lang_price: int) -> Contract:
    """The two-segment contract (60% of 'kort' and 20% of 'lang' find work) with 'lang' priced at ``lang_price``
    (currency units) and 'kort' at 3,000."""
    text = SEGMENTED.replace(
        'entries = [ { metric = "werk", price = 3000 } ]',
        f'entries = [ {{ metric = "werk", price = 3000, segment_prices = {{ lang = {lang_price} }} }} ]',
    )
    return loads(text)


class TestMoreResultsNeverCostLess:
    def test_names_the_payer_and_the_cap(self) -> None:
        """A shared contract cap moves money between payers: more work results cost the Fonds less, and the
        sentence says which cap causes it."""
        with pytest.raises(PropertyFailure) as err:
            more_results_never_cost_less(loads(SHARED_CAP), HALF)
        assert err.value.sentence == (
            "With more 'Work' results (every rate 5% higher), Fonds pays €1,190.48 less: €23,809.52 instead of "
            "€25,000.00. It is caused by the contract cap of €50,000.00, which binds with more results."
        )
        assert '[[scenarios]]\nname = "counterexample-more"' in err.value.toml

    def test_in_dutch(self) -> None:
        """The same failure in Dutch, with the cap in the glossary's word (plafond)."""
        with pytest.raises(PropertyFailure) as err:
            more_results_never_cost_less(loads(SHARED_CAP), HALF, lang="nl")
        assert err.value.sentence.startswith("Met meer resultaten voor 'Work' (elk percentage 5% hoger) betaalt Fonds")
        assert "Dat komt door het plafond van €\u00a050.000,00 voor het hele contract" in err.value.sentence

    def test_below_the_cap_more_costs_more(self) -> None:
        """While the cap does not bind, each payer pays for its own results: nothing to report."""
        low = Scenario(name="low", outcomes=(ScenarioOutcome(metric="werk", rate=Decimal("0.1")),))
        more_results_never_cost_less(loads(SHARED_CAP), low)

    def test_a_share_that_falls_once_investors_are_repaid(self) -> None:
        """Utah's payers pay 95% of the avoided cost until the investors are repaid, then 40%: more results repay
        the investors sooner, so at 38% the payers pay less with five points more (a real flaw of the deal shape)."""
        utah = load_contract(ROOT / "contracts" / "utah-preschool.toml")
        at = Scenario(
            name="x", outcomes=(ScenarioOutcome(metric="special-ed-avoided", rate=Decimal("0.38"), units=Decimal(3)),)
        )
        with pytest.raises(PropertyFailure) as err:
            more_results_never_cost_less(utah, at)
        assert err.value.sentence.startswith(
            "With more 'Child-years without special education' results (every rate 5% higher), the payers together "
            "pay US$67,651.65 less"
        )
        assert err.value.sentence.endswith(
            "It is caused by the share of the savings on 'Child-years without special education', which falls from "
            "95% to 40% once the investors are repaid: more results repay them sooner."
        )


class TestFullPrice:
    def test_the_pilot_full_price_is_its_tariff(self) -> None:
        """Leeuwarden pays €3,500 per participant at full result, for either provider."""
        pilot = load_contract(EXAMPLE)
        assert {full_price(pilot, p.id) for p in pilot.providers} == {350_000}

    def test_a_participant_cap_bounds_it(self) -> None:
        """The UK rate card caps what one participant earns at £15,000."""
        uk = load_contract(ROOT / "contracts" / "uk-rate-card.toml")
        assert full_price(uk, uk.providers[0].id) == 1_500_000

    def test_no_full_price_for_a_share_of_savings(self) -> None:
        """A share of savings has no per-participant maximum: None, and nothing to check."""
        utah = load_contract(ROOT / "contracts" / "utah-preschool.toml")
        assert full_price(utah, utah.providers[0].id) is None
        no_participant_paid_above_full_price(utah, utah.default_scenario())

    def test_work_paid_twice_is_above_the_stated_price(self) -> None:
        """The analyst states the full price (€2,000: work and school once each); a second rule that pays work
        again makes 100 participants with results cost €2,500 each at full success."""
        contract = loads(DOUBLE_PAID)
        everything = Scenario(
            name="all",
            outcomes=(
                ScenarioOutcome(metric="werk", rate=Decimal(1)),
                ScenarioOutcome(metric="school", rate=Decimal(1)),
            ),
        )
        assert full_price(contract, "coach") == 250_000
        no_participant_paid_above_full_price(contract, everything)  # the rules' own full price holds
        with pytest.raises(PropertyFailure) as err:
            no_participant_paid_above_full_price(contract, everything, price=200_000)
        assert err.value.sentence == (
            "Coach is paid €250,000.00 for the results of at most 100 participants, more than the full price per "
            "participant allows: €200,000.00 at most."
        )
        with pytest.raises(PropertyFailure) as dutch:
            no_participant_paid_above_full_price(contract, everything, price=200_000, lang="nl")
        assert dutch.value.sentence.startswith(
            "Coach ontvangt €\u00a0250.000,00 voor de resultaten van hoogstens 100 deelnemers"
        )


class TestHardCases:
    def test_the_harder_segment_is_the_one_with_lower_expected_success(self) -> None:
        """20% of 'lang' find work against 60% of 'kort': 'lang' is harder."""
        assert difficulty_order(_segmented(3000)) == ("kort", "lang")

    def test_a_lower_price_for_hard_cases_fails(self) -> None:
        """'lang' at €2,500 against 'kort' at €3,000: the same results pay the coach less for the harder cases.
        At 50% of 100 participants (50 results, all inside the term) that is €125,000 against €150,000."""
        with pytest.raises(PropertyFailure) as err:
            hard_cases_never_paid_less(
                _segmented(2500), Scenario(name="x", outcomes=(ScenarioOutcome(metric="werk", rate=Decimal("0.5")),))
            )
        assert err.value.sentence == (
            "At the same results, Coach is paid €125,000.00 when its participants are in 'Long on welfare' and "
            "€150,000.00 when they are in 'Short on welfare': the harder cases pay €25,000.00 less."
        )
        assert 'name = "counterexample"' in err.value.toml

    def test_a_higher_price_for_hard_cases_holds(self) -> None:
        """'lang' at €4,500: hard cases pay more; an explicit order the other way round makes it fail."""
        contract = _segmented(4500)
        scenario = contract.default_scenario()
        hard_cases_never_paid_less(contract, scenario)
        with pytest.raises(PropertyFailure):
            hard_cases_never_paid_less(contract, scenario, easiest_first=("lang", "kort"))

    def test_an_unknown_segment_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="unknown segment"):
            hard_cases_never_paid_less(_segmented(3000), HALF, easiest_first=("kort", "midden"))


class TestWithinAppropriations:
    def test_a_year_above_its_appropriation(self) -> None:
        """The Gemeente pays €25,000 in 2024 against €20,000 appropriated."""
        with pytest.raises(PropertyFailure) as err:
            within_appropriations(loads(APPROPRIATED), HALF)
        assert err.value.sentence == (
            "Gemeente pays €25,000.00 in budget year 2024, €5,000.00 more than the €20,000.00 it appropriated for "
            "that year."
        )
        with pytest.raises(PropertyFailure) as dutch:
            within_appropriations(loads(APPROPRIATED), HALF, lang="nl")
        assert "in begrotingsjaar 2024" in dutch.value.sentence and "geraamd" in dutch.value.sentence

    def test_a_payer_above_its_budget(self) -> None:
        """With the Gemeente's appropriation raised, the Fonds's €24,000 budget is the one exceeded."""
        text = APPROPRIATED.replace("amount = 20000 }", "amount = 30000 }")
        with pytest.raises(PropertyFailure) as err:
            within_appropriations(loads(text), HALF)
        assert (
            err.value.sentence == "Fonds pays €25,000.00 over the term, €1,000.00 more than its budget of €24,000.00."
        )

    def test_a_year_without_appropriation(self) -> None:
        """Appropriating for 2025 only while the payment falls in 2024."""
        text = APPROPRIATED.replace("year = 2024", "year = 2025").replace("budget = 24000", "")
        with pytest.raises(PropertyFailure) as err:
            within_appropriations(loads(text), HALF)
        assert err.value.sentence == "Gemeente pays €25,000.00 in budget year 2024, for which it appropriated nothing."


class TestEnginePromises:
    def test_an_understated_maximum_is_reported(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With the maximum understated (a tenth of the true one), the pilot's base scenario is above it."""
        real = properties.maximum_payment

        def understated(contract: Contract) -> MaximumPayment:
            mx = real(contract)
            assert mx.total is not None
            return attrs.evolve(mx, total=mx.total // 10)

        monkeypatch.setattr(properties, "maximum_payment", understated)
        pilot = load_contract(EXAMPLE)
        with pytest.raises(PropertyFailure) as err:
            maximum_bounds_every_payment(pilot, pilot.default_scenario())
        assert err.value.sentence.startswith(
            "This scenario pays more than the stated maximum potential payment: all payers"
        )

    def test_a_reordering_that_moves_money_is_reported(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """If a reordered copy paid differently (here: a copy with the caps removed), the property says so."""
        monkeypatch.setattr(properties, "reordered", lambda contract, rnd: attrs.evolve(contract, caps=()))
        contract = loads(SHARED_CAP)
        with pytest.raises(PropertyFailure) as err:
            reordering_changes_nothing(contract, HALF, seed=3)
        assert err.value.sentence.startswith(
            "Listing the contract's items in another order (seed 3) changes a payment in this scenario:"
        )

    def test_money_that_does_not_reconcile_is_reported(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def broken(contract: Contract, batch: object) -> None:
            raise AssertionError("money created or lost: [1]")

        monkeypatch.setattr(properties, "conservation", broken)
        with pytest.raises(PropertyFailure) as err:
            money_reconciles(loads(SHARED_CAP), HALF)
        assert (
            err.value.sentence
            == "In this scenario the money does not reconcile to the cent: money created or lost: [1]"
        )


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_contract_passes_in_its_own_scenarios(path: Path) -> None:
    """Every ready property holds for every bundled contract in each of its scenarios (the Utah and Sociaal
    Hospitaal flaws need scenarios the files do not hold: see test_property_docs)."""
    contract = load_contract(path)
    for scenario in contract.scenarios or (contract.default_scenario(),):
        for prop in PAYER_QUESTIONS:
            prop(contract, scenario)


def test_payer_questions_are_public() -> None:
    """Every ready property in scenario form is exported."""
    assert {p.__name__ for p in PAYER_QUESTIONS} <= set(properties.__all__)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_variants_are_the_engines_own_batches(path: Path) -> None:
    """``more_results_never_cost_less`` recomputes only the changed metric's counts of each variant: they equal
    the engine's ``deterministic_batch`` of the whole variant, for every scenario of every bundled contract."""
    import numpy as np

    from sibkit.engine.batch import deterministic_batch

    contract = load_contract(path)
    for scenario in contract.scenarios:
        first = deterministic_batch(contract, scenario)
        for m, metric in enumerate(contract.metrics):
            variant = properties._more(scenario, metric.id, Decimal("0.05"), "more")
            fast = properties._one_metric_changed(contract, first, variant, m)
            full = deterministic_batch(contract, variant)
            for name in ("enrolled", "achieved", "units", "offset", "improvement"):
                assert np.array_equal(getattr(fast, name), getattr(full, name)), (scenario.name, metric.id, name)


class TestSegmentCaps:
    def test_a_binding_segment_cap_is_named(self) -> None:
        """A €30,000 cap on 'Short on welfare': at 60% of its 50 participants (30 × €3,000 = €90,000 due) it binds,
        and it is said in words."""
        contract = loads(SEGMENTED + '\n[[caps]]\nlevel = "segment"\ntarget = "kort"\namount = 30000\n')
        from sibkit.engine.batch import deterministic_batch
        from sibkit.engine.waterfall import run_batch
        from sibkit.i18n import Language

        flows = run_batch(contract, deterministic_batch(contract, contract.default_scenario()))
        caps = properties.binding_caps(contract, flows, 0)
        assert [c.target for c in caps] == ["kort"]
        assert properties._cap_label(contract, caps[0], Language("en")) == (
            "the cap on the segment 'Short on welfare' of €30,000.00"
        )

    def test_a_counted_segment_pays_the_higher_price(self) -> None:
        """With only 10 of 'lang' paid its €2,500, the others are paid the ordinary €3,000: the full price of a
        'lang' participant is the higher of the two; the property holds in the contract's scenario."""
        text = SEGMENTED.replace(
            'entries = [ { metric = "werk", price = 3000 } ]',
            'entries = [ { metric = "werk", price = 3000, segment_prices = { lang = 2500 } } ]',
        )
        contract = loads(text + '\n[[caps]]\nlevel = "segment"\ntarget = "lang"\nparticipants = 10\n')
        assert full_price(contract, "coach", "lang") == 300_000
        assert full_price(contract, "coach", "kort") == 300_000
        no_participant_paid_above_full_price(contract, contract.default_scenario())
        assert properties.binding_caps(contract, run_default(contract), 0) == ()


def run_default(contract: Contract) -> object:
    """The engine's flows for the contract's default scenario."""
    from sibkit.engine.batch import deterministic_batch
    from sibkit.engine.waterfall import run_batch

    return run_batch(contract, deterministic_batch(contract, contract.default_scenario()))
