"""The Slack bot on our app inside Aegra: signed slash command -> thread updates -> Block Kit report -> approve."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import httpx
import pytest
from serving_stack import SLACK_SIGNING_SECRET, Stack
from slack_sdk.signature import SignatureVerifier
from slack_standin import SlackStandIn

pytestmark = pytest.mark.slow


def signed(body: str, secret: str = SLACK_SIGNING_SECRET) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
        "content-type": "application/x-www-form-urlencoded",
    }


def command(text: str) -> str:
    return urlencode(
        {
            "command": "/pm",
            "text": text,
            "channel_id": "C0INCIDENT",
            "user_id": "U0SRE",
            "team_id": "T1",
            "user_name": "sre",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": "1.2.3",
        }
    )


def interaction(action_id: str, value: str) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U0SRE", "username": "sre"},
        "channel": {"id": "C0INCIDENT"},
        "container": {"type": "message", "channel_id": "C0INCIDENT"},
        "trigger_id": "1.2.3",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}],
        "response_url": "http://127.0.0.1:9/unused",
    }
    return urlencode({"payload": json.dumps(payload)})


async def wait_for_post(standin: SlackStandIn, predicate, what: str) -> dict:
    for _ in range(600):
        matches = [p for p in standin.posts() if predicate(p)]
        if matches:
            return matches[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no Slack post {what}; posts: {[p.get('text') for p in standin.posts()]}")


def button_value(post: dict, action_id: str) -> str | None:
    blocks = post.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element["value"]
    return None


async def test_slash_command_to_approved_report(stack: Stack, slack: tuple[SlackStandIn, str]) -> None:
    standin, _ = slack
    body = command("investigate checkout p95 latency above 2s at 2026-11-20T10:41:00Z")
    async with httpx.AsyncClient(base_url=stack.url, timeout=60.0) as http:
        answer = await http.post("/slack/events", content=body, headers=signed(body))
        assert answer.status_code == 200, answer.text

        report = await wait_for_post(standin, lambda p: button_value(p, "pm_approve"), "with an Approve button")
        investigation = button_value(report, "pm_approve")
        assert report["channel"] == "C0INCIDENT" and report["thread_ts"]
        assert any(p.get("text", "").startswith("… ") for p in standin.posts()), "no progress update in the thread"

        click = interaction("pm_approve", investigation)
        assert (await http.post("/slack/events", content=click, headers=signed(click))).status_code == 200
        final = await wait_for_post(standin, lambda p: p.get("text") == "Investigation completed", "with the report")
        assert final["thread_ts"] == report["thread_ts"]
        assert "inventory" in json.dumps(final["blocks"])

        feedback = interaction("pm_feedback_correct", investigation)
        assert (await http.post("/slack/events", content=feedback, headers=signed(feedback))).status_code == 200
        await wait_for_post(standin, lambda p: p.get("text") == "Thanks, recorded as correct.", "thanking")

    texts = [p.get("text") for p in standin.posts() if p.get("thread_ts") == report["thread_ts"]]
    step_posts = [t for t in texts if t and (t.startswith("… ") or t.startswith("Investigation "))]
    assert len(step_posts) == len(set(step_posts)), f"a step was posted twice: {step_posts}"


async def test_bad_signature_is_rejected(stack: Stack) -> None:
    body = command("investigate anything")
    async with httpx.AsyncClient(base_url=stack.url, timeout=30.0) as http:
        forged = await http.post("/slack/events", content=body, headers=signed(body, secret="not-the-secret"))
        unsigned = await http.post(
            "/slack/events", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
    assert forged.status_code == 401 and unsigned.status_code == 401
