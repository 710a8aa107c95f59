"""Launcher and provider against a real Prometheus: backfilled history, PromQL over HTTP, discovery by label."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from debian_bins import require

from graphs.contracts import MetricSeries
from tools import interfaces as io
from tools.backends.openmetrics import prometheus_name, write_openmetrics
from tools.backends.prometheus_api import PrometheusAPI, PrometheusQueryError, selector
from tools.backends.prometheus_metrics import PrometheusMetrics
from tools.backends.prometheus_server import PrometheusError, PrometheusServer, running

T0 = 1_700_000_000.0  # a whole minute
MINUTES = 11


def _history(path: Path) -> None:
    """A counter at 1 request/s, a histogram whose 90th percentile is 0.9 s, and two pods' gauges (as a world has)."""
    lines = ["# TYPE http_requests counter"]
    lines += [f'http_requests_total{{service="a",code="200"}} {60 * i} {T0 + 60 * i:.0f}' for i in range(MINUTES)]
    lines.append("# TYPE latency_seconds histogram")
    per_minute = {"0.1": 10, "0.5": 50, "1.0": 100, "+Inf": 100}
    for le, n in per_minute.items():
        lines += [f'latency_seconds_bucket{{service="a",le="{le}"}} {n * i} {T0 + 60 * i:.0f}' for i in range(MINUTES)]
    lines += [f'latency_seconds_count{{service="a"}} {100 * i} {T0 + 60 * i:.0f}' for i in range(MINUTES)]
    lines += [f'latency_seconds_sum{{service="a"}} {40 * i} {T0 + 60 * i:.0f}' for i in range(MINUTES)]
    path.write_text("\n".join(lines) + "\n# EOF\n")


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    require("promtool", "prometheus")
    base = tmp_path_factory.mktemp("prometheus")
    _history(base / "history.om")
    world = [
        MetricSeries(
            service=service,
            instance=f"{service}-{i}",
            metric=name,
            timestamps=[T0 + 60 * m for m in range(MINUTES)],
            values=[100.0 * i + m + 0.25 for m in range(MINUTES)],
            labels={"node": f"node-{i}"},
        )
        for service in ("checkout", "inventory")
        for i in range(2)
        for name in ("PodServerLatencyP95(s)", "CpuUsageRate(%)")
    ]
    write_openmetrics(world, base / "world.om", world="shop")
    (base / "all.om").write_text(
        (base / "history.om").read_text().replace("# EOF\n", "") + (base / "world.om").read_text()
    )
    with running(base / "all.om", base / "server") as server:
        yield server


@pytest.fixture
def api(prometheus: PrometheusServer) -> Iterator[PrometheusAPI]:
    client = PrometheusAPI(prometheus.url)
    yield client
    client.close()


def _at(minute: int) -> datetime:
    return datetime.fromtimestamp(T0 + 60 * minute, UTC)


def test_rate_of_a_backfilled_counter(api: PrometheusAPI) -> None:
    [sample] = api.query('rate(http_requests_total{service="a"}[5m])', _at(10))
    assert sample.points[0][1] == pytest.approx(1.0)


def test_histogram_quantile_over_bucket_rates(api: PrometheusAPI) -> None:
    promql = 'histogram_quantile(0.9, sum by (le) (rate(latency_seconds_bucket{service="a"}[5m])))'
    [sample] = api.query(promql, _at(10))
    assert sample.points[0][1] == pytest.approx(0.9)


def test_range_query_steps_and_label_matchers(api: PrometheusAPI) -> None:
    name = prometheus_name("CpuUsageRate(%)")
    samples = api.query_range(f'{name}{{service="inventory",node=~"node-1"}}', _at(2), _at(6), step=120)
    assert [s.labels["instance"] for s in samples] == ["inventory-1"]
    assert samples[0].points == [(T0 + 120, 102.25), (T0 + 240, 104.25), (T0 + 360, 106.25)]


def test_series_discovery_by_label(api: PrometheusAPI) -> None:
    found = api.series(selector(world="shop", service="checkout"), _at(0), _at(10))
    assert {(s["instance"], s["source_metric"]) for s in found} == {
        (f"checkout-{i}", m) for i in range(2) for m in ("PodServerLatencyP95(s)", "CpuUsageRate(%)")
    }
    assert api.label_values("service", selector(world="shop")) == ["checkout", "inventory"]


def test_a_bad_query_names_prometheus_error(api: PrometheusAPI) -> None:
    with pytest.raises(PrometheusQueryError, match="bad_data"):
        api.query("rate(http_requests_total[5m]", _at(10))


def test_provider_answers_in_the_world_names_with_labels(api: PrometheusAPI) -> None:
    provider = PrometheusMetrics(api, "shop")
    out = provider.query_metrics(
        io.QueryMetricsIn(start=_at(3), end=_at(5), service="inventory", metrics=["PodServerLatencyP95(s)"])
    )
    assert [(s.instance, s.metric) for s in out.series] == [
        ("inventory-0", "PodServerLatencyP95(s)"),
        ("inventory-1", "PodServerLatencyP95(s)"),
    ]
    first = out.series[1]
    assert first.timestamps == [T0 + 180, T0 + 240, T0 + 300]  # raw samples, both ends included
    assert first.values == [103.25, 104.25, 105.25]
    assert first.labels == {"node": "node-1", "pod": "inventory-1"}
    assert provider.list_services(io.ListServicesIn()).services == ["checkout", "inventory"]


def test_provider_reads_half_open_windows_for_worlds_that_do(api: PrometheusAPI) -> None:
    provider = PrometheusMetrics(api, "shop", end_inclusive=False)
    out = provider.query_metrics(io.QueryMetricsIn(start=_at(3), end=_at(5), service="checkout"))
    assert {tuple(s.timestamps) for s in out.series} == {(T0 + 180, T0 + 240)}


def test_a_missing_binary_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PM_PROMETHEUS_BIN", str(tmp_path))
    with pytest.raises(PrometheusError, match="apt-get install -y prometheus"), running():
        pass


def test_promtool_rejects_a_broken_file_with_its_reason(tmp_path: Path) -> None:
    require("promtool", "prometheus")
    (tmp_path / "bad.om").write_text("this is not openmetrics\n")
    with pytest.raises(PrometheusError, match="promtool backfill"), running(tmp_path / "bad.om"):
        pass
