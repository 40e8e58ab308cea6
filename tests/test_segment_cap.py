"""A cap per difficulty segment (issue #11, model gaps): "the hard cases' higher prices, at most €90,000".

Two providers each enrol 20 participants, half in ``kort`` (short on welfare) and half in ``lang``
(long on welfare). Work pays €3,000, or €6,000 for a participant in ``lang``. A segment cap limits
what is paid for ``lang``'s participants, over both providers, to €90,000.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sibkit.engine import run, run_batch
from sibkit.engine.batch import deterministic_batch
from sibkit.engine.maximum import full_success, maximum_payment
from sibkit.errors import ContractFileError
from sibkit.load import loads
from sibkit.model import Contract
from sibkit.report.termsheet import render_termsheet
from sibkit.testing import properties

TEMPLATE = """
format = 1
name = "Hard cases capped"

[timeline]
start = 2025-01-01
enrolment_months = 1
service_months = 12
term_months = 18

[[payers]]
id = "gemeente"
name = "Gemeente"

[[providers]]
id = "noord"
name = "Noord"
capacity = 20
enrolment = {{ monthly = [20] }}
cost_per_participant = 1000
segment_mix = [ {{ segment = "kort", share = 0.5 }}, {{ segment = "lang", share = 0.5 }} ]

[[providers]]
id = "zuid"
name = "Zuid"
capacity = 20
enrolment = {{ monthly = [20] }}
cost_per_participant = 1000
segment_mix = [ {{ segment = "kort", share = 0.5 }}, {{ segment = "lang", share = 0.5 }} ]

[[segments]]
id = "kort"
name = "Kort in de bijstand"

[[segments]]
id = "lang"
name = "Lang in de bijstand"

[[metrics]]
id = "werk"
name = "Work"
observation_months = 6

[[rules]]
type = "rate_card"
id = "card"
entries = [ {{ metric = "werk", price = 3000, segment_prices = {{ lang = 6000 }} }} ]

[[caps]]
level = "segment"
{target}
amount = 90000

