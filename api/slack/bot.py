"""Slack bot: `/pm investigate <text>` and @mentions start investigations; progress and the report go to the thread.

Every post is keyed by investigation and step (`api.http.once`), so a follower that runs again posts nothing twice.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from api.http import investigations
from api.http.context import ServingContext
from api.http.once import once
from api.slack.blocks import APPROVE, CORRECT, REJECT, WRONG, report_blocks
from graphs.contracts import InvestigationRequest, RequestKind

THREAD_KEY = "pm:slack:{investigation}"
MENTION = re.compile(r"<@[A-Z0-9]+>\s*")
AT = re.compile(r"\s+at\s+(\d{4}-\d\d-\d\dT[0-9:.]+Z?)$")
POLL_SECONDS = 0.5
FOLLOW_LIMIT_SECONDS = 3600
_followers: set[asyncio.Task[None]] = set()


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
            await investigations.resume(ctx, settings.slack_tenant, investigation, answer)
        except (ValueError, investigations.InvestigationNotFound) as error:
            await client.chat_postMessage(text=f"Not resumed: {error}", **where)
            return
        verb = "approved" if action["action_id"] == APPROVE else "rejected"
        await client.chat_postMessage(text=f"Proposed actions {verb} by {user}.", **where)
        _follow(ctx, client, investigation, resumed=True)

    @bolt.action(CORRECT)
    @bolt.action(WRONG)
    async def feedback(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        verdict = "correct" if action["action_id"] == CORRECT else "wrong"
        user = body.get("user", {}).get("id", "someone")
        event = {"investigation_id": action["value"], "verdict": verdict, "note": "", "by": f"slack:{user}"}
        await ctx.redis.xadd(f"pm:feedback:{settings.slack_tenant}", {"event": json.dumps(event)})
        await client.chat_postMessage(text=f"Thanks, recorded as {verdict}.", **await _thread_of(ctx, action["value"]))

    return bolt


async def _start(
    ctx: ServingContext, client: AsyncWebClient, channel: str, text: str, user: str, thread_ts: str | None = None
) -> None:
    at = AT.search(text)  # `... at 2026-11-20T10:41:00Z` names when the symptom was seen
    request = InvestigationRequest(
        source="slack",
        kind=RequestKind.question,
        text=(text[: at.start()] if at else text)[:20_000],
        at=datetime.fromisoformat(at.group(1)) if at else None,
        tenant=ctx.settings.slack_tenant,
    )
    accepted = await investigations.start(ctx, request)
    posted = await client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=f"Investigating for <@{user}>: {text[:300]}"
    )
    where = {"channel": channel, "thread_ts": thread_ts or posted["ts"]}
    await ctx.redis.set(THREAD_KEY.format(investigation=accepted.thread_id), json.dumps(where), ex=7 * 24 * 3600)
    _follow(ctx, client, accepted.thread_id)


async def _thread_of(ctx: ServingContext, investigation: str) -> dict[str, str]:
    raw = await ctx.redis.get(THREAD_KEY.format(investigation=investigation))
    if raw is None:
        raise LookupError(f"no Slack thread for investigation {investigation}")
    return json.loads(raw)


def _follow(ctx: ServingContext, client: AsyncWebClient, investigation: str, resumed: bool = False) -> None:
    task = asyncio.create_task(follow(ctx, client, investigation, resumed))
    _followers.add(task)
    task.add_done_callback(_followers.discard)


async def follow(ctx: ServingContext, client: AsyncWebClient, investigation: str, resumed: bool = False) -> None:
    """Post each new step as a thread reply, then the report (with approve buttons while actions wait).

    After a resume, the thread still reads `awaiting_approval` until the resuming run starts: wait that out.
    """
    tenant, where = ctx.settings.slack_tenant, await _thread_of(ctx, investigation)
    runtime = ctx.client_for(tenant)
    deadline = asyncio.get_running_loop().time() + FOLLOW_LIMIT_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        view = await investigations.view(ctx, tenant, investigation)
        if resumed and view.status == "awaiting_approval":
            pass
        elif view.status == "running":
            state = await runtime.threads.get_state(investigation)
            for node in state.get("next") or []:
                await once(ctx.redis, investigation, f"progress:{node}", lambda n=node: _post(client, where, f"… {n}"))
        elif view.status in ("awaiting_approval", "completed", "failed"):
            step = "report:approval" if view.status == "awaiting_approval" else f"report:{view.status}"
            blocks = report_blocks(view) if view.report else None
            text = f"Investigation {view.status}"
            await once(ctx.redis, investigation, step, lambda t=text, b=blocks: _post(client, where, t, b))
            return
        await asyncio.sleep(POLL_SECONDS)


async def _post(
    client: AsyncWebClient, where: dict[str, str], text: str, blocks: list[dict[str, Any]] | None = None
) -> None:
    await client.chat_postMessage(text=text, blocks=blocks, **where)
