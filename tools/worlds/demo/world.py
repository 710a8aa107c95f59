"""The demo world: expands `incident.yaml` into per-minute metrics, logs and traces, deterministically."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from graphs.contracts import (
    Change,
    ChatMessage,
    CodeHit,
    DependencyEdge,
    FileContent,
    LogLine,
    MetricSeries,
    ServiceInfo,
    Span,
)
from tools import interfaces as io

SPEC_PATH = Path(__file__).with_name("incident.yaml")
CODE = {
    ("shop/inventory", "src/stock_repository.py"): '''"""Stock levels, read from PostgreSQL."""

QUERY_TIMEOUT_MS = 1500


class StockRepository:
    def levels(self, skus: list[str]) -> dict[str, int]:
        # v2.14.0: one query per line item, for accuracy
        out = {}
        for sku in skus:
            try:
                out[sku] = self.db.fetch_one(
                    "SELECT qty FROM stock_levels WHERE sku = ?", sku, timeout_ms=QUERY_TIMEOUT_MS
                )
            except QueryTimeout:
                log.error("StockRepository: query timeout after %d ms on stock_levels (sku=%s)", QUERY_TIMEOUT_MS, sku)
                raise
        return out
''',
    ("shop/checkout", "src/inventory_client.py"): '''"""Calls inventory for stock before an order is placed."""


def reserve(order):
    try:
        return http.post(INVENTORY + "/stock/batch", json=order.skus, timeout=2.0)
    except Timeout:
        log.error("InventoryClient: upstream inventory timed out after 2000 ms (order=%s)", order.id)
        raise
''',
}
DIFFS = {
    "a41b7d9": """--- a/src/stock_repository.py
+++ b/src/stock_repository.py
@@ class StockRepository:
     def levels(self, skus: list[str]) -> dict[str, int]:
-        rows = self.db.fetch_all("SELECT sku, qty FROM stock_levels WHERE sku = ANY(?)", skus)
-        return {row.sku: row.qty for row in rows}
+        # v2.14.0: one query per line item, for accuracy
+        out = {}
+        for sku in skus:
+            out[sku] = self.db.fetch_one(
+                "SELECT qty FROM stock_levels WHERE sku = ?", sku, timeout_ms=QUERY_TIMEOUT_MS
+            )
+        return out
""",
    "9f2c1e0": """--- a/templates/nl/order_confirmation.html
+++ b/templates/nl/order_confirmation.html
@@
+<p>Bedankt voor je bestelling!</p>
""",
    "3c90e11": """--- a/config/cdn.yaml
