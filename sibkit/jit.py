"""Compiled loops: Numba's ``njit`` with on-disk caching, typed for mypy.

The engine's inner loops that cannot be written as a few whole-array operations
(the spread of counts over months, the IRR root finder) are compiled to machine
code. Compilation happens once per machine: ``cache=True`` keeps the machine code
beside the module (or in Numba's user cache when that folder is read-only), so
later processes, Monte Carlo workers included, load it in milliseconds.

Compiled functions take and return NumPy arrays and plain numbers only; they are
private to their module, with a documented Python function in front.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

__all__ = ["jit"]

F = TypeVar("F", bound=Callable[..., Any])


def jit(fn: F) -> F:
    """Compile ``fn`` with Numba (no Python objects inside, cached on disk, releases the GIL)."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))
