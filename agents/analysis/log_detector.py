"""Log patterns per service: templates that are new, surging or gone in the symptomatic minutes, and statement
flows that broke (log_flows); the reference is yesterday's recording plus the window's quiet minutes."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np

from agents.analysis.log_flows import bracket, detect_flow_breaks, trace_sets
from agents.analysis.log_templates import TemplateIndex, statement_of
from agents.analysis.metric_detector import SYMPTOM_SECONDS, symptom_start
from agents.analysis.models import Finding, RuntimeTelemetry
from agents.analysis.stats import run_start
from graphs.contracts import DependencyEdge, EvidenceKind, LogLine

MIN_SCORE = 3.0
MIN_EXPECTED_FOR_GONE = 5.0
ERROR_LEVELS = {"ERROR", "FATAL", "CRITICAL"}
PSEUDO_COUNT = 0.5
MAX_FINDINGS_PER_SERVICE = 3
ONSET_STEP = 60.0  # logs are judged minute by minute to find where a template began to depart


def detect_log_patterns(t: RuntimeTelemetry) -> list[Finding]:
    end = (t.alert_at or t.window.end).timestamp() + 60.0
    split = log_onset(t, symptom_start(t), end)
    symptom = [line for line in t.logs if split < line.timestamp <= end]
    # Yesterday's recording and the window's quiet minutes together: more of the usual workload's variety.
    reference = t.baseline_logs + [line for line in t.logs if line.timestamp <= split]
    if not symptom or not reference:
        return []
    index = TemplateIndex()
    before = _counts(reference, index)
    after = _counts(symptom, index)
    onsets = _first_seen(symptom, index)
    after_spans = [s for s in t.spans if split < s.start <= end]
    before_spans = t.baseline_spans + [s for s in t.spans if s.start <= split]
    after_traces = trace_sets(symptom, after_spans, index)
    yesterday = _counts(t.baseline_logs, index)
    findings: list[Finding] = []
    for service in sorted(set(before) | set(after)):
        found = _service_findings(service, before.get(service, Counter()), after.get(service, Counter()), onsets)
        if service in yesterday:  # an error of the service's own code unseen yesterday, even if the window had it
            own_errors = _service_findings(service, yesterday[service], after.get(service, Counter()), onsets)
            found = _strongest(found + [f for f in own_errors if f.data["error"] and f.data["statement"]])
        for finding in found:
            if finding.data["error"] and finding.data["change"] == "new" and finding.data["statement"]:
                finding.data["statement"] = bracket(finding.signal, after_traces.get(service, {}))
        findings.extend(found)
    references = [trace_sets(reference, before_spans, index)]
    if t.baseline_logs:  # a fault already under way in the window's early minutes hides its breaks from them
        references.append(trace_sets(t.baseline_logs, t.baseline_spans, index))
    starts: dict[str, float] = {}
    for line in symptom:  # when each trace first logged: a break's onset is its first broken trace
        if line.trace_id and line.timestamp < starts.get(line.trace_id, float("inf")):
            starts[line.trace_id] = line.timestamp
    findings.extend(detect_flow_breaks(references, after_traces, starts, downstream_of(t.edges)))
    return findings


def log_onset(t: RuntimeTelemetry, split: float, end: float) -> float:
    """Just before the first minute a template departing from yesterday at the alert began to depart, so the
    incident's own minutes never serve as its reference. A run that was already under way when the window opened
    has no quiet minute before it and says nothing of the onset; `split` when nothing departed well before it."""
    if not t.baseline_logs:
        return split
    index = TemplateIndex()
    yesterday = _counts(t.baseline_logs, index)
    late = _counts([line for line in t.logs if split < line.timestamp <= end], index)
    departing = {
        (service, finding.signal)
        for service, counts in late.items()
        if service in yesterday
        for finding in _service_findings(service, yesterday[service], counts, {})
        if finding.data["change"] != "gone"
    }
    if not departing:
        return split
    start = t.window.start.timestamp()
    minutes = int((end - start) // ONSET_STEP) + 1
    late_minute = int((split - start) // ONSET_STEP)
    per_minute: dict[str, Counter[int]] = defaultdict(Counter)
    template_minutes: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    for line in t.logs:
        if not start <= line.timestamp <= end:
            continue
        minute = int((line.timestamp - start) // ONSET_STEP)
        per_minute[line.service][minute] += 1
        key = (line.service, index.template(line.level, line.message))
        if key in departing:
            template_minutes[key][minute] += 1
    onset = split
    for (service, template), counts in template_minutes.items():
        total = sum(yesterday[service].values())
        share = (yesterday[service][template] + PSEUDO_COUNT) / (total + PSEUDO_COUNT * len(yesterday[service]))
        hits = np.zeros(minutes, bool)
        for minute in range(minutes):
            expected = share * per_minute[service][minute]
            hits[minute] = counts[minute] > expected + math.sqrt(expected + 1.0)
        late = np.flatnonzero(hits[late_minute:])
        if not len(late):
            continue
        first = run_start(hits, late_minute + int(late[0]))
        if first > 0:
            onset = min(onset, start + first * ONSET_STEP - 1e-3)
    # a run that began within one alert delay of the assumed start is that symptom (an injected fault a minute or
    # two early, a minute bucket's edge); only one that began well before it says the alert fired late
    return onset if onset < split - SYMPTOM_SECONDS else split


def _strongest(findings: list[Finding]) -> list[Finding]:
    best: dict[str, Finding] = {}
    for finding in findings:
        if finding.signal not in best or finding.score > best[finding.signal].score:
            best[finding.signal] = finding
    return sorted(best.values(), key=lambda f: (-f.score, f.signal))


def downstream_of(edges: list[DependencyEdge]) -> dict[str, set[str]]:
    """Every service each service reaches through its calls (transitively)."""
    callees: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        if edge.caller != edge.callee:
            callees[edge.caller].add(edge.callee)
    reach: dict[str, set[str]] = {}
    for service in list(callees):
        seen, stack = set(), list(callees[service])
        while stack:
            other = stack.pop()
            if other not in seen:
                seen.add(other)
                stack.extend(callees.get(other, ()))
        reach[service] = seen
    return reach


def _counts(lines: list[LogLine], index: TemplateIndex) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for line in lines:
        out[line.service][index.template(line.level, line.message)] += 1
    return out


def _first_seen(lines: list[LogLine], index: TemplateIndex) -> dict[tuple[str, str], float]:
    seen: dict[tuple[str, str], float] = {}
    for line in lines:
        key = (line.service, index.template(line.level, line.message))
        seen[key] = min(seen.get(key, line.timestamp), line.timestamp)
    return seen


def _service_findings(
    service: str, before: Counter[str], after: Counter[str], onsets: dict[tuple[str, str], float]
) -> list[Finding]:
    """Compare each template's share of the service's lines: traffic that merely rises or falls moves nothing."""
    total_before, total_after = sum(before.values()), sum(after.values())
    if total_after == 0 or total_before == 0:
        return []
    templates = set(before) | set(after)
    scored = []
    for template in templates:
        share = (before[template] + PSEUDO_COUNT) / (total_before + PSEUDO_COUNT * len(templates))
        expected, observed = share * total_after, after[template]
        z = (observed - expected) / math.sqrt(expected + 1.0)
        is_error = template.split(" ", 1)[0] in ERROR_LEVELS
        if z > 0:
            change = "new" if before[template] == 0 else "surge"
            score = z * (2.0 if is_error else 1.0)
        elif expected >= MIN_EXPECTED_FOR_GONE:
            change, score = "gone", -z
        else:
            continue
        if score >= MIN_SCORE:
            scored.append((score, template, change, is_error, expected, observed))
    scored.sort(key=lambda row: (-row[0], row[1]))
    findings = []
    for score, template, change, is_error, expected, observed in scored[:MAX_FINDINGS_PER_SERVICE]:
        onset = onsets.get((service, template))
        findings.append(
            Finding(
                kind=EvidenceKind.log_pattern,
                service=service,
                signal=template,
                score=round(score, 3),
                onset=onset,
                summary=f"{service}: log template '{template}' {change} ({observed} lines, {expected:.1f} expected)",
                data={
                    "change": change,
                    "error": is_error,
                    "statement": statement_of(template) or "",
                    "expected": round(expected, 3),
                    "observed": observed,
                    "onset": onset,
                },
            )
        )
    return findings
