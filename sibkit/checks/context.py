"""Engine results the checks share, computed once and only when a check asks for them."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property

from sibkit.engine.maximum import MaximumPayment, composition, maximum_payment
from sibkit.engine.results import Results
from sibkit.engine.run import default_scenario, run
from sibkit.model import Contract, Scenario

__all__ = ["Context"]


class Context:
    """Lazily computed results of ``contract`` for checks (the base scenario, low success, the maximum)."""

    def __init__(self, contract: Contract, *, maximum: MaximumPayment | None = None) -> None:
        self.contract = contract
        if maximum is not None:  # already computed by the caller (the term sheet): not computed again
            self.maximum = maximum

    @cached_property
    def scenario(self) -> Scenario:
        """The scenario checks treat as expected: ``base``, or the first one, or every outcome achieved."""
        return default_scenario(self.contract)

    @cached_property
    def base(self) -> Results:
        """Results of the expected scenario (N = 1)."""
        return run(self.contract, self.scenario, maximum=self.maximum)

    @cached_property
    def low(self) -> Results:
        """Results at half the expected success (a bad but plausible year)."""
        return run(self.contract, self.scenario, success=Decimal("0.5"), maximum=self.maximum)

    @cached_property
    def maximum(self) -> MaximumPayment:
        """The maximum potential outcome payment."""
        return maximum_payment(self.contract)

    def maximum_lines(self) -> list[tuple[str, int, str, str]]:
        """``(metric, cents, provider, rule)`` per payment line: how the maximum payment is made up
        (``sibkit.engine.maximum.composition``)."""
        return self._maximum_lines

    @cached_property
    def _maximum_lines(self) -> list[tuple[str, int, str, str]]:
        return composition(self.contract, maximum=self.maximum)
