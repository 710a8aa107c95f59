"""fire-console: an RPC console into production domain services (domain-objects).

Tools: `invoke_rpc` {service, method, request (a JSON string)} -> {response: {...}} or {error: {code, message}};
also `find_site`, `find_user`, `search_services` (not mapped: our interface has one operation).
Assumptions: the request is sent as a JSON string; an `error` body is the service's answer, reported as a malformed
payload so it is recorded and never mistaken for data.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from tools import interfaces as io
from tools.adapters.base import MalformedPayload, Mapping, VendorAdapter


def _result(payload: Any, q: io.QueryDomainIn, o: dict[str, Any]) -> io.QueryDomainOut:
    if "error" in payload:
        error = payload["error"]
        raise MalformedPayload(f"invoke_rpc failed: {error.get('code', '')} {error.get('message', '')}"[:200])
    response = payload["response"]
    if not isinstance(response, dict):
        raise MalformedPayload("invoke_rpc 'response' must be an object")
    return io.QueryDomainOut(result=response)


class FireConsoleAdapter(VendorAdapter):
    name = "fire-console"
    interfaces = ("domain-objects",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "query_domain": Mapping(
            "invoke_rpc",
            lambda q, o: {"service": q.service, "method": q.method, "request": json.dumps(q.request, sort_keys=True)},
            _result,
        ),
    }
