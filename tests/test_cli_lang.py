"""`--lang nl`: every command that prints tables or sentences speaks Dutch throughout, with Dutch numbers.

Each test asserts a few Dutch words, Dutch money (``€ 3.500,00`` with a no-break space) and the absence
of the English table headings, labels and file codes the same command prints in English.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sibkit.cli import main

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "250"})
    return result.exit_code, result.output


def _absent(text: str, *english: str) -> list[str]:
    """The English words of ``english`` that ``text`` still contains."""
    return [word for word in english if word in text]


class TestDutchCommands:
    def test_show(self) -> None:
        """`show --lang nl` (Leeuwarden): Dutch headings, kinds, evidence and status; €3,500 in Dutch notation."""
        code, out = invoke("show", str(EXAMPLE), "--lang", "nl")
        assert code == 0
        for dutch in ("Partijen", "Resultaten en prijzen", "verandering", "zacht", "historisch", "totaal"):
            assert dutch in out
        assert "van €\u00a03.500,00 per deelnemer" in out
        english = ("Parties", "outcome payer", "Outcomes and prices", "evidence", "Maximum potential", "payments")
        assert _absent(out, *english, "change ", "soft", "historical", "€3,500.00") == []

    def test_show_capital_words(self) -> None:
        """`show --lang nl` on a SIB: tranche types, investor kinds, metric kinds and the frequency in Dutch,
        never as the file's codes (cohort_change, impact_fund, Loan, end)."""
        code, out = invoke("show", str(SIB), "--lang", "nl")
        assert code == 0
        for dutch in (
            "Kapitaalstructuur",
            "lening",
            "impactfonds",
            "verandering in een cohort",
            "aan het eind",
            "dekt",
        ):
            assert dutch in out
        assert (
            _absent(out, "cohort_change", "cohort change", "impact_fund", "Loan", "loan ", "covers", "seniority") == []
        )

    def test_run(self) -> None:
        """`run --lang nl`: Dutch row labels and Dutch money, no English label left."""
        code, out = invoke("run", str(EXAMPLE), "--scenario", "base", "--lang", "nl")
        assert code == 0
        for dutch in ("succesfactor", "deelnemers", "resultaatbetalingen", "Betaler:", "Aanbieder:", "marge"):
            assert dutch in out
        assert "€\u00a0333.900,00" in out
        english = ("success factor", "participants", "outcome payments", "Payer:", "Provider:", "margin", "lowest cash")
        assert _absent(out, *english, "€333,900.00") == []

    def test_run_tranches_in_dutch(self) -> None:
        """`run --lang nl` on a SIB: tranche, guarantee and break-even lines in Dutch."""
        code, out = invoke("run", str(SIB), "--lang", "nl")
        assert code == 0
        for dutch in ("opgenomen", "terugontvangen", "IRR (per jaar)", "Garantie", "krijgt de hoofdsom terug"):
            assert dutch in out
        assert _absent(out, "drawn", "returned", "IRR (annual)", "Guarantee", "principal back", "payback") == []

    def test_simulate(self) -> None:
        """`simulate --lang nl`: Dutch headings and columns; the count with a Dutch thousands separator."""
        code, out = invoke("simulate", str(EXAMPLE), "--n", "1500", "--seed", "3", "--lang", "nl")
        assert code == 0
        for dutch in ("1.500 scenario's", "Betalers", "verwacht", "kans boven budget", "Aanbieders", "verwachte marge"):
            assert dutch in out
        assert _absent(out, "1,500 scenarios", "Payers", "expected", "chance over budget", "Providers") == []

    def test_sweep(self) -> None:
        """`sweep --lang nl`: Dutch heading, columns, levels with a decimal comma and Dutch break-even sentences."""
        code, out = invoke("sweep", str(SIB), "--success", "0:1:5", "--lang", "nl")
        assert code == 0
        for dutch in ("geschaald van 0 tot 1", "Uitbetalingscurven", "city betaalt", "0,25", "krijgt de hoofdsom"):
            assert dutch in out
        assert "€\u00a0100.000,00" in out
        english = (
            "scaled from",
            "Payoff curves",
            "city pays",
            "0.25",
            "principal back",
            "success rates",
            "€100,000.00",
        )
        assert _absent(out, *english) == []

    def test_explain(self) -> None:
        """`explain --lang nl`: Dutch headings and the frequency in Dutch."""
        code, out = invoke("explain", str(SIB), "--lang", "nl")
        assert code == 0
        assert "# Hoe het geld loopt" in out and "## Waarvoor wordt betaald" in out and "aan het eind van" in out
        assert _absent(out, "How the money moves", "What is paid for", "at the end", "seniority", "loan ") == []

    def test_check(self) -> None:
        """`check --lang nl`: severities and the remedy label in Dutch."""
        code, out = invoke("check", str(EXAMPLE), "--lang", "nl")
        assert code == 0
        assert "Wat te doen:" in out and ("WAARSCHUWING" in out or "FOUT" in out)
        assert _absent(out, "What to do", "WARNING (", "ERROR (", "INFO (") == []

    def test_validate(self) -> None:
        """`validate --lang nl`: the confirmation in Dutch."""
        code, out = invoke("validate", str(EXAMPLE), "--lang", "nl")
        assert code == 0 and f"{EXAMPLE}: geldig — " in out and "valid —" not in out

    def test_new_and_termsheet_messages(self, tmp_path: Path) -> None:
        """`new --lang nl` and `termsheet --lang nl -o` confirm in Dutch."""
        target = tmp_path / "werk.toml"
        code, out = invoke("new", "Werk", "--like", "tariff", "--lang", "nl", "-o", str(target))
        assert code == 0 and "om in te vullen; controleer het met: sibkit validate" in out
        sheet = tmp_path / "sheet.md"
        code, out = invoke("termsheet", str(target), "--lang", "nl", "--format", "md", "-o", str(sheet))
        assert code == 0 and f"Term sheet geschreven naar {sheet}" in out and "written to" not in out

    def test_output_refusal_in_dutch(self, tmp_path: Path) -> None:
        """A file that exists is refused (exit 2) in the command's language."""
        chart = tmp_path / "c.svg"
        chart.write_text("x", encoding="utf-8")
        code, out = invoke("sweep", str(SIB), "--chart", str(chart), "--lang", "nl")
        assert code == 2 and f"{chart}: het bestand bestaat al; gebruik --force om het te vervangen" in out


