"""Publish: the report goes back where the request came from (a Slack thread, a Jira issue), exactly once.

A resumed or re-executed run runs this node again (a dead instance, Aegra's upstream issue #502), so every post is
keyed by investigation and step in a once-store: Redis when several instances serve, a SQLite file under home
otherwise. Replying in the requester's own thread or ticket is authorised by the request itself: the gateway call
carries the approval id `request:<investigation_id>`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from langchain_core.runnables import RunnableConfig

from agents.services import NodeServices, get_services
from graphs.settings import Settings
from tools.gateway.models import ToolResult

logger = logging.getLogger(__name__)
STORE_KEY = "once_store"
SLACK_CHANNEL, SLACK_THREAD = "slack_channel", "slack_thread_ts"
CLAIM_SECONDS = 60  # a claimer that dies mid-post frees the step after this long
DONE_SECONDS = 30 * 24 * 3600


class OnceStore(Protocol):
    """Claims a (investigation, step) key: `claim` answers "go", "done" or "busy" (another run holds it)."""

    async def claim(self, key: str) -> str: ...

    async def finish(self, key: str) -> None: ...

    async def release(self, key: str) -> None: ...


class RedisOnce:
    """Keys `pm:once:<investigation>:<step>` shared by every instance."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        # blocking pool: concurrent investigations wait for a connection rather than fail (redis-py stops at 100)
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=256, timeout=30.0, decode_responses=True, socket_timeout=5.0
        )
        self.redis = aioredis.Redis(connection_pool=pool)

    async def claim(self, key: str) -> str:
        if await self.redis.set(f"pm:once:{key}", "claimed", nx=True, ex=CLAIM_SECONDS):
            return "go"
        return "done" if await self.redis.get(f"pm:once:{key}") == "done" else "busy"

    async def finish(self, key: str) -> None:
        await self.redis.set(f"pm:once:{key}", "done", ex=DONE_SECONDS)

    async def release(self, key: str) -> None:
        await self.redis.delete(f"pm:once:{key}")


