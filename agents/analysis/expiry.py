"""Expiry: a credential of a service (a client certificate, a token) that ran out as the trouble began.

A dependency that rejects an expired credential fails first in the telemetry, yet the cause sits with whoever
presented the credential: the service whose countdown reached zero at the onset explains its callees' failures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.analysis.metric_kinds import is_countdown
from graphs.contracts import Evidence, EvidenceKind

if TYPE_CHECKING:
    from agents.analysis.service_view import ServiceView

EXPIRY_TOLERANCE_S = 180.0  # the failures of a credential's holder and of the party rejecting it begin together


def expired_at(view: ServiceView) -> float | None:
    """When a countdown of the service (seconds to a certificate's expiry, a token's lifetime) reached zero."""
    onsets = [
        float(a.data["onset"])
        for a in view.anomalies
        if a.kind is EvidenceKind.metric_anomaly
        and a.data.get("fault")
        and a.data.get("direction", 0) < 0
        and is_countdown(str(a.data.get("metric", "")))
    ]
    return min(onsets) if onsets else None


def expired_credentials(views: dict[str, ServiceView]) -> dict[str, float]:
    """Services whose credential ran out no later than their own failures began (service -> when it expired)."""
    found: dict[str, float] = {}
    for name, view in views.items():
        at = expired_at(view)
        onset = view.fault_onset
        if at is not None and (onset is None or at <= onset + EXPIRY_TOLERANCE_S):
            found[name] = at
    return found


def rejected_by_callee(
    service: str, views: dict[str, ServiceView], callers: dict[str, set[str]], expired: dict[str, float]
) -> str | None:
    """The caller whose expired credential explains this service's failures: they began when it expired."""
    onset = views[service].fault_onset
    if onset is None:
        return None
    for caller in sorted(callers.get(service, ())):
        at = expired.get(caller)
        if at is not None and abs(onset - at) <= EXPIRY_TOLERANCE_S:
            return caller
    return None


def countdowns(view: ServiceView) -> list[Evidence]:
    """The countdown metrics of a service that reached zero, for the pinpoint."""
    return [
        a
        for a in view.anomalies
        if a.kind is EvidenceKind.metric_anomaly and a.data.get("fault") and is_countdown(str(a.data.get("metric", "")))
    ]
