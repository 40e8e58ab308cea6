"""`sibkit explain`: the money flow in plain language, with the engine's figures."""

from __future__ import annotations

from click.testing import CliRunner

from sibkit.cli import main
from sibkit.load import load_contract
from sibkit.report.explain import explain

from conftest import EXAMPLE, ROOT


class TestExplain:
    def test_pilot_in_dutch(self) -> None:
        """The pilot in Dutch: who pays, the tariff split, the expected €333,900 of €630,000, and Dreamfabryk's
        cash falling to €-51,650 in month 13."""
        text = explain(load_contract(EXAMPLE), "nl")
        assert "Wijkbedrijf Bilgaard en Dreamfabryk voeren het werk uit" in text
        assert "70% voor 'Individueel resultaat'" in text
        assert "€\u00a0333.900,00" in text
        assert "€\u00a0-51.650,00 (maand 13)" in text

    def test_investor_deal_in_english(self) -> None:
        """A SIB: each tranche's money in and back in the expected scenario, and the guarantee with what it pays in
        each scenario: in 'low' (5%, under the 10% threshold) nothing is paid, the senior loan loses its €60,000 and
        the guarantee pays it up to its €30,000; in 'mid' and 'base' the senior loan is repaid."""
        text = explain(load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"), "en")
        assert "bank (loan 'senior', seniority 1) puts in €60,000.00 and gets back €73,800.00" in text
        assert (
            "Foundation guarantees up to €30,000.00 of the loss on senior. The guarantor pays €30,000.00 in 'low', "
            "€0.00 in 'mid' and €0.00 in 'base'."
        ) in text

    def test_cli(self) -> None:
        """`sibkit explain FILE --lang nl` prints the same text."""
        result = CliRunner().invoke(main, ["explain", str(EXAMPLE), "--lang", "nl"])
        assert result.exit_code == 0 and result.stdout == explain(load_contract(EXAMPLE), "nl")


class TestWhatAFundPassesOn:
    def test_money_given_back_is_not_counted_as_passed_on(self) -> None:
        """The Fair Chance Fund's contributors pay in £2.5m and the fund gives £500,000 back to them at settlement:
        it passes £2m on, not £2.5m (the sentence counted the give-back as passed on to the providers)."""
        text = explain(load_contract(ROOT / "contracts" / "uk-rate-card.toml"), "en")
        assert (
            "- Fair Chance Fund passes £2,000,000.00 from its contributors on to the providers and gives the "
            "£500,000.00 it did not need back to them." in text
        )
        dutch = explain(load_contract(ROOT / "contracts" / "uk-rate-card.toml"), "nl")
        assert "en geeft de £\xa0500.000,00 die het niet nodig had aan hen terug." in dutch

    def test_a_fund_that_needs_all_of_it_passes_it_all_on(self) -> None:
        text = explain(load_contract(EXAMPLE), "en")
        assert "- Resultatenfonds Leeuwarden Oost passes €333,900.00 from its contributors on to the providers." in text