+++ b/config/cdn.yaml
@@
-image_host: img-a.shop.example
+image_host: img-b.shop.example
""",
}
CHAT = [
    ("m1", "#incidents", "kim", "10:37:05", "checkout is crawling, customers complaining on twitter", None),
    ("m2", "#incidents", "joe", "10:38:40", "recommendations are throwing errors again, probably them?", "m1"),
    ("m3", "#incidents", "kim", "10:39:30", "recs errors look like every day to me", "m1"),
]
# Pod metrics named as the Kubernetes exporters of the Nezha systems name them, so one engine reads both worlds.
LATENCY, SUCCESS, WORKLOAD, CPU, MEMORY = (
    "PodServerLatencyP95(s)",
    "PodSuccessRate(%)",
    "PodWorkload(Ops)",
    "CpuUsageRate(%)",
    "MemoryUsage(Mi)",
)
METRICS = (LATENCY, SUCCESS, WORKLOAD, CPU, MEMORY)


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "little")


class DemoWorld:
    """A small shop with nine services, two hours of telemetry, three deploys and one bad one."""

    name = "demo"
    window_end_inclusive = False  # every operation reads [start, end)
    error_details_limit = 200

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.day = datetime.fromisoformat(spec["day"]).replace(tzinfo=UTC)
        self.services: dict[str, dict[str, Any]] = spec["services"]

    @classmethod
    def from_options(cls, options: dict[str, str]) -> DemoWorld:
        path = Path(options.get("spec", SPEC_PATH))
        return cls(yaml.safe_load(path.read_text()))

    def describe(self) -> dict[str, Any]:
        return {
            "world": self.name,
            "services": sorted(self.services),
            "days": [self.day.date().isoformat()],
            "now": self._at(self.spec["now"]).isoformat(),
        }

    # --- time helpers ------------------------------------------------------------------------------
    def _at(self, hhmm: str, day: datetime | None = None) -> datetime:
        parts = [int(p) for p in hhmm.split(":")]
        while len(parts) < 3:
            parts.append(0)
        return (day or self.day) + timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])

    @cached_property
    def _days(self) -> list[datetime]:
        return [self.day - timedelta(days=1), self.day]

    def _minutes(self, start: datetime, end: datetime) -> list[datetime]:
        """Minute marks inside [start, end) that fall in the served data window of either day."""
        first, last = self.spec["data_window"]
        out: list[datetime] = []
        for day in self._days:
            lo, hi = max(start, self._at(first, day)), min(end, self._at(last, day))
            t = lo.replace(second=0, microsecond=0)
            if t < lo:
                t += timedelta(minutes=1)
            while t < hi:
                out.append(t)
                t += timedelta(minutes=1)
        return out

    def _effect(self, service: str, t: datetime) -> dict[str, Any] | None:
        if t.date() != self.day.date():
            return None
        for effect in self.spec["effects"]:
            if effect["service"] == service and t >= self._at(effect["start"]):
                return effect
        return None

    # --- metrics -----------------------------------------------------------------------------------
    @lru_cache(maxsize=4096)  # noqa: B019 - a world lives for the server's lifetime
    def _point(self, service: str, instance: int, metric: str, t: datetime) -> float:
        base = self.services[service]
        rng = np.random.default_rng(_seed(service, instance, metric, t.isoformat()))
        effect = self._effect(service, t)
        noisy = base.get("noisy", False)
        if metric == LATENCY:
            value = base["latency_ms"] * (1 + rng.normal(0, 0.35 if noisy else 0.08))
            if effect:
                value *= effect.get("latency_factor", 1.0) * (1 + rng.normal(0, 0.1))
            value /= 1000
        elif metric == SUCCESS:
            errors = base["error_pct"] * (1 + rng.normal(0, 0.45 if noisy else 0.3))
            if noisy and rng.random() < 0.08:
                errors *= 1.8
            if effect:
                errors = effect.get("error_pct", errors) * (1 + rng.normal(0, 0.15))
            value = 100 - min(max(errors, 0.0), 100.0)
        elif metric == WORKLOAD:
            value = base["rpm"] / self.spec["instances_per_service"] / 60 * (1 + rng.normal(0, 0.05))
        elif metric == CPU:
            value = base["cpu"] * (1 + rng.normal(0, 0.07))
            if effect:
                value *= effect.get("cpu_factor", 1.0)
        else:
            value = base["mem"] * (1 + rng.normal(0, 0.01))
        return round(max(value, 0.0), 4)

    def query_metrics(self, q: io.QueryMetricsIn) -> io.QueryMetricsOut:
        minutes = self._minutes(q.start, q.end)
        names = [m for m in (q.metrics or METRICS) if m in METRICS]
        services = [q.service] if q.service else list(self.services)
        series = [
            MetricSeries(
                service=service,
                instance=f"{service}-{i}",
                metric=metric,
                timestamps=[t.timestamp() for t in minutes],
                values=[self._point(service, i, metric, t) for t in minutes],
            )
            for service in services
            if service in self.services
            for i in range(self.spec["instances_per_service"])
            for metric in names
        ]
        return io.QueryMetricsOut(series=[s for s in series if s.timestamps])

    # --- logs --------------------------------------------------------------------------------------
    def _log_specs(self, service: str, t: datetime) -> list[dict[str, Any]]:
        specs = [{"level": "INFO", "rate": 6, "text": "handled request in {ms} ms (request={request})"}]
        specs += self.spec.get("background_logs", {}).get(service, [])
        effect = self._effect(service, t)
        if effect:
            specs += effect.get("logs", [])
        return specs

    def _logs_at(self, service: str, t: datetime) -> list[LogLine]:
        rng = np.random.default_rng(_seed("logs", service, t.isoformat()))
        lines: list[LogLine] = []
        for spec in self._log_specs(service, t):
            for _ in range(int(rng.poisson(spec["rate"]))):
                fields = {
                    "sku": f"SKU-{rng.integers(10000, 99999)}",
                    "ms": int(rng.integers(5, 1800)),
                    "order": f"ord-{rng.integers(100000, 999999)}",
                    "request": f"req-{rng.integers(10**7, 10**8)}",
                    "segment": f"seg-{rng.integers(1, 40)}",
                    "template": "order_confirmation",
                }
                instance = f"{service}-{rng.integers(0, self.spec['instances_per_service'])}"
                lines.append(
                    LogLine(
                        timestamp=t.timestamp() + float(rng.uniform(0, 60)),
                        service=service,
                        instance=instance,
                        level=spec["level"],
                        message=spec["text"].format(**fields),
                    )
                )
        return sorted(lines, key=lambda line: line.timestamp)

    def query_logs(self, q: io.QueryLogsIn) -> io.QueryLogsOut:
        services = [q.service] if q.service else list(self.services)
        lines = [
            line
            for t in self._minutes(q.start.replace(second=0, microsecond=0), q.end)
            for service in services
            if service in self.services
            for line in self._logs_at(service, t)
            if q.start.timestamp() <= line.timestamp < q.end.timestamp()
            and (q.level is None or line.level == q.level.upper())
            and (q.contains is None or q.contains.lower() in line.message.lower())
        ]
        return io.QueryLogsOut(lines=lines[: q.limit], truncated=len(lines) > q.limit)

    def get_error_details(self, q: io.ErrorDetailsIn) -> io.ErrorDetailsOut:
        out = self.query_logs(
            io.QueryLogsIn(start=q.start, end=q.end, service=q.service, level="ERROR", limit=self.error_details_limit)
        )
        return io.ErrorDetailsOut(errors=out.lines)

    def list_services(self, q: io.ListServicesIn) -> io.ListServicesOut:
        return io.ListServicesOut(services=sorted(self.services))

    # --- traces ------------------------------------------------------------------------------------
    def _traces_at(self, t: datetime) -> list[Span]:
        rng = np.random.default_rng(_seed("traces", t.isoformat()))
        spans: list[Span] = []
        paths = [
            (
                "web-frontend",
                "GET /checkout",
                [
                    (
                        "checkout",
                        "POST /orders",
                        [
                            ("cart", "GET /cart", []),
                            ("inventory", "POST /stock/batch", []),
                            ("payment", "POST /charge", []),
                            ("shipping", "POST /quote", []),
                            ("notifications", "POST /notify", []),
                        ],
                    )
                ],
            ),
            (
                "web-frontend",
                "GET /products",
                [
                    ("catalog", "GET /products", []),
                    (
                        "recommendations",
                        "GET /recs",
                        [
                            ("catalog", "GET /products/batch", []),
                        ],
                    ),
                ],
            ),
        ]
        for n in range(12):
            root = paths[n % 2]
            trace_id = f"{_seed('trace', t.isoformat(), n):016x}"
            start = t.timestamp() + float(rng.uniform(0, 55))
            self._span(rng, spans, trace_id, None, root, start, t)
        return spans

    def _span(self, rng, spans, trace_id, parent_id, node, start, t) -> float:
        service, operation, children = node
        span_id = f"{rng.integers(0, 2**63):016x}"
        effect = self._effect(service, t)
        # a service that is only slow because of a callee ("via") spends no extra time in its own code
        clock = t - timedelta(days=1) if effect and effect.get("via") else t
        latency = self._point(service, 0, LATENCY, clock) * 1000 * float(rng.uniform(0.35, 0.6))
        own_ms = latency * (0.3 if children else 1.0)
        cursor = start + own_ms / 2000
        child_total = 0.0
        for child in children:
            child_ms = self._span(rng, spans, trace_id, span_id, child, cursor, t)
            cursor += child_ms / 1000
            child_total += child_ms
        duration = own_ms + child_total
        error_pct = 100 - self._point(service, 0, SUCCESS, t)
        spans.append(
            Span(
                trace_id=trace_id,
                span_id=span_id,
                parent_id=parent_id,
                service=service,
                instance=f"{service}-0",
                operation=operation,
                start=start,
                duration_ms=round(duration, 3),
                error=bool(rng.random() * 100 < error_pct),
            )
        )
        return duration

    def query_traces(self, q: io.QueryTracesIn) -> io.QueryTracesOut:
        spans = [
            span
            for t in self._minutes(q.start.replace(second=0, microsecond=0), q.end)
            for span in self._traces_at(t)
            if q.start.timestamp() <= span.start < q.end.timestamp()
            and (q.service is None or span.service == q.service)
        ]
        return io.QueryTracesOut(spans=spans[: q.limit], truncated=len(spans) > q.limit)

    # --- changes, registry, code, chat -------------------------------------------------------------
    def _deploys(self) -> list[Change]:
        return [
            Change(
                id=d["id"],
                kind="deploy",
                service=d["service"],
                timestamp=self._at(d["at"]).timestamp(),
                author=d["author"],
                title=f"{d['service']} {d['version']}: {d['title']}",
                ref=d["commit"],
                diff=DIFFS.get(d["commit"], ""),
            )
            for d in self.spec["deployments"]
        ]

    def list_deployments(self, q: io.ChangesIn) -> io.ChangesOut:
        lo, hi = q.start.timestamp(), q.end.timestamp()
        changes = [
            c for c in self._deploys() if lo <= c.timestamp < hi and (q.service is None or c.service == q.service)
        ]
        return io.ChangesOut(changes=changes)

    def list_commits(self, q: io.ChangesIn) -> io.ChangesOut:
        deploys = self.list_deployments(q).changes
        commits = [
            c.model_copy(update={"id": c.ref, "kind": "commit", "timestamp": c.timestamp - 1800}) for c in deploys
        ]
        return io.ChangesOut(changes=commits)

    def get_diff(self, q: io.GetDiffIn) -> io.GetDiffOut:
        for change in self._deploys():
            if q.ref in (change.id, change.ref):
                return io.GetDiffOut(change=change)
        return io.GetDiffOut(change=None)

    def get_dependencies(self, q: io.GetDependenciesIn) -> io.GetDependenciesOut:
        edges = [DependencyEdge(caller=a, callee=b) for a, b in self.spec["edges"]]
        if q.service:
            edges = [e for e in edges if q.service in (e.caller, e.callee)]
        return io.GetDependenciesOut(edges=edges)

    def resolve_service(self, q: io.ResolveServiceIn) -> io.ResolveServiceOut:
        info = self.services.get(q.name)
        if info is None:
            return io.ResolveServiceOut(service=None)
        return io.ResolveServiceOut(
            service=ServiceInfo(name=q.name, owner=info["owner"], team_channel=info["channel"], repo=info["repo"])
        )

    def search_code(self, q: io.SearchCodeIn) -> io.SearchCodeOut:
        hits = [
            CodeHit(repo=repo, path=path, line=n, snippet=line.strip())
            for (repo, path), text in CODE.items()
            if q.repo in (None, repo)
            for n, line in enumerate(text.splitlines(), start=1)
            if q.query.lower() in line.lower()
        ]
        return io.SearchCodeOut(hits=hits[: q.limit])

    def get_file(self, q: io.GetFileIn) -> io.GetFileOut:
        text = CODE.get((q.repo, q.path))
        return io.GetFileOut(file=FileContent(repo=q.repo, path=q.path, content=text) if text else None)

    def search_messages(self, q: io.SearchMessagesIn) -> io.MessagesOut:
        words = [w for w in q.query.lower().split() if len(w) > 2]
        found = [
            msg
            for msg in self._chat()
            if q.start.timestamp() <= msg.timestamp < q.end.timestamp()
            and (not words or any(w in msg.text.lower() for w in words))
        ]
        return io.MessagesOut(messages=found[: q.limit])

    def get_thread(self, q: io.GetThreadIn) -> io.MessagesOut:
        return io.MessagesOut(messages=[m for m in self._chat() if q.thread_id in (m.id, m.thread_id)])

    def _chat(self) -> list[ChatMessage]:
        return [
            ChatMessage(id=i, channel=ch, author=a, timestamp=self._at(at).timestamp(), text=text, thread_id=thread)
            for i, ch, a, at, text, thread in CHAT
        ]
