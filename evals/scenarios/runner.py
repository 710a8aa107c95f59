"""Runs one ticket-driven investigation per scenario through the full graph and scores it on the scenario's truth."""

from __future__ import annotations

import json
import time
from pathlib import Path

from evals.scenarios.report import write_summary_md
from evals.scenarios.scoring import ScenarioScore, score_report, summarise
from graphs.contracts import InvestigationRequest, RequestKind
from graphs.runner import open_session
from graphs.settings import Settings
from tools.worlds.scenarios.loader import DEFAULT_DIR, load_scenario, load_truth, scenario_names


def ticket_request(folder: Path) -> InvestigationRequest:
    """What a user files: the ticket key and when the ticket was created; never the truth."""
    ticket = load_scenario(folder).spec.ticket
    return InvestigationRequest(
        source="eval",
        kind=RequestKind.ticket,
        text=f"Investigate ticket {ticket.key}",
        ticket_key=ticket.key,
        at=ticket.created,
    )


def scenario_settings(root: Path, name: str, base: Settings | None) -> Settings:
    """A session per scenario: the world serves one scenario at a time."""
    overrides = {
        "world": "scenario",
        "world_options": {"dir": str(root), "scenario": name},
        "checkpointer": "memory",
        "approvals": "skip",
        "audit": "off",
    }
    return base.model_copy(update=overrides) if base is not None else Settings(**overrides)


async def run_scenario(root: Path, name: str, settings: Settings | None = None) -> ScenarioScore:
    folder = root / name
    truth = load_truth(folder)
    request = ticket_request(folder)
    started = time.perf_counter()
    try:
        async with open_session(scenario_settings(root, name, settings)) as session:
            outcome = await session.run(request, thread_id=f"scenario-{name}")
    except Exception as exc:  # one broken scenario must not hide the others' numbers
        return _failed(name, truth, f"{type(exc).__name__}: {exc}", time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if outcome.report is None:
        return _failed(name, truth, "no report", seconds)
    return score_report(name, truth, outcome.report, seconds)


def _failed(name: str, truth, error: str, seconds: float) -> ScenarioScore:
    return ScenarioScore(
        scenario=name,
        truth_service=truth.root_cause_service,
        truth_fault_type=truth.fault_type.value,
        truth_pinpoint=truth.pinpoint.ref,
        seconds=round(seconds, 3),
        error=error[:500],
    )


async def run_scenarios_eval(
    out: Path,
    *,
    root: Path | None = None,
    names: list[str] | None = None,
    settings: Settings | None = None,
) -> dict:
    """Investigate every scenario (or `names`) under root; write results.json, summary.json and summary.md to out."""
    base = Path(root) if root is not None else DEFAULT_DIR
    chosen = names or scenario_names(base)
    if not chosen:
        raise ValueError(f"no scenarios under {base}: each needs a folder with a scenario.yaml")
    unknown = sorted(set(chosen) - set(scenario_names(base)))
    if unknown:
        raise ValueError(f"unknown scenarios under {base}: {', '.join(unknown)}")
    scores = [await run_scenario(base, name, settings) for name in chosen]
    summary = summarise(scores)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps([s.model_dump(mode="json") for s in scores], indent=2))
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    write_summary_md(out / "summary.md", summary, scores)
    return summary
