"""A stand-in of Grafana's HTTP API over a world, for the real mcp-grafana server.

Serves `api/health`, `api/frontend/settings`, `api/datasources` (one Prometheus, one Loki), and the datasource proxy
and resource API in front of them: Prometheus' `api/v1/query_range` (matrix), Loki's `loki/api/v1/query_range`
(streams) and `label/{name}/values`, in the real JSON shapes. The series and lines come from the world's log-system
operations, with every label a series carries. Selectors understood: `name`, `{__name__=~"a|b", label="v", ...}`,
and a LogQL stream selector with `|~`/`|=` line filters; anything else is a 400 in the API's own error shape.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tools.adapters.wire import epoch, nanos
from tools.interfaces import ListServicesIn, QueryLogsIn, QueryMetricsIn
from tools.servers.standins.http import Seen, not_found, recording
from tools.worlds.base import World

DATASOURCES = {
    "prometheus": {"id": 1, "uid": "prometheus", "name": "Prometheus", "type": "prometheus"},
    "loki": {"id": 2, "uid": "loki", "name": "Loki", "type": "loki"},
}
_SELECTOR = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$")
_MATCH = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
_FILTER = re.compile(r'\|([~=])\s*(?:`([^`]*)`|"((?:[^"\\]|\\.)*)")')


class BadQuery(ValueError):
    """A query beyond what this stand-in understands."""


def matchers(selector: str) -> tuple[str | None, dict[str, tuple[str, str]]]:
    """The metric name and label matchers of a PromQL/LogQL stream selector."""
    found = _SELECTOR.match(selector)
    if found is None:
        raise BadQuery(f"cannot parse selector {selector!r}")
    body, out, position = found[2] or "", {}, 0
    while position < len(body.strip()):
        part = _MATCH.match(body, position)
        if part is None:
            raise BadQuery(f"cannot parse matcher near {body[position:][:30]!r}")
        out[part[1]] = (part[2], part[3].replace('\\"', '"').replace("\\\\", "\\"))
        position = part.end()
    return found[1], out


def _instant(value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        return epoch(value)
    except ValueError:
        raise BadQuery(f"bad time {value!r}") from None


def _when(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _error(message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "errorType": "bad_data", "error": message}, 400)


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        params |= {k: str(v) for k, v in (await request.form()).items()}
    return params


def grafana_app(
    world: World, seen: Seen | None = None, *, service_label: str = "service", prometheus_url: str | None = None
) -> Starlette:
    """The Starlette app of the stand-in Grafana over a world; with `prometheus_url`, the Prometheus datasource is
    that real server, reached through the proxy as Grafana does."""

    def metrics(expr: str, start: float, end: float) -> list[dict[str, Any]]:
        name, match = matchers(expr)
        if name:
            match["__name__"] = ("=", name)
        wanted = match.get("__name__", ("=~", ".+"))
        names = [wanted[1]] if wanted[0] == "=" else None  # a regex is matched below, over every series
        service = match.pop(service_label, ("=", None))[1]
        found = world.query_metrics(  # type: ignore[attr-defined]
            QueryMetricsIn(start=_when(start), end=_when(end), service=service, metrics=names)
        ).series
        result = []
        for s in found:
            labels = {"__name__": s.metric, service_label: s.service, "instance": s.instance, **s.labels}
            if any(labels.get(k) != v for k, (op, v) in match.items() if op == "=") or any(
                not re.fullmatch(v, labels.get(k, "")) for k, (op, v) in match.items() if op == "=~"
            ):
                continue
            values = [[t, repr(float(v))] for t, v in zip(s.timestamps, s.values, strict=True)]
            result.append({"metric": labels, "values": values})
        return result

    def logs(query: str, start: float, end: float, limit: int) -> list[dict[str, Any]]:
        head, _, rest = query.partition("}")
        _, match = matchers(head + "}")
        service = match.get(service_label, ("=", None))
        level = match.get("level", ("=", None))[1]
        lines = world.query_logs(  # type: ignore[attr-defined]
            QueryLogsIn(
                start=_when(start),
                end=_when(end),
                service=service[1] if service[0] == "=" else None,
                level=level,
                limit=max(limit, 1),
            )
        ).lines
        for kind, raw, quoted in _FILTER.findall(rest):
            pattern = raw or quoted.replace('\\"', '"').replace("\\\\", "\\")
            lines = [ln for ln in lines if (re.search(pattern, ln.message) if kind == "~" else pattern in ln.message)]
        streams: dict[tuple[tuple[str, str], ...], list[list[str]]] = {}
        for line in lines[:limit]:
            labels = {service_label: line.service, "instance": line.instance, "level": line.level}
            labels |= {"trace_id": line.trace_id} if line.trace_id else {}
            streams.setdefault(tuple(sorted(labels.items())), []).append([nanos(line.timestamp), line.message])
        return [{"stream": dict(key), "values": values} for key, values in streams.items()]

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"database": "ok", "version": "11.3.0", "commit": "standin"})

    async def datasources(request: Request) -> JSONResponse:
        return JSONResponse([_datasource(ds, request) for ds in DATASOURCES.values()])

    async def datasource(request: Request) -> JSONResponse:
        ds = DATASOURCES.get(request.path_params["uid"])
        return JSONResponse(_datasource(ds, request)) if ds else not_found("Data source not found")

    async def settings(request: Request) -> JSONResponse:
        return JSONResponse({"buildInfo": {"version": "11.3.0", "edition": "Open Source"}, "featureToggles": {}})

    async def proxy(request: Request) -> JSONResponse:
        """The datasource proxy (`proxy/uid/U/...`) and the resource API newer clients use (`uid/U/resources/...`)."""
        uid, path = request.path_params["uid"], "/" + request.path_params["path"]
        params = await _params(request)
        now = datetime.now(UTC).timestamp()
        try:
            start, end = _instant(params.get("start"), now - 3600), _instant(params.get("end"), now)
            if uid == "prometheus" and prometheus_url:
                async with httpx.AsyncClient(base_url=prometheus_url, timeout=30) as client:
                    answer = await client.get(path, params=params)
                return JSONResponse(answer.json(), answer.status_code)
            if uid == "prometheus" and path == "/api/v1/query_range":
                result = metrics(params.get("query", ""), start, end)
                return JSONResponse({"status": "success", "data": {"resultType": "matrix", "result": result}})
            if uid == "loki" and path == "/loki/api/v1/query_range":
                result = logs(params.get("query", ""), start, end, int(params.get("limit") or 100))
                return JSONResponse({"status": "success", "data": {"resultType": "streams", "result": result}})
            if uid == "loki" and path == f"/loki/api/v1/label/{service_label}/values":
                services = world.list_services(ListServicesIn()).services  # type: ignore[attr-defined]
                return JSONResponse({"status": "success", "data": list(services)})
        except BadQuery as exc:
            return _error(str(exc))
        return JSONResponse({"status": "error", "error": f"not served: {path}"}, 404)

    app = Starlette(
        routes=[
            Route("/api/health", health),
            Route("/api/datasources", datasources),
            Route("/api/frontend/settings", settings),
            Route("/api/datasources/uid/{uid}", datasource),
            Route("/api/datasources/uid/{uid}/resources/{path:path}", proxy, methods=["GET", "POST"]),
            Route("/api/datasources/proxy/uid/{uid}/{path:path}", proxy, methods=["GET", "POST"]),
        ]
    )
    return recording(app, seen) if seen is not None else app


def _datasource(ds: dict[str, Any], request: Request) -> dict[str, Any]:
    return ds | {"access": "proxy", "url": str(request.base_url).rstrip("/"), "isDefault": ds["type"] == "prometheus",
                 "jsonData": {}, "readOnly": True, "orgId": 1}  # fmt: skip
