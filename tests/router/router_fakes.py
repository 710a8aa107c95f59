"""Scripted chat models (langchain-core fakes that accept tools, so `with_structured_output` works on them) and a
small hand-written incident: payments' connection pool shrank by a config change that only a log line names."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import Field

from graphs.contracts import Capability, Evidence, EvidenceKind


class ScriptedChatModel(FakeMessagesListChatModel):
    """Replies with the scripted messages in turn; can stall (`delay`) or fail (`error`); keeps what it was sent."""

    delay: float = 0.0
    error: str | None = None
    received: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        return self

    async def _agenerate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.received.append(messages)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error:
            raise RuntimeError(self.error)
        return self._generate(messages, stop, **kwargs)


def tool_reply(tool: str, args: dict[str, Any], tokens_in: int = 0, tokens_out: int = 0) -> AIMessage:
    """An AIMessage calling `tool` (the structured-output schema's name) with `args`, and its token usage."""
    return AIMessage(
        content="",
        tool_calls=[{"name": tool, "args": args, "id": "call-1", "type": "tool_call"}],
        usage_metadata={"input_tokens": tokens_in, "output_tokens": tokens_out, "total_tokens": tokens_in + tokens_out},
    )


def scripted(*responses: AIMessage, delay: float = 0.0, error: str | None = None) -> ScriptedChatModel:
    return ScriptedChatModel(responses=list(responses), delay=delay, error=error, received=[])


T0 = 1_790_000_000.0


def _ev(id_: str, kind: EvidenceKind, service: str | None, summary: str, score: float, **data: Any) -> Evidence:
    capability = (
        Capability.provide_dependency_context if kind is EvidenceKind.topology else Capability.provide_runtime_context
    )
    return Evidence(
        id=id_,
        capability=capability,
        interface="log-system",
        provider="scripted",
        kind=kind,
        service=service,
        summary=summary,
        score=score,
        data=data,
    )


def pool_incident() -> list[Evidence]:
    """The engine ranks payments first but cannot pin the cause down: a low-confidence, declined verdict."""
    return [
        _ev(
            "ev-pay-log",
            EvidenceKind.log_pattern,
            "payments",
            "new ERROR: 'connection pool exhausted (db.pool.max_size=5) after config push cfg-118'",
            14.0,
            error=True,
            onset=T0 + 60,
            ongoing=True,
            signal="pool exhausted",
        ),
        _ev(
            "ev-pay-lat",
            EvidenceKind.metric_anomaly,
            "payments",
            "payments p95 latency 4.1x baseline",
            9.0,
            family="server_latency",
            onset=T0 + 60,
            signal="p95_latency",
            ongoing=True,
        ),
        _ev(
            "ev-chk-log",
            EvidenceKind.log_pattern,
            "checkout",
            "new ERROR: 'payment call timed out'",
            13.0,
            error=True,
            onset=T0 + 90,
            ongoing=True,
            signal="payment timeout",
        ),
        _ev(
            "ev-topo",
            EvidenceKind.topology,
            None,
            "checkout calls payments",
            0.0,
            edges=[{"caller": "checkout", "callee": "payments", "calls": 900}],
        ),
        _ev(
            "ev-chat",
            EvidenceKind.message,
            "payments",
            "#payments: 'pushed cfg-118 (pool size 20 -> 5) at 10:00'",
            0.0,
            signal="cfg-118",
        ),
        _ev(
            "ev-chk-cpu",
            EvidenceKind.metric_anomaly,
            "checkout",
            "checkout cpu 1.6x baseline",
            8.0,  # a real but secondary symptom: the engine must still rank payments, its callee, first
            family="cpu",
            onset=T0 + 95,
            signal="cpu_usage",
        ),
    ]
