"""Start or join a Ray cluster and keep the camera workers on it: who owns which camera,
who is alive, and moving cameras when that changes.

``local:N`` starts a Ray head in this process with N camera workers (actors, one process
each); ``auto`` or ``ray://HOST:PORT`` joins a running cluster and spreads the workers
over its nodes. Cameras are placed by rendezvous hashing over the live workers
(``placement``). A monitor asks every worker for its status each ``interval_s``; a worker
whose process died (Ray says so at once) or that missed ``misses`` answers in a row is
given up (killed, so it cannot go on as a zombie) and its cameras move to the others. A
move stops the camera on its old worker first (which checkpoints it) and then starts it
on the new one (which resumes from the checkpoint and the open cases); a camera whose
worker died resumes from the last checkpoint.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import GetTimeoutError, RayActorError

from detector.model import Detector
from serve.cluster.detection import DetectorActor, remote_detector
from serve.cluster.directory import DIRECTORY, DirectoryActor
from serve.cluster.join import NAMESPACE, join
from serve.cluster.placement import assign, parse_cluster
from serve.cluster.router import Router, WorkerSlot
from serve.cluster.status import cluster_status
from serve.cluster.worker import CameraWorker
from serve.config.settings import Settings

logger = logging.getLogger(__name__)


class _RayWorker(CameraWorker):
    """A camera worker as a Ray actor: it knows the node it runs on."""

    def __init__(
        self,
        settings: Settings,
        name: str,
        detector_factory: Callable[[], Detector] | None = None,
    ) -> None:
        node = ray.get_runtime_context().get_node_id()
        super().__init__(settings, name, detector_factory, node_id=node)


WorkerActor = ray.remote(_RayWorker)


@dataclass
class ClusterSpec:
    """``local:N``, ``auto`` or ``ray://HOST:PORT``, parsed."""

    address: str | None  # None: start a local cluster
    workers: int

    @classmethod
    def parse(cls, text: str, workers: int | None = None) -> ClusterSpec:
        address = parse_cluster(text)
        if address is None:
            return cls(None, int(text.removeprefix("local:")))
        return cls(address, workers or 2)


