"""`sibkit show` and `sibkit explain` are complete: segment prices, the payer split, each fund contributor's charges
and each guarantee's payout, in English and Dutch.

The contract (tests/show_contracts/fund-guarantee-segments.toml) has round numbers, so every figure is worked out
here from its terms, not copied from the output:

* 100 participants, half 'Short on welfare', half 'Long on welfare'; the rate card pays €2,000 for work,
  €3,000 in the long segment. At a work rate r the outcomes earn 50·r·2,000 + 50·r·3,000 = r · €250,000.
* The outcomes fund pays 60%, the municipality 40%. The fund's contributors commit €120,000 and €40,000,
  so they carry 120/160 = 75% and 25% of what the fund pays.
* A €100,000 loan without interest is repaid from the outcome payments; the guarantee pays 50% of its
  shortfall, at most €40,000. Outcome payments beyond the €100,000 are not needed and go back to the payers.

Scenario 'none' (r = 0): nothing earned; shortfall €100,000, the guarantee pays 50% = €50,000, capped at €40,000.
Scenario 'low' (r = 0.2): €50,000 earned and all of it repays the loan: the fund €30,000 (the ministry 75%,
€22,500, which is 18.75% of its €120,000; the province €7,500), the municipality €20,000; shortfall €50,000,
the guarantee pays €25,000.
Scenario 'base' (r = 0.6): €150,000 earned: the fund is charged €90,000 (ministry €67,500 = 56.25% of its
commitment, province €22,500); the loan takes €100,000, so €50,000 goes back by the same shares: €30,000
to the fund (ministry €22,500, province €7,500) and €20,000 to the municipality. The payers pay €100,000
net: the fund €60,000 (60%), the municipality €40,000 (40%). The guarantee pays nothing.
"""

from __future__ import annotations

from click.testing import CliRunner

from sibkit.cli import main
from sibkit.load import load_contract
from sibkit.report.explain import explain

from conftest import ROOT

CONTRACT = ROOT / "tests" / "show_contracts" / "fund-guarantee-segments.toml"
NBSP = "\u00a0"


def _show(lang: str) -> str:
    result = CliRunner().invoke(main, ["show", str(CONTRACT), "--lang", lang], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return result.output


def _row(text: str, label: str) -> list[str]:
    """The cells after ``label`` in the table row that starts with it."""
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} in:\n{text}")


def _nl(text: str) -> str:
    """Dutch money as Babel writes it: a no-break space after the euro sign."""
    return text.replace("€ ", "€" + NBSP)


