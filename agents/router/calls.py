"""One structured model call: a deadline, token usage from the raw message, and failures as data, never raised."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel, ValidationError

from agents.router.redaction import redact_text


@dataclass(frozen=True, slots=True)
class ModelReply[T: BaseModel]:
    """A parsed answer or the reason there is none, with the tokens the call used (0 when the model never answered)."""

    parsed: T | None
    tokens_in: int = 0
    tokens_out: int = 0
    error: str | None = None


async def call_structured[T: BaseModel](
    model: BaseChatModel, schema: type[T], messages: list[BaseMessage], *, limit_seconds: float
) -> ModelReply[T]:
    """Ask for `schema`; a timeout, a provider error or malformed output comes back as `error`."""
    try:
        runnable = model.with_structured_output(schema, include_raw=True)
        result: Any = await asyncio.wait_for(runnable.ainvoke(messages), limit_seconds)
    except TimeoutError:
        return ModelReply(None, error=f"model timed out after {limit_seconds:g}s")
    except NotImplementedError:
        return ModelReply(None, error="model does not support structured output (tool calling)")
    except Exception as exc:  # provider SDKs raise their own error types; every one means "use the engine's result"
        return ModelReply(None, error=f"model error: {_one_line(exc)}")
    raw = result.get("raw") if isinstance(result, dict) else None
    tokens_in, tokens_out = _usage(raw)
    if result.get("parsing_error") is not None:
        return ModelReply(None, tokens_in, tokens_out, f"malformed output: {_one_line(result['parsing_error'])}")
    parsed = result.get("parsed")
    if parsed is None:
        return ModelReply(None, tokens_in, tokens_out, "malformed output: no structured answer")
    if not isinstance(parsed, schema):
        try:
            parsed = schema.model_validate(parsed)
        except ValidationError as exc:
            return ModelReply(None, tokens_in, tokens_out, f"malformed output: {_one_line(exc)}")
    return ModelReply(parsed, tokens_in, tokens_out)


def _usage(raw: Any) -> tuple[int, int]:
    usage = raw.usage_metadata if isinstance(raw, AIMessage) else None
    if not usage:
        return 0, 0
    return int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0][:200]}" if lines else type(exc).__name__
    return redact_text(text)
