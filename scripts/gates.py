"""Release gates: each prints one line, PASS / FAIL / SKIP (cannot run here, and why), then the reason.

python scripts/gates.py [GATE...]   # all gates by default; exit 1 when any fails. `make gates` runs it after the tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contract_compat import compare
from gate_pytest import Outcome, run_subsets
from render_manifests import render_all

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venv" / "bin"
TOOLS = REPO / ".venv-gates" / "bin"
CODE = ["graphs", "agents", "tools", "memory", "api", "evals"]
Result = tuple[str, str]  # (PASS | FAIL | SKIP, reason)


def run(args: list[str], timeout: int = 600) -> subprocess.CompletedProcess:
    env = os.environ | {"LANGSMITH_TRACING": "false", "PM_UNDER_MAKE": os.environ.get("PM_UNDER_MAKE", "")}
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)


# the gates that are existing pytest subsets; all run in one pytest process before the other gates
SUBSETS: dict[str, list[str]] = {
    "contracts": [
        "tests/cli/test_cli.py::test_checked_in_schemas_are_current",
        "tests/serving/test_serving_config.py::test_openapi_document_is_current",
    ],
    "routing": ["tests/router"],
    "mcp-failures": [
        "tests/gateway/test_faults.py",
        "tests/gateway/test_graph_fallback.py",
        "tests/gateway/test_limits_policy.py",
    ],
    "traces": ["tests/audit/test_audit_tracing.py", "tests/audit/test_audit_lineage.py"],
    "parity": ["tests/gateway/test_providers_cli.py", "tests/gateway/test_adapters.py"],
}
OUTCOMES: dict[str, Outcome] = {}
SUMMARY: list[str] = []


def subset_result(name: str) -> Result:
    """PASS with the count, FAIL with the first failing test and how to re-run it."""
    outcome = OUTCOMES.get(name)
    missing = [t for t in SUBSETS[name] if not (REPO / t.partition("::")[0]).exists()]
    if missing:
        return "FAIL", f"no test ran: {missing[0]} does not exist (renamed? update SUBSETS in scripts/gates.py)"
    if outcome is None or outcome.passed + len(outcome.failed) == 0:
        return "FAIL", f"no test ran: {SUMMARY[0] if SUMMARY else 'pytest did not start'}"
    counts = f"{outcome.passed} passed" + (f", {outcome.skipped} skipped" if outcome.skipped else "")
    if outcome.failed:
        rerun = f"pytest -q {outcome.failed[0]}"
        return "FAIL", f"{outcome.failed[0]} ({len(outcome.failed)} failed, {counts}; {rerun})"
    return "PASS", f"{counts} in {outcome.seconds:.0f}s of test time"


def pytest_gate(name: str) -> Callable[[], Result]:
    return lambda: subset_result(name)


def contracts() -> Result:
    current = subset_result("contracts")
    if current[0] != "PASS":
        return "FAIL", f"checked-in contracts are stale or unchecked: {current[1]}"
    result = compare(REPO)
    if result.breaks:
        more = f" (+{len(result.breaks) - 1} more)" if len(result.breaks) > 1 else ""
        return "FAIL", f"{result.breaks[0]}{more} vs {result.described}; python scripts/contract_compat.py"
    accepted = f", {len(result.accepted)} accepted break(s)" if result.accepted else ""
    return "PASS", f"{len(result.files)} contracts current and compatible with {result.described}{accepted}"


def bandit() -> Result:
    # medium severity and up, medium confidence and up; a reviewed line carries `# nosec BXXX` with its reason
    result = run([str(TOOLS / "bandit"), "-q", "-r", *CODE, "-ll", "-ii", "-f", "json"])
    try:
        issues = json.loads(result.stdout)["results"]
    except (json.JSONDecodeError, KeyError):
        return "FAIL", f"bandit did not run: {(result.stderr or result.stdout).strip()[:200]}"
    if issues:
        first = issues[0]
        where = f"{first['filename']}:{first['line_number']}"
        return "FAIL", f"{len(issues)} issue(s); first {first['test_id']} {where}: {first['issue_text']}"
    return "PASS", f"no medium/high issue in {', '.join(CODE)}"


def pip_audit() -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as frozen:
        freeze = run([str(VENV / "python"), "-m", "pip", "freeze", "--exclude-editable"])
        frozen.write(freeze.stdout)
        frozen.flush()
        args = ["--no-deps", "--disable-pip", "-r", frozen.name, "-f", "json", "--progress-spinner", "off"]
        result = run([str(TOOLS / "pip-audit"), *args], timeout=900)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return "SKIP", f"pip-audit could not reach a vulnerability service: {result.stderr.strip().splitlines()[-1:]}"
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if vulnerable:
        first = vulnerable[0]
        ids = ", ".join(v["id"] for v in first["vulns"])
        return "FAIL", f"{len(vulnerable)} vulnerable package(s); first {first['name']} {first['version']}: {ids}"
    if not audited:
        why = deps[0].get("skip_reason", "") if deps else "nothing installed"
        return "SKIP", f"no vulnerability data for any of {len(deps)} installed packages; e.g. {why[:120]}"
    return "PASS", f"{len(audited)} of {len(deps)} installed packages audited, none vulnerable"


def secrets() -> Result:
    """detect-secrets over the tracked files; a finding not reviewed in .secrets.baseline (is_secret: false) fails."""
    files = [f for f in run(["git", "ls-files", "-z"]).stdout.split("\0") if f and (REPO / f).is_file()]
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch) / "baseline.json"  # the scan rewrites the baseline it is given: use a copy
        baseline.write_text((REPO / ".secrets.baseline").read_text())
        files = [f for f in files if f != ".secrets.baseline"]
        result = run([str(TOOLS / "detect-secrets"), "scan", "--baseline", str(baseline), *files])
        if result.returncode != 0:
            return "FAIL", f"detect-secrets: {result.stderr.strip()[:200]}"
        findings = json.loads(baseline.read_text())["results"]
    unreviewed = [
        f"{path}:{finding['line_number']} {finding['type']}"
        for path, found in findings.items()
        for finding in found
        if finding.get("is_secret") is not False
    ]
    if unreviewed:
        hint = "a real secret: remove it; a fake one: `# pragma: allowlist secret` on its line"
        return "FAIL", f"{len(unreviewed)} possible secret(s); first {unreviewed[0]} ({hint})"
    return "PASS", f"{len(files)} tracked files, no unreviewed secret"


def manifests() -> Result:
    return render_all(REPO, TOOLS)


GATES: dict[str, Callable[[], Result]] = {
    "contracts": contracts,
    "routing": pytest_gate("routing"),
    "mcp-failures": pytest_gate("mcp-failures"),
    "traces": pytest_gate("traces"),
    "bandit": bandit,
    "pip-audit": pip_audit,
    "secrets": secrets,
    "parity": pytest_gate("parity"),
    "manifests": manifests,
}


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in GATES]
    if unknown:
        print(f"unknown gate {unknown[0]}: choose from {', '.join(GATES)}", file=sys.stderr)
        return 2
    names = argv or list(GATES)
    started = time.monotonic()
    subsets = {name: SUBSETS[name] for name in names if name in SUBSETS}
    if subsets:
        outcomes, summary = run_subsets(REPO, VENV / "pytest", subsets)
        OUTCOMES.update(outcomes)
        SUMMARY.append(summary)
        print(f"pytest subsets of {', '.join(subsets)}: {summary}", flush=True)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for name in names:
        gate_started = time.monotonic()
        try:
            status, reason = GATES[name]()
        except (OSError, subprocess.TimeoutExpired) as exc:
            status, reason = "FAIL", f"could not run: {exc}"
        counts[status] += 1
        print(f"{status:4} {name:12} {reason} [{time.monotonic() - gate_started:.0f}s]", flush=True)
    print(f"all gates took {time.monotonic() - started:.0f}s")
    print(f"gates: {counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
