"""`providers` and `providers parity`: the effective table with probes, and parity through real stand-ins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gateway_helpers import standin_entry, write_routing, write_servers
from typer.testing import CliRunner

from api.cli.providers import providers_app
from graphs.settings import Settings
from tools.gateway.cli_support import effective_table, parity

WIDE = {"start": "2026-11-19T00:00:00Z", "end": "2026-11-21T00:00:00Z"}


def configure(tmp_path: Path) -> Settings:
    table = {
        "providers": {"gh": {"server": "github", "adapter": "github", "options": {"owner": "shop"}}},
        "interfaces": {"version-control": {"provider": "gh", "mode": "external", "fallback": "internal"}},
        "tenants": {"acme": {"version-control": {"provider": "internal", "fallback": None}}},
    }
    servers = write_servers(tmp_path / "s.json", {"github": standin_entry("github"), "down": {"command": "false"}})
    return Settings(routing_table=write_routing(tmp_path / "r.yaml", table), mcp_servers_file=servers)


def test_effective_table_with_overlays_and_health(tmp_path: Path) -> None:
    settings = configure(tmp_path)
    rows = {row["interface"]: row for row in effective_table(settings)}
    vc = rows["version-control"]
    assert (vc["provider"], vc["mode"], vc["adapter"], vc["fallback"]) == ("gh", "external", "github", "internal")
    assert vc["health"]["gh"]["healthy"] and vc["health"]["gh"]["missing_tools"] == ["list_pull_requests"]
    assert vc["health"]["internal"]["healthy"]
    tenant_rows = {row["interface"]: row for row in effective_table(settings, tenant="acme", probe_health=False)}
    assert tenant_rows["version-control"]["provider"] == "internal"


@pytest.mark.slow
def test_parity_of_the_github_adapter_against_internal(tmp_path: Path) -> None:
    cases = [("list_commits", WIDE | {"service": "inventory"}), ("list_deployments", WIDE | {"service": "catalog"})]
    report = parity(configure(tmp_path), "version-control", "internal", "gh", "demo", cases=cases)
    assert report.passed, report.cases
    assert report.ignored_fields == {"list_commits": ["diff"], "list_deployments": ["diff"]}
    assert all(case.count_a > 0 for case in report.cases)


def test_cli_reports_bad_configuration_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    routing = write_routing(tmp_path / "r.yaml", {"interfaces": {"log-system": {"provider": "nowhere"}}})
    monkeypatch.setenv("PM_ROUTING_TABLE", str(routing))
    result = CliRunner().invoke(providers_app, ["--json", "--no-probe"])
    assert result.exit_code == 2
    assert "provider 'nowhere'" in result.output and "Traceback" not in result.output
    monkeypatch.delenv("PM_ROUTING_TABLE")
    result = CliRunner().invoke(providers_app, ["--json", "--no-probe"])
    assert result.exit_code == 0
    assert {row["provider"] for row in json.loads(result.output)} == {"internal"}


def test_parity_refuses_an_operation_the_interface_lacks_in_one_line() -> None:
    args = ["parity", "--interface", "log-system", "--a", "internal", "--b", "internal", "--operation", "get_ticket"]
    result = CliRunner().invoke(providers_app, args)
    assert result.exit_code == 2
    assert "--operation 'get_ticket' is not an operation of log-system" in result.output
    assert "Traceback" not in result.output
