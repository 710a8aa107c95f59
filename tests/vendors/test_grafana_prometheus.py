"""mcp-grafana in front of a real Prometheus (Debian's, started by tools/backends and backfilled with the demo
world's metrics): Grafana's API is stood in, its Prometheus datasource proxies to the real server, and the metrics our
adapter reads through the vendor's `query_prometheus` are the world's, with their labels."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from vendor_helpers import require_prometheus, text_of, vendor_command, vendor_session

from tools import interfaces as io
from tools.adapters import get_adapter
from tools.servers.standins.grafana_api import grafana_app
from tools.servers.standins.http import Seen, serve
from tools.worlds.base import load_world

# starts on a whole minute (the step grid falls on the samples); ends before the next, which the demo world excludes
WINDOW = {"start": "2026-11-20T10:20:00Z", "end": "2026-11-20T10:39:59Z"}


@pytest.mark.slow
async def test_query_metrics_through_mcp_grafana_and_a_real_prometheus(tmp_path: Path) -> None:
    require_prometheus()
    from tools.backends.load import export_metrics
    from tools.backends.prometheus_server import running

    world = load_world("demo")
    export_metrics(world, tmp_path / "demo.om", "demo")
    seen = Seen()
    adapter = get_adapter("grafana-mcp", {"metric_label": "source_metric"})
    query = io.QueryMetricsIn(**WINDOW, service="inventory", metrics=["PodServerLatencyP95(s)", "CpuUsageRate(%)"])
    with running(tmp_path / "demo.om") as prometheus:
        app = grafana_app(world, seen, prometheus_url=f"http://127.0.0.1:{prometheus.port}")
        with serve(app) as url:
            env = {"GRAFANA_URL": url, "GRAFANA_SERVICE_ACCOUNT_TOKEN": "standin-token", "HOME": os.environ["HOME"]}
            async with vendor_session(vendor_command("mcp-grafana"), ["--disable-write"], env) as session:
                arguments = adapter.arguments("query_metrics", query)
                raw = text_of(await session.call_tool("query_prometheus", arguments))
    got = adapter.parse("query_metrics", raw, query).series
    want = world.query_metrics(query).series
    key = lambda s: (s.metric, s.instance)  # noqa: E731
    assert sorted(map(key, got)) == sorted(map(key, want))
    for g, w in zip(sorted(got, key=key), sorted(want, key=key), strict=True):
        assert g.timestamps == w.timestamps and g.values == pytest.approx(w.values)
        assert g.labels["pod"] == g.instance and g.labels["world"] == "demo"  # Prometheus' labels reach our series
    assert seen.unanswered == []
