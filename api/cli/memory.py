"""`production-master feedback`: governed feedback that teaches incident memory."""

from __future__ import annotations

import asyncio
import getpass
from typing import Annotated

import typer

from api.cli.common import UserError, console
from graphs.contracts import FaultType, Report
from graphs.settings import Settings

memory_app = typer.Typer()


@memory_app.command("feedback")
def feedback(
    investigation: Annotated[str, typer.Argument(help="The investigation (thread) id.")],
    correct: Annotated[bool, typer.Option("--correct", help="The reported root cause is right.")] = False,
    wrong: Annotated[bool, typer.Option("--wrong", help="The reported root cause is wrong.")] = False,
    root_cause: Annotated[str | None, typer.Option("--root-cause", help="With --wrong: the real service.")] = None,
    fault_type: Annotated[str, typer.Option("--fault-type", help="With --root-cause: its fault type.")] = "unknown",
    pinpoint: Annotated[str, typer.Option("--pinpoint", help="With --root-cause: commit, flag or key.")] = "",
    by: Annotated[str | None, typer.Option("--by", help="Who judges (default: the current user).")] = None,
    comment: Annotated[str, typer.Option("--comment", help="A note kept with the entry.")] = "",
) -> None:
    """Record a verdict on a report; a verifier's (PM_FEEDBACK_VERIFIERS) enters incident memory."""
    from api.cli.audit import _thread_state
    from memory.feedback import FeedbackEntry, RootCauseCorrection, record_feedback
    from memory.incidents import open_incident_memory

    if correct == wrong:
        raise UserError("give exactly one of --correct and --wrong")
    if root_cause and correct:
        raise UserError("--root-cause goes with --wrong")
    try:
        fault = FaultType(fault_type)
    except ValueError:
        raise UserError(f"--fault-type {fault_type!r}: use one of {', '.join(f.value for f in FaultType)}") from None
    settings = Settings()
    values, _ = asyncio.run(_thread_state(settings, investigation))
    report = Report.model_validate(values["report"]) if values.get("report") else None
    entry = FeedbackEntry(
        investigation_id=investigation,
        tenant=report.request.tenant if report else settings.tenant,
        verdict="correct" if correct else "wrong",
        by=by or getpass.getuser(),
        source="cli",
        correction=RootCauseCorrection(service=root_cause, fault_type=fault, pinpoint=pinpoint) if root_cause else None,
        comment=comment,
    )

    async def run() -> str:
        async with open_incident_memory(settings) as memory:
            outcome = await record_feedback(
                entry, report, verifiers=set(settings.feedback_verifiers), home=settings.home, memory=memory
            )
        return f"{'verified' if outcome.verified else 'kept apart'}: {outcome.reason}"

    console.print(asyncio.run(run()), markup=False)
