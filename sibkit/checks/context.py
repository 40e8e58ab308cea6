"""Engine results the checks share, computed once and only when a check asks for them.

A ``Context`` holds what several checks read about one contract at one expected scenario: that scenario's
deterministic batch (``batch``) and the one at half its success (``low``'s), the results of running them
(``base``, ``low``), participants per provider and segment (``enrolled``), the maximum payment. Each is
computed on first use, from the same inputs as a check computing it itself would use, so a check gives the
same findings whichever of them another check asked for first.

Many contexts of one contract (the what-if page checks many expected scenarios of each contract variant) may
share a ``Runs``: the engine's results of that contract by deterministic batch, so that a batch two contexts
both run (the half success of one scenario is often another's full success) runs once. The engine is a
function of the contract and the batch, so the results are the same as if each context had run it.

A ``Runs`` may also run many batches at once, each scenario of that run being what that batch alone gives
(``Flows.row``): the expected and low-success batches of many contexts (``prepare``: their providers'
results, ``Context.low_providers``, and their full results, ``Context.base`` and ``Context.low``), and the
non-monotone check's probes, of which only the payments are read (``prepare_payments``, ``Context.payments``).
When the batches cannot be run together (a different outcome timing, or the combined run fails), each is run
alone when asked for, as without ``Runs``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cached_property

import attrs

from sibkit.engine.batch import Batch, deterministic_batch, scenario_row, stack
from sibkit.engine.maximum import MaximumPayment, composition, maximum_payment
from sibkit.engine.results import ProviderResults, Results, provider_results, results
from sibkit.engine.run import default_scenario, run_scenarios
from sibkit.engine.waterfall import I64, Flows, run_batch
from sibkit.errors import EngineError
from sibkit.model import Contract, Scenario

__all__ = ["LOW_SUCCESS", "Context", "Payments", "Runs", "enrolled_counts"]

LOW_SUCCESS = Decimal("0.5")
"""The success factor of ``Context.low``: half the expected success (a bad but plausible year)."""


def enrolled_counts(contract: Contract, batch: Batch) -> dict[tuple[str, str | None], int]:
    """Participants enrolled in scenario 0 of ``batch`` per ``(provider, segment)`` (segment ``None`` without
    segments), over the whole term."""
    totals = batch.enrolled[0].sum(axis=0)  # (P, S)
    segments: tuple[str | None, ...] = tuple(s.id for s in contract.segments) or (None,)
    return {
        (prov.id, seg): int(totals[p, s]) for p, prov in enumerate(contract.providers) for s, seg in enumerate(segments)
    }


def _key(batch: Batch) -> tuple[object, ...]:
    """The contents of ``batch``, exactly (shapes, dtypes and bytes of each array): equal keys, equal batches."""
    arrays = (batch.enrolled, batch.achieved, batch.units, batch.offset, batch.improvement)
    return tuple((a.shape, a.dtype.str, a.tobytes()) for a in arrays)


@attrs.frozen(kw_only=True, eq=False)
class Payments:
    """What each scenario of a batch pays and is paid (``run_batch(contract, batch, detail=False)``): only
    arrays whose rows depend on their own scenario alone, so rows of a run of many batches together are the
    run of each alone."""

    payer_paid: I64
    """(N, T, K) outcome payments by each payer, VAT excluded (``Flows.payer_paid``)."""
    provider_revenue: I64
    """(N, P) what each provider received (``Flows.provider_revenue``)."""
    tranche_cash: I64
    """(N, T, J) each tranche's cash flow seen by its investor (``Flows.tranche_cash``)."""

    @classmethod
    def of(cls, flows: Flows, start: int = 0, stop: int | None = None) -> Payments:
        """Scenarios ``start`` up to ``stop`` (default: all) of ``flows``."""
        return cls(
            payer_paid=flows.payer_paid[start:stop],
            provider_revenue=flows.provider_revenue[start:stop],
            tranche_cash=flows.tranche_cash[start:stop],
        )


