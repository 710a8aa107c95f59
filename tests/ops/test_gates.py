"""Release gates fail on what they guard: a new secret, a manifest or chart that scans or validates badly; bad input:
exit 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".venv-gates"

needs_tools = pytest.mark.skipif(
    not (TOOLS / ".installed").exists() and os.environ.get("PM_UNDER_MAKE") != "1",
    reason="the gates' tools are installed by `make test` / `make gates` (.venv-gates)",
)


def project(tmp_path: Path, *parts: str) -> Path:
    """A throwaway git repo with the gate scripts, the gates' tool venv and the named parts of this repo."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "scripts", root / "scripts")
    (root / ".venv-gates").symlink_to(TOOLS)
    for part in parts:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            (root / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, root / part)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def commit(root: Path) -> None:
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "-C", str(root), *identity, "commit", "-q", "-m", "state"], check=True)


def gates(root: Path, *names: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "gates.py"), *names],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_an_unknown_gate_is_one_line_and_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gates.py"), "no-such-gate"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown gate no-such-gate" in result.stderr


@needs_tools
def test_the_secrets_gate_fails_on_a_new_secret_and_passes_once_it_is_marked_fake(tmp_path: Path) -> None:
    root = project(tmp_path, ".secrets.baseline")
    settings = root / "settings.py"
    fake = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # pragma: allowlist secret
    settings.write_text(f'AWS_SECRET_ACCESS_KEY = "{fake}"\n')
    commit(root)
    failed = gates(root, "secrets")
    assert failed.returncode == 1
    assert failed.stdout.startswith("FAIL secrets")
    assert "settings.py:1" in failed.stdout

    settings.write_text(f'AWS_SECRET_ACCESS_KEY = "{fake}"  # pragma: allowlist secret\n')
    commit(root)
    passed = gates(root, "secrets")
    assert passed.returncode == 0, passed.stdout
    assert passed.stdout.startswith("PASS secrets")


BROKEN_PACKAGES = {
    "kustomize container may escalate": (
        "deploy/kubernetes/base/production-master.yaml",
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: true",
        ("checkov", "CKV_K8S_20"),
    ),
    "chart container may escalate": (
        "deploy/helm/production-master/templates/_helpers.tpl",
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: true",
        ("CKV_K8S_20", "helm-"),
    ),
    "chart does not render": (
        "deploy/helm/production-master/values.yaml",
        "existingSecret: production-master",
        'existingSecret: ""',
        ("helm chart: execution error", "existingSecret is required"),
    ),
    "field kubernetes does not know": (
        "deploy/kubernetes/base/policies.yaml",
        "  minAvailable: 1\n",
        "  minAvailable: 1\n  minReady: 1\n",
        ("invalid object", "minReady"),
    ),
}


@needs_tools
@pytest.mark.parametrize("broken", sorted(BROKEN_PACKAGES))
def test_the_manifests_gate_fails_on_a_broken_package(tmp_path: Path, broken: str) -> None:
    path, good, bad, expected = BROKEN_PACKAGES[broken]
    root = project(tmp_path, "deploy/kubernetes", "deploy/helm")
    target = root / path
    text = target.read_text()
    assert good in text
    target.write_text(text.replace(good, bad))
    result = gates(root, "manifests")
    assert result.returncode == 1
    assert result.stdout.startswith("FAIL manifests")
    assert all(part in result.stdout for part in expected), result.stdout


def test_a_pytest_backed_gate_fails_with_its_failing_test_and_the_others_still_report(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / ".venv").symlink_to(REPO / ".venv")
    (root / "tests" / "router").mkdir(parents=True)
    (root / "tests" / "router" / "test_policy.py").write_text(
        "def test_holds():\n    assert True\n\n\ndef test_breaks():\n    assert 1 == 2\n"
    )
    (root / "tests" / "audit").mkdir()
    for name in ("test_audit_tracing.py", "test_audit_lineage.py"):
        (root / "tests" / "audit" / name).write_text("def test_spans():\n    assert True\n")
    result = gates(root, "routing", "traces", "parity")
    assert result.returncode == 1
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line[:4] in ("PASS", "FAIL")}
    assert lines["routing"].startswith("FAIL") and "tests/router/test_policy.py::test_breaks" in lines["routing"]
    assert lines["traces"].startswith("PASS") and "2 passed" in lines["traces"]
    assert lines["parity"].startswith("FAIL") and "test_providers_cli.py does not exist" in lines["parity"]
    assert result.stdout.splitlines()[-1] == "gates: 1 passed, 2 failed, 0 skipped"
