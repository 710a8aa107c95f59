"""Reading the Nezha dataset's files into pandas frames, lazily and cached per file (no work at import)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

_LEVEL = re.compile(r"\b(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|SEVERE)\b")
_CLOCK_PREFIX = re.compile(r"^\s*\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+")
METRIC_SKIP = {"Time", "TimeStamp", "PodName", "ServiceName"}
MAX_LINE_CHARS = 2000  # like a log backend's line-size limit: a stack trace keeps its head, not its 16 kB
LARGE_FILES_CACHED = 24  # minute files of logs or traces: a window and its reference need under a dozen


def service_of_pod(pod: str) -> str:
    """`ts-contacts-service-866bd68c97-xcqfx` -> `ts-contacts-service` (a pod name ends in two hash suffixes)."""
    parts = pod.rsplit("-", 2)
    return parts[0] if len(parts) == 3 else pod


def minute_file_time(day: str, path: Path) -> float:
    """Epoch seconds of the `HH_MM` in a per-minute file name (`08_43_trace.csv.gz`) on `day`."""
    hour, minute = path.name.split("_")[:2]
    return datetime.fromisoformat(f"{day}T{hour}:{minute}:00").replace(tzinfo=UTC).timestamp()


@lru_cache(maxsize=256)
def read_pod_metrics(path: Path) -> pd.DataFrame:
    """One pod's per-minute metrics: index = epoch seconds, numeric columns only."""
    frame = pd.read_csv(path)
    frame = frame.set_index(frame["TimeStamp"].astype(float))
    columns = [c for c in frame.columns if c not in METRIC_SKIP]
    return frame[columns].apply(pd.to_numeric, errors="coerce")


@lru_cache(maxsize=64)
def read_edge_latency(path: Path) -> pd.DataFrame:
    """Per-edge latency (`source_50` / `destination_50`): index = epoch seconds, one column per `caller_callee`."""
    frame = pd.read_csv(path)
    frame = frame.set_index(frame["timestamp"].astype(float))
    return frame.drop(columns=["time", "timestamp"]).apply(pd.to_numeric, errors="coerce")


@lru_cache(maxsize=LARGE_FILES_CACHED)
def read_traces(path: Path) -> pd.DataFrame:
    """Spans of one minute file, with epoch-second start, millisecond duration and service."""
    frame = pd.read_csv(path, dtype={"TraceID": str, "SpanID": str, "ParentID": str, "PodName": str})
    out = pd.DataFrame(
        {
            "trace_id": frame["TraceID"],
            "span_id": frame["SpanID"],
            "parent_id": frame["ParentID"].where(frame["ParentID"] != "root"),
            "instance": frame["PodName"],
            "operation": frame["OperationName"].astype(str),
            "start": frame["StartTimeUnixNano"].astype("int64") / 1e9,
            "duration_ms": frame["Duration"].astype(float) / 1000.0,
        }
    )
    out["service"] = out["instance"].map(service_of_pod)
    return out


@lru_cache(maxsize=512)
def read_log_errors(path: Path) -> pd.DataFrame:
    """The ERROR lines of one minute file (small: kept for every file, so day-long error queries stay cheap)."""
    frame = read_logs(path)
    return frame[frame["level"] == "ERROR"].reset_index(drop=True)


@lru_cache(maxsize=LARGE_FILES_CACHED)
def read_logs(path: Path) -> pd.DataFrame:
    """Log lines of one minute file: the container's JSON `log` field parsed, level read from the line."""
    frame = pd.read_csv(path, dtype=str, on_bad_lines="skip")  # a few lines hold broken quoting
    messages = [_log_text(raw) for raw in frame["Log"].fillna("")]
    levels = [_level(text) for text in messages]
    out = pd.DataFrame(
        {
            "timestamp": frame["TimeUnixNano"].astype("int64") / 1e9,
            "instance": frame["PodName"],
            "level": levels,
            "message": [_clip(_CLOCK_PREFIX.sub("", text)) for text in messages],
            "trace_id": frame["TraceID"].fillna(""),
        }
    )
    out["service"] = out["instance"].map(service_of_pod)
    return out


def _clip(text: str) -> str:
    if len(text) <= MAX_LINE_CHARS:
        return text
    return f"{text[:MAX_LINE_CHARS]} ... [{len(text) - MAX_LINE_CHARS} more characters]"


def _log_text(raw: str) -> str:
    try:
        value = json.loads(raw)
    except (ValueError, TypeError):
        return raw.strip()
    return str(value.get("log", raw)).strip() if isinstance(value, dict) else raw.strip()


def _level(text: str) -> str:
    match = _LEVEL.search(text[:80])
    if not match:
        return "INFO"
    level = match.group(1)
    return {"WARNING": "WARN", "SEVERE": "ERROR", "FATAL": "ERROR"}.get(level, level)
