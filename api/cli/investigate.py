"""`production-master investigate`: run the graph with progress, then write and summarise the report."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from rich.table import Table

from api.cli.common import UserError, console
from api.render import render_markdown
from graphs.contracts import InvestigationRequest, Report
from graphs.runner import RunOutcome, open_session
from graphs.settings import Settings
from memory.checkpointers import CheckpointerUnavailable

NODE_LABELS = {
    "intake": "intake: scope and window",
    "planner": "planner: capability tasks",
    "collect": "collect: evidence through the gateway",
    "hypothesis": "hypothesis: ranked candidates",
    "verifier": "verifier: checklist",
    "reporter": "reporter: report",
    "approval": "approval",
    "escalate": "router: escalation",
}


async def run_cli_investigation(
    settings: Settings,
    request: InvestigationRequest | None,
    *,
    out: Path,
    thread_id: str | None,
    resume_answer: dict[str, Any] | None,
    quiet: bool,
) -> int:
    thread_id = thread_id or uuid.uuid4().hex
    console.print(f"investigation {thread_id}")
    started = time.perf_counter()

    def progress(node: str, update: dict[str, Any]) -> None:
        if quiet:
            return
        detail = ""
        if node == "planner":
            detail = f" ({len(update.get('tasks', []))} tasks)"
        elif node == "collect":
            detail = f" ({len(update.get('evidence', []))} evidence, {update.get('tool_calls', 0)} tool calls)"
        elif node == "hypothesis":
            detail = f" ({len(update.get('hypotheses', []))} hypotheses)"
        elif node == "verifier":
            best = max((v.get("confidence", 0.0) for v in update.get("verdicts", [])), default=0.0)
            detail = f" (best confidence {best:.2f})"
        console.print(f"[dim]{time.perf_counter() - started:6.1f}s[/dim]  {NODE_LABELS.get(node, node)}{detail}")

    try:
        async with open_session(settings) as session:
            if request is None and not await session.has_thread(thread_id):
                raise UserError(f"no investigation {thread_id} in the {settings.checkpointer} checkpointer")
            outcome = await session.run(request, thread_id=thread_id, resume=resume_answer, on_update=progress)
    except CheckpointerUnavailable as exc:
        raise UserError(str(exc)) from None
    except Exception as exc:  # the run failed for good: it is a dead letter now, not a traceback
        if not getattr(exc, "pm_dead_lettered", False):
            raise
        console.print(f"investigation {thread_id} failed: {type(exc).__name__}: {exc}", markup=False, soft_wrap=True)
        console.print("it is in the dead-letter list (production-master runs dead-letters); fix the cause, then:")
        console.print(f"production-master runs redrive {thread_id}", markup=False, soft_wrap=True)
        return 1
    return _finish(outcome, out)


def _finish(outcome: RunOutcome, out: Path) -> int:
    report = outcome.report
    if report is None:
        console.print("the investigation stopped before a report was written; resume it with --resume")
        return 1
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
    (out / "report.md").write_text(render_markdown(report))
    summarise(report, out)
    if outcome.interrupted:
        console.print(
            f"{len(outcome.pending_actions)} proposed action(s) wait for approval: "
            f"production-master investigate --resume {outcome.investigation_id} --approve | --reject"
        )
    return 0


def summarise(report: Report, out: Path) -> None:
    console.print(f"report: {out / 'report.md'}  ({out / 'report.json'})")
    table = Table(show_header=False, box=None, pad_edge=False)
    rc = report.root_cause
    table.add_row("root cause", f"{rc.service} ({rc.fault_type.value})" if rc else "none found")
    if rc:
        table.add_row("pinpoint", f"{rc.pinpoint.kind} {rc.pinpoint.ref}")
        if rc.pinpoint.instance:
            table.add_row("instance", rc.pinpoint.instance)
    table.add_row("confidence", f"{report.confidence:.2f}")
    table.add_row("status", report.status.value)
    by_id = {e.id: e for e in report.evidence}
    cited = [by_id[i] for i in (rc.evidence_ids if rc else []) if i in by_id]
    # the evidence that pins the cause down first, then the strongest symptoms
    cited.sort(key=lambda e: (e.data.get("signal") != (rc.pinpoint.ref if rc else None), -e.score))
    for e in cited[:3]:
        table.add_row("evidence", f"{e.id}  {e.summary[:110]}")
    c = report.cost
    table.add_row("cost", f"${c.usd:.4f}, {c.model_calls} model calls, {c.tool_calls} tool calls, {c.seconds:.1f}s")
    console.print(table)
