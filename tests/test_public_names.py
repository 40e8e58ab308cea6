"""Every public module says what it exports, as Hypothesis asserts for its own: ``__all__`` lists exactly
the public names the module defines (functions, classes and constants not starting with ``_``), so a new
function is not silently left out of the documented surface, and nothing is listed that does not exist."""

from __future__ import annotations

import importlib
import inspect
import types

import pytest

MODULES = [
    "sibkit.testing.strategies",
    "sibkit.testing.properties",
    "sibkit.checks.search",
    "sibkit.engine.accounts",
    "sibkit.sweep",
    "sibkit.load",
]


def _defined_here(module: types.ModuleType) -> set[str]:
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        defined = inspect.isfunction(value) or inspect.isclass(value)
        if defined and getattr(value, "__module__", None) == module.__name__:
            names.add(name)
    return names


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    listed = set(module.__all__)
    assert all(hasattr(module, n) for n in listed), sorted(n for n in listed if not hasattr(module, n))
    missing = _defined_here(module) - listed
    assert not missing, f"{name} defines public names not in __all__: {sorted(missing)}"


def test_strategies_lists_its_strategies_and_the_choices_they_take() -> None:
    """``sibkit.testing.strategies`` lists exactly its strategies and the constants that name the choices their
    arguments take (``METRIC_KINDS``, ``TRANCHE_KINDS``, ...), and each strategy says what it draws."""
    module = importlib.import_module("sibkit.testing.strategies")
    constants = {n for n, v in vars(module).items() if n.isupper() and not n.startswith("_") and isinstance(v, tuple)}
    assert set(module.__all__) == _defined_here(module) | constants
    assert all(inspect.getdoc(getattr(module, n)) for n in _defined_here(module))
