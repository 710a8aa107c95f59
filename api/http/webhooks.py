"""Vendor payloads -> InvestigationRequests: Alertmanager, Grafana alerting, PagerDuty v3 and Jira webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from graphs.contracts import InvestigationRequest, RequestKind, Severity

SEVERITIES = {s.value: s for s in Severity} | {
    "warning": Severity.medium,
    "error": Severity.high,
    "page": Severity.high,
}
SERVICE_LABELS = ("service", "app", "application", "job", "namespace")


class Vendor(BaseModel):
    model_config = ConfigDict(extra="allow")


class AlertmanagerAlert(Vendor):
    status: str = "firing"
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime | None = None
    fingerprint: str | None = Field(None, max_length=200)


class AlertmanagerPayload(Vendor):
    """Alertmanager webhook v4; Grafana's webhook contact point sends the same shape with more fields."""

    version: str = "4"
    status: str = "firing"
    receiver: str = ""
    alerts: list[AlertmanagerAlert] = Field(..., max_length=1000)
    commonLabels: dict[str, str] = Field(default_factory=dict)


class PagerDutyService(Vendor):
    summary: str = ""


class PagerDutyIncident(Vendor):
    id: str
    title: str = ""
    incident_key: str | None = None
    urgency: str | None = None
    service: PagerDutyService | None = None
    priority: dict[str, Any] | None = None


class PagerDutyEvent(Vendor):
    event_type: str
    occurred_at: datetime | None = None
    data: PagerDutyIncident


class PagerDutyPayload(Vendor):
    """PagerDuty v3 webhook: `{"event": {"event_type": "incident.triggered", "data": {...incident}}}`."""

    event: PagerDutyEvent


class JiraIssue(Vendor):
    key: str = Field(..., max_length=200)
    fields: dict[str, Any] = Field(default_factory=dict)


class JiraPayload(Vendor):
    """Jira webhook: `{"webhookEvent": "jira:issue_created", "issue": {"key", "fields": {...}}}`."""

    webhookEvent: str
    issue: JiraIssue


def from_alertmanager(
    payload: AlertmanagerPayload, *, tenant: str, source: str
) -> tuple[list[InvestigationRequest], int]:
    """One request per firing alert (dedup key: its fingerprint); resolved alerts are ignored."""
    requests, ignored = [], 0
    for alert in payload.alerts:
        if alert.status != "firing":
            ignored += 1
            continue
        labels = {**payload.commonLabels, **alert.labels}
        text = (
            alert.annotations.get("summary")
            or alert.annotations.get("description")
            or labels.get("alertname")
            or "alert firing"
        )
        services = [labels[name] for name in SERVICE_LABELS if labels.get(name)][:1]
        fingerprint = alert.fingerprint or _fingerprint(labels)
        requests.append(
            InvestigationRequest(
                source=source,
                kind=RequestKind.alert,
                text=text[:20_000],
                services=services,
                at=alert.startsAt,
                severity=SEVERITIES.get(labels.get("severity", "").lower(), Severity.high),
                tenant=tenant,
                dedup_key=f"{source}:{fingerprint}",
                labels={k: str(v)[:500] for k, v in list(labels.items())[:50]},
            )
        )
    return requests, ignored


def from_pagerduty(payload: PagerDutyPayload, *, tenant: str) -> tuple[list[InvestigationRequest], int]:
    """`incident.triggered` starts an investigation keyed by the incident key; other events are ignored."""
    event = payload.event
    if event.event_type != "incident.triggered":
        return [], 1
    incident = event.data
    priority = str((incident.priority or {}).get("summary", "")).upper()
    severity = Severity.critical if priority == "P1" else Severity.low if incident.urgency == "low" else Severity.high
    request = InvestigationRequest(
        source="pagerduty",
        kind=RequestKind.alert,
        text=(incident.title or f"PagerDuty incident {incident.id}")[:20_000],
        services=[incident.service.summary] if incident.service and incident.service.summary else [],
        at=event.occurred_at,
        severity=severity,
        tenant=tenant,
        dedup_key=f"pagerduty:{incident.incident_key or incident.id}",
    )
    return [request], 0


def from_jira(payload: JiraPayload, *, tenant: str) -> tuple[list[InvestigationRequest], int]:
    """A created issue starts a ticket investigation keyed by the issue key; other events are ignored."""
    if payload.webhookEvent != "jira:issue_created":
        return [], 1
    fields = payload.issue.fields
    text = "\n\n".join(part for part in (str(fields.get("summary") or ""), _plain(fields.get("description"))) if part)
    components = [c.get("name", "") for c in fields.get("components") or [] if isinstance(c, dict)]
    request = InvestigationRequest(
        source="jira",
        kind=RequestKind.ticket,
        text=(text or payload.issue.key)[:20_000],
        services=[c for c in components if c][:5],
        tenant=tenant,
        ticket_key=payload.issue.key,
        dedup_key=f"jira:{payload.issue.key}",
    )
    return [request], 0


def _plain(description: Any) -> str:
    """Jira descriptions are wiki text (API v2) or an Atlassian Document Format tree (v3), walked without recursion
    (the request guard bounds the depth; a walk over client input must not depend on the interpreter's stack)."""
    if isinstance(description, str):
        return description
    parts: list[str] = []
    stack = [description]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("text"), str) and node["text"]:
            parts.append(node["text"])
        children = node.get("content")
        if isinstance(children, list):
            stack.extend(reversed(children))
    return " ".join(parts)


def _fingerprint(labels: dict[str, str]) -> str:
    from graphs.contracts import stable_hash

    return stable_hash(sorted(labels.items()))[:16]
