"""Which instance carries a service's metric anomaly: one pod departing while its siblings stay normal is a pinpoint;
all of them departing together is the service's trouble, and a single-instance service names no instance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from graphs.contracts import Evidence, EvidenceKind, MetricSeries

# Labels that tell one replica of a service from another; the rest (route, code, caller, ...) say which series it is.
INSTANCE_LABELS = frozenset(
    {"instance", "pod", "pod_name", "kubernetes_pod_name", "container", "host", "hostname", "node", "nodename", "zone"}
)
# Labels that name a replica best, as an operator would look it up; the series' instance otherwise.
NAMING_LABELS = (("pod", "pod"), ("pod_name", "pod"), ("kubernetes_pod_name", "pod"), ("container", "container"))


def instance_name(series: MetricSeries) -> str:
    """`checkout-7d9f-x2 (pod)` when a label names the pod, else `checkout-2 (instance)`. A pod label that only
    repeats the instance (a backfill that copies one into the other) says nothing more: the same metrics read from
    files or from Prometheus name the same thing alike."""
    for label, what in NAMING_LABELS:
        value = series.labels.get(label)
        if value and value != series.instance:
            return f"{value} ({what})"
    return f"{series.instance} (instance)"


def sibling_key(series: MetricSeries) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """The same metric of the same service on another replica shares this key."""
    rest = tuple(sorted((k, v) for k, v in series.labels.items() if k not in INSTANCE_LABELS))
    return series.service, series.metric, rest


def lone_carriers(
    series: list[MetricSeries], departed: Iterable[int], judged: Iterable[int] | None = None
) -> dict[int, dict[str, object]]:
    """For each departed series (by index): `carrier` (its instance's name, or "" when it is not alone),
    `replicas_departed` and `replicas` (instances whose series of the metric could be judged, `judged`: all by
    default). A carrier needs two replicas at least: a replica nobody could judge is not one that stayed normal."""
    members: dict[tuple, set[str]] = defaultdict(set)
    for i in range(len(series)) if judged is None else judged:
        members[sibling_key(series[i])].add(series[i].instance)
    gone = list(departed)
    moved: dict[tuple, set[str]] = defaultdict(set)
    for i in gone:
        moved[sibling_key(series[i])].add(series[i].instance)
    out: dict[int, dict[str, object]] = {}
    for i in gone:
        key = sibling_key(series[i])
        alone = len(members[key]) >= 2 and len(moved[key]) == 1
        out[i] = {
            "carrier": instance_name(series[i]) if alone else "",
            "replicas_departed": len(moved[key]),
            "replicas": len(members[key]),
        }
    return out


def lone_instance(items: Iterable[Evidence]) -> str:
    """The one instance every replicated metric anomaly of a service sits on, or "" (none, several, or a metric that
    departed on several replicas at once: then the service as a whole is in trouble)."""
    carriers: set[str] = set()
    for item in items:
        if item.kind != EvidenceKind.metric_anomaly or int(item.data.get("replicas", 0) or 0) < 2:
            continue
        carrier = str(item.data.get("carrier") or "")
        if not carrier:
            return ""
        carriers.add(carrier)
    return carriers.pop() if len(carriers) == 1 else ""


def merged_carrier(abouts: list[dict[str, object]]) -> dict[str, object]:
    """One verdict for several departed series shown as one item (a metric over its routes): their common carrier,
    if they all have the same one."""
    carriers = {str(a["carrier"]) for a in abouts}
    return {
        "carrier": carriers.pop() if len(carriers) == 1 else "",
        "replicas_departed": max((int(a["replicas_departed"]) for a in abouts), default=0),
        "replicas": max((int(a["replicas"]) for a in abouts), default=0),
    }
