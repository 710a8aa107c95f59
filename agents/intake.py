"""Intake: validate the request, decide the scope (services, time window, baseline) and the dedup key."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.collector.bug_parse import parse_ticket
from agents.services import NodeServices, get_services
from graphs.contracts import TENANT_NAME, InvestigationRequest, RequestKind, Scope, Ticket, TimeWindow, stable_hash
from memory.audit.redact import DEFAULT_REDACTOR, REDACTED

TICKET_AFTER = timedelta(minutes=5)


async def intake(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    services = get_services(config)
    settings = services.settings
    # first, before anything derives from it (queries, dedup key, report, audit): the request without its secrets
    request = redact_request(InvestigationRequest.model_validate(state["request"]))
    tenant = authenticated_tenant(config)
    if tenant is not None and tenant != request.tenant:
        # the runtime authenticated the caller: its tenant wins over whatever the body claims, so an SDK or cron run
        # is audited under, and searches the memory of, the tenant that started it
        request = request.model_copy(update={"tenant": tenant})
    at = request.at or (request.window.end if request.window else datetime.now(UTC))
    window = request.window or TimeWindow(
        start=at - timedelta(minutes=settings.runtime_lookback_minutes),
        end=at + timedelta(minutes=settings.after_alert_minutes),
    )
    shift = timedelta(minutes=settings.reference_shift_minutes)
    half = timedelta(minutes=settings.reference_half_width_minutes)
    known = await services.gateway.call("log-system", "list_services", {})
    identifiers: dict[str, list[str]] = {}
    if request.ticket_key or request.kind is RequestKind.ticket:
        request, window, identifiers = await resolve_ticket(request, window, services)
    named = _services_named(request, (known.data or {}).get("services", []) if known.ok else [])
    named = await _canonical(named, services)
    scope = Scope(
        services=named,
        window=window,
        identifiers=identifiers,
        baseline=TimeWindow(start=window.start - timedelta(minutes=settings.baseline_minutes), end=window.start),
        reference=TimeWindow(start=window.start - shift - half, end=window.start - shift + half),
    )
    if not request.dedup_key:
        request = request.model_copy(update={"dedup_key": stable_hash([request.tenant, request.text, named])[:16]})
    investigation_id = (config.get("configurable") or {}).get("thread_id") or uuid.uuid4().hex
    return {
        "request": request.model_dump(mode="json"),
        "investigation_id": str(investigation_id),
        "scope": scope.model_dump(mode="json"),
        "iteration": 0,
        "started_at": time.time(),
    }


def redact_request(request: InvestigationRequest) -> InvestigationRequest:
    """The request with every secret the audit patterns know replaced in its text, labels, services and ticket key;
    a label whose key names a secret (`password`, `token`...) loses its value whole."""
    redactor = DEFAULT_REDACTOR
    labels = {
        redactor.redact_text(key): REDACTED if redactor.is_sensitive_key(key) and value else redactor.redact_text(value)
        for key, value in request.labels.items()
    }
    update = {
        "text": redactor.redact_text(request.text),
        "labels": labels,
        "services": [redactor.redact_text(s) for s in request.services],
        "ticket_key": redactor.redact_text(request.ticket_key) if request.ticket_key else None,
    }
    return request.model_copy(update=update)


def authenticated_tenant(config: RunnableConfig) -> str | None:
    """The tenant the serving runtime authenticated for this run (our auth hook's identity); None in the CLI."""
    configurable = config.get("configurable") or {}
    user = configurable.get("langgraph_auth_user")
    identity = getattr(user, "identity", None) if user is not None else configurable.get("langgraph_auth_user_id")
    if isinstance(user, Mapping):
        identity = user.get("identity")
    return identity if isinstance(identity, str) and re.match(TENANT_NAME, identity) else None


def _services_named(request: InvestigationRequest, known: list[str]) -> list[str]:
    """Services the requester named, plus known services the text mentions by name."""
    text = request.text.lower()
    mentioned = [s for s in known if re.search(rf"(?<![\w-]){re.escape(s.lower())}(?![\w-])", text)]
    return list(dict.fromkeys([*request.services, *mentioned]))


async def resolve_ticket(
    request: InvestigationRequest, window: TimeWindow, services: NodeServices
) -> tuple[InvestigationRequest, TimeWindow, dict[str, list[str]]]:
    """A ticket is read first: its text, services, ids and times set the scope (the window ends when it was filed)."""
    if not request.ticket_key:
        return request.model_copy(update={"kind": RequestKind.ticket}), window, {}
    found = await services.gateway.call("ticket-system", "get_ticket", {"key": request.ticket_key})
    raw = (found.data or {}).get("ticket") if found.ok else None
    if not raw:
        return request.model_copy(update={"kind": RequestKind.ticket}), window, {}
    ticket = Ticket.model_validate(raw)
    context = parse_ticket(ticket)
    created = datetime.fromtimestamp(ticket.created, UTC)
    lookback = timedelta(minutes=services.settings.release_lookback_minutes)
    first = min([*context.times, created])
    if not request.window:
        window = TimeWindow(start=first - lookback, end=max([*context.times, created]) + TICKET_AFTER)
    text = request.text if ticket.key in request.text and len(request.text) > 40 else ""
    update = {
        "kind": RequestKind.ticket,
        "text": (text or f"{ticket.key}: {ticket.title}\n{ticket.description}")[:20_000],
        "services": list(dict.fromkeys([*request.services, *ticket.services])),
        "at": request.at or created,
    }
    identifiers = {"id": context.identifiers, "error_code": context.error_codes}
    return request.model_copy(update=update), window, {k: v for k, v in identifiers.items() if v}


async def _canonical(names: list[str], services: NodeServices) -> list[str]:
    """Names and aliases resolved through the service registry; unknown names are kept as written."""
    out = []
    for name in names:
        result = await services.gateway.call("service-registry", "resolve_service", {"name": name})
        info = (result.data or {}).get("service") if result.ok else None
        out.append(info["name"] if info else name)
    return list(dict.fromkeys(out))
