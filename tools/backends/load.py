"""Loading a world's telemetry into the real backends: its metrics as OpenMetrics for promtool, its logs and spans
into the OTel store, each read through the world's own operations over everything it serves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tools import interfaces as io
from tools.backends.openmetrics import write_openmetrics
from tools.backends.otel_store import create_schema, load_logs, load_spans
from tools.worlds.base import World, world_operation

MAX_LOG_LINES = 200_000
MAX_SPANS = 500_000


def served_span(world: World) -> tuple[datetime, datetime]:
    """A window that holds everything the world serves: its days, with two days' margin for shifted baselines."""
    days = [datetime.fromisoformat(d).replace(tzinfo=UTC) for d in world.describe().get("days", [])]
    if not days:
        raise ValueError(f"world {world.name!r} names no days; cannot tell what to load")
    return min(days) - timedelta(days=2), max(days) + timedelta(days=3)


def export_metrics(world: World, path: Path, environment: str) -> int:
    """Write every metric series of the world to an OpenMetrics file; returns the number of samples."""
    start, end = served_span(world)
    query = world_operation(world, "query_metrics")
    if query is None:
        raise ValueError(f"world {world.name!r} serves no metrics")
    series = query(io.QueryMetricsIn(start=start, end=end)).series
    return write_openmetrics(series, path, world=environment)


def load_logs_and_traces(world: World, url: str, environment: str) -> tuple[int, int]:
    """Create the `otel_*` tables and append the world's log lines and spans; returns (lines, spans)."""
    start, end = served_span(world)
    create_schema(url)
    lines = spans = 0
    if (query_logs := world_operation(world, "query_logs")) is not None:
        out = query_logs(io.QueryLogsIn(start=start, end=end, limit=MAX_LOG_LINES))
        if out.truncated:
            raise ValueError(f"world {world.name!r} holds more than {MAX_LOG_LINES} log lines; load fewer days")
        lines = load_logs(url, environment, out.lines)
    if (query_traces := world_operation(world, "query_traces")) is not None:
        out = query_traces(io.QueryTracesIn(start=start, end=end, limit=MAX_SPANS))
        if out.truncated:
            raise ValueError(f"world {world.name!r} holds more than {MAX_SPANS} spans; load fewer days")
        spans = load_spans(url, environment, out.spans)
    return lines, spans


def load_world_into(
    world_name: str, options: dict[str, str], environment: str, metrics_path: str | None, store_url: str | None
) -> dict[str, int]:
    """Load a world by name into the backends given (a metrics file for promtool, a store); returns the counts.

    A plain function of plain values, so it can run in a child process whose memory is returned when it ends."""
    from tools.worlds.base import load_world

    world = load_world(world_name, options)
    counts: dict[str, int] = {}
    if metrics_path is not None:
        counts["samples"] = export_metrics(world, Path(metrics_path), environment)
    if store_url is not None:
        counts["log_lines"], counts["spans"] = load_logs_and_traces(world, store_url, environment)
    return counts
