"""Scene baseline vs detector (issue 5): event-level precision, recall and time to detection.

    python benchmarks/bench_scene.py [--model models/current] [--seeds 0 1] [--no-readme]

Over the scenario suite (``training.synth.scenario_suite``: every preset for each seed, plus
the real-photo scenarios where ../shared/datasets is present), four arms in one run:

- ``detector``: the reference model + tracker + rules engine (default rules, with the
  dwell of the parking and trading rules set to the scenario zones' dwell so the arms wait
  equally long); a case is the engine's ``reached`` event. Wall zones are also given to
  the engine as ``ad_prohibited`` zones, so a banner or poster there is an illegal ad.
- ``baseline``: ``SceneBaseline`` ``reached`` events.
- ``baseline, gated``: the same as the service runs it (``SceneCadence``): it looks at
  the frames a default ``MotionGate`` lets through and every ``--still-s`` on a still
  street, and only advances its clock on the unchanged frames in between;
- ``both``: the union; a baseline case explained by a detection (``explain``) takes the
  detection's class, and cases of the two arms on the same object count once (earliest).

A case matches a ground-truth object when their boxes overlap by at least 0.3 of the
smaller box and it comes after the object appeared; a case that matches none is a false
positive. Time to detection is from the object's appearance to its first matching case.
Prints Markdown tables and appends them to benchmarks/README.md (section "Scene
baseline (issue 5)", replaced on re-runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from detector.detections import Detections  # noqa: E402
from detector.geometry import Box, box_overlap  # noqa: E402
from detector.motion import MotionGate  # noqa: E402
from detector.scene.baseline import SceneBaseline  # noqa: E402
from detector.scene.cadence import SceneCadence  # noqa: E402
from detector.scene.naming import explain  # noqa: E402
from detector.zones import Zone  # noqa: E402
from training.synth.scenario import Scenario  # noqa: E402
from training.synth.scenario_suite import suite  # noqa: E402

T0 = 1_795_000_000.0  # scenario time 0, epoch seconds
MIN_OVERLAP = 0.3
SAME_S = 10.0  # a detector case first seen this long before a scene change is another object
SECTION = "## Scene baseline (issue 5)"
ARMS = ("detector", "baseline", "baseline, gated", "both")
STILL_S = 10.0  # the service's default scene.still_interval_s
INTERVAL_S = 3.0  # the service's default scene.busy_interval_s


@dataclass(frozen=True)
class Case:
    t: float  # scenario seconds
    box: Box
    label: str
    first_seen: float  # scenario seconds


@dataclass
class Tally:
    objects: int = 0
    found: int = 0
    cases: int = 0
    false: int = 0
    delays: list[float] | None = None
    by_class: dict[str, tuple[int, int]] | None = None


def run_scenario(
    scenario: Scenario,
    detector: object,
    names: list[str],
    still_s: float = STILL_S,
    interval_s: float = INTERVAL_S,
) -> tuple[dict[str, list[Case]], float, list[float], int]:
    """Cases of each arm on one scenario, the baseline's median ms per update, the gated
    arm's ms per frame (gate and baseline) and how many frames it looked at."""
    from detector.model import Detector
    from detector.rules.config import DEFAULT_RULES
    from detector.rules.engine import ViolationEngine
    from detector.taxonomy import load_taxonomy
    from detector.tracking import Tracker

    assert isinstance(detector, Detector)
    taxonomy = load_taxonomy()
    dwell = {z.type: z.static_dwell for z in scenario.zones}
    rules = {k: v for k, v in DEFAULT_RULES.items() if k in {x.key for x in taxonomy.violations}}
    if "no_parking" in dwell:
        rules["illegal_parking"] = rules["illegal_parking"].model_copy(
            update={"dwell_s": dwell["no_parking"]}
        )
    ground = [dwell[t] for t in ("sidewalk", "roadway") if t in dwell]
    if ground:
        rules["out_of_store_trading"] = rules["out_of_store_trading"].model_copy(
            update={"dwell_s": min(ground)}
        )
    engine_zones = list(scenario.zones) + [
        Zone(id=f"{z.id}-ads", type="ad_prohibited", polygon=z.polygon)
        for z in scenario.zones
        if z.type == "wall"
    ]
    engine = ViolationEngine(taxonomy, engine_zones, rules)
    tracker = Tracker()
    base = SceneBaseline(scenario.zones)
    # as the service runs it: on the frames its motion gate lets through, and every few
    # seconds on a still street
    gated, gate = SceneBaseline(scenario.zones), MotionGate()
    cadence = SceneCadence(min_s=1.0, busy_s=interval_s, still_s=max(interval_s, still_s))
    gated_ms: list[float] = []
    gated_cases: list[Case] = []
    det_cases: list[Case] = []
    scene_cases: list[tuple[Case, Detections]] = []
    seen_keys: set[int] = set()
    times: list[float] = []
    for t, frame in scenario.frames():
        at = dt.datetime.fromtimestamp(T0 + t, dt.UTC)
        dets = tracker.update(detector.detect(frame))
        for ev in engine.update(dets, at):
            if ev.kind == "reached" and ev.key not in seen_keys:
                seen_keys.add(ev.key)
                det_cases.append(Case(t, ev.box, ev.label, ev.first_seen - T0))
        start = time.perf_counter()
        events = base.update(frame, T0 + t)
        times.append(time.perf_counter() - start)
        for e in events:
            if e.kind == "reached":
                scene_cases.append((Case(t, e.box, "scene_change", e.first_seen - T0), dets))
        start = time.perf_counter()
        # as the service does: the gate's verdict, and the baseline's own (settling, deciding)
        step = cadence.step_for(gated, T0 + t, changed=gate.check(frame, T0 + t).run)
        found = []
        if step != "skip":
            found = gated.update(frame, T0 + t) if step == "look" else gated.advance(T0 + t)
        gated_ms.append(1000 * (time.perf_counter() - start))
        for e in found:
            if e.kind == "reached":
                gated_cases.append(Case(t, e.box, "scene_change", e.first_seen - T0))
    both = list(det_cases)
    for case, dets in scene_cases:
        row = explain(case.box, dets, names)
        label = case.label if row is None else names[int(dets.class_id[row])]
        # the detector's case for the same object: same place, and not there before the
        # scene changed (a sign on the wall behind a new poster is another object)
        same = [
            c
            for c in det_cases
            if box_overlap(c.box, case.box)[1] >= MIN_OVERLAP
            and c.first_seen >= case.first_seen - SAME_S
        ]
        if same:
            continue  # counted once, with the detector's class
        both.append(Case(case.t, case.box, label, case.first_seen))
    arms = {
        "detector": det_cases,
        "baseline": [c for c, _ in scene_cases],
        "baseline, gated": gated_cases,
        "both": both,
    }
    # the frames it looked at: a look at an empty street that matches its last look only
    # lets time pass (``SceneConfig.same_level``)
    return arms, 1000 * statistics.median(times), gated_ms, gated.looks


