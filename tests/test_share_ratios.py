"""Shares written as exact ratios (``"1/3"``): read, validated, split, shown and written back.

The known answers are the largest-remainder (Hamilton) method worked by hand: €100.00 over three
equal parties is 10,000 cents = 3 × 3,333 + 1, the one cent left going to the party whose id sorts
first; €1,100.00 is 110,000 = 3 × 36,666 + 2, two cents to the first two ids.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sibkit.engine.batch import deterministic_batch
from sibkit.engine.run import run
from sibkit.engine.split import allocate_rows
from sibkit.errors import ContractFileError, FieldProblem, english
from sibkit.i18n import Language
from sibkit.load import dumps, loads
from sibkit.model import Contract, PayerShare, ResidualShare, ResidualStep, SegmentShare
from sibkit.model.common import percent
from sibkit.money import allocate, parse_share, share_display, share_text, share_weights

THIRDS = """\
format = 1
name = "Three equal residual parties"
currency = "EUR"

[timeline]
start = 2024-01-01
enrolment_months = 1
service_months = 1
term_months = 3
payment_frequency = "end"

[[payers]]
id = "city"
name = "City"

[[providers]]
id = "prov"
name = "Provider"
capacity = 1
enrolment = { monthly = [1] }
cost_per_participant = 1000
prefinances_own_costs = false

[[investors]]
id = "bank"
name = "Bank"

[[metrics]]
id = "job"
name = "Job"

[[rules]]
type = "rate_card"
id = "card"
entries = [ { metric = "job", price = 1100 } ]

[[tranches]]
type = "loan"
id = "loan"
investor = "bank"
commitment = 1000
seniority = 1
drawdown = { kind = "upfront" }

[[waterfall]]
type = "principal"
tranches = ["loan"]

[[waterfall]]
type = "residual"
shares = [ { party = "revolving_fund", share = "1/3" }, { party = "prov", share = "1/3" }, { party = "loan", share = "1/3" } ]

[[scenarios]]
name = "all"
outcomes = [ { metric = "job", rate = 1 } ]
"""
"""One participant, one €1,100.00 outcome: the €1,000.00 loan is repaid at the end of the term and
€100.00 is left for the residual step, whose three parties hold ``"1/3"`` each (listed in the reverse
order of their ids, so that a tie broken by position would go to the wrong party)."""

RESIDUAL_LINE = 'shares = [ { party = "revolving_fund", share = "1/3" }, { party = "prov", share = "1/3" }, { party = "loan", share = "1/3" } ]'

THREE_PAYERS = THIRDS.replace(
    '[[payers]]\nid = "city"\nname = "City"\n',
    '[[payers]]\nid = "state"\nname = "State"\nshare = "1/3"\n\n'
    '[[payers]]\nid = "city"\nname = "City"\nshare = "1/3"\n\n'
    '[[payers]]\nid = "county"\nname = "County"\nshare = "1/3"\n',
)
"""The same deal paid by three payers of ``"1/3"`` each (listed out of id order)."""


SEGMENT_THIRDS = THIRDS.replace(
    "capacity = 1\nenrolment = { monthly = [1] }",
    "capacity = 100\nenrolment = { monthly = [100] }\nsegment_mix = ["
    ' { segment = "zwaar", share = "1/3" }, { segment = "midden", share = "1/3" }, { segment = "licht", share = "1/3" } ]',
).replace(
    "[[metrics]]",
    '[[segments]]\nid = "zwaar"\nname = "Zwaar"\n\n[[segments]]\nid = "midden"\nname = "Midden"\n\n'
    '[[segments]]\nid = "licht"\nname = "Licht"\n\n[[metrics]]',
)
"""The deal with 100 participants and three difficulty segments of ``"1/3"`` each (listed out of id order)."""


def _with_residual(shares: str) -> str:
    """``THIRDS`` with the residual step's shares replaced by the TOML array ``shares``."""
    return THIRDS.replace(RESIDUAL_LINE, f"shares = {shares}")


def _problems(text: str) -> list[str]:
    """The lines of the error ``loads`` raises for ``text``, without the closing note."""
    with pytest.raises(ContractFileError) as err:
        loads(text)
    return [line for line in err.value.lines if not line.startswith("(")]


