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
    """Lazily computed results of ``contract`` for checks (the base scenario, low success, the maximum).

    ``scenario``: the scenario to treat as expected instead of the contract's default one (the what-if
    page checks many scenarios against one contract). ``scenario_read`` says whether a check asked for the
    expected scenario or its results since it was last set to ``False``: a check that did not gives the
    same findings whatever the expected scenario is.
    """

    def __init__(
        self, contract: Contract, *, maximum: MaximumPayment | None = None, scenario: Scenario | None = None
    ) -> None:
        self.contract = contract
        self.scenario_read = False
        self._expected = scenario
        if maximum is not None:  # already computed by the caller (the term sheet): not computed again
            self.maximum = maximum

    @property
    def scenario(self) -> Scenario:
        """The scenario checks treat as expected: the one given, else ``base``, or the first one, or every
        outcome achieved."""
        self.scenario_read = True
        return self._scenario

    @cached_property
    def _scenario(self) -> Scenario:
        return default_scenario(self.contract) if self._expected is None else self._expected

    @property
    def base(self) -> Results:
        """Results of the expected scenario (N = 1)."""
        self.scenario_read = True
        return self._base

    @cached_property
    def _base(self) -> Results:
        return run(self.contract, self._scenario, maximum=self.maximum)

    @property
    def low(self) -> Results:
        """Results at half the expected success (a bad but plausible year)."""
        self.scenario_read = True
        return self._low

    @cached_property
    def _low(self) -> Results:
        return run(self.contract, self._scenario, success=Decimal("0.5"), maximum=self.maximum)

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
