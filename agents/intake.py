"""Intake: validate the request, decide the scope (services, time window, baseline) and the dedup key."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.services import get_services
from graphs.contracts import InvestigationRequest, Scope, TimeWindow, stable_hash


async def intake(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    services = get_services(config)
    settings = services.settings
    request = InvestigationRequest.model_validate(state["request"])
    at = request.at or (request.window.end if request.window else datetime.now(UTC))
    window = request.window or TimeWindow(
        start=at - timedelta(minutes=settings.runtime_lookback_minutes),
        end=at + timedelta(minutes=settings.after_alert_minutes),
    )
    shift = timedelta(minutes=settings.baseline_shift_minutes)
    known = await services.gateway.call("log-system", "list_services", {})
    named = _services_named(request, (known.data or {}).get("services", []) if known.ok else [])
    scope = Scope(
        services=named,
        window=window,
        baseline=TimeWindow(start=window.start - shift, end=window.end - shift),
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


def _services_named(request: InvestigationRequest, known: list[str]) -> list[str]:
    """Services the requester named, plus known services the text mentions by name."""
    text = request.text.lower()
    mentioned = [s for s in known if re.search(rf"(?<![\w-]){re.escape(s.lower())}(?![\w-])", text)]
    return list(dict.fromkeys([*request.services, *mentioned]))
