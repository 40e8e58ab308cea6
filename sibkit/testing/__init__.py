"""Hypothesis strategies and ready property functions for outcome contracts.

``sibkit.testing.strategies`` generates valid contracts, scenarios and outcome
vectors; ``sibkit.testing.properties`` holds properties every sane payout rule
should have. See ``docs/property-testing.md``.
"""

from sibkit.testing import strategies

__all__ = ["strategies"]