class TestEnglishStaysEnglish:
    def test_show_english_words(self) -> None:
        """Without --lang the same words are English: tranche types and codes in words, no Dutch."""
        code, out = invoke("show", str(SIB))
        assert code == 0
        assert "Capital structure" in out and "loan" in out and "impact fund" in out and "cohort change" in out
        assert _absent(out, "Kapitaalstructuur", "lening", "impact_fund", "cohort_change") == []


class TestLedgerLanguage:
    def test_dutch_table(self) -> None:
        """`ledger --lang nl`: Dutch headings, reasons and money; the contract's names as written."""
        code, out = invoke("ledger", str(SIB), "--lang", "nl")
        assert code == 0
        assert "Grootboek" in out and "reden" in out and "kapitaal opgenomen: senior" in out
        assert "€\u00a0" in out
        assert _absent(out, "Ledger", "capital drawn", "outcome payment", "interest:") == []

    def test_csv_stays_english(self) -> None:
        """The CSV is for machines: English reasons and plain decimals whatever --lang says."""
        code, out = invoke("ledger", str(SIB), "--csv", "--lang", "nl")
        assert code == 0
        assert out.splitlines()[0] == "month,date,from,to,amount,reason"
        assert "capital drawn: senior" in out


class TestMessagesInDutch:
    @pytest.mark.parametrize(
        ("args", "dutch"),
        [
            (["run", str(EXAMPLE), "--scenario", "midden"], "geen scenario 'midden' in dit contract; het heeft:"),
            (["termsheet", str(EXAMPLE), "--format", "pdf"], "een pdf-bestand vraagt om -o BESTAND.pdf"),
            (
                ["termsheet", str(EXAMPLE), "--format", "md", "-o", "x.pdf"],
                "verwacht een .md, .markdown of .txt-bestand voor --format md",
            ),
        ],
    )
    def test_usage_errors_in_the_commands_language(self, args: list[str], dutch: str) -> None:
        """A mistake on the command line that sibkit itself explains is explained in --lang."""
        code, out = invoke(*args, "--lang", "nl")
        assert code == 2 and dutch in out

    @pytest.mark.parametrize(
        ("args", "dutch"),
        [
            (
                ["run", str(EXAMPLE), "--success", "abc"],
                "Fout: Ongeldige waarde voor '--success': verwacht een getal van 0 tot en met 10, gekregen: 'abc'",
            ),
            (
                ["sweep", str(EXAMPLE), "--success", "1:0:3"],
                "het begin mag niet boven het eind liggen, gekregen: begin 1 en eind 0",
            ),
            (["run", str(EXAMPLE), "--bogus"], "Fout: Optie '--bogus' bestaat niet."),
            (["run"], "Fout: Ontbrekend argument 'FILE'."),
            (["new", "X", "--like", "tarif"], "Ongeldige waarde voor '--like': 'tarif' is niet een van"),
        ],
    )
    def test_clicks_frame_in_the_commands_language(self, args: list[str], dutch: str) -> None:
        """Click's own frame (``Usage:``, ``Error: Invalid value for …``) is written in --lang too, wherever
        --lang stands on the line, and the same line without it stays English."""
        code, out = invoke(*args, "--lang", "nl")
        assert code == 2 and dutch in out and "Gebruik:" in out
        assert "Usage:" not in out and "Error:" not in out
        code, out = invoke(*args)
        assert code == 2 and "Usage:" in out and "Gebruik:" not in out

    def test_a_contract_file_refused_in_dutch(self) -> None:
        """Every problem of a refused contract file, its header and its note in Dutch."""
        code, out = invoke("validate", str(ROOT / "tests" / "malformed" / "many-problems.toml"), "--lang", "nl")
        assert code == 2
        assert "many-problems.toml: 6 problemen" in out
        assert "verwacht een geheel getal, gekregen: het getal 1.9 @ $.providers[0].capacity" in out
        assert "verwacht true of false, gekregen: de tekst 'false' @ $.providers[0].prefinances_own_costs" in out
        assert (
            "(verwijzingen tussen onderdelen en totalen worden gecontroleerd zodra deze problemen zijn opgelost)" in out
        )
        assert _absent(out.replace("many-problems", ""), "expected", " got ", "problems", "references") == []

    def test_a_missing_file_in_dutch(self) -> None:
        """A refusal of the file as a whole: ``FILE: bestand bestaat niet``."""
        code, out = invoke("run", "nergens.toml", "--lang", "nl")
        assert code == 2 and out.strip() == "nergens.toml: bestand bestaat niet"


