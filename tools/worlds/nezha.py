"""The Nezha dataset served as one timeline of telemetry (metrics, logs, traces, dependencies).

How the data sits on the timeline, and why:
- `rca_data/<day>/` is served at its real timestamps (UTC). Per-minute log/trace files named `HH_MM` hold the
  minute that ends at HH:MM (a fault's three files are the minute before it and two after).
- `construct_data/<day>/` is the fault-free recording. Its metric files are byte-identical to rca_data's (the
  whole day, faults included), so they are served once, at their real time; the baseline for metrics is therefore
  the quiet minutes before an alert, as on any real dashboard. Its logs and traces (a few fault-free minutes of the
  same day) are served as "the same system one day earlier": timestamps shifted by -24 h, so an investigation asks
  for a baseline like a human comparing with yesterday (Grafana's "compare to 1 day ago"). If the dataset holds
  consecutive days, that shifted recording shares the earlier day's timeline with its own data.
- The user-facing entry (`metric/front_service.csv`) is served as service-level series of the entry service (the
  service at the root of the traces, or of `dependency.csv`), instance = that service, label `scope=entry`.
- Edge latencies (`source_50` / `destination_50`, Online-Boutique) are served on the callee, instance
  `caller->callee`, metric `ClientEdgeLatencyP50(s)` (reported by the caller) or `ServerEdgeLatencyP50(s)`
  (reported by the callee), labels `scope=edge`, `caller`, `callee`.
- Dependencies come from the traces' parent/child spans across services, or from `dependency.csv` without traces.
Nothing here reads the labels (`*fault_list.json`, `root_cause_*.json`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

import pandas as pd

from graphs.contracts import DependencyEdge, LogLine, MetricSeries, Span, utc
from tools.worlds.nezha_files import (
    minute_file_time,
    read_edge_latency,
    read_log_errors,
    read_logs,
    read_pod_metrics,
    read_traces,
    service_of_pod,
)

System = Literal["trainticket", "onlineboutique"]
BASELINE_SHIFT_SECONDS = -24 * 3600.0
_FILE_SLACK_SECONDS = 180.0
_EDGE_FILES = {"source_50": "ClientEdgeLatencyP50(s)", "destination_50": "ServerEdgeLatencyP50(s)"}


class _Recording:
    """One directory of per-minute files (log or trace) and the shift that places it on the timeline."""

    def __init__(self, day: str, directory: Path, shift: float) -> None:
        self.day, self.directory, self.shift = day, directory, shift

    def files_between(self, start: float, end: float) -> list[Path]:
        if not self.directory.is_dir():
            return []
        chosen = []
        for path in sorted(self.directory.glob("*.csv.gz")):
            at = minute_file_time(self.day, path) + self.shift
            if start - _FILE_SLACK_SECONDS <= at <= end + _FILE_SLACK_SECONDS:
                chosen.append(path)
        return chosen


class NezhaWorld:
    """Serves one system of the Nezha dataset (selected days) through the log-system and service-registry operations."""

    def __init__(self, data_dir: Path, system: System, days: list[str] | None = None) -> None:
        self.data_dir = Path(data_dir)
        if not (self.data_dir / "rca_data").is_dir():
            raise ValueError(f"{self.data_dir} has no rca_data/ directory; pass the Nezha dataset's root")
        if system not in ("trainticket", "onlineboutique"):
            raise ValueError(f"unknown system {system!r}; use trainticket or onlineboutique")
        self.system = system
        available = [d.name for d in sorted((self.data_dir / "rca_data").iterdir()) if self._day_system(d) == system]
        if days:
            missing = [d for d in days if d not in available]
            if missing:
                raise ValueError(f"no {system} data for day(s) {', '.join(missing)}; available: {', '.join(available)}")
            available = [d for d in available if d in days]
        if not available:
            raise ValueError(f"no {system} days under {self.data_dir / 'rca_data'}")
        self.days = available

    # --- layout -----------------------------------------------------------------------------------

    @staticmethod
    def _day_system(day_dir: Path) -> str | None:
        metric_dir = day_dir / "metric"
        if not metric_dir.is_dir():
            return None
        names = [p.name for p in metric_dir.glob("*_metric.csv.gz")]
        if not names:
            return None
        return "trainticket" if any(n.startswith("ts-") for n in names) else "onlineboutique"

    def _metric_dir(self, day: str) -> Path:
        rca = self.data_dir / "rca_data" / day / "metric"
        return rca if rca.is_dir() else self.data_dir / "construct_data" / day / "metric"

    def _recordings(self, kind: Literal["log", "trace"]) -> list[_Recording]:
        out = []
        for day in self.days:
            out.append(_Recording(day, self.data_dir / "rca_data" / day / kind, 0.0))
            out.append(_Recording(day, self.data_dir / "construct_data" / day / kind, BASELINE_SHIFT_SECONDS))
        return out

    @cached_property
    def _pod_files(self) -> dict[str, list[tuple[str, Path]]]:
        """service -> [(pod, file)] over the served days."""
        files: dict[str, list[tuple[str, Path]]] = {}
        for day in self.days:
            for path in sorted(self._metric_dir(day).glob("*_metric.csv.gz")):
                pod = path.name.removesuffix("_metric.csv.gz")
                files.setdefault(service_of_pod(pod), []).append((pod, path))
        return files

    @cached_property
    def entry_service(self) -> str:
        """The user-facing service: the most common service of root spans, else the root of dependency.csv."""
        for recording in self._recordings("trace"):
            paths = recording.files_between(float("-inf"), float("inf"))
            if paths:
                roots = read_traces(paths[0])
                roots = roots[roots["parent_id"].isna()]
                if not roots.empty:
                    return str(roots["service"].value_counts().idxmax())
        callers, callees = Counter(), set()
        for edge in self._registry_edges():
            callers[edge.caller] += 1
            callees.add(edge.callee)
        roots = [s for s, _ in callers.most_common() if s not in callees]
        return roots[0] if roots else "frontend"

    # --- log-system -------------------------------------------------------------------------------

    def list_services(self) -> list[str]:
        return sorted(self._pod_files)

    def query_metrics(
        self, service: str | None, start: datetime, end: datetime, metrics: list[str] | None = None
    ) -> list[MetricSeries]:
        lo, hi = utc(start).timestamp(), utc(end).timestamp()
        wanted = set(metrics) if metrics else None
        out: list[MetricSeries] = []
        for name, pods in sorted(self._pod_files.items()):
            if service is not None and name != service:
                continue
            for pod, path in pods:
                out.extend(_series(read_pod_metrics(path), lo, hi, wanted, name, pod, {}))
        for day in self.days:
            metric_dir = self._metric_dir(day)
            front = metric_dir / "front_service.csv.gz"
            entry = self.entry_service
            if front.is_file() and service in (None, entry):
                out.extend(_series(read_pod_metrics(front), lo, hi, wanted, entry, entry, {"scope": "entry"}))
            for stem, metric in _EDGE_FILES.items():
                path = metric_dir / f"{stem}.csv.gz"
                if path.is_file() and (wanted is None or metric in wanted):
                    out.extend(_edge_series(read_edge_latency(path), lo, hi, metric, service, stem))
        return out

    def query_logs(
        self, service: str | None, start: datetime, end: datetime, contains: str | None = None, limit: int = 20000
    ) -> list[LogLine]:
        frame = self._frames("log", read_logs, "timestamp", service, start, end)
        if contains:
            frame = frame[frame["message"].str.contains(contains, case=False, regex=False)]
        return _log_lines(frame.head(limit))

    def query_errors(self, service: str | None, start: datetime, end: datetime, limit: int = 500) -> list[LogLine]:
        """ERROR lines only, read from a per-file cache of errors so a day-long window stays cheap."""
        frame = self._frames("log", read_log_errors, "timestamp", service, start, end)
        return _log_lines(frame.head(limit))

    def query_traces(self, service: str | None, start: datetime, end: datetime, limit: int = 50000) -> list[Span]:
        frame = self._frames("trace", read_traces, "start", service, start, end).head(limit)
        # The frames hold exactly the contract's types (str, float), so the objects skip re-validation.
        return [
            Span.model_construct(
                trace_id=tr,
                span_id=sp,
                parent_id=None if pd.isna(pa) else pa,
                service=s,
                instance=i,
                operation=op,
                start=float(st),
                duration_ms=float(d),
                error=False,
            )
            for tr, sp, pa, s, i, op, st, d in zip(
                frame["trace_id"],
                frame["span_id"],
                frame["parent_id"],
                frame["service"],
                frame["instance"],
                frame["operation"],
                frame["start"],
                frame["duration_ms"],
                strict=True,
            )
        ]

    # --- service-registry ---------------------------------------------------------------------------

    def get_dependencies(self) -> list[DependencyEdge]:
        return list(self._dependencies)

    @cached_property
    def _dependencies(self) -> tuple[DependencyEdge, ...]:
        counts: Counter[tuple[str, str]] = Counter()
        for recording in self._recordings("trace"):
            for path in recording.files_between(float("-inf"), float("inf")):
                spans = read_traces(path)[["trace_id", "span_id", "parent_id", "service"]]
                joined = spans.merge(
                    spans.rename(columns={"span_id": "parent_id", "parent_id": "_pp", "service": "caller"}),
                    on=["trace_id", "parent_id"],
                )
                joined = joined[joined["caller"] != joined["service"]]
                counts.update(zip(joined["caller"], joined["service"], strict=True))
        if not counts:
            return tuple(self._registry_edges())
        return tuple(DependencyEdge(caller=a, callee=b, calls=n) for (a, b), n in sorted(counts.items()))

    def _registry_edges(self) -> list[DependencyEdge]:
        for day in self.days:
            path = self._metric_dir(day) / "dependency.csv.gz"
            if path.is_file():
                frame = pd.read_csv(path)
                known = set(self._pod_files)  # the file also lists node IPs and the load generator
                return [
                    DependencyEdge(caller=str(a), callee=str(b), calls=int(w))
                    for a, b, w in zip(frame["Source"], frame["Target"], frame["Weight"], strict=True)
                    if a != b and a in known and b in known
                ]
        return []

    # --- helpers ----------------------------------------------------------------------------------

    def _frames(self, kind, reader, time_column: str, service, start, end) -> pd.DataFrame:
        lo, hi = utc(start).timestamp(), utc(end).timestamp()
        parts = []
        for recording in self._recordings(kind):
            for path in recording.files_between(lo, hi):
                frame = reader(path)
                if recording.shift:
                    frame = frame.copy()
                    frame[time_column] = frame[time_column] + recording.shift
                mask = (frame[time_column] >= lo) & (frame[time_column] <= hi)
                if service is not None:
                    mask &= frame["service"] == service
                parts.append(frame[mask])
        if not parts:
            return reader_empty(kind)
        return pd.concat(parts, ignore_index=True).sort_values(time_column, kind="stable")


def _log_lines(frame: pd.DataFrame) -> list[LogLine]:
    # The frames hold exactly the contract's types (str, float), so the objects skip re-validation.
    return [
        LogLine.model_construct(timestamp=float(t), service=s, instance=i, level=lv, message=m, trace_id=tr)
        for t, s, i, lv, m, tr in zip(
            frame["timestamp"],
            frame["service"],
            frame["instance"],
            frame["level"],
            frame["message"],
            frame["trace_id"],
            strict=True,
        )
    ]


def reader_empty(kind: str) -> pd.DataFrame:
    if kind == "log":
        return pd.DataFrame(columns=["timestamp", "instance", "level", "message", "trace_id", "service"])
    return pd.DataFrame(
        columns=["trace_id", "span_id", "parent_id", "instance", "operation", "start", "duration_ms", "service"]
    )


def _series(
    frame: pd.DataFrame, lo: float, hi: float, wanted: set[str] | None, service: str, instance: str, labels
) -> list[MetricSeries]:
    window = frame[(frame.index >= lo) & (frame.index <= hi)]
    out = []
    for column in window.columns:
        if wanted is not None and column not in wanted:
            continue
        values = window[column].dropna()
        if values.empty:
            continue
        out.append(
            MetricSeries.model_construct(
                service=service,
                instance=instance,
                metric=column,
                timestamps=values.index.tolist(),
                values=values.tolist(),
                labels=dict(labels),
            )
        )
    return out


def _edge_series(
    frame: pd.DataFrame, lo: float, hi: float, metric: str, service: str | None, reporter: str
) -> list[MetricSeries]:
    window = frame[(frame.index >= lo) & (frame.index <= hi)]
    out = []
    for column in window.columns:
        caller, _, callee = column.partition("_")
        if not callee or (service is not None and callee != service):
            continue
        values = window[column].dropna()
        if values.empty:
            continue
        labels = {"scope": "edge", "caller": caller, "callee": callee, "reporter": reporter.split("_")[0]}
        out.append(
            MetricSeries.model_construct(
                service=callee,
                instance=f"{caller}->{callee}",
                metric=metric,
                timestamps=values.index.tolist(),
                values=values.tolist(),
                labels=labels,
            )
        )
    return out
