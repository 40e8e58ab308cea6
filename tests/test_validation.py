"""The whole-contract validations of ``sibkit.model.validation``: their order and each on its own.

``tests/validation/many-problems.toml`` breaks nearly every whole-contract rule, several times and
across parts; ``uncertain-ranges.toml`` breaks the ones it cannot (payers that half give a share, an
uncertainty range that misses its expected rate). The tables below were recorded from
``contract_problems`` as one 315-line function, before it was split into ``VALIDATIONS``; each row
names the validation that now reports it. They pin every message, path and the order of the problems.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from sibkit.engine import ledger
from sibkit.errors import ContractFileError
from sibkit.i18n import Language
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.model import contract as contract_module
from sibkit.model import scale as scale_module
from sibkit.model.validation import (
    ENGINE_ACCOUNTS,
    VALIDATIONS,
    Refs,
    Validation,
    contract_problems,
    payer_shares,
    provider_plans,
    rule_links,
    texts,
    unknown,
)

HERE = Path(__file__).resolve().parent / "validation"
"""The multi-problem contract files."""

MANY_PROBLEMS: list[tuple[str, str]] = [
    ("unique_ids", "id 'gemeente' is used 2 times; ids must be unique @ $.payers[0].id"),
    ("unique_ids", "id 's1' is used 2 times; ids must be unique @ $.sources[0].id"),
    ("unique_ids", "id 'base' is used 2 times; ids must be unique @ $.scenarios[0].name"),
    ("payer_shares", "payer shares sum to 80%, expected 100% @ $.payers"),
    (
        "payer_shares",
        "the fund's budget (€2,000.00) is more than its contributors commit (€1,000.00) @ $.payers[1].budget",
    ),
    (
        "provider_plans",
        "enrolment runs to month 13, after the enrolment window (months 0–11) @ $.providers[0].enrolment",
    ),
    ("provider_plans", "plans 40 participants, more than the capacity of 30 @ $.providers[0].enrolment"),
    ("provider_plans", "cost profile sums to 90%, expected 100% @ $.providers[0].cost_profile"),
    ("provider_plans", "unknown segment 'hard'; expected one of: 'easy' @ $.providers[0].segment_mix[0].segment"),
    ("provider_plans", "segment shares sum to 60%, expected 100% @ $.providers[0].segment_mix"),
    ("provider_plans", "the contract has difficulty segments; give this provider's mix @ $.providers[1].segment_mix"),
    (
        "metric_links",
        "unknown party 'nobody'; expected one of: 'bank', 'coach', 'fonds', 'gemeente', 'providers', 'trainer' @ $.metrics[0].measured_by",
    ),
    (
        "metric_links",
        "unknown metric 'unknown-metric'; expected one of: 'cohort', 'orphan', 'traject', 'werk' @ $.metrics[0].requires[1]",
    ),
    ("metric_links", "a cohort_change metric needs 'baseline': the counterfactual level @ $.metrics[2].baseline"),
    ("rule_links", "unknown provider 'teacher'; expected one of: 'coach', 'trainer' @ $.rules[0].providers[1]"),
    ("rule_links", "unknown payer 'stad'; expected one of: 'fonds', 'gemeente' @ $.rules[0].paid_by[0].payer"),
    ("rule_links", "unknown segment 'hard'; expected one of: 'easy' @ $.rules[0].segment_prices.hard"),
    ("rule_links", "metric 'cohort' is measured for a cohort; pay it with a cohort_threshold rule @ $.rules[0]"),
    (
        "rule_links",
        "unknown metric 'wrk'; did you mean 'werk'? expected one of: 'cohort', 'orphan', 'traject', 'werk' @ $.rules[1].entries[0].metric",
    ),
    (
        "rule_links",
        "a once-per-person outcome is paid at most once; set repeatable = true @ $.rules[1].entries[0].max_per_participant",
    ),
    ("rule_links", "a per_time rule needs a duration metric, 'traject' is event @ $.rules[2].metric"),
    ("rule_links", "share_of_savings needs a 'savings' entry for metric 'werk' @ $.rules[3].metric"),
    ("rule_links", "a cohort_threshold rule needs a cohort_change metric, 'werk' is event @ $.rules[4].metric"),
    ("milestone_chains", "metric 'werk' requires itself through a chain of metrics @ $.metrics[0].requires"),
    ("milestone_chains", "metric 'traject' requires itself through a chain of metrics @ $.metrics[1].requires"),
    ("paid_metrics", "no payment rule pays for metric 'orphan' @ $.metrics[3]"),
    (
        "cap_targets",
        "unknown metric 'wrk'; did you mean 'werk'? expected one of: 'cohort', 'orphan', 'traject', 'werk' @ $.caps[0].target",
    ),
    ("cap_targets", "unknown provider 'teacher'; expected one of: 'coach', 'trainer' @ $.caps[1].target"),
    ("cap_targets", "unknown payer 'stad'; expected one of: 'fonds', 'gemeente' @ $.caps[2].target"),
    ("capital", "a plain grant is never repaid, so it takes no return cap @ $.tranches[0].return_cap"),
    (
        "capital",
        "unknown metric 'nope'; expected one of: 'cohort', 'orphan', 'traject', 'werk' @ $.tranches[0].metrics[1]",
    ),
    ("capital", "capital is drawn after the service term has ended @ $.tranches[0].drawdown.start_month"),
    ("capital", "scheduled drawdowns exceed the commitment @ $.tranches[0].drawdown.amounts"),
    (
        "capital",
        "unknown investor 'bankk'; did you mean 'bank'? expected one of: 'bank', 'coach', 'fonds', 'gemeente', 'trainer' @ $.tranches[1].investor",
    ),
    (
        "capital",
        "unknown guarantor 'nobody'; expected one of: 'bank', 'coach', 'fonds', 'gemeente', 'trainer' @ $.guarantees[0].guarantor",
    ),
    ("capital", "unknown tranche 'lening'; expected one of: 'aandeel', 'gift' @ $.guarantees[0].covers[1]"),
    (
        "capital",
        "unknown party 'someone'; expected one of: 'bank', 'coach', 'fonds', 'gemeente', 'trainer' @ $.fees[0].payee",
    ),
    ("capital", "unknown payer 'stad'; expected one of: 'fonds', 'gemeente' @ $.fees[1].payer"),
    (
        "priority_of_payments",
        "unknown fee 'other-fee'; expected one of: 'beheer', 'kosten', 'opzet' @ $.waterfall[0].fees[0]",
    ),
    ("priority_of_payments", "only loans carry interest; 'aandeel' is not a loan @ $.waterfall[1].tranches[0]"),
    ("priority_of_payments", "only loans carry interest; 'gift' is not a loan @ $.waterfall[1].tranches[1]"),
    ("priority_of_payments", "'gift' is a plain grant: it is never repaid @ $.waterfall[1].tranches[1]"),
    (
        "priority_of_payments",
        "a 'return' step pays up to a return cap; tranche 'aandeel' has no return_cap @ $.waterfall[2].tranches[0]",
    ),
    (
        "priority_of_payments",
        "unknown residual party 'somebody'; expected one of: 'aandeel', 'coach', 'fonds', 'gemeente', 'gift', 'revolving_fund', 'trainer' @ $.waterfall[3].shares[0].party",
    ),
    ("priority_of_payments", "fee 'beheer' is paid from outcome payments but no 'fees' step pays it @ $.fees[0]"),
    ("priority_of_payments", "tranche 'aandeel' is never repaid: no 'principal' step names it @ $.tranches[1]"),
    (
        "savings_links",
        "unknown metric 'wrk'; did you mean 'werk'? expected one of: 'cohort', 'orphan', 'traject', 'werk' @ $.savings[0].metric",
    ),
    (
        "scenario_links",
        "unknown provider 'teacher'; expected one of: 'coach', 'trainer' @ $.scenarios[0].outcomes[0].provider",
    ),
    ("scenario_links", "unknown segment 'hard'; expected one of: 'easy' @ $.scenarios[0].outcomes[0].segment"),
    ("scenario_links", "expected a share of participants between 0 and 1, got 1.5 @ $.scenarios[0].outcomes[0].rate"),
    (
        "scenario_links",
        "unknown metric 'wrk'; did you mean 'werk'? expected one of: 'cohort', 'orphan', 'traject', 'werk' @ $.scenarios[0].outcomes[1].metric",
    ),
    (
        "scenario_links",
        "unknown provider 'teacher'; expected one of: 'coach', 'trainer' @ $.scenarios[0].enrolment[0].provider",
    ),
    ("termination_month", "the termination month (30) is after the term @ $.termination.month"),
    ("cohort_numbers", "there are 2 cohorts, numbered 0 to 1; got 5 @ $.rules[4].cancelled_cohorts[1]"),
    (
        "uncertainty_links",
        "unknown scenario 'bse'; did you mean 'base'? expected one of: 'base' @ $.uncertainty.scenario",
    ),
    (
        "uncertainty_links",
        "unknown metric 'wrk'; did you mean 'werk'? expected one of: 'cohort', 'orphan', 'traject', 'werk' @ $.uncertainty.outcomes[0].metric",
    ),
    (
        "uncertainty_links",
        "unknown provider 'teacher'; expected one of: 'coach', 'trainer' @ $.uncertainty.outcomes[0].provider",
    ),
    ("uncertainty_links", "unknown segment 'hard'; expected one of: 'easy' @ $.uncertainty.outcomes[0].segment"),
    (
        "uncertainty_links",
        "unknown provider 'teacher'; expected one of: 'coach', 'trainer' @ $.uncertainty.enrolment[0].provider",
    ),
    ("provenance_sources", "unknown source 's2'; expected one of: 's1' @ $.payers[0].provenance.share.source"),
]
"""``(validation, problem line)`` for ``many-problems.toml``, in the order they are reported."""

UNCERTAIN_RANGES: list[tuple[str, str]] = [
    ("payer_shares", "either every payer has a 'share' or none has @ $.payers"),
    (
        "rule_links",
        "rule 'tarief' names no payer and the payers have no fixed shares: nobody pays for it @ $.rules[0].paid_by",
    ),
    (
        "uncertainty_ranges",
        "the expected rate of 'werk' for 'coach' in scenario 'base' is 50%, outside low–high (60%–90%) @ $.uncertainty.outcomes[0]",
    ),
]
"""``(validation, problem line)`` for ``uncertain-ranges.toml``."""

TABLES = {"many-problems.toml": MANY_PROBLEMS, "uncertain-ranges.toml": UNCERTAIN_RANGES}
"""Each file with its expected problems."""


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let a ``Contract`` be built without its whole-contract validations, so they can be run by hand."""
    monkeypatch.setattr(contract_module, "contract_problems", lambda c: [])
    yield


