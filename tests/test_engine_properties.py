"""Properties of the engine over generated contracts and scenarios (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sibkit.engine import run_batch
from sibkit.engine.batch import deterministic_batch
from sibkit.testing import properties
from sibkit.testing import strategies as sst


class TestConservation:
    @given(st.data())
    def test_every_cent_reconciles(self, data: st.DataObject) -> None:
        """Inflows equal outflows plus balances, to the cent, in every generated scenario."""
        contract = data.draw(sst.contracts())
        properties.conservation(contract, data.draw(sst.batches(contract, 2)))


class TestSeniority:
    @given(st.data())
    def test_junior_waits_for_senior(self, data: st.DataObject) -> None:
        """The subordinated loan gets nothing in a month while the senior loan is still owed."""
        contract = data.draw(sst.contracts(investors=True))
        properties.seniority_respected(contract, data.draw(sst.batches(contract, 2)))


class TestCaps:
    @given(st.data())
    def test_no_cap_is_exceeded(self, data: st.DataObject) -> None:
        """Metric, provider, payer, contract and participant caps all hold."""
        contract = data.draw(sst.contracts(caps=True))
        properties.caps_respected(contract, data.draw(sst.batches(contract, 2)))

    @given(st.data())
    def test_no_return_above_its_cap(self, data: st.DataObject) -> None:
        """The junior tranche's IRR and multiple caps hold."""
        contract = data.draw(sst.contracts(investors=True))
        properties.return_caps_respected(contract, data.draw(sst.batches(contract, 2)))


class TestFailure:
    @given(st.data())
    def test_zero_outcomes_pay_nothing(self, data: st.DataObject) -> None:
        """No outcomes: no outcome payments, and investors get back at most what they put in."""
        contract = data.draw(sst.contracts())
        properties.no_reward_for_failure(contract, data.draw(sst.batches(contract, 1)))

    @given(st.data())
    def test_zero_outcomes_tranche_loss_is_drawn_less_guarantee_and_unused_capital(self, data: st.DataObject) -> None:
        """With nothing achieved, each tranche gets back only guarantee draws and its share of capital
        that was drawn but never spent; together they lose exactly what the providers and fees consumed."""
        contract = data.draw(sst.contracts(investors=True))
        batch = data.draw(sst.batches(contract, 1))
        zero = type(batch)(
            enrolled=batch.enrolled, achieved=np.zeros_like(batch.achieved), units=np.zeros_like(batch.units),
            offset=batch.offset, improvement=np.zeros_like(batch.improvement),
        )
        flows = run_batch(contract, zero)
        spent = flows.ledger.total(source="contract-account", reason_prefix="service fee")
        drawn = flows.tranche_drawn.sum(axis=1)
        returned = flows.tranche_cash.sum(axis=(1, 2)) + drawn
        guaranteed = flows.guarantee_paid.sum(axis=1)
        assert np.array_equal(drawn - (returned - guaranteed), spent)


class TestMonotone:
    @given(st.data())
    def test_one_more_result_never_pays_less(self, data: st.DataObject) -> None:
        """Adding one achiever never lowers total outcome payments (nor any payer's, without shared caps).

        Known exception, kept out of this test and documented in docs/results.md: caps that cross (a
        participant cap with any other, or metric, provider and payer caps on the same payments), because
        one cap shares its cut pro rata before another applies. Nested caps (one of metric, provider or
        payer, with a contract cap) are tested."""
        contract = data.draw(sst.contracts())
        levels = [c.level for c in contract.caps]
        crossing = [lv for lv in levels if lv in ("participant", "metric", "provider", "payer")]
        assume(len(crossing) <= 1 and ("participant" not in levels or len(levels) == 1))
        batch = data.draw(sst.outcome_vectors(contract))
        properties.monotone_payouts(contract, batch, data.draw(st.integers(min_value=0, max_value=10**6)))


class TestVectorised:
    @given(st.data())
    def test_batch_equals_single_runs(self, data: st.DataObject) -> None:
        """N scenarios at once give row by row what N single runs give."""
        contract = data.draw(sst.contracts())
        properties.vectorised_equals_scalar(contract, data.draw(sst.batches(contract, 3)))


class TestScaling:
    @given(st.data(), st.integers(min_value=2, max_value=7))
    def test_scaling_money_scales_every_flow(self, data: st.DataObject, factor: int) -> None:
        """Multiplying every amount by an integer multiplies every cash flow by it (amounts chosen so no
        rounding is involved: whole €12 multiples, one payer, one provider, no pro-rata cap cuts)."""
        contract = data.draw(sst.contracts(investors=False, caps=False, max_payers=1, max_providers=1, money_step=1200))
        scaled = properties.scale_money(contract, factor)
        a = run_batch(contract, deterministic_batch(contract, contract.scenarios[0]))
        b = run_batch(scaled, deterministic_batch(scaled, scaled.scenarios[0]))
        assert np.array_equal(b.payer_paid, a.payer_paid * factor)
        assert np.array_equal(b.provider_cash, a.provider_cash * factor)

    @given(st.data(), st.integers(min_value=2, max_value=5))
    def test_scaling_keeps_irr(self, data: st.DataObject, factor: int) -> None:
        """With investors, IRRs stay the same when every amount is scaled. Pro-rata splits and monthly interest
        round to the cent, so amounts are whole €1,200 multiples and IRRs agree to 0.1 percentage point."""
        from sibkit.engine import results

        contract = data.draw(sst.contracts(investors=True, max_payers=1, max_providers=1, money_step=120_000))
        scaled = properties.scale_money(contract, factor)
        a = results(contract, run_batch(contract, deterministic_batch(contract, contract.scenarios[0])))
        b = results(scaled, run_batch(scaled, deterministic_batch(scaled, scaled.scenarios[0])))
        for ta, tb in zip(a.tranches, b.tranches, strict=True):
            if ta.irr_reason[0] == 0 and tb.irr_reason[0] == 0:
                assert tb.irr[0] == pytest.approx(ta.irr[0], abs=1e-3)
