"""The real mcp-grafana (Grafana's own Go server, from its PyPI wheel) over stdio, with Grafana's HTTP API stood in
on 127.0.0.1: datasource lookups, the resource API and datasource proxy answering Prometheus and Loki JSON generated
from the demo world. Fails when Grafana renames a tool we call, changes its arguments, or its payload shapes."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from vendor_helpers import assert_adapter_fits, standin, vendor_and_world, vendor_command, vendor_session

from tools import interfaces as io
from tools.adapters import get_adapter
from tools.servers.standins.grafana_api import grafana_app
from tools.servers.standins.http import Seen
from tools.worlds.base import load_world

WINDOW = {"start": "2026-11-20T10:30:00Z", "end": "2026-11-20T10:40:00Z"}


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    return load_world("demo")


@pytest.fixture(scope="module")
def grafana(world) -> Iterator[tuple[str, Seen]]:  # type: ignore[no-untyped-def]
    with standin(grafana_app, world) as answered:
        yield answered


def _same(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key in got:
        assert got[key] == pytest.approx(want[key]) if isinstance(got[key], float) else got[key] == want[key], key


async def test_contract_of_the_grafana_mcp_adapter(grafana: tuple[str, Seen], world) -> None:  # type: ignore[no-untyped-def]
    url, seen = grafana
    command = vendor_command("mcp-grafana")
    adapter = get_adapter("grafana-mcp")
    samples = {
        "query_metrics": io.QueryMetricsIn(**WINDOW, service="inventory", metrics=["PodServerLatencyP95(s)"]),
        "query_logs": io.QueryLogsIn(**WINDOW, service="inventory", level="ERROR", contains="timeout", limit=20),
        "get_error_details": io.ErrorDetailsIn(**WINDOW, service="inventory"),
        "list_services": io.ListServicesIn(),
    }
    env = {"GRAFANA_URL": url, "GRAFANA_SERVICE_ACCOUNT_TOKEN": "standin-token", "HOME": os.environ["HOME"]}
    async with vendor_session(command, ["--disable-write"], env) as session:
        tools = (await session.list_tools()).tools
        assert_adapter_fits(adapter, tools, samples)
        for operation, query in samples.items():
            got, want = await vendor_and_world(session, adapter, world, operation, query)
            assert any(got.values()), f"{operation}: the vendor answered with nothing"
            if operation == "query_metrics":
                assert [s["instance"] for s in got["series"]] == [s["instance"] for s in want["series"]]
                for g, w in zip(got["series"], want["series"], strict=True):
                    assert g["timestamps"] == w["timestamps"] and g["values"] == pytest.approx(w["values"])
                continue
            if operation == "get_error_details":  # the adapter asks for 200 lines: the vendor caps what it returns
                want["errors"] = want["errors"][: len(got["errors"])]
            for lines in ("lines", "errors"):
                for line in [*got.get(lines, []), *want.get(lines, [])]:
                    line["timestamp"] = round(line["timestamp"], 3)
            assert got == want, operation
    assert seen.unanswered == [], "mcp-grafana asked the Grafana stand-in for endpoints it does not serve"
