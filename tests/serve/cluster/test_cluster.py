"""The service on a local Ray cluster (head + 2 camera workers) over PostgreSQL: push and
pull cameras spread over both workers, each opens its cases; a worker process killed
mid-stream hands its cameras to the other within 30 s, and the cases are exactly those of
the same run undisturbed (same count, violations, boxes and first sightings, no duplicate,
every evidence file's hash verifies); so are they when the whole service (API, Ray head and
workers) stops and starts again mid-dwell."""

from __future__ import annotations

import copy
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import pytest
from fastapi.testclient import TestClient

from serve.app import create_app
from serve.config.settings import Settings
from tests.serve.markers import marker_detector, street
from tests.serve.service import (
    ADMIN_HEADERS,
    ADMIN_TOKEN,
    CAR,
    NO_PARKING,
    PUSH_CAMERA,
    cases,
    push,
    verify_evidence,
    write_config,
)
from tests.serve.store.postgres import PostgresServer
from tests.serve.test_main_command import free_port

pytest.importorskip("ray", reason="ray is not installed (pip install -e '.[cluster]')")
pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.slow]

PUSHED = [f"cam-{i:02d}" for i in range(1, 7)]
SECOND_CAR = (320.0, 360.0, 390.0, 440.0)  # bottom centre in NO_PARKING, right of CAR


def _push_camera(camera_id: str) -> dict[str, Any]:
    camera = copy.deepcopy(PUSH_CAMERA)
    camera["id"] = camera_id
    camera["zones"] = [{"id": "np1", "type": "no_parking", "polygon": NO_PARKING}]
    camera["rules"] = {"illegal_parking": {"dwell_s": 60}}
    camera["scene"] = {"enabled": False}
    return camera


class _Snapshots(BaseHTTPRequestHandler):
    jpeg = b""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(self.jpeg)))
        self.end_headers()
        self.wfile.write(self.jpeg)


