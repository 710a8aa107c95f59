"""Alert rules pass `promtool test rules`, each links a runbook that exists, and the dashboard reads real metrics."""

from __future__ import annotations

import json
import re
import subprocess

import yaml
from prometheus_server import binary

from api.serve import REPO_ROOT

RULES = REPO_ROOT / "deploy" / "prometheus"
RUNBOOKS = REPO_ROOT / "docs" / "runbooks"


def alerts() -> list[dict]:
    groups = yaml.safe_load((RULES / "rules.yaml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_promtool_unit_tests_pass() -> None:
    result = subprocess.run(
        [binary("promtool"), "test", "rules", "rules.test.yaml"], cwd=RULES, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_runbook_and_a_unit_test() -> None:
    tested = (RULES / "rules.test.yaml").read_text()
    for rule in alerts():
        name = rule["alert"]
        url = rule["annotations"]["runbook_url"]
        assert url.endswith(f"/docs/runbooks/{name}.md"), url
        assert (RUNBOOKS / f"{name}.md").read_text().startswith(f"# {name}:")
        assert f"alertname: {name}" in tested, f"{name} has no promtool test"


def test_the_dashboard_reads_only_metrics_we_export() -> None:
    exported = {"up"}
    for module in ("graphs/metrics.py", "graphs/deadletters.py", "api/http/slo.py", "api/http/metrics.py",
                   "api/http/backlog.py", "tools/gateway/metrics.py"):  # fmt: skip
        exported |= set(re.findall(r'"(pm_[a-z_]+)"', (REPO_ROOT / module).read_text()))
    dashboard = json.loads((REPO_ROOT / "deploy" / "grafana" / "production-master-slo.json").read_text())
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            for name in re.findall(r"\b(pm_[a-z_]+)", target["expr"]):
                base = re.sub(r"_(bucket|sum|count|total)$", "", name)
                assert name in exported or base in exported or f"{base}_total" in exported, (panel["title"], name)
