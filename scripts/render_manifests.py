"""Renders the kustomize overlays under deploy/kubernetes, validates every object and scans the installable ones.

python scripts/render_manifests.py   # writes out/manifests/NAME.yaml; one line, exit 1 on a finding
Renderer: `kubectl kustomize` (1.20, Debian's kubernetes-client, and 1.32 render the same). Validation:
kubernetes-validate --strict (unknown fields fail; CRDs such as KEDA's are warned about). Scan: checkov with the
accepted findings of deploy/kubernetes/checkov.yaml.
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


def validate(tools: Path, files: list[Path]) -> list[str]:
    args = [str(tools / "kubernetes-validate"), "--strict", "--quiet", "--no-warn", *map(str, files)]
    result = subprocess.run(args, capture_output=True, text=True)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("ERROR")]


def scan(repo: Path, tools: Path, files: list[Path]) -> tuple[int, list[str]]:
    """Passed count and the failed checks, as `CHECK resource (file)`."""
    config = repo / "deploy" / "kubernetes" / "checkov.yaml"
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
    try:
        rendered = render(repo, repo / "out" / "manifests")
    except RuntimeError as exc:
        return "FAIL", str(exc)
    errors = validate(tools, list(rendered.values()))
    if errors:
        return "FAIL", f"{len(errors)} invalid object(s); first: {errors[0]}"
    passed, failed = scan(repo, tools, [rendered[name] for name in INSTALLABLE])
    if failed:
        return "FAIL", f"checkov: {len(failed)} finding(s); first {failed[0]}"
    objects = sum(len([d for d in yaml.safe_load_all(path.read_text()) if d]) for path in rendered.values())
    accepted = "accepted findings: deploy/kubernetes/checkov.yaml"
    return "PASS", f"{len(rendered)} renders, {objects} objects valid; checkov passed {passed} checks ({accepted})"


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    status, reason = render_all(root, root / ".venv-gates" / "bin")
    print(f"{status} manifests {reason}")
    sys.exit(0 if status == "PASS" else 1)
