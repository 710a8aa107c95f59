"""Our REST routes: webhooks, investigations, approvals and feedback. Every one needs a tenant API key."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request

from api.auth.tenants import Principal
from api.http import feedback_memory, investigations, signatures, webhooks
from api.http.deps import ContextDep, PrincipalDep, TenantDep
from api.http.metrics import FEEDBACK, WEBHOOKS
from api.http.models import (
    INVESTIGATION_ID,
    Accepted,
    Approval,
    ErrorBody,
    Feedback,
    FeedbackRecorded,
    InvestigationView,
    StartInvestigation,
    WebhookAccepted,
)
from graphs.contracts import InvestigationRequest

InvestigationId = Annotated[str, Path(pattern=INVESTIGATION_ID, description="The LangGraph thread id.")]
ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422)}
router = APIRouter(prefix="/v1", responses=ERRORS)
FEEDBACK_STREAM = "pm:feedback:{tenant}"
SEEN_KEY = "pm:webhook-seen:{tenant}:{vendor}:{digest}"
REPLAY_TTL_SECONDS = 7 * 24 * 3600  # vendors without a signed timestamp: a signature is accepted once a week


async def _deliver(
    ctx: ContextDep, tenant: str, vendor: str, request: Request, parsed: tuple[list[InvestigationRequest], int]
) -> WebhookAccepted:
    settings = ctx.settings
    try:
        digest = signatures.verify(
            vendor,
            request.headers,
            await request.body(),
            await _secret(tenant),
            max_skew=settings.webhook_max_skew_seconds,
        )
    except signatures.SignatureError as error:
        WEBHOOKS.labels(vendor=vendor, outcome="bad_signature").inc()
        raise HTTPException(status_code=401, detail=str(error)) from None
    requests, ignored = parsed
    seen = SEEN_KEY.format(tenant=tenant, vendor=vendor, digest=digest)
    if digest and not await ctx.redis.set(seen, "1", nx=True, ex=REPLAY_TTL_SECONDS):
        # a vendor's retry of a delivery still being investigated joins it; anything else it would start is a replay
        if not requests or not all([await investigations.open_holder(ctx, r) for r in requests]):
            WEBHOOKS.labels(vendor=vendor, outcome="replay").inc()
            raise HTTPException(
                status_code=409, detail=f"{vendor} delivery already received (same signature): a replay"
            )
        digest = None  # the first delivery owns the replay key
    try:
        accepted = [await investigations.start_or_attach(ctx, r) for r in requests]
    except BaseException:
        if digest:  # the sender retries a delivery we could not take: that retry is no replay
            await ctx.redis.delete(seen)
        raise
    WEBHOOKS.labels(vendor=vendor, outcome="accepted").inc()
    return WebhookAccepted(investigations=accepted, ignored=ignored)


async def _secret(tenant: str) -> str | None:
    from api.auth.hook import tenant_store

    return await tenant_store().webhook_secret(tenant)


@router.post("/webhooks/alertmanager", status_code=202, tags=["Webhooks"])
async def alertmanager(
    payload: webhooks.AlertmanagerPayload, request: Request, tenant: TenantDep, ctx: ContextDep
) -> WebhookAccepted:
    """Alertmanager webhook v4 (configure `http_config.authorization.credentials` with the API key)."""
    parsed = webhooks.from_alertmanager(payload, tenant=tenant, source="alertmanager")
    return await _deliver(ctx, tenant, "alertmanager", request, parsed)


@router.post("/webhooks/grafana", status_code=202, tags=["Webhooks"])
async def grafana(
    payload: webhooks.AlertmanagerPayload, request: Request, tenant: TenantDep, ctx: ContextDep
) -> WebhookAccepted:
    """Grafana alerting webhook contact point; an `X-Grafana-Alerting-Signature` HMAC is verified when sent."""
    parsed = webhooks.from_alertmanager(payload, tenant=tenant, source="grafana")
    return await _deliver(ctx, tenant, "grafana", request, parsed)


@router.post("/webhooks/pagerduty", status_code=202, tags=["Webhooks"])
async def pagerduty(
    payload: webhooks.PagerDutyPayload, request: Request, tenant: TenantDep, ctx: ContextDep
) -> WebhookAccepted:
    """PagerDuty v3 webhook; `X-PagerDuty-Signature` (v1=HMAC-SHA256) is verified when sent."""
    return await _deliver(ctx, tenant, "pagerduty", request, webhooks.from_pagerduty(payload, tenant=tenant))


@router.post("/webhooks/jira", status_code=202, tags=["Webhooks"])
async def jira(payload: webhooks.JiraPayload, request: Request, tenant: TenantDep, ctx: ContextDep) -> WebhookAccepted:
    """Jira issue webhook; `X-Hub-Signature` (sha256=HMAC) is verified when sent."""
    return await _deliver(ctx, tenant, "jira", request, webhooks.from_jira(payload, tenant=tenant))


@router.post("/investigations", status_code=202, tags=["Investigations"])
async def start_investigation(body: StartInvestigation, tenant: TenantDep, ctx: ContextDep) -> Accepted:
    """Start an investigation in the background; answers 202 with its thread id."""
    request = InvestigationRequest(source="api", tenant=tenant, **body.model_dump(exclude_none=True))
    return await investigations.start_or_attach(ctx, request)


@router.get("/investigations/{investigation_id}", tags=["Investigations"])
async def get_investigation(investigation_id: InvestigationId, tenant: TenantDep, ctx: ContextDep) -> InvestigationView:
    """Status, pending approvals and (when done) the report; another tenant's investigation answers 404."""
    try:
        return await investigations.view(ctx, tenant, investigation_id)
    except investigations.InvestigationNotFound:
        raise HTTPException(status_code=404, detail=f"investigation {investigation_id} not found") from None