def _unchecked_contract(name: str) -> Contract:
    return load_contract(HERE / name)


def _library_contract() -> Contract:
    return load_contract(Path(__file__).resolve().parent.parent / "contracts" / "leeuwarden-oost-pilot.toml")


class TestContractProblems:
    """``contract_problems``: every validation, run in order."""

    @pytest.mark.parametrize("name", sorted(TABLES))
    def test_loading_reports_every_problem_in_order(self, name: str) -> None:
        """Loading the file reports every problem line of the table, in the table's order."""
        with pytest.raises(ContractFileError) as err:
            load_contract(HERE / name)
        assert list(err.value.lines[: err.value.count]) == [line for _, line in TABLES[name]]

    @pytest.mark.parametrize("name", sorted(TABLES))
    def test_is_the_validations_in_order(self, name: str, unchecked: None) -> None:
        """``contract_problems`` is the concatenation of the validations' problems in ``VALIDATIONS`` order."""
        c = _unchecked_contract(name)
        refs = Refs.of(c)
        joined = [p.render() for check in VALIDATIONS for p in check(c, refs)]
        assert [p.render() for p in contract_problems(c)] == joined == [line for _, line in TABLES[name]]

    def test_limits_only_when_the_references_hold(self, unchecked: None) -> None:
        """A contract with other problems is not also measured against the engine's ranges (its sums may
        not mean anything): no problem at the empty path, the one the memory limit uses."""
        c = _unchecked_contract("many-problems.toml")
        assert all(p.path for p in contract_problems(c))


