"""What a metric's name says it measures: errors, latency, a resource, availability, retries or plain traffic."""

from __future__ import annotations

# Checked in this order: the first family whose words appear in the name wins.
FAMILY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("retry", ("retr", "outbound", "per_request", "fetches")),
    ("availability", ("_up_", "available", "healthy", "hit_ratio")),
    (
        "error",
        (
            "fail",
            "error",
            "reject",
            "4xx",
            "5xx",
            "timeout",
            "throttl",
            "nxdomain",
            "servfail",
            "dead_letter",
            "restart",
            "oom",
            "fallback",
            "partial",
            "zero_result",
            "pending_review",
            "no_show",
            "denied",
        ),
    ),
    ("latency", ("latency", "p99", "p95", "duration", "gc_pause", "lag", "_ms")),
    (
        "resource",
        (
            "cpu",
            "memory",
            "heap",
            "rss",
            "disk",
            "wal",
            "conn",
            "clients",
            "pool",
            "queue",
            "inflight",
            "quota",
            "cert",
            "expiry",
            "gc_",
            "waiting",
            "threads",
            "fd_",
            "slots",
        ),
    ),
)
FAULT_FAMILIES = {"availability", "error", "latency", "resource"}
FAILURE_FAMILIES = {"availability", "error", "latency"}


def metric_family(name: str) -> str:
    """The family of a metric by the words in its name; `traffic` when none says more."""
    lowered = f"{name.lower()}_"
    for family, words in FAMILY_WORDS:
        if any(word in lowered for word in words):
            return family
    return "traffic"


def is_fault(family: str, direction: int) -> bool:
    """Whether a move of this family in this direction is trouble (fewer errors or less CPU is not)."""
    if family == "availability":
        return direction < 0
    if family == "resource":
        return True  # a cert's remaining lifetime or free slots falling counts as much as usage rising
    return family in FAULT_FAMILIES and direction > 0