class SqliteOnce:
    """One process's keys in `<home>/once.sqlite` (the CLI and evaluation runs)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS once (key TEXT PRIMARY KEY, state TEXT, until REAL)")

    async def claim(self, key: str) -> str:
        now = time.time()
        self.db.execute("DELETE FROM once WHERE key = ? AND state = 'claimed' AND until < ?", (key, now))
        inserted = self.db.execute(
            "INSERT OR IGNORE INTO once VALUES (?, 'claimed', ?)", (key, now + CLAIM_SECONDS)
        ).rowcount
        if inserted:
            return "go"
        (state,) = self.db.execute("SELECT state FROM once WHERE key = ?", (key,)).fetchone()
        return "done" if state == "done" else "busy"

    async def finish(self, key: str) -> None:
        self.db.execute("UPDATE once SET state = 'done', until = ? WHERE key = ?", (time.time() + DONE_SECONDS, key))

    async def release(self, key: str) -> None:
        self.db.execute("DELETE FROM once WHERE key = ?", (key,))


def open_once_store(settings: Settings) -> OnceStore:
    return (
        RedisOnce(settings.redis_url)
        if settings.effects_store == "redis"
        else SqliteOnce(settings.home / "once.sqlite")
    )


async def run_once(store: OnceStore, key: str, effect: Callable[[], Awaitable[ToolResult]], poll: float = 0.2) -> bool:
    """Run `effect` unless it already succeeded for `key`; while another run holds the claim, wait for it
    (it finishes, or dies and its claim expires). A failed effect releases the claim. True when this call ran it."""
    while True:
        state = await store.claim(key)
        if state == "done":
            return False
        if state == "go":
            try:
                result = await effect()
            except BaseException:
                await store.release(key)
                raise
            if result.ok:
                await store.finish(key)
            else:
                await store.release(key)
            return True
        await asyncio.sleep(poll)


@dataclass(frozen=True)
class Post:
    """One gateway call that publishes the report: a Slack thread reply or a Jira comment."""

    step: str
    interface: str
    operation: str
    args: dict[str, Any]


def posts_for(state: dict[str, Any]) -> list[Post]:
    """Where the report goes; nothing for requests from the CLI, the API or alerts without a thread."""
    request, report = state.get("request") or {}, state.get("report") or {}
    investigation = str(state.get("investigation_id") or report.get("investigation_id") or "")
    labels = request.get("labels") or {}
    posts: list[Post] = []
    if request.get("source") == "slack" and labels.get(SLACK_CHANNEL):
        from api.slack.blocks import report_blocks

        pending = [a for a in state.get("actions", []) if a.get("status") == "proposed" and a.get("impact") == "high"]
        text = f"Investigation {report.get('status', 'finished')}: " + _headline(report)
        args = {
            "channel": labels[SLACK_CHANNEL],
            "text": text[:3000],
            "thread_id": labels.get(SLACK_THREAD),
            "blocks": report_blocks(investigation, report, pending),
        }
        posts.append(Post("publish:slack", "team-communications", "post_message", args))
    if request.get("source") == "jira" and request.get("ticket_key"):
        body = _jira_comment(report)
        posts.append(Post("publish:jira", "ticket-system", "add_comment", {"key": request["ticket_key"], "body": body}))
    return posts


def progress_post(node: str, state: dict[str, Any], update: dict[str, Any]) -> Post | None:
    """A thread update for a Slack request at the milestones an on-call engineer waits on: the plan, each verdict."""
    request = state.get("request") or {}
    labels = request.get("labels") or {}
    if request.get("source") != "slack" or not labels.get(SLACK_CHANNEL) or not labels.get(SLACK_THREAD):
        return None
    iteration = int(state.get("iteration") or 0)
    if node == "planner" and update.get("tasks"):
        tasks = update["tasks"]
        kinds = sorted({str(t.get("capability", "")).replace("_", " ") for t in tasks} - {""})
        lead = "Collecting evidence" if iteration == 0 else f"Round {iteration + 1}: following up on the gaps"
        text = f"{lead}: {len(tasks)} queries ({', '.join(kinds)})."
    elif node == "verifier" and update.get("verdicts"):
        verdict = update["verdicts"][0]
        hypotheses = {h["id"]: h for h in [*state.get("hypotheses", []), *update.get("hypotheses", [])]}
        lead = hypotheses.get(verdict["hypothesis_id"], {})
        outcome = "confirmed" if verdict["status"] == "confirmed" else "not settled yet (gaps: "
        if verdict["status"] != "confirmed":
            outcome += ", ".join(verdict.get("gaps") or ["none named"]) + ")"
        text = (
            f"Leading hypothesis: {lead.get('service', '?')} ({lead.get('fault_type', 'unknown')}), "
            f"confidence {float(verdict['confidence']):.0%}, {outcome}."
        )
    else:
        return None
    args = {"channel": labels[SLACK_CHANNEL], "text": text[:3000], "thread_id": labels[SLACK_THREAD]}
    return Post(f"progress:{node}:{iteration}", "team-communications", "post_message", args)


async def publish_progress(node: str, state: dict[str, Any], update: dict[str, Any], config: RunnableConfig) -> None:
    """Post a milestone to the requester's thread once; a failed progress post never fails the investigation."""
    post = progress_post(node, state, update)
    if post is None:
        return
    services = get_services(config)
    investigation = str(state.get("investigation_id") or "")
    grant = f"request:{investigation}"

    async def effect() -> ToolResult:
        return await services.gateway.call(post.interface, post.operation, post.args, approval_id=grant)

    try:
        await run_once(_store(services), f"{investigation}:{post.step}", effect)
    except Exception as error:  # the report still goes out through `publish`
        logger.warning("progress post %s for %s failed: %s", post.step, investigation, error)


def _headline(report: dict[str, Any]) -> str:
    root = report.get("root_cause") or {}
    return str(root.get("statement") or "no root cause established")[:500]


def _jira_comment(report: dict[str, Any]) -> str:
    confidence = float(report.get("confidence") or 0.0)
    return f"production-master: {_headline(report)} (confidence {confidence:.0%}, {report.get('status', '?')})"


def _store(services: NodeServices) -> OnceStore:
    if STORE_KEY not in services.extras:
        services.extras[STORE_KEY] = open_once_store(services.settings)
    return services.extras[STORE_KEY]


async def publish(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Post the report once per investigation and step; a failed post is logged by the gateway, not retried here."""
    posts = posts_for(state)
    if not posts:
        return {}
    services = get_services(config)
    investigation = str(state.get("investigation_id") or "")
    grant = f"request:{investigation}"
    for post in posts:

        async def effect(post: Post = post) -> ToolResult:
            return await services.gateway.call(post.interface, post.operation, post.args, approval_id=grant)

        await run_once(_store(services), f"{investigation}:{post.step}", effect)
    return {}
