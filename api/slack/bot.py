"""Slack bot: `/pm investigate <text>` and @mentions start investigations in a thread of their own.

Progress (the plan, each verdict) and the report (Block Kit, with approve and feedback buttons) are posted by the
graph itself, once per investigation and step, so a run that resumes on another instance posts each exactly once; a
follower task in the receiving instance would die with it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from agents.publish import SLACK_CHANNEL, SLACK_THREAD
from api.http import feedback_memory, investigations
from api.http.context import ServingContext
from api.http.models import Feedback
from api.http.once import once
from api.slack.blocks import APPROVE, CORRECT, REJECT, WRONG
from graphs.contracts import InvestigationRequest, RequestKind

THREAD_KEY = "pm:slack:{investigation}"
MENTION = re.compile(r"<@[A-Z0-9]+>\s*")
AT = re.compile(r"\s+at\s+(\d{4}-\d\d-\d\dT[0-9:.]+Z?)$")
APPROVAL_WAIT_S = 30.0  # how long a decision on a just-posted report waits for the run to stop for approval


def build_bolt_app(ctx: ServingContext) -> AsyncApp:
    """The bolt app; request signatures are verified with `PM_SLACK_SIGNING_SECRET`."""
    settings = ctx.settings
    if settings.slack_signing_secret is None or settings.slack_bot_token is None:
        raise RuntimeError("Slack is not configured: set PM_SLACK_SIGNING_SECRET and PM_SLACK_BOT_TOKEN")
    token = settings.slack_bot_token.get_secret_value()
    bolt = AsyncApp(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token=token,
        client=AsyncWebClient(token=token, base_url=settings.slack_api_url),
        process_before_response=True,
    )

    @bolt.command("/pm")
    async def command(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        verb, _, text = (command.get("text") or "").strip().partition(" ")
        if verb != "investigate" or not text.strip():
            await ack("Usage: `/pm investigate <what is wrong> [at <ISO time>]`")
            return
        await ack()
        await _start(ctx, client, command["channel_id"], text.strip(), command.get("user_id", "someone"))

    @bolt.event("app_mention")
    async def mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        text = MENTION.sub("", event.get("text", "")).strip()
        if text:
            await _start(ctx, client, event["channel"], text, event.get("user", "someone"), event.get("ts"))

    @bolt.action(APPROVE)
    @bolt.action(REJECT)
    async def decide(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        investigation, user = action["value"], body.get("user", {}).get("username") or body["user"]["id"]
        answer = {"approved": True, "by": user} if action["action_id"] == APPROVE else {"reject_all": True, "by": user}
        where = await _thread_of(ctx, investigation)
        try:
            # the report carrying the buttons is posted just before the graph stops for approval: a quick click waits
            await investigations.resume(ctx, settings.slack_tenant, investigation, answer, wait_s=APPROVAL_WAIT_S)
        except (ValueError, investigations.InvestigationNotFound) as error:
            await client.chat_postMessage(text=f"Not resumed: {error}", **where)
            return
        verb = "approved" if action["action_id"] == APPROVE else "rejected"
        text = f"Proposed actions {verb} by {user}."
        await once(ctx.redis, investigation, "decision", lambda: client.chat_postMessage(text=text, **where))

    @bolt.action(CORRECT)
    @bolt.action(WRONG)
    async def feedback(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        verdict = "correct" if action["action_id"] == CORRECT else "wrong"
        user = body.get("user", {}).get("id", "someone")
        event = {"investigation_id": action["value"], "verdict": verdict, "note": "", "by": f"slack:{user}"}
        await ctx.redis.xadd(f"pm:feedback:{settings.slack_tenant}", {"event": json.dumps(event)})
        text = f"Thanks, recorded as {verdict}."
        try:
            found = await investigations.view(ctx, settings.slack_tenant, action["value"])
        except investigations.InvestigationNotFound:
            found = None
        if found is not None:
            # Slack signed the request, so the user id is authenticated: a verifier's verdict teaches memory
            outcome = await feedback_memory.remember(
                settings.slack_tenant,
                Feedback(investigation_id=action["value"], verdict=verdict),
                found.report,
                by=f"slack:{user}",
                authenticated=True,
            )
            if outcome.stored_in_memory:
                text += " Future investigations will cite it as a verified past incident."
        await client.chat_postMessage(text=text, **await _thread_of(ctx, action["value"]))

    return bolt


async def _start(
    ctx: ServingContext, client: AsyncWebClient, channel: str, text: str, user: str, thread_ts: str | None = None
) -> None:
    """Answer in the thread first: its ts goes into the request, where the publish node finds it."""
    at = AT.search(text)  # `... at 2026-11-20T10:41:00Z` names when the symptom was seen
    posted = await client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=f"Investigating for <@{user}>: {text[:300]}"
    )
    where = {"channel": channel, "thread_ts": thread_ts or posted["ts"]}
    request = InvestigationRequest(
        source="slack",
        kind=RequestKind.question,
        text=(text[: at.start()] if at else text)[:20_000],
        at=datetime.fromisoformat(at.group(1)) if at else None,
        tenant=ctx.settings.slack_tenant,
        labels={SLACK_CHANNEL: channel, SLACK_THREAD: where["thread_ts"]},
    )
    accepted = await investigations.start(ctx, request)
    await ctx.redis.set(THREAD_KEY.format(investigation=accepted.thread_id), json.dumps(where), ex=7 * 24 * 3600)


async def _thread_of(ctx: ServingContext, investigation: str) -> dict[str, str]:
    raw = await ctx.redis.get(THREAD_KEY.format(investigation=investigation))
    if raw is None:
        raise LookupError(f"no Slack thread for investigation {investigation}")
    return json.loads(raw)