def score(scenario: Scenario, cases: list[Case], tally: Tally) -> None:
    assert tally.delays is not None and tally.by_class is not None
    tally.cases += len(cases)
    for case in cases:
        if not any(
            box_overlap(case.box, o.box)[1] >= MIN_OVERLAP and case.t >= o.appear_s - 1.0
            for o in scenario.objects
        ):
            tally.false += 1
    for obj in scenario.objects:
        tally.objects += 1
        hits = [
            c.t
            for c in cases
            if box_overlap(c.box, obj.box)[1] >= MIN_OVERLAP and c.t >= obj.appear_s - 1.0
        ]
        n, k = tally.by_class.get(obj.class_name, (0, 0))
        tally.by_class[obj.class_name] = (n + 1, k + (1 if hits else 0))
        if hits:
            tally.found += 1
            tally.delays.append(min(hits) - obj.appear_s)


def tables(tallies: dict[str, Tally]) -> str:
    lines = [
        "| arm | objects | found | recall | cases | false | precision | TTD mean s "
        "| TTD median s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for arm, t in tallies.items():
        assert t.delays is not None
        recall = t.found / t.objects if t.objects else 0.0
        precision = (t.cases - t.false) / t.cases if t.cases else 0.0
        mean = f"{statistics.mean(t.delays):.1f}" if t.delays else "-"
        median = f"{statistics.median(t.delays):.1f}" if t.delays else "-"
        lines.append(
            f"| {arm} | {t.objects} | {t.found} | {recall:.2f} | {t.cases} | {t.false} | "
            f"{precision:.2f} | {mean} | {median} |"
        )
    classes = sorted({c for t in tallies.values() for c in (t.by_class or {})})
    lines += ["", "| recall by class | " + " | ".join(classes) + " |"]
    lines.append("|---|" + "---:|" * len(classes))
    for arm, t in tallies.items():
        assert t.by_class is not None
        cells = [f"{t.by_class[c][1]}/{t.by_class[c][0]}" for c in classes]
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_readme(text: str) -> None:
    path = REPO / "benchmarks" / "README.md"
    old = path.read_text()
    if SECTION in old:
        head, _, rest = old.partition(SECTION)
        tail = rest.split("\n## ", 1)
        old = head.rstrip() + ("\n\n## " + tail[1] if len(tail) > 1 else "")
    path.write_text(old.rstrip() + "\n\n" + text.rstrip() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "current")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--no-readme", action="store_true", help="print only")
    parser.add_argument(
        "--still-s", type=float, default=STILL_S, help="gated arm: a look this often when still"
    )
    parser.add_argument(
        "--busy-s",
        type=float,
        default=INTERVAL_S,
        help="gated arm: a busy street looked at this often (scene.busy_interval_s)",
    )
    args = parser.parse_args()

    from detector.model import Detector

    detector = Detector.load(args.model)
    names = detector.names
    scenarios = suite(args.seeds)
    tallies = {arm: Tally(delays=[], by_class={}) for arm in ARMS}
    costs: list[float] = []
    gated_ms: list[float] = []
    looks = 0
    start = time.perf_counter()
    for i, scenario in enumerate(scenarios, 1):
        arms, cost, frame_ms, looked = run_scenario(
            scenario, detector, names, args.still_s, args.busy_s
        )
        costs.append(cost)
        gated_ms += frame_ms
        looks += looked
        for arm in ARMS:
            score(scenario, arms[arm], tallies[arm])
        summary = ", ".join(f"{a} {len(arms[a])}" for a in ARMS)
        print(f"[{i}/{len(scenarios)}] {scenario.name} seed {scenario.seed}: cases {summary}")
    elapsed = time.perf_counter() - start
    real = sum(s.real for s in scenarios)
    nuisance = sum(not s.objects for s in scenarios)
    body = tables(tallies)
    model = args.model.resolve().relative_to(REPO) if args.model.is_absolute() else args.model
    seeds = " ".join(str(s) for s in args.seeds)
    text = f"""{SECTION}

`SceneBaseline` (`detector/scene/`) against the detector path and both together on
the scene-baseline scenario suite (`training/synth/scenario_suite.py`): {len(scenarios)} scenarios
(seeds {seeds}; {real} on real photographs from ../shared/datasets; {nuisance} with nuisances
only: day-to-night lighting, moving shadows, rain, passers-by and traffic, camera shake,
JPEG q50-70, a stall and a car there from the first frame that leave, and all of them at
once), 640x480 at 1 frame/s, {tallies["both"].objects}
ground-truth objects (stalls, goods, cars stopping, posters, graffiti). Zone dwell in the
scenarios: sidewalk/roadway 45 s, no-parking 60 s, wall 30 s; the detector arm's parking
and trading rules use the same dwell, its ad and graffiti rules their defaults (sightings).
Detector: the reference model (`{model}`), onnxruntime, with tracker and rules engine.
A case matches an object when the boxes overlap by >= 0.3 of the smaller one; "false"
counts cases matching no object; TTD is from the object's appearance to its first case.
``baseline, gated`` is the baseline as the service runs it (`SceneCadence`): it looks at
the frames the camera's motion gate (defaults) lets through (a busy street once per
{args.busy_s:g} s, every second in warm-up; `SceneCadence.step_for`) and
every {args.still_s:g} s on a still street; an unchanged frame in between only advances
its clock (`SceneBaseline.advance`), and so does a look at an empty street that matches
the last look's picture (`SceneConfig.same_level`). It looked at {looks / len(gated_ms):.0%} of the
frames and cost {statistics.mean(gated_ms):.2f} ms a frame on average, gate included
(median {statistics.median(gated_ms):.2f} ms).
Machine: {platform.machine()}, {os.cpu_count()} cores, no GPU ({dt.date.today()}); the whole
run took {elapsed:.0f} s; a baseline update (the ungated arm: every frame given, an
empty street matching its last look only ageing) costs {statistics.median(costs):.1f} ms per
640x480 frame (median over scenarios of each scenario's median).

```sh
python benchmarks/bench_scene.py --seeds {seeds}
```

{body}

The detector arm's false cases come from the real facade photos: signs already on the
photographed facades, which it reports as ``outdoor_ad`` inside the wall zone (given to it
as ``ad_prohibited``); they are real objects, just not new ones. What the reference model
misses of the synthetic stalls, goods, cars and posters (the class table) is the gap the
baseline is for: it finds new objects without knowing their class. The baseline's time to
detection is its zones' dwell (30-60 s) plus about 6 s to call a change static; the
detector's ad and graffiti rules need only 3 sightings over 10 s.

Looking at a busy street every second instead (the setting until 2026-12-06,
`--busy-s 1`, measured then): 68% of the frames looked at, the same 26/26 found and 0
false, TTD mean 41.5 s, median 45.1 s. Every 2 s: 40%, 42.4 s; every 5 s: 18%, but 24/26
found. The 3 s default trades 0.8 s of mean time to detection (on dwells of 30-60 s) for
less than half the looks.
"""
    print()
    print(text)
    if not args.no_readme:
        write_readme(text)


if __name__ == "__main__":
    main()