class Runs:
    """The results of ``contract`` by deterministic batch, each batch run once however many contexts ask
    (``sibkit.engine.run_scenarios``: ``results(contract, run_batch(contract, batch), maximum=…)``).

    The results are shared: a check reads them and never changes them (as it already shares a context's
    results with the other checks).

    ``prepare`` runs many batches at once: each one's providers' results are rows of the results of that run
    (``Context.low_providers``), and each one's full results, when asked for, are computed from its rows of
    that run's flows (``Flows.row``). The engine computes every scenario of a batch on its own (a row of each
    array depends on that scenario only: Monte Carlo and the what-if grid's figures rest on it too, and
    ``sibkit.testing.properties.vectorised_equals_scalar`` tests it), so a row equals the run of that batch
    alone, its ledger included."""

    def __init__(self, contract: Contract, *, maximum: MaximumPayment) -> None:
        self.contract = contract
        self.maximum = maximum
        self._done: dict[tuple[object, ...], Results] = {}
        self._providers: dict[tuple[object, ...], tuple[ProviderResults, ...]] = {}
        self._flows: dict[tuple[object, ...], Flows] = {}
        self._payments: dict[tuple[object, ...], Payments] = {}

    def prepare(self, batches: Sequence[Batch]) -> None:
        """Run the ``batches`` (each of one scenario) not yet run in one engine run, keeping each one's
        providers' results and its flows (rows of that run)."""
        together = self._together(batches, (self._done, self._flows), detail=True)
        if together is None:
            return
        todo, flows = together
        providers = provider_results(self.contract, flows)
        for i, (key, batch) in enumerate(todo.items()):
            self._providers[key] = tuple(scenario_row(provider, i) for provider in providers)
            self._flows[key] = flows.row(i, batch=batch)

    def prepare_payments(self, batches: Sequence[Batch]) -> None:
        """Run the ``batches`` (each of any number of scenarios) not yet run without detail in one engine run
        (``detail=False``), keeping each one's ``Payments`` (its rows of that run)."""
        together = self._together(batches, (self._payments,), detail=False)
        if together is None:
            return
        todo, flows = together
        start = 0
        for key, batch in todo.items():
            self._payments[key] = Payments.of(flows, start, start + batch.n)
            start += batch.n

    def _together(
        self, batches: Sequence[Batch], known: tuple[Mapping[tuple[object, ...], object], ...], *, detail: bool
    ) -> tuple[dict[tuple[object, ...], Batch], Flows] | None:
        """The ``batches`` whose key none of ``known`` holds, once each, and their one engine run (stacked in
        that order); None when fewer than two are left, or when they cannot be run together (a different
        outcome timing, or a combined run that fails): each is then run alone when asked for."""
        todo: dict[tuple[object, ...], Batch] = {}
        for batch in batches:
            key = _key(batch)
            if not any(key in cache for cache in known):
                todo.setdefault(key, batch)
        if len(todo) < 2:
            return None
        try:
            return todo, run_batch(self.contract, stack(list(todo.values())), detail=detail)
        except (ValueError, EngineError):
            return None

    def payments(self, batch: Batch) -> Payments:
        """The ``Payments`` of running ``batch`` on the contract without detail."""
        key = _key(batch)
        got = self._payments.get(key)
        if got is None:
            got = self._payments[key] = Payments.of(run_batch(self.contract, batch, detail=False))
        return got

    def providers(self, batch: Batch) -> tuple[ProviderResults, ...]:
        """The providers' results of running ``batch`` (N = 1) on the contract."""
        key = _key(batch)
        done = self._done.get(key)
        if done is not None:
            return done.providers
        prepared = self._providers.get(key)
        return prepared if prepared is not None else self.results(batch).providers

    def results(self, batch: Batch) -> Results:
        """The results of running ``batch`` (N = 1) on the contract."""
        key = _key(batch)
        got = self._done.get(key)
        if got is None:
            flows = self._flows.pop(key, None)
            if flows is None:
                flows = run_batch(self.contract, batch)
            got = self._done[key] = results(self.contract, flows, maximum=self.maximum)
        return got


