"""Assemble our FastAPI app: one router per resource, nothing built at import time."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from langgraph_sdk.errors import InternalServerError as LangGraphServerError
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from api.http.guard import RequestGuard
from api.http.routes import router as api_router
from api.http.routes_health import router as health_router
from api.slack.routes import router as slack_router


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    """422 with a one-line message naming the first bad field (the runtime's error shape)."""
    errors = error.errors() if isinstance(error, RequestValidationError) else []
    first = errors[0] if errors else {"loc": (), "msg": str(error)}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "request"
    body = {"error": "validation_error", "message": f"{where}: {first.get('msg', 'invalid')}", "details": None}
    return JSONResponse(status_code=422, content=body)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    """Our routes' refusals in the same shape under every runtime (langgraph dev would answer `{"detail": ...}`)."""
    assert isinstance(error, StarletteHTTPException)
    status = HTTPStatus(error.status_code)
    body = {"error": status.phrase.lower().replace(" ", "_"), "message": str(error.detail), "details": None}
    return JSONResponse(status_code=error.status_code, content=body, headers=error.headers)


async def _runtime_unavailable(_request: Request, error: Exception) -> JSONResponse:
    """The runtime or Redis could not take the request now: 503 with a reason, so the sender retries."""
    body = {
        "error": "runtime_unavailable",
        "message": f"the investigation runtime could not accept the request now ({type(error).__name__}); retry",
        "details": None,
    }
    return JSONResponse(status_code=503, content=body, headers={"Retry-After": "2"})


class GuardedApp(FastAPI):
    """Our app, with the request guard outside every middleware the runtime adds when it mounts its routes here."""

    def build_middleware_stack(self) -> ASGIApp:
        from api.http.settings import serving_settings

        settings = serving_settings()
        return RequestGuard(
            super().build_middleware_stack(),
            max_body_bytes=settings.max_body_bytes,
            max_json_depth=settings.max_json_depth,
            # tenants and keys exist where `serve` (Aegra with our auth hook) runs us; `langgraph dev` has none
            authenticate=_refusal if settings.service_token is not None else None,
            rewrite=_redacted_run_input,
        )


RUN_CREATE = re.compile(r"^(?:/threads/[^/]+)?/runs(?:/stream|/wait)?/?$")


def _redacted_run_input(path: str, body: Any) -> Any | None:
    """A run started through the LangGraph API stores its input as sent: the investigation request in it loses its
    secrets here, before the runtime stores it (the intake node redacts again for runs that bypass this server)."""
    given = body.get("input") if isinstance(body, dict) and RUN_CREATE.match(path) else None
    request = given.get("request") if isinstance(given, dict) else None
    if not isinstance(request, dict):
        return None
    from memory.audit.redact import redact

    cleaned = redact(request)
    return None if cleaned is request else {**body, "input": {**given, "request": cleaned}}


async def _refusal(headers: dict[str, str]) -> str | None:
    """None when the headers carry a valid API key, else why not (the guard answers 401 with it)."""
    from langgraph_sdk import Auth

    from api.auth.hook import principal_for_headers

    try:
        await principal_for_headers(headers)
    except Auth.exceptions.HTTPException as error:
        return str(error.detail)
    except RedisError:
        return "the API key cannot be checked now (tenant store unreachable); retry"
    return None


def create_app() -> FastAPI:
    """The app the runtime mounts; its own resources (Redis, the runtime client) are built on first use."""
    from api.http.redrive import lifespan
    from api.http.slo import aegra_run_created_at
    from graphs import metrics

    metrics.run_clock = aegra_run_created_at  # the graph runs in this process: its queue wait starts at the run row
    app = GuardedApp(
        title="production-master",
        version="0.1.0",
        description="Webhooks, investigations, feedback and health of production-master, beside the LangGraph API.",
        lifespan=lifespan,  # the runtime runs it inside its own: the automatic re-drive of dead letters
    )
    app.include_router(health_router)
    app.include_router(api_router)
    app.include_router(slack_router)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for transient in (httpx.TransportError, RedisError, LangGraphServerError):
        app.add_exception_handler(transient, _runtime_unavailable)
    return app
