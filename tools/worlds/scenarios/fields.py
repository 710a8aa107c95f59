"""Field types the scenario files share: scenario times (absolute, clock, offset) and Prometheus-style labels."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ValidationInfo

from graphs.contracts import utc

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_OFFSET = re.compile(r"^\+(\d+(?:\.\d+)?)([smh])$")
_OFFSET_UNITS = {"s": 1, "m": 60, "h": 3600}
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
RESERVED_LABELS = frozenset({"__name__", "service", "instance", "metric"})
_METRIC_KEY = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$")
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')


def _instant(value: Any, info: ValidationInfo) -> datetime:
    """Resolve a scenario time (datetime, ISO text, 'HH:MM', '+12m') against the window start in the context."""
    if isinstance(value, datetime):
        return utc(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a time, got {value!r}")
    text = value.strip()
    start: datetime | None = (info.context or {}).get("window_start")
    clock, offset = _CLOCK.match(text), _OFFSET.match(text)
    if (clock or offset) and start is None:
        raise ValueError(f"relative time {text!r} needs the scenario window")
    if clock and start is not None:
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"bad clock time {text!r}")
        moment = start.replace(hour=hour, minute=minute, second=second, microsecond=0)
        return moment + timedelta(days=1) if moment < start.replace(second=0, microsecond=0) else moment
    if offset and start is not None:
        return start + timedelta(seconds=float(offset[1]) * _OFFSET_UNITS[offset[2]])
    try:
        return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"bad time {text!r}: use ISO 8601, 'HH:MM[:SS]' or '+N[smh]'") from None


Instant = Annotated[datetime, BeforeValidator(_instant)]


def check_labels(labels: dict[str, str]) -> dict[str, str]:
    """Prometheus label names, none of the names the world sets itself (service, instance)."""
    for name in labels:
        if not LABEL_NAME.match(name):
            raise ValueError(f"label name {name!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
        if name in RESERVED_LABELS:
            raise ValueError(f"label {name!r} is set by the world itself; use another name")
    return labels


def parse_metric_key(key: str) -> tuple[str, dict[str, str]]:
    """A metrics key as written in Prometheus exposition: `name` or `name{label="value",...}`."""
    found = _METRIC_KEY.match(key.strip())
    if found is None:
        raise ValueError(f'metric {key!r} is not `name` or `name{{label="value",...}}`')
    name, body = found[1], (found[2] or "").strip()
    labels: dict[str, str] = {}
    position = 0
    while position < len(body):
        matcher = _MATCHER.match(body, position)
        if matcher is None or matcher.end() == position:
            raise ValueError(f"metric {key!r}: bad label matcher near {body[position:][:30]!r}")
        labels[matcher[1]] = matcher[2].replace('\\"', '"')
        position = matcher.end()
    return name, check_labels(labels)


Labels = Annotated[dict[str, str], AfterValidator(check_labels)]
