"""Hypothesis plugin hook: after ``pip install sibkit``, ``st.from_type(Contract)`` generates valid contracts.

Hypothesis calls ``_hypothesis_setup_hook`` through the ``hypothesis`` entry point declared in
``pyproject.toml``, the way third-party strategy packages register themselves.
"""

from __future__ import annotations

from hypothesis import strategies as st

from sibkit.model import Contract


def _contracts() -> st.SearchStrategy[Contract]:
    # Imported when a contract is first drawn, not when the hook runs: Hypothesis runs the hook while
    # it is itself being imported, which may be in the middle of importing sibkit.testing.strategies
    # (``import sibkit.testing`` as a fresh interpreter's first import), and importing it again then
    # fails on the partially initialised module.
    from sibkit.testing.strategies import contracts

    return contracts()


def _hypothesis_setup_hook() -> None:
    st.register_type_strategy(Contract, st.deferred(_contracts))
