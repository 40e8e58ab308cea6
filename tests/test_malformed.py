"""Malformed contract files: each one is refused with one exact, clear message naming the file.

``tests/malformed/`` holds one small file per case, most of them a single change to
``MINIMAL`` below. Files that would be big or binary in the repository (a huge file,
NUL bytes, Latin-1 text) and things that are not files (a missing path, a directory)
are made in ``tmp_path`` by the ``GENERATED`` builders instead.

Every expected message is the full text of ``str(error)``, with the file named as it
was passed: the tests ``chdir`` into the directory and pass the bare file name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sibkit.errors import ContractFileError
from sibkit.load import MAX_FILE_BYTES, load_contract, loads
from sibkit.model import Contract

MALFORMED = Path(__file__).resolve().parent / "malformed"
"""The corpus of malformed contract files."""

MINIMAL = """\
name = "Minimal pilot"

[timeline]
start = 2023-01-01
enrolment_months = 12
service_months = 18
term_months = 24

[[payers]]
id = "gemeente"
name = "Gemeente"
kind = "municipality"

[[providers]]
id = "coach"
name = "Coach"
capacity = 50
enrolment = { total = 40, months = 12 }
cost_per_participant = 2000

[[metrics]]
id = "werk"
name = "Paid work"

[[metrics]]
id = "traject"
name = "Trajectory completed"