class RayCluster(Router):
    def __init__(
        self,
        settings: Settings,
        spec: ClusterSpec,
        detector_factory: Callable[[], Detector] | None = None,
        *,
        interval_s: float = 1.0,
        misses: int = 5,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.spec = spec
        self.detector_factory = detector_factory
        self.interval_s = interval_s
        self.misses = misses
        self.worker_cpus = settings.cluster_worker_cpus
        # each worker's runtime gets the cores Ray gives it, not every core of its node
        self.worker_settings = settings.model_copy(
            update={
                "inference_threads": settings.inference_threads
                or max(1, round(settings.cluster_worker_cpus))
            }
        )
        self.slots: list[WorkerSlot] = []
        self.detectors: list[Any] = []  # detector services' handles (cluster_detectors)
        self.directory: Any = None
        self.cameras: set[str] = set()
        self.moves = 0
        # workers being started to replace given-up ones (or for a node that joined): they
        # join the placement once their model is loaded
        self.starting: list[tuple[WorkerSlot, Any]] = []
        self._names = itertools.count(spec.workers)
        self._retry_at = 0.0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self._started_ray = False

    # -- life ------------------------------------------------------------------------------

    def start(self, camera_ids: Sequence[str]) -> None:
        if not ray.is_initialized():
            if self.spec.address is None:
                # the workers import this code (and a test's detector factory) by the
                # driver's path
                path = os.pathsep.join(p for p in sys.path if p and Path(p).is_dir())
                ray.init(
                    num_cpus=max(math.ceil(self._cpus_wanted()), os.cpu_count() or 1),
                    include_dashboard=False,
                    namespace=NAMESPACE,
                    runtime_env={"env_vars": {"PYTHONPATH": path}},
                    configure_logging=False,
                )
            else:
                join(self.spec.address)
            self._started_ray = True
        self.detectors = [self._spawn_detector(i) for i in range(self.settings.cluster_detectors)]
        if self.detectors:
            ray.get([d.info.remote() for d in self.detectors], timeout=300)
        try:  # one coordinator a cluster: ingress-only API processes read its directory
            self.directory = DirectoryActor.options(name=DIRECTORY, namespace=NAMESPACE).remote()
            ray.get(self.directory.read.remote(-1), timeout=60)
        except ValueError as e:
            raise RuntimeError(
                "a streetwatch coordinator already runs on this cluster: start this API "
                "process with --ingress-only"
            ) from e
        self.slots = [self._spawn(f"w{i}") for i in range(self.spec.workers)]
        for slot in self.slots:  # their constructors load the model: wait for them
            slot.info = ray.get(slot.handle.ping.remote(), timeout=300)
        with self._lock:
            self.cameras = set(camera_ids)
            self._rebalance()
        self._publish()
        self._monitor = threading.Thread(target=self._watch, name="cluster-monitor", daemon=True)
        self._monitor.start()
        logger.info(
            "cluster: %d workers on %d node(s), %d cameras",
            len(self.slots),
            len(ray.nodes()),  # type: ignore[no-untyped-call]
            len(self.cameras),
        )

    def stop(self) -> None:
        self._stop.set()
        if self._monitor is not None:
            self._monitor.join(timeout=10)
        alive = [s for s in self.slots if s.alive] + [s for s, _ in self.starting]
        try:
            ray.get([s.handle.stop.remote() for s in alive], timeout=60)
        except (RayActorError, GetTimeoutError) as e:
            logger.warning("cluster: a worker did not stop cleanly: %s", e)
        for slot in alive:
            ray.kill(slot.handle)
        with contextlib.suppress(RayActorError, GetTimeoutError):
            ray.get([d.stop.remote() for d in self.detectors], timeout=30)
        for handle in [*self.detectors, self.directory]:
            if handle is not None:
                ray.kill(handle)
        if self._started_ray:
            ray.shutdown()

    def _cpus_wanted(self) -> float:
        """What the workers and detector services ask Ray for (a local cluster offers at
        least that, or some would never start)."""
        detectors = self.settings.cluster_detectors * self.settings.cluster_detector_cpus
        return self.spec.workers * self.worker_cpus + detectors

    def _spawn_detector(self, i: int) -> Any:
        return DetectorActor.options(
            name=f"streetwatch-detector{i}-{os.getpid()}",
            max_concurrency=64,  # concurrent frames are what its batcher batches
            num_cpus=self.settings.cluster_detector_cpus,
            num_gpus=self.settings.cluster_detector_gpus,
            max_restarts=-1,  # stateless: Ray brings it back and retries its frames
            max_task_retries=3,
            scheduling_strategy="SPREAD",
        ).remote(self.worker_settings, f"d{i}", self.detector_factory)

    def _spawn(self, name: str) -> WorkerSlot:
        factory = self.detector_factory
        if self.detectors:
            factory = partial(remote_detector, self.detectors, self.worker_settings)
        handle = WorkerActor.options(
            name=f"streetwatch-{name}-{os.getpid()}",
            max_concurrency=64,  # cameras' frames run side by side, each under its lock
            num_cpus=self.worker_cpus,
            max_restarts=0,
            scheduling_strategy="SPREAD",
        ).remote(self.worker_settings, name, factory)
        return WorkerSlot(name, handle)

    # -- cameras ---------------------------------------------------------------------------

    def add(self, camera_id: str) -> None:
        with self._lock:
            self.cameras.add(camera_id)
            self._rebalance()

    def remove(self, camera_id: str) -> None:
        with self._lock:
            self.cameras.discard(camera_id)
            self._rebalance()

    # -- health and moves ------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            for slot in [s for s in self.slots if s.alive]:
                try:
                    info = ray.get(slot.handle.status.remote(), timeout=max(self.interval_s, 2.0))
                except RayActorError:
                    self._given_up(slot, "died")
                    continue
                except GetTimeoutError:
                    slot.misses += 1
                    if slot.misses >= self.misses:
                        self._given_up(slot, f"no answer to {slot.misses} checks")
                    continue
                slot.info, slot.misses, slot.last_ok = info, 0, time.monotonic()
            self._replenish()
            self._apply_requests()
            self._publish()

    def _publish(self) -> None:
        """Tell the directory where each camera runs (ingress-only API processes read it)."""
        with self._lock:
            owners = {c: s.name for c, s in self.owners.items()}
            handles = {s.name: s.handle for s in self.slots if s.alive}
        try:
            ray.get(self.directory.publish.remote(owners, handles), timeout=5)
        except (RayActorError, GetTimeoutError) as e:
            logger.warning("cluster: directory not updated: %s", e)

    def _apply_requests(self) -> None:
        """Cameras added or removed through ingress-only API processes, placed in one go."""
        try:
            asked: list[tuple[str, str]] = ray.get(self.directory.take.remote(), timeout=5)
        except (RayActorError, GetTimeoutError):
            return
        if not asked:
            return
        with self._lock:
            for kind, camera_id in asked:
                if kind == "add":
                    self.cameras.add(camera_id)
                elif kind == "remove":
                    self.cameras.discard(camera_id)
            self._rebalance()

    def _replenish(self) -> None:
        """Keep ``spec.workers`` workers: start one for each given up (it waits for a free
        CPU, so on a full cluster it starts when a node joins), and place cameras on it once
        its model is loaded: it takes about 1/N of them, each moved with its checkpoint."""
        if not self.settings.cluster_replace_workers:
            return
        with self._lock:
            for slot, ready in list(self.starting):
                done, _ = ray.wait([ready], timeout=0)
                if not done:
                    continue
                self.starting.remove((slot, ready))
                try:
                    slot.info = ray.get(ready)
                except RayActorError as e:
                    logger.warning("cluster: worker %s did not start: %s", slot.name, e)
                    self._retry_at = time.monotonic() + 10.0
                    continue
                slot.last_ok = time.monotonic()
                gone = [s for s in self.slots if not s.alive]
                self.slots = [s for s in self.slots if s.alive or s in gone[-16:]] + [slot]
                logger.info("cluster: worker %s joined; placing cameras again", slot.name)
                self._rebalance()
            alive = sum(1 for s in self.slots if s.alive)
            missing = self.spec.workers - alive - len(self.starting)
            if missing > 0 and time.monotonic() >= self._retry_at:
                for _ in range(missing):
                    slot = self._spawn(f"w{next(self._names)}")
                    self.starting.append((slot, slot.handle.ping.remote()))
                    logger.info("cluster: starting worker %s to keep %d", slot.name, alive)

    def _lost(self, slot: WorkerSlot, why: str) -> None:
        self._given_up(slot, why)

    def _given_up(self, slot: WorkerSlot, why: str) -> None:
        with self._lock:
            if not slot.alive:
                return
            slot.alive, slot.died_at = False, time.monotonic()
            logger.warning(
                "cluster: worker %s given up (%s); moving its %d cameras",
                slot.name,
                why,
                len(slot.cameras),
            )
            with contextlib.suppress(RayActorError):
                ray.kill(slot.handle)  # a worker that only stopped answering must not go on
            self._rebalance()

    def _rebalance(self) -> None:
        """Place every camera on the live workers; stop moved cameras where they were before
        starting them where they go (callers hold the lock)."""
        alive = [s for s in self.slots if s.alive]
        if not alive:
            logger.error("cluster: no live worker; %d cameras wait", len(self.cameras))
            self.owners = {}
            return
        plan = assign(self.cameras, [s.name for s in alive])
        for slot in alive:  # first let go of what moves away
            keep = [c for c in slot.cameras if c in plan[slot.name]]
            if keep != slot.cameras:
                slot.cameras = self._own(slot, keep)
        for slot in alive:
            if plan[slot.name] != slot.cameras:
                before = set(slot.cameras)
                slot.cameras = self._own(slot, plan[slot.name])
                self.moves += len(set(slot.cameras) - before)
        self.owners = {c: s for s in alive for c in s.cameras}

    def _own(self, slot: WorkerSlot, cameras: list[str]) -> list[str]:
        try:
            running: list[str] = ray.get(slot.handle.own.remote(cameras), timeout=120)
        except (RayActorError, GetTimeoutError) as e:
            logger.warning("cluster: worker %s did not take its cameras: %s", slot.name, e)
            slot.alive = False
            return []
        return running

    # -- what GET /v1/cluster shows --------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return cluster_status(self)
