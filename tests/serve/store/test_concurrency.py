"""One thread per camera writing at once must not trip over each other's locks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from serve.store import CaseRepo
from tests.serve.store.factories import T0, evidence_in, new_case

THREADS = 4
OPS = 50  # per thread: every fifth a create, the rest updates


def test_threads_write_at_once(cases: CaseRepo) -> None:
    shared = cases.create(new_case(camera_id="shared"))

    def camera_worker(n: int) -> int:
        own: list[int] = []
        updates = 0
        for i in range(OPS):
            at = T0 + timedelta(seconds=i + 10)
            if i % 5 == 0:
                own.append(cases.create(new_case(camera_id=f"cam-{n}"), [evidence_in("crop")]).id)
                continue
            # alternate between this camera's newest case and the case every thread touches
            target = shared.id if i % 2 else own[-1]
            evidence = [evidence_in("annotated", f"t{n}/{i}.jpg")]
            cases.update(target, last_seen=at, confidence=0.5 + i / 200, evidence=evidence)
            # reads interleave with the writes
            cases.list(camera_id=f"cam-{n}", limit=5)
            updates += target == shared.id
        return updates

    with ThreadPoolExecutor(THREADS) as pool:
        shared_updates = sum(pool.map(camera_worker, range(THREADS)))

    after = cases.get(shared.id)
    assert after is not None
    # row locks (PostgreSQL) and BEGIN IMMEDIATE (SQLite) lose no increment
    assert after.sightings == 1 + shared_updates
    assert after.last_seen == T0 + timedelta(seconds=OPS - 1 + 10)
    _, total = cases.list()
    assert total == 1 + THREADS * OPS // 5
