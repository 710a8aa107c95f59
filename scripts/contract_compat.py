"""Compares the checked-in contracts (JSON Schemas, our OpenAPI) with a baseline's copies and lists what breaks clients.

python scripts/contract_compat.py [--baseline REF] [--repo DIR]   # exit 1 when something breaks, 2 on bad input
Baseline: $PM_CONTRACTS_BASELINE, else the newest release tag (v*) behind HEAD, else HEAD's first parent (the
previously landed main). A deliberate break lands when its line is copied into contracts/accepted-breaks.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OPENAPI = "api/http/openapi.json"
ACCEPTED = "contracts/accepted-breaks.txt"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass
class Comparison:
    """The baseline compared against, and what the checked-in contracts break relative to it."""

    baseline: str | None
    described: str
    files: list[str] = field(default_factory=list)
    breaks: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)


def git(repo: Path, *args: str) -> str | None:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def baseline_ref(repo: Path) -> tuple[str | None, str]:
    """The ref to compare with and how it was chosen."""
    chosen = os.environ.get("PM_CONTRACTS_BASELINE")
    if chosen:
        return chosen, f"{chosen} (PM_CONTRACTS_BASELINE)"
    head = git(repo, "rev-parse", "HEAD")
    for tag in (git(repo, "tag", "--list", "v*", "--sort=-v:refname", "--merged", "HEAD") or "").split():
        if git(repo, "rev-parse", f"{tag}^{{commit}}") != head:
            return tag, f"release tag {tag}"
    parent = git(repo, "rev-parse", "--short", "HEAD^1")
    if parent:
        return "HEAD^1", f"previous commit {parent} (no release tag yet)"
    if git(repo, "rev-parse", "--is-shallow-repository") == "true":
        return None, "no baseline: a shallow clone without history (fetch it, or set PM_CONTRACTS_BASELINE)"
    return None, "no baseline (first commit)"


def contract_files(repo: Path) -> list[str]:
    schemas = sorted(str(p.relative_to(repo)) for p in (repo / "contracts").glob("*.schema.json"))
    return [*schemas, OPENAPI] if (repo / OPENAPI).exists() else schemas


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    found = {kind} if isinstance(kind, str) else set(kind or [])
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        if isinstance(option, dict):
            found |= _types(option) or ({option["$ref"]} if "$ref" in option else set())
    return found


def schema_breaks(old: Any, new: Any, where: str, *, input_side: bool) -> list[str]:
    """What a client written against `old` would no longer get (or, for input, would now be refused)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    found: list[str] = []
    old_types, new_types = _types(old), _types(new)
    if old_types and new_types and not old_types <= new_types:
        found.append(f"{where}: type {sorted(old_types)} became {sorted(new_types)}")
    if isinstance(old.get("enum"), list) and isinstance(new.get("enum"), list):
        gone = [value for value in old["enum"] if value not in new["enum"]]
        if gone:
            found.append(f"{where}: enum values removed {gone}")
    new_props = new.get("properties", {})
    for name, sub in old.get("properties", {}).items():
        if name not in new_props:
            found.append(f"{where}.{name}: field removed")
        else:
            found += schema_breaks(sub, new_props[name], f"{where}.{name}", input_side=input_side)
    if input_side:
        for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
            found.append(f"{where}.{name}: newly required in a request")
    for key in ("items", "additionalProperties"):
        found += schema_breaks(old.get(key), new.get(key), f"{where}[{key}]", input_side=input_side)
    for key in ("$defs", "definitions"):
        new_defs = new.get(key, {})
        for name, sub in old.get(key, {}).items():
            if name not in new_defs:
                found.append(f"{where}.{key}.{name}: definition removed")
            else:
                found += schema_breaks(sub, new_defs[name], f"{name}", input_side=input_side)
    return found


def openapi_breaks(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    found: list[str] = []
    new_paths = new.get("paths", {})
    for path, operations in old.get("paths", {}).items():
        for method in (m for m in operations if m in METHODS):
            now = new_paths.get(path, {}).get(method)
            if now is None:
                found.append(f"endpoint removed: {method.upper()} {path}")
                continue
            before = {p.get("name") for p in operations[method].get("parameters", []) if p.get("required")}
            for param in now.get("parameters", []):
                if param.get("required") and param.get("name") not in before:
                    found.append(f"{method.upper()} {path}: parameter {param.get('name')} newly required")
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    for name, schema in old_schemas.items():
        if name not in new_schemas:
            found.append(f"schema removed: {name}")
        else:
            found += schema_breaks(schema, new_schemas[name], name, input_side=False)
    return found


def compare(repo: Path, ref: str | None = None) -> Comparison:
    ref, described = (ref, ref) if ref else baseline_ref(repo)
    result = Comparison(baseline=ref, described=described, files=contract_files(repo))
    if ref is None:
        return result
    if git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") is None:
        raise ValueError(f"baseline {ref!r} is not a commit in {repo}")
    accepted_file = repo / ACCEPTED
    accepted = {
        line.strip()
        for line in (accepted_file.read_text().splitlines() if accepted_file.exists() else [])
        if line.strip() and not line.startswith("#")
    }
    for path in result.files:
        before = git(repo, "show", f"{ref}:{path}")
        if before is None:
            continue  # a contract the baseline did not have: nothing to break
        old, new = json.loads(before), json.loads((repo / path).read_text())
        if path == OPENAPI:
            found = openapi_breaks(old, new)
        else:
            found = schema_breaks(old, new, Path(path).name, input_side="request" in Path(path).name)
        for line in (f"{path}: {item}" for item in found):
            (result.accepted if line in accepted else result.breaks).append(line)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git ref to compare with (default: see the module docstring)")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args(argv)
    try:
        result = compare(args.repo, args.baseline)
    except ValueError as exc:
        print(f"contract_compat: {exc}", file=sys.stderr)
        return 2
    print(f"baseline: {result.described}; contracts: {', '.join(result.files)}")
    for line in result.accepted:
        print(f"accepted break: {line}")
    for line in result.breaks:
        print(f"BREAK {line}")
    return 1 if result.breaks else 0


if __name__ == "__main__":
    sys.exit(main())
