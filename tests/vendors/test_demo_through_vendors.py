"""The demo world investigated with its deploys from the real github-mcp-server and its metrics and logs from the real
mcp-grafana, whose Prometheus datasource is a real Prometheus (tools/backends) behind a stand-in of Grafana's API:
`providers parity` passes for both interfaces, and the report names the same root cause and pinpoint as the internal
providers."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from test_github import HOST
from vendor_helpers import VENV, require_prometheus, vendor_command

from tools.backends.load import export_metrics
from tools.backends.prometheus_server import running
from tools.servers.standins.github_api import github_app
from tools.servers.standins.grafana_api import grafana_app
from tools.servers.standins.http import Seen, serve
from tools.worlds.base import load_world

ALERT = "checkout p95 latency above 2s"


def _configure(tmp_path: Path, grafana: str, github: str) -> dict[str, str]:
    routing = {
        "providers": {
            "grafana-vendor": {
                "server": "grafana",
                "adapter": "grafana-mcp",
                "options": {"metric_label": "source_metric"},
            },
            "github-vendor": {"server": "github", "adapter": "github", "options": {"owner": "shop"}},
        },
        "interfaces": {
            # traces are not served by mcp-grafana's Loki/Prometheus tools: the internal provider answers those
            "log-system": {"provider": "grafana-vendor", "mode": "external", "fallback": "internal"},
            "version-control": {"provider": "github-vendor", "mode": "external", "fallback": None},
        },
    }
    servers = {
        "grafana": {
            "command": vendor_command("mcp-grafana"),
            "args": ["--disable-write", "--max-loki-log-limit", "5000"],
            "env": {"GRAFANA_URL": grafana, "GRAFANA_SERVICE_ACCOUNT_TOKEN": "${PM_TEST_VENDOR_TOKEN}"},
        },
        "github": {
            "command": vendor_command("github-mcp-server"),
            "args": ["stdio", "--read-only"],
            "env": {
                "GITHUB_HOST": HOST,
                "GITHUB_PERSONAL_ACCESS_TOKEN": "${PM_TEST_VENDOR_TOKEN}",
                "HTTP_PROXY": github,
                "HTTPS_PROXY": github,
                "NO_PROXY": "",
            },
        },
    }
    (tmp_path / "routing.yaml").write_text(json.dumps(routing))
    (tmp_path / "servers.json").write_text(json.dumps({"mcpServers": servers}))
    return os.environ | {
        "PM_ROUTING_TABLE": str(tmp_path / "routing.yaml"),
        "PM_MCP_SERVERS_FILE": str(tmp_path / "servers.json"),
        "PM_TEST_VENDOR_TOKEN": "standin-token",
    }


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = str(VENV / "bin" / "production-master")
    return subprocess.run([exe, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_demo_through_the_real_grafana_and_github_servers(tmp_path: Path) -> None:
    require_prometheus()
    world = load_world("demo")
    grafana_seen, github_seen = Seen(), Seen()
    export_metrics(world, tmp_path / "demo.om", "demo")
    with (
        running(tmp_path / "demo.om") as prometheus,
        serve(grafana_app(world, grafana_seen, prometheus_url=f"http://127.0.0.1:{prometheus.port}")) as grafana,
        serve(github_app(world, github_seen)) as github,
    ):
        env = _configure(tmp_path, grafana, github)
        served = [f"--operation={op}" for op in ("query_metrics", "query_logs", "get_error_details", "list_services")]
        for interface, provider, only in (
            ("version-control", "github-vendor", []),
            ("log-system", "grafana-vendor", served),  # mcp-grafana's tools carry no traces: those stay internal
        ):
            gate = _cli("providers", "parity", "--interface", interface, "--a", "internal", "--b", provider,
                        "--world", "demo", *only, "--json", env=env, cwd=tmp_path)  # fmt: skip
            assert gate.returncode == 0, gate.stdout[-3000:] + gate.stderr[-2000:]
        runs = {}
        for name, run_env in (("internal", dict(os.environ)), ("vendor", env)):
            out = tmp_path / name
            done = _cli("investigate", "--world", "demo", "--alert", ALERT, "--checkpointer", "memory", "-q",
                        "--out", str(out), env=run_env, cwd=tmp_path)  # fmt: skip
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
            runs[name] = json.loads((out / "report.json").read_text())
    vendor, internal = runs["vendor"], runs["internal"]
    came = {(e["provider"], e["kind"]) for e in vendor["evidence"]}
    assert {("grafana-vendor", "metric-anomaly"), ("grafana-vendor", "log-pattern")} <= came
    assert ("github-vendor", "change") in came
    assert vendor["root_cause"]["service"] == internal["root_cause"]["service"]
    assert vendor["root_cause"]["pinpoint"]["ref"] == internal["root_cause"]["pinpoint"]["ref"]
    assert grafana_seen.unanswered == [] and github_seen.unanswered == []