[[rules]]
type = "tariff"
id = "tarief"
price_per_participant = 3500
components = [
  { metric = "werk", weight = 0.7 },
  { metric = "traject", weight = 0.3 },
]
"""
"""The smallest valid contract; most malformed files are this with one change."""

CONTRACT_KEYS = (
    "caps, currency, description, evaluators, fees, format, governing_law, guarantees, intermediaries, "
    "investors, metrics, name, payers, population, provenance, providers, purpose, rules, savings, scenarios, "
    "segments, sources, status, timeline, tranches, vat_rate, version, waterfall"
)
"""The keys a contract may have at the top level, as the unknown-key message lists them."""

PROVIDER_KEYS = (
    "buffer, capacity, cost_per_participant, cost_profile, description, enrolment, fixed_cost_monthly, id, "
    "minimum_cash, name, other_income_monthly, prefinances_own_costs, provenance, segment_mix"
)
"""The keys a provider may have, as the unknown-key message lists them."""

RULE_TYPES = "'tariff', 'rate_card', 'cohort_threshold', 'per_time', 'share_of_savings'"
EMPTY = "the file is empty; a contract needs at least 'name', 'timeline', 'payers', 'providers', 'metrics' and 'rules'"

CASES: list[tuple[str, str]] = [
    # -- not a contract at all: empty, truncated, not TOML, wrong suffix --------------------------------
    ("empty.toml", f"empty.toml: 1 problem\n  {EMPTY}"),
    ("whitespace-only.toml", f"whitespace-only.toml: 1 problem\n  {EMPTY}"),
    (
        "comments-only.toml",
        "comments-only.toml: 6 problems\n"
        "  missing required key @ $.name\n"
        "  missing required key @ $.timeline\n"
        "  missing required key @ $.payers\n"
        "  missing required key @ $.providers\n"
        "  missing required key @ $.metrics\n"
        "  missing required key @ $.rules",
    ),
    ("truncated.toml", "truncated.toml:31: not valid TOML: Unterminated string (the file ends too early)"),
    ("yaml.toml", "yaml.toml:2:5: not valid TOML: Expected '=' after a key in a key/value pair"),
    ("prose.toml", "prose.toml:1:5: not valid TOML: Expected '=' after a key in a key/value pair"),
    ("missing-equals.toml", "missing-equals.toml:18:10: not valid TOML: Expected '=' after a key in a key/value pair"),
    ("duplicate-key.toml", "duplicate-key.toml:19:14: not valid TOML: Cannot overwrite a value"),
    ("impossible-date.toml", "impossible-date.toml:5:9: not valid TOML: Invalid date or datetime"),
    (
        "wrong-suffix.yaml",
        "wrong-suffix.yaml: 1 problem\n  unknown file type '.yaml'; expected a .toml or .json file",
    ),
    # -- JSON ------------------------------------------------------------------------------------------
    ("syntax-error.json", "syntax-error.json:6:3: not valid JSON: Expecting property name enclosed in double quotes"),
    (
        "top-level-list.json",
        "top-level-list.json: 1 problem\n  expected a table at the top of the file, got a list @ $",
    ),
    ("nan.json", "nan.json: 1 problem\n  not valid JSON: NaN is not a number a contract can hold"),
    (
        "wrong-content.json",
        "wrong-content.json: 3 problems\n"
        "  expected a date such as 2023-01-01, got the text '2023-02-30' @ $.timeline.start\n"
        "  expected a whole number, got the text '50' @ $.providers[0].capacity\n"
        "  expected true or false, got the text 'false' @ $.providers[0].prefinances_own_costs",
    ),
    (
        "unknown-reference.json",
        "unknown-reference.json: 1 problem\n"
        "  unknown provider 'coach-bv'; expected one of: 'coach' @ $.rules[0].providers[0]",
    ),
    # -- keys and types: no silent coercion ------------------------------------------------------------
    ("missing-name.toml", "missing-name.toml: 1 problem\n  missing required key @ $.name"),
    (
        "unknown-top-level-key.toml",
        f"unknown-top-level-key.toml: 1 problem\n  unknown key 'owner'; expected one of: {CONTRACT_KEYS} @ $.owner",
    ),
    (
        "unknown-nested-key.toml",
        "unknown-nested-key.toml: 1 problem\n"
        f"  unknown key 'buffr'; expected one of: {PROVIDER_KEYS} @ $.providers[0].buffr",
    ),
    (
        "boolean-as-text.toml",
        "boolean-as-text.toml: 1 problem\n"
        "  expected true or false, got the text 'false' @ $.providers[0].prefinances_own_costs",
    ),
    (
        "integer-as-decimal.toml",
        "integer-as-decimal.toml: 1 problem\n  expected a whole number, got the number 1.9 @ $.providers[0].capacity",
    ),
    ("text-as-number.toml", "text-as-number.toml: 1 problem\n  expected a text, got the number 2023 @ $.name"),
    (
        "datetime-for-date.toml",
        "datetime-for-date.toml: 1 problem\n"
        "  expected a date such as 2023-01-01 without a time, got 2023-01-01 09:00:00 @ $.timeline.start",
    ),
    ("table-for-list.toml", "table-for-list.toml: 1 problem\n  expected a list, got a table @ $.payers"),
    (
        "unknown-enum.toml",
        "unknown-enum.toml: 1 problem\n"
        "  expected one of 'municipality', 'national_government', 'health_insurer', 'philanthropy', "
        "'outcomes_fund', 'company', 'other', got the text 'gemeente' @ $.payers[0].kind",
    ),
    (
        "bad-id.toml",
        "bad-id.toml: 1 problem\n"
        "  expected an identifier of lower-case letters, digits, '-' or '_', got 'Coach BV' @ $.providers[0].id",
    ),
    (
        "unknown-rule-type.toml",
        f"unknown-rule-type.toml: 1 problem\n  unknown type 'tarif'; expected one of {RULE_TYPES} @ $.rules[0].type",
    ),
    (
        "rule-without-type.toml",
        f"rule-without-type.toml: 1 problem\n  missing key 'type'; expected one of {RULE_TYPES} @ $.rules[0]",
    ),
    # -- money ------------------------------------------------------------------------------------------
    (
        "money-negative.toml",
        "money-negative.toml: 1 problem\n"
        "  expected an amount of at least 0, got -2000 @ $.providers[0].cost_per_participant",
    ),
    (
        "money-sub-cent.toml",
        "money-sub-cent.toml: 1 problem\n"
        "  expected whole cents, got Decimal('3500.001') (an amount has at most 2 decimals)"
        " @ $.rules[0].price_per_participant",
    ),
    (
        "money-localised.toml",
        "money-localised.toml: 1 problem\n"
        "  expected an amount such as 3500 or \"3500.00\", got '3.500,00' @ $.rules[0].price_per_participant",
    ),
    (
        "money-boolean.toml",
        "money-boolean.toml: 1 problem\n"
        '  expected an amount such as 3500 or "3500.00", got True @ $.providers[0].cost_per_participant',
    ),
    # -- shares and weights ------------------------------------------------------------------------------
    (
        "weights-95-percent.toml",
        "weights-95-percent.toml: 1 problem\n"
        "  weights of tariff 'tarief' sum to 95.00%, expected 100% @ $.rules[0].components",
    ),
    (
        "weight-above-one.toml",
        "weight-above-one.toml: 1 problem\n"
        "  expected a share between 0 and 1 (0% and 100%), got Decimal('70') @ $.rules[0].components[0].weight",
    ),
    (
        "payer-shares-110-percent.toml",
        "payer-shares-110-percent.toml: 1 problem\n  payer shares sum to 110.0%, expected 100% @ $.payers",
    ),
    (
        "nobody-pays.toml",
        "nobody-pays.toml: 1 problem\n"
        "  rule 'tarief' names no payer and the payers have no fixed shares: nobody pays for it @ $.rules[0].paid_by",
    ),
    # -- references between parts -----------------------------------------------------------------------
    (
        "unknown-provider.toml",
        "unknown-provider.toml: 1 problem\n"
        "  unknown provider 'coach-bv'; expected one of: 'coach' @ $.rules[0].providers[0]",
    ),
    (
        "unknown-metric.toml",
        "unknown-metric.toml: 2 problems\n"
        "  unknown metric 'work'; expected one of: 'traject', 'werk' @ $.rules[0].components[0].metric\n"
        "  no payment rule pays for metric 'werk' @ $.metrics[0]",
    ),
    (
        "unknown-payer.toml",
        "unknown-payer.toml: 1 problem\n"
        "  unknown payer 'provincie'; expected one of: 'gemeente' @ $.rules[0].paid_by[0].payer",
    ),
    (
        "unpaid-metric.toml",
        "unpaid-metric.toml: 1 problem\n  no payment rule pays for metric 'welzijn' @ $.metrics[2]",
    ),
    (
        "duplicate-ids.toml",
        "duplicate-ids.toml: 3 problems\n"
        "  id 'gemeente' is used 2 times; ids must be unique @ $.payers[0].id\n"
        "  id 'werk' is used 2 times; ids must be unique @ $.metrics[0].id\n"
        "  unknown metric 'traject'; expected one of: 'werk' @ $.rules[0].components[1].metric",
    ),
    # -- timeline and capacity ---------------------------------------------------------------------------
    (
        "term-shorter-than-service.toml",
        "term-shorter-than-service.toml: 1 problem\n"
        "  the contract term (12 months) is shorter than the service term (18 months) @ $.timeline.term_months",
    ),
    (
        "over-capacity.toml",
        "over-capacity.toml: 1 problem\n"
        "  plans 60 participants, more than the capacity of 50 @ $.providers[0].enrolment",
    ),
    # -- several problems in one file ----------------------------------------------------------------------
    (
        "many-problems.toml",
        "many-problems.toml: 6 problems\n"
        "  expected a date such as 2023-01-01 without a time, got 2023-01-01 09:00:00 @ $.timeline.start\n"
        "  expected a whole number, got the number 1.9 @ $.providers[0].capacity\n"
        "  expected an amount of at least 0, got -2000 @ $.providers[0].cost_per_participant\n"
        "  expected true or false, got the text 'false' @ $.providers[0].prefinances_own_costs\n"
        "  expected an amount such as 3500 or \"3500.00\", got '3.500,00' @ $.rules[0].price_per_participant\n"
        f"  unknown key 'owner'; expected one of: {CONTRACT_KEYS} @ $.owner",
    ),
    (
        "many-references.toml",
        "many-references.toml: 6 problems\n"
        "  plans 60 participants, more than the capacity of 50 @ $.providers[0].enrolment\n"
        "  unknown provider 'coach-bv'; expected one of: 'coach' @ $.rules[0].providers[0]\n"
        "  unknown payer 'provincie'; expected one of: 'gemeente' @ $.rules[0].paid_by[0].payer\n"
        "  unknown metric 'work'; expected one of: 'traject', 'welzijn', 'werk' @ $.rules[0].components[0].metric\n"
        "  no payment rule pays for metric 'werk' @ $.metrics[0]\n"
        "  no payment rule pays for metric 'welzijn' @ $.metrics[2]",
    ),
]
"""Each file in ``tests/malformed/`` and the exact message ``load_contract`` gives for it."""


def _huge(path: Path) -> None:
    path.write_bytes(b"# padding\n" * (MAX_FILE_BYTES // 10) + b"#\n")


def _binary(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def _latin1(path: Path) -> None:
    path.write_bytes('name = "Minimal pilot"\n# Fryslân\n'.encode("latin-1"))


def _directory(path: Path) -> None:
    path.mkdir()


def _nothing(path: Path) -> None:
    """Leave the path absent."""


GENERATED: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "huge.toml",
        _huge,
        f"huge.toml: 1 problem\n  the file is {MAX_FILE_BYTES + 2:,} bytes; a contract file is at most {MAX_FILE_BYTES:,} bytes",
    ),
    ("binary.toml", _binary, "binary.toml: 1 problem\n  this is a binary file, not a text contract (TOML or JSON)"),
    ("binary.json", _binary, "binary.json: 1 problem\n  this is a binary file, not a text contract (TOML or JSON)"),
    ("latin1.toml", _latin1, "latin1.toml:2: not UTF-8 text: save the file as UTF-8"),
    ("missing.toml", _nothing, "missing.toml: 1 problem\n  no such file"),
    ("missing.json", _nothing, "missing.json: 1 problem\n  no such file"),
    ("folder.toml", _directory, "folder.toml: 1 problem\n  this is a directory, not a contract file"),
    ("contracts", _directory, "contracts: 1 problem\n  unknown file type '(none)'; expected a .toml or .json file"),
]
"""Cases made in ``tmp_path``: name, how to make it, and the exact message."""


def _refusal(name: str) -> ContractFileError:
    with pytest.raises(ContractFileError) as err:
        load_contract(name)
    return err.value


class TestMinimalContract:
    def test_the_base_of_the_corpus_is_valid(self) -> None:
        """The contract the malformed files vary is itself valid, so each file's problem is its own change."""
        contract = loads(MINIMAL, file="minimal.toml")
        assert isinstance(contract, Contract)
        assert contract.name == "Minimal pilot"

    def test_the_corpus_files_start_from_the_base(self) -> None:
        """Most corpus files keep the base contract's name line, so they are variations of it, not new contracts."""
        variations = [p for p in MALFORMED.glob("*.toml") if 'name = "Minimal pilot"' in p.read_text("utf-8")]
        assert len(variations) >= 20


