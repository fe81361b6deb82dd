"""Fewer glibc malloc arenas for the long-running service.

glibc gives each thread that meets contention its own malloc arena (up to 8 per core);
the service's many short-lived request, decode and inference threads then spread freed
memory over arenas that are never returned, and the resident size creeps up for hours
(benchmarks/README.md, soak: +52 MiB per 10 minutes with glibc's default, flat with 2
arenas). ``limit`` caps the arenas the way ``MALLOC_ARENA_MAX`` does, from inside the
process, before the service starts its threads.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import platform

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt parameter (malloc.h)


def limit(arenas: int) -> bool:
    """Cap glibc's malloc arenas at ``arenas`` (0: leave glibc's default); False where the C
    library is not glibc (musl, macOS) or refuses."""
    if arenas <= 0 or platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = bool(libc.mallopt(ctypes.c_int(M_ARENA_MAX), ctypes.c_int(arenas)))
    except (OSError, AttributeError):
        return False
    if ok:
        logger.info("malloc arenas capped at %d", arenas)
    return ok
