"""A small graph of the real hypothesis, verifier and escalate nodes and edges over a fixed set of evidence."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, StateGraph
from router_fakes import pool_incident

from agents.analysis.model.score import load_params
from agents.hypothesis import hypothesis
from agents.reporter import build_report
from agents.router import after_escalation, escalate
from agents.services import SERVICES_KEY, NodeServices
from agents.verifier import verifier
from graphs.contracts import Evidence, Hypothesis, InvestigationRequest, Report, RoutingDecision, Verdict
from graphs.investigation import after_verdict, fan_out
from graphs.settings import Settings
from graphs.state import InvestigationState

BALANCED = "openai:gpt-test"
DEEP = "anthropic:claude-test"
PRICES = {BALANCED: (2.0, 8.0), DEEP: (3.0, 15.0)}
CONFIRM = 0.7  # above what the checklist gives a hypothesis with nothing pinned down, below a well-cited one


@cache
def strict_params() -> Path:
    """The fitted model with a confirmation threshold it never reaches here, so the engine's verdict is declined
    and the router's escalation is what these tests exercise (a model tier's hypotheses go through the checklist)."""
    path = Path(tempfile.mkdtemp(prefix="strict-params-")) / "params.json"
    path.write_text(
        load_params().model_copy(update={"confirm_threshold": 0.985, "ticket_threshold": 0.985}).model_dump_json()
    )
    return path


def engine_confidence(threshold: float = CONFIRM) -> float:
    """What the model gives the engine's own top hypothesis on the pool incident (no model tier involved)."""
    from agents.analysis import rank_candidates
    from agents.attribution import weigh
    from agents.hypothesis import model_hypotheses_of, topology
    from agents.verifier import judge

    evidence = pool_incident()
    params = load_params(strict_params())
    weighed = weigh(rank_candidates(evidence, topology(evidence)), evidence, params)
    ranked = model_hypotheses_of(weighed, {e.id for e in evidence})
    return judge(ranked[0], ranked, evidence, threshold, params).confidence


def router_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "checkpointer": "memory",
        "approvals": "skip",
        "audit": "off",
        "tiers": {"fast": "analyst", "balanced": BALANCED, "deep": DEEP},
        "model_prices": PRICES,
        "confirm_threshold": CONFIRM,
        "model_params": strict_params(),
    }
    return Settings(**{**values, **overrides})


async def _planner(state: dict[str, Any]) -> dict[str, Any]:
    return {"tasks": []}  # follow-up collection needs a gateway; here the evidence is fixed


async def _reporter(state: dict[str, Any]) -> dict[str, Any]:
    hypotheses = [Hypothesis.model_validate(h) for h in state.get("hypotheses", [])]
    latest = {v["hypothesis_id"]: Verdict.model_validate(v) for v in state.get("verdicts", [])}
    report = build_report(
        investigation_id=state["investigation_id"],
        request=InvestigationRequest.model_validate(state["request"]),
        evidence=[Evidence.model_validate(e) for e in state["evidence"]],
        hypotheses=hypotheses,
        verdicts=list(latest.values()),
        verdict=latest.get(hypotheses[0].id) if hypotheses else None,
        routing=[RoutingDecision.model_validate(r) for r in state.get("routing_log", [])],
        tool_calls=0,
        seconds=0.0,
        iterations=state.get("iteration", 1),
        owner=None,
    )
    return {"report": report.model_dump(mode="json")}


def loop_graph() -> Any:
    builder: StateGraph[Any] = StateGraph(InvestigationState)
    builder.add_node("planner", _planner)
    builder.add_node("hypothesis", hypothesis)
    builder.add_node("verifier", verifier)
    builder.add_node("escalate", escalate)
    builder.add_node("reporter", _reporter)
    builder.add_edge(START, "hypothesis")
    builder.add_edge("hypothesis", "verifier")
    builder.add_conditional_edges("verifier", after_verdict, ["reporter", "escalate"])
    builder.add_conditional_edges("escalate", after_escalation, ["planner", "reporter"])
    builder.add_conditional_edges("planner", fan_out, ["reporter", "hypothesis"])
    builder.set_finish_point("reporter")
    return builder.compile(checkpointer=InMemorySaver())


RunLoop = Callable[..., Awaitable[tuple[Report, dict[str, Any]]]]


async def run_pool_incident(settings: Settings, extras: dict[str, Any] | None = None) -> tuple[Report, dict[str, Any]]:
    services = NodeServices(settings=settings, gateway=None, extras=extras or {})  # type: ignore[arg-type]
    config = {"configurable": {"thread_id": "t", SERVICES_KEY: services}, "recursion_limit": 50}
    state = {
        "request": InvestigationRequest(text="checkout payment errors").model_dump(mode="json"),
        "investigation_id": "inv-pool",
        "evidence": [e.model_dump(mode="json") for e in pool_incident()],
        "iteration": 0,
        "started_at": time.time(),
    }
    final = await loop_graph().ainvoke(state, config)
    return Report.model_validate(final["report"]), final
