"""The run backlog on /metrics (what the autoscaler reads) and the Kubernetes manifests that scale on it.

The served test queues runs on an instance that executes one run at a time and whose runs hang in `collect` (a
version-control provider that never answers), so the backlog holds still while /metrics is scraped.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from langgraph_sdk import get_client
from prometheus_client.parser import text_string_to_metric_families
from serving_stack import DEMO_INPUT, Stack, own_stack

from api.http import backlog
from api.serve import REPO_ROOT

KUBERNETES = REPO_ROOT / "deploy" / "kubernetes"
ONE_RUN_AT_A_TIME = {"WORKER_COUNT": "1", "N_JOBS_PER_WORKER": "1"}
QUEUED = 4


def scrape(text: str) -> dict[str, float]:
    """Sample name -> value of a Prometheus text exposition."""
    return {s.name: s.value for family in text_string_to_metric_families(text) for s in family.samples}


def hanging_version_control(home: Path, timeout_s: float = 120) -> dict[str, str]:
    """Routing where version-control hangs (the gateway gives up after `timeout_s`, then falls back to the world):
    runs stay `running` meanwhile."""
    hang = ["-m", "tools.servers.standins", "--vendor", "contract", "--world", "demo", "--fault", "hang"]
    (home / "servers.json").write_text(
        json.dumps({"mcpServers": {"hanging": {"command": sys.executable, "args": hang}}})
    )
    routing = yaml.safe_load((REPO_ROOT / "tools" / "gateway" / "routing.default.yaml").read_text())
    routing["interfaces"]["version-control"] = {
        "provider": "hanging",
        "fallback": "internal",
        "timeout_s": timeout_s,
        "retry": {"attempts": 1},
    }
    (home / "routing.yaml").write_text(yaml.safe_dump(routing))
    return {"PM_ROUTING_TABLE": str(home / "routing.yaml"), "PM_MCP_SERVERS_FILE": str(home / "servers.json")}


@pytest.fixture(scope="module")
def busy_stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("backlog")
    env = ONE_RUN_AT_A_TIME | hanging_version_control(home)
    with own_stack(redis_url, redis_db=13, log_dir=home / "logs", extra_env=env) as stack:
        yield stack


@pytest.mark.slow
async def test_metrics_report_the_runs_waiting_and_running(busy_stack: Stack) -> None:
    client = get_client(url=busy_stack.url, api_key=busy_stack.acme.api_key)
    async with httpx.AsyncClient(base_url=busy_stack.url, timeout=30.0) as http:
        idle = scrape((await http.get("/metrics")).text)
        assert (idle["pm_runs_pending"], idle["pm_runs_running"]) == (0, 0)

        runs = []
        for _ in range(QUEUED):
            thread = await client.threads.create()
            runs.append(await client.runs.create(thread["thread_id"], "investigation", input=DEMO_INPUT))
        try:
            busy = await _until(http, lambda m: (m["pm_runs_pending"], m["pm_runs_running"]) == (QUEUED - 1, 1))
            assert busy["pm_runs_count_errors_total"] == 0
        finally:
            for run in runs:
                await client.runs.cancel(run["thread_id"], run["run_id"])
        await _until(http, lambda m: (m["pm_runs_pending"], m["pm_runs_running"]) == (0, 0))


async def _until(http: httpx.AsyncClient, wanted: Any, attempts: int = 120) -> dict[str, float]:
    """Scrape until the backlog gauges read as wanted (they are counted at most every 5 s)."""
    for _ in range(attempts):
        metrics = scrape((await http.get("/metrics")).text)
        if wanted(metrics):
            return metrics
        await asyncio.sleep(0.5)
    raise AssertionError(
        f"backlog never as wanted: pending {metrics['pm_runs_pending']}, running {metrics['pm_runs_running']}"
    )


async def test_counts_are_cached_between_scrapes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    async def counted() -> dict[str, int]:
        calls.append(1)
        return {"pending": 7, "running": 2}

    monkeypatch.setattr(backlog, "count_runs", counted)
    monkeypatch.setattr(backlog, "_counted_at", float("-inf"))
    for _ in range(20):
        await backlog.refresh_backlog()
    assert len(calls) == 1 and backlog.RUNS_PENDING._value.get() == 7 and backlog.RUNS_RUNNING._value.get() == 2

    async def down() -> dict[str, int]:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(backlog, "count_runs", down)
    errors = backlog.COUNT_ERRORS._value.get()
    await backlog.refresh_backlog(max_age=0.0)
    assert backlog.COUNT_ERRORS._value.get() == errors + 1 and backlog.RUNS_PENDING._value.get() == 7


def _documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((KUBERNETES / name).read_text()) if d]


def test_the_manifests_scale_on_the_exported_backlog_with_cpu_as_fallback() -> None:
    base = {d["kind"]: d for d in _documents("base/production-master.yaml")}
    (scaled,) = _documents("overlays/keda/keda-scaledobject.yaml")
    deployment, hpa = base["Deployment"], base["HorizontalPodAutoscaler"]

    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"], "the CPU fallback is gone"

    assert scaled["kind"] == "ScaledObject" and scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert scaled["metadata"]["annotations"]["scaledobject.keda.sh/transfer-hpa-ownership"] == "true"
    assert scaled["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["name"] == hpa["metadata"]["name"]
    triggers = {t["type"]: t for t in scaled["spec"]["triggers"]}
    assert set(triggers) == {"prometheus", "cpu"}
    query = triggers["prometheus"]["metadata"]["query"]
    exported = {backlog.RUNS_PENDING._name, backlog.RUNS_RUNNING._name}
    assert exported == {"pm_runs_pending", "pm_runs_running"} and all(name in query for name in exported)
    assert float(triggers["prometheus"]["metadata"]["threshold"]) > 0

    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    port = next(p["containerPort"] for p in container["ports"] if p["name"] == "http")
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/metrics" and int(annotations["prometheus.io/port"]) == port
    labels = pod["metadata"]["labels"]
    assert all(f'{k}="{v}"' in query for k, v in labels.items()), "the query selects pods the Deployment does not label"