[[scenarios]]
name = "base"
outcomes = [
  {{ metric = "werk", segment = "kort", rate = {rate} }},
  {{ metric = "werk", segment = "lang", rate = {rate} }},
]
"""


def capped(rate: Decimal = Decimal(1), target: str = 'target = "lang"') -> Contract:
    return loads(TEMPLATE.format(rate=rate, target=target), file="segment-cap.toml")


class TestSegmentCap:
    def test_the_segment_is_cut_to_its_cap(self) -> None:
        """Everyone in work: ``lang`` is due 20 × €6,000 = €120,000, cut to €90,000; ``kort`` is paid its
        20 × €3,000 = €60,000 in full: €150,000 in all, €30,000 cut."""
        res = run(capped(), "base")
        assert int(res.outcome_payments[0]) == 150_000_00
        assert int(res.cap_cut[0]) == 30_000_00

    def test_the_cut_is_shared_by_the_providers(self) -> None:
        """Both providers' ``lang`` participants are due €60,000 each; the €90,000 room goes half to each,
        so each provider is paid €30,000 (kort) + €45,000 (lang)."""
        flows = run(capped(), "base").flows
        paid = flows.line_paid[0]
        by_provider: dict[str, int] = {}
        for ln in flows.schedule.lines:
            by_provider[ln.provider] = by_provider.get(ln.provider, 0) + int(paid[ln.index])
        assert by_provider == {"noord": 75_000_00, "zuid": 75_000_00}

    def test_below_the_cap_nothing_is_cut(self) -> None:
        """At 70%: ``lang`` is due 14 × €6,000 = €84,000 (below €90,000) and nothing is cut."""
        res = run(capped(Decimal("0.7")), "base")
        assert int(res.cap_cut[0]) == 0
        assert int(res.outcome_payments[0]) == 84_000_00 + 14 * 3_000_00

    def test_maximum_counts_the_segment_cap(self) -> None:
        """The maximum is ``kort`` at full price plus ``lang``'s cap: €60,000 + €90,000; per provider it
        is each provider's own €30,000 + €60,000 (the shared cap does not bound one provider below that)."""
        mx = maximum_payment(capped())
        assert mx.total == 150_000_00
        assert mx.by_provider == {"noord": 90_000_00, "zuid": 90_000_00}
        assert mx.by_line == {("card", "werk", "noord"): 90_000_00, ("card", "werk", "zuid"): 90_000_00}

    def test_full_success_pays_the_maximum(self) -> None:
        """The scenario the maximum is computed at pays exactly the maximum (the bound is tight here)."""
        c = capped()
        properties.maximum_bounds_payments(c, full_success(c))
        assert int(run_batch(c, full_success(c)).payer_paid.sum()) == 150_000_00

    @given(st.decimals(min_value=0, max_value=1, places=2), st.randoms(use_true_random=False))
    @settings(deadline=None, max_examples=15)
    def test_properties_hold_at_any_success(self, rate: Decimal, rnd: random.Random) -> None:
        """At any success rate the segment cap is respected, the maximum bounds every payment, and
        reordering providers, segments and the mix changes no cent."""
        c = capped(rate)
        batch = deterministic_batch(c, c.scenarios[0])
        properties.caps_respected(c, batch)
        properties.maximum_bounds_payments(c, batch)
        properties.conservation(c, batch)
        properties.order_independent(c, rnd, success=Decimal(1))

    def test_without_a_segment_cap_lines_are_not_split(self) -> None:
        """Only a segment cap splits a line by segment: without one, one line per rule, metric and provider."""
        c = loads(
            TEMPLATE.format(rate=1, target='target = "lang"').replace('level = "segment"', 'level = "contract"').replace(
                'target = "lang"\n', ""
            ),
            file="contract-cap.toml",
        )
        lines = run(c, "base").flows.schedule.lines
        assert [(ln.provider, ln.segment) for ln in lines] == [("noord", None), ("zuid", None)]
        split = run(capped(), "base").flows.schedule.lines
        assert sorted((ln.provider, ln.segment) for ln in split) == [
            ("noord", "kort"),
            ("noord", "lang"),
            ("zuid", "kort"),
            ("zuid", "lang"),
        ]

    def test_term_sheet_states_the_cap(self) -> None:
        """The Dutch term sheet states the cap with the segment's name."""
        text = render_termsheet(capped(), "nl", fmt="md", today=dt.date(2026, 12, 4))
        assert "deelnemers van segment Lang in de bijstand" in text

    @pytest.mark.parametrize(
        ("target", "message"),
        [
            ('target = "lng"', "unknown segment 'lng'"),
            ("", "a segment cap needs 'target': the segment id it limits @ $.caps[0]"),
        ],
    )
    def test_bad_targets_are_refused(self, target: str, message: str) -> None:
        """A segment cap naming an unknown segment, or none, is refused at its path."""
        with pytest.raises(ContractFileError) as info:
            capped(target=target)
        assert message in str(info.value)


def test_same_money_whichever_provider_is_listed_first() -> None:
    """The reproducer's shape with the providers listed the other way round pays the same cents to each."""
    text = TEMPLATE.format(rate=1, target='target = "lang"')
    head, rest = text.split("[[providers]]", 1)
    noord, zuid_and_rest = rest.split("[[providers]]", 1)
    zuid, tail = zuid_and_rest.split("[[segments]]", 1)
    swapped = head + "[[providers]]" + zuid + "[[providers]]" + noord + "[[segments]]" + tail
    a = run(capped(), "base").flows.ledger.flows
    b = run(loads(swapped, file="swapped.toml"), "base").flows.ledger.flows
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def counted(count: int, *, monthly: str = "[20]", enrolment_months: int = 1, swap: bool = False) -> Contract:
    """The same deal with a segment cap that counts participants: ``participants = count``."""
    text = TEMPLATE.format(rate=1, target='target = "lang"').replace("amount = 90000", f"participants = {count}")
    text = text.replace("monthly = [20]", f"monthly = {monthly}").replace(
        "enrolment_months = 1", f"enrolment_months = {enrolment_months}"
    )
    text = text.replace("term_months = 18", 'term_months = 18\npayment_frequency = "monthly"')
    if swap:
        head, rest = text.split("[[providers]]", 1)
        noord, zuid_and_rest = rest.split("[[providers]]", 1)
        zuid, tail = zuid_and_rest.split("[[segments]]", 1)
        text = head + "[[providers]]" + zuid + "[[providers]]" + noord + "[[segments]]" + tail
    return loads(text, file="segment-count.toml")


def paid_by_provider(c: Contract) -> dict[str, int]:
    flows = run(c, "base").flows
    out: dict[str, int] = {}
    for ln in flows.schedule.lines:
        out[ln.provider] = out.get(ln.provider, 0) + int(flows.line_paid[0, ln.index])
    return out


