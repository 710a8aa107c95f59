"""The investigation graph: intake -> planner -> collect (fan-out) -> hypothesis -> verifier -> reporter."""

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
from agents.reporter import reporter
from agents.services import get_services
from agents.verifier import verifier
from graphs.state import InvestigationInput, InvestigationState

NODES = ("intake", "planner", "collect", "hypothesis", "verifier", "reporter", "approval")


def fan_out(state: InvestigationState) -> list[Send] | Literal["reporter"]:
    """One collect branch per task; no tasks left means there is nothing more to learn."""
    tasks = state.get("tasks", [])
    if not tasks:
        return "reporter"
    return [Send("collect", {"task": task, "request": state["request"]}) for task in tasks]


def after_verdict(state: InvestigationState, config: RunnableConfig) -> Literal["reporter", "planner"]:
    """Confirmed: report. Declined with iterations left: plan targeted follow-ups. Otherwise report unconfirmed."""
    settings = get_services(config).settings
    hypotheses = state.get("hypotheses", [])
    if not hypotheses:
        return "reporter"
    top = hypotheses[0]["id"]
    latest = {v["hypothesis_id"]: v for v in state.get("verdicts", [])}
    if latest.get(top, {}).get("status") == "confirmed":
        return "reporter"
    return "planner" if state.get("iteration", 0) < settings.max_iterations else "reporter"


def build_graph() -> StateGraph:
    """The uncompiled builder: callers compile it with their own checkpointer."""
    builder: StateGraph[Any] = StateGraph(InvestigationState, input_schema=InvestigationInput)
    builder.add_node("intake", intake)
    builder.add_node("planner", planner)
    builder.add_node("collect", collect)
    builder.add_node("hypothesis", hypothesis)
    builder.add_node("verifier", verifier)
    builder.add_node("reporter", reporter)
    builder.add_node("approval", approval)
    builder.add_edge(START, "intake")
    builder.add_edge("intake", "planner")
    builder.add_conditional_edges("planner", fan_out, ["collect", "reporter"])
    builder.add_edge("collect", "hypothesis")
    builder.add_edge("hypothesis", "verifier")
    builder.add_conditional_edges("verifier", after_verdict, ["reporter", "planner"])
    builder.add_edge("reporter", "approval")
    builder.add_edge("approval", END)
    return builder


# Served by `langgraph dev` and Aegra: compiled without a checkpointer, the runtime brings its own.
graph = build_graph().compile(name="investigation")
