"""Real telemetry backends for an evaluation or a test: start Prometheus and PostgreSQL, load a world, serve it.

with real_backends("nezha", options, metrics=True, logs=True) as served:
    settings = settings.model_copy(update={"world": served.world, "world_options": served.options})
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from memory.postgres_server import running as postgres_running
from tools.backends.prometheus_server import running as prometheus_running
from tools.worlds.base import load_world

METRICS_BACKENDS = ("files", "prometheus")
LOGS_BACKENDS = ("files", "postgres")


@dataclass
class ServedWorld:
    """What to serve (world name and options for the internal MCP server) and what loading cost."""

    world: str
    options: dict[str, str]
    load_seconds: dict[str, float] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)


@contextlib.contextmanager
def real_backends(
    world: str, options: dict[str, str], *, metrics: bool = True, logs: bool = True
) -> Iterator[ServedWorld]:
    """The world's telemetry in a throwaway Prometheus and/or PostgreSQL for the block; removed after."""
    if not (metrics or logs):
        yield ServedWorld(world, dict(options))
        return
    try:
        from tools.backends.load import export_metrics, load_logs_and_traces
    except ImportError as error:  # psycopg is an extra
        raise ValueError(f"real backends need {error.name}: pip install 'production-master[backends]'") from None
    base = load_world(world, options)
    served = ServedWorld("backed", {**options, "base": world, "environment": world})
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pm-backends-")))
        if metrics:
            started = time.perf_counter()
            served.loaded["samples"] = export_metrics(base, workdir / "metrics.om", world)
            server = stack.enter_context(prometheus_running(workdir / "metrics.om"))
            served.options["prometheus_url"] = server.url
            served.load_seconds["prometheus"] = round(time.perf_counter() - started, 3)
        if logs:
            started = time.perf_counter()
            pg = stack.enter_context(postgres_running())
            lines, spans = load_logs_and_traces(base, pg.url, world)
            served.loaded |= {"log_lines": lines, "spans": spans}
            served.options["store_url"] = pg.url
            served.load_seconds["postgres"] = round(time.perf_counter() - started, 3)
        yield served