class TestShow:
    def test_segment_prices_and_mix(self) -> None:
        out = _show("en")
        assert "€2,000.00 once per participant (€3,000.00 in segment 'Long on welfare')" in out
        assert "participants by difficulty segment: 50% 'Short on welfare', 50% 'Long on welfare'" in out

    def test_payer_split(self) -> None:
        out = _show("en")
        assert "fonds 60%, gemeente 40%" in out
        assert _row(out, "Outcome payments, VAT excluded") == ["€0.00", "€50,000.00", "€100,000.00"]
        assert _row(out, "Outcomes fund: outcome payments") == ["€0.00", "€30,000.00 (60%)", "€60,000.00 (60%)"]
        assert _row(out, "Municipality: outcome payments") == ["€0.00", "€20,000.00 (40%)", "€40,000.00 (40%)"]

    def test_contributors_charges(self) -> None:
        out = _show("en")
        assert "commits €120,000.00, carries 75% of the fund's payments" in out
        assert "commits €40,000.00, carries 25% of the fund's payments" in out
        assert _row(out, "Ministry: charged, of its commitment of €120,000.00") == [
            "€0.00 (0%)",
            "€22,500.00 (18.75%)",
            "€67,500.00 (56.25%)",
        ]
        assert _row(out, "Province: charged, of its commitment of €40,000.00") == [
            "€0.00 (0%)",
            "€7,500.00 (18.75%)",
            "€22,500.00 (56.25%)",
        ]
        assert _row(out, "Ministry: gets back") == ["€0.00", "€0.00", "€22,500.00"]

    def test_guarantee_and_its_payout(self) -> None:
        out = _show("en")
        assert "covers 50% of the loss on senior" in out
        assert _row(out, "Guarantee borg (Foundation): paid to senior") == ["€40,000.00", "€25,000.00", "€0.00"]

    def test_dutch(self) -> None:
        out = _show("nl")
        assert _nl("€ 2.000,00 eenmaal per deelnemer (€ 3.000,00 in zwaartesegment 'Lang in de bijstand')") in out
        assert "deelnemers per zwaartesegment: 50% 'Kort in de bijstand', 50% 'Lang in de bijstand'" in out
        assert _nl("legt € 120.000,00 in, draagt 75% van de betalingen van het fonds") in out
        assert _row(out, "Resultatenfonds: resultaatbetalingen") == [
            _nl("€ 0,00"),
            _nl("€ 30.000,00 (60%)"),
            _nl("€ 60.000,00 (60%)"),
        ]
        assert _row(out, "Gemeente: resultaatbetalingen") == [
            _nl("€ 0,00"),
            _nl("€ 20.000,00 (40%)"),
            _nl("€ 40.000,00 (40%)"),
        ]
        assert _row(out, _nl("Ministerie: betaalt, van een inleg van € 120.000,00")) == [
            _nl("€ 0,00 (0%)"),
            _nl("€ 22.500,00 (18,75%)"),
            _nl("€ 67.500,00 (56,25%)"),
        ]
        assert "dekt 50% van het verlies op senior" in out
        assert _row(out, "Garantie borg (Foundation): betaald aan senior") == [
            _nl("€ 40.000,00"),
            _nl("€ 25.000,00"),
            _nl("€ 0,00"),
        ]


class TestExplain:
    def test_english(self) -> None:
        text = explain(load_contract(CONTRACT), "en")
        assert "'Work' €2,000.00 (€3,000.00 in segment 'Long on welfare') once" in text
        assert "Coach's participants by difficulty segment: 50% 'Short on welfare', 50% 'Long on welfare'." in text
        assert "Paid by Outcomes fund (60%) and Municipality (40%)." in text
        assert (
            "- Ministry commits €120,000.00 and carries 75% of the fund's payments: it is charged €0.00 in 'none', "
            "€22,500.00 in 'low' and €67,500.00 in 'base'. The fund gives back what it did not need: €0.00 in "
            "'none', €0.00 in 'low' and €22,500.00 in 'base'."
        ) in text
        assert (
            "- Province commits €40,000.00 and carries 25% of the fund's payments: it is charged €0.00 in 'none', "
            "€7,500.00 in 'low' and €22,500.00 in 'base'."
        ) in text
        assert (
            "- Foundation guarantees 50% of the loss on senior, up to €40,000.00. The guarantor pays €40,000.00 in "
            "'none', €25,000.00 in 'low' and €0.00 in 'base'."
        ) in text

    def test_dutch(self) -> None:
        text = explain(load_contract(CONTRACT), "nl")
        assert _nl("'Werk' € 2.000,00 (€ 3.000,00 in zwaartesegment 'Lang in de bijstand') eenmalig") in text
        assert "Deelnemers van Coach per zwaartesegment: 50% 'Kort in de bijstand', 50% 'Lang in de bijstand'." in text
        assert "Betaald door Resultatenfonds (60%) en Gemeente (40%)." in text
        assert _nl(
            "- Ministerie legt € 120.000,00 in en draagt 75% van de betalingen van het fonds: het betaalt € 0,00 in "
            "'none', € 22.500,00 in 'low' en € 67.500,00 in 'base'."
        ) in text
        assert _nl(
            "- Foundation garandeert 50% van het verlies op senior, tot € 40.000,00. De garantsteller betaalt "
            "€ 40.000,00 in 'none', € 25.000,00 in 'low' en € 0,00 in 'base'."
        ) in text