def _residual_cents(contract: Contract) -> dict[str, int]:
    """Cents the residual step paid each party over the term, in the 'all' scenario."""
    flows = run(contract, contract.scenario("all")).flows.ledger.flows
    reasons = {
        "loan": ("bank", "residual: loan"),
        "prov": ("prov", "residual: provider incentive"),
        "revolving_fund": ("revolving-fund", "residual to the revolving fund"),
    }
    return {party: int(flows[("contract-account", *key)][0].sum()) for party, key in reasons.items()}


def _hamilton(total: int, weights: list[int], ids: list[str]) -> dict[str, int]:
    """Largest remainder written out for the test: floor parts, then one cent each to the largest
    remainders, ties to the id that sorts first."""
    w_sum = sum(weights)
    parts = {i: total * w // w_sum for i, w in zip(ids, weights, strict=True)}
    order = sorted(zip(ids, weights, strict=True), key=lambda iw: (-(total * iw[1] % w_sum), iw[0]))
    for i, _ in order[: total - sum(parts.values())]:
        parts[i] += 1
    return parts


class TestParseShare:
    def test_every_form_of_a_quarter_is_the_same_exact_share(self) -> None:
        """A decimal, its text, a percentage and a ratio (spaces allowed) all read as exactly 1/4."""
        for written in (Decimal("0.25"), "0.25", "25%", "1/4", " 1 / 4 ", "2/8"):
            assert parse_share(written) == Fraction(1, 4), written

    def test_three_thirds_sum_to_exactly_one(self) -> None:
        """``"1/3"`` is one third, not 0.3333: three of them sum to 1 exactly."""
        third = parse_share("1/3")
        assert third == Fraction(1, 3)
        assert third + third + third == 1

    @pytest.mark.parametrize(
        ("written", "message"),
        [
            ("1/0", "a ratio's denominator must not be 0, got '1/0'"),
            ("2/1", "expected a ratio between 0 and 1 (0% and 100%), got '2/1'"),
            ("-1/3", "expected a ratio between 0 and 1 (0% and 100%), got '-1/3'"),
            ("a/b", 'expected a share such as 0.25, "25%" or "1/4", got \'a/b\''),
            ("1/3/4", 'expected a share such as 0.25, "25%" or "1/4", got \'1/3/4\''),
            ("1.5/3", 'expected a share such as 0.25, "25%" or "1/4", got \'1.5/3\''),
            ("1/2000000000", "expected a ratio with a denominator of at most 1,000,000,000, got '1/2000000000'"),
            ("0,5", 'expected a share such as 0.25, "25%" or "1/4", got \'0,5\'; write 0.5: a dot for decimals'),
        ],
    )
    def test_bad_ratio_message(self, written: str, message: str) -> None:
        """A text that is not a ratio between 0 and 1 with a usable denominator is refused with this message."""
        with pytest.raises(ValueError) as err:
            parse_share(written)
        assert str(err.value) == message


class TestShareText:
    def test_a_share_is_written_as_a_decimal_when_one_is_exact(self) -> None:
        """1/4 is written ``0.25``, 1 is ``1``, 1/3 and 2/7 as their ratios (a decimal would not be exact)."""
        assert share_text(Fraction(1, 4)) == "0.25"
        assert share_text(Fraction(1)) == "1"
        assert share_text(Fraction(1, 3)) == "1/3"
        assert share_text(Fraction(2, 7)) == "2/7"

    def test_display_rounds_a_ratio_half_up_to_four_decimals(self) -> None:
        """For people, 1/3 is 0.3333 and 2/3 is 0.6667 (half up); an exact decimal is kept as it is."""
        assert share_display(Fraction(1, 3)) == Decimal("0.3333")
        assert share_display(Fraction(2, 3)) == Decimal("0.6667")
        assert share_display(Fraction(1, 8)) == Decimal("0.125")

    def test_messages_keep_the_ratio(self) -> None:
        """A message shows the exact ratio and its rounded percentage; an exact decimal as before."""
        assert english(percent(Fraction(1, 3))) == "1/3 (33.33%)"
        assert english(percent(Fraction(11, 12))) == "11/12 (91.67%)"
        assert english(percent(Fraction(1, 8))) == "12.5%"

    @pytest.mark.parametrize(("locale", "shown"), [("en", "33.33%"), ("nl", "33,33%")])
    def test_term_sheet_percentage_per_locale(self, locale: str, shown: str) -> None:
        """A term sheet shows a third as 33.33% in English and 33,33% in Dutch (Babel, after rounding half up)."""
        assert Language(locale).percent(Fraction(1, 3)) == shown


class TestShareWeights:
    def test_known_weights(self) -> None:
        """The smallest integer weights in the shares' proportion."""
        assert share_weights([Fraction(1, 3)] * 3) == [1, 1, 1]
        assert share_weights([Decimal("0.7"), Decimal("0.3")]) == [7, 3]
        assert share_weights([Fraction(1, 6), Decimal("0.5"), Fraction(1, 3)]) == [1, 3, 2]
        assert share_weights([Fraction(0), Fraction(1)]) == [0, 1]
        assert share_weights([Fraction(0), Fraction(0)]) == [0, 0]

    def test_hundred_euros_over_three_thirds(self) -> None:
        """€100.00 by the weights of three thirds is 33.34 / 33.33 / 33.33, the cent to the first part."""
        assert allocate(10_000, share_weights([Fraction(1, 3)] * 3)) == [3334, 3333, 3333]

    @given(
        weights=st.lists(st.integers(0, 1000), min_size=1, max_size=6).filter(lambda w: sum(w) > 0),
        totals=st.lists(st.integers(0, 10**12), min_size=1, max_size=5),
    )
    def test_ratio_shares_and_integer_weights_give_the_same_money(self, weights: list[int], totals: list[int]) -> None:
        """Shares ``w / sum(w)`` as exact ratios split every amount to the cent as the integer weights
        ``w`` do, and as the largest remainder worked by hand."""
        shares = [Fraction(w, sum(weights)) for w in weights]
        assert sum(shares) == 1
        by_ratio = allocate_rows(np.asarray(totals, dtype=np.int64), np.asarray(share_weights(shares), np.int64))
        by_weight = allocate_rows(np.asarray(totals, dtype=np.int64), np.asarray(weights, dtype=np.int64))
        assert by_ratio.tolist() == by_weight.tolist()
        ids = [f"p{k}" for k in range(len(weights))]
        for row, total in zip(by_ratio.tolist(), totals, strict=True):
            assert row == [_hamilton(total, weights, ids)[i] for i in ids]


class TestModelShares:
    def test_decimal_int_and_text_become_exact_fractions(self) -> None:
        """In Python, a share may be given as a Decimal, an int, a Fraction or a text; it is held as a Fraction."""
        assert ResidualShare(party="a", share=Decimal("0.5")).share == Fraction(1, 2)
        assert PayerShare(payer="a", share=1).share == Fraction(1)
        assert SegmentShare(segment="a", share="1/3").share == Fraction(1, 3)

    def test_a_float_is_refused(self) -> None:
        """A binary float is not an exact share: refused at the field."""
        with pytest.raises(FieldProblem) as err:
            ResidualShare(party="a", share=0.5)  # type: ignore[arg-type]
        assert (err.value.field, str(err.value)) == ("share", "expected a share between 0 and 1 (0% and 100%), got 0.5")

    def test_ratios_above_one_are_refused_in_python(self) -> None:
        """A Fraction above 1 is refused with the ratio in the message."""
        with pytest.raises(FieldProblem) as err:
            PayerShare(payer="a", share=Fraction(4, 3))
        assert str(err.value) == "expected a share between 0 and 1 (0% and 100%), got 4/3"

    def test_three_thirds_make_a_valid_residual_step(self) -> None:
        """Three ``"1/3"`` residual shares sum to exactly 100%; 0.3333 three times does not."""
        ResidualStep(shares=tuple(ResidualShare(party=p, share="1/3") for p in "abc"))
        with pytest.raises(FieldProblem) as err:
            ResidualStep(shares=tuple(ResidualShare(party=p, share=Decimal("0.3333")) for p in "abc"))
        assert str(err.value) == "residual shares sum to 99.99%, expected 100%"


class TestLoadRatios:
    def test_ratios_load_as_exact_fractions(self) -> None:
        """``share = "1/3"`` in a file is the Fraction 1/3 in the model."""
        c = loads(THIRDS)
        assert [s.share for s in c.waterfall[-1].shares] == [Fraction(1, 3)] * 3  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("written", "message"),
        [
            ('"1/0"', "a ratio's denominator must not be 0, got '1/0'"),
            ('"2/1"', "expected a ratio between 0 and 1 (0% and 100%), got '2/1'"),
            ('"-1/3"', "expected a ratio between 0 and 1 (0% and 100%), got '-1/3'"),
            ('"a/b"', 'expected a share such as 0.25, "25%" or "1/4", got \'a/b\''),
            ("1.5", 'expected a share between 0 and 1 (0% and 100%), got 1.5; write 0.015 or "1.5%"'),
            ("-0.5", "expected a share between 0 and 1 (0% and 100%), got -0.5"),
        ],
    )
    def test_bad_share_is_reported_at_its_field(self, written: str, message: str) -> None:
        """A bad share is one problem at the share's own path, with the exact message."""
        text = _with_residual(
            f'[ {{ party = "loan", share = "1/3" }}, {{ party = "prov", share = {written} }}, '
            '{ party = "revolving_fund", share = "1/3" } ]'
        )
        assert _problems(text) == [f"{message} @ $.waterfall[1].shares[1].share"]

    def test_shares_not_summing_to_one_keep_the_ratio_in_the_message(self) -> None:
        """1/3 + 1/3 + 1/4 is 11/12: the message gives the exact sum and its percentage."""
        text = _with_residual(
            '[ { party = "loan", share = "1/3" }, { party = "prov", share = "1/3" }, '
            '{ party = "revolving_fund", share = "1/4" } ]'
        )
        assert _problems(text) == ["residual shares sum to 11/12 (91.67%), expected 100% @ $.waterfall[1].shares"]

    def test_a_common_denominator_above_a_billion_is_refused(self) -> None:
        """1/p, 1/q, 1/2 − 1/p, 1/2 − 1/q (p = 100,003 and q = 100,019 are prime) sum to 1, each has a
        denominator below 10^9, but together they need 2pq = 20,004,400,114: the engine could not weigh them."""
        p, q = 100_003, 100_019
        shares = [Fraction(1, p), Fraction(1, q), Fraction(1, 2) - Fraction(1, p), Fraction(1, 2) - Fraction(1, q)]
        parties = ["loan", "prov", "revolving_fund", "city"]
        items = ", ".join(
            f'{{ party = "{party}", share = "{share_text(s)}" }}' for party, s in zip(parties, shares, strict=True)
        )
        assert _problems(_with_residual(f"[ {items} ]")) == [
            "the residual shares have a common denominator of 20,004,400,114; at most 1,000,000,000 is supported: "
            "write them with fewer digits or simpler ratios @ $.waterfall[1].shares"
        ]

    def test_payer_shares_must_sum_to_one(self) -> None:
        """Payers' fixed shares of 1/3, 1/3 and 1/4 are reported at ``payers`` with the exact sum."""
        text = THREE_PAYERS.replace(
            'id = "county"\nname = "County"\nshare = "1/3"', 'id = "county"\nname = "County"\nshare = "1/4"'
        )
        assert _problems(text) == ["payer shares sum to 11/12 (91.67%), expected 100% @ $.payers"]

    @pytest.mark.parametrize("fmt", ["toml", "json"])
    def test_round_trip_keeps_the_ratio(self, fmt: str) -> None:
        """``dumps`` writes a third as ``"1/3"`` and a quarter as 0.25; ``loads`` reads back the same Fractions."""
        c = loads(THREE_PAYERS)
        text = dumps(c, fmt=fmt)  # type: ignore[arg-type]
        assert '"1/3"' in text
        back = loads(text, fmt=fmt)  # type: ignore[arg-type]
        assert back == c
        assert [p.share for p in back.payers] == [Fraction(1, 3)] * 3
        assert [s.share for s in back.waterfall[-1].shares] == [Fraction(1, 3)] * 3  # type: ignore[union-attr]

    def test_an_exact_decimal_share_is_written_as_a_decimal(self) -> None:
        """A share of ``"25%"`` is written back as ``0.25`` (TOML number), not as a ratio."""
        text = _with_residual(
            '[ { party = "loan", share = "25%" }, { party = "prov", share = "1/4" }, { party = "revolving_fund", share = 0.5 } ]'
        )
        written = dumps(loads(text))
        assert '{ party = "loan", share = 0.25 }' in written.replace("\n    ", " ")
        assert "share = 0.5" in written
        assert "/" not in "".join(line for line in written.splitlines() if "share" in line)


