"""Renders the Helm chart and the kustomize overlays, validates every object and scans the installable ones.

python scripts/render_manifests.py   # writes out/manifests/NAME.yaml and helm-NAME.yaml; one line, exit 1 on a finding
Renderers: scripts/render_helm.py in .venv-gates (helm-python-sdk: Helm's Go SDK bundled in a wheel) for
deploy/helm/production-master with its default values and each ci/*-values.yaml; `kubectl kustomize` (1.20, Debian's
kubernetes-client, and 1.32 render the same) for deploy/kubernetes. Validation: kubernetes-validate --strict
(unknown fields fail; CRDs such as KEDA's are warned about). Scan: checkov, with the accepted findings of
deploy/kubernetes/checkov.yaml for kustomize and the chart's own `checkov.io/skipN` annotations for the chart.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

TARGETS = {"base": "base", "production": "overlays/production", "keda": "overlays/keda"}
INSTALLABLE = ("production", "keda")  # the base has no namespace of its own: it is scanned through the overlays


def render(repo: Path, out: Path) -> dict[str, Path]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl not found: apt-get install -y kubernetes-client")
    out.mkdir(parents=True, exist_ok=True)
    rendered = {}
    for name, relative in TARGETS.items():
        result = subprocess.run(
            [kubectl, "kustomize", str(repo / "deploy" / "kubernetes" / relative)], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"kustomize {relative}: {result.stderr.strip().splitlines()[-1:]}")
        rendered[name] = out / f"{name}.yaml"
        rendered[name].write_text(result.stdout)
    return rendered


def render_chart(repo: Path, tools: Path, out: Path) -> list[Path]:
    """The chart's gate cases, rendered by scripts/render_helm.py with the gates' Python (helm-python-sdk is there)."""
    args = [str(tools / "python"), str(repo / "scripts" / "render_helm.py"), "--out", str(out)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        message = " ".join((result.stderr or result.stdout).split()).removeprefix("render_helm: ")
        raise RuntimeError(f"helm chart: {message[:400]}")
    return [Path(line) for line in result.stdout.splitlines() if line.strip()]


def validate(tools: Path, files: list[Path]) -> list[str]:
    args = [str(tools / "kubernetes-validate"), "--strict", "--quiet", "--no-warn", *map(str, files)]
    result = subprocess.run(args, capture_output=True, text=True)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("ERROR")]


def scan(tools: Path, config: Path, files: list[Path]) -> tuple[int, list[str]]:
    """Passed count and the failed checks, as `CHECK resource (file)`."""
    args = [str(tools / "checkov"), "--config-file", str(config), "-o", "json"]
    for path in files:
        args += ["-f", str(path)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=600)
    reports = json.loads(result.stdout or "[]")
    reports = reports if isinstance(reports, list) else [reports]
    passed, failed = 0, []
    for report in reports:
        results = report.get("results", {})
        passed += len(results.get("passed_checks", []))
        for check in results.get("failed_checks", []):
            where = f"{check['resource']} ({Path(check['file_path']).name})"
            failed.append(f"{check['check_id']} {where}: {check['check_name']}")
    return passed, failed


def render_all(repo: Path, tools: Path) -> tuple[str, str]:
    """The `manifests` gate: (PASS | FAIL, reason)."""
    out = repo / "out" / "manifests"
    try:
        chart = render_chart(repo, tools, out)
        rendered = render(repo, out)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return "FAIL", str(exc)
    files = chart + list(rendered.values())
    errors = validate(tools, files)
    if errors:
        return "FAIL", f"{len(errors)} invalid object(s); first: {errors[0]}"
    passed, failed = 0, []
    for config, scanned in (
        (repo / "deploy" / "helm" / "checkov.yaml", chart),
        (repo / "deploy" / "kubernetes" / "checkov.yaml", [rendered[name] for name in INSTALLABLE]),
    ):
        count, findings = scan(tools, config, scanned)
        passed, failed = passed + count, failed + findings
    if failed:
        return "FAIL", f"checkov: {len(failed)} finding(s); first {failed[0]}"
    objects = sum(len([d for d in yaml.safe_load_all(path.read_text()) if d]) for path in files)
    renders = f"{len(chart)} chart renders (helm lint --strict clean) + {len(rendered)} kustomize renders"
    accepted = "accepted findings: the chart's checkov.io/skip annotations, deploy/kubernetes/checkov.yaml"
    return "PASS", f"{renders}, {objects} objects valid; checkov passed {passed} checks ({accepted})"


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    status, reason = render_all(root, root / ".venv-gates" / "bin")
    print(f"{status} manifests {reason}")
    sys.exit(0 if status == "PASS" else 1)
