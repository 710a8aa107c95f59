"""Feedback through our route teaches the incident memory that this process's served graph reads."""

from __future__ import annotations

from typing import Any

from api.http.models import Feedback
from graphs.contracts import Report
from memory.feedback import FeedbackEntry, FeedbackOutcome, record_feedback


async def remember(
    tenant: str, body: Feedback, report: dict[str, Any] | None, *, by: str, authenticated: bool
) -> FeedbackOutcome:
    """Governed as in the CLI: a PM_FEEDBACK_VERIFIERS verdict becomes a past incident, anything else waits apart.
    Only an authenticated person (a personal API key, a signed Slack user) can be a verifier: a name typed into
    the request is recorded but never trusted."""
    from agents.services import get_services, process_incident_memory

    settings = get_services(None).settings
    entry = FeedbackEntry(
        investigation_id=body.investigation_id,
        tenant=tenant,
        verdict=body.verdict,
        by=by,
        source="api",
        comment=body.note,
    )
    return await record_feedback(
        entry,
        Report.model_validate(report) if report else None,
        verifiers=set(settings.feedback_verifiers) if authenticated else set(),
        home=settings.home,
        memory=process_incident_memory(),
    )
