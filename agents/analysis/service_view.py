"""What the evidence says about one service on the ticket path, and the time constants every pass shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agents.analysis.metric_kinds import FAILURE_FAMILIES
from graphs.contracts import Evidence, FaultType

ONSET_TOLERANCE_S = 120.0  # a callee may show trouble this much after its caller and still explain it
CHANGE_LEAD_S = 6 * 3600.0  # a deploy, flag or config change this long before the onset may explain it
DRIVEN_LEAD_S = 15 * 60.0  # a busy dependency right after its caller's change was driven by that change
LINK_LOOKBACK_S = 7 * 86400.0
UNTRACED_FACTOR = 0.5  # a candidate the ticket's failing requests never reach, or whose trouble was over before they
# failed, explains other trouble, not the ticket's
ROLE = {
    "frontier": 1.0,
    "amplifier": 1.2,
    "driver": 1.0,
    "linked": 1.0,
    "chain": 0.5,
    "victim": 0.6,
    "busy": 0.8,
    "bystander": 0.3,
    "quiet_change": 0.1,
    "job": 1.2,
    "neighbour": 1.2,
    "library": 1.2,
    "consumer": 0.5,
    "rejecting": 0.5,
    "common": 1.2,
}
BONUS = {
    "timed_change": 0.3,
    "prompt_change": 0.2,
    "linked_change": 0.8,
    "named_by_callers": 0.2,
    "accused_by_ticket": 0.3,
    "ticket_ids": 0.2,
    "earliest": 0.3,
    "leak": 0.3,
    "expired": 0.5,
}
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[.\-/][A-Za-z0-9_]+)*")
MIN_TOKEN = 6
# roles whose own errors are not the symptom (explained below them, or beside the symptom's chain): a change naming
# them explains those errors, not the ticket's
OWN_ERRORS_EXPLAINED = ("chain", "bystander")
# roles whose trouble the graph walk traced to another service (what drove, amplified or starved it, or what its
# change drove): the callers that blame it name where the failure showed
ELSEWHERE = ("victim", "busy", "driver")
FAILING = FAILURE_FAMILIES | {"log_error", "error_origin"}
DEPLOY_KINDS = {"deploy", "feature_flag", "config"}
CHANGE_FAULTS = {"feature_flag": FaultType.feature_flag, "config": FaultType.config_change}
RESOURCE_FAULTS = (
    (("cert", "expiry", "tls"), FaultType.certificate_expiry),
    (("memory", "rss", "heap", "oom"), FaultType.memory_exhaustion),
    (
        ("_up", "available", "healthy", "clients", "sealed", "running", "partition", "online"),
        FaultType.dependency_outage,
    ),
    (("disk", "wal", "quota", "conn", "slots", "pool"), FaultType.resource_exhaustion),
    (("cpu",), FaultType.cpu_consumed),
)


@dataclass
class ServiceView:
    """What the evidence says about one service."""

    name: str
    anomalies: list[Evidence] = field(default_factory=list)
    changes: list[Evidence] = field(default_factory=list)
    trail: list[Evidence] = field(default_factory=list)

    @property
    def faults(self) -> list[Evidence]:
        return [a for a in self.anomalies if a.data.get("fault")]

    @property
    def onset(self) -> float | None:
        """Earliest onset of any departure, traffic included."""
        return _earliest(self.anomalies)

    @property
    def fault_onset(self) -> float | None:
        """When the service's largest trouble began: an early small blip in the same series is only a prelude."""
        return _earliest(self.faults, major=True)

    @property
    def failing(self) -> bool:
        """Errors, latency or lost availability at the onset of its trouble, not merely busy."""
        onset = self.fault_onset
        return any(
            a.data.get("family") in FAILING and (onset is None or _start(a) <= onset + ONSET_TOLERANCE_S)
            for a in self.faults
        )

    @property
    def lasting_onset(self) -> float | None:
        """When the trouble still going at the window's end began: faults that came back before it are a blip; None
        when nothing is ongoing or a fault still is (then the earliest onset stands)."""
        if any(a.data.get("ongoing") for a in self.faults):
            return None
        return _earliest([a for a in self.anomalies if a.data.get("ongoing")])

    @property
    def failing_onset(self) -> float | None:
        """When errors, latency or lost availability began (a resource trending towards a limit is not yet failing)."""
        return _earliest([a for a in self.faults if a.data.get("family") in FAILING])

    def load_moves(self, direction: int) -> list[Evidence]:
        """Traffic or usage that moved this way: the service got (or lost) work."""
        return [
            a
            for a in self.anomalies
            if a.data.get("family") in ("traffic", "resource") and a.data.get("direction") == direction
        ]

    def prompt_change(self) -> Evidence | None:
        """The latest deploy, flag or config change shortly before the service's own trouble began."""
        onset = self.fault_onset
        if onset is None:
            return None
        near = [
            c
            for c in self.changes
            if c.data.get("change_kind") in DEPLOY_KINDS and onset - DRIVEN_LEAD_S <= c.data["onset"] <= onset
        ]
        return max(near, key=lambda c: c.data["onset"]) if near else None


def _earliest(items: list[Evidence], major: bool = False) -> float | None:
    onsets = [_start(i, major) for i in items if isinstance(i.data.get("onset"), int | float)]
    return min(onsets) if onsets else None


def _start(item: Evidence, major: bool = False) -> float:
    """When an anomaly began; with major, when its largest shift began (metrics know; logs and traces do not)."""
    if major and isinstance(item.data.get("major_onset"), int | float):
        return float(item.data["major_onset"])
    return float(item.data["onset"])