class TestSegmentCount:
    """``participants = N``: for each outcome, at most N of the segment's participants are paid its price."""

    def test_the_first_twelve_are_paid_double(self) -> None:
        """20 ``lang`` participants in work, 12 counted: 12 × €6,000 + 8 × €3,000 = €96,000, plus ``kort``'s
        20 × €3,000: €156,000. Nothing is cut: the others are paid the ordinary price."""
        res = run(counted(12), "base")
        assert int(res.outcome_payments[0]) == 156_000_00
        assert int(res.cap_cut[0]) == 0
        assert paid_by_provider(counted(12)) == {"noord": 78_000_00, "zuid": 78_000_00}

    def test_a_tie_goes_to_the_id_first_in_order_whatever_the_listing(self) -> None:
        """11 counted over two providers with 10 each: 5.5 each, so one provider gets 6. The tie goes to
        ``noord`` (first by id), listed first or last: noord €30,000 + 6 × €6,000 + 4 × €3,000 = €78,000,
        zuid €30,000 + 5 × €6,000 + 5 × €3,000 = €75,000."""
        expected = {"noord": 78_000_00, "zuid": 75_000_00}
        assert paid_by_provider(counted(11)) == expected
        assert paid_by_provider(counted(11, swap=True)) == expected

    def test_counted_in_order_of_enrolment(self) -> None:
        """Enrolment over two months, 10 ``lang`` participants a month over both providers. The first
        month's 10 are all counted (paid in month 6: 10 × €6,000); in the second month 2 are left (month 7:
        2 × €6,000 + 8 × €3,000 = €36,000). ``kort``'s 10 a month are paid €30,000 each month."""
        c = counted(12, monthly="[10, 10]", enrolment_months=2)
        due = run(c, "base").flows.schedule.due[0].sum(axis=(1, 2))
        assert int(due[6]) == 60_000_00 + 30_000_00
        assert int(due[7]) == 36_000_00 + 30_000_00

    def test_maximum_counts_the_ordinary_price_beyond_the_count(self) -> None:
        """The maximum is what full success pays: €156,000 (not 20 × €6,000 + €60,000 = €180,000)."""
        c = counted(12)
        assert maximum_payment(c).total == 156_000_00
        properties.maximum_bounds_payments(c, full_success(c))

    @given(st.integers(1, 25), st.decimals(min_value=0, max_value=1, places=2), st.randoms(use_true_random=False))
    @settings(deadline=None, max_examples=15)
    def test_properties_hold(self, count: int, rate: Decimal, rnd: random.Random) -> None:
        """Any count and success: the maximum bounds what is paid, money is conserved, order changes nothing,
        and never more than ``count`` achievers earn the segment's extra €3,000."""
        c = counted(count)
        c = attrs_evolve_rate(c, rate)
        batch = deterministic_batch(c, c.scenarios[0])
        properties.maximum_bounds_payments(c, batch)
        properties.conservation(c, batch)
        properties.order_independent(c, rnd, success=rate)
        achievers = int(batch.achieved.sum())
        paid = int(run_batch(c, batch).payer_paid.sum())
        assert paid <= achievers * 3_000_00 + min(count, achievers) * 3_000_00

    def test_repeatable_prices_cannot_be_counted(self) -> None:
        """A price per unit for the segment cannot be counted per participant: refused at the cap's path."""
        text = TEMPLATE.format(rate=1, target='target = "lang"').replace("amount = 90000", "participants = 5")
        text = text.replace("price = 3000, segment_prices", "price = 3000, repeatable = true, segment_prices")
        with pytest.raises(ContractFileError) as info:
            loads(text, file="repeatable.toml")
        assert "a segment cap counting participants needs prices paid once per participant" in str(info.value)
        assert "@ $.caps[0].participants" in str(info.value)

    @pytest.mark.parametrize(
        ("cap", "message"),
        [
            ('level = "segment"\ntarget = "lang"\namount = 1\nparticipants = 5', "give either 'amount' (money) or 'participants' (a count), not both @ $.caps[0].participants"),
            ('level = "contract"\nparticipants = 5', "a contract cap takes no 'participants'; only a segment cap counts participants @ $.caps[0].participants"),
            ('level = "contract"', "a cap needs 'amount': the most it pays @ $.caps[0].amount"),
        ],
    )
    def test_bad_counts_are_refused(self, cap: str, message: str) -> None:
        text = TEMPLATE.format(rate=1, target='target = "lang"').replace('level = "segment"\ntarget = "lang"\namount = 90000', cap)
        with pytest.raises(ContractFileError) as info:
            loads(text, file="bad.toml")
        assert message in str(info.value)

    def test_term_sheet_states_the_count(self) -> None:
        """The Dutch term sheet says how many are paid the segment's price, and what the others get."""
        text = render_termsheet(counted(12), "nl", fmt="md", today=dt.date(2026, 12, 4))
        assert "ten hoogste 12 deelnemers van segment Lang in de bijstand" in text


