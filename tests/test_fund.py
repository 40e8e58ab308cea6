"""The outcomes fund: the fund file, the fund's books from the contract engine, and ``sibkit fund run``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import attrs
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sibkit.cli import main
from sibkit.engine import run
from sibkit.engine.fund import FundWhy, contributor_charges, fund_ledger, fund_run, run_starts, scaled
from sibkit.fund_load import FundFileError, load_fund
from sibkit.load import load_contract
from sibkit.model.fund import (
    ContractStart,
    Fund,
    FundContributor,
    FundFee,
    FundLoan,
    PipelineEntry,
    Recycling,
    SavingsRecycling,
    ScheduledPayment,
)

from conftest import ROOT

TINY = ROOT / "tests" / "fund_contracts" / "tiny.toml"
LEEUWARDEN = ROOT / "funds" / "leeuwarden-oost.toml"

KNOWN = f"""
id = "test-fund"
name = "Test fund"
currency = "EUR"
start = 2024-01-01
horizon_months = 24

[[contributors]]
id = "a"
name = "A"
commitment = 6000
payments = [ {{ year = 2024, amount = 4000 }}, {{ year = 2025, amount = 2000 }} ]

[[contributors]]
id = "b"
name = "B"
commitment = 3000

[[loans]]
id = "loan"
lender = "bank"
amount = 1000
rate = 0.12
drawn = 2024-02-01
repayment_months = 2

[recycling]
savings = [ {{ owner = "city", share = "1/4" }} ]

[[fees]]
id = "management"
payee = "manager"
per_year = 120
share_of_payments = 0.01

[[contracts]]
file = "{TINY}"
start = 2024-01-01
repeat = 2
every_months = 12
"""
"""A fund of two starts of the tiny contract (each pays 10 × 50% × €1,000 = €5,000 three months after it starts
and saves the city 5 × €400), two contributors, a loan, a fee and a quarter of the city's savings recycled."""


