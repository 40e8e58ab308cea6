"""Splitting a provider's starts over difficulty segments (issue #11, defect 1).

The defect: ``segment_mix`` was rounded month by month with ties to the first entry, so 120
participants over 24 months at 70/30 became 96/24 (or 72/48 with the list reversed)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sibkit.checks import run_checks
from sibkit.engine import run
from sibkit.engine.batch import deterministic_batch
from sibkit.engine.segments import id_rank, segment_weights, split_starts
from sibkit.load import loads

from conftest import reference_split

MIX_TEMPLATE = """
format = 1
name = "Segment mix"

[timeline]
start = 2024-01-01
enrolment_months = 24
service_months = 30
term_months = 36

[[payers]]
id = "gemeente"
name = "Gemeente"

[[providers]]
id = "coach"
name = "Coach"
capacity = 120
enrolment = {{ total = 120, months = 24 }}
cost_per_participant = 1000
segment_mix = [ {mix} ]

{segments}

[[metrics]]
id = "werk"
name = "Work"
observation_months = 3

[[rules]]
type = "rate_card"
id = "card"
entries = [
  {{ metric = "werk", price = 3000, segment_prices = {{ kort = 3000, lang = 6000 }} }},
]

[[scenarios]]
name = "base"
outcomes = [
  {{ metric = "werk", segment = "kort", rate = 0.5 }},
  {{ metric = "werk", segment = "lang", rate = 0.5 }},
]
"""

KORT = '[[segments]]\nid = "kort"\nname = "Kort in de bijstand"\n'
LANG = '[[segments]]\nid = "lang"\nname = "Lang in de bijstand"\n'


def mix_contract(*, mix_lang_first: bool = False, segments_lang_first: bool = False) -> str:
    mix = ['{ segment = "kort", share = 0.7 }', '{ segment = "lang", share = 0.3 }']
    if mix_lang_first:
        mix.reverse()
    segments = [KORT, LANG]
    if segments_lang_first:
        segments.reverse()
    return MIX_TEMPLATE.format(mix=", ".join(mix), segments="\n".join(segments))


def enrolled_by_segment(text: str) -> dict[str, int]:
    contract = loads(text, file="mix.toml")
    batch = deterministic_batch(contract, contract.scenarios[0])
    ids = [s.id for s in contract.segments]
    return {seg: int(batch.enrolled[0, :, 0, s].sum()) for s, seg in enumerate(ids)}


class TestSegmentMixReproducer:
    def test_counts_match_the_mix_over_the_whole_enrolment(self) -> None:
        """120 participants at 70/30 are 84 'kort' and 36 'lang' (not 96/24), whatever the order."""
        for mix_first in (False, True):
            for seg_first in (False, True):
                text = mix_contract(mix_lang_first=mix_first, segments_lang_first=seg_first)
                assert enrolled_by_segment(text) == {"kort": 84, "lang": 36}

    def test_payment_does_not_depend_on_list_order(self) -> None:
        """Half of each segment finds work: 42 × €3,000 + 18 × €6,000 = €234,000 in every order."""
        paid = set()
        for mix_first in (False, True):
            for seg_first in (False, True):
                contract = loads(mix_contract(mix_lang_first=mix_first, segments_lang_first=seg_first), file="mix.toml")
                res = run(contract, contract.scenarios[0])
                paid.add(int(res.outcome_payments[0]))
        assert paid == {234_000_00}

    def test_parking_finding_quotes_the_contracts_share(self) -> None:
        """A finding about the 'lang' segment quotes 30% of participants, as the contract says."""
        text = mix_contract().replace("kort = 3000, lang = 6000", "kort = 3000, lang = 500")
        contract = loads(text, file="mix.toml")
        findings = [f for f in run_checks(contract) if f.code == "SIB-PARK-001"]
        assert findings, "a €500 price for half the 'lang' participants cannot cover a €1,000 cost"
        assert "(30% of its participants" in findings[0].explanation("en")


def _split(plan: list[int], weights: list[int], rank: list[int]) -> np.ndarray:
    out = np.zeros((len(plan), len(weights)), dtype=np.int64)
    split_starts(
        np.asarray(plan, dtype=np.int64), np.asarray(weights, dtype=np.int64), np.asarray(rank, dtype=np.int64), out
    )
    return out


plans = st.lists(st.integers(0, 40), min_size=1, max_size=30)
weight_lists = st.lists(st.integers(0, 50), min_size=1, max_size=6).filter(lambda w: sum(w) > 0)


class TestSplitStarts:
    @given(plans, weight_lists)
    def test_each_month_adds_up(self, plan: list[int], weights: list[int]) -> None:
        """Every month's starts are split in full, and no count is negative."""
        out = _split(plan, weights, list(range(len(weights))))
        assert (out >= 0).all()
        assert out.sum(axis=1).tolist() == plan

    @given(plans, weight_lists)
    def test_running_totals_stay_within_one_participant(self, plan: list[int], weights: list[int]) -> None:
        """After every month, and over the whole enrolment, each segment's count is within one
        participant of its share of the starts so far."""
        out = _split(plan, weights, list(range(len(weights))))
        running = np.cumsum(out, axis=0)
        starts = np.cumsum(plan)
        total_w = sum(weights)
        for t in range(len(plan)):
            for s, w in enumerate(weights):
                assert abs(Fraction(int(running[t, s])) - Fraction(int(starts[t]) * w, total_w)) < 1

    @given(plans, weight_lists, st.randoms(use_true_random=False))
    def test_order_of_segments_changes_no_count(self, plan: list[int], weights: list[int], rnd: object) -> None:
        """Listing the segments in another order (with their ids) gives each segment the same counts."""
        ids = [f"s{k}" for k in range(len(weights))]
        perm = list(range(len(weights)))
        rnd.shuffle(perm)  # type: ignore[attr-defined]
        out = _split(plan, weights, id_rank(ids).tolist())
        shuffled = _split(plan, [weights[k] for k in perm], id_rank([ids[k] for k in perm]).tolist())
        for pos, k in enumerate(perm):
            assert shuffled[:, pos].tolist() == out[:, k].tolist()

    @given(plans, weight_lists, st.randoms(use_true_random=False))
    def test_equals_the_documented_rule(self, plan: list[int], weights: list[int], rnd: object) -> None:
        """The compiled split equals the rule written plainly (``conftest.reference_split``)."""
        rank = list(range(len(weights)))
        rnd.shuffle(rank)  # type: ignore[attr-defined]
        assert _split(plan, weights, rank).tolist() == reference_split(plan, weights, rank)

    def test_ties_go_to_the_id_that_sorts_first(self) -> None:
        """One participant at 50/50 goes to the segment whose id sorts first, wherever it is listed."""
        assert _split([1], [1, 1], id_rank(["b", "a"]).tolist()).tolist() == [[0, 1]]
        assert _split([1], [1, 1], id_rank(["a", "b"]).tolist()).tolist() == [[1, 0]]


class TestSegmentWeights:
    def test_exact_integer_weights(self) -> None:
        """Decimal shares become exact, reduced integer weights."""
        assert segment_weights([Decimal("0.7"), Decimal("0.3")]).tolist() == [7, 3]
        assert segment_weights([Decimal("0.125"), Decimal("0.875"), Decimal(0)]).tolist() == [1, 7, 0]
