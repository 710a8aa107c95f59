"""Wire helpers shared by adapters and stand-ins: times as vendors write them."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(ts: float | datetime) -> str:
    """RFC 3339 in UTC with microseconds and a Z, the way most vendor APIs write instants."""
    moment = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def epoch(value: str | float | int) -> float:
    """Epoch seconds from an RFC 3339 string, epoch seconds, or a Loki nanosecond string."""
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    if text.isdigit():
        number = int(text)
        return number / 1e9 if number > 10**14 else float(number)
    try:
        return float(text)
    except ValueError:
        pass
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def nanos(ts: float) -> str:
    """Loki's timestamp: nanoseconds since the epoch, as a string."""
    return str(round(ts * 1e9))