class TestCorpus:
    def test_has_at_least_twenty_cases(self) -> None:
        """The issue asks for a corpus of at least 20 malformed contracts with their messages."""
        assert len(CASES) + len(GENERATED) >= 24
        assert len(CASES) >= 20

    def test_every_file_has_an_expected_message_and_every_message_a_file(self) -> None:
        """No file in tests/malformed/ is left untested, and no case names a file that is not there."""
        on_disk = {p.name for p in MALFORMED.iterdir()}
        assert on_disk == {name for name, _ in CASES}

    def test_file_names_are_unique(self) -> None:
        """Each case is listed once."""
        names = [name for name, _ in CASES] + [name for name, _, _ in GENERATED]
        assert len(names) == len(set(names))


class TestLoadContract:
    @pytest.mark.parametrize(("name", "expected"), CASES, ids=[name for name, _ in CASES])
    def test_refuses_malformed_file_with_exact_message(
        self, name: str, expected: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A malformed file raises ContractFileError whose text is exactly the expected message, naming the file."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal(name)
        assert str(err) == expected
        assert err.file == name
        assert str(err).startswith(name + ":")

    @pytest.mark.parametrize(("name", "make", "expected"), GENERATED, ids=[name for name, _, _ in GENERATED])
    def test_refuses_generated_file_with_exact_message(
        self,
        name: str,
        make: Callable[[Path], None],
        expected: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Huge, binary, non-UTF-8, missing and directory paths are refused with an exact message naming them."""
        make(tmp_path / name)
        monkeypatch.chdir(tmp_path)
        err = _refusal(name)
        assert str(err) == expected
        assert err.file == name

    @pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file")
    def test_refuses_unreadable_file(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A file the user may not read is refused with a message saying so, not a PermissionError."""
        locked = tmp_path / "locked.toml"
        locked.write_text(MINIMAL, "utf-8")
        locked.chmod(0)
        monkeypatch.chdir(tmp_path)
        try:
            err = _refusal("locked.toml")
        finally:
            locked.chmod(0o600)
        assert str(err) == "locked.toml: 1 problem\n  permission denied: the file cannot be read"

    @pytest.mark.parametrize(
        ("name", "line", "column"),
        [
            ("truncated.toml", 31, None),
            ("yaml.toml", 2, 5),
            ("prose.toml", 1, 5),
            ("impossible-date.toml", 5, 9),
            ("syntax-error.json", 6, 3),
        ],
    )
    def test_syntax_error_carries_line_and_column(
        self, name: str, line: int, column: int | None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A syntax error records the line (and column when known) as attributes, not only in the text."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal(name)
        assert (err.line, err.column) == (line, column)
        assert len(err.lines) == 1

    def test_impossible_date_points_at_the_date(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """For 2023-02-30 the line and column reported are where the date is written."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal("impossible-date.toml")
        assert err.line is not None and err.column is not None
        text_line = (MALFORMED / "impossible-date.toml").read_text("utf-8").splitlines()[err.line - 1]
        assert text_line[err.column - 1 :].startswith("2023-02-30")

    @pytest.mark.parametrize("name", ["many-problems.toml", "many-references.toml"])
    def test_reports_every_problem_at_once(self, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """A file with several problems gets one line per problem, each 'message @ path', not just the first."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal(name)
        assert len(err.lines) == 6
        assert all(" @ $." in line for line in err.lines)
        assert str(err).splitlines()[0] == f"{name}: 6 problems"

    def test_many_problems_names_each_planted_problem(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each of the six planted problems of many-problems.toml appears at its own path."""
        monkeypatch.chdir(MALFORMED)
        paths = sorted(line.rsplit(" @ ", 1)[1] for line in _refusal("many-problems.toml").lines)
        assert paths == [
            "$.owner",
            "$.providers[0].capacity",
            "$.providers[0].cost_per_participant",
            "$.providers[0].prefinances_own_costs",
            "$.rules[0].price_per_participant",
            "$.timeline.start",
        ]

    def test_error_is_a_value_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Callers that only know built-in exceptions can catch a bad file as ValueError."""
        monkeypatch.chdir(MALFORMED)
        with pytest.raises(ValueError):
            load_contract("empty.toml")

    def test_accepts_path_objects_and_names_them_as_given(self) -> None:
        """A Path argument is named in the message exactly as str(path)."""
        path = MALFORMED / "empty.toml"
        with pytest.raises(ContractFileError) as err:
            load_contract(path)
        assert str(err.value).startswith(f"{path}: 1 problem\n")
