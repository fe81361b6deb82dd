"""What ``GET /v1/cluster`` shows of a Ray cluster: its nodes, the camera workers with
their cameras and those cameras' stream state, the detector services, what is unplaced."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import ray
from ray.exceptions import GetTimeoutError, RayActorError

if TYPE_CHECKING:
    from serve.cluster.ray_cluster import RayCluster
    from serve.cluster.router import WorkerSlot


def cluster_status(cluster: RayCluster) -> dict[str, Any]:
    """Nodes, workers (with their cameras' stream state), detector services, and cameras."""
    now = time.monotonic()
    nodes = [
        {
            "node_id": n["NodeID"],
            "address": n.get("NodeManagerAddress"),
            "alive": bool(n.get("Alive")),
            "cpus": n.get("Resources", {}).get("CPU"),
        }
        for n in ray.nodes()  # type: ignore[no-untyped-call]
    ]
    workers = [
        {
            "name": s.name,
            "alive": s.alive,
            "host": s.info.get("host"),
            "pid": s.info.get("pid"),
            "node_id": s.info.get("node_id"),
            "model": s.info.get("model"),
            "cameras": list(s.cameras) if s.alive else [],
            "camera_health": _camera_health(s) if s.alive else {},
            "seconds_since_answer": round(now - s.last_ok, 1),
            "given_up_s_ago": None if s.died_at is None else round(now - s.died_at, 1),
        }
        for s in cluster.slots
    ]
    detectors: list[dict[str, Any]] = []
    for handle in cluster.detectors:
        try:
            detectors.append(ray.get(handle.stats.remote(), timeout=5))
        except (RayActorError, GetTimeoutError) as e:
            detectors.append({"error": str(e)})
    return {
        "mode": "local" if cluster.spec.address is None else "ray",
        "detectors": detectors,
        "address": cluster.spec.address,
        "nodes": nodes,
        "workers": workers,
        "cameras": len(cluster.cameras),
        "starting": [s.name for s, _ in cluster.starting],
        "unplaced": sorted(cluster.cameras - set(cluster.owners)),
        "moves": cluster.moves,
    }


def _camera_health(slot: WorkerSlot) -> dict[str, dict[str, Any]]:
    """Each of a worker's cameras' stream state, from its latest status."""
    keys = ("connected", "fps_processed", "last_frame_at", "last_error", "reconnects")
    status: dict[str, Any] = slot.info.get("status", {})
    return {
        camera_id: {k: found["health"].get(k) for k in keys}
        for camera_id, found in status.items()
        if camera_id in slot.cameras
    }