@contextmanager
def snapshot_camera() -> Iterator[str]:
    """An HTTP camera whose every snapshot shows a car parked in the no-parking zone."""
    ok, buf = cv2.imencode(".jpg", street([("car", CAR)]), [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    handler = type("Snap", (_Snapshots,), {"jpeg": buf.tobytes()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/snapshot.jpg"
    finally:
        server.shutdown()
        server.server_close()


def _pull_camera(url: str) -> dict[str, Any]:
    camera = _push_camera("cam-pull")
    camera["source"] = {"kind": "snapshot", "url": url}
    camera["sample_fps"] = 2.0
    camera["rules"] = {"illegal_parking": {"dwell_s": 8}}
    return camera


@contextmanager
def cluster_service(
    data: Path, config: Path, database_url: str, cluster: str = "local:2", detectors: int = 0
) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=data,
        config=config,
        demo=False,
        admin_token=ADMIN_TOKEN,
        push_rate=None,
        allow_local_sources=True,
        database_url=database_url,
        cluster=cluster,
        cluster_workers=2,
        cluster_detectors=detectors,
        model_poll_s=0,
    )
    app = create_app(settings, detector=marker_detector(), worker_detector=marker_detector)
    with TestClient(app, headers=ADMIN_HEADERS) as client:
        yield client


def _workers(client: TestClient) -> list[dict[str, Any]]:
    r = client.get("/v1/cluster")
    assert r.status_code == 200, r.text
    workers: list[dict[str, Any]] = r.json()["workers"]
    return workers


def _pull_connected(workers: list[dict[str, Any]]) -> bool:
    return any(
        w["alive"] and w["camera_health"].get("cam-pull", {}).get("connected") for w in workers
    )


def _summary(found: list[dict[str, Any]]) -> list[tuple[str, str, str, list[float], str]]:
    """Push cameras' cases by camera, violation, class, box and first sighting (the pull
    camera's times are the wall clock's, different in every run)."""
    pushed = [c for c in found if c["camera_id"] != "cam-pull"]
    return sorted(
        (c["camera_id"], c["violation"], c["label"], c["box"], c["first_seen"]) for c in pushed
    )


def _run(
    tmp: Path,
    database_url: str,
    snapshot_url: str,
    kill_at: float | None = None,
    restart_at: float | None = None,
    kill: Callable[[dict[str, Any]], None] | None = None,
    cluster: str = "local:2",
    detectors: int = 0,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every push camera: a car from 0 s (a case at 60 s) and another from 100 s (a case at
    160 s), one frame each 10 s to 240 s, sent camera after camera; the pull camera's car
    is a case after 8 s. With ``kill_at``, the worker running the pull camera (and some push
    cameras) is killed (``kill``, default SIGKILL to its process) before the frames of that
    time are sent; with
    ``restart_at``, the whole service (API, Ray head, workers) stops then and starts again."""
    config = write_config(
        tmp / "cameras.yaml", [*(_push_camera(c) for c in PUSHED), _pull_camera(snapshot_url)]
    )
    facts: dict[str, Any] = {}
    times = list(range(0, 241, 10))
    cut = times.index(restart_at) if restart_at is not None else len(times)
    for part in (times[:cut], times[cut:]):
        if not part:
            continue
        with cluster_service(tmp / "data", config, database_url, cluster, detectors) as client:
            workers = _workers(client)
            assert len(workers) == 2 and all(w["alive"] for w in workers)
            assert all(w["cameras"] for w in workers), f"cameras on both workers: {workers}"
            facts.setdefault("before", workers)
            for t in part:
                if t == kill_at:
                    victim = next(w for w in _workers(client) if "cam-pull" in w["cameras"])
                    facts["victim"] = victim
                    if kill is None:
                        os.kill(victim["pid"], signal.SIGKILL)
                    else:
                        kill(victim)
                    facts["killed"] = time.monotonic()
                for camera_id in PUSHED:
                    objects = [("car", CAR)] + ([("car", SECOND_CAR)] if t >= 100 else [])
                    push(client, t, objects, camera=camera_id)
                    moved = camera_id in facts.get("victim", {}).get("cameras", [])
                    if "killed" in facts and "moved_in_s" not in facts and moved:
                        facts["moved_in_s"] = time.monotonic() - facts["killed"]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # the pull camera's case, on whichever worker
                if any(c["camera_id"] == "cam-pull" for c in cases(client)):
                    break
                time.sleep(0.5)
            if "killed" in facts and cluster.startswith("local"):
                # a replacement starts on the CPU the victim freed
                while time.monotonic() < deadline and client.get("/v1/cluster").json()["starting"]:
                    time.sleep(0.5)
            while time.monotonic() < deadline and not _pull_connected(_workers(client)):
                time.sleep(0.5)  # the pull camera (re)connects from the worker it is on
            facts["after"] = _workers(client)
            status = client.get("/v1/cluster").json()
            facts["detectors"], facts["starting"] = status["detectors"], status["starting"]
            found = cases(client)
            for case in found:
                verify_evidence(client, case)
    return found, facts


@pytest.fixture(scope="module")
def snapshot_url() -> Iterator[str]:
    with snapshot_camera() as url:
        yield url


@pytest.fixture(scope="module")
def undisturbed(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer, snapshot_url: str
) -> list[dict[str, Any]]:
    url = postgres_server.create_database("cluster_undisturbed")
    found, _ = _run(tmp_path_factory.mktemp("undisturbed"), url, snapshot_url)
    return found


def test_cameras_on_both_workers_open_their_cases(undisturbed: list[dict[str, Any]]) -> None:
    per_camera = {c: [x for x in undisturbed if x["camera_id"] == c] for c in PUSHED}
    assert all(len(found) == 2 for found in per_camera.values()), per_camera
    assert sum(1 for c in undisturbed if c["camera_id"] == "cam-pull") == 1


def test_a_killed_worker_s_cameras_go_on_elsewhere_with_the_same_cases(
    tmp_path: Path,
    postgres_server: PostgresServer,
    snapshot_url: str,
    undisturbed: list[dict[str, Any]],
) -> None:
    url = postgres_server.create_database("cluster_killed")
    # at 130 s the second cars are 30 s into their 60 s dwell: their clocks must survive
    found, facts = _run(tmp_path, url, snapshot_url, kill_at=130)
    assert set(facts["victim"]["cameras"]) & set(PUSHED), "the victim had push cameras too"
    assert facts["moved_in_s"] < 30, facts
    after = {w["name"]: w for w in facts["after"]}
    victim = after[facts["victim"]["name"]]
    assert not victim["alive"] and victim["cameras"] == []
    # a new worker replaced it and took its share back; every camera runs exactly once
    alive = [w for w in after.values() if w["alive"]]
    assert len(alive) == 2 and {w["name"] for w in alive} - {w["name"] for w in facts["before"]}
    placed = [c for w in alive for c in w["cameras"]]
    assert sorted(placed) == sorted({*PUSHED, "cam-pull"})
    assert _pull_connected(facts["after"]), "the pull camera reads its stream where it went"
    assert _summary(found) == _summary(undisturbed)
    assert sum(1 for c in found if c["camera_id"] == "cam-pull") == 1
    ids = [(c["camera_id"], c["violation"], tuple(c["box"])) for c in found]
    assert len(ids) == len(set(ids)), "no case twice"


def test_the_api_and_head_restarting_mid_dwell_lose_nothing(
    tmp_path: Path,
    postgres_server: PostgresServer,
    snapshot_url: str,
    undisturbed: list[dict[str, Any]],
) -> None:
    url = postgres_server.create_database("cluster_restarted")
    found, _ = _run(tmp_path, url, snapshot_url, restart_at=130)
    assert _summary(found) == _summary(undisturbed)
    assert sum(1 for c in found if c["camera_id"] == "cam-pull") == 1


@pytest.fixture
def three_nodes() -> Iterator[Any]:
    """A Ray cluster of three nodes on this machine: a head with no CPU for workers (it runs
    the API) and two one-CPU nodes, each with its own raylet."""
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
    ray.init(address=cluster.address, namespace="streetwatch")
    try:
        yield nodes
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_a_node_whose_raylet_dies_hands_its_cameras_on(
    tmp_path: Path,
    postgres_server: PostgresServer,
    snapshot_url: str,
    undisturbed: list[dict[str, Any]],
    three_nodes: list[Any],
) -> None:
    def kill_raylet(victim: dict[str, Any]) -> None:
        [node] = [n for n in three_nodes if n.node_id == victim["node_id"]]
        node.kill_raylet()

    url = postgres_server.create_database("cluster_node_died")
    found, facts = _run(tmp_path, url, snapshot_url, kill_at=130, kill=kill_raylet, cluster="auto")
    assert facts["moved_in_s"] < 30, facts
    nodes = {w["node_id"] for w in facts["before"]}
    assert len(nodes) == 2, "one worker a node"
    after = {w["name"]: w for w in facts["after"]}
    assert not after[facts["victim"]["name"]]["alive"]
    # its replacement waits for a free CPU: a node joining would take it
    assert len(facts["starting"]) == 1
    assert _summary(found) == _summary(undisturbed)
    assert sum(1 for c in found if c["camera_id"] == "cam-pull") == 1


def test_workers_detecting_through_a_shared_detector_service_open_the_same_cases(
    tmp_path: Path,
    postgres_server: PostgresServer,
    snapshot_url: str,
    undisturbed: list[dict[str, Any]],
) -> None:
    url = postgres_server.create_database("cluster_detector_service")
    found, facts = _run(tmp_path, url, snapshot_url, detectors=1)
    assert _summary(found) == _summary(undisturbed)
    [service] = facts["detectors"]
    # every pushed frame (6 cameras x 25) and the pull camera's went through it
    assert service["frames"] >= len(PUSHED) * 25 and service["batches"] <= service["frames"]
    assert {(c["model"]["name"], c["model"]["version"]) for c in found} == {("markers", "1.0")}


def test_a_second_api_process_forwards_frames_and_places_cameras(
    tmp_path: Path,
    postgres_server: PostgresServer,
    snapshot_url: str,
    undisturbed: list[dict[str, Any]],
) -> None:
    """Push cameras past what one API process takes: a second one (--ingress-only) on the
    same cluster forwards half the frames straight to the workers, and a camera added
    through it is placed by the coordinator."""
    url = postgres_server.create_database("cluster_ingress")
    config = write_config(
        tmp_path / "cameras.yaml",
        [*(_push_camera(c) for c in PUSHED), _pull_camera(snapshot_url)],
    )
    ingress = Settings(
        data_dir=tmp_path / "data",
        demo=False,
        admin_token=ADMIN_TOKEN,
        push_rate=None,
        database_url=url,
        cluster="auto",
        cluster_ingress_only=True,
        model_poll_s=0,
    )
    with cluster_service(tmp_path / "data", config, url) as first:
        app = create_app(ingress, detector=marker_detector())
        with TestClient(app, headers=ADMIN_HEADERS) as second:
            status = second.get("/v1/cluster").json()
            assert status["mode"] == "ingress" and len(status["workers"]) == 2
            for t in range(0, 241, 10):
                for i, camera_id in enumerate(PUSHED):
                    objects = [("car", CAR)] + ([("car", SECOND_CAR)] if t >= 100 else [])
                    push(second if (i + t // 10) % 2 else first, t, objects, camera=camera_id)
            added = _push_camera("cam-new")
            assert second.post("/v1/cameras", json=added).status_code == 201
            for t in range(0, 91, 10):
                push(second, t, [("car", CAR)], camera="cam-new")
            found = cases(second)
            owners = [w for w in first.get("/v1/cluster").json()["workers"] if w["alive"]]
    assert _summary([c for c in found if c["camera_id"] in PUSHED]) == _summary(undisturbed)
    assert [c["violation"] for c in found if c["camera_id"] == "cam-new"] == ["illegal_parking"]
    assert any("cam-new" in w["cameras"] for w in owners), "placed by the coordinator"


@pytest.fixture
def client_server_head(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A running Ray cluster on this machine whose head serves Ray Client; its address.
    Its worker processes import the test's detector factory from this checkout, as a
    deployment's import ``serve`` from their install."""
    pytest.importorskip("grpc", reason="Ray Client needs grpcio (pip install 'ray[client]')")
    from ray.cluster_utils import Cluster

    repo = str(Path(__file__).resolve().parents[3])
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))
    )
    port = free_port()
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 2, "ray_client_server_port": port}
    )
    try:
        yield f"ray://127.0.0.1:{port}"
    finally:
        cluster.shutdown()


def test_an_api_joining_through_ray_client_opens_the_same_cases(
    tmp_path: Path,
    postgres_server: PostgresServer,
    snapshot_url: str,
    undisturbed: list[dict[str, Any]],
    client_server_head: str,
) -> None:
    """``--cluster ray://HOST:PORT``: the API runs off the cluster (a Ray Client driver),
    its workers on the cluster's nodes, with the cases of the local run."""
    url = postgres_server.create_database("cluster_ray_client")
    found, facts = _run(tmp_path, url, snapshot_url, cluster=client_server_head)
    assert {w["node_id"] for w in facts["before"]}, facts
    assert _summary(found) == _summary(undisturbed)
    assert sum(1 for c in found if c["camera_id"] == "cam-pull") == 1
