"""The cluster's deployment examples parse and say what the README says: one database URL
and one data path for every process, the head running the API with --cluster auto, the
camera workers joining it."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from serve.cli import build_parser
from serve.cluster.ray_cluster import ClusterSpec
from serve.config.settings import Settings

DEPLOY = Path(__file__).resolve().parents[3] / "serve" / "cluster" / "deploy"


def _serve_args(command: str) -> list[str]:
    """The `streetwatch serve ...` part of a shell command line."""
    words = shlex.split(command.removeprefix("sh -c ").strip().strip('"').replace("&&", " "))
    start = words.index("streetwatch")
    return words[start + 1 :]


def test_compose_runs_the_api_on_the_head_and_workers_join_it() -> None:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "head", "ingress", "worker"}
    head, worker, ingress = services["head"], services["worker"], services["ingress"]
    assert "ray start --head --port=6379" in head["command"]
    args = build_parser().parse_args(_serve_args(head["command"]))
    assert args.command == "serve" and args.cluster == "auto" and args.workers == 4
    assert ClusterSpec.parse(args.cluster, args.workers).workers == 4
    assert worker["command"].startswith("ray start --address=head:6379")
    more = build_parser().parse_args(_serve_args(ingress["command"]))
    assert more.cluster == "auto" and more.ingress_only and not args.ingress_only
    assert "ray start --address=head:6379 --num-cpus=0" in ingress["command"]
    # one store and one data path for all
    assert head["environment"] == worker["environment"] == ingress["environment"]
    env = head["environment"]
    assert env["STREETWATCH_DATABASE_URL"].startswith("postgresql+psycopg://")
    mounts = {v for s in (head, worker, ingress) for v in s["volumes"]}
    assert mounts == {"data:/srv/streetwatch"} and str(args.data_dir) == "/srv/streetwatch"
    # the environment is settings the service takes
    names = {k.removeprefix("STREETWATCH_").lower() for k in env}
    assert names <= set(Settings.model_fields), names - set(Settings.model_fields)


def test_the_kuberay_cluster_has_a_head_running_the_api_and_a_worker_group() -> None:
    spec: dict[str, Any] = yaml.safe_load((DEPLOY / "raycluster.yaml").read_text())
    assert (spec["apiVersion"], spec["kind"]) == ("ray.io/v1", "RayCluster")
    head = spec["spec"]["headGroupSpec"]
    assert head["rayStartParams"]["num-cpus"] == "0", "no camera worker on the head"
    annotations = head["template"]["metadata"]["annotations"]
    assert annotations["ray.io/overwrite-container-cmd"] == "true"
    [container] = head["template"]["spec"]["containers"]
    args = build_parser().parse_args(_serve_args(container["args"][0]))
    assert args.cluster == "auto" and args.workers == 8
    [group] = spec["spec"]["workerGroupSpecs"]
    assert group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]
    mounts = [
        c["volumeMounts"] for part in (head, group) for c in part["template"]["spec"]["containers"]
    ]
    assert all(m == [{"name": "data", "mountPath": str(args.data_dir)}] for m in mounts)
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for part in (head, group)
        for v in part["template"]["spec"]["volumes"]
    }
    assert claims == {"streetwatch-data"}
