"""Work spread over a few forked processes, results in input order, memory bounded.

The streamed stages (demo world blocks, OpenAlex chunks, the geocoder's chunks and fuzzy
queries) run the same function on many independent pieces. :func:`ordered_map` runs it in
``workers`` forked processes with at most ``2 * workers`` pieces in flight, and yields the
results in the order of the pieces, so that the output does not depend on ``workers``.

Forked workers see the parent's memory as it was when the pool started (copy on write):
large read-only state (a gazetteer, a matched key table) is set up in the parent before
:func:`ordered_map` and read by ``fn`` from a module global (:func:`shared`), instead of
being pickled with every piece.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["available_workers", "ordered_map", "shared"]

T = TypeVar("T")
R = TypeVar("R")

#: read-only state for the forked workers, by name (set by :func:`ordered_map`'s caller)
_SHARED: dict[str, Any] = {}


def shared(name: str, value: Any = None) -> Any:
    """Set (with ``value``) or get the read-only state ``name`` the workers inherit."""
    if value is not None:
        _SHARED[name] = value
    return _SHARED[name]


def available_workers(requested: int) -> int:
    """``requested`` worker processes, at least 1, at most the CPUs this process may use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(int(requested), cpus))


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int,
                in_flight: int | None = None) -> Iterator[R]:
    """``map(fn, items)`` over ``workers`` forked processes (in this process when
    ``workers`` <= 1), results in the order of ``items``, at most ``in_flight`` pieces
    (default ``2 * workers``) submitted and not yet yielded. ``fn`` and each item must
    pickle (``fn`` a module-level function); an exception in a worker is raised here, when
    its result is due."""
    if workers <= 1:
        yield from map(fn, items)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= max(in_flight or 2 * workers, workers):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
