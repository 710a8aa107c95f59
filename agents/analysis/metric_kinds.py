"""What a metric's name says it measures: errors, latency, a resource, availability, retries or plain traffic."""

from __future__ import annotations

# Checked in this order: the first family whose words appear in the name wins.
FAMILY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("retry", ("retr", "outbound", "per_request", "fetches", "attempt")),
    ("availability", ("_up_", "available", "availability", "healthy", "hit_ratio")),
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
            "stale",
            "under_replicated",
            "dropped",
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
            "fds",
            "descriptor",
            "handles",
            "slots",
            "_used",
        ),
    ),
)
FAULT_FAMILIES = {"availability", "error", "latency", "resource", "skew"}
FAILURE_FAMILIES = {"availability", "error", "latency", "skew"}
# a quantity that should sit at zero (a clock's offset): a departure either way is trouble
SKEW_WORDS = ("offset", "skew", "drift")
# what is left of a resource (a cert's lifetime, free slots): falling is trouble, rising is relief
HEADROOM_WORDS = ("expiry", "remaining", "free", "left", "headroom")
# a clock counting down to a deadline (a certificate's expiry, a token's lifetime): it falls all the time by design,
# and the trouble begins only when it reaches zero
COUNTDOWN_WORDS = (
    "expiry",
    "expires",
    "seconds_to",
    "seconds_until",
    "seconds_left",
    "ttl_remaining",
    "hours_left",
    "days_left",
    "days_until",
    "days_to_",
    "quota_remaining",
    "quota_left",
    "remaining_quota",
)
# usage that stops a service when it fills up, and climbs steadily when something leaks
# a state gauge or count saying something is broken (a sealed secrets store, a partitioned node, shards without a
# home, a cluster gone red): rising is trouble
FAILED_STATE_WORDS = ("sealed", "unhealthy", "partition", "unassigned", "unreachable", "degraded", "_red_", "_down_")
# a state gauge saying something works (a node running, a process up): falling is trouble
WORKING_STATE_ENDINGS = ("_running_", "_up_", "_healthy_", "_online_")
EXHAUSTIBLE_WORDS = ("fd", "memory", "rss", "heap", "conn", "disk", "wal", "threads", "pool", "clients", "slots")


def metric_family(name: str) -> str:
    """The family of a metric by the words in its name; `traffic` when none says more."""
    lowered = f"{name.lower()}_"
    if any(word in lowered for word in SKEW_WORDS):
        return "skew"
    if is_countdown(lowered):
        return "resource"  # what is left before a deadline or a quota runs out
    if is_failed_state(lowered) or lowered.endswith(WORKING_STATE_ENDINGS):
        return "availability"  # a state gauge is health, whatever else its name mentions
    for family, words in FAMILY_WORDS:
        if any(word in lowered for word in words):
            return family
    return "traffic"


def is_fault(family: str, direction: int, name: str = "") -> bool:
    """Whether a move of this family in this direction is trouble (fewer errors or less CPU is not)."""
    if family == "availability":
        return direction > 0 if is_failed_state(name) else direction < 0
    if family == "skew":
        return direction != 0
    if family == "resource":
        # a cert's remaining lifetime falling is trouble; usage (cpu, connections) falling only means less work
        return direction < 0 if is_headroom(name) or is_countdown(name) else direction > 0
    return family in FAULT_FAMILIES and direction > 0


def is_failed_state(name: str) -> bool:
    lowered = f"_{name.lower().strip('_')}_"
    return any(word in lowered for word in FAILED_STATE_WORDS)


def is_headroom(name: str) -> bool:
    return any(word in name.lower() for word in HEADROOM_WORDS)


def is_countdown(name: str) -> bool:
    return any(word in name.lower() for word in COUNTDOWN_WORDS)


def is_exhaustible(name: str) -> bool:
    """Usage with a hard ceiling (descriptors, memory, connections, disk): a steady climb ends in an outage."""
    lowered = name.lower()
    return not is_headroom(lowered) and any(word in lowered for word in EXHAUSTIBLE_WORDS)
