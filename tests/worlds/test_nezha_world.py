"""NezhaWorld on the real dataset files: a few windows of each signal, the baseline day, dependencies."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tools.worlds.nezha import NezhaWorld

DEFAULT_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "nezha"
DATA_DIR = Path(os.environ.get("PM_NEZHA_DIR", DEFAULT_DIR))
pytestmark = pytest.mark.skipif(not (DATA_DIR / "rca_data").is_dir(), reason="Nezha dataset not present")
AT = datetime(2023, 1, 29, 8, 44, tzinfo=UTC)


@pytest.fixture(scope="module")
def tt() -> NezhaWorld:
    return NezhaWorld(DATA_DIR, "trainticket")


def test_services_are_pod_names_without_hashes(tt: NezhaWorld) -> None:
    services = tt.list_services()
    assert "ts-contacts-service" in services
    assert all(not s.endswith(("-xcqfx", "-866bd68c97")) for s in services)


def test_metrics_per_pod_and_entry(tt: NezhaWorld) -> None:
    series = tt.query_metrics("ts-contacts-service", AT - timedelta(minutes=3), AT, ["CpuUsageRate(%)"])
    assert [s.instance for s in series] == ["ts-contacts-service-866bd68c97-xcqfx"]
    assert all(AT.timestamp() - 181 <= t <= AT.timestamp() for t in series[0].timestamps)
    entry = [s for s in tt.query_metrics(None, AT - timedelta(minutes=3), AT) if s.labels.get("scope") == "entry"]
    assert {s.service for s in entry} == {tt.entry_service}
    assert "SuccessRate(%)" in {s.metric for s in entry}


def test_logs_parse_json_level_and_service(tt: NezhaWorld) -> None:
    lines = tt.query_logs("ts-contacts-service", AT - timedelta(minutes=2), AT)
    assert lines and all(line.service == "ts-contacts-service" for line in lines)
    assert not lines[0].message.startswith("{")
    assert {line.level for line in lines} <= {"INFO", "WARN", "ERROR", "DEBUG", "TRACE"}
    assert "ERROR" in {line.level for line in lines}
    assert len(tt.query_logs(None, AT - timedelta(minutes=2), AT, contains="ContactsServiceImpl", limit=5)) == 5


def test_traces_and_baseline_day(tt: NezhaWorld) -> None:
    spans = tt.query_traces(None, AT - timedelta(minutes=1), AT)
    assert spans and any(s.parent_id is None for s in spans)
    assert all(AT.timestamp() - 61 <= s.start <= AT.timestamp() for s in spans)
    day_before = tt.query_traces(None, AT - timedelta(hours=36), AT - timedelta(hours=12))
    assert day_before and max(s.start for s in day_before) < (AT - timedelta(hours=12)).timestamp()


def test_dependencies_from_traces(tt: NezhaWorld) -> None:
    edges = {(e.caller, e.callee) for e in tt.get_dependencies()}
    assert ("ts-basic-service", "ts-price-service") in edges
    assert all(a != b for a, b in edges)


def test_online_boutique_edges_and_registry() -> None:
    ob = NezhaWorld(DATA_DIR, "onlineboutique", ["2022-08-22"])
    start = datetime(2022, 8, 22, 4, 20, tzinfo=UTC)
    edges = [s for s in ob.query_metrics("cartservice", start, start + timedelta(minutes=5)) if s.labels]
    assert {s.labels["caller"] for s in edges} >= {"frontend", "checkoutservice"}
    deps = {(e.caller, e.callee) for e in ob.get_dependencies()}
    assert ("frontend", "cartservice") in deps and not any(c[0].isdigit() for _, c in deps)
    assert ob.query_logs(None, start, start + timedelta(minutes=5)) == []


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rca_data"):
        NezhaWorld(tmp_path, "trainticket")
    with pytest.raises(ValueError, match="no trainticket data for day"):
        NezhaWorld(DATA_DIR, "trainticket", ["1999-01-01"])


def test_long_lines_are_clipped_and_error_queries_span_the_day(tt: NezhaWorld) -> None:
    from tools.worlds.nezha_files import MAX_LINE_CHARS

    day = tt.query_logs(None, AT - timedelta(minutes=2), AT + timedelta(minutes=2))
    longest = max(day, key=lambda line: len(line.message))
    assert len(longest.message) <= MAX_LINE_CHARS + 40 and longest.message.endswith("more characters]")
    errors = tt.query_errors("ts-contacts-service", AT - timedelta(hours=12), AT + timedelta(hours=12), limit=50)
    assert errors and len(errors) <= 50 and {e.level for e in errors} == {"ERROR"}
    assert {e.service for e in errors} == {"ts-contacts-service"}
