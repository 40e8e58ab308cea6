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
