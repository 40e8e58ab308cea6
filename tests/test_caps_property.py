"""``properties.caps_respected`` on a contract with a cohort rule and a participant cap.

The engine applies the participant cap to per-participant payments only (a cohort rule pays for a whole
cohort: ``engine/maximum.py``); the property used to compare every payment with the cap times the
achievers, and failed on such contracts although the engine kept its promise (found by drawing
``contracts(metrics=metrics(kinds=("cohort_change",)), caps=partial(caps, levels=("participant",)))``).
"""

from __future__ import annotations

from functools import partial

from hypothesis import given, settings

from sibkit.engine.batch import deterministic_batch
from sibkit.model import Contract
from sibkit.model.rules import CohortThreshold
from sibkit.testing import properties
from sibkit.testing import strategies as sst


@given(
    sst.contracts(
        metrics=sst.metrics(kinds=("cohort_change", "event")),
        caps=partial(sst.caps, levels=("participant",)),
    )
)
@settings(deadline=None, max_examples=30)
def test_cohort_payments_are_not_held_to_the_participant_cap(contract: Contract) -> None:
    batch = deterministic_batch(contract, contract.scenarios[0])
    properties.caps_respected(contract, batch)


def test_the_strategy_draws_the_shape() -> None:
    """The strategy above does draw cohort rules under a participant cap (else the test proves nothing)."""
    seen = []

    @given(
        sst.contracts(
            metrics=sst.metrics(kinds=("cohort_change",)),
            caps=partial(sst.caps, levels=("participant",)),
        )
    )
    @settings(deadline=None, max_examples=20)
    def collect(contract: Contract) -> None:
        seen.append(
            any(isinstance(r, CohortThreshold) for r in contract.rules)
            and any(c.level == "participant" for c in contract.caps)
        )

    collect()
    assert any(seen)