class TestValidations:
    """Each entry of ``VALIDATIONS`` on its own."""

    def test_names_are_unique_and_documented(self) -> None:
        """Every validation has its own name and a docstring saying the rule it checks."""
        names = [v.__name__ for v in VALIDATIONS]
        assert len(set(names)) == len(names)
        assert all(v.__doc__ for v in VALIDATIONS)

    def test_every_validation_is_exercised(self) -> None:
        """The tables reach every validation except ``texts`` (the loader refuses bad text first)."""
        reached = {name for table in TABLES.values() for name, _ in table}
        assert reached == {v.__name__ for v in VALIDATIONS} - {"texts"}

    @pytest.mark.parametrize("check", VALIDATIONS, ids=lambda v: v.__name__)
    @pytest.mark.parametrize("name", sorted(TABLES))
    def test_runs_on_its_own(self, check: Validation, name: str, unchecked: None) -> None:
        """A validation run alone, with a fresh ``Refs``, yields exactly its rows of the table, in order."""
        c = _unchecked_contract(name)
        got = [p.render() for p in check(c, Refs.of(c))]
        assert got == [line for who, line in TABLES[name] if who == check.__name__]

    def test_texts_catches_a_contract_built_in_python(self, unchecked: None) -> None:
        """``texts`` reports a control character in a name set in Python, where no loader looked at it."""
        c = attrs.evolve(_library_contract(), name="Pilot\x00")
        assert [p.path for p in texts(c, Refs.of(c))] == ["name"]

    @pytest.mark.parametrize("check", VALIDATIONS, ids=lambda v: v.__name__)
    def test_silent_on_a_valid_contract(self, check: Validation) -> None:
        """On a contract of the library every validation yields nothing."""
        c = _library_contract()
        assert list(check(c, Refs.of(c))) == []


