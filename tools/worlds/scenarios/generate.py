"""Expands compact telemetry specs into series, log lines and spans, deterministically (seeded numpy)."""

from __future__ import annotations

import re
import zlib
from datetime import datetime

import numpy as np

from graphs.contracts import LogLine, MetricSeries, Span
from tools.worlds.scenarios.fields import parse_metric_key
from tools.worlds.scenarios.schema import (
    PLACEHOLDER,
    Anomaly,
    LogPattern,
    SeriesSpec,
    SpanSpec,
    TelemetrySpec,
    TraceSpec,
    int_range,
)


def rng_for(seed: int, *key: str) -> np.random.Generator:
    """A generator that depends only on the scenario seed and a stable key."""
    return np.random.default_rng([seed, zlib.crc32("\x1f".join(key).encode())])


def grid(start: datetime, end: datetime, step: int) -> np.ndarray:
    """Epoch seconds from start to end inclusive, every step seconds."""
    first, last = start.timestamp(), end.timestamp()
    return np.arange(first, last + 1e-9, step, dtype=float)


def _shape(anomaly: Anomaly, times: np.ndarray) -> np.ndarray:
    """The anomaly's weight (0..1) at each time; 0 outside its interval."""
    a, b = anomaly.start.timestamp(), anomaly.end.timestamp()
    inside = (times >= a) & (times <= b)
    span = max(b - a, 1.0)
    frac = np.clip((times - a) / span, 0.0, 1.0)
    if anomaly.shape == "step":
        weight = np.ones_like(times)
    elif anomaly.shape == "ramp":
        weight = frac
    elif anomaly.shape == "spike":
        weight = 1.0 - np.abs(2.0 * frac - 1.0)
    elif anomaly.shape == "decay":
        weight = np.exp(-4.0 * frac)
    else:  # sawtooth
        period = anomaly.period_minutes * 60.0
        weight = ((times - a) % period) / period
    return np.where(inside, weight, 0.0)


def expand_series(spec: SeriesSpec, times: np.ndarray, rng: np.random.Generator, instance: str) -> np.ndarray:
    """Baseline plus noise plus the anomalies that apply to this instance, clipped to [min, max]."""
    noise = spec.noise if spec.noise is not None else abs(spec.baseline) * 0.03
    values = spec.baseline + rng.normal(0.0, noise, size=times.shape) if noise else np.full(times.shape, spec.baseline)
    for anomaly in spec.anomalies:
        if anomaly.instances is not None and instance not in anomaly.instances:
            continue
        weight = _shape(anomaly, times)
        if anomaly.mode == "add":
            values = values + anomaly.value * weight
        else:
            values = values * (1.0 + (anomaly.value - 1.0) * weight)
    values = np.maximum(values, spec.min)
    if spec.max is not None:
        values = np.minimum(values, spec.max)
    return np.round(values, 4)


def build_metrics(
    telemetry: TelemetrySpec,
    instances: dict[str, list[str]],
    start: datetime,
    end: datetime,
    instance_labels: dict[str, dict[str, str]] | None = None,
) -> list[MetricSeries]:
    """One series per metric key and instance; labels from the key, the series spec and the instance (node, pod)."""
    times = grid(start, end, telemetry.step_seconds)
    stamps = times.tolist()
    out: list[MetricSeries] = []
    for service, metrics in sorted(telemetry.metrics.items()):
        for key, spec in sorted(metrics.items()):
            name, labels = parse_metric_key(key)
            for instance in instances.get(service, [service]):
                rng = rng_for(telemetry.seed, "metric", service, key, instance)
                values = expand_series(spec, times, rng, instance)
                every = (instance_labels or {}).get(instance, {}) | labels | spec.labels
                out.append(
                    MetricSeries(
                        service=service,
                        instance=instance,
                        metric=name,
                        timestamps=stamps,
                        values=values.tolist(),
                        labels=every,
                    )
                )
    return out


def render(template: str, rng: np.random.Generator, instance: str) -> str:
    """Fill the placeholders of a log template."""

    def fill(match: re.Match[str]) -> str:
        kind, arg = match[1], match[2] or ""
        if kind == "hex":
            return "".join(rng.choice(list("0123456789abcdef"), size=int(arg or 8)))
        if kind == "int":
            low, high = int_range(arg)
            return str(int(rng.integers(low, high + 1)))
        if kind == "choice":
            options = arg.split("|")
            return str(options[int(rng.integers(len(options)))])
        if kind == "uuid":
            h = "".join(rng.choice(list("0123456789abcdef"), size=32))
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
        return instance

    return PLACEHOLDER.sub(fill, template)


