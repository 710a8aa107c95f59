"""Real telemetry backends for an evaluation or a test: start Prometheus and PostgreSQL, load a world, serve it.

with real_backends("nezha", options, metrics=True, logs=True) as served:
    settings = settings.model_copy(update={"world": served.world, "world_options": served.options})
"""

from __future__ import annotations

import contextlib
import multiprocessing
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
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
    """The world's telemetry in a throwaway Prometheus and/or PostgreSQL for the block; removed after.

    The world is read in a child process: a day of Nezha logs and spans is a gigabyte of objects while it loads."""
    if not (metrics or logs):
        yield ServedWorld(world, dict(options))
        return
    try:
        from tools.backends.load import load_world_into
    except ImportError as error:  # psycopg is an extra
        raise ValueError(f"real backends need {error.name}: pip install 'production-master[backends]'") from None
    load_world(world, options)  # a wrong option fails here, in one line, before any server starts
    served = ServedWorld("backed", {**options, "base": world, "environment": world})
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pm-backends-")))
        started = time.perf_counter()
        store_url = stack.enter_context(postgres_running()).url if logs else None
        metrics_path = str(workdir / "metrics.om") if metrics else None
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            served.loaded = pool.submit(load_world_into, world, options, world, metrics_path, store_url).result()
        served.load_seconds["read_and_store"] = round(time.perf_counter() - started, 3)
        if store_url is not None:
            served.options["store_url"] = store_url
        if metrics_path is not None:
            started = time.perf_counter()
            server = stack.enter_context(prometheus_running(Path(metrics_path)))
            served.options["prometheus_url"] = server.url
            served.load_seconds["prometheus_backfill_and_start"] = round(time.perf_counter() - started, 3)
        yield served
