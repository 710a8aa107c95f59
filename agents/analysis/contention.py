"""Who took the shared resource: a scheduled job that started loading a dependency, a neighbour that took a node's CPU.

A saturated database or a starved service is where the symptom begins, not where it comes from. A careful SRE asks
who started using the resource at that minute: a batch run that woke from idle just before the saturation, or a
service that, right after its own change, began using the CPU (disk, memory) of the node the victim shares with it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from graphs.contracts import Evidence, EvidenceKind

if TYPE_CHECKING:
    from agents.analysis.service_view import ServiceView

TOGETHER_S = 120.0  # moves this close belong to one event
JOB_LEAD_S = 15 * 60.0  # a run that started this long before the saturation may have caused it
CHANGE_LEAD_S = 15 * 60.0  # a neighbour's rise this soon after its own change came from that change
MIN_NAME = 6  # shorter names ("db", "api") match too many words to say who a log names
AT_REST_SHARE = 0.05  # a level under 5 % of the peak is idle: the work started from nothing
DEPLOY_KINDS = {"deploy", "feature_flag", "config"}
STARVED_WORDS = ("pressure", "throttl", "steal", "psi", "runqueue", "run_queue", "wait")
SHARED_RESOURCES = (
    ("cpu", {"cpu", "cpus", "vcpu"}),
    ("io", {"io", "iops", "disk", "blkio", "iowait"}),
    ("memory", {"memory", "mem", "rss"}),
    ("network", {"network", "net", "bandwidth", "rx", "tx"}),
)
CLIENT_LABEL = re.compile(
    r"\b(?:application_name|app_name|appname|program_name|job_name|job|client_name)\s*[=:]\s*\"?([A-Za-z0-9_.\-]+)"
)


def started_from_rest(view: ServiceView) -> list[Evidence]:
    """Work or usage of the service that rose from (almost) nothing: a job run beginning, not busier traffic."""
    found = []
    for a in view.anomalies:
        if a.kind is not EvidenceKind.metric_anomaly or a.data.get("direction", 0) <= 0:
            continue
        if a.data.get("family") not in ("traffic", "resource"):
            continue
        before, peak = a.data.get("before"), a.data.get("peak")
        numbers = isinstance(before, int | float) and isinstance(peak, int | float)
        if numbers and peak > 0 and before <= AT_REST_SHARE * peak:
            found.append(a)
    return found


def scheduled_jobs(frontier: set[str], views: dict[str, ServiceView], callers: dict[str, set[str]]) -> dict[str, str]:
    """Callers of a saturated frontier whose work started from rest just before (or as) the saturation began, while
    they were not failing themselves: the run loaded the shared resource (job -> the resource it loaded)."""
    found: dict[str, str] = {}
    for target in sorted(frontier):
        view = views[target]
        saturated = [
            a for a in view.faults if a.data.get("family") in ("resource", "latency") and a.data.get("direction", 0) > 0
        ]
        if not saturated:
            continue
        onset = min(float(a.data["onset"]) for a in saturated)
        for caller in sorted(set(callers.get(target, ())) | named_clients(views, target)):
            other = views.get(caller)
            if other is None:
                continue
            starts = [float(a.data["onset"]) for a in started_from_rest(other)]
            began = min((s for s in starts if onset - JOB_LEAD_S <= s <= onset + TOGETHER_S), default=None)
            failing = other.failing_onset
            if began is not None and (failing is None or failing > onset + TOGETHER_S):
                found[caller] = target
    return found


def resource_kind(metric: str) -> str | None:
    """Which shared resource of a node a metric measures (cpu, io, memory, network), by the words of its name."""
    parts = set(re.split(r"[^a-z0-9]+", metric.lower()))
    return next((kind for kind, words in SHARED_RESOURCES if parts & words), None)


def _is_starved_metric(metric: str) -> bool:
    return any(word in metric.lower() for word in STARVED_WORDS)


def starved_at(view: ServiceView) -> dict[str, float]:
    """When the service began waiting for a node resource it did not get (resource -> time): pressure, throttling or
    steal rose, or its use fell while it was failing (a starved process does less work, not more)."""
    times: dict[str, float] = {}
    for a in view.anomalies:
        metric = str(a.data.get("metric", ""))
        kind = resource_kind(metric)
        if a.kind is not EvidenceKind.metric_anomaly or kind is None:
            continue
        direction = a.data.get("direction", 0)
        pressure = _is_starved_metric(metric)
        less_work = direction < 0 and not pressure and view.failing_onset is not None
        if (direction > 0 and pressure) or less_work:
            times[kind] = min(times.get(kind, float("inf")), float(a.data["onset"]))
    return times


def usage_rise(view: ServiceView, kind: str) -> float | None:
    """When the service's own use of a node resource rose (usage, not pressure)."""
    times = [
        float(a.data["onset"])
        for a in view.anomalies
        if a.kind is EvidenceKind.metric_anomaly
        and a.data.get("direction", 0) > 0
        and resource_kind(str(a.data.get("metric", ""))) == kind
        and not _is_starved_metric(str(a.data.get("metric", "")))
    ]
    return min(times) if times else None


def noisy_neighbours(frontier: set[str], views: dict[str, ServiceView], hosts: set[str]) -> dict[str, str]:
    """For a starved frontier: the service whose use of the same resource rose first, right after its own change, in
    the minutes the starving began, while a host's use (a node outside the call graph) rose with it: they share the
    node. Neighbour -> the service it starved."""
    found: dict[str, str] = {}
    for victim in sorted(frontier):
        for kind, starved in sorted(starved_at(views[victim]).items()):
            for name, view in sorted(views.items()):
                rise = usage_rise(view, kind)
                if name == victim or rise is None or not starved - JOB_LEAD_S <= rise <= starved + TOGETHER_S:
                    continue
                own_change = any(
                    c.data.get("change_kind") in DEPLOY_KINDS and rise - CHANGE_LEAD_S <= c.data["onset"] <= rise
                    for c in view.changes
                )
                host_too = any(
                    (at := usage_rise(views[other], kind)) is not None and abs(at - rise) <= TOGETHER_S
                    for other in sorted(hosts - {name, victim})
                    if other in views
                )
                if own_change and host_too and name not in found:
                    found[name] = victim
    return found


def named_clients(views: dict[str, ServiceView], resource: str) -> set[str]:
    """Services the resource's own logs name as their client (`user=billing_batch`), call edge or not."""
    messages = [
        re.sub(r"[^a-z0-9]+", "", str(a.data.get("message", "")).lower())
        for a in views[resource].anomalies
        if a.kind is EvidenceKind.log_pattern
    ]
    keys = {name: re.sub(r"[^a-z0-9]+", "", name.lower()) for name in views if name != resource}
    return {name for name, key in keys.items() if len(key) >= MIN_NAME and any(key in m for m in messages)}


def client_label(views: dict[str, ServiceView], resource: str, job: str) -> str | None:
    """What the loaded resource's own logs call the job's work (`application_name=statement-run user=billing_batch`):
    the operation to stop."""
    slug = re.sub(r"[^a-z0-9]+", "", job.lower())
    for a in views[resource].anomalies:
        message = str(a.data.get("message", ""))
        if a.kind is EvidenceKind.log_pattern and slug in re.sub(r"[^a-z0-9]+", "", message.lower()):
            for label in CLIENT_LABEL.findall(message):
                if re.sub(r"[^a-z0-9]+", "", label.lower()) != slug:
                    return label
    return None
