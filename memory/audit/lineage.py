"""Evidence lineage: from a claim of the report to its evidence, the tool call behind each, and the raw response.

Claims are numbered in the order a reader meets them in the report:
- claim 0: the root cause statement (`root_cause.evidence_ids`); without a root cause, the top verdict's evidence;
- claims 1..A: the alternatives in rank order (supporting, then contradicting evidence);
- claims A+1..A+T: the timeline entries in order.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field
from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from memory.audit.events import AuditEvent, AuditEventType

EXCERPT_CHARS = 400
ClaimKind = Literal["root_cause", "alternative", "timeline"]


class Claim(BaseModel):
    index: int
    kind: ClaimKind
    statement: str
    evidence_ids: list[str]
    contradicting_ids: list[str] = Field(default_factory=list)


class ToolCallRef(BaseModel):
    """The audit event of the tool call that produced a piece of evidence."""

    seq: int
    at: str
    tool_call_id: str
    interface: str
    provider: str
    operation: str
    outcome: str
    args: dict[str, Any]
    args_hash: str
    response_hash: str
    event_hash: str


class EvidenceLink(BaseModel):
    evidence_id: str
    role: Literal["supporting", "contradicting"] = "supporting"
    found: bool
    summary: str = ""
    kind: str = ""
    service: str | None = None
    tool_call_id: str | None = None
    tool_call: ToolCallRef | None = None
    response_found: bool = False
    response_matches_lineage: bool = False
    response_excerpt: str | None = None
    problem: str | None = None


class ClaimChain(BaseModel):
    """One claim with every link of its evidence chain, and what is missing."""

    investigation_id: str
    claim: Claim
    links: list[EvidenceLink]

    @property
    def complete(self) -> bool:
        return all(link.problem is None for link in self.links) and bool(self.links)


def list_claims(report: Mapping[str, Any]) -> list[Claim]:
    """Every claim of a report JSON in reading order (see the module docstring)."""
    claims = [_root_claim(report)]
    for hypothesis in report.get("alternatives") or []:
        claims.append(
            Claim(
                index=len(claims),
                kind="alternative",
                statement=f"{hypothesis.get('service', '?')}: {hypothesis.get('statement', '')}",
                evidence_ids=list(hypothesis.get("supporting") or []),
                contradicting_ids=list(hypothesis.get("contradicting") or []),
            )
        )
    for entry in report.get("timeline") or []:
        claims.append(
            Claim(
                index=len(claims),
                kind="timeline",
                statement=f"{entry.get('at', '')}  {entry.get('what', '')}",
                evidence_ids=list(entry.get("evidence_ids") or []),
            )
        )
    return claims


def _root_claim(report: Mapping[str, Any]) -> Claim:
    root = report.get("root_cause")
    if root:
        statement = f"{root.get('service', '?')} [{root.get('fault_type', '?')}]: {root.get('statement', '')}"
        return Claim(index=0, kind="root_cause", statement=statement, evidence_ids=list(root.get("evidence_ids") or []))
    verdicts = report.get("verdicts") or []
    ids: list[str] = []
    for item in (verdicts[0].get("checklist") or []) if verdicts else []:
        ids.extend(evidence_id for evidence_id in item.get("evidence_ids") or [] if evidence_id not in ids)
    status = report.get("status", "unconfirmed")
    return Claim(index=0, kind="root_cause", statement=f"no root cause confirmed (status {status})", evidence_ids=ids)


def explain_claim(
    report_json: Mapping[str, Any],
    audit_events: Sequence[AuditEvent],
    blobs: Mapping[str, bytes],
    claim_index: int,
) -> ClaimChain:
    """Follow claim `claim_index` of the report down to raw responses; ValueError names a claim that is not there."""
    claims = list_claims(report_json)
    if not 0 <= claim_index < len(claims):
        raise ValueError(f"claim {claim_index} does not exist: this report has claims 0..{len(claims) - 1}")
    claim = claims[claim_index]
    evidence = {item["id"]: item for item in report_json.get("evidence") or [] if "id" in item}
    calls = {
        event.payload.get("tool_call_id"): event for event in audit_events if event.type == AuditEventType.tool_call
    }
    roles = [(evidence_id, "supporting") for evidence_id in claim.evidence_ids]
    roles += [(evidence_id, "contradicting") for evidence_id in claim.contradicting_ids]
    links = [_link(evidence_id, role, evidence, calls, blobs) for evidence_id, role in roles]
    return ClaimChain(investigation_id=str(report_json.get("investigation_id", "")), claim=claim, links=links)


def _link(
    evidence_id: str,
    role: str,
    evidence: Mapping[str, dict[str, Any]],
    calls: Mapping[Any, AuditEvent],
    blobs: Mapping[str, bytes],
) -> EvidenceLink:
    item = evidence.get(evidence_id)
    if item is None:
        return EvidenceLink(evidence_id=evidence_id, role=role, found=False, problem="evidence not in the report")
    link = EvidenceLink(
        evidence_id=evidence_id,
        role=role,
        found=True,
        summary=item.get("summary", ""),
        kind=item.get("kind", ""),
        service=item.get("service"),
    )
    lineage = item.get("lineage")
    if not lineage:
        link.problem = "evidence has no lineage (no tool call produced it)"
        return link
    link.tool_call_id = lineage.get("tool_call_id")
    event = calls.get(link.tool_call_id)
    if event is None:
        link.problem = f"tool call {link.tool_call_id} is not in the audit log"
        return link
    payload = event.payload
    link.tool_call = ToolCallRef(
        seq=event.seq,
        at=event.at.isoformat(timespec="seconds"),
        tool_call_id=str(link.tool_call_id),
        interface=payload.get("interface", ""),
        provider=payload.get("provider", ""),
        operation=payload.get("operation", ""),
        outcome=payload.get("outcome", ""),
        args=payload.get("args") or {},
        args_hash=payload.get("args_hash", ""),
        response_hash=payload.get("response_hash", ""),
        event_hash=event.hash,
    )
    link.response_matches_lineage = link.tool_call.response_hash == lineage.get("response_hash")
    blob = blobs.get(link.tool_call.response_hash)
    if blob is not None:
        link.response_found = True
        link.response_excerpt = _excerpt(blob)
    if not link.response_matches_lineage:
        link.problem = "the audited response hash differs from the evidence's lineage"
    elif not link.response_found:
        link.problem = f"raw response {link.tool_call.response_hash[:12]}… is not in the blob store"
    return link


def _excerpt(blob: bytes) -> str:
    text = blob.decode("utf-8", errors="replace")
    with contextlib.suppress(json.JSONDecodeError):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + f"… ({len(text)} chars)"


def render_chain(chain: ClaimChain, *, width: int = 120) -> str:
    """The chain as an indented text tree (rich, no colour codes)."""
    claim = chain.claim
    tree = Tree(Text(f"claim {claim.index} ({claim.kind.replace('_', ' ')}): {claim.statement}"))
    if not chain.links:
        tree.add(Text("no evidence ids are attached to this claim"))
    for link in chain.links:
        label = f"{link.role} evidence {link.evidence_id}"
        if link.found:
            label += f" [{link.kind}] {link.service or '-'}: {link.summary}"
        node = tree.add(Text(label))
        if link.tool_call is not None:
            call = link.tool_call
            args = json.dumps(call.args, ensure_ascii=False, sort_keys=True)
            call_node = node.add(
                Text(
                    f"tool call {call.tool_call_id}: {call.interface}.{call.operation} via {call.provider} "
                    f"-> {call.outcome} (audit seq {call.seq}, {call.at})"
                )
            )
            call_node.add(Text(f"args {args}  (sha256 {call.args_hash[:16]}…)"))
            if link.response_found:
                call_node.add(Text(f"response sha256 {call.response_hash[:16]}…: {link.response_excerpt}"))
        if link.problem:
            node.add(Text(f"MISSING: {link.problem}"))
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False, highlight=False).print(tree)
    return buffer.getvalue()


def render_claims(claims: Sequence[Claim]) -> str:
    """A numbered list of claims, for choosing one to explain."""
    return "\n".join(f"{claim.index:>3}  {claim.kind:<11}  {claim.statement}" for claim in claims)


__all__ = [
    "Claim",
    "ClaimChain",
    "EvidenceLink",
    "ToolCallRef",
    "explain_claim",
    "list_claims",
    "render_chain",
    "render_claims",
]
