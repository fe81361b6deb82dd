"""Python's garbage collector and the service's long-lived objects.

A running service holds ~100-150 thousand objects made at start-up (modules, the model's
runtime, the database's mappers, every camera's pipeline) that live as long as it does.
CPython's full collection walks all of them: 50-80 ms on one core of the benchmark
machines, with the GIL held, so every camera's frame in flight waits that long
(``benchmarks/README.md``). ``freeze_startup`` collects start-up's garbage once and moves
what is left into the collector's permanent generation (``gc.freeze``), so later full
collections walk only what the service made since; objects are still freed by reference
counting as before. ``refreeze`` does it again after a long-lived part was replaced (a
swapped model): the permanent generation goes back to the collector, one full collection
frees what is garbage now, the rest is frozen again; ``thaw`` gives it back when the
service stops.
"""

from __future__ import annotations

import gc
import logging
import time

logger = logging.getLogger(__name__)


def freeze_startup() -> int:
    """Collect, then freeze every object alive now; returns how many were frozen."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.info(
        "%d start-up objects kept out of garbage collection (%.0f ms)",
        frozen,
        (time.perf_counter() - started) * 1000,
    )
    return frozen


def thaw() -> None:
    """Give the frozen objects back to the collector (the service is stopping: what it
    held is garbage now, and another service may start in this process)."""
    gc.unfreeze()


def refreeze() -> int:
    """After a long-lived object was replaced: free the frozen objects that are garbage
    now (one full collection), freeze the rest again; returns how many are frozen. Does
    nothing in a process that froze nothing (a service embedded without its start-up)."""
    if gc.get_freeze_count() == 0:
        return 0
    gc.unfreeze()
    return freeze_startup()
