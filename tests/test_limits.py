"""Hostile and extreme input: the supported ranges of ``sibkit.limits``.

Every value just inside a range is accepted at its field, every value just beyond it is refused
with one exact message at the field's path; the file is refused before parsing when it would make
a parser work out of proportion to its size; a contract at the edges of the ranges runs through
the engine without an error and reconciles; Monte Carlo refuses what cannot fit in memory, and a
run under a hard memory limit ends with exit 2 and a message, not a MemoryError.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sibkit.engine.batch import deterministic_batch
from sibkit.engine.month_loop import allocate_into, muldiv
from sibkit.engine.run import default_scenario, run
from sibkit.engine.simulate import Simulation, SimulationTooLarge, export, most_scenarios, simulate
from sibkit.engine.waterfall import run_batch
from sibkit.errors import ContractFileError
from sibkit.limits import (
    MAX_CENTS,
    MAX_DOTTED_KEY_PARTS,
    MAX_MONTHS,
    MAX_PARTICIPANTS,
    MAX_SCALE_CENTS,
    MAX_UNITS,
    block_scenarios,
)
from sibkit.load import loads
from sibkit.model import Contract
from sibkit.model.contract import money_scale
from sibkit.money import allocate_array, muldiv_array
from tests.test_malformed import MINIMAL

MAX_EUROS = MAX_CENTS // 100
"""The largest amount, in euros as a file writes it."""


def _with(old: str, new: str, text: str = MINIMAL) -> str:
    assert old in text
    return text.replace(old, new, 1)


def _problems(text: str, fmt: str = "toml") -> list[str]:
    """The problem lines of loading ``text`` (without the closing note); empty when it is valid."""
    try:
        loads(text, fmt=fmt)  # type: ignore[arg-type]
    except ContractFileError as exc:
        return list(exc.lines[: exc.count])
    return []


FIELDS = [
    # (what the file says, the text it replaces, path, lowest, highest, message for a value above)
    (
        "cost_per_participant = {}",
        "cost_per_participant = 2000",
        "$.providers[0].cost_per_participant",
        0,
        MAX_EUROS,
        "expected an amount of at most 1000000000000.00, got {}",
    ),
    (
        "capacity = {}",
        "capacity = 50",
        "$.providers[0].capacity",
        40,
        MAX_PARTICIPANTS,
        "expected a number of participants of at most 10000000, got {}",
    ),
    (
        "term_months = {}",
        "term_months = 24",
        "$.timeline.term_months",
        18,
        MAX_MONTHS,
        "expected a number of months of at most 600, got {}",
    ),
    (
        "enrolment = {{ total = 40, months = 12, start_month = {} }}",
        "enrolment = { total = 40, months = 12 }",
        "$.providers[0].enrolment.start_month",
        0,
        MAX_MONTHS,
        "expected a month number of at most 600, got {}",
    ),
]


class TestFieldRanges:
    """Each kind of number is bounded at its field: inside the range it is accepted, beyond it refused."""

    @pytest.mark.parametrize(("template", "old", "path", "low", "high", "message"), FIELDS)
    @given(data=st.data())
    def test_inside_the_range_is_not_refused_at_the_field(
        self, template: str, old: str, path: str, low: int, high: int, message: str, data: st.DataObject
    ) -> None:
        """Any value from the field's lowest sensible value to its bound raises no range problem at the field
        (the whole contract may still be too large: that is the money scale's message, tested below)."""
        value = data.draw(st.one_of(st.integers(low, high), st.sampled_from([low, high])))
        lines = _problems(_with(old, template.format(value)))
        assert not [line for line in lines if line.endswith(f"@ {path}") and line.startswith("expected")], lines

    @pytest.mark.parametrize(("template", "old", "path", "low", "high", "message"), FIELDS)
    @given(data=st.data())
    def test_beyond_the_range_is_refused_with_its_bound(
        self, template: str, old: str, path: str, low: int, high: int, message: str, data: st.DataObject
    ) -> None:
        """A value above the bound (up to int64) is refused with exactly one message naming the bound."""
        value = data.draw(st.one_of(st.integers(high + 1, 2**63 - 1), st.just(high + 1)))
        assert _problems(_with(old, template.format(value))) == [f"{message.format(value)} @ {path}"]

    @given(digits=st.integers(20, 4300))
    def test_beyond_int64_names_the_digits_not_the_number(self, digits: int) -> None:
        """A whole number past 2^63 is refused by its length, so no message prints thousands of digits."""
        lines = _problems(_with("capacity = 50", f"capacity = {'9' * digits}"))
        assert lines == [
            f"expected a whole number below 2^63, got a number of {digits:,} digits @ $.providers[0].capacity"
        ]

    @given(extra=st.integers(1, 5))
    def test_lists_are_bounded(self, extra: int) -> None:
        """A list of more than ``MAX_LIST_ITEMS`` items is refused at the list, before its items are checked."""
        from sibkit.limits import MAX_LIST_ITEMS

        count = MAX_LIST_ITEMS + extra
        text = _with(
            "cost_per_participant = 2000", f"cost_per_participant = 2000\ncost_profile = [{', '.join(['0'] * count)}]"
        )
        assert _problems(text) == [
            f"expected a list of at most 1,000 items, got {count:,} @ $.providers[0].cost_profile"
        ]

    def test_the_issues_2000_providers_are_refused(self) -> None:
        """2,000 providers are refused at the list (validate used to accept them and simulate to need 8 GB)."""
        text = MANY + "".join(
            f'\n[[providers]]\nid = "q{i}"\nname = "Q{i}"\ncapacity = 50\n'
            "enrolment = { total = 40, months = 12 }\ncost_per_participant = 2000\n"
            for i in range(1000)
        )
        assert _problems(text) == ["expected a list of at most 1,000 items, got 2,000 @ $.providers"]

    def test_a_huge_amount_names_its_digits(self) -> None:
        """A 3,000-digit amount is refused by its length."""
        lines = _problems(_with("cost_per_participant = 2000", f"cost_per_participant = {'9' * 3000}"))
        assert lines == [
            "expected an amount of at most 1000000000000.00, got a number of 3,000 digits @ $.providers[0].cost_per_participant"
        ]

    @pytest.mark.parametrize(
        ("written", "message"),
        [
            ("1e999999999", "expected an amount of at most 1000000000000.00, got 1E+999999999"),
            ("1e400000", "expected an amount of at most 1000000000000.00, got 1E+400000"),
            ("1e-999999", "expected whole cents, got 1E-999999 (an amount has at most 2 decimals)"),
        ],
    )
    def test_huge_exponents_are_refused_before_arithmetic(self, written: str, message: str) -> None:
        """``1e999999999`` no longer ends as ``[<class 'decimal.Overflow'>]`` nor takes minutes to convert."""
        lines = _problems(_with("cost_per_participant = 2000", f"cost_per_participant = {written}"))
        assert lines == [f"{message} @ $.providers[0].cost_per_participant"]

    @pytest.mark.parametrize(
        ("weight", "message"),
        [
            ("1e999999999", "expected a number below 10^24, got 1E+999999999"),
            (
                "0.7000000000000000000000000000001",
                "expected a number written with at most 24 digits, got 0.7000000000000000000000000000001",
            ),
            ("0.7000000001", "expected at most 9 digits after the decimal point, got 0.7000000001"),
        ],
    )
    def test_decimals_are_bounded_in_size_and_places(self, weight: str, message: str) -> None:
        """Shares keep at most 9 decimals (payer shares are weighed in billionths) and a sane size."""
        lines = _problems(_with("weight = 0.7", f"weight = {weight}"))
        assert lines[0] == f"{message} @ $.rules[0].components[0].weight"

    def test_trailing_zeros_do_not_count_as_places(self) -> None:
        """``0.700000000000`` is seven tenths: trailing zeros are not precision."""
        assert _problems(_with("weight = 0.7", "weight = 0.700000000000")) == []

    @pytest.mark.parametrize(
        ("start", "message"),
        [
            ("9999-12-01", "expected a date from 1900-01-01 to 2199-12-31, got 9999-12-01"),
            ("1899-12-31", "expected a date from 1900-01-01 to 2199-12-31, got 1899-12-31"),
            ("2200-01-01", "expected a date from 1900-01-01 to 2199-12-31, got 2200-01-01"),
        ],
    )
    def test_dates_outside_the_supported_years_are_refused(self, start: str, message: str) -> None:
        """A start of 9999-12-01 used to crash ``show``, ``check`` and ``termsheet``; now it is a field problem."""
        assert _problems(_with("start = 2023-01-01", f"start = {start}")) == [f"{message} @ $.timeline.start"]

    def test_the_last_supported_start_with_the_longest_term_is_valid(self) -> None:
        """2199-12-31 with 600 months: every month of the term is a valid date (the last is November 2249)."""
        text = _with("start = 2023-01-01", "start = 2199-12-31")
        text = _with("term_months = 24", f"term_months = {MAX_MONTHS}", text)
        contract = loads(text)
        assert contract.timeline.end.isoformat() == "2249-12-01"

    def test_units_per_participant_are_bounded(self) -> None:
        """A rate card's most units per participant is at most ``MAX_UNITS``."""
        text = MINIMAL.replace(
            'type = "tariff"\nid = "tarief"\nprice_per_participant = 3500\ncomponents = [\n'
            '  { metric = "werk", weight = 0.7 },\n  { metric = "traject", weight = 0.3 },\n]',
            'type = "rate_card"\nid = "kaart"\nentries = [\n'
            f'  {{ metric = "werk", price = 10, repeatable = true, max_per_participant = {MAX_UNITS + 1} }},\n'
            '  { metric = "traject", price = 10 },\n]',
        )
        assert _problems(text) == [
            f"expected a number of units of at most {MAX_UNITS}, got {MAX_UNITS + 1} @ $.rules[0].entries[0].max_per_participant"
        ]


class TestParseBounds:
    """What would make a parser work out of proportion to the file is refused with a message."""

    @given(depth=st.integers(1, 20_000))
    def test_nesting_depth_never_ends_in_a_traceback(self, depth: int) -> None:
        """Nested lists at any depth give either the field's own problem or the nesting message."""
        text = '{"name": ' + "[" * depth + "]" * depth + "}"
        lines = _problems(text, "json")
        assert lines[0] in (
            "expected a text, got a list @ $.name",
            "lists and tables are nested too deeply (a contract nests them a few levels at most)",
        )

    @pytest.mark.parametrize("fmt", ["toml", "json"])
    def test_deep_nesting_is_refused(self, fmt: str) -> None:
        """100,000 nested lists: one message, no RecursionError."""
        deep = "[" * 100_000 + "]" * 100_000
        text = f"name = {deep}\n" if fmt == "toml" else f'{{"name": {deep}}}'
        with pytest.raises(ContractFileError) as err:
            loads(text, fmt=fmt)  # type: ignore[arg-type]
        assert (
            str(err.value)
            == "<contract>: lists and tables are nested too deeply (a contract nests them a few levels at most)"
        )

    @given(parts=st.integers(2, 3 * MAX_DOTTED_KEY_PARTS))
    def test_long_dotted_keys_are_refused_before_parsing(self, parts: int) -> None:
        """A dotted key of more than ``MAX_DOTTED_KEY_PARTS`` parts is refused at its line; shorter ones parse."""
        text = MINIMAL + "\n" + ".".join(["a"] * parts) + " = 1\n"
        lines = _problems(text)
        if parts > MAX_DOTTED_KEY_PARTS:
            line = MINIMAL.count("\n") + 2
            with pytest.raises(ContractFileError) as err:
                loads(text)
            assert (
                str(err.value) == f"<contract>:{line}: a dotted key has more than 64 parts; a contract needs at most 6"
            )
        else:
            assert lines[0].startswith("unknown key 'a'")

    def test_a_dotted_key_of_400_000_parts_is_quick(self) -> None:
        """tomllib would take minutes (quadratic); the pre-scan refuses it at once."""
        with pytest.raises(ContractFileError) as err:
            loads("a" + ".a" * 400_000 + " = 1\n")
        assert str(err.value) == "<contract>:1: a dotted key has more than 64 parts; a contract needs at most 6"

    @pytest.mark.parametrize("fmt", ["toml", "json"])
    def test_a_5000_digit_integer_is_refused(self, fmt: str) -> None:
        """Past Python's 4,300-digit limit the parser itself fails; the message says what is wrong."""
        number = "9" * 5000
        text = f"name = {number}\n" if fmt == "toml" else f'{{"name": {number}}}'
        with pytest.raises(ContractFileError) as err:
            loads(text, fmt=fmt)  # type: ignore[arg-type]
        assert str(err.value) == "<contract>: a whole number has 5,000 digits; numbers in a contract have at most 19"


EDGE = """\
name = "Edge"

[timeline]
start = 2199-12-01
enrolment_months = {enrol}
service_months = {enrol}
term_months = {term}
payment_frequency = "monthly"

[[payers]]
id = "a"
name = "A"
share = 0.333333333

[[payers]]
id = "b"
name = "B"
share = 0.666666667

[[providers]]
id = "p"
name = "P"
capacity = {people}
enrolment = {{ total = {people}, months = {enrol} }}
cost_per_participant = {cost}
buffer = {buffer}
prefinances_own_costs = false

[[investors]]
id = "bank"
name = "Bank"

[[tranches]]
type = "loan"
id = "senior"
investor = "bank"
commitment = {commitment}
coupon = {coupon}
drawdown = {{ kind = "upfront" }}

[[tranches]]
type = "loan"
id = "junior"
investor = "bank"
commitment = {commitment}
seniority = 2
coupon = {coupon}
drawdown = {{ kind = "upfront" }}

[[waterfall]]
type = "interest"
tranches = ["senior", "junior"]
mode = "pro_rata"

[[waterfall]]
type = "principal"
tranches = ["senior", "junior"]
mode = "pro_rata"

[[metrics]]
id = "werk"
name = "Work"

[[rules]]
type = "tariff"
id = "t"
price_per_participant = {price}
components = [{{ metric = "werk", weight = 1 }}]
"""
"""A contract with two payers splitting every payment, two loans paid pro rata and amounts
chosen near the supported ranges: splits and interest multiply two large numbers."""


class TestEngineAtTheEdges:
    """Inside the supported ranges the engine raises nothing and every scenario reconciles to the cent."""

    @given(
        people=st.sampled_from([1, 7, 1000, 250_000]),
        term=st.sampled_from([1, 13, 120, MAX_MONTHS]),
        price=st.integers(0, MAX_EUROS),
        cost=st.integers(0, MAX_EUROS),
        buffer=st.integers(0, MAX_EUROS),
        commitment=st.integers(0, MAX_EUROS),
        coupon=st.sampled_from(["0", "0.05", "0.123456789", "10"]),
    )
    def test_edge_contracts_run_and_reconcile(
        self, people: int, term: int, price: int, cost: int, buffer: int, commitment: int, coupon: str
    ) -> None:
        """Contracts whose money scale is anywhere up to ``MAX_SCALE_CENTS`` run and reconcile (``run_batch``
        raises ``EngineError`` otherwise), the payers' split adds up, and interest is not negative."""
        text = EDGE.format(
            enrol=max(1, term // 2),
            term=term,
            people=people,
            cost=cost,
            buffer=buffer,
            commitment=commitment,
            coupon=coupon,
            price=price,
        )
        try:
            contract = loads(text)
        except ContractFileError as exc:
            assert "sibkit computes exactly" in exc.lines[0], exc.lines
            assume(False)
        assert sum(cents for cents, _, _ in money_scale(contract)) <= MAX_SCALE_CENTS
        res = run(contract)
        paid = res.outcome_payments[0]
        assert paid == sum(p.paid[0] for p in res.payers)
        assert all(p.paid[0] >= 0 for p in res.payers)
        _within_scale(contract)

    @given(
        people=st.sampled_from([1, 999, 100_000]),
        units=st.integers(1, MAX_UNITS),
        price=st.integers(0, MAX_EUROS),
        saving=st.integers(0, MAX_EUROS),
        share=st.sampled_from(["0", "0.5", "0.123456789", "1"]),
    )
    def test_units_and_savings_at_the_edges_run_and_reconcile(
        self, people: int, units: int, price: int, saving: int, share: str
    ) -> None:
        """Per-time units and a share of savings (units × saving × share, a product past 2^63 before its
        division) run, reconcile and stay within the money scale."""
        text = UNITS.format(people=people, units=units, price=price, saving=saving, share=share)
        try:
            contract = loads(text)
        except ContractFileError as exc:
            assert "sibkit computes exactly" in exc.lines[0], exc.lines
            assume(False)
        res = run(contract)
        assert res.outcome_payments[0] == sum(p.paid[0] for p in res.payers)
        _within_scale(contract)

    def test_a_payment_due_far_after_the_term_is_not_paid_inside_it(self) -> None:
        """An outcome observed 600 months after enrolment and verified 600 months later, in a one-month
        term, is counted as unpaid after the term, never paid inside it (month arithmetic does not wrap)."""
        text = _with(
            'name = "Paid work"', f'name = "Paid work"\nobservation_months = {MAX_MONTHS}\nlag_months = {MAX_MONTHS}'
        )
        text = _with(
            "enrolment_months = 12\nservice_months = 18\nterm_months = 24",
            "enrolment_months = 1\nservice_months = 1\nterm_months = 1",
            text,
        )
        text = _with("enrolment = { total = 40, months = 12 }", "enrolment = { total = 40, months = 1 }", text)
        res = run(loads(text))
        assert res.outcome_payments[0] == 40 * 105_000  # only the 30% component ('traject') at €1,050
        assert res.unpaid_after_term[0] == 40 * 245_000  # the 70% component ('werk') at €2,450, after the term

    def test_beyond_the_scale_is_refused_naming_the_largest_part(self) -> None:
        """A contract that could move more than €10^13 is refused at its largest part."""
        text = EDGE.format(
            enrol=12, term=24, people=250_000, cost=1, buffer=0, commitment=0, coupon="0", price=MAX_EUROS
        )
        assert _problems(text) == [
            "the money this contract can move adds up to as much as €250,000,000,000,250,000.00, more than the "
            "€10,000,000,000,000.00 sibkit computes exactly; the largest part is here: its largest outcome payments, "
            "up to €250,000,000,000,000,000.00 @ $.rules[0]"
        ]


UNITS = """\
name = "Units"

[timeline]
start = 2023-01-01
enrolment_months = 12
service_months = 24
term_months = 600
payment_frequency = "annual"

[[payers]]
id = "a"
name = "A"

[[providers]]
id = "p"
name = "P"
capacity = {people}
enrolment = {{ total = {people}, months = 12 }}
cost_per_participant = 0

[[metrics]]
id = "days"
name = "Days housed"
kind = "duration"
unit = "day"

[[metrics]]
id = "saved"
name = "Saved"

[[savings]]
metric = "saved"
amount_per_unit = {saving}

[[rules]]
type = "per_time"
id = "t"
metric = "days"
price_per_unit = {price}

[[rules]]
type = "share_of_savings"
id = "s"
metric = "saved"
share = {share}

[[scenarios]]
name = "base"
outcomes = [{{ metric = "days", rate = 1, units = {units} }}, {{ metric = "saved", rate = 1, units = {units} }}]
"""
"""A contract paying per day in a state and a share of savings, with units and amounts near their bounds."""


def _within_scale(contract: Contract) -> None:
    """Every integer the engine returns for ``contract`` lies within its money scale (or, for counts of
    participants and units, within their own bounds): a value wrapped round past 2^63 is far outside both."""
    scale = sum(cents for cents, _, _ in money_scale(contract))
    flows = run_batch(contract, deterministic_batch(contract, default_scenario(contract)))
    for field in attrs.fields(type(flows)):
        value = getattr(flows, field.name)
        if isinstance(value, np.ndarray) and value.dtype == np.int64 and value.size:
            assert int(np.abs(value).max()) <= max(scale, MAX_PARTICIPANTS * MAX_UNITS), field.name


class TestMuldiv:
    """Quotients of products past 2^63 are exact inside the supported ranges."""

    @given(a=st.integers(-(2**50), 2**50), b=st.integers(-(2**50), 2**50), c=st.integers(1, 2**50))
    def test_engine_muldiv_is_exact(self, a: int, b: int, c: int) -> None:
        """``muldiv`` equals Python's exact ``divmod(a × b, c)``."""
        assume(abs(a * b // c) < 2**62)
        assert muldiv(a, b, c) == divmod(a * b, c)

    @given(a=st.integers(0, 2**50), b=st.integers(0, 2**50), c=st.integers(1, 2**50))
    def test_array_muldiv_is_exact(self, a: int, b: int, c: int) -> None:
        """``muldiv_array`` equals Python's exact ``divmod(a × b, c)``."""
        assume(a * b // c < 2**62)
        q, r = muldiv_array(np.asarray([a]), np.asarray([b]), np.asarray([c]))
        assert (int(q[0]), int(r[0])) == divmod(a * b, c)

    @given(weights=st.lists(st.integers(0, MAX_SCALE_CENTS), min_size=2, max_size=8), data=st.data())
    def test_splits_of_large_amounts_add_up_and_agree(self, weights: list[int], data: st.DataObject) -> None:
        """A pro-rata split of up to €10^13 by amounts as large adds up exactly, in the engine and in numpy,
        and each part is within one cent of its exact share."""
        assume(sum(weights) > 0)
        total = data.draw(st.integers(0, sum(weights)))
        w = np.asarray(weights, dtype=np.int64)
        out = np.zeros(len(weights), dtype=np.int64)
        allocate_into(total, w, len(weights), out)
        parts = allocate_array(np.asarray(total), w)
        assert out.tolist() == parts.tolist()
        assert int(out.sum()) == total
        for part, weight in zip(out.tolist(), weights, strict=True):
            assert abs(part * sum(weights) - total * weight) <= sum(weights)


MANY = textwrap.dedent(
    """\
    name = "Many providers"

    [timeline]
    start = 2023-01-01
    enrolment_months = 12
    service_months = 18
    term_months = 48

    [[payers]]
    id = "gemeente"
    name = "Gemeente"

    [[metrics]]
    id = "werk"
    name = "Work"

    [[rules]]
    type = "tariff"
    id = "tarief"
    price_per_participant = 3500
    components = [{ metric = "werk", weight = 1 }]

    [[scenarios]]
    name = "base"
    outcomes = [{ metric = "werk", rate = 0.5 }]

    [uncertainty]
    outcomes = [{ metric = "werk", low = 0.3, high = 0.7 }]
    """
) + "".join(
    f'\n[[providers]]\nid = "p{i}"\nname = "P{i}"\ncapacity = 50\n'
    "enrolment = { total = 40, months = 12 }\ncost_per_participant = 2000\n"
    for i in range(1000)
)
"""A small contract with 1,000 providers over 48 months: one chunk of 4,096 sampled scenarios needs
about 4.8 GB (the issue's case had 2,000 providers, now more than a list may hold)."""


class TestSimulateBounds:
    """Monte Carlo refuses what cannot fit, sizes its blocks by memory and writes exact cents."""

    def test_too_many_scenarios_are_refused(self) -> None:
        """A huge ``--n`` is refused before anything is allocated (it was a MemoryError). The minimal contract keeps
        10 figures per scenario: the outcome payments, the payer's cost, 3 for the provider, 3 for the payer's account
        and what the payer pays in each of its 2 budget years (2023, 2024)."""
        contract = loads(MINIMAL)
        most = most_scenarios(contract)
        with pytest.raises(SimulationTooLarge) as err:
            simulate(contract, most + 1, 0, workers=1)
        assert str(err.value) == (
            f"{most + 1:,} scenarios are more than sibkit can hold for this contract: at most {most:,} "
            "(each scenario keeps 10 figures in memory)"
        )

    def test_a_contract_too_large_to_sample_is_refused(self) -> None:
        """1,000 providers over 48 months: one chunk would need 4.8 GB; refused with the reason, before sampling."""
        with pytest.raises(SimulationTooLarge) as err:
            simulate(loads(MANY), 1, 0, workers=1)
        assert str(err.value) == (
            "this contract is too large to simulate: each chunk of 4,096 scenarios needs about 4.8 GB for its "
            "sampled participants, more than the 4 GB sibkit allows (months × providers × segments × metrics); "
            "simulate a smaller contract"
        )

    def test_blocks_shrink_to_fit_the_budget(self) -> None:
        """Blocks are whole chunks, at least one, and within the budget where a chunk fits."""
        assert block_scenarios(1_000, 4096, budget=10**9) == 4096 * 15
        assert block_scenarios(10**7, 4096, budget=10**9) == 4096

    def test_slicing_a_block_to_fit_memory_changes_no_figure(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With a budget so small that the engine runs a block 7 scenarios at a time, every per-scenario
        figure equals the run in one piece."""
        from sibkit.engine import simulate as sim_module
        from sibkit.load import load_contract

        from conftest import EXAMPLE

        contract = load_contract(EXAMPLE)
        whole = simulate(contract, 300, 7, workers=1)
        monkeypatch.setattr(sim_module, "MEMORY_BUDGET_BYTES", 7 * 16 * sim_module.cells_per_scenario(contract))
        assert sim_module.engine_rows(contract) == 7
        sliced = simulate(contract, 300, 7, workers=1)
        assert whole.metrics.keys() == sliced.metrics.keys()
        for key in whole.metrics:
            np.testing.assert_array_equal(whole.metrics[key], sliced.metrics[key])

    def test_export_writes_exact_cents_above_2_53(self, tmp_path: Path) -> None:
        """``--out`` writes whole cents exactly; through float64, 2^53 + 1 came out as 2^53."""
        values = np.asarray([2**53 + 1, -(2**62) + 3], dtype=np.int64)
        sim = Simulation(n=2, seed=0, metrics={"outcome_payments": values, "tranche:x:irr": np.asarray([0.05, np.nan])})
        export(sim, str(tmp_path / "out.csv"))
        assert (tmp_path / "out.csv").read_text() == (
            "scenario,outcome_payments,tranche:x:irr\n0,9007199254740993,0.05\n1,-4611686018427387901,\n"
        )


def _limited(args: list[str], tmp_path: Path, limit: int = 1_500_000_000) -> subprocess.CompletedProcess[str]:
    """Run ``sibkit ARGS`` in a subprocess whose address space is limited to ``limit`` bytes."""
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
        "from sibkit.cli import run\n"
        f"sys.argv = ['sibkit', *{args!r}]\n"
        "run()\n"
    )
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env
    )


class TestMemoryBounded:
    """Under a hard memory limit, what used to need gigabytes ends with exit 2 and a message."""

    def test_a_150_byte_contract_no_longer_needs_8_gb(self, tmp_path: Path) -> None:
        """An enrolment spread over a billion months (a tuple of a billion counts) is refused at the field."""
        text = _with("enrolment = { total = 40, months = 12 }", "enrolment = { total = 40, months = 1000000000 }")
        (tmp_path / "c.toml").write_text(text)
        done = _limited(["validate", "c.toml"], tmp_path)
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines()[1] == (
            "  expected a number of months of at most 600, got 1000000000 @ $.providers[0].enrolment.months"
        )

    def test_simulating_1000_providers_is_refused_within_the_limit(self, tmp_path: Path) -> None:
        """``simulate`` on 1,000 providers stops with exit 2 and the reason, not a MemoryError."""
        (tmp_path / "many.toml").write_text(MANY)
        done = _limited(["simulate", "many.toml", "--n", "4096", "--workers", "1"], tmp_path)
        assert done.returncode == 2, done.stderr
        assert "this contract is too large to simulate" in done.stderr
        assert "Traceback" not in done.stderr

    def test_a_huge_n_is_refused_within_the_limit(self, tmp_path: Path) -> None:
        """``simulate --n 10^12`` stops with exit 2 and the range of ``--n`` (the option refuses it before
        anything is allocated); the library's ``simulate`` refuses it too, saying how many it can hold."""
        (tmp_path / "c.toml").write_text(MINIMAL)
        done = _limited(["simulate", "c.toml", "--n", str(10**12), "--workers", "1"], tmp_path)
        assert done.returncode == 2, done.stderr
        assert "Invalid value for '--n': 1000000000000 is not in the range 1<=x<=10000000." in done.stderr
        with pytest.raises(SimulationTooLarge, match=r"^1,000,000,000,000 scenarios are more than sibkit can hold"):
            simulate(loads(MINIMAL, file="c.toml"), 10**12, 0, workers=1)


class TestRangesDoc:
    """docs/contract-format.md states the supported ranges as the code has them."""

    def test_the_doc_names_every_bound(self) -> None:
        """Each constant of ``sibkit.limits`` appears, as written, in the "Supported ranges" section."""
        from sibkit import limits
        from sibkit.load import MAX_FILE_BYTES

        from conftest import ROOT

        doc = (ROOT / "docs" / "contract-format.md").read_text(encoding="utf-8")
        section = doc.split("## Supported ranges", 1)[1].split("\n## ", 1)[0]
        expected = [
            f"0 to {limits.MAX_CENTS // 100}.00",
            f"at most €{limits.MAX_SCALE_CENTS // 100:,}.00",
            f"0 to {limits.MAX_PARTICIPANTS:,}",
            f"1 to {limits.MAX_MONTHS}",
            f"0 to {limits.MAX_MONTHS}",
            f"1 to {limits.MAX_UNITS:,}",
            f"at most {limits.MAX_DECIMAL_PLACES} decimals",
            f"a denominator of at most {limits.MAX_SHARE_DENOMINATOR:,}",
            f"a common denominator of at most {limits.MAX_SHARE_DENOMINATOR:,}",
            f"0 to {limits.MAX_RATE} ",
            f"0 to {limits.MAX_NUMBER:,}",
            f"{limits.FIRST_DATE.isoformat()} to {limits.LAST_DATE.isoformat()}",
            f"at most {limits.MAX_MONTHS} entries",
            f"at most {limits.MAX_CELLS_PER_SCENARIO:,} numbers",
            f"at most {MAX_FILE_BYTES:,} bytes",
            f"at most {limits.MAX_DOTTED_KEY_PARTS} parts",
            f"at most {limits.MAX_SIGNIFICANT_DIGITS} significant digits",
            f"at most {limits.MAX_SIMULATED_SCENARIOS:,}",
            f"at most {limits.MAX_LIST_ITEMS:,} items",
            f"| 0 to {limits.MAX_SUCCESS} |",
            f"at most {limits.MAX_LINE_CHARS:,} characters",
            f"at most {limits.MAX_PROSE_CHARS:,} characters",
        ]
        assert [text for text in expected if text not in section] == []

    def test_the_doc_example_is_the_real_message(self) -> None:
        """The refusal quoted in the doc is what sibkit says for that contract."""
        from conftest import ROOT

        doc = (ROOT / "docs" / "contract-format.md").read_text(encoding="utf-8")
        text = EDGE.format(
            enrol=12, term=24, people=250_000, cost=1, buffer=0, commitment=0, coupon="0", price=MAX_EUROS
        )
        (line,) = _problems(text)
        assert f"```text\n{line}\n```" in doc


class TestMessages:
    """No problem line is a bare exception: every one says what is wrong."""

    @pytest.mark.parametrize(
        ("error", "line"),
        [
            (
                __import__("decimal").Overflow(),
                "the number is too large or too finely written to compute with @ $.x",
            ),
            (MemoryError(), "the value needs more memory than this machine has; see the supported ranges @ $.x"),
            (ValueError(), "invalid value @ $.x"),
        ],
    )
    def test_bare_errors_become_sentences(self, error: BaseException, line: str) -> None:
        """``[<class 'decimal.Overflow'>]`` and an empty `` @ $`` are never shown to a user."""
        from sibkit.errors import english
        from sibkit.load import error_lines

        assert [f"{english(phrase)} @ {path}" for phrase, path in error_lines(error, "$.x")] == [line]


class TestSuccessFactor:
    """A success factor is at most ``MAX_SUCCESS``: a cohort improvement scaled by 10^12 wrapped round
    and paid £0.00 without a word."""

    def test_the_engine_refuses_a_factor_above_the_bound(self) -> None:
        """``deterministic_batch`` refuses a factor above 10 with a message."""
        contract = loads(MINIMAL)
        with pytest.raises(ValueError) as err:
            deterministic_batch(contract, default_scenario(contract), Decimal("1e12"))
        assert str(err.value) == "a success factor is from 0 to 10, got 1E+12"

    def test_a_sweep_range_above_the_bound_is_refused(self) -> None:
        """``sweep --success 0:20:3`` is refused as a range."""
        from sibkit.sweep import parse_range

        with pytest.raises(ValueError) as err:
            parse_range("0:20:3")
        assert str(err.value) == "success levels must be at most 10, got 20"

    @pytest.mark.parametrize("command", ["run", "ledger"])
    def test_run_and_ledger_refuse_a_huge_factor_with_exit_2(self, command: str) -> None:
        """``--success 1e12`` is a usage error (exit 2), not £0.00 of outcome payments."""
        from click.testing import CliRunner

        from sibkit.cli import main

        from conftest import CONTRACTS

        done = CliRunner().invoke(main, [command, str(CONTRACTS / "peterborough.toml"), "--success", "1e12"])
        assert done.exit_code == 2
        assert "expected a number from 0 to 10, got '1e12'" in done.output
