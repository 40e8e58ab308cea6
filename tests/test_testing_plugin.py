"""sibkit.testing for users: strategies, the Hypothesis entry point, ready-made properties."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sibkit.model import Contract
from sibkit.testing import properties
from sibkit.testing import strategies as sst


class TestEntryPoint:
    @pytest.mark.parametrize(
        "first_import",
        ["import sibkit.testing", "from sibkit.testing import strategies", "import sibkit.testing.properties"],
    )
    def test_first_import_of_a_fresh_interpreter(self, first_import: str) -> None:
        """`import sibkit.testing` works as the very first import (the entry-point hook used to import the
        half-initialised strategies module and fail), and from_type(Contract) then draws contracts."""
        code = (
            f"{first_import}\n"
            "from hypothesis import given, settings, strategies as st\n"
            "from sibkit.model import Contract\n"
            "@settings(max_examples=2, database=None)\n"
            "@given(st.from_type(Contract))\n"
            "def t(c): assert isinstance(c, Contract)\n"
            "t()\n"
            "print('ok')\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "ok"

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
