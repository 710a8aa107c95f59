"""The investigation graph: intake -> planner -> collect (fan-out) -> hypothesis -> verifier -> reporter -> publish
-> approval (an interrupt while proposed actions wait)."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from agents.approval import approval
from agents.collector import collect
from agents.hypothesis import hypothesis
from agents.intake import intake
from agents.planner import planner
from agents.publish import publish
from agents.reporter import reporter
from agents.router import after_escalation, escalate, get_router, needs_escalation, pending_grant
from agents.verifier import verifier
from graphs.instrument import instrument
from graphs.state import InvestigationInput, InvestigationState

NODES = ("intake", "planner", "collect", "hypothesis", "verifier", "escalate", "reporter", "publish", "approval")


def fan_out(state: InvestigationState) -> list[Send] | Literal["reporter", "hypothesis"]:
    """One collect branch per task; no tasks left means there is nothing more to learn (unless a newly granted
    tier may re-read the evidence there is)."""
    tasks = state.get("tasks", [])
    if not tasks:
        return "hypothesis" if pending_grant(state.get("routing_log", [])) else "reporter"
    return [Send("collect", {"task": task, "request": state["request"]}) for task in tasks]


def after_verdict(state: InvestigationState, config: RunnableConfig) -> Literal["reporter", "escalate"]:
    """Confirmed with the tier's confidence: report. Otherwise the router decides (escalate): a higher tier and
    follow-ups (planner) while iterations and budget last, else an unconfirmed report."""
    return "escalate" if needs_escalation(dict(state), get_router(config)) else "reporter"


def build_graph() -> StateGraph:
    """The uncompiled builder: callers compile it with their own checkpointer."""
    builder: StateGraph[Any] = StateGraph(InvestigationState, input_schema=InvestigationInput)
    builder.add_node("intake", instrument("intake", intake))
    builder.add_node("planner", instrument("planner", planner))
    builder.add_node("collect", instrument("collect", collect))
    builder.add_node("hypothesis", instrument("hypothesis", hypothesis))
    builder.add_node("verifier", instrument("verifier", verifier))
    builder.add_node("escalate", instrument("escalate", escalate))
    builder.add_node("reporter", instrument("reporter", reporter))
    builder.add_node("publish", instrument("publish", publish))
    builder.add_node("approval", instrument("approval", approval))
    builder.add_edge(START, "intake")
    builder.add_edge("intake", "planner")
    builder.add_conditional_edges("planner", fan_out, ["collect", "reporter", "hypothesis"])
    builder.add_edge("collect", "hypothesis")
    builder.add_edge("hypothesis", "verifier")
    builder.add_conditional_edges("verifier", after_verdict, ["reporter", "escalate"])
    builder.add_conditional_edges("escalate", after_escalation, ["planner", "reporter"])
    builder.add_edge("reporter", "publish")  # the report goes back where the request came from, once
    builder.add_edge("publish", "approval")
    builder.add_edge("approval", END)
    return builder


# Served by `langgraph dev` and Aegra: compiled without a checkpointer, the runtime brings its own.
graph = build_graph().compile(name="investigation")