class TestInDutch:
    """The validations' problems are messages with facts, written in the user's language at the edge."""

    @pytest.mark.parametrize("name", sorted(TABLES))
    def test_every_message_has_a_dutch_translation(self, name: str, unchecked: None) -> None:
        """Every problem the tables reach is translated: its message is in the Dutch catalogue."""
        c = _unchecked_contract(name)
        untranslated = [p.phrase.message for p in contract_problems(c) if translated(p.phrase.message) is None]
        assert untranslated == []

    def test_an_unknown_reference(self, unchecked: None) -> None:
        """The kind of part is part of the message (Dutch adjectives follow its gender); ids stay as written."""
        c = _unchecked_contract("many-problems.toml")
        (problem,) = [p for p in provider_plans(c, Refs.of(c)) if p.path == "providers[0].segment_mix[0].segment"]
        assert problem.render(lang="nl") == (
            "onbekend segment 'hard'; verwacht een van: 'easy' @ $.providers[0].segment_mix[0].segment"
        )
        (payer,) = [p for p in rule_links(c, Refs.of(c)) if p.path == "rules[0].paid_by[0].payer"]
        assert payer.render(lang="nl") == (
            "onbekende betaler 'stad'; verwacht een van: 'fonds', 'gemeente' @ $.rules[0].paid_by[0].payer"
        )

    def test_nothing_to_refer_to(self) -> None:
        """With no part of the kind defined, the list of options says so, in each language."""
        (problem,) = unknown("segment", "hard", frozenset(), "x")
        assert problem.render() == "unknown segment 'hard'; expected one of: none defined @ $.x"
        assert problem.render(lang="nl") == "onbekend segment 'hard'; verwacht een van: er zijn er geen @ $.x"

    def test_money_in_the_languages_format(self, unchecked: None) -> None:
        """Amounts are money facts: Dutch writes the euro sign with a no-break space and a decimal comma."""
        c = _unchecked_contract("many-problems.toml")
        (problem,) = [p for p in payer_shares(c, Refs.of(c)) if p.path == "payers[1].budget"]
        assert problem.render(lang="nl") == (
            "het budget van het fonds (€\u00a02.000,00) is groter dan wat de inleggers toezeggen (€\u00a01.000,00)"
            " @ $.payers[1].budget"
        )

    def test_the_engines_ranges(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The limits' problems name the largest part in the language too, and count with its grouping."""
        c = _library_contract()
        monkeypatch.setattr(scale_module, "MAX_SCALE_CENTS", 100)
        monkeypatch.setattr(scale_module, "MAX_CELLS_PER_SCENARIO", 1000)
        money, cells = scale_module.limit_problems(c)
        assert money.message.startswith("the money this contract can move adds up to as much as €")
        assert ", more than the €1.00 sibkit computes exactly; the largest part is here: " in money.message
        dutch = money.render(lang="nl")
        assert dutch.startswith("het geld dat dit contract kan verplaatsen, loopt op tot wel €\u00a0")
        assert ", meer dan de €\u00a01,00 die sibkit exact kan berekenen; het grootste deel zit hier: " in dutch
        what = next(w for cents, path, w in scale_module.money_scale(c) if path == money.path)
        assert f": {translated(what)}, tot €\u00a0" in dutch
        assert cells.render(lang="nl").endswith(
            "meer dan de 1.000 die sibkit aankan: gebruik minder maanden, aanbieders, segmenten, indicatoren, "
            "regels of betalers @ $"
        )
        assert "more than the 1,000 sibkit supports: fewer months" in cells.message


def translated(message: str) -> str | None:
    """``message`` in Dutch, or ``None`` when the catalogue has no translation for it."""
    text = Language("nl").translations.gettext(message)
    return None if text == message else text


class TestEngineAccountsAreNotPartyIds:
    """A party called 'costs' shared its account with the providers' spending in the engine's ledger, and
    every party account that read it mixed the two (noticed reading the ledger's account names)."""

    def test_the_names_are_the_engines(self) -> None:
        engine = {
            ledger.CONTRACT_ACCOUNT,
            ledger.COSTS,
            ledger.OTHER_INCOME,
            ledger.TAX,
            ledger.REVOLVING_FUND,
        }
        assert engine == ENGINE_ACCOUNTS

    @pytest.mark.parametrize("name", ["costs", "tax-authority", "contract-account"])
    def test_a_party_named_like_an_engine_account_is_refused(self, tmp_path: Path, name: str) -> None:
        source = (Path(__file__).resolve().parents[1] / "contracts" / "leeuwarden-oost-pilot.toml").read_text(
            encoding="utf-8"
        )
        path = tmp_path / "clash.toml"
        path.write_text(source.replace('id = "fno"', f'id = "{name}"', 1), encoding="utf-8")
        with pytest.raises(ContractFileError) as err:
            load_contract(path)
        assert f"id '{name}' is the name of one of sibkit's own ledger accounts" in str(err.value)
        assert "@ $.payers[0].contributors[0].id" in str(err.value)
