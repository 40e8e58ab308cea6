"""Load → save → load gives an equal contract, for every generated contract (Hypothesis)."""

from __future__ import annotations

from hypothesis import given

from sibkit.load import dumps, loads
from sibkit.model import Contract
from sibkit.testing import strategies as sst


class TestRoundTrip:
    @given(sst.contracts())
    def test_toml_round_trip(self, contract: Contract) -> None:
        """Writing a contract to TOML and reading it back gives an equal contract."""
        assert loads(dumps(contract, fmt="toml"), fmt="toml") == contract

    @given(sst.contracts())
    def test_json_round_trip(self, contract: Contract) -> None:
        """Writing a contract to JSON and reading it back gives an equal contract."""
        assert loads(dumps(contract, fmt="json"), fmt="json") == contract

    @given(sst.contracts())
    def test_saving_twice_gives_the_same_text(self, contract: Contract) -> None:
        """The written form is stable: saving the re-read contract gives the same TOML text."""
        text = dumps(contract, fmt="toml")
        assert dumps(loads(text), fmt="toml") == text
