"""`configure_tracing`: OTLP over real HTTP when the endpoint is set; nothing at all otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os
from opentelemetry import trace
from tools.telemetry import configure_tracing, investigation_span, tool_span
provider = configure_tracing()
print("provider", type(trace.get_tracer_provider()).__name__, provider is configure_tracing())
with investigation_span("inv-otlp"), tool_span("log-system", "internal", "query_logs"):
    pass
if provider is not None:
    provider.shutdown()
print("langsmith", os.environ.get("LANGSMITH_TRACING", "unset"))
"""


class Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Collector.received.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def collector() -> Iterator[str]:
    Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_script(**env: str) -> list[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "LANGSMITH_"))}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_spans_go_over_otlp_http_when_the_endpoint_is_set(collector: str) -> None:
    output = run_script(OTEL_EXPORTER_OTLP_ENDPOINT=collector)
    assert output == ["provider TracerProvider True", "langsmith unset"]
    assert [(path, content_type) for path, content_type, _ in Collector.received] == [
        ("/v1/traces", "application/x-protobuf")
    ]
    request = ExportTraceServiceRequest.FromString(Collector.received[0][2])
    spans = [span for resource in request.resource_spans for scope in resource.scope_spans for span in scope.spans]
    assert sorted(span.name for span in spans) == ["investigation", "tool log-system.query_logs"]
    service = {
        attribute.key: attribute.value.string_value for attribute in request.resource_spans[0].resource.attributes
    }
    assert service["service.name"] == "production-master"


def test_nothing_is_installed_without_an_endpoint() -> None:
    assert run_script() == ["provider ProxyTracerProvider True", "langsmith unset"]
