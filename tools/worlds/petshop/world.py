"""The PetShop dataset served as one timeline of CloudWatch-like metrics and a service registry (the call graph).

How the data sits on the timeline, and why:
- Each row of `metrics.csv` summarises one period (300 s) and is labelled by the period's start, as CloudWatch
  labels it. It is served at the period's end, when its value is known: a window never holds a value from its future.
- Metric names are `<metric>_<statistic>` in lower case (`latency_average`, `latency_p99`, `requests_sum`,
  `availability_average`), one series per component (service = instance = the component's name).
- With the option `issue` (`test/issue_3`), the world serves that issue's periods at their real times and the
  fault-free recording (`noissue/`) just before them, ending one period before the issue's first: the quiet hours
  before the incident, as a dashboard shows them. Without `issue`, every issue of the set and the fault-free
  recording are served at their own times. Without `noissue/`, only the issue's own periods exist.
- Dependencies are the edges of `graph.csv` (row calls column).
There are no logs, traces, deploys or changes: those operations are absent. Nothing here reads `target.json`.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from graphs.contracts import DependencyEdge, MetricSeries, ServiceInfo, utc
from tools import interfaces as io
from tools.worlds.base import required_option
from tools.worlds.petshop.files import MetricTable, issue_dirs, read_graph, read_metrics

REFERENCE_DIR = "noissue"


def metric_name(metric: str, statistic: str) -> str:
    """`latency` + `p99` -> `latency_p99`; `availability` + `Average` -> `availability_average`."""
    return f"{metric}_{statistic}".strip().lower().replace(" ", "_")


class PetShopWorld:
    """Metrics and dependencies of one PetShop set (`low_traffic`, `high_traffic`), optionally of one issue."""

    name = "petshop"

    def __init__(self, data_dir: Path, set_name: str, issue: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.set_name = set_name
        self.set_dir = self.data_dir / set_name
        if not (self.set_dir / "graph.csv").is_file():
            sets = sorted(p.name for p in self.data_dir.glob("*") if (p / "graph.csv").is_file())
            known = f"; sets there: {', '.join(sets)}" if sets else ""
            raise ValueError(f"{self.set_dir} has no graph.csv: pass the folder that holds the sets{known}")
        self.issues = issue_dirs(self.set_dir)
        if issue is not None and issue not in self.issues:
            raise ValueError(f"no issue {issue!r} in {self.set_dir}; issues look like {', '.join(self.issues[:3])}")
        self.issue = issue

    @classmethod
    def from_options(cls, options: dict[str, str]) -> PetShopWorld:
        data_dir = required_option(options, "petshop", "data_dir", "PATH (the folder that holds the sets)")
        set_name = required_option(options, "petshop", "set", "NAME (a folder with graph.csv, e.g. low_traffic)")
        return cls(Path(data_dir), set_name, options.get("issue") or None)

    def describe(self) -> dict[str, Any]:
        return {
            "world": self.name,
            "set": self.set_name,
            "issue": self.issue,
            "issues": len(self.issues),
            "reference": self._reference is not None,
            "services": len(self.list_services()),
        }

    # --- recordings on the timeline ------------------------------------------------------------------

    @cached_property
    def _reference(self) -> MetricTable | None:
        path = self.set_dir / REFERENCE_DIR / "metrics.csv"
        return read_metrics(path) if path.is_file() else None

    @cached_property
    def _recordings(self) -> tuple[tuple[MetricTable, float], ...]:
        """(table, shift in seconds) pairs: what is served, and where it sits on the timeline."""
        names = [self.issue] if self.issue else self.issues
        tables = [read_metrics(self.set_dir / name / "metrics.csv") for name in names]
        reference = self._reference
        if reference is None or not len(reference.starts):
            return tuple((t, 0.0) for t in tables)
        if self.issue is None or not len(tables[0].starts):
            return (*((t, 0.0) for t in tables), (reference, 0.0))
        issue = tables[0]
        shift = float(issue.starts[0] - issue.step - reference.starts[-1])
        return ((issue, 0.0), (reference, shift))

    # --- log-system ---------------------------------------------------------------------------------

    def list_services(self) -> list[str]:
        components = {c for table, _ in self._recordings for c in table.components}
        return sorted(components)

    def query_metrics(
        self, service: str | None, start: datetime, end: datetime, metrics: list[str] | None = None
    ) -> list[MetricSeries]:
        lo, hi = utc(start).timestamp(), utc(end).timestamp()
        wanted = set(metrics) if metrics else None
        points: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]] = {}
        for table, shift in self._recordings:
            served = table.starts + table.step + shift  # a period's value is known when it ends
            rows = (served >= lo) & (served <= hi)
            if not rows.any():
                continue
            for index, (component, metric, statistic) in enumerate(table.columns):
                name = metric_name(metric, statistic)
                if (service is not None and component != service) or (wanted is not None and name not in wanted):
                    continue
                values = table.values[rows, index]
                finite = np.isfinite(values)
                if finite.any():
                    points.setdefault((component, name), []).append((served[rows][finite], values[finite]))
        return [_series(component, name, parts) for (component, name), parts in sorted(points.items())]

    # --- service-registry ---------------------------------------------------------------------------

    def get_dependencies(self) -> list[DependencyEdge]:
        return [DependencyEdge(caller=a, callee=b, calls=1) for a, b in read_graph(self.set_dir / "graph.csv")]

    def known(self, name: str) -> str | None:
        """The component's name as the dataset writes it, matched without regard to case."""
        components = {c.lower(): c for c in self.list_services()}
        for a, b in read_graph(self.set_dir / "graph.csv"):
            components.setdefault(a.lower(), a)
            components.setdefault(b.lower(), b)
        return components.get(name.strip().lower())


def _series(component: str, name: str, parts: list[tuple[np.ndarray, np.ndarray]]) -> MetricSeries:
    times = np.concatenate([t for t, _ in parts])
    values = np.concatenate([v for _, v in parts])
    times, first = np.unique(times, return_index=True)  # sorted; where recordings meet, the first served wins
    return MetricSeries.model_construct(
        service=component,
        instance=component,
        metric=name,
        timestamps=times.tolist(),
        values=values[first].tolist(),
        labels={},
    )


class PetShopMcpWorld:
    """The interface operations over a PetShopWorld, for our internal MCP server."""

    name = "petshop"

    def __init__(self, world: PetShopWorld) -> None:
        self.world = world

    @classmethod
    def from_options(cls, options: dict[str, str]) -> PetShopMcpWorld:
        return cls(PetShopWorld.from_options(options))

    def describe(self) -> dict[str, Any]:
        return self.world.describe()

    def list_services(self, q: io.ListServicesIn) -> io.ListServicesOut:
        return io.ListServicesOut(services=self.world.list_services())

    def query_metrics(self, q: io.QueryMetricsIn) -> io.QueryMetricsOut:
        return io.QueryMetricsOut(series=self.world.query_metrics(q.service, q.start, q.end, q.metrics))

    def get_dependencies(self, q: io.GetDependenciesIn) -> io.GetDependenciesOut:
        edges = self.world.get_dependencies()
        if q.service:
            edges = [e for e in edges if q.service in (e.caller, e.callee)]
        return io.GetDependenciesOut(edges=edges)

    def resolve_service(self, q: io.ResolveServiceIn) -> io.ResolveServiceOut:
        name = self.world.known(q.name)
        return io.ResolveServiceOut(service=ServiceInfo(name=name) if name else None)
