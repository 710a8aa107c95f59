"""The contract gate: a removed field or endpoint against the baseline (release tag, else the previous commit) fails."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "contract_compat.py"

REQUEST = {
    "type": "object",
    "properties": {"text": {"type": "string"}, "severity": {"enum": ["low", "high"]}},
    "required": ["text"],
    "$defs": {"Window": {"type": "object", "properties": {"start": {"type": "string"}}}},
}
OPENAPI = {
    "paths": {
        "/healthz": {"get": {"responses": {}}},
        "/v1/investigations": {"post": {"parameters": [], "responses": {}}},
    },
    "components": {"schemas": {"Accepted": {"type": "object", "properties": {"thread_id": {"type": "string"}}}}},
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def write(repo: Path, request: dict[str, Any], openapi: dict[str, Any]) -> None:
    (repo / "contracts").mkdir(exist_ok=True)
    (repo / "api" / "http").mkdir(parents=True, exist_ok=True)
    (repo / "contracts" / "request.schema.json").write_text(json.dumps(request))
    (repo / "api" / "http" / "openapi.json").write_text(json.dumps(openapi))


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", message)


def project(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, REQUEST, OPENAPI)
    commit(repo, "first release")
    return repo


def gate(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--repo", str(repo), *args], capture_output=True, text=True, timeout=60
    )


def test_additions_pass_against_the_previous_commit(tmp_path: Path) -> None:
    repo = project(tmp_path)
    request = copy.deepcopy(REQUEST)
    request["properties"]["tenant"] = {"type": "string"}
    openapi = copy.deepcopy(OPENAPI)
    openapi["paths"]["/readyz"] = {"get": {"responses": {}}}
    write(repo, request, openapi)
    commit(repo, "add a field and an endpoint")
    result = gate(repo)
    assert result.returncode == 0, result.stdout
    assert "previous commit" in result.stdout


def test_a_removed_field_and_a_removed_endpoint_fail(tmp_path: Path) -> None:
    repo = project(tmp_path)
    request = copy.deepcopy(REQUEST)
    del request["properties"]["severity"]
    openapi = copy.deepcopy(OPENAPI)
    del openapi["paths"]["/healthz"]
    del openapi["components"]["schemas"]["Accepted"]["properties"]["thread_id"]
    write(repo, request, openapi)
    commit(repo, "break clients")
    result = gate(repo)
    assert result.returncode == 1
    assert "BREAK contracts/request.schema.json: request.schema.json.severity: field removed" in result.stdout
    assert "BREAK api/http/openapi.json: endpoint removed: GET /healthz" in result.stdout
    assert "BREAK api/http/openapi.json: Accepted.thread_id: field removed" in result.stdout


def test_a_request_field_made_required_and_a_narrowed_enum_fail(tmp_path: Path) -> None:
    repo = project(tmp_path)
    request = copy.deepcopy(REQUEST)
    request["required"] = ["text", "severity"]
    request["properties"]["severity"]["enum"] = ["high"]
    write(repo, request, OPENAPI)
    commit(repo, "stricter input")
    out = gate(repo).stdout
    assert "severity: newly required in a request" in out
    assert "enum values removed ['low']" in out


def test_the_release_tag_is_the_baseline_once_there_is_one(tmp_path: Path) -> None:
    repo = project(tmp_path)
    git(repo, "tag", "v1.0.0")
    openapi = copy.deepcopy(OPENAPI)
    del openapi["paths"]["/healthz"]
    write(repo, REQUEST, openapi)
    commit(repo, "remove healthz")
    (repo / "README").write_text("unrelated\n")
    commit(repo, "a later commit that does not touch the contracts")
    result = gate(repo)  # the previous commit has no /healthz either; the release still had it
    assert result.returncode == 1
    assert "release tag v1.0.0" in result.stdout
    assert "endpoint removed: GET /healthz" in result.stdout


def test_an_accepted_break_is_reported_but_passes(tmp_path: Path) -> None:
    repo = project(tmp_path)
    openapi = copy.deepcopy(OPENAPI)
    del openapi["paths"]["/healthz"]
    write(repo, REQUEST, openapi)
    (repo / "contracts" / "accepted-breaks.txt").write_text(
        "# removed in 2.0, announced in 1.4\napi/http/openapi.json: endpoint removed: GET /healthz\n"
    )
    commit(repo, "remove healthz on purpose")
    result = gate(repo)
    assert result.returncode == 0, result.stdout
    assert "accepted break: api/http/openapi.json: endpoint removed: GET /healthz" in result.stdout


def test_a_first_commit_has_nothing_to_break_and_a_bad_ref_is_exit_2(tmp_path: Path) -> None:
    repo = project(tmp_path)
    assert gate(repo).returncode == 0
    bad = gate(repo, "--baseline", "no-such-ref")
    assert bad.returncode == 2
    assert "no-such-ref" in bad.stderr
