"""docs/contract-format.md documents every field of every object a contract file can hold.

The model is the truth: every attrs class reachable from ``sibkit.model.Contract``
(through field types, tuples, dicts, optionals and the tagged unions
``PaymentRule``, ``Tranche`` and ``WaterfallStep``) must have a heading in the
doc, and the table under that heading must name each of its fields in
backticks. A field added to the model without documentation fails here.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest

from sibkit.model import RULE_TYPES, STEP_TYPES, TRANCHE_TYPES, Contract
from sibkit.model.common import is_prose
from sibkit.money import Cents

from conftest import ROOT

DOC = ROOT / "docs" / "contract-format.md"

MONEY_UNIT = "EUR cents in memory; written in currency units in the file"
"""The unit every money (``Cents``) field states in the doc."""

TAGS: dict[type, str] = {cls: tag for table in (RULE_TYPES, TRANCHE_TYPES, STEP_TYPES) for tag, cls in table.items()}
"""The ``type`` tag of each class written as a tagged table."""

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BACKTICKED = re.compile(r"`([^`]+)`")


# -- the checker ---------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class Section:
    """A heading and the lines under it, up to the next heading of the same or higher level."""

    level: int
    heading: str
    lines: tuple[str, ...]

    def rows(self) -> dict[str, list[str]]:
        """Table rows keyed by each backticked name in their first cell; values are the row's cells."""
        out: dict[str, list[str]] = {}
        for line in self.lines:
            stripped = line.strip()
            if not stripped.startswith("|"):
                continue
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if not cells or set(cells[0]) <= set("-: "):
                continue  # the separator row
            for name in _BACKTICKED.findall(cells[0]):
                out.setdefault(name, cells)
        return out

    def field_names(self) -> set[str]:
        """Names written in backticks in the first column of the section's tables."""
        return set(self.rows())


def sections(markdown: str) -> list[Section]:
    """Every heading of ``markdown`` with its section; headings inside fenced code blocks are ignored."""
    lines = markdown.splitlines()
    headings: list[tuple[int, int, str]] = []  # (line index, level, text)
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence and (m := _HEADING.match(line)):
            headings.append((i, len(m.group(1)), m.group(2)))
    out: list[Section] = []
    for n, (start, level, text) in enumerate(headings):
        end = next((i for i, lvl, _ in headings[n + 1 :] if lvl <= level), len(lines))
        out.append(Section(level=level, heading=text, lines=tuple(lines[start + 1 : end])))
    return out


def _names_class(heading: str, name: str) -> bool:
    """Whether a heading names the class ``name`` as a whole word (``Fee`` is not in ``DeferredFee``)."""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", heading) is not None


def _attrs_classes_in(tp: object) -> Iterator[type]:
    """attrs classes mentioned in a type: itself, or inside ``X | None``, ``tuple[X, ...]``, ``dict[str, X]``."""
    if isinstance(tp, type) and attrs.has(tp):
        yield tp
        return
    for arg in typing.get_args(tp):
        yield from _attrs_classes_in(arg)


def reachable_classes(root: type) -> list[type]:
    """Every attrs class reachable from ``root`` through its fields' types, in discovery order."""
    found: list[type] = []
    todo = [root]
    while todo:
        cls = todo.pop(0)
        if cls in found:
            continue
        found.append(cls)
        attrs.resolve_types(cls)
        for hint in typing.get_type_hints(cls).values():
            todo.extend(c for c in _attrs_classes_in(hint) if c not in found)
    return found


def class_section(cls: type, docs: Iterable[Section]) -> Section | None:
    """The section documenting ``cls``.

    Headings naming the class in backticks (`` `Tariff` ``) are preferred over headings
    naming it in plain words; among those, the one whose table lists most of its fields.
    """
    fields = {a.name for a in attrs.fields(cls)}
    named = [s for s in docs if _names_class(s.heading, cls.__name__)]
    candidates = [s for s in named if f"`{cls.__name__}`" in s.heading] or named
    if not candidates:
        return None
    return max(candidates, key=lambda s: len(fields & s.field_names()))


def documentation_gaps(classes: Iterable[type], markdown: str) -> list[str]:
    """What the doc leaves out: a class without a heading, or a field missing from its section's table."""
    docs = sections(markdown)
    gaps: list[str] = []
    for cls in classes:
        section = class_section(cls, docs)
        if section is None:
            gaps.append(f"{cls.__name__}: no heading names the class")
            continue
        documented = section.field_names()
        gaps += [
            f"{cls.__name__}.{a.name}: not in the table under {section.heading!r}"
            for a in attrs.fields(cls)
            if a.name not in documented
        ]
    return gaps


