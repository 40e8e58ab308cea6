"""sibkit.testing for users: strategies, the Hypothesis entry point, ready-made properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sibkit.model import Contract
from sibkit.testing import properties
from sibkit.testing import strategies as sst


class TestEntryPoint:
    @given(st.from_type(Contract))
    def test_from_type_builds_valid_contracts(self, contract: Contract) -> None:
        """After installation, Hypothesis finds sibkit's strategy for Contract through its entry point."""
        assert isinstance(contract, Contract)
        assert contract.rules and contract.payers and contract.providers


class TestReadyProperties:
    @given(st.data())
    def test_users_can_check_their_own_contract(self, data: st.DataObject) -> None:
        """A user's property test in a few lines: any generated contract conserves money and pays nothing
        for failure."""
        contract = data.draw(sst.contracts())
        batch = data.draw(sst.batches(contract, 2))
        properties.conservation(contract, batch)
        properties.no_reward_for_failure(contract, batch)
