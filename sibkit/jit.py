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

import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

__all__ = ["compiled", "jit", "jit_loop", "jit_step"]

F = TypeVar("F", bound=Callable[..., Any])


def jit(fn: F) -> F:
    """Compile ``fn`` with Numba (no Python objects inside, cached on disk, releases the GIL)."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


def jit_loop(fn: F) -> F:
    """Like ``jit``, without Numba's reference counting of arrays: for the month loop of the engine and
    the helpers it calls, which only index arrays they are given and never allocate one.

    Numba counts references to every array a compiled function is passed, with atomic operations that
    its optimiser cannot always remove; in a loop that runs a few dozen small steps per scenario and
    month, they took nine tenths of the time. Without them, the function must not create arrays
    (``np.zeros``, ``np.empty``, copies): the caller passes scratch space. Should a Numba release no
    longer accept the switch, this falls back to ``jit`` (same results, slower).
    """
    if not _NRT_SWITCH:  # pragma: no cover - depends on the Numba release
        return jit(fn)
    options = {"_nrt": False}  # not in Numba's typed signature of ``njit``
    return cast(F, cast(Any, numba.njit)(cache=True, nogil=True, **options)(fn))


def jit_step(fn: F) -> F:
    """Like ``jit_loop``, for one step of a compiled loop: Numba inlines it into its caller before compiling.

    Numba passes a record (a named tuple of arrays) as one argument per field of every array, a few
    hundred for the month loop's records; a step that LLVM does not inline would copy them all on every
    call. Inlined, the step costs nothing, and the loop can still be read and tested step by step.
    """
    if not _NRT_SWITCH:  # pragma: no cover - depends on the Numba release
        return cast(F, numba.njit(cache=True, nogil=True, inline="always")(fn))
    options = {"_nrt": False}
    return cast(F, cast(Any, numba.njit)(cache=True, nogil=True, inline="always", **options)(fn))


def _knows_nrt_switch() -> bool:
    """Whether this Numba release accepts ``_nrt`` (it checks options only when it compiles)."""
    try:
        from numba.core.cpu import CPUTargetOptions
    except ImportError:  # pragma: no cover - depends on the Numba release
        return False
    return hasattr(CPUTargetOptions, "_nrt")


_NRT_SWITCH = _knows_nrt_switch()


def compiled(*functions: Callable[..., Any]) -> bool:
    """Whether Numba's on-disk cache already holds machine code for each of ``functions`` (compiled
    functions of sibkit), so the next call starts at once rather than compiling first.

    Best effort, for telling a user why the first run on a machine takes longer: it reads where
    Numba keeps its cache index, and answers True when it cannot tell.
    """
    for fn in functions:
        try:
            index = fn._cache._cache_file._index_path  # type: ignore[attr-defined]
        except AttributeError:
            return True
        if not os.path.exists(index):
            return False
    return True
