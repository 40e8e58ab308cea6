"""Hypothesis plugin hook: after ``pip install sibkit``, ``st.from_type(Contract)`` generates valid contracts.

Hypothesis calls ``_hypothesis_setup_hook`` through the ``hypothesis`` entry point declared in
``pyproject.toml``, the way third-party strategy packages register themselves.
"""

from __future__ import annotations

from hypothesis import strategies as st

from sibkit.model import Contract


def _hypothesis_setup_hook() -> None:
    from sibkit.testing.strategies import contracts

    st.register_type_strategy(Contract, contracts())
