"""Load: 1,000 investigations in one burst to 2 Aegra instances on the demo world (a benchmark, not a test).

Run: `.venv/bin/pytest tests/benchmarks/test_serving_load.py -m benchmark -s` (PM_LOAD_INVESTIGATIONS=N for fewer).
Queue wait = submission -> the run's first checkpoint; end-to-end = submission -> its last checkpoint. Figures are
printed and written to `<tmp>/serving_load.json`; the checks are that none is lost and none is reported twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from api.auth.tenants import create_tenant
from api.serve import running_instances
from memory.postgres_server import running
from memory.redis_server import free_port

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(4 * 3600)]
TOTAL = int(os.environ.get("PM_LOAD_INVESTIGATIONS", "1000"))
SUBMITTERS = 64
BODY = {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z"}


def quantiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "max": round(max(values), 2)}


async def submit_all(urls: list[str], api_key: str) -> list[tuple[str, float]]:
    """(thread id, submission wall time) per investigation, alternating instances, SUBMITTERS at a time."""
    gate = asyncio.Semaphore(SUBMITTERS)
    headers = {"authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(timeout=120.0, headers=headers) as http:

        async def one(index: int) -> tuple[str, float]:
            async with gate:
                submitted = time.time()
                for _ in range(30):  # a 503 says "not taken, retry": the sender keeps the investigation
                    answer = await http.post(f"{urls[index % len(urls)]}/v1/investigations", json=BODY)
                    if answer.status_code != 503:
                        break
                    await asyncio.sleep(float(answer.headers.get("retry-after", "2")))
                assert answer.status_code == 202, answer.text
                return answer.json()["thread_id"], submitted

        return await asyncio.gather(*(one(i) for i in range(TOTAL)))


async def outcome(client: Any, thread_id: str) -> dict[str, Any]:
    """Status, runs and checkpoint times of one investigation once it is done."""
    runs = await client.runs.list(thread_id, limit=10)
    history = await client.threads.get_history(thread_id, limit=200)
    times = sorted(datetime.fromisoformat(c["created_at"]).timestamp() for c in history)
    values = history[0]["values"] if history else {}
    return {
        "runs": [r["status"] for r in runs],
        "report": bool(values.get("report")),
        "investigation_id": values.get("investigation_id"),
        "first": times[0] if times else None,
        "last": times[-1] if times else None,
    }


async def wait_done(client: Any, thread_ids: list[str], limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    pending = set(thread_ids)
    while pending and time.monotonic() < deadline:
        busy = await asyncio.gather(*(client.threads.get(t) for t in list(pending)[:200]))
        pending -= {t["thread_id"] for t in busy if t["status"] in ("idle", "error", "interrupted")}
        await asyncio.sleep(2.0)


def reports_per_investigation(audit_dir: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in audit_dir.glob("*.jsonl"):
        counts[path.stem] = sum(1 for line in path.open() if '"report_published"' in line)
    return counts


def test_burst_of_investigations_on_two_instances(redis_url: str, tmp_path: Path) -> None:
    redis = redis_url.rsplit("/", 1)[0] + "/9"
    home = tmp_path / "pm"
    tenant = asyncio.run(create_tenant(f"load-{secrets.token_hex(3)}", redis))
    extra = {"PM_HOME": str(home), "PM_WORLD": "demo", "PM_APPROVALS": "skip"}
    with (
        running() as postgres,
        running_instances(
            [free_port(), free_port()],
            database_url=postgres.url,
            redis_url=redis,
            log_dir=tmp_path / "logs",
            extra_env=extra,
        ) as instances,
    ):
        urls = [i.url for i in instances]
        started = time.time()
        submitted = asyncio.run(submit_all(urls, tenant.api_key))
        submit_seconds = time.time() - started

        async def collect() -> list[dict[str, Any]]:
            client = get_client(url=urls[0], api_key=tenant.api_key, timeout=120.0)
            await wait_done(client, [t for t, _ in submitted], limit_s=3 * 3600)
            gate = asyncio.Semaphore(32)

            async def one(thread_id: str) -> dict[str, Any]:
                async with gate:
                    return await outcome(client, thread_id)

            return await asyncio.gather(*(one(t) for t, _ in submitted))

        results = asyncio.run(collect())
        total_seconds = time.time() - started

    reported = reports_per_investigation(home / "audit")
    lost = [t for (t, _), r in zip(submitted, results, strict=True) if not r["report"] or r["runs"] != ["success"]]
    twice = [i for i, n in reported.items() if n > 1]
    waits = [r["first"] - s for (_, s), r in zip(submitted, results, strict=True) if r["first"]]
    ends = [r["last"] - s for (_, s), r in zip(submitted, results, strict=True) if r["last"]]
    figures = {
        "investigations": TOTAL,
        "instances": 2,
        "submit_seconds": round(submit_seconds, 1),
        "total_seconds": round(total_seconds, 1),
        "throughput_per_s": round(TOTAL / total_seconds, 2),
        "queue_wait_s": quantiles(waits),
        "end_to_end_s": quantiles(ends),
        "lost": len(lost),
        "reported_twice": len(twice),
        "reports_in_audit": sum(reported.values()),
        "lost_examples": [r for (t, _), r in zip(submitted, results, strict=True) if t in lost[:3]],
    }
    print("\nserving load:", json.dumps(figures))
    (tmp_path / "serving_load.json").write_text(json.dumps(figures, indent=2))
    assert not lost, f"{len(lost)} investigations lost, e.g. {lost[:3]}"
    assert not twice, f"{len(twice)} investigations reported twice, e.g. {twice[:3]}"
    assert sum(reported.values()) == TOTAL
