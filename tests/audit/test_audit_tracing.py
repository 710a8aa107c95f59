"""Trace completeness: one root per investigation, one span per node, tool and model spans under their node."""

from __future__ import annotations

import asyncio
import contextvars
import operator
import threading
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, Send, interrupt
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from graphs.tracing import traced_node, with_trace_context
from tools.telemetry import investigation_span, model_span, tool_span

SERVICES = ["checkout", "cart", "payments"]


class State(TypedDict, total=False):
    services: list[str]
    evidence: Annotated[list[str], operator.add]
    verdict: str
    service: str


async def planner(state: State) -> dict[str, Any]:
    return {"services": SERVICES}


def fan_out(state: State) -> list[Send]:
    return [Send("collect", {"service": service}) for service in state["services"]]


async def collect(state: State) -> dict[str, Any]:
    with tool_span("log-system", "internal", "query_metrics") as span:
        await asyncio.sleep(0)
        span.set(retries=1 if state["service"] == "cart" else 0)
    return {"evidence": [f"ev-{state['service']}"]}


def hypothesis(state: State) -> dict[str, Any]:  # a sync node: LangGraph runs it in a thread
    with model_span("analyst", "analyst-v1") as span:
        span.usage(120, 30)
    with tool_span("version-control", "internal", "list_deployments"):
        pass
    return {"verdict": "confirmed"}


def build(node_names: Sequence[str] = ("planner", "collect", "hypothesis")) -> Any:
    nodes = {"planner": planner, "collect": collect, "hypothesis": hypothesis}
    graph = StateGraph(State)
    for name in node_names:
        graph.add_node(name, traced_node(name, nodes[name]))
    graph.add_edge(START, "planner")
    graph.add_conditional_edges("planner", fan_out, ["collect"])
    graph.add_edge("collect", "hypothesis")
    graph.add_edge("hypothesis", END)
    return graph.compile()


def tree_problems(spans: Sequence[ReadableSpan]) -> list[str]:
    """Everything that keeps `spans` from being one complete tree."""
    problems = []
    ids = {span.context.span_id for span in spans}
    roots = [span for span in spans if span.parent is None]
    if [span.name for span in roots] != ["investigation"]:
        problems.append(f"roots: {[span.name for span in roots]}")
    if len({span.context.trace_id for span in spans}) != 1:
        problems.append("more than one trace id")
    problems += [f"orphan {span.name}" for span in spans if span.parent and span.parent.span_id not in ids]
    by_id = {span.context.span_id: span for span in spans}
    for span in spans:
        parent = by_id.get(span.parent.span_id) if span.parent else None
        if span.name.startswith(("tool ", "chat ")) and not (parent and parent.name.startswith("node ")):
            problems.append(f"{span.name} is not under a node")
        if span.name.startswith("node ") and not (parent and parent.name == "investigation"):
            problems.append(f"{span.name} is not under the investigation")
    return problems


def names(spans: Sequence[ReadableSpan]) -> list[str]:
    return sorted(span.name for span in spans)


EXPECTED = sorted(
    ["investigation", "node planner", "node hypothesis", "chat analyst-v1", "tool version-control.list_deployments"]
    + ["node collect"] * 3
    + ["tool log-system.query_metrics"] * 3
)


async def test_async_run_yields_one_complete_tree(span_exporter: InMemorySpanExporter) -> None:
    graph = build()
    with investigation_span("inv-1"):
        result = await graph.ainvoke({"evidence": []})
    assert result["verdict"] == "confirmed"
    spans = span_exporter.get_finished_spans()
    assert names(spans) == EXPECTED
    assert tree_problems(spans) == []
    root = next(span for span in spans if span.name == "investigation")
    assert root.attributes["pm.investigation_id"] == "inv-1"
    retries = sorted(span.attributes["pm.retries"] for span in spans if span.name.startswith("tool log-system"))
    assert retries == [0, 0, 1]
    model = next(span for span in spans if span.name == "chat analyst-v1")
    assert (model.attributes["gen_ai.system"], model.attributes["gen_ai.request.model"]) == ("analyst", "analyst-v1")
    assert (model.attributes["gen_ai.usage.input_tokens"], model.attributes["gen_ai.usage.output_tokens"]) == (120, 30)


def test_sync_run_yields_one_complete_tree(span_exporter: InMemorySpanExporter) -> None:
    graph = StateGraph(State)
    graph.add_node("hypothesis", traced_node("hypothesis", hypothesis))
    graph.add_edge(START, "hypothesis")
    with investigation_span("inv-2"):
        graph.compile().invoke({"evidence": []})
    spans = span_exporter.get_finished_spans()
    assert names(spans) == sorted(
        ["investigation", "node hypothesis", "chat analyst-v1", "tool version-control.list_deployments"]
    )
    assert tree_problems(spans) == []


def run_elsewhere(config: dict[str, Any]) -> None:
    """Run the graph in another thread with an empty context, as a serving runtime's worker would."""

    def target() -> None:
        asyncio.run(build().ainvoke({"evidence": []}, config))

    thread = threading.Thread(target=contextvars.Context().run, args=(target,))
    thread.start()
    thread.join()


def test_a_run_started_elsewhere_joins_the_root_through_the_config(span_exporter: InMemorySpanExporter) -> None:
    with investigation_span("inv-3"):
        config = with_trace_context({"configurable": {"thread_id": "inv-3"}})
    run_elsewhere(config)
    spans = span_exporter.get_finished_spans()
    assert names(spans) == EXPECTED
    assert tree_problems(spans) == []


def test_without_the_carrier_the_tree_check_sees_the_break(span_exporter: InMemorySpanExporter) -> None:
    with investigation_span("inv-4"):
        pass
    run_elsewhere({"configurable": {"thread_id": "inv-4"}})
    spans = span_exporter.get_finished_spans()
    assert names(spans) == EXPECTED
    problems = tree_problems(spans)
    assert sum(problem.startswith("roots:") for problem in problems) == 1
    assert "more than one trace id" in problems
    assert "node planner is not under the investigation" in problems


def test_failed_tool_call_marks_the_span(span_exporter: InMemorySpanExporter) -> None:
    with pytest.raises(TimeoutError), tool_span("log-system", "grafana", "query_logs") as span:
        span.set(retries=3, breaker_state="open")
        raise TimeoutError("upstream timed out")
    (finished,) = span_exporter.get_finished_spans()
    assert finished.status.status_code is StatusCode.ERROR
    assert dict(finished.attributes) == {
        "pm.interface": "log-system",
        "pm.provider": "grafana",
        "pm.operation": "query_logs",
        "pm.outcome": "error",
        "pm.retries": 3,
        "pm.breaker_state": "open",
    }


async def test_an_interrupt_is_not_an_error(span_exporter: InMemorySpanExporter) -> None:
    def approval(state: State) -> Command[Any]:
        answer = interrupt("approve rollback?")
        return Command(update={"verdict": str(answer)})

    graph = StateGraph(State)
    graph.add_node("approval", traced_node("approval", approval))
    graph.add_edge(START, "approval")
    compiled = graph.compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t-1"}}
    with investigation_span("inv-5"):
        await compiled.ainvoke({"evidence": []}, config)
        result = await compiled.ainvoke(Command(resume="yes"), config)
    assert result["verdict"] == "yes"
    nodes = [span for span in span_exporter.get_finished_spans() if span.name == "node approval"]
    assert [span.attributes.get("pm.outcome") for span in nodes] == ["interrupted", None]
    assert all(span.status.status_code is not StatusCode.ERROR for span in nodes)
    assert tree_problems(span_exporter.get_finished_spans()) == []
