"""The one-bad-pod world's metrics in a real Prometheus: the pod label reaches the engine and the report names the
pod, as the file-backed run does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_run import investigate_to_files
from debian_bins import require

from evals.backends import ServedWorld, real_backends
from tools import interfaces as io
from tools.worlds.base import load_world

EXAMPLES = Path(__file__).resolve().parents[2] / "tools" / "worlds" / "scenarios" / "examples"
WORLD = "checkout-bad-pod"
OPTIONS = {"dir": str(EXAMPLES), "scenario": WORLD}
POD = "checkout-7d9f-x2 (pod)"
ALERT = ["--alert", "checkout p99 latency above 1s", "--at", "2025-06-03T10:10:00Z"]


def investigate(tmp_path: Path, world: str, options: dict[str, str]) -> tuple[dict, str]:
    """`production-master investigate` of the alert in the world given; the report as JSON and Markdown."""
    args = [x for key, value in options.items() for x in ("--world-option", f"{key}={value}")]
    report, markdown, _ = investigate_to_files(tmp_path, "--world", world, *ALERT, *args)
    return report, markdown


@pytest.fixture(scope="module")
def served() -> Iterator[ServedWorld]:
    require("promtool", "prometheus")
    with real_backends("scenario", OPTIONS, metrics=True, logs=False) as served:
        yield served


def test_pod_and_node_labels_come_back_from_prometheus(served: ServedWorld) -> None:
    world = load_world(served.world, served.options)
    assert world.describe()["backends"] == {"metrics": "prometheus"}
    window = io.QueryMetricsIn(
        start=datetime(2025, 6, 3, 10, 0, tzinfo=UTC), end=datetime(2025, 6, 3, 10, 10, tzinfo=UTC), service="checkout"
    )
    series = world.query_metrics(window).series
    pods = {(s.instance, s.labels.get("pod"), s.labels.get("node")) for s in series}
    assert ("checkout-2", "checkout-7d9f-x2", "node-4") in pods and len({p for _, p, _ in pods}) == 3


def test_investigation_through_prometheus_names_the_pod_as_the_files_do(served: ServedWorld, tmp_path: Path) -> None:
    backed_dir, files_dir = tmp_path / "backed", tmp_path / "files"
    backed_dir.mkdir(), files_dir.mkdir()
    backed, markdown = investigate(backed_dir, served.world, served.options)
    files, _ = investigate(files_dir, "scenario", OPTIONS)
    assert backed["root_cause"]["pinpoint"]["instance"] == POD and f"- Instance: {POD}" in markdown
    assert backed["root_cause"]["pinpoint"] == files["root_cause"]["pinpoint"]
    assert [r["service"] for r in backed["ranking"]] == [r["service"] for r in files["ranking"]]
