"""Joining a running Ray cluster, by address (``auto``, ``ray://HOST:PORT``), for the
coordinator and for ingress-only API processes alike.

Through Ray Client (``ray://``) the head starts a server process for each driver that
connects; that process sometimes dies as it is forked (a gRPC poller race in Ray's client
proxy, ray-project/ray#63202: the driver gets ``ConnectionAbortedError`` after about 30 s,
both of the server's logs empty). Measured here: 1 start in 2 under load. The next try
starts a fresh server, so joining tries ``TRIES`` times before it gives up.
"""

from __future__ import annotations

import logging
import time

import ray

logger = logging.getLogger(__name__)

NAMESPACE = "streetwatch"
TRIES = 4
PAUSE_S = 2.0


def join(address: str, *, tries: int = TRIES, pause_s: float = PAUSE_S) -> None:
    """``ray.init`` on a running cluster at ``address``; Ray Client's failed server starts
    are tried again (the last one's error is raised)."""
    for attempt in range(1, tries + 1):
        try:
            ray.init(address=address, namespace=NAMESPACE, configure_logging=False)
            return
        except ConnectionAbortedError as e:
            if not address.startswith("ray://") or attempt == tries:
                raise
            logger.warning(
                "cluster: Ray Client's server for this process failed to start at %s "
                "(try %d of %d, ray-project/ray#63202): %s",
                address,
                attempt,
                tries,
                str(e).splitlines()[0],
            )
            ray.shutdown()
            time.sleep(pause_s)