def stale_rows(classes: Iterable[type], markdown: str) -> list[str]:
    """Table rows naming a field the class does not have (``type`` is allowed for tagged classes)."""
    docs = sections(markdown)
    stale: list[str] = []
    for cls in classes:
        section = class_section(cls, docs)
        if section is None:
            continue
        allowed = {a.name for a in attrs.fields(cls)} | ({"type"} if cls in TAGS else set())
        stale += [
            f"{cls.__name__}.{name}: documented but not a field" for name in sorted(section.field_names() - allowed)
        ]
    return stale


def _mentions(tp: object, target: object) -> bool:
    """Whether ``target`` occurs in the type ``tp`` (itself or nested in its arguments)."""
    return tp is target or any(_mentions(arg, target) for arg in typing.get_args(tp))


# -- fixtures --------------------------------------------------------------------------------------
MODEL_CLASSES = reachable_classes(Contract)


@pytest.fixture(scope="module")
def doc_text() -> str:
    """The text of docs/contract-format.md."""
    return DOC.read_text(encoding="utf-8")


@attrs.frozen(kw_only=True)
class _FakePart:
    label: str


@attrs.frozen(kw_only=True)
class _FakeThing:
    documented: int
    undocumented_field: str = ""
    part: _FakePart | None = None


_FAKE_DOC = """\
# Fake format

## `_FakeThing`

| field | type | unit | required/default | meaning |
|---|---|---|---|---|
| `documented` | whole number | months | required | Documented. |
| `part` | table `_FakePart` | — | optional | A part. |

## Elsewhere

| field | type | unit | required/default | meaning |
|---|---|---|---|---|
| `undocumented_field` | text | — | `""` | Under the wrong heading: does not count. |

```toml
# `_FakePart` inside a code block is not a heading
```
"""


# -- tests ---------------------------------------------------------------------------------------
class TestReachableClasses:
    def test_walks_unions_and_nested_types(self) -> None:
        """The walk reaches members of the tagged unions and classes nested in tuples, dicts and optionals."""
        names = {c.__name__ for c in MODEL_CLASSES}
        expected = {
            "Contract", "Timeline", "Population", "Source", "Provenance", "OutcomePayer", "Contributor",
            "Provider", "EnrolmentPlan", "SegmentShare", "Investor", "Intermediary", "Evaluator", "Segment",
            "Metric", "Saving", "Tariff", "Component", "RateCard", "RateCardEntry", "CohortThreshold", "Tier",
            "PerTime", "ShareOfSavings", "PayerShare", "Cap", "Loan", "Equity", "RecoverableGrant", "Grant",
            "DeferredFee", "Drawdown", "ReturnCap", "Guarantee", "Fee", "FeesStep", "InterestStep",
            "PrincipalStep", "ReturnStep", "ResidualStep", "ResidualShare", "Scenario", "ScenarioOutcome",
            "EnrolmentOverride",
        }  # fmt: skip
        assert expected <= names, sorted(expected - names)

    def test_reaches_every_tagged_class(self) -> None:
        """Every class named in RULE_TYPES, TRANCHE_TYPES and STEP_TYPES is reached from Contract."""
        assert set(TAGS) <= set(MODEL_CLASSES)

    def test_fake_class_reaches_its_part(self) -> None:
        """An optional attrs-typed field leads the walk to that class."""
        assert reachable_classes(_FakeThing) == [_FakeThing, _FakePart]


class TestSections:
    def test_section_ends_at_same_level_heading(self) -> None:
        """A section stops at the next heading of its level and ignores '#' lines inside code fences."""
        found = {s.heading: s for s in sections(_FAKE_DOC)}
        assert set(found) == {"Fake format", "`_FakeThing`", "Elsewhere"}
        assert found["`_FakeThing`"].field_names() == {"documented", "part"}
        assert found["Fake format"].field_names() == {"documented", "part", "undocumented_field"}

    def test_whole_word_heading_match(self) -> None:
        """'Fee' is named by '### `Fee`' but not by '### `DeferredFee`' or '### `FeesStep`'."""
        assert _names_class("### `Fee`", "Fee")
        assert not _names_class("`DeferredFee` (tranche type `deferred_fee`)", "Fee")
        assert not _names_class("`FeesStep` (step type `fees`)", "Fee")


