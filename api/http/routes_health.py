"""Liveness, readiness and Prometheus metrics: public, no API key."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

router = APIRouter(tags=["Health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(response: Response) -> Health:
    """Redis (our shared state) answers; 503 otherwise."""
    from api.http.context import serving_context

    if await serving_context().redis_ok():
        return Health(status="ready")
    response.status_code = 503
    return Health(status="redis unavailable")


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics() -> Response:
    """Prometheus exposition of our service levels (queue wait, completion, status, cost, providers, breakers, dead
    letters), the runtime's backlog (`pm_runs_pending`, `pm_runs_running`) and the runtime's own metrics."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from api.http.backlog import refresh_backlog
    from api.http.slo import refresh_slo, registry

    await refresh_backlog()
    await refresh_slo()
    return Response(generate_latest(registry()), media_type=CONTENT_TYPE_LATEST)
