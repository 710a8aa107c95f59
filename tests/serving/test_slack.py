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

        # posted by the graph's publish node, through the gateway's Slack provider, in the request's thread
        report = await wait_for_post(standin, lambda p: button_value(p, "pm_approve"), "with an Approve button")
        investigation = button_value(report, "pm_approve")
        first = next(p for p in standin.posts() if p.get("text", "").startswith("Investigating for <@U0SRE>"))
        assert report["channel"] == "C0INCIDENT" and report["thread_ts"] == first["_answered_ts"]
        assert "inventory" in json.dumps(report["blocks"])

        click = interaction("pm_approve", investigation)
        assert (await http.post("/slack/events", content=click, headers=signed(click))).status_code == 200
        decided = await wait_for_post(standin, lambda p: p.get("text") == "Proposed actions approved by sre.", "ack")
        assert decided["thread_ts"] == report["thread_ts"]

        feedback = interaction("pm_feedback_correct", investigation)
        assert (await http.post("/slack/events", content=feedback, headers=signed(feedback))).status_code == 200
        thanks = await wait_for_post(standin, lambda p: p.get("text", "").startswith("Thanks, recorded"), "thanking")
        assert "verified past incident" in thanks["text"], "a verifier's click teaches incident memory"

    in_thread = [p for p in standin.posts() if p.get("thread_ts") == report["thread_ts"]]
    texts = [p.get("text", "") for p in in_thread]
    plan = [i for i, t in enumerate(texts) if t.startswith("Collecting evidence:")]
    verdicts = [i for i, t in enumerate(texts) if t.startswith("Leading hypothesis: inventory")]
    report_at = texts.index(report["text"])
    assert len(plan) == 1 and verdicts and plan[0] < verdicts[0] < report_at, texts
    assert len(set(texts[: report_at + 1])) == report_at + 1, "a progress update was posted twice"
    assert sum(1 for p in in_thread if button_value(p, "pm_approve")) == 1, "the report was posted twice"
    assert sum(1 for p in in_thread if p.get("text") == "Proposed actions approved by sre.") == 1


async def test_bad_signature_is_rejected(stack: Stack) -> None:
    body = command("investigate anything")
    async with httpx.AsyncClient(base_url=stack.url, timeout=30.0) as http:
        forged = await http.post("/slack/events", content=body, headers=signed(body, secret="not-the-secret"))
        unsigned = await http.post(
            "/slack/events", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
    assert forged.status_code == 401 and unsigned.status_code == 401