def _flat(text: str) -> str:
    """``text`` with Click's line wrapping undone, so a phrase can be looked for whole."""
    return " ".join(text.split())


class TestHelpInDutch:
    def test_command_help(self) -> None:
        """`run --help --lang nl`: the description, every option's help and the frame in Dutch."""
        code, out = invoke("run", "--help", "--lang", "nl")
        assert code == 0
        text = _flat(out)
        for dutch in (
            "Bereken wie wie betaalt volgens het contract in FILE: betalers, aanbieders, tranches.",
            "Reken alleen dit scenario door (standaard: elk scenario met een naam).",
            "(1.2 = 20% meer resultaten; aandelen tot hoogstens 100%).",
            "Taal van de tabellen. [standaard: en]",
            "Toon deze hulp en stop.",
        ):
            assert dutch in text
        english = ("Compute who pays whom", "Run only this", "Scale every", "Language of", "default:", "Show this")
        assert _absent(text, *english, "Usage:", "Options:") == []

    def test_group_help(self) -> None:
        """`sibkit --help --lang nl` (and `--lang nl --help`): the group's description, its options and the
        one-line summaries of its commands in Dutch."""
        for args in (("--help", "--lang", "nl"), ("--lang", "nl", "-h")):
            code, out = invoke(*args)
            assert code == 0
            text = _flat(out)
            for dutch in (
                "sibkit: contracten voor resultaatfinanciering (Social Impact Bonds) opzetten",
                "Toon de versie en stop.",
                "Opdrachten:",
                "ledger Elke geldbeweging in één scenario",
                "show Een leesbaar overzicht van het contract in FILE",
                "validate Controleer de contractbestanden FILES",
            ):
                assert dutch in text
            english = (
                "structure, compute",
                "Show the version",
                "Every movement",
                "A readable overview",
                "Check contract",
            )
            assert _absent(text, *english, "Commands:") == []

    def test_required_in_dutch(self) -> None:
        """Click's ``[required]`` is written by the catalogue too."""
        code, out = invoke("new", "--help", "--lang", "nl")
        assert code == 0 and "[verplicht]" in out and "required" not in out

    def test_the_groups_lang_is_the_commands(self) -> None:
        """`sibkit --lang nl run …` speaks Dutch throughout; the command's own --lang has the last word."""
        code, out = invoke("--lang", "nl", "run", str(EXAMPLE), "--scenario", "base")
        assert code == 0 and "resultaatbetalingen" in out and "outcome payments" not in out
        code, out = invoke("--lang", "nl", "run", str(EXAMPLE), "--scenario", "base", "--lang", "en")
        assert code == 0 and "outcome payments" in out and "resultaatbetalingen" not in out


class TestHelpStaysEnglish:
    def test_english_help_unchanged_by_a_dutch_one(self) -> None:
        """Without --lang the help is English, and the same before and after a Dutch help in the same process
        (the commands themselves are never translated, nor Click's help option it keeps)."""
        for args in (("run", "--help"), ("--help",), ("validate", "-h")):
            code, before = invoke(*args)
            assert code == 0
            invoke(*args, "--lang", "nl")
            invoke("validate", str(EXAMPLE), "--lang", "nl")
            code, after = invoke(*args)
            assert code == 0 and after == before
            assert "Usage:" in after and "Show this message and exit." in after
            assert _absent(after, "Gebruik", "Opties", "Toon ", "Taal van", "standaard") == []
        assert "Compute who pays whom for the contract in FILE" in _flat(invoke("--help")[1])
        assert "Run only this named scenario (default: every named scenario)." in _flat(invoke("run", "-h")[1])