def write(tmp_path: Path, text: str, name: str = "fund.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(FundFileError) as info:
        load_fund(path)
    return list(info.value.lines)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


class TestFundFile:
    def test_example_loads_with_its_contracts(self) -> None:
        """The Leeuwarden fund loads, with the pilot and the Buzinezzclub contract, relative to the fund file."""
        loaded = load_fund(LEEUWARDEN)
        assert loaded.fund.id == "resultatenfonds-leeuwarden-oost"
        assert sorted(loaded.contracts) == ["../contracts/buzinezzclub.toml", "../contracts/leeuwarden-oost-pilot.toml"]
        assert loaded.fund.contracts[0].starts()[-1] == dt.date(2027, 1, 1)

    def test_unknown_key(self, tmp_path: Path) -> None:
        """A key the fund file does not know is named with the keys it does know, at its path."""
        path = write(tmp_path, KNOWN.replace('currency = "EUR"', 'currency = "EUR"\ncolour = "red"'))
        assert problems(path)[0] == (
            "unknown key 'colour'; expected one of: contracts, contributors, currency, description, fees, format,"
            " horizon_months, id, loans, name, pipeline, provenance, recycling, simulation, sources, start @ $.colour"
        )

    def test_wrong_types(self, tmp_path: Path) -> None:
        """A text where an amount belongs and a share above 1 are each reported at their own path, with a note."""
        text = KNOWN.replace("commitment = 3000", 'commitment = "lots"').replace('share = "1/4"', "share = 1.5")
        assert problems(write(tmp_path, text)) == [
            """expected an amount such as 3500 or "3500.00", got 'lots' @ $.contributors[1].commitment""",
            """expected a share between 0 and 1 (0% and 100%), got 1.5; write 0.015 or "1.5%" @"""
            " $.recycling.savings[0].share",
            "(the contract files are loaded once the fund file itself is valid)",
        ]

    def test_payments_beyond_the_commitment(self, tmp_path: Path) -> None:
        """Scheduled payments above the commitment are refused unless over_commitment allows them."""
        text = KNOWN.replace("commitment = 6000", "commitment = 5000")
        assert problems(write(tmp_path, text))[0] == (
            "the payments add up to €6,000.00, more than the commitment of €5,000.00;"
            " lower them or set over_commitment = true @ $.contributors[0].payments"
        )
        allowed = text.replace("commitment = 5000", "commitment = 5000\nover_commitment = true")
        assert load_fund(write(tmp_path, allowed)).fund.contributors[0].commitment == 500000

    def test_missing_contract_file(self, tmp_path: Path) -> None:
        """A contract file that is not there is reported at the entry that names it."""
        path = write(tmp_path, KNOWN.replace(str(TINY), "no-such-contract.toml"))
        assert problems(path) == ["contract file 'no-such-contract.toml': no such file @ $.contracts[0].file"]

    def test_payer_and_scenario_the_contract_lacks(self, tmp_path: Path) -> None:
        """A payer or a scenario the contract does not have is reported at its path, with what the contract has."""
        text = KNOWN.replace("every_months = 12", 'every_months = 12\npayers = ["city-hall"]\nscenario = "low"')
        assert problems(write(tmp_path, text)) == [
            f"the contract '{TINY}' has no payer 'city-hall'; it has: fonds @ $.contracts[0].payers[0]",
            f"the contract '{TINY}' has no scenario 'low'; it has: base, high @ $.contracts[0].scenario",
        ]

    def test_dates_before_the_fund_starts(self, tmp_path: Path) -> None:
        """A contract starting, or a loan drawn, before the fund starts is refused at its path."""
        text = KNOWN.replace("drawn = 2024-02-01", "drawn = 2023-12-01").replace(
            "start = 2024-01-01\nrepeat", "start = 2023-06-01\nrepeat"
        )
        assert problems(write(tmp_path, text)) == [
            "this is before the fund starts (2024-01) @ $.loans[0].drawn",
            "this is before the fund starts (2024-01) @ $.contracts[0].start",
        ]

    def test_ratio_shares(self, tmp_path: Path) -> None:
        """Shares are exact: "1/4" is a quarter, as in contract files."""
        fund = load_fund(write(tmp_path, KNOWN)).fund
        assert fund.recycling.savings[0].share == Fraction(1, 4)

    def test_dutch_messages(self, tmp_path: Path) -> None:
        """The refusal is written in Dutch on request."""
        with pytest.raises(FundFileError) as info:
            load_fund(write(tmp_path, KNOWN.replace(str(TINY), "weg.toml")))
        assert "contractbestand 'weg.toml': bestand bestaat niet @ $.contracts[0].file" in info.value.show("nl")


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> tuple[Fund, dict[str, object]]:
    path = write(tmp_path_factory.mktemp("fund"), KNOWN)
    loaded = load_fund(path)
    return loaded.fund, dict(loaded.contracts)


class TestKnownAnswer:
    def test_books_by_hand(self, known: tuple[Fund, dict[str, object]]) -> None:
        """Every month of the fund's books, computed by hand in cents.

        In: A pays €4,000 in month 0 and €2,000 in month 12, B its €3,000 in month 0, the bank lends €1,000 in
        month 1, the city pays back a quarter of its €2,000 savings in months 3 and 15.
        Out: €5,000 for results in months 3 and 15, a fee of €10 a month plus 1% of the results, interest of 1%
        a month (€10, then €5) and the principal in two parts of €500 in months 2 and 3."""
        fund, contracts = known
        signed, with_pipeline = fund_run(fund, contracts)  # type: ignore[arg-type]
        assert with_pipeline is None
        expected = {
            0: 700000 - 1000,
            1: 100000 - 1000,
            2: -1000 - 1000 - 50000,
            3: 50000 - 500000 - 5000 - 1000 - 500 - 50000,
            12: 200000 - 1000,
            15: 50000 - 500000 - 5000 - 1000,
        }
        change = [expected.get(t, -1000) for t in range(24)]
        assert signed.months == 24
        assert (signed.inflow - signed.outflow).tolist() == change
        assert signed.balance.tolist() == np.cumsum(change).tolist()
        assert int(signed.balance[-1]) == -35500
        assert signed.by_why[FundWhy.INTEREST].sum() == 1500
        assert signed.by_why[FundWhy.FEE].sum() == 24000 + 10000
        assert signed.per_year(signed.by_why[FundWhy.RECYCLED_SAVINGS]).tolist() == [50000, 50000]

    def test_first_shortfall(self, known: tuple[Fund, dict[str, object]]) -> None:
        """The fund cannot pay the second contract's results in month 15 (it has €4,285 + €500 recycled for €5,000);
        at its lowest it is €355 short."""
        fund, contracts = known
        signed, _ = fund_run(fund, contracts)  # type: ignore[arg-type]
        assert signed.first_shortfall == 15
        assert signed.month_start(15) == dt.date(2025, 4, 1)
        assert signed.shortfall == 35500
        assert signed.sustaining_year is None
        assert signed.first_overcommitted == 0  # €10,000 may be due; €6,990 in cash and €2,000 to come

    def test_enough_money_means_no_shortfall(self, known: tuple[Fund, dict[str, object]]) -> None:
        """€2,400 more from B at the start: the fund pays every result, and from 2025 on it would need no new
        contribution (without A's €2,000 of 2025 it ends at €45)."""
        fund, contracts = known
        richer = FundContributor(id="b", name="B", commitment=540000)
        more = attrs.evolve(fund, contributors=(fund.contributors[0], richer))
        signed, _ = fund_run(more, contracts)  # type: ignore[arg-type]
        assert signed.first_shortfall is None
        assert int(signed.balance[-1]) == 204500
        assert signed.sustaining_year == 2025
        assert signed.first_overcommitted == 12  # the second start may cost €10,000; the fund holds €6,705

    def test_liability(self, known: tuple[Fund, dict[str, object]]) -> None:
        """Each live contract owes at most €10,000 less what the fund paid it; none is live in months 6 to 11."""
        fund, contracts = known
        signed, _ = fund_run(fund, contracts)  # type: ignore[arg-type]
        first = [1000000] * 3 + [500000] * 3
        assert signed.liability.tolist() == first + [0] * 6 + first + [0] * 6
        assert signed.future_contributions[0] == 200000

    def test_accounts_and_charges(self, known: tuple[Fund, dict[str, object]]) -> None:
        """The contract's own contributor is replaced by the fund's; the city saves €4,000 and pays back €1,000;
        contributors are charged what they paid in (the fund spent it all)."""
        fund, contracts = known
        signed, _ = fund_run(fund, contracts)  # type: ignore[arg-type]
        accounts = {a.id: a for a in signed.accounts}
        assert "inside" not in accounts
        assert accounts["city"].savings.sum() == 400000
        assert accounts["city"].pays.sum() == 100000
        assert accounts["provider"].receives.sum() == 1000000
        assert accounts["bank"].receives.sum() == 101500
        assert contributor_charges(signed) == [(600000, 600000, 600000), (300000, 300000, 300000)]

    def test_one_contract_equals_its_run(self) -> None:
        """A fund holding one contract pays, month by month, what ``sibkit run`` says the contract's payer pays."""
        contract = load_contract(TINY)
        fund = Fund(
            id="f",
            name="F",
            currency="EUR",
            start=dt.date(2024, 1, 1),
            horizon_months=6,
            contributors=(FundContributor(id="c", name="C", commitment=1000000),),
            contracts=(ContractStart(file="tiny", start=dt.date(2024, 1, 1)),),
        )
        books = fund_ledger(fund, run_starts(fund, {"tiny": contract}))
        alone = run(contract)
        paid = books.by_why[FundWhy.OUTCOME_PAYMENT]
        assert paid[:6].tolist() == alone.flows.ledger.outflow("fonds")[0].tolist()
        assert not paid[6:].any()  # the books run on while the city's savings land (months 6 to 9)
        assert int(books.by_why[FundWhy.OUTCOME_PAYMENT].sum()) == int(alone.payers[0].paid[0])


_CONTRACTS = {"tiny": load_contract(TINY), "sib": load_contract(ROOT / "contracts" / "buzinezzclub.toml")}


@st.composite
def funds(draw: st.DrawFn) -> Fund:
    """Small funds over the tiny contract: contributors on schedules, loans, fees, recycling and starts."""
    amount = st.integers(0, 2_000_000)
    contributors = []
    for i in range(draw(st.integers(1, 3))):
        years = draw(st.lists(st.integers(2024, 2027), unique=True, max_size=3))
        payments = tuple(ScheduledPayment(year=y, amount=draw(amount), month=draw(st.integers(1, 12))) for y in years)
        commitment = sum(p.amount for p in payments) + draw(amount)
        contributors.append(FundContributor(id=f"c{i}", name=f"C{i}", commitment=commitment, payments=payments))
    loans = tuple(
        FundLoan(
            id=f"l{i}",
            lender=f"lender{i}",
            amount=draw(amount),
            rate=Decimal(draw(st.sampled_from(["0", "0.02", "0.125", "1"]))),
            drawn=dt.date(2024, draw(st.integers(1, 12)), 1),
            grace_months=draw(st.integers(0, 12)),
            repayment_months=draw(st.integers(1, 24)),
        )
        for i in range(draw(st.integers(0, 2)))
    )
    share = st.fractions(0, 1, max_denominator=7)
    fees = tuple(
        FundFee(id=f"fee{i}", payee="manager", per_year=draw(amount), share_of_payments=draw(share))
        for i in range(draw(st.integers(0, 2)))
    )
    recycling = Recycling(
        residual=draw(share),
        repaid_capital=draw(share),
        savings=(SavingsRecycling(owner="city", share=draw(share)),),
    )
    starts = st.dates(dt.date(2024, 1, 1), dt.date(2025, 12, 31)).map(lambda d: d.replace(day=1))
    contracts = tuple(
        ContractStart(
            file=file,
            start=draw(starts),
            repeat=draw(st.integers(1, 3)),
            every_months=draw(st.integers(1, 12)),
            scenario=draw(st.sampled_from([None, "high"])) if file == "tiny" else None,
        )
        for file in draw(st.lists(st.sampled_from(["tiny", "sib"]), min_size=1, max_size=2))
    )
    pipeline = tuple(
        PipelineEntry(file="tiny", start=draw(starts), probability=draw(share)) for _ in range(draw(st.integers(0, 1)))
    )
    return Fund(
        id="fund",
        name="Fund",
        currency="EUR",
        start=dt.date(2024, 1, 1),
        horizon_months=draw(st.integers(1, 60)),
        contributors=tuple(contributors),
        loans=loans,
        fees=fees,
        recycling=recycling,
        contracts=contracts,
        pipeline=pipeline,
    )


class TestReconciliation:
    @settings(max_examples=40, deadline=None)
    @given(funds(), st.booleans())
    def test_money_reconciles_every_month(self, fund: Fund, pipeline: bool) -> None:
        """Every month, contributions + loans + recycled money = outcome payments + fees + loan service + the change
        in the balance, to the cent; the contributions are the schedules; recycling never creates money; the fund
        pays for its signed contracts what the contract engine says their payers pay; no contributor is charged
        more than it paid in."""
        books = fund_ledger(fund, run_starts(fund, _CONTRACTS), pipeline=pipeline)
        ins = books.total(FundWhy.CONTRIBUTION, FundWhy.LOAN_DRAWN, *_RECYCLED)
        outs = books.total(
            FundWhy.OUTCOME_PAYMENT, FundWhy.CONTRACT_FEE, FundWhy.FEE, FundWhy.INTEREST, FundWhy.PRINCIPAL
        )
        change = np.diff(np.concatenate([[0], books.balance]))
        assert (ins - outs - change).tolist() == [0] * books.months
        assert int(ins.sum()) == int(outs.sum()) + int(books.balance[-1])
        scheduled = sum(sum(p.amount for p in c.payments) if c.payments else c.commitment for c in fund.contributors)
        assert int(books.by_why[FundWhy.CONTRIBUTION].sum()) == scheduled
        assert int(books.by_why[FundWhy.RECYCLED_SAVINGS].sum()) <= sum(int(v.sum()) for v in books.savings.values())
        signed = [s for s in books.starts if not s.pipeline]
        paid = sum(int(s.results.flows.ledger.outflow(p).sum()) for s in signed for p in s.payers)
        if not pipeline:
            assert int(books.total(FundWhy.OUTCOME_PAYMENT, FundWhy.CONTRACT_FEE).sum()) == paid
        for (_, paid_in, charged), c in zip(contributor_charges(books), fund.contributors, strict=True):
            assert 0 <= charged <= paid_in <= c.commitment
        lent = sum(loan.amount for loan in fund.loans)
        assert int(books.by_why[FundWhy.PRINCIPAL].sum()) == lent
        repaid = sum(
            int(f.amounts.sum())
            for f in books.flows
            if f.why is FundWhy.IN_CONTRACT and f.ref.startswith(("principal:", "unused capital returned:"))
        )
        assert int(books.by_why[FundWhy.RECYCLED_CAPITAL].sum()) <= repaid
        if not pipeline:  # the residual is split between the fund and its contributors, nothing made or lost
            residual = sum(
                int(arr.sum())
                for s in signed
                for (source, target, _), arr in s.results.flows.ledger.flows.items()
                if (target in s.payers and source not in s.contributors) or target == "revolving-fund"
            )
            split = sum(int(f.amounts.sum()) for f in books.flows if f.why is FundWhy.RESIDUAL_TO_CONTRIBUTORS)
            assert int(books.by_why[FundWhy.RECYCLED_RESIDUAL].sum()) + split == residual

    @settings(max_examples=15, deadline=None)
    @given(funds(), st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)))
    def test_adding_a_contract_never_lowers_committed_liability(self, fund: Fund, start: dt.date) -> None:
        """One more contract start: the committed liability is at least as high in every month."""
        more = attrs.evolve(fund, contracts=(*fund.contracts, ContractStart(file="tiny", start=start)))
        before = fund_ledger(fund, run_starts(fund, _CONTRACTS))
        after = fund_ledger(more, run_starts(more, _CONTRACTS))
        assert after.months >= before.months
        assert np.all(after.liability[: before.months] >= before.liability)


