"""Assemble our FastAPI app: one router per resource, nothing built at import time."""

from __future__ import annotations

from fastapi import FastAPI

from api.http.routes_health import router as health_router


def create_app() -> FastAPI:
    """The app the runtime mounts; its own resources (Redis, the runtime client) are built on first use."""
    app = FastAPI(
        title="production-master",
        version="0.1.0",
        description="Webhooks, investigations, feedback and health of production-master, beside the LangGraph API.",
    )
    app.include_router(health_router)
    return app