def _hex(rng: np.random.Generator, size: int) -> str:
    return "".join(rng.choice(list("0123456789abcdef"), size=size))


def expand_pattern(
    pattern: LogPattern, index: int, seed: int, step: int, instances: list[str], start: datetime, end: datetime
) -> list[LogLine]:
    times = grid(start, end, step)[:-1]
    rng = rng_for(seed, "log", str(index), pattern.service, pattern.message)
    rates = expand_series(pattern.rate, times, rng, "") * (step / 60.0)
    counts = rng.poisson(np.maximum(rates, 0.0))
    chosen = pattern.instances or instances
    lines: list[LogLine] = []
    for moment, count in zip(times, counts, strict=True):
        for _ in range(int(count)):
            instance = chosen[int(rng.integers(len(chosen)))]
            lines.append(
                LogLine(
                    timestamp=round(float(moment + rng.uniform(0, step)), 3),
                    service=pattern.service,
                    instance=instance,
                    level=pattern.level,
                    message=render(pattern.message, rng, instance),
                    trace_id=_hex(rng, 32) if pattern.trace_ids else "",
                )
            )
    return lines


def build_logs(
    telemetry: TelemetrySpec, instances: dict[str, list[str]], start: datetime, end: datetime
) -> list[LogLine]:
    lines: list[LogLine] = []
    for index, pattern in enumerate(telemetry.log_patterns):
        names = instances.get(pattern.service, [pattern.service])
        lines.extend(expand_pattern(pattern, index, telemetry.seed, telemetry.step_seconds, names, start, end))
    for literal in telemetry.log_lines:
        lines.append(
            LogLine(
                timestamp=literal.at.timestamp(),
                service=literal.service,
                instance=literal.instance,
                level=literal.level,
                message=literal.message,
                trace_id=literal.trace_id,
            )
        )
    lines.sort(key=lambda line: (line.timestamp, line.service, line.message))
    return lines


def _trace(spec: TraceSpec, at: float, rng: np.random.Generator, instances: dict[str, list[str]]) -> list[Span]:
    trace_id = _hex(rng, 32)
    children: dict[str | None, list[SpanSpec]] = {}
    for span in spec.spans:
        children.setdefault(span.parent, []).append(span)
    active = [a for a in spec.anomalies if a.start.timestamp() <= at <= a.end.timestamp()]
    # an anomaly on some instances needs the instance before the span's time; otherwise keep the old draw order
    early = {a.span for a in spec.anomalies if a.instances is not None}
    spans: list[Span] = []

    def visit(span: SpanSpec, parent_id: str | None, begin: float) -> tuple[float, bool]:
        names = instances.get(span.service, [span.service])
        instance = names[int(rng.integers(len(names)))] if span.id in early else ""
        span_id = _hex(rng, 16)
        own = span.ms * float(rng.lognormal(0.0, 0.2))
        error_rate, queue = span.error_rate, span.queue_ms
        for anomaly in active:
            if anomaly.span == span.id and (anomaly.instances is None or instance in anomaly.instances):
                own += anomaly.add_ms
                queue += anomaly.add_queue_ms
                error_rate = anomaly.error_rate if anomaly.error_rate is not None else error_rate
        error = bool(rng.random() < error_rate)
        begin += queue / 1000.0  # an async consumer waits in the queue first
        cursor = begin + own / 2000.0
        total = own
        for child in children.get(span.id, []):
            if child.link == "async":  # a consumer: after the producer's own time and the queue; not in its total
                visit(child, span_id, begin + own / 1000.0)
                continue
            took, failed = visit(child, span_id, cursor)
            cursor += took / 1000.0
            total += took
            error = error or failed
        spans.append(
            Span(
                trace_id=trace_id,
                span_id=span_id,
                parent_id=parent_id,
                service=span.service,
                instance=instance or names[int(rng.integers(len(names)))],
                operation=span.operation,
                start=round(begin, 6),
                duration_ms=round(total, 3),
                error=error,
            )
        )
        return total, error

    for root in children.get(None, []):
        visit(root, None, at)
    return spans


def build_spans(
    telemetry: TelemetrySpec, instances: dict[str, list[str]], start: datetime, end: datetime
) -> list[Span]:
    spans: list[Span] = []
    step = 60.0
    times = grid(start, end, int(step))[:-1]
    for spec in telemetry.traces:
        rng = rng_for(telemetry.seed, "trace", spec.name)
        for moment in times:
            for _ in range(int(rng.poisson(spec.per_min))):
                spans.extend(_trace(spec, float(moment + rng.uniform(0, step)), rng, instances))
    spans.sort(key=lambda span: (span.start, span.trace_id, span.span_id))
    return spans