_RECYCLED = (FundWhy.RECYCLED_RESIDUAL, FundWhy.RECYCLED_CAPITAL, FundWhy.RECYCLED_SAVINGS)


class TestCommand:
    def test_english(self) -> None:
        """``sibkit fund run`` prints the fund's tables and verdicts in English, without a traceback."""
        code, out, err = invoke("fund", "run", str(LEEUWARDEN))
        assert code == 0, err
        assert "Money in and out of the fund per year" in out
        assert "committed liability" in out
        assert "The fund can pay every verified result when it is due." in out
        assert "Traceback" not in out + err

    def test_dutch(self) -> None:
        """With --lang nl (on the group or the command) the tables and numbers are Dutch."""
        for args in (("--lang", "nl", "fund", "run", str(LEEUWARDEN)), ("fund", "run", str(LEEUWARDEN), "--lang", "nl")):
            code, out, err = invoke(*args)
            assert code == 0, err
            assert "Geld in en uit het fonds per jaar" in out
            assert "Inleggers" in out
            assert "1.000.000,00" in out

    def test_json(self) -> None:
        """--json writes the books in cents: monthly balances that add up, and the figures with the pipeline."""
        code, out, _ = invoke("fund", "run", str(LEEUWARDEN), "--json")
        assert code == 0
        data = json.loads(out)
        months = data["months"]
        assert len(months) == 240
        assert months[-1]["balance_cents"] == sum(m["inflow_cents"] - m["outflow_cents"] for m in months)
        assert data["with_pipeline"]["months"][0]["date"] == "2023-01"

    def test_a_balance_below_zero_is_said_even_when_every_result_is_paid(self) -> None:
        """With the pipeline at expected value the example pays every result, but its fixed manager's fee runs on
        after the last contract and takes the cash below zero from 2040: the terminal says so (the fund sheet
        did; the terminal said only that every result is paid), and JSON gives the month."""
        code, out, _ = invoke("fund", "run", str(LEEUWARDEN))
        assert code == 0
        assert "Its balance still falls below zero, paying fees and loans: at its lowest, in December 2042" in out
        data = json.loads(invoke("fund", "run", str(LEEUWARDEN), "--json")[1])
        assert data["first_below_zero_month"] is None
        below = data["with_pipeline"]["first_below_zero_month"]
        assert data["with_pipeline"]["months"][below]["balance_cents"] < 0
        assert data["with_pipeline"]["months"][below - 1]["balance_cents"] >= 0
        assert data["with_pipeline"]["months"][below]["date"].startswith("2040")

    def test_a_pipe_is_refused_not_read(self, tmp_path: Path) -> None:
        """A named pipe called ``fund.toml`` is refused at once (reading it would wait for a writer forever)."""
        import os

        pipe = tmp_path / "fund.toml"
        os.mkfifo(pipe)
        code, out, err = invoke("fund", "run", str(pipe))
        assert code == 2
        assert "this is a special file (such as a pipe or a device), not a fund file" in err
        assert "Traceback" not in out + err

    def test_broken_file(self, tmp_path: Path) -> None:
        """A broken fund file gets its problems as ``message @ path`` on standard error, exit 2, no traceback."""
        path = write(tmp_path, KNOWN.replace("horizon_months = 24", 'horizon_months = "24"'))
        code, out, err = invoke("fund", "run", str(path), "--lang", "nl")
        assert code == 2
        assert "verwacht een geheel getal, gekregen: de tekst '24' @ $.horizon_months" in err
        assert "Traceback" not in out + err

    def test_unknown_scenario(self) -> None:
        """--scenario names every contract file that lacks it."""
        code, _, err = invoke("fund", "run", str(LEEUWARDEN), "--scenario", "low")
        assert code == 2
        assert "no scenario 'low' in '../contracts/buzinezzclub.toml'" in err


