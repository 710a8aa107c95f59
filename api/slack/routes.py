"""`POST /slack/events`: Slack's HTTP events, commands and interactions, verified by signature (no API key)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from api.http.context import serving_context

router = APIRouter(tags=["Slack"])
_handler: list[AsyncSlackRequestHandler] = []


def _slack_handler() -> AsyncSlackRequestHandler:
    if not _handler:
        from api.slack.bot import build_bolt_app

        try:
            _handler.append(AsyncSlackRequestHandler(build_bolt_app(serving_context())))
        except RuntimeError as error:
            raise HTTPException(status_code=404, detail=str(error)) from None
    return _handler[0]


@router.post("/slack/events", include_in_schema=False)
async def slack_events(request: Request) -> Response:
    """Slack signs every request (X-Slack-Signature); bolt rejects a bad or stale signature with 401."""
    return await _slack_handler().handle(request)
