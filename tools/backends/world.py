"""A world whose telemetry comes from real backends: metrics from Prometheus, logs and traces from the OTel store.

Options: `base` (the world it was loaded from, which still answers every other operation), `prometheus_url`,
`store_url` (PostgreSQL), `environment` (the loaded world's `world` label / `deployment.environment`); the rest go
to the base world. Either backend may be absent, and the base world answers its operations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.backends.otel_store import OtelStore
from tools.backends.prometheus_api import PrometheusAPI
from tools.backends.prometheus_metrics import PrometheusMetrics
from tools.worlds.base import World, load_world, world_operation

OWN_OPTIONS = ("base", "prometheus_url", "store_url", "environment")


def window_end_inclusive(world: World) -> bool:
    """Whether the world's operations read [start, end] (most) or [start, end) (the demo)."""
    return bool(getattr(world, "window_end_inclusive", True))


class BackedWorld:
    """The base world, with the log-system's telemetry operations answered by Prometheus and the store."""

    def __init__(self, base: World, routes: dict[str, Callable[..., Any]], backends: dict[str, str]) -> None:
        self.base, self._routes, self.backends = base, routes, backends
        self.name = base.name

    @classmethod
    def from_options(cls, options: dict[str, str]) -> BackedWorld:
        base_name = options.get("base")
        if not base_name or base_name == "backed":
            raise ValueError("the backed world needs the option base=WORLD (demo, nezha, ...)")
        base = load_world(base_name, {k: v for k, v in options.items() if k not in OWN_OPTIONS})
        environment = options.get("environment", base_name)
        inclusive = window_end_inclusive(base)
        routes: dict[str, Callable[..., Any]] = {}
        backends: dict[str, str] = {}
        if options.get("prometheus_url"):
            metrics = PrometheusMetrics(PrometheusAPI(options["prometheus_url"]), environment, end_inclusive=inclusive)
            routes |= {"query_metrics": metrics.query_metrics, "list_services": metrics.list_services}
            backends["metrics"] = "prometheus"
        if options.get("store_url"):
            store = OtelStore(
                options["store_url"],
                environment,
                end_inclusive=inclusive,
                error_limit=int(getattr(base, "error_details_limit", 500)),
            )
            routes |= {
                "query_logs": store.query_logs,
                "query_traces": store.query_traces,
                "get_error_details": store.get_error_details,
            }
            backends["logs_traces"] = "postgresql-otel"
        return cls(base, routes, backends)

    def describe(self) -> dict[str, Any]:
        return {**self.base.describe(), "backends": dict(self.backends)}

    def __getattr__(self, name: str) -> Any:
        # Only reached for names not set on the instance: a routed operation, else the base world's.
        if name.startswith("_"):
            raise AttributeError(name)
        route = self.__dict__.get("_routes", {}).get(name)
        if route is not None:
            return route
        if world_operation(self.base, name) is None and not hasattr(self.base, name):
            raise AttributeError(name)
        return getattr(self.base, name)