class Context:
    """Lazily computed results of ``contract`` for checks (the base scenario, low success, the maximum).

    ``scenario``: the scenario to treat as expected instead of the contract's default one (the what-if
    page checks many scenarios against one contract). ``scenario_read`` says whether a check asked for the
    expected scenario or its results since it was last set to ``False``: a check that did not gives the
    same findings whatever the expected scenario is.

    For a caller that checks many scenarios of one contract (``sibkit.report.whatif``): ``batches``, the
    deterministic batches of the expected scenario at full and at ``LOW_SUCCESS`` success if it already has
    them (they must equal ``deterministic_batch(contract, scenario)`` and ``deterministic_batch(contract,
    scenario, LOW_SUCCESS)``); ``runs``, results of ``contract`` shared with other contexts (``Runs``).
    """

    def __init__(
        self,
        contract: Contract,
        *,
        maximum: MaximumPayment | None = None,
        scenario: Scenario | None = None,
        batches: tuple[Batch, Batch] | None = None,
        runs: Runs | None = None,
    ) -> None:
        self.contract = contract
        self.scenario_read = False
        self._expected = scenario
        if runs is not None and runs.contract is not contract:
            raise ValueError("a context's shared runs must be of its own contract")
        self._runs = runs
        if maximum is not None:  # already computed by the caller (the term sheet): not computed again
            self.maximum = maximum
        elif runs is not None:
            self.maximum = runs.maximum
        if batches is not None:
            self._batch, self._low_batch = batches

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
    def batch(self) -> Batch:
        """The deterministic batch of the expected scenario (``deterministic_batch``, N = 1)."""
        self.scenario_read = True
        return self._batch

    @cached_property
    def _batch(self) -> Batch:
        return deterministic_batch(self.contract, self._scenario)

    @cached_property
    def _low_batch(self) -> Batch:
        return deterministic_batch(self.contract, self._scenario, LOW_SUCCESS)

    @property
    def enrolled(self) -> dict[tuple[str, str | None], int]:
        """Participants enrolled in the expected scenario per ``(provider, segment)`` (``enrolled_counts``)."""
        self.scenario_read = True
        return self._enrolled

    @cached_property
    def _enrolled(self) -> dict[tuple[str, str | None], int]:
        return enrolled_counts(self.contract, self._batch)

    @property
    def base(self) -> Results:
        """Results of the expected scenario (N = 1)."""
        self.scenario_read = True
        return self._base

    @cached_property
    def _base(self) -> Results:
        return self._run(self._batch)

    @property
    def low(self) -> Results:
        """Results at half the expected success (a bad but plausible year)."""
        self.scenario_read = True
        return self._low

    @cached_property
    def _low(self) -> Results:
        return self._run(self._low_batch)

    @property
    def low_providers(self) -> tuple[ProviderResults, ...]:
        """``low.providers``: the providers' results at half the expected success (from a run of many
        contexts' low batches together, when their shared ``Runs`` prepared them)."""
        self.scenario_read = True
        if self._runs is not None and "_low" not in self.__dict__:
            return self._runs.providers(self._low_batch)
        return self._low.providers

    def payments(self, batch: Batch) -> Payments:
        """The ``Payments`` of running ``batch`` (any number of scenarios) on the contract without detail (from a
        run of many contexts' batches together, when their shared ``Runs`` prepared them)."""
        if self._runs is not None:
            return self._runs.payments(batch)
        return Payments.of(run_batch(self.contract, batch, detail=False))

    def _run(self, batch: Batch) -> Results:
        """The engine's results of ``batch`` (``run_scenarios``), shared through ``Runs`` when given."""
        if self._runs is not None:
            return self._runs.results(batch)
        return run_scenarios(self.contract, batch, maximum=self.maximum)

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
