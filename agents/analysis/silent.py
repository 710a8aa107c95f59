"""A silent dependency: a callee deployed before its caller began failing, whose own behaviour moved within minutes of
that deploy (or, for a caller that only does less, whose deploy went live just before) while it reports no error of
its own; the caller, with no change live before its trouble, rejects its answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.analysis.change_rivals import CODE_KINDS, effective_at
from graphs.contracts import EvidenceKind

if TYPE_CHECKING:
    from agents.analysis.service_view import ServiceView

SHIPPING_KINDS = {"deploy", "feature_flag", "config"}
LEAD_S = 15 * 60.0  # the callee's change this shortly before the caller's failures
TOLERANCE_S = 120.0


def _changed_live_before(view: ServiceView, onset: float, lead_s: float) -> bool:
    return any(
        c.data.get("change_kind") in SHIPPING_KINDS | CODE_KINDS
        and (live := effective_at(c, view.changes)) is not None
        and onset - lead_s <= live <= onset + TOLERANCE_S
        for c in view.changes
    )


def silent_callees(
    frontier: set[str], views: dict[str, ServiceView], callees: dict[str, set[str]], lead_s: float
) -> dict[str, str]:
    """Frontier service -> the silent callee that explains it: the callee shipped a change within `lead_s` before the
    frontier's failures, its behaviour departed within minutes of that change and before those failures (for a quiet
    frontier, doing less without failing, its going live in the two minutes before will do), it shows no fault; the
    frontier changed nothing live. A quiet callee found so is asked the same of its own callees."""
    found: dict[str, str] = {}
    todo = sorted(frontier)
    while todo:
        service = todo.pop(0)
        if service in found:
            continue
        view = views[service]
        onset = view.failing_onset
        quiet = onset is None  # it does less without failing: only what it got from below can say why
        onset = view.onset if quiet else onset
        if onset is None or (not quiet and _changed_live_before(view, onset, lead_s)):
            continue
        for callee in sorted(callees.get(service, ())):
            other = views.get(callee)
            if other is None or other.faults:
                continue
            shipped = [
                float(c.data["onset"])
                for c in other.changes
                if c.data.get("change_kind") in SHIPPING_KINDS and onset - lead_s <= c.data["onset"] <= onset
            ]
            moved = [
                float(a.data["onset"])
                for a in other.anomalies
                if a.kind is not EvidenceKind.log_pattern or a.data.get("detector") != "identifier"
            ]
            if quiet:  # a change of its own live after the callee's is the closer explanation
                shipped = [at for at in shipped if not _changed_live_before(view, onset, onset - at + TOLERANCE_S)]
            # the callee moved within minutes of its change and before the caller failed: change, callee, caller
            moved_after = any(
                at - TOLERANCE_S <= m <= min(at + LEAD_S, onset + TOLERANCE_S) for at in shipped for m in moved
            )
            # a quiet service can only have got its new behaviour from below: a callee live just before will do
            if moved_after or (quiet and any(onset - TOLERANCE_S <= at <= onset for at in shipped)):
                found[service] = callee
                if callee not in found and callee not in frontier:
                    todo.append(callee)  # what it answered may be what its own callee answered it
                break
    return found