class TestEngineSplitsRatiosExactly:
    def test_hundred_euros_over_three_residual_thirds(self) -> None:
        """€100.00 left over three parties of ``"1/3"``: the loan (the id that sorts first) gets €33.34,
        the provider and the revolving fund €33.33 each; the parts add up to €100.00."""
        assert _residual_cents(loads(THIRDS)) == {"loan": 3334, "prov": 3333, "revolving_fund": 3333}

    def test_three_payers_of_a_third(self) -> None:
        """€1,100.00 over three payers of ``"1/3"``: 110,000 = 3 × 36,666 + 2, the two cents to 'city' and
        'county', which sort before 'state' (the file lists 'state' first)."""
        c = loads(THREE_PAYERS)
        paid = run(c, c.scenario("all")).flows.payer_paid[0].sum(axis=0).tolist()
        assert dict(zip([p.id for p in c.payers], paid, strict=True)) == {
            "state": 36666,
            "city": 36667,
            "county": 36667,
        }

    @settings(max_examples=10, deadline=None)
    @given(weights=st.lists(st.integers(1, 50), min_size=3, max_size=3))
    def test_ratio_residual_shares_pay_as_integer_weights(self, weights: list[int]) -> None:
        """Residual shares written as the ratios ``w / sum(w)`` pay each party exactly the largest-remainder
        split of the €100.00 by the integer weights ``w``, ties to the id that sorts first."""
        parties = ["revolving_fund", "prov", "loan"]
        total = sum(weights)
        items = ", ".join(f'{{ party = "{p}", share = "{w}/{total}" }}' for p, w in zip(parties, weights, strict=True))
        assert _residual_cents(loads(_with_residual(f"[ {items} ]"))) == _hamilton(10_000, weights, parties)

    def test_hundred_participants_over_three_segment_thirds(self) -> None:
        """100 participants over three segments of ``"1/3"``: 100 = 3 × 33 + 1, the extra participant to
        'licht', the id that sorts first (the contract lists it last)."""
        c = loads(SEGMENT_THIRDS)
        enrolled = deterministic_batch(c, c.scenario("all")).enrolled[0, :, 0, :].sum(axis=0).tolist()
        assert dict(zip([s.id for s in c.segments], enrolled, strict=True)) == {"zwaar": 33, "midden": 33, "licht": 34}

    def test_segment_shares_must_sum_to_one(self) -> None:
        """A segment mix of 1/3, 1/3 and 0.3 is reported at the provider's ``segment_mix`` with the exact sum."""
        text = SEGMENT_THIRDS.replace('{ segment = "licht", share = "1/3" }', '{ segment = "licht", share = 0.3 }')
        assert _problems(text) == ["segment shares sum to 29/30 (96.67%), expected 100% @ $.providers[0].segment_mix"]

    def test_three_equal_contributors_need_no_ratio(self) -> None:
        """Contributors to a pooled fund are weighed by their commitments: three equal commitments pay
        €1,100.00 as 36,667 / 36,667 / 36,666 cents, the extra cents to 'alpha' and 'mid' (ids sorting first)."""
        text = THIRDS.replace(
            '[[payers]]\nid = "city"\nname = "City"\n',
            '[[payers]]\nid = "fund"\nname = "Fund"\nkind = "outcomes_fund"\ncontributors = ['
            ' { id = "zeta", name = "Zeta", commitment = 5000 }, { id = "alpha", name = "Alpha", commitment = 5000 },'
            ' { id = "mid", name = "Mid", commitment = 5000 } ]\n',
        )
        c = loads(text)
        flows = run(c, c.scenario("all")).flows.ledger.flows
        paid = {
            who: int(flows[(who, "fund", "contribution to outcome payments")][0].sum())
            for who in ("zeta", "alpha", "mid")
        }
        assert paid == {"zeta": 36666, "alpha": 36667, "mid": 36667}