class TestDocumentationGaps:
    def test_reports_an_undocumented_field(self) -> None:
        """A field missing from its class's table is reported, even when another section mentions it."""
        gaps = documentation_gaps([_FakeThing], _FAKE_DOC)
        assert gaps == ["_FakeThing.undocumented_field: not in the table under '`_FakeThing`'"]

    def test_reports_a_class_without_heading(self) -> None:
        """A class no heading names is reported (a heading inside a code block does not count)."""
        assert documentation_gaps([_FakePart], _FAKE_DOC) == ["_FakePart: no heading names the class"]

    def test_complete_section_passes(self) -> None:
        """Once the field gets a row under its heading, nothing is reported."""
        fixed = _FAKE_DOC.replace(
            "| `part` |", '| `undocumented_field` | text | — | `""` | Now documented. |\n| `part` |'
        )
        assert documentation_gaps([_FakeThing], fixed) == []

    def test_reports_stale_rows(self) -> None:
        """A row for a field the class does not have is reported."""
        stale = _FAKE_DOC.replace("| `part` |", "| `renamed` | text | — | optional | Gone. |\n| `part` |")
        assert stale_rows([_FakeThing], stale) == ["_FakeThing.renamed: documented but not a field"]


class TestContractFormatDoc:
    @pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
    def test_every_field_is_documented(self, cls: type, doc_text: str) -> None:
        """Each model class has a heading, and each of its fields a backticked row in the table under it."""
        assert documentation_gaps([cls], doc_text) == []

    def test_no_row_documents_a_missing_field(self, doc_text: str) -> None:
        """No class section documents a field the model does not have (renamed or removed fields)."""
        assert stale_rows(MODEL_CLASSES, doc_text) == []

    @pytest.mark.parametrize(("tag", "cls"), [(t, c) for c, t in TAGS.items()], ids=list(TAGS.values()))
    def test_tag_is_documented_with_its_class(self, tag: str, cls: type, doc_text: str) -> None:
        """Each ``type`` tag appears in backticks in the doc, in the section of the class it selects."""
        assert f"`{tag}`" in doc_text
        section = class_section(cls, sections(doc_text))
        assert section is not None
        assert f"`{tag}`" in section.heading + "\n" + "\n".join(section.lines)

    def test_money_fields_state_their_unit(self, doc_text: str) -> None:
        """Every field holding ``Cents`` says 'EUR cents in memory; written in currency units in the file'."""
        docs = sections(doc_text)
        wrong: list[str] = []
        for cls in MODEL_CLASSES:
            section = class_section(cls, docs)
            if section is None:
                continue
            rows = section.rows()
            for name, hint in typing.get_type_hints(cls).items():
                if _mentions(hint, Cents) and name in rows and MONEY_UNIT not in " ".join(rows[name][2:3]):
                    wrong.append(f"{cls.__name__}.{name}")
        assert wrong == []

    def test_text_fields_say_whether_they_have_lines(self, doc_text: str) -> None:
        """A ``Prose`` field's type reads 'text, several lines'; any other text field's never does."""
        docs = sections(doc_text)
        wrong: list[str] = []
        prose: list[str] = []
        for cls in MODEL_CLASSES:
            section = class_section(cls, docs)
            if section is None:
                continue
            rows = section.rows()
            for name, hint in typing.get_type_hints(cls, include_extras=True).items():
                if name not in rows:
                    continue
                says = rows[name][1:2] == ["text, several lines"]
                if is_prose(hint):
                    prose.append(name)
                if says != is_prose(hint):
                    wrong.append(f"{cls.__name__}.{name}")
        assert wrong == []
        assert set(prose) == {"description", "purpose", "assumption", "reason"}

    def test_decimal_fields_state_a_unit(self, doc_text: str) -> None:
        """Every ``Decimal`` field (shares, rates, ratios) has a non-empty unit cell."""
        docs = sections(doc_text)
        missing: list[str] = []
        for cls in MODEL_CLASSES:
            section = class_section(cls, docs)
            if section is None:
                continue
            rows = section.rows()
            for name, hint in typing.get_type_hints(cls).items():
                if _mentions(hint, Decimal) and name in rows and rows[name][2:3] in ([], [""], ["—"]):
                    missing.append(f"{cls.__name__}.{name}")
        assert missing == []

    def test_share_fields_say_they_take_a_ratio(self, doc_text: str) -> None:
        """Every ``Fraction`` field (a share that splits an amount) is typed 'share' and its unit names the
        ratio form ``"1/3"``; no ``Decimal`` field claims to be such a share (it would refuse ``"1/3"``)."""
        docs = sections(doc_text)
        wrong: list[str] = []
        shares: list[str] = []
        for cls in MODEL_CLASSES:
            section = class_section(cls, docs)
            if section is None:
                continue
            rows = section.rows()
            for name, hint in typing.get_type_hints(cls).items():
                if name not in rows:
                    continue
                says_share = rows[name][1:2] == ["share"] and '"1/3"' in " ".join(rows[name][2:3])
                if _mentions(hint, Fraction):
                    shares.append(f"{cls.__name__}.{name}")
                if says_share != _mentions(hint, Fraction):
                    wrong.append(f"{cls.__name__}.{name}")
        assert wrong == []
        assert sorted(shares) == ["OutcomePayer.share", "PayerShare.share", "ResidualShare.share", "SegmentShare.share"]
