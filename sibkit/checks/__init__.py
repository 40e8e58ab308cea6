"""Perverse-incentive checks: pure functions of a contract (and its engine results) returning findings.

Each check lives in its own module and registers itself in ``REGISTRY`` with the
``register`` decorator; ``run_checks`` runs them all. Thresholds are keyword
parameters with documented defaults (see ``docs/checks.md``).
"""

from __future__ import annotations

from collections.abc import Callable

from sibkit.checks.context import Context
from sibkit.checks.finding import SEVERITIES, Check, Finding, Severity
from sibkit.engine.maximum import MaximumPayment
from sibkit.model import Contract

__all__ = [
    "REGISTRY",
    "SEVERITIES",
    "Check",
    "Context",
    "Finding",
    "Severity",
    "order_findings",
    "register",
    "registered",
    "run_checks",
]

REGISTRY: dict[str, Check] = {}
"""Every check by code, in registration order."""


def register(code: str, name: str) -> Callable[[Callable[..., list[Finding]]], Callable[..., list[Finding]]]:
    """Decorator: add a check function ``f(contract, context, **thresholds) -> list[Finding]``."""

    def add(fn: Callable[..., list[Finding]]) -> Callable[..., list[Finding]]:
        if code in REGISTRY:
            raise ValueError(f"check code {code} is registered twice")
        REGISTRY[code] = Check(code=code, name=name, run=fn)
        return fn

    return add


def run_checks(contract: Contract, *, maximum: MaximumPayment | None = None) -> list[Finding]:
    """Every registered check's findings, most severe first, then by code (``maximum``: the contract's
    maximum payment, if the caller already has it)."""
    context = Context(contract, maximum=maximum)
    found: list[Finding] = []
    for check in registered():
        found.extend(check.run(contract, context))
    return order_findings(found)


def registered() -> tuple[Check, ...]:
    """Every check, in registration order (each check module imported, so that it registers itself)."""
    _load_all()
    return tuple(REGISTRY.values())


def order_findings(found: list[Finding]) -> list[Finding]:
    """``found`` (in the order the checks ran) as ``run_checks`` gives them: most severe first, then by code
    and path; findings that tie keep their order."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(found, key=lambda f: (-order[f.severity], f.code, f.path))


def _load_all() -> None:
    """Import every check module so that it registers itself."""
    import importlib
    import pkgutil

    import sibkit.checks as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in ("finding", "context"):
            importlib.import_module(f"sibkit.checks.{info.name}")
