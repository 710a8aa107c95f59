"""The Nezha evaluation through the full graph (MCP server over stdio, gateway, checkpoints) on three faults."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from evals.nezha.cases import load_cases
from evals.nezha.direct import data_dir, run_case
from evals.nezha.runner import run_nezha_eval
from tools.worlds.nezha import NezhaWorld

pytestmark = pytest.mark.skipif(not (data_dir() / "rca_data").is_dir(), reason="Nezha dataset not present")
CASES = 3


def test_graph_eval_writes_its_files_and_agrees_with_the_engine_alone(tmp_path: Path) -> None:
    summary = asyncio.run(run_nezha_eval(data_dir(), "trainticket", tmp_path, limit=CASES))
    for key in ("cases", "as_at_1", "as_at_3", "as_at_5", "fault_type_at_1", "median_seconds", "p95_seconds"):
        assert key in json.loads((tmp_path / "summary.json").read_text())
    assert "| **production-master (no LLM)** |" in (tmp_path / "summary.md").read_text()
    assert summary["cases"] == CASES and summary["as_at_1"] >= 2 / 3
    results = json.loads((tmp_path / "results.json").read_text())
    assert all(r["evidence"] > 0 and r["ranking"] for r in results)
    world = NezhaWorld(data_dir(), "trainticket")
    direct = [run_case(world, case)[0] for case in load_cases(data_dir(), "trainticket")[:CASES]]
    # The graph fetches through MCP what the harness reads directly: the verdicts must be the same.
    assert [r["score"]["rank"] for r in results] == [d.rank for d in direct]
    assert [r["fault_type"] for r in results] == [d.fault_type for d in direct]