class TestDocs:
    def test_every_field_is_documented(self) -> None:
        """docs/fund.md names every key of the fund file, and the page is in the site's navigation."""
        text = (ROOT / "docs" / "fund.md").read_text(encoding="utf-8")
        classes = (Fund, FundContributor, ScheduledPayment, FundLoan, Recycling, SavingsRecycling, FundFee)
        classes += (ContractStart, PipelineEntry)
        missing = [f"{c.__name__}.{a.name}" for c in classes for a in attrs.fields(c) if f"`{a.name}`" not in text]
        assert missing == []
        assert "fund.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")

    def test_help_in_dutch(self) -> None:
        """``sibkit fund --help --lang nl`` and ``sibkit fund run --help --lang nl`` are written in Dutch."""
        code, out, _ = invoke("fund", "--help", "--lang", "nl")
        assert code == 0
        assert "Een resultatenfonds: veel contracten" in out
        code, out, _ = invoke("fund", "run", "--help", "--lang", "nl")
        assert code == 0
        assert "Reken elk contract van het fonds" in out


@pytest.mark.parametrize(
    "name",
    [
        "sibkit.model.fund",
        "sibkit.engine.fund",
        "sibkit.engine.fund_simulate",
        "sibkit.fund_load",
        "sibkit.cli.fund",
        "sibkit.report.fund",
        "sibkit.report.fund.chart",
        "sibkit.report.fund.view",
        "sibkit.report.fund.render",
    ],
)
def test_all_lists_the_public_names(name: str) -> None:
    """Each fund module's ``__all__`` (engine, file, command, sheet) lists exactly the public functions and
    classes it defines."""
    import importlib
    import inspect

    module = importlib.import_module(name)
    defined = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_") and (inspect.isfunction(v) or inspect.isclass(v)) and v.__module__ == name
    }
    assert all(hasattr(module, n) for n in module.__all__)
    assert defined - set(module.__all__) == set()


class TestScaled:
    @given(st.lists(st.integers(-(10**12), 10**12), max_size=20), st.fractions(0, 1, max_denominator=10**6))
    def test_rounds_half_away_from_zero_exactly(self, amounts: list[int], share: Fraction) -> None:
        """``scaled`` is each amount × share rounded half away from zero, as exact integer arithmetic gives it."""
        expected = [
            (1 if a >= 0 else -1) * ((2 * abs(a) * share.numerator + share.denominator) // (2 * share.denominator))
            for a in amounts
        ]
        assert scaled(amounts, share).tolist() == expected
