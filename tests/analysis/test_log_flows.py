"""Broken statement flows: synthetic traces for the rules, and one real Train-Ticket slice (labels are not read)."""

from __future__ import annotations

from datetime import UTC, datetime

from agents.analysis.classify import classify
from agents.analysis.engine import findings_to_evidence
from agents.analysis.log_flows import bracket, detect_flow_breaks
from agents.analysis.models import Finding
from graphs.contracts import EvidenceKind, FaultType


def _traces(count: int, templates: set[str], prefix: str) -> dict[str, set[str]]:
    return {f"{prefix}{i}": set(templates) for i in range(count)}


def test_a_statement_that_stops_following_its_predecessor_is_a_break_bracketing_the_fault() -> None:
    usual = {"INFO a.B#10", "INFO a.B#20", "INFO a.B#30"}
    reference = {"svc": _traces(40, usual, "r")}
    symptom = {"svc": {**_traces(20, {"INFO a.B#10", "INFO a.B#20"}, "s"), **_traces(5, usual, "k")}}
    starts = {f"s{i}": 100.0 + i for i in range(20)}
    [finding] = detect_flow_breaks([reference], symptom, starts, {})
    assert finding.onset == 100.0  # the first broken trace
    assert finding.service == "svc" and finding.data["change"] == "break"
    assert finding.data["statement"] == "a.B#20_a.B#30"  # the nearest earlier statement of the same class
    assert finding.data["broken"] == 20 and finding.score >= 3.0


def test_a_usual_share_of_missing_statements_is_no_break() -> None:
    reference = {"svc": {**_traces(45, {"INFO a.B#10", "INFO a.B#30"}, "r"), **_traces(5, {"INFO a.B#10"}, "q")}}
    symptom = {"svc": {**_traces(18, {"INFO a.B#10", "INFO a.B#30"}, "s"), **_traces(2, {"INFO a.B#10"}, "t")}}
    assert detect_flow_breaks([reference], symptom, {}, {}) == []


def test_a_caller_whose_callee_broke_in_the_same_traces_is_explained_by_it() -> None:
    reference = {
        "caller": _traces(30, {"INFO c.C#1", "INFO c.C#2"}, "r"),
        "callee": _traces(30, {"SPAN op", "INFO d.D#5"}, "r"),
    }
    symptom = {"caller": _traces(20, {"INFO c.C#1"}, "s"), "callee": _traces(20, {"SPAN op"}, "s")}
    found = {f.service: f for f in detect_flow_breaks([reference], symptom, {}, {"caller": {"callee"}})}
    assert found["caller"].data["explained_by"] == "callee"
    assert found["callee"].data["explained_by"] == ""  # called, yet silent: its own code stopped logging
    assert found["callee"].data["statement"] == "d.D#5"


def test_an_error_statement_is_bracketed_by_its_class_neighbours() -> None:
    traces = {"t1": {"INFO a.B#100", "ERROR a.B#111", "INFO a.B#119", "INFO a.B#90"}, "t2": {"INFO x.Y#3"}}
    assert bracket("ERROR a.B#111", traces) == "a.B#100_a.B#119"


def _log_finding(change: str, *, error: bool, statement: str, score: float = 20.0) -> Finding:
    return Finding(
        kind=EvidenceKind.log_pattern,
        service="svc",
        signal=f"{change} {statement}",
        score=score,
        onset=datetime(2023, 1, 29, tzinfo=UTC).timestamp(),
        summary=f"{change} {statement}",
        data={"change": change, "error": error, "statement": statement},
    )


def test_a_wrong_return_value_logs_its_own_error_while_an_exception_only_silences() -> None:
    brk = _log_finding("break", error=False, statement="a.B#20_a.B#30")
    own_error = _log_finding("new", error=True, statement="a.B#100_a.B#119")
    fault, pinpoint, _ = classify(findings_to_evidence([brk, own_error]))
    assert fault is FaultType.return_value and pinpoint.ref == "a.B#20_a.B#30"
    fault, pinpoint, _ = classify(findings_to_evidence([brk]))
    assert fault is FaultType.exception and pinpoint.kind == "code"