def attrs_evolve_rate(c: Contract, rate: Decimal) -> Contract:
    """``c`` with its base scenario at ``rate`` for every outcome."""
    import attrs

    scenario = c.scenarios[0]
    outcomes = tuple(attrs.evolve(o, rate=rate) for o in scenario.outcomes)
    return attrs.evolve(c, scenarios=(attrs.evolve(scenario, outcomes=outcomes),))


@st.composite
def segment_capped(draw: st.DrawFn) -> str:
    """A contract file of 1–3 providers with their own enrolment and segment mix, a rate card with a price for
    ``lang``, one or two segment caps (money or a count) and maybe a contract cap, and a base scenario with a
    rate per segment: the shapes a segment cap meets, drawn."""
    providers = []
    for p in range(draw(st.integers(1, 3))):
        monthly = draw(st.lists(st.integers(0, 9), min_size=1, max_size=3))
        lang = draw(st.integers(0, 4))
        providers.append(
            f'[[providers]]\nid = "p{p}"\nname = "P{p}"\ncapacity = {max(1, sum(monthly))}\n'
            f"enrolment = {{ monthly = {monthly} }}\ncost_per_participant = 100\n"
            f'segment_mix = [ {{ segment = "kort", share = "{4 - lang}/4" }}, {{ segment = "lang", share = "{lang}/4" }} ]\n'
        )
    price, extra = draw(st.integers(1, 50)) * 100, draw(st.integers(-10, 50)) * 100
    caps = []
    for target in draw(st.lists(st.sampled_from(["kort", "lang"]), min_size=1, max_size=2, unique=True)):
        if draw(st.booleans()):
            caps.append(f'[[caps]]\nlevel = "segment"\ntarget = "{target}"\namount = {draw(st.integers(0, 40)) * 250}\n')
        else:
            caps.append(f'[[caps]]\nlevel = "segment"\ntarget = "{target}"\nparticipants = {draw(st.integers(1, 30))}\n')
    if draw(st.booleans()):
        caps.append(f'[[caps]]\nlevel = "contract"\namount = {draw(st.integers(0, 80)) * 500}\n')
    rates = [draw(st.integers(0, 100)) for _ in range(2)]
    return f"""
format = 1
name = "Drawn"

[timeline]
start = 2025-01-01
enrolment_months = 3
service_months = 6
term_months = 12
payment_frequency = "{draw(st.sampled_from(["monthly", "quarterly"]))}"

[[payers]]
id = "a"
name = "A"
share = 0.6

[[payers]]
id = "b"
name = "B"
share = 0.4

{"".join(providers)}
[[segments]]
id = "kort"
name = "Kort"

[[segments]]
id = "lang"
name = "Lang"

[[metrics]]
id = "werk"
name = "Work"
observation_months = {draw(st.integers(0, 4))}

[[rules]]
type = "rate_card"
id = "card"
entries = [ {{ metric = "werk", price = {price}, segment_prices = {{ lang = {max(0, price + extra)} }} }} ]

{"".join(caps)}
[[scenarios]]
name = "base"
outcomes = [
  {{ metric = "werk", segment = "kort", rate = {rates[0] / 100} }},
  {{ metric = "werk", segment = "lang", rate = {rates[1] / 100} }},
]
"""


@given(segment_capped(), st.randoms(use_true_random=False))
@settings(deadline=None, max_examples=40)
def test_drawn_segment_caps_keep_every_promise(text: str, rnd: random.Random) -> None:
    """For drawn contracts with segment caps: money caps are respected, the maximum bounds what is paid (in
    total, per payer, metric and provider), money is conserved to the cent, and reordering the contract's
    lists changes no movement of money."""
    c = loads(text, file="drawn.toml")
    batch = deterministic_batch(c, c.scenarios[0])
    properties.caps_respected(c, batch)
    properties.maximum_bounds_payments(c, batch)
    properties.maximum_bounds_payments(c, full_success(c))
    properties.conservation(c, batch)
    properties.order_independent(c, rnd, success=Decimal(1))
