"""The gates that are pytest subsets run in one pytest process (one start-up, not one per gate), read back per gate."""

from __future__ import annotations

import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET  # pytest's own JUnit report, written a moment ago
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Outcome:
    """One gate's tests: how many passed, which failed, and their own seconds."""

    passed: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def owner(node: str, subsets: dict[str, list[str]]) -> str | None:
    """The gate whose targets (a directory, a file, or a file::test id) cover a test id."""
    path, _, name = node.partition("::")
    for gate, targets in subsets.items():
        for target in targets:
            file, _, test = target.partition("::")
            if (path == file or path.startswith(file.rstrip("/") + "/")) and (not test or name == test):
                return gate
    return None


def run_subsets(repo: Path, pytest: Path, subsets: dict[str, list[str]]) -> tuple[dict[str, Outcome], str]:
    """Runs every subset at once; per gate its outcome, and the pytest summary line (for when nothing ran)."""
    # a target that is gone (a renamed file) would stop pytest before any test: leave it out, its gate reports it
    targets = [t for ts in subsets.values() for t in ts if (repo / t.partition("::")[0]).exists()]
    if not targets:
        return {}, "none of the gates' test files exist"
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        env = os.environ | {"LANGSMITH_TRACING": "false"}
        args = [str(pytest), "-q", "-o", "junit_family=xunit2", f"--junitxml={report}", *targets]
        result = subprocess.run(args, cwd=repo, capture_output=True, text=True, env=env, timeout=1800)
        summary = (result.stdout.strip().splitlines() or ["no output"])[-1].strip("= ")
        if not report.exists():
            return {}, summary
        tree = ET.parse(report)
    outcomes = {gate: Outcome() for gate in subsets}
    for case in tree.iter("testcase"):
        module = case.get("classname", "")
        parts = module.split(".")
        # classname is the dotted module path, plus a class name when the test is a method
        path = next(
            (
                "/".join(parts[:i]) + ".py"
                for i in range(len(parts), 0, -1)
                if (repo / ("/".join(parts[:i]) + ".py")).exists()
            ),
            module,
        )
        name = case.get("name", "").split("[")[0]
        gate = owner(f"{path}::{name}", subsets)
        if gate is None:
            continue
        outcome = outcomes[gate]
        outcome.seconds += float(case.get("time", 0) or 0)
        if case.find("failure") is not None or case.find("error") is not None:
            outcome.failed.append(f"{path}::{case.get('name')}")
        elif case.find("skipped") is not None:
            outcome.skipped += 1
        else:
            outcome.passed += 1
    return outcomes, summary