@router.post("/investigations/{investigation_id}/approval", status_code=202, tags=["Investigations"])
async def approve(
    investigation_id: InvestigationId, body: Approval, principal: PrincipalDep, ctx: ContextDep
) -> Accepted:
    """Approve or reject the proposed actions an investigation waits on (resumes its interrupt). With a personal
    API key the decision is recorded as its holder's."""
    answer = {**body.model_dump(), "by": _acting_person(principal, body.by) or body.by}
    try:
        return await investigations.resume(ctx, principal.tenant, investigation_id, answer)
    except investigations.InvestigationNotFound:
        raise HTTPException(status_code=404, detail=f"investigation {investigation_id} not found") from None
    except ValueError as error:
        raise HTTPException(status_code=409, detail=str(error)) from None


@router.post("/feedback", status_code=201, tags=["Feedback"])
async def feedback(body: Feedback, principal: PrincipalDep, ctx: ContextDep) -> FeedbackRecorded:
    """Record whether a report's root cause was correct: kept in the tenant's Redis stream, and a verifier's
    (PM_FEEDBACK_VERIFIERS) verdict becomes a past incident in the incident memory investigations search. A
    verifier is the holder of a personal API key (`tenants key TENANT --user NAME`), never a name in the body."""
    tenant, person = principal.tenant, _acting_person(principal, body.by)
    by = person or body.by
    try:
        found = await investigations.view(ctx, tenant, body.investigation_id)
    except investigations.InvestigationNotFound:
        raise HTTPException(status_code=404, detail=f"investigation {body.investigation_id} not found") from None
    entry = {"event": json.dumps({**body.model_dump(), "by": by, "authenticated": person is not None})}
    entry_id = await ctx.redis.xadd(FEEDBACK_STREAM.format(tenant=tenant), entry, maxlen=100_000, approximate=True)
    FEEDBACK.labels(verdict=body.verdict).inc()
    outcome = await feedback_memory.remember(tenant, body, found.report, by=by, authenticated=person is not None)
    return FeedbackRecorded(
        investigation_id=body.investigation_id,
        verdict=body.verdict,
        id=str(entry_id),
        verified=outcome.verified,
        stored_in_memory=outcome.stored_in_memory,
    )


def _acting_person(principal: Principal, claimed: str) -> str | None:
    """The key holder for a personal key (403 if the body claims someone else); None for a tenant's own key."""
    if principal.user is None:
        return None
    if claimed not in ("", "unknown", principal.user):
        raise HTTPException(
            status_code=403, detail=f"by: {claimed!r} is not the holder of this API key ({principal.user!r})"
        )
    return principal.user


__all__ = ["router"]
