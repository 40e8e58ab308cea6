"""A fund file says where its numbers come from as a contract file does: ``provenance`` entries and ``[[sources]]``.

Every part of a fund file that carries numbers (the fund, each contributor, loan, fee, contract and pipeline entry,
the recycling rule and its savings entries, the simulation table) takes a ``provenance`` table of the same
``Provenance`` entries as a contract's: a source cited by id (with a locator) or an assumption, given once or per
language. A key naming no field of its part, an unknown source, a source id given twice and an entry with both or
neither of source and assumption are refused as ``message @ path`` under the file's name. The fund sheet's Annex A
shows them in the sheet's language; the file's comments are not read.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sibkit.fund_load import FundFileError, load_fund
from sibkit.model.fund import fund_provenance
from sibkit.report.fund import compute_fund, fund_sheet_view, render_fund_view
from sibkit.texts import text_in

from conftest import ROOT

LEEUWARDEN = ROOT / "funds" / "leeuwarden-oost.toml"
TINY = ROOT / "tests" / "fund_contracts" / "tiny.toml"
TODAY = dt.date(2024, 6, 1)

HEAD = """
id = "f"
name = "F"
currency = "EUR"
start = 2024-01-01
horizon_months = 24
"""

CONTRIBUTOR = """
[[contributors]]
id = "a"
name = "A"
commitment = 6000
"""

CONTRACT = f"""
[[contracts]]
file = "{TINY}"
start = 2024-01-01
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fund.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> FundFileError:
    path = write(tmp_path, text)
    with pytest.raises(FundFileError) as info:
        load_fund(path)
    assert info.value.file == str(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value


class TestFundProvenance:
    def test_every_part_takes_provenance(self, tmp_path: Path) -> None:
        """The fund, a contributor, a loan, the recycling rule, a savings entry, a fee, a contract, a pipeline
        entry and the simulation table each take provenance entries, read as contracts' are."""
        text = (
            HEAD
            + 'provenance.start = { source = "s1", locator = "p. 3" }\n'
            + '[[sources]]\nid = "s1"\ntitle = "A report"\n'
            + CONTRIBUTOR
            + 'provenance.commitment.assumption = { nl = "Aangenomen.", en = "Assumed." }\n'
            + '[[loans]]\nid = "l"\nlender = "bank"\namount = 100\nrate = 0.02\nprovenance.rate.assumption = "r"\n'
            + "[recycling]\nresidual = 1\n"
            + 'savings = [ { owner = "a", share = 0.5, provenance.share.assumption = "s" } ]\n'
            + 'provenance.residual.assumption = "all"\n'
            + '[[fees]]\nid = "fee"\npayee = "m"\nper_year = 10\nprovenance.per_year.assumption = "f"\n'
            + CONTRACT
            + 'provenance.start.assumption = "c"\n'
            + f'[[pipeline]]\nfile = "{TINY}"\nstart = 2025-01-01\nprobability = 0.5\n'
            + 'provenance.probability.assumption = "p"\n'
            + '[simulation]\nshared = 0.5\nprovenance.shared.assumption = "x"\n'
        )
        fund = load_fund(write(tmp_path, text)).fund
        found = {(where, key): p for where, key, _, p in fund_provenance(fund)}
        assert list(found) == [
            ("", "start"),
            ("contributors[0]", "commitment"),
            ("loans[0]", "rate"),
            ("recycling", "residual"),
            ("recycling.savings[0]", "share"),
            ("fees[0]", "per_year"),
            ("contracts[0]", "start"),
            ("pipeline[0]", "probability"),
            ("simulation", "shared"),
        ]
        assert found[("", "start")].source == "s1" and found[("", "start")].locator == "p. 3"
        assumed = found[("contributors[0]", "commitment")].assumption
        assert assumed is not None and (text_in(assumed, "nl"), text_in(assumed, "en")) == ("Aangenomen.", "Assumed.")

    @pytest.mark.parametrize(
        ("where", "entry", "path", "known"),
        [
            (
                "top",
                "provenance.horizon.assumption = 'x'",
                "$.provenance",
                "contracts, contributors, currency, description, fees, format, horizon_months, id, loans, name, "
                "pipeline, recycling, simulation, sources, start",
            ),
            (
                "contributor",
                "provenance.commitmnt.assumption = 'x'",
                "$.contributors[0].provenance",
                "commitment, id, kind, name, over_commitment, payments",
            ),
            (
                "contract",
                "provenance.begin.assumption = 'x'",
                "$.contracts[0].provenance",
                "every_months, file, payers, repeat, scenario, start",
            ),
        ],
    )
    def test_a_key_naming_no_field_is_refused(
        self, tmp_path: Path, where: str, entry: str, path: str, known: str
    ) -> None:
        """A provenance key that names no field of its part is refused at that part's provenance, under the file's
        name, listing the fields it may name."""
        text = {
            "top": HEAD + entry + "\n" + CONTRIBUTOR + CONTRACT,
            "contributor": HEAD + CONTRIBUTOR + entry + "\n" + CONTRACT,
            "contract": HEAD + CONTRIBUTOR + CONTRACT + entry + "\n",
        }[where]
        key = re.search(r"provenance\.(\w+)", entry)
        assert key is not None
        exc = refusal(tmp_path, text)
        assert exc.lines[0] == (f"provenance given for unknown field {key[1]!r}; expected one of: {known} @ {path}")

    def test_an_unknown_source_is_refused(self, tmp_path: Path) -> None:
        """A provenance that cites a source the fund file does not list is refused at its ``source``."""
        text = (
            HEAD
            + 'provenance.start = { source = "s2" }\n[[sources]]\nid = "s1"\ntitle = "T"\n'
            + CONTRIBUTOR
            + 'provenance.commitment = { source = "s1" }\n'
            + CONTRACT
            + 'provenance.start = { source = "nope" }\n'
        )
        exc = refusal(tmp_path, text)
        assert exc.lines == (
            "unknown source 's2'; expected one of: 's1' @ $.provenance.start.source",
            "unknown source 'nope'; expected one of: 's1' @ $.contracts[0].provenance.start.source",
        )

    def test_a_source_without_sources_and_a_source_given_twice(self, tmp_path: Path) -> None:
        """A source cited in a file without sources is unknown; a source id given twice is refused."""
        exc = refusal(tmp_path, HEAD + 'provenance.start = { source = "s1" }\n' + CONTRIBUTOR + CONTRACT)
        assert exc.lines == ("unknown source 's1'; expected one of: none defined @ $.provenance.start.source",)
        twice = '[[sources]]\nid = "s1"\ntitle = "T"\n[[sources]]\nid = "s1"\ntitle = "U"\n'
        exc = refusal(tmp_path, HEAD + twice + CONTRIBUTOR + CONTRACT)
        assert exc.lines == ("the id 's1' is already used at sources[0].id @ $.sources[1].id",)

    def test_exactly_one_of_source_and_assumption(self, tmp_path: Path) -> None:
        """An entry with both a source and an assumption, or neither, is refused as in a contract file."""
        both = 'provenance.commitment = { source = "s1", assumption = "x" }\n'
        exc = refusal(tmp_path, HEAD + CONTRIBUTOR + both + CONTRACT)
        assert (
            exc.lines[0]
            == "give exactly one of 'source' or 'assumption' @ $.contributors[0].provenance.commitment.source"
        )
        exc = refusal(tmp_path, HEAD + CONTRIBUTOR + 'provenance.commitment = { locator = "p. 1" }\n' + CONTRACT)
        assert (
            exc.lines[0]
            == "give exactly one of 'source' or 'assumption' @ $.contributors[0].provenance.commitment.source"
        )

    def test_extra_keys_are_still_refused(self, tmp_path: Path) -> None:
        """A key a provenance entry does not have is refused, as every unknown key of a fund file is."""
        exc = refusal(tmp_path, HEAD + CONTRIBUTOR + 'provenance.commitment = { assumtion = "x" }\n' + CONTRACT)
        assert any("assumtion" in line and "$.contributors[0].provenance.commitment" in line for line in exc.lines)

    def test_an_assumption_in_one_language(self, tmp_path: Path) -> None:
        """An assumption given in English only loads, as in a contract file; the Dutch sheet shows it in English,
        marked [en], and the English sheet as written."""
        text = HEAD + CONTRIBUTOR + 'provenance.commitment.assumption.en = "Assumed from the council minutes."\n'
        loaded = load_fund(write(tmp_path, text + CONTRACT))
        books = compute_fund(loaded)
        rows = {
            lang: {r[0]: r for r in fund_sheet_view(loaded, lang, today=TODAY, books=books)["assumptions"]["rows"]}
            for lang in ("nl", "en")
        }
        assert rows["en"]["contributors[0].commitment"][3:] == ["assumption", "Assumed from the council minutes."]
        assert rows["nl"]["contributors[0].commitment"][3:] == ["aanname", "Assumed from the council minutes. [en]"]
        assert rows["nl"]["horizon_months"][3:] == ["–", "geen bron of aanname in het bestand"]

    def test_an_empty_assumption_is_refused(self, tmp_path: Path) -> None:
        """An assumption must say something, as in a contract file."""
        exc = refusal(tmp_path, HEAD + CONTRIBUTOR + 'provenance.commitment.assumption = " "\n' + CONTRACT)
        assert exc.lines[0] == (
            "an assumption must say what was assumed and why @ $.contributors[0].provenance.commitment.assumption"
        )


def _assumptions(data: Any, path: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    """Every assumption of a fund file read as plain TOML (independent of sibkit): (path, language → text)."""
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}" if path else key
            if key == "assumption":
                yield path, value if isinstance(value, dict) else {"nl": value, "en": value}
            else:
                yield from _assumptions(value, here)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _assumptions(item, f"{path}[{i}]")


def _text(html_text: str) -> str:
    text = re.sub(r"<svg.*?</svg>|<style>.*?</style>|<[^>]+>", " ", html_text, flags=re.S)
    text = text.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip()


@pytest.fixture(scope="module")
def leeuwarden() -> dict[str, Any]:
    loaded = load_fund(LEEUWARDEN)
    books = compute_fund(loaded)
    views = {lang: fund_sheet_view(loaded, lang, today=TODAY, books=books) for lang in ("nl", "en")}
    return {"loaded": loaded, "books": books, "views": views}


class TestLeeuwardenAnnex:
    def test_every_number_has_a_basis(self, leeuwarden: dict[str, Any]) -> None:
        """Every figure Annex A lists for the Leeuwarden fund has a source or an assumption."""
        rows = leeuwarden["views"]["en"]["assumptions"]["rows"]
        assert [r[0] for r in rows if r[3] not in ("source", "assumption")] == []

    @pytest.mark.parametrize("lang", ["nl", "en"])
    def test_the_annex_lists_every_assumption(self, leeuwarden: dict[str, Any], lang: str) -> None:
        """Every assumption the fund file writes is in Annex A of the sheet in its language (HTML and Markdown),
        and so is every source's id and title."""
        data = tomllib.loads(LEEUWARDEN.read_text(encoding="utf-8"))
        found = list(_assumptions(data))
        assert len(found) >= 25
        view = leeuwarden["views"][lang]
        html = _text(render_fund_view(view, "html"))
        md = " ".join(render_fund_view(view, "md").split())
        annex = html[html.index("Annex A" if lang == "en" else "Bijlage A") :]
        for path, texts in found:
            assert set(texts) == {"nl", "en"}, path
            assert " ".join(texts[lang].split()) in annex, path
            assert texts[lang].split()[0] in md, path
        for source in data["sources"]:
            title = source["title"][lang] if isinstance(source["title"], dict) else source["title"]
            assert source["id"] in annex and title in annex

    def test_the_other_language_is_not_shown(self, leeuwarden: dict[str, Any]) -> None:
        """The Dutch annex holds the Dutch texts, not the English ones (and the other way round)."""
        data = tomllib.loads(LEEUWARDEN.read_text(encoding="utf-8"))
        texts = [t for _, t in _assumptions(data)]
        for lang, other in (("nl", "en"), ("en", "nl")):
            cells = {r[4] for r in leeuwarden["views"][lang]["assumptions"]["rows"]}
            assert not any(t[other] in cells for t in texts if t[other] != t[lang])

    def test_comments_do_not_change_the_sheet(self, leeuwarden: dict[str, Any], tmp_path: Path) -> None:
        """The fund file's comments are for people: without them, with every comment moved to the end, or with
        a new comment saying ASSUMPTION, the sheet is the same in both languages."""
        source = LEEUWARDEN.read_text(encoding="utf-8")
        lines = source.splitlines()
        comments = [x for x in lines if x.lstrip().startswith("#")]
        bare = [x for x in lines if not x.lstrip().startswith("#")]
        assert len(comments) > 10
        (tmp_path / "contracts").symlink_to(ROOT / "contracts")
        (tmp_path / "funds").mkdir()
        variants = {
            "none": "\n".join(bare),
            "moved": "\n".join(bare + comments),
            "new": source.replace("[[loans]]", "# ASSUMPTION: the loan is a gift.\n[[loans]]").replace(
                "horizon_months = 240", "horizon_months = 240  # ASSUMPTION: thirty years"
            ),
        }
        for name, text in variants.items():
            path = tmp_path / "funds" / f"{name}.toml"
            path.write_text(text + "\n", encoding="utf-8")
            loaded = load_fund(path)
            for lang in ("nl", "en"):
                view = fund_sheet_view(loaded, lang, today=TODAY, books=compute_fund(loaded))
                assert view["assumptions"] == leeuwarden["views"][lang]["assumptions"], (name, lang)
                ours = render_fund_view(view, "md")
                theirs = render_fund_view(leeuwarden["views"][lang], "md")
                assert ours == theirs, (name, lang)
