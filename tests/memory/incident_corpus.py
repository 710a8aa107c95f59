"""A varied, deterministic set of past incidents: every fault shape on several services, so near misses abound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from graphs.contracts import FaultType, Pinpoint
from memory.incidents.models import PastIncident

SERVICES = ["checkout", "payments", "cart", "inventory", "search", "auth", "shipping", "notifications"]

# (title, summary, root cause, fault type, pinpoint kind, pinpoint ref) with {svc} for the service
SHAPES: list[tuple[str, str, str, FaultType, str, str]] = [
    (
        "{svc} connection pool to postgres exhausted",
        "Requests to {svc} timed out waiting for a database connection; p99 latency went from 80ms to 9s.",
        "Release {ver} of {svc} doubled worker concurrency without raising the JDBC pool size (max 10).",
        FaultType.bad_deploy,
        "change",
        "deploy-{ver}",
    ),
    (
        "{svc} pods OOMKilled repeatedly",
        "Containers of {svc} restarted every few minutes with exit code 137; memory grew linearly.",
        "An unbounded in-process cache of session objects in {svc} leaked memory until the limit.",
        FaultType.memory_exhaustion,
        "resource",
        "container_memory_working_set_bytes",
    ),
    (
        "{svc} CPU throttled by a noisy neighbour",
        "{svc} latency rose on two nodes only; CPU steal and throttling counters were high there.",
        "A batch job scheduled onto the same nodes as {svc} consumed the shared CPU quota.",
        FaultType.cpu_contention,
        "resource",
        "container_cpu_cfs_throttled_seconds_total",
    ),
    (
        "{svc} NullPointerException after flag rollout",
        "Error rate of {svc} jumped to 30% for users in the new-pricing cohort.",
        "Feature flag new_pricing_engine enabled a code path in {svc} that dereferences a missing discount.",
        FaultType.feature_flag,
        "feature_flag",
        "new_pricing_engine",
    ),
    (
        "{svc} upstream timeouts after config change",
        "Calls from {svc} to its dependencies failed with deadline exceeded after a config push.",
        "The client timeout of {svc} was lowered from 2s to 200ms in the shared config repository.",
        FaultType.config_change,
        "config",
        "http.client.timeout_ms",
    ),
    (
        "{svc} failures parsing provider responses",
        "{svc} logged JSON decode errors for every call to the external provider.",
        "The third-party provider renamed a field in its API response without notice; {svc} could not parse it.",
        FaultType.third_party_change,
        "operation",
        "provider.v2.charge",
    ),
    (
        "{svc} retry storm after cache flush",
        "Traffic to {svc} tripled within a minute and its dependencies saturated.",
        "A redis cache flush made every client of {svc} retry with no backoff or jitter, amplifying load.",
        FaultType.retry_storm,
        "config",
        "retry.backoff",
    ),
    (
        "{svc} slow between availability zones",
        "Cross-zone calls from {svc} took 300ms longer; packet loss on one zone's links.",
        "A faulty top-of-rack switch in zone b added network delay to {svc} traffic.",
        FaultType.network_delay,
        "resource",
        "network_rtt",
    ),
    (
        "{svc} 500s from slow query after migration",
        "{svc} endpoints listing orders became slow and then errored; DB CPU at 100%.",
        "Schema migration {ver} dropped the index on orders.customer_id, making a hot query a full table scan.",
        FaultType.bad_deploy,
        "change",
        "migration-{ver}",
    ),
    (
        "{svc} exceptions on malformed records",
        "{svc} crashed processing a batch; stack traces showed a ValueError on currency codes.",
        "Corrupted rows with empty currency codes were written by an import job and broke {svc}.",
        FaultType.data_corruption,
        "code",
        "Currency.parse#42",
    ),
]


def make_corpus(count: int = 50, tenant: str = "default") -> list[PastIncident]:
    """`count` incidents cycling through shapes and services, one a day from 2025-01-01."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    incidents = []
    for n in range(count):
        title, summary, cause, fault, kind, ref = SHAPES[n % len(SHAPES)]
        svc = SERVICES[(n // len(SHAPES) + n) % len(SERVICES)]
        ver = f"v{2 + n % 5}.{n % 17}.{n % 3}"
        started = base + timedelta(days=n, hours=n % 24)
        incidents.append(
            PastIncident(
                id=f"INC-{1000 + n}",
                tenant=tenant,
                title=title.format(svc=svc),
                summary=summary.format(svc=svc),
                services=[svc],
                fault_type=fault,
                root_cause=cause.format(svc=svc, ver=ver),
                pinpoint=Pinpoint(kind=kind, ref=ref.format(ver=ver)),  # type: ignore[arg-type]
                started_at=started,
                resolved_at=started + timedelta(hours=2),
                investigation_id=f"inv-{n}",
                verified_by="oncall@example.com",
                verified_at=started + timedelta(hours=3),
                source="postmortem",
            )
        )
    return incidents
