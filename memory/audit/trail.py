"""`AuditTrail`: one investigation's typed audit calls, so callers never build payloads by hand.

Payload shapes (what `lineage.py` and `bundle.py` read back):
- tool_call: `ToolCallRecord` fields; the redacted raw response is a blob under `response_hash`.
- model_call: system, model, node, tokens, prompt_hash, response_hash; the redacted response is a blob.
- evidence_created: evidence_id, tool_call_id (or None), evidence (the whole item).
- report_published: report_hash, status, confidence; the whole report is a blob under `report_hash`.
- others: the model under its own name (`request`, `decision`, `hypothesis`, `verdict`, `action`), or `text`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from graphs.contracts import stable_hash
from memory.audit.base import AuditLog
from memory.audit.events import AuditDraft, AuditEvent, AuditEventType, canonical_json
from memory.audit.redact import DEFAULT_REDACTOR, Redactor


class ToolCallRecord(BaseModel):
    """The payload of a tool_call event."""

    tool_call_id: str
    interface: str
    provider: str
    operation: str
    args: dict[str, Any] = Field(default_factory=dict, description="Redacted arguments.")
    args_hash: str
    response_hash: str
    outcome: str = "ok"
    retries: int = 0
    breaker_state: str | None = None
    duration_ms: float | None = None
    error: str | None = None
    approval_id: str | None = None
    response_bytes: int = 0


def _dump(value: BaseModel | dict[str, Any]) -> dict[str, Any]:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else dict(value)


class AuditTrail:
    """Appends the events of one investigation to an `AuditLog`; raw responses go to its blob store."""

    def __init__(
        self, log: AuditLog, investigation_id: str, *, tenant: str = "default", redactor: Redactor = DEFAULT_REDACTOR
    ) -> None:
        self.log = log
        self.investigation_id = investigation_id
        self.tenant = tenant
        self.redactor = redactor

    async def record(self, type: AuditEventType, payload: dict[str, Any], *, actor: str = "system") -> AuditEvent:
        draft = AuditDraft(
            investigation_id=self.investigation_id, tenant=self.tenant, type=type, actor=actor, payload=payload
        )
        return await self.log.append(draft)

    async def store(self, key: str, value: Any, *, redacted: bool = False) -> int:
        """Put the redacted JSON of `value` under `key` (`redacted`: the caller already did); returns its size."""
        data = canonical_json(value if redacted else self.redactor.redact(value)).encode()
        await self.log.put_blob(key, data)
        return len(data)

    async def request_received(self, request: BaseModel | dict[str, Any], *, actor: str = "intake") -> AuditEvent:
        return await self.record(AuditEventType.request_received, {"request": _dump(request)}, actor=actor)

    async def routing_decision(self, decision: BaseModel | dict[str, Any], *, actor: str = "router") -> AuditEvent:
        return await self.record(AuditEventType.routing_decision, {"decision": _dump(decision)}, actor=actor)

    async def tool_call(
        self,
        *,
        tool_call_id: str,
        interface: str,
        provider: str,
        operation: str,
        args: dict[str, Any],
        response: Any,
        outcome: str = "ok",
        retries: int = 0,
        breaker_state: str | None = None,
        duration_ms: float | None = None,
        error: str | None = None,
        args_hash: str | None = None,
        response_hash: str | None = None,
        approval_id: str | None = None,
        actor: str = "gateway",
        redacted: bool = False,
    ) -> AuditEvent:
        """Record one tool call; pass the hashes the gateway put in `Lineage` so lineage finds the blob.

        `redacted`: the response already passed the redactor (the gateway's always has), so it is not scanned twice.
        """
        response_hash = response_hash or stable_hash(response)
        size = await self.store(response_hash, response, redacted=redacted)
        record = ToolCallRecord(
            tool_call_id=tool_call_id,
            interface=interface,
            provider=provider,
            operation=operation,
            args=args,
            args_hash=args_hash or stable_hash(args),
            response_hash=response_hash,
            outcome=outcome,
            retries=retries,
            breaker_state=breaker_state,
            duration_ms=duration_ms,
            error=error,
            approval_id=approval_id,
            response_bytes=size,
        )
        return await self.record(AuditEventType.tool_call, record.model_dump(mode="json"), actor=actor)

    async def model_call(
        self,
        *,
        system: str,
        model: str,
        node: str,
        prompt: Any,
        response: Any,
        input_tokens: int = 0,
        output_tokens: int = 0,
    ) -> AuditEvent:
        """Record one model call with its response kept for replay."""
        response_hash = stable_hash(response)
        await self.store(response_hash, response)
        payload = {
            "system": system,
            "model": model,
            "node": node,
            "prompt_hash": stable_hash(prompt),
            "response_hash": response_hash,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
        }
        return await self.record(AuditEventType.model_call, payload, actor=node)

    async def evidence_created(self, evidence: BaseModel | dict[str, Any], *, actor: str = "collect") -> AuditEvent:
        item = _dump(evidence)
        lineage = item.get("lineage") or {}
        payload = {"evidence_id": item.get("id"), "tool_call_id": lineage.get("tool_call_id"), "evidence": item}
        return await self.record(AuditEventType.evidence_created, payload, actor=actor)

    async def hypothesis(self, hypothesis: BaseModel | dict[str, Any], *, actor: str = "hypothesis") -> AuditEvent:
        return await self.record(AuditEventType.hypothesis, {"hypothesis": _dump(hypothesis)}, actor=actor)

    async def verdict(self, verdict: BaseModel | dict[str, Any], *, actor: str = "verifier") -> AuditEvent:
        return await self.record(AuditEventType.verdict, {"verdict": _dump(verdict)}, actor=actor)

    async def action_proposed(self, action: BaseModel | dict[str, Any], *, actor: str = "reporter") -> AuditEvent:
        return await self.record(AuditEventType.action_proposed, {"action": _dump(action)}, actor=actor)

    async def action_approved(
        self, action_id: str, *, by: str, decision: Literal["approved", "rejected"] = "approved"
    ) -> AuditEvent:
        payload = {"action_id": action_id, "approved_by": by, "decision": decision}
        return await self.record(AuditEventType.action_approved, payload, actor=by)

    async def report_published(self, report: BaseModel | dict[str, Any], *, actor: str = "reporter") -> AuditEvent:
        item = _dump(report)
        report_hash = stable_hash(item)
        await self.store(report_hash, item)
        payload = {"report_hash": report_hash, "status": item.get("status"), "confidence": item.get("confidence")}
        return await self.record(AuditEventType.report_published, payload, actor=actor)

    async def note(self, text: str, *, actor: str = "system", **extra: Any) -> AuditEvent:
        return await self.record(AuditEventType.note, {"text": text, **extra}, actor=actor)


__all__ = ["AuditTrail", "ToolCallRecord"]
