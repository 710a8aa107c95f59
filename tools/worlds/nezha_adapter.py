"""The Nezha world behind the interface contracts, for our internal MCP server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools import interfaces as io
from tools.worlds.base import required_option
from tools.worlds.nezha import NezhaWorld


class NezhaMcpWorld:
    """Log-system and service-registry operations over one system of the Nezha dataset."""

    name = "nezha"
    error_details_limit = 500

    def __init__(self, world: NezhaWorld) -> None:
        self.world = world

    @classmethod
    def from_options(cls, options: dict[str, str]) -> NezhaMcpWorld:
        data_dir = required_option(options, "nezha", "data_dir", "PATH (the dataset's root)")
        system = options.get("system", "trainticket")
        days = [d for d in options.get("days", "").split(",") if d] or None
        return cls(NezhaWorld(Path(data_dir), system, days))  # type: ignore[arg-type]

    def describe(self) -> dict[str, Any]:
        return {"world": self.name, "system": self.world.system, "days": self.world.days}

    def list_services(self, q: io.ListServicesIn) -> io.ListServicesOut:
        return io.ListServicesOut(services=self.world.list_services())

    def query_metrics(self, q: io.QueryMetricsIn) -> io.QueryMetricsOut:
        return io.QueryMetricsOut(series=self.world.query_metrics(q.service, q.start, q.end, q.metrics))

    def query_logs(self, q: io.QueryLogsIn) -> io.QueryLogsOut:
        lines = self.world.query_logs(q.service, q.start, q.end, q.contains, q.limit + 1)
        if q.level:
            lines = [line for line in lines if line.level.upper() == q.level.upper()]
        return io.QueryLogsOut(lines=lines[: q.limit], truncated=len(lines) > q.limit)

    def get_error_details(self, q: io.ErrorDetailsIn) -> io.ErrorDetailsOut:
        return io.ErrorDetailsOut(errors=self.world.query_errors(q.service, q.start, q.end, self.error_details_limit))

    def query_traces(self, q: io.QueryTracesIn) -> io.QueryTracesOut:
        spans = self.world.query_traces(q.service, q.start, q.end, q.limit + 1)
        return io.QueryTracesOut(spans=spans[: q.limit], truncated=len(spans) > q.limit)

    def get_dependencies(self, q: io.GetDependenciesIn) -> io.GetDependenciesOut:
        edges = self.world.get_dependencies()
        if q.service:
            edges = [e for e in edges if q.service in (e.caller, e.callee)]
        return io.GetDependenciesOut(edges=edges)
