"""Malformed contract files: each one is refused with one exact, clear message naming the file.

``tests/malformed/`` holds one small file per case, most of them a single change to
``MINIMAL`` below. Files that would be big or binary in the repository (a huge file,
NUL bytes, Latin-1 text) and things that are not files (a missing path, a directory)
are made in ``tmp_path`` by the ``GENERATED`` builders instead.

Every expected message is the full text of ``str(error)``, with the file named as it
was passed: the tests ``chdir`` into the directory and pass the bare file name.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from sibkit.errors import ContractFileError, show
from sibkit.facts import Phrase
from sibkit.load import MAX_FILE_BYTES, load_contract, loads, structure_contract
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
    "budgets, caps, currency, description, discount_rate, evaluators, fees, format, governing_law, guarantees, "
    "intermediaries, "
    "investors, metrics, name, parties, payers, population, provenance, providers, purpose, rules, savings, scenarios, "
    "segments, sources, status, termination, timeline, tranches, uncertainty, vat_rate, version, waterfall"
)
"""The keys a contract may have at the top level, as the unknown-key message lists them."""

PROVIDER_KEYS = (
    "buffer, capacity, cost_per_participant, cost_profile, description, enrolment, fixed_cost_monthly, id, "
    "minimum_cash, name, other_income_monthly, prefinances_own_costs, provenance, segment_mix"
)
"""The keys a provider may have, as the unknown-key message lists them."""

RULE_TYPES = "'tariff', 'rate_card', 'cohort_threshold', 'per_time', 'share_of_savings'"
RULE_KEYS = "components, id, paid_by, price_per_participant, provenance, providers, segment_prices, type"
"""The keys a tariff rule may have (``type`` included), as the unknown-key message lists them."""
PAYER_KINDS = "'municipality', 'regional_government', 'national_government', 'health_insurer', 'philanthropy', 'outcomes_fund', 'company', 'other'"
EMPTY = "the file is empty; a contract needs at least 'name', 'timeline', 'payers', 'providers', 'metrics' and 'rules'"
ONE_LINE = "this text is one line: only a description, purpose, assumption or reason may hold"
NOT_A_CHARACTER = "which is not a character; a JSON \\u escape of a character beyond U+FFFF needs both halves"
REVERSES = "in the same line; it would reverse the text after it"
"""Parts of the messages for text that is not plain text."""
NOTE_ONE = "(references between parts and totals are checked once this problem is fixed)"
NOTE_MANY = "(references between parts and totals are checked once these problems are fixed)"
"""The last line when parts of the contract could not be built, so references between parts were not checked."""

CASES: list[tuple[str, str]] = [
    # -- not a contract at all: empty, truncated, not TOML, wrong suffix --------------------------------
    ("empty.toml", f"empty.toml: {EMPTY}"),
    ("whitespace-only.toml", f"whitespace-only.toml: {EMPTY}"),
    ("comments-only.toml", f"comments-only.toml: {EMPTY}"),
    ("truncated.toml", "truncated.toml:31: not valid TOML: Unterminated string (the file ends too early)"),
    ("yaml.toml", "yaml.toml:2:5: not valid TOML: Expected '=' after a key in a key/value pair"),
    ("prose.toml", "prose.toml:1:5: not valid TOML: Expected '=' after a key in a key/value pair"),
    ("missing-equals.toml", "missing-equals.toml:18:10: not valid TOML: Expected '=' after a key in a key/value pair"),
    (
        "duplicate-key.toml",
        "duplicate-key.toml:19:1: not valid TOML: the key 'capacity' is given twice in the same table",
    ),
    (
        "duplicate-key-last-line.toml",
        "duplicate-key-last-line.toml:38:1: not valid TOML: the key 'id' is given twice in the same table",
    ),
    ("duplicate-table.toml", "duplicate-table.toml:39:1: not valid TOML: the table [timeline] is given twice"),
    (
        "key-and-table.toml",
        "key-and-table.toml:5:1: not valid TOML: the key 'timeline' already has a value, so it cannot also start a table",
    ),
    (
        "impossible-date.toml",
        "impossible-date.toml:5:9: not valid TOML: 2023-02-30 is not a calendar date (February 2023 has 28 days)",
    ),
    (
        "impossible-month.toml",
        "impossible-month.toml:5:9: not valid TOML: 2023-13-01 is not a calendar date (a month is 01 to 12)",
    ),
    ("wrong-suffix.yaml", "wrong-suffix.yaml: unknown file type '.yaml'; expected a .toml or .json file"),
    # -- JSON ------------------------------------------------------------------------------------------
    ("syntax-error.json", "syntax-error.json:6:3: not valid JSON: Expecting property name enclosed in double quotes"),
    (
        "top-level-list.json",
        "top-level-list.json: 1 problem\n  expected an object at the top of the file, got a list @ $",
    ),
    ("empty-object.json", f"empty-object.json: {EMPTY}"),
    ("nan.json", "nan.json: not valid JSON: NaN is not a number a contract can hold"),
    (
        "wrong-content.json",
        "wrong-content.json: 3 problems\n"
        "  '2023-02-30' is not a calendar date (February 2023 has 28 days) @ $.timeline.start\n"
        "  expected a whole number, got the text '50' @ $.providers[0].capacity\n"
        "  expected true or false, got the text 'false' @ $.providers[0].prefinances_own_costs\n"
        f"  {NOTE_MANY}",
    ),
    (
        "datetime-as-text.json",
        "datetime-as-text.json: 1 problem\n"
        "  expected a date without a time of day, got '2023-01-01T09:00:00'; write 2023-01-01 @ $.timeline.start\n"
        f"  {NOTE_ONE}",
    ),
    (
        "unknown-reference.json",
        "unknown-reference.json: 1 problem\n"
        "  unknown provider 'coach-bv'; did you mean 'coach'? expected one of: 'coach' @ $.rules[0].providers[0]",
    ),
    # -- keys and types: no silent coercion ------------------------------------------------------------
    ("missing-name.toml", f"missing-name.toml: 1 problem\n  missing required key 'name' @ $.name\n  {NOTE_ONE}"),
    (
        "unknown-top-level-key.toml",
        "unknown-top-level-key.toml: 1 problem\n"
        f"  unknown key 'owner'; expected one of: {CONTRACT_KEYS} @ $.owner\n"
        f"  {NOTE_ONE}",
    ),
    (
        "unknown-nested-key.toml",
        "unknown-nested-key.toml: 1 problem\n"
        f"  unknown key 'buffr'; did you mean 'buffer'? expected one of: {PROVIDER_KEYS} @ $.providers[0].buffr\n"
        f"  {NOTE_ONE}",
    ),
    (
        "misspelt-key.toml",
        "misspelt-key.toml: 2 problems\n"
        "  missing required key 'price_per_participant' @ $.rules[0].price_per_participant\n"
        "  unknown key 'price_per_partcipant'; did you mean 'price_per_participant'? "
        f"expected one of: {RULE_KEYS} @ $.rules[0].price_per_partcipant\n"
        f"  {NOTE_MANY}",
    ),
    (
        "boolean-as-text.toml",
        "boolean-as-text.toml: 1 problem\n"
        "  expected true or false, got the text 'false' @ $.providers[0].prefinances_own_costs\n"
        f"  {NOTE_ONE}",
    ),
    (
        "integer-as-decimal.toml",
        "integer-as-decimal.toml: 1 problem\n"
        "  expected a whole number, got the number 1.9 @ $.providers[0].capacity\n"
        f"  {NOTE_ONE}",
    ),
    (
        "text-as-number.toml",
        f"text-as-number.toml: 1 problem\n  expected a text, got the number 2023 @ $.name\n  {NOTE_ONE}",
    ),
    (
        "datetime-for-date.toml",
        "datetime-for-date.toml: 1 problem\n"
        "  expected a date without a time of day, got 2023-01-01T09:00:00; write 2023-01-01 @ $.timeline.start\n"
        f"  {NOTE_ONE}",
    ),
    (
        "table-for-list.toml",
        f"table-for-list.toml: 1 problem\n  expected a list, got a table @ $.payers\n  {NOTE_ONE}",
    ),
    (
        "unknown-enum.toml",
        "unknown-enum.toml: 1 problem\n"
        f"  expected one of {PAYER_KINDS}, got the text 'gemeente' @ $.payers[0].kind\n"
        f"  {NOTE_ONE}",
    ),
    (
        "unknown-enum-typo.toml",
        "unknown-enum-typo.toml: 1 problem\n"
        f"  expected one of {PAYER_KINDS}, got the text 'muncipality'; did you mean 'municipality'? @ $.payers[0].kind\n"
        f"  {NOTE_ONE}",
    ),
    (
        "bad-id.toml",
        "bad-id.toml: 1 problem\n"
        "  expected an identifier of lower-case letters, digits, '-' or '_', got 'Coach BV' @ $.providers[0].id\n"
        f"  {NOTE_ONE}",
    ),
    (
        "unknown-rule-type.toml",
        "unknown-rule-type.toml: 1 problem\n"
        f"  unknown type 'tarif'; did you mean 'tariff'? expected one of {RULE_TYPES} @ $.rules[0].type\n"
        f"  {NOTE_ONE}",
    ),
    (
        "rule-without-type.toml",
        "rule-without-type.toml: 1 problem\n"
        f"  missing key 'type'; expected one of {RULE_TYPES} @ $.rules[0]\n"
        f"  {NOTE_ONE}",
    ),
    # -- money ------------------------------------------------------------------------------------------
    (
        "money-negative.toml",
        "money-negative.toml: 1 problem\n"
        "  expected an amount of at least 0, got -2000 @ $.providers[0].cost_per_participant\n"
        f"  {NOTE_ONE}",
    ),
    (
        "money-sub-cent.toml",
        "money-sub-cent.toml: 1 problem\n"
        "  expected whole cents, got 3500.001 (an amount has at most 2 decimals) @ $.rules[0].price_per_participant\n"
        f"  {NOTE_ONE}",
    ),
    (
        "money-localised.toml",
        "money-localised.toml: 1 problem\n"
        "  expected an amount such as 3500 or \"3500.00\", got '3.500,00'; "
        "write 3500.00: a dot for decimals, no thousands separator @ $.rules[0].price_per_participant\n"
        f"  {NOTE_ONE}",
    ),
    (
        "money-currency-sign.toml",
        "money-currency-sign.toml: 1 problem\n"
        "  expected an amount such as 3500 or \"3500.00\", got '€ 3.500,00'; "
        "write 3500.00: no currency sign, a dot for decimals, no thousands separator"
        " @ $.rules[0].price_per_participant\n"
        f"  {NOTE_ONE}",
    ),
    (
        "money-boolean.toml",
        "money-boolean.toml: 1 problem\n"
        '  expected an amount such as 3500 or "3500.00", got true @ $.providers[0].cost_per_participant\n'
        f"  {NOTE_ONE}",
    ),
    # -- shares and weights ------------------------------------------------------------------------------
    (
        "weights-95-percent.toml",
        "weights-95-percent.toml: 1 problem\n"
        "  weights of tariff 'tarief' sum to 95%, expected 100% @ $.rules[0].components\n"
        f"  {NOTE_ONE}",
    ),
    (
        "weight-above-one.toml",
        "weight-above-one.toml: 1 problem\n"
        '  expected a share between 0 and 1 (0% and 100%), got 70; write 0.7 or "70%" @ $.rules[0].components[0].weight\n'
        f"  {NOTE_ONE}",
    ),
    (
        "payer-shares-110-percent.toml",
        "payer-shares-110-percent.toml: 1 problem\n  payer shares sum to 110%, expected 100% @ $.payers",
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
        "  unknown provider 'coach-bv'; did you mean 'coach'? expected one of: 'coach' @ $.rules[0].providers[0]",
    ),
    (
        "unknown-metric.toml",
        "unknown-metric.toml: 2 problems\n"
        "  unknown metric 'work'; did you mean 'werk'? expected one of: 'traject', 'werk' @ $.rules[0].components[0].metric\n"
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
        "  the contract term (12 months) is shorter than the service term (18 months) @ $.timeline.term_months\n"
        f"  {NOTE_ONE}",
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
        "  expected a date without a time of day, got 2023-01-01T09:00:00; write 2023-01-01 @ $.timeline.start\n"
        "  expected a whole number, got the number 1.9 @ $.providers[0].capacity\n"
        "  expected an amount of at least 0, got -2000 @ $.providers[0].cost_per_participant\n"
        "  expected true or false, got the text 'false' @ $.providers[0].prefinances_own_costs\n"
        "  expected an amount such as 3500 or \"3500.00\", got '3.500,00'; "
        "write 3500.00: a dot for decimals, no thousands separator @ $.rules[0].price_per_participant\n"
        f"  unknown key 'owner'; expected one of: {CONTRACT_KEYS} @ $.owner\n"
        f"  {NOTE_MANY}",
    ),
    (
        "many-references.toml",
        "many-references.toml: 6 problems\n"
        "  plans 60 participants, more than the capacity of 50 @ $.providers[0].enrolment\n"
        "  unknown provider 'coach-bv'; did you mean 'coach'? expected one of: 'coach' @ $.rules[0].providers[0]\n"
        "  unknown payer 'provincie'; expected one of: 'gemeente' @ $.rules[0].paid_by[0].payer\n"
        "  unknown metric 'work'; did you mean 'werk'? expected one of: 'traject', 'welzijn', 'werk' @ $.rules[0].components[0].metric\n"
        "  no payment rule pays for metric 'werk' @ $.metrics[0]\n"
        "  no payment rule pays for metric 'welzijn' @ $.metrics[2]",
    ),
    # -- text that is not plain text: the rule of sibkit.model.common.text_problem ---------------------------
    (
        "escape-sequence-in-name.toml",
        "escape-sequence-in-name.toml: 1 problem\n"
        "  'Coach\\x1b]0;owned\\x07\\x1b[2J' has the control character U+001B (escape) at character 6, "
        "which is not text @ $.providers[0].name\n"
        f"  {NOTE_ONE}",
    ),
    (
        "c1-control-in-name.json",
        "c1-control-in-name.json: 1 problem\n"
        "  'Coach\\x9b2J' has the control character U+009B (control sequence introducer) at character 6, "
        "which is not text @ $.providers[0].name\n"
        f"  {NOTE_ONE}",
    ),
    (
        "tab-in-name.toml",
        "tab-in-name.toml: 1 problem\n"
        f"  'Gemeente\\tLeeuwarden' has a tab (U+0009) at character 9; {ONE_LINE} tabs @ $.payers[0].name\n"
        f"  {NOTE_ONE}",
    ),
    (
        "line-break-in-name.toml",
        "line-break-in-name.toml: 1 problem\n"
        "  'Paid work\\n# Injected heading' has the line break U+000A (line feed) at character 10; "
        f"{ONE_LINE} line breaks @ $.metrics[0].name\n"
        f"  {NOTE_ONE}",
    ),
    (
        "id-with-line-break.json",
        "id-with-line-break.json: 1 problem\n"
        f"  'coach\\n' has the line break U+000A (line feed) at character 6; {ONE_LINE} line breaks @ $.providers[0].id\n"
        f"  {NOTE_ONE}",
    ),
    (
        "carriage-return-in-description.json",
        "carriage-return-in-description.json: 1 problem\n"
        "  'Paid work for\\r\\nsix months.' has the line break U+000D (carriage return) at character 14; "
        "end the lines of a text with \\n only @ $.metrics[0].description\n"
        f"  {NOTE_ONE}",
    ),
    (
        "lone-surrogate.json",
        "lone-surrogate.json: 1 problem\n"
        f"  'Minimal pilot \\ud83d' has half of a surrogate pair (U+D83D) at character 15, {NOT_A_CHARACTER} @ $.name\n"
        f"  {NOTE_ONE}",
    ),
    (
        "lone-surrogate-in-key.json",
        "lone-surrogate-in-key.json: 1 problem\n"
        f"  unknown key 'n\\udc80me'; did you mean 'name'? expected one of: {CONTRACT_KEYS} @ $['n\\udc80me']\n"
        f"  {NOTE_ONE}",
    ),
    (
        "noncharacter.json",
        "noncharacter.json: 1 problem\n"
        "  'Gemeente\\uffff' has the noncharacter U+FFFF at character 9, which is not text @ $.payers[0].name\n"
        f"  {NOTE_ONE}",
    ),
    (
        "control-character-in-key.json",
        "control-character-in-key.json: 1 problem\n"
        "  the key 'vat_\\x1brate' has the control character U+001B (escape) at character 5, which is not text "
        "@ $.provenance['vat_\\x1brate']\n"
        f"  {NOTE_ONE}",
    ),
    (
        "right-to-left-override.toml",
        "right-to-left-override.toml: 1 problem\n"
        "  'Coach \\u202eBV' has the bidirectional control U+202E (right-to-left override) at character 7; "
        "a one-line text holds none: any script shows in its own direction without it, and it could reverse "
        "the text after it @ $.providers[0].name\n"
        f"  {NOTE_ONE}",
    ),
    (
        "unclosed-isolate.toml",
        "unclosed-isolate.toml: 1 problem\n"
        "  'Paid work (\\u2067عمل\\nfor six months\\u2069).' has the bidirectional control U+2067 "
        "(right-to-left isolate) at character 12 without its closing U+2069 (pop directional isolate) "
        f"{REVERSES} @ $.metrics[0].description\n"
        f"  {NOTE_ONE}",
    ),
    (
        "stray-pop.toml",
        "stray-pop.toml: 1 problem\n"
        "  'Paid work\\u202c for six months.' has the bidirectional control U+202C (pop directional formatting) "
        "at character 10 that closes nothing opened before it @ $.metrics[0].description\n"
        f"  {NOTE_ONE}",
    ),
    (
        "duplicate-key.json",
        "duplicate-key.json:5:66: not valid JSON: the key 'capacity' is given twice in the same object",
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


def _minimal(path: Path) -> None:
    path.write_text(MINIMAL, "utf-8")


GENERATED: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "huge.toml",
        _huge,
        f"huge.toml: the file is {MAX_FILE_BYTES + 2:,} bytes; a contract file is at most {MAX_FILE_BYTES:,} bytes",
    ),
    ("binary.toml", _binary, "binary.toml: this is a binary file, not a text contract (TOML or JSON)"),
    ("binary.json", _binary, "binary.json: this is a binary file, not a text contract (TOML or JSON)"),
    ("latin1.toml", _latin1, "latin1.toml:2: not UTF-8 text: save the file as UTF-8"),
    ("missing.toml", _nothing, "missing.toml: no such file"),
    ("missing.json", _nothing, "missing.json: no such file"),
    ("missing.yaml", _nothing, "missing.yaml: no such file"),
    ("folder.toml", _directory, "folder.toml: this is a directory, not a contract file"),
    ("contracts", _directory, "contracts: this is a directory, not a contract file"),
    ("contract", _minimal, "contract: the file name has no .toml or .json ending"),
    ("contract.txt", _minimal, "contract.txt: unknown file type '.txt'; expected a .toml or .json file"),
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
        """Huge, binary, non-UTF-8, missing, directory and suffix-less paths are refused with an exact message naming them."""
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
        assert str(err) == "locked.toml: permission denied: the file cannot be read"

    @pytest.mark.parametrize(
        ("name", "line", "column"),
        [
            ("truncated.toml", 31, None),
            ("yaml.toml", 2, 5),
            ("prose.toml", 1, 5),
            ("impossible-date.toml", 5, 9),
            ("impossible-month.toml", 5, 9),
            ("duplicate-key.toml", 19, 1),
            ("duplicate-key-last-line.toml", 38, 1),
            ("duplicate-table.toml", 39, 1),
            ("syntax-error.json", 6, 3),
            ("duplicate-key.json", 5, 66),
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

    @pytest.mark.parametrize(
        ("name", "written"), [("impossible-date.toml", "2023-02-30"), ("impossible-month.toml", "2023-13-01")]
    )
    def test_impossible_date_points_at_the_date(self, name: str, written: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """For 2023-02-30 (and 2023-13-01) the line and column reported are where the date is written."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal(name)
        assert err.line is not None and err.column is not None
        text_line = (MALFORMED / name).read_text("utf-8").splitlines()[err.line - 1]
        assert text_line[err.column - 1 :].startswith(written)

    @pytest.mark.parametrize(
        ("name", "key"), [("duplicate-key.toml", "capacity"), ("duplicate-key-last-line.toml", "id")]
    )
    def test_duplicate_key_points_at_the_second_key(self, name: str, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """A key given twice is reported where it is given the second time, at the key itself."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal(name)
        assert err.line is not None and err.column is not None
        lines = (MALFORMED / name).read_text("utf-8").splitlines()
        assert lines[err.line - 1][err.column - 1 :].startswith(f"{key} =")
        assert sum(line.startswith(f"{key} =") for line in lines[: err.line - 1]) >= 1

    def test_json_duplicate_key_points_at_the_second_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A key given twice in a JSON object is reported where its second occurrence starts, at its quote."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal("duplicate-key.json")
        assert err.line is not None and err.column is not None
        line = (MALFORMED / "duplicate-key.json").read_text("utf-8").splitlines()[err.line - 1]
        assert line[err.column - 1 :].startswith('"capacity": 500')
        assert line[: err.column - 1].count('"capacity"') == 1

    @pytest.mark.parametrize("name", ["many-problems.toml", "many-references.toml"])
    def test_reports_every_problem_at_once(self, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """A file with several problems gets one line per problem, each 'message @ path', not just the first."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal(name)
        assert err.count == 6
        assert all(" @ $." in line for line in err.lines[:6])
        assert str(err).splitlines()[0] == f"{name}: 6 problems"

    def test_many_problems_names_each_planted_problem(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each of the six planted problems of many-problems.toml appears at its own path."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal("many-problems.toml")
        paths = sorted(line.rsplit(" @ ", 1)[1] for line in err.lines[: err.count])
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
        assert str(err.value) == f"{path}: {EMPTY}"


def _said(text: str) -> Phrase:
    """A message that is its own text in every language (no catalogue entry needed for the test)."""
    return Phrase.of("%(text)s", text=text)


class TestMessages:
    """How a refusal reads: one line for a problem with the file itself, the references note, no Python spellings."""

    def test_one_problem_with_the_file_is_one_line(self) -> None:
        """A problem with the file as a whole (no '@ path') is written on the file's own line."""
        assert str(ContractFileError("missing.toml", [(_said("no such file"), None)])) == "missing.toml: no such file"

    def test_several_problems_with_the_file_get_a_header(self) -> None:
        """Several problems always get the header with their number, then one indented line each."""
        err = ContractFileError("a.toml", [(_said("first"), None), (_said("second"), None)])
        assert str(err) == "a.toml: 2 problems\n  first\n  second"

    def test_one_problem_at_a_path_gets_a_header(self) -> None:
        """A problem at a place in the contract keeps the header, so the '@ path' line reads like the others."""
        err = ContractFileError("a.toml", [(_said("expected a text, got the number 2023"), "$.name")])
        assert str(err) == "a.toml: 1 problem\n  expected a text, got the number 2023 @ $.name"

    def test_a_syntax_error_names_line_and_column(self) -> None:
        """A syntax error is 'file:line:column: message', on one line."""
        err = ContractFileError("a.toml", [(_said("not valid TOML: Invalid value"), None)], line=3, column=7)
        assert str(err) == "a.toml:3:7: not valid TOML: Invalid value"

    def test_the_note_is_the_last_line_and_not_counted(self) -> None:
        """The note is appended to the lines, after the problems, and the header counts the problems only."""
        err = ContractFileError("a.toml", [(_said("x"), "$.a"), (_said("y"), "$.b")], note=_said("(a note)"))
        assert err.lines == ("x @ $.a", "y @ $.b", "(a note)")
        assert (err.count, err.note) == (2, "(a note)")
        assert str(err) == "a.toml: 2 problems\n  x @ $.a\n  y @ $.b\n  (a note)"

    @pytest.mark.parametrize(("name", "expected"), CASES, ids=[name for name, _ in CASES])
    def test_note_only_when_parts_could_not_be_built(
        self, name: str, expected: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A file whose parts could not all be built ends with the note; one refused only for references does not."""
        monkeypatch.chdir(MALFORMED)
        err = _refusal(name)
        if err.note is None:
            assert len(err.lines) == err.count
            assert NOTE_ONE not in str(err) and NOTE_MANY not in str(err)
        else:
            assert err.note == (NOTE_ONE if err.count == 1 else NOTE_MANY)
            assert err.lines[-1] == err.note
            assert len(err.lines) == err.count + 1
            assert str(err).endswith(f"\n  {err.note}")

    @pytest.mark.parametrize("name", ["many-problems.toml", "wrong-content.json", "missing-name.toml"])
    def test_problems_of_shape_end_with_the_note(self, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Wrong types, missing and unknown keys stop the contract being built, so references are not checked yet."""
        monkeypatch.chdir(MALFORMED)
        assert _refusal(name).note is not None

    @pytest.mark.parametrize(
        "name",
        ["many-references.toml", "unknown-reference.json", "unknown-metric.toml", "payer-shares-110-percent.toml"],
    )
    def test_problems_between_parts_have_no_note(self, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """When the references were checked (every part was built), no note says they were not."""
        monkeypatch.chdir(MALFORMED)
        assert _refusal(name).note is None

    def test_no_suggestion_when_nothing_is_close(self) -> None:
        """'did you mean' appears only for a near miss, and never for a value that is not a text."""
        with pytest.raises(ContractFileError) as err:
            loads(MINIMAL.replace('type = "tariff"', "type = 3"), file="a.toml")
        assert err.value.lines[0] == f"unknown type 3; expected one of {RULE_TYPES} @ $.rules[0].type"
        with pytest.raises(ContractFileError) as err:
            loads(MINIMAL.replace('type = "tariff"', 'type = "bonus"'), file="a.toml")
        assert err.value.lines[0] == f"unknown type 'bonus'; expected one of {RULE_TYPES} @ $.rules[0].type"

    def test_suggestion_ignores_case(self) -> None:
        """'Name' for 'name' is a near miss too; the missing key is named."""
        with pytest.raises(ContractFileError) as err:
            loads(MINIMAL.replace('name = "Minimal pilot"', 'Name = "Minimal pilot"'), file="a.toml")
        assert err.value.lines == (
            "missing required key 'name' @ $.name",
            f"unknown key 'Name'; did you mean 'name'? expected one of: {CONTRACT_KEYS} @ $.Name",
            NOTE_MANY,
        )

    @pytest.mark.parametrize(
        ("data", "fmt", "expected"),
        [
            ([], "json", "expected an object at the top of the file, got a list @ $"),
            ("x", "json", "expected an object at the top of the file, got the text 'x' @ $"),
            ([], "toml", "expected a table at the top of the file, got a list @ $"),
        ],
    )
    def test_top_of_the_file_in_the_words_of_its_format(self, data: object, fmt: str, expected: str) -> None:
        """JSON calls the top of a contract an object, TOML a table."""
        with pytest.raises(ContractFileError) as err:
            structure_contract(data, file="a", fmt=fmt)  # type: ignore[arg-type]
        assert err.value.lines == (expected,)

    @pytest.mark.parametrize(
        ("written", "expected"),
        [
            ("2023-02-29", "'2023-02-29' is not a calendar date (February 2023 has 28 days)"),
            ("2023-04-31", "'2023-04-31' is not a calendar date (April 2023 has 30 days)"),
            ("2023-00-10", "'2023-00-10' is not a calendar date (a month is 01 to 12)"),
            ("2023-01-00", "'2023-01-00' is not a calendar date (a day is 01 or later)"),
            ("20230101", "expected a date such as 2023-01-01, got the text '20230101'"),
            ("1 januari 2023", "expected a date such as 2023-01-01, got the text '1 januari 2023'"),
        ],
    )
    def test_dates_written_as_text(self, written: str, expected: str) -> None:
        """A JSON date that has the ISO shape but is not in the calendar says why; other text is not a date."""
        data = {"name": "x", "timeline": {"start": written}}
        with pytest.raises(ContractFileError) as err:
            structure_contract(data, file="a.json", fmt="json")
        assert err.value.lines[0] == f"{expected} @ $.timeline.start"

    def test_leap_day_is_a_date(self) -> None:
        """29 February of a leap year is a calendar date."""
        contract = loads(MINIMAL.replace("start = 2023-01-01", "start = 2024-02-29"), file="a.toml")
        assert contract.timeline.start.isoformat() == "2024-02-29"

    @pytest.mark.parametrize(
        ("name", "expected"),
        [(name, expected) for name, expected in CASES],
    )
    def test_no_python_spellings(self, name: str, expected: str) -> None:
        """Values are written the way a contract file writes them: never Decimal('…'), True, False or None."""
        for spelling in ("Decimal(", "True", "False", "None", "datetime."):
            assert spelling not in expected


class TestJsonDuplicateKeys:
    """JSON lets an object give a key twice and keeps the last; a contract refuses it, as TOML does."""

    @pytest.mark.parametrize(
        ("text", "key", "line", "column"),
        [
            ('{"name": "a", "name": "b"}', "name", 1, 15),
            ('{"name": "a",\n "\\u006eame": "b"}', "name", 2, 2),
            ('{"a": {"x": 1}, "b": {"x": 1, "y": "{\\"x\\": 2}", "x": 3}}', "x", 1, 50),
            ('{"list": [{"x": 1}, {"x": 2, "y": [1, {"x": 3}], "x": 4}]}', "x", 1, 50),
        ],
    )
    def test_second_key_is_refused_where_it_is(self, text: str, key: str, line: int, column: int) -> None:
        """Keys are compared as JSON reads them (an escape is its character); the same key in two objects,
        or written inside a text, is no duplicate; the line and column are those of the second key."""
        with pytest.raises(ContractFileError) as err:
            loads(text, fmt="json", file="a.json")
        assert err.value.lines == (f"not valid JSON: the key {key!r} is given twice in the same object",)
        assert (err.value.line, err.value.column) == (line, column)
        at = sum(len(x) + 1 for x in text.split("\n")[: line - 1]) + column - 1
        assert json.loads(text[at:].split(":", 1)[0]) == key

    def test_same_key_in_different_objects_is_fine(self) -> None:
        """The minimal contract as JSON gives 'id' and 'name' in many objects, each once: it loads."""
        text = json.dumps(tomllib.loads(MINIMAL), default=str)
        assert text.count('"id"') > 1
        assert loads(text, fmt="json", file="m.json") == loads(MINIMAL, file="m.toml")


class TestShow:
    @pytest.mark.parametrize(
        ("value", "written"),
        [
            (Decimal("3500.001"), "3500.001"),
            (Decimal("70"), "70"),
            (Decimal("NaN"), "nan"),
            (Decimal("-Infinity"), "-inf"),
            (True, "true"),
            (False, "false"),
            (None, "null"),
            (12, "12"),
            ("3.500,00", "'3.500,00'"),
            (dt.date(2023, 1, 1), "2023-01-01"),
            (dt.datetime(2023, 1, 1, 9), "2023-01-01T09:00:00"),
            ({"a": 1}, "a table"),
            ([1], "a list"),
        ],
    )
    def test_values_as_a_user_writes_them(self, value: object, written: str) -> None:
        """show() writes a value as it appears in a contract file."""
        assert show(value) == written
