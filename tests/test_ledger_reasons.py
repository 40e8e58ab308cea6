"""Typed ledger reasons: a ``Why`` and its references, written as the words of docs/results.md."""

from __future__ import annotations

import pickle
import re

import pytest

from sibkit.engine import run
from sibkit.engine.batch import deterministic_batch
from sibkit.engine.ledger import Reason, Why
from sibkit.engine.waterfall import run_batch
from sibkit.load import load_contract

from conftest import EXAMPLE, ROOT

DOC = ROOT / "docs" / "results.md"


def _documented_reasons() -> set[str]:
    """The reason texts of the table in docs/results.md, each ``{…}`` placeholder written ``{}``."""
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("Reason texts") : text.index("Example: the base scenario of the guarantee contract")]
    reasons = re.findall(r"^\| `([^`]+)` \|", table, re.M)
    return {re.sub(r"\{[^}]*\}", "{}", r) for r in reasons}


class TestReason:
    def test_every_kind_of_movement_is_documented(self) -> None:
        """Each ``Why`` writes one of the reason texts docs/results.md lists, and each listed text is a ``Why``."""
        written = {re.sub(r"\{[^}]*\}", "{}", why.value) for why in Why}
        assert written == _documented_reasons()
        assert len(written) == len(Why)

    def test_a_reason_is_its_text(self) -> None:
        """A reason prints, compares and hashes as the ledger's text, so tables, CSV files and lookups by
        words are unchanged."""
        reason = Reason(Why.GUARANTEE_DRAW, "g1", "senior")
        assert str(reason) == "guarantee draw: g1 for senior"
        assert f"{reason}" == "guarantee draw: g1 for senior"
        assert reason == "guarantee draw: g1 for senior"
        assert {("a", "b", reason): 1}[("a", "b", "guarantee draw: g1 for senior")] == 1
        assert str(Reason(Why.OUTCOME_PAYMENT, "Job found", "Provider")) == "outcome payment: Job found, Provider"
        assert str(Reason(Why.COSTS)) == "delivery costs"

    def test_a_reason_cannot_be_changed(self) -> None:
        """Reasons are ledger keys: changing one in place would corrupt the ledger."""
        reason = Reason(Why.INTEREST, "senior")
        with pytest.raises(AttributeError, match="a Reason cannot be changed: ref"):
            reason.ref = "sub"  # type: ignore[misc]

    def test_a_reason_survives_pickling(self) -> None:
        """Worker processes may send ledgers back: a reason keeps its kind and references."""
        back = pickle.loads(pickle.dumps(Reason(Why.GUARANTEE_DRAW, "g1", "senior")))
        assert (back.why, back.ref, back.of, str(back)) == (
            Why.GUARANTEE_DRAW,
            "g1",
            "senior",
            "guarantee draw: g1 for senior",
        )

    def test_the_tranche_a_movement_pays(self) -> None:
        """Payments to a tranche name it in ``ref``, guarantee draws in ``of``; other movements pay no tranche."""
        assert Reason(Why.UNUSED_CAPITAL, "senior").tranche == "senior"
        assert Reason(Why.GUARANTEE_DRAW, "g1", "sub").tranche == "sub"
        assert Reason(Why.FEE, "senior").tranche is None
        assert Reason(Why.CAPITAL_DRAWN, "senior").tranche is None


class TestLedgerTotalByWhy:
    def test_finds_movements_by_kind_and_reference(self) -> None:
        """sib-guarantee, base scenario (docs/results.md's ledger example): senior interest 1% a month on
        €60,000 for 23 months = €13,800; the revolving fund's residual €43,100."""
        res = run(load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"), "base")
        ledger = res.flows.ledger
        assert int(ledger.total(why=Why.INTEREST, ref="senior")[0]) == 13_800_00
        assert int(ledger.total(why=Why.INTEREST, ref="sub")[0]) == 0
        assert int(ledger.total(why=Why.RESIDUAL_TO_FUND)[0]) == 43_100_00
        assert all(isinstance(e.reason, Reason) for e in ledger.entries(0))


def test_a_ledger_kept_per_year_has_no_monthly_entries() -> None:
    """A Monte Carlo ledger's columns are budget years: listing them as months put a year's total in month 0
    (found reading the ledger of a simulation); it refuses instead."""
    contract = load_contract(EXAMPLE)
    ledger = run_batch(contract, deterministic_batch(contract, contract.default_scenario()), detail=False).ledger
    with pytest.raises(ValueError, match="no monthly entries"):
        list(ledger.entries(0))
