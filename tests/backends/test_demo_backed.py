"""The demo world loaded into Prometheus and the OTel store, investigated through them end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from debian_bins import require

from evals.backends import ServedWorld, real_backends
from graphs.contracts import InvestigationRequest, Report
from graphs.runner import open_session
from graphs.settings import Settings
from tools import interfaces as io
from tools.worlds.base import load_world

ALERT = InvestigationRequest(text="checkout p95 latency above 2s", at="2026-11-20T10:41:00Z")


@pytest.fixture(scope="module")
def served() -> Iterator[ServedWorld]:
    require("promtool", "prometheus")
    require("pg_ctl", "postgresql")
    with real_backends("demo", {}) as served:
        yield served


async def _investigate(world: str, options: dict[str, str], home: Path) -> Report:
    settings = Settings(checkpointer="memory", approvals="skip", home=home, world=world, world_options=options)
    async with open_session(settings) as session:
        report = (await session.run(ALERT)).report
    assert report is not None
    return report


def test_the_backed_world_says_where_its_telemetry_comes_from(served: ServedWorld) -> None:
    world = load_world(served.world, served.options)
    assert world.describe()["backends"] == {"metrics": "prometheus", "logs_traces": "postgresql-otel"}
    assert served.loaded["samples"] > 0 and served.loaded["log_lines"] > 0 and served.loaded["spans"] > 0


async def test_investigation_through_real_backends_names_the_same_root_cause(
    served: ServedWorld, tmp_path: Path
) -> None:
    files = await _investigate("demo", {}, tmp_path / "files")
    backed = await _investigate(served.world, served.options, tmp_path / "backed")
    assert backed.root_cause is not None and files.root_cause is not None
    assert (backed.root_cause.service, backed.root_cause.fault_type, backed.root_cause.pinpoint.ref) == (
        files.root_cause.service,
        files.root_cause.fault_type,
        files.root_cause.pinpoint.ref,
    )
    assert [r.service for r in backed.ranking] == [r.service for r in files.ranking]
    assert backed.status == files.status


def test_telemetry_is_read_from_the_backends_not_the_files(served: ServedWorld) -> None:
    window = {"start": datetime(2026, 11, 20, 10, 30, tzinfo=UTC), "end": datetime(2026, 11, 20, 10, 41, tzinfo=UTC)}
    loaded = load_world(served.world, served.options)
    assert loaded.query_metrics(io.QueryMetricsIn(**window)).series
    assert loaded.query_logs(io.QueryLogsIn(**window)).lines
    # the same backends asked for a world nobody loaded answer nothing, while the files would still answer
    unloaded = load_world(served.world, served.options | {"environment": "not-loaded"})
    assert unloaded.query_metrics(io.QueryMetricsIn(**window)).series == []
    assert unloaded.query_logs(io.QueryLogsIn(**window)).lines == []
    assert unloaded.query_traces(io.QueryTracesIn(**window)).spans == []
