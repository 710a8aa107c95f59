"""One configuration for both runtimes, and our OpenAPI document is current and complete."""

from __future__ import annotations

import json
from pathlib import Path

from api.http.openapi import DOCUMENT, openapi_document

ROOT = Path(__file__).resolve().parents[2]


def test_aegra_serves_the_graphs_langgraph_dev_serves() -> None:
    langgraph, aegra = (json.loads((ROOT / name).read_text()) for name in ("langgraph.json", "aegra.json"))
    assert aegra["graphs"] == langgraph["graphs"] and aegra["dependencies"] == langgraph["dependencies"]
    assert aegra["http"]["app"] == langgraph["http"]["app"]
    assert aegra["auth"]["path"] == "./api/auth/hook.py:auth"


def test_openapi_document_is_current() -> None:
    assert json.loads(DOCUMENT.read_text()) == openapi_document(), "run: python -m api.http.openapi > " + str(DOCUMENT)


def test_every_route_documents_its_errors() -> None:
    paths = openapi_document()["paths"]
    for path in (
        "/v1/webhooks/alertmanager",
        "/v1/webhooks/grafana",
        "/v1/webhooks/pagerduty",
        "/v1/webhooks/jira",
        "/v1/investigations",
        "/v1/investigations/{investigation_id}",
        "/v1/feedback",
    ):
        for operation in paths[path].values():
            assert {"401", "422"} <= set(operation["responses"]), path
    assert {"/healthz", "/readyz", "/metrics"} <= set(paths)
