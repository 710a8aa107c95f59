"""The PetShop world and its loader on a tiny set written in the dataset's real format."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from petshop_data import GRAPH_ONLY, INJECTION_MARKER, PAY, SEARCH, SITE, STEP, TABLE, write_set

from evals.petshop.cases import load_cases
from graphs.contracts import DependencyEdge
from tools import interfaces as io
from tools.worlds.base import load_world
from tools.worlds.petshop.files import issue_dirs, read_graph, read_metrics
from tools.worlds.petshop.world import PetShopWorld

AT = 1_681_855_803.0  # an issue's time, as target.json gives it
ISSUES = {"train/issue_0": (SEARCH, AT), "test/issue_2": (PAY, AT + 1800), "test/issue_10": (SEARCH, AT + 3600)}


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_set(tmp_path / "sets", ISSUES)


def test_files_read_the_four_header_rows_blank_cells_and_the_graph(data: Path) -> None:
    table = read_metrics(data / "tiny" / "train" / "issue_0" / "metrics.csv")
    assert table.step == STEP and len(table.starts) == 5
    assert ("Search_AWS::ECS::Fargate", "latency", "p99") in table.columns
    requests = table.columns.index((TABLE, "requests", "Sum"))
    assert np.isnan(table.values[0, requests]) and table.values[1, requests] == 120.0
    assert (PAY, GRAPH_ONLY) in read_graph(data / "tiny" / "graph.csv")
    assert issue_dirs(data / "tiny") == ["train/issue_0", "test/issue_2", "test/issue_10"]


def test_an_issue_is_served_at_period_ends_after_the_quiet_recording(data: Path) -> None:
    world = PetShopWorld(data, "tiny", "train/issue_0")
    series = world.query_metrics(SITE, _utc(AT - 5 * 3600), _utc(AT + 3600))
    names = {s.metric for s in series}
    assert names == {f"latency_{s}" for s in ("average", "p50", "p90", "p95", "p99")} | {
        "requests_sum",
        "availability_average",
    }
    latency = next(s for s in series if s.metric == "latency_average")
    first_issue_period = AT - 485.0
    issue_times = [first_issue_period + STEP * (i + 1) for i in range(5)]  # each period known when it ends
    assert latency.timestamps[-5:] == issue_times
    quiet = latency.timestamps[:-5]
    assert len(quiet) == 48 and np.all(np.diff(latency.timestamps) == STEP)  # contiguous, no overlap
    assert max(latency.values[:-5]) < min(latency.values[-3:])  # the issue's slow periods stand out


def test_without_noissue_only_the_issue_is_served(tmp_path: Path) -> None:
    data = write_set(tmp_path, {"test/issue_0": (PAY, AT)}, reference=False)
    world = PetShopWorld(data, "tiny", "test/issue_0")
    series = world.query_metrics(None, _utc(AT - 86400), _utc(AT + 3600), ["latency_average"])
    assert {s.service for s in series} == {SITE, SEARCH, PAY, TABLE}
    assert all(len(s.timestamps) == 5 for s in series)
    assert world.describe()["reference"] is False


def test_a_whole_set_serves_every_issue_and_the_recording_at_their_own_times(data: Path) -> None:
    world = PetShopWorld(data, "tiny")
    around_issues = world.query_metrics(PAY, _utc(AT - 3600), _utc(AT + 2 * 3600), ["latency_p90"])
    assert len(around_issues[0].timestamps) == 15
    later = world.query_metrics(PAY, _utc(AT + 3 * 3600), _utc(2_000_000_000), ["latency_p90"])
    assert len(later[0].timestamps) == 48


def test_registry_and_operations_through_the_registered_world(data: Path) -> None:
    world = load_world("petshop", {"data_dir": str(data), "set": "tiny", "issue": "test/issue_2"})
    assert world.list_services(io.ListServicesIn()).services == sorted([SITE, SEARCH, PAY, TABLE])
    edges = world.get_dependencies(io.GetDependenciesIn(service=SEARCH)).edges
    assert {(e.caller, e.callee) for e in edges} == {(SITE, SEARCH), (SEARCH, TABLE)}
    assert all(isinstance(e, DependencyEdge) for e in edges)
    assert world.resolve_service(io.ResolveServiceIn(name="search_aws::ecs::fargate")).service.name == SEARCH
    assert world.resolve_service(io.ResolveServiceIn(name="nowhere")).service is None
    window = {"start": _utc(AT - 600), "end": _utc(AT + 900)}
    assert world.query_metrics(io.QueryMetricsIn(**window, service=TABLE, metrics=["requests_sum"])).series
    assert not hasattr(world, "query_logs") and not hasattr(world, "list_deployments")


def test_the_world_never_opens_target_json(data: Path) -> None:
    for issue in ISSUES:
        path = data / "tiny" / issue / "target.json"
        path.unlink()
        path.mkdir()  # opening it would fail loudly
    world = PetShopWorld(data, "tiny", "test/issue_10")
    assert world.query_metrics(None, _utc(AT), _utc(AT + 7200)) and world.get_dependencies()
    assert PetShopWorld(data, "tiny").list_services()


def test_cases_carry_the_alarm_and_keep_the_label_to_the_scorer(data: Path) -> None:
    cases = load_cases(data, "tiny")
    assert [c.case_id for c in cases] == ["tiny-train-issue_0", "tiny-test-issue_2", "tiny-test-issue_10"]
    case = cases[0]
    # the alarm fires when the first period wholly inside the issue closes (its periods start 485 s before AT)
    assert case.alert_at == _utc(AT - 485 + 3 * STEP) and case.target_at == _utc(AT)
    assert case.target_node == SITE and case.target_metric == "latency_average"
    assert SITE in case.alert_text and "latency_average" in case.alert_text
    assert SEARCH not in case.alert_text + str(case.alert_labels) and INJECTION_MARKER not in case.alert_text
    assert case.truth_service == SEARCH and cases[1].truth_service == PAY


def test_bad_input_names_what_is_wrong(data: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no graph.csv.*sets there: tiny"):
        PetShopWorld(data, "nope")
    with pytest.raises(ValueError, match="no issue 'test/issue_99'"):
        PetShopWorld(data, "tiny", "test/issue_99")
    with pytest.raises(ValueError, match="set=NAME"):
        load_world("petshop", {"data_dir": str(data)})
    broken = tmp_path / "broken" / "tiny"
    shutil.copytree(data / "tiny", broken)
    (broken / "train" / "issue_0" / "metrics.csv").write_text("microservice,Site\n")
    with pytest.raises(ValueError, match=r"issue_0/metrics.csv: expected header rows"):
        PetShopWorld(broken.parent, "tiny", "train/issue_0").query_metrics(None, _utc(AT), _utc(AT + 600))
