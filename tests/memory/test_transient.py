"""Which dead letters the served app re-drives on its own: errors raised by real drivers against a closed port are
transient; bugs and bad input are not; the runtime's bare messages are matched conservatively."""

from __future__ import annotations

import socket
from pathlib import Path

import psycopg
import pytest
import redis
from psycopg_pool import AsyncConnectionPool

from memory.deadletters import DeadLetter, RedisDeadLetters, SqliteDeadLetters
from memory.redis_server import free_port
from memory.transient import exception_types, is_transient


def transient(error: BaseException) -> bool:
    """What the letter of a node that raised `error` records, classified (graphs.deadletters.failure_letter)."""
    return is_transient(exception_types(error), f"{type(error).__name__}: {error}")


def raised(call: object) -> BaseException:
    try:
        call()  # type: ignore[operator]
    except BaseException as error:
        return error
    raise AssertionError("no error")


def test_connection_failures_of_the_real_drivers_are_transient() -> None:
    closed = free_port()
    postgres = raised(lambda: psycopg.connect(f"postgresql://pm@127.0.0.1:{closed}/pm", connect_timeout=2))
    assert isinstance(postgres, psycopg.OperationalError) and transient(postgres)
    store = raised(lambda: redis.Redis(port=closed, socket_connect_timeout=2).ping())
    assert isinstance(store, redis.ConnectionError) and transient(store)
    refused = raised(lambda: socket.create_connection(("127.0.0.1", closed), timeout=2))
    assert isinstance(refused, ConnectionRefusedError) and transient(refused)
    assert transient(ConnectionResetError(104, "Connection reset by peer"))
    assert transient(psycopg.InterfaceError("the connection is closed"))


async def test_a_pool_timeout_is_transient() -> None:
    pool = AsyncConnectionPool(f"postgresql://pm@127.0.0.1:{free_port()}/pm", open=False, timeout=0.5, min_size=1)
    await pool.open(wait=False)
    try:
        async with pool.connection():
            pass
    except Exception as error:
        timeout = error
    finally:
        await pool.close()
    assert type(timeout).__name__ == "PoolTimeout" and transient(timeout)
    # the same failure swept from the runtime's `runs` table: only its message is there
    assert is_transient([], str(timeout))


def test_bugs_and_bad_input_are_permanent() -> None:
    from pydantic import BaseModel

    class Request(BaseModel):
        at: int

    assert not transient(raised(lambda: Request.model_validate({"at": "soon"})))
    assert not transient(ValueError("no such service"))
    assert not transient(KeyError("evidence"))
    assert not transient(RuntimeError("the analyst disagrees with itself"))
    assert not transient(FileNotFoundError(2, "No such file or directory"))  # an OSError, but not of a socket
    wrapped = ValueError("bad row")
    wrapped.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert not transient(wrapped), "a permanent type raised settles it, whatever its cause"


def test_a_wrapper_raised_from_a_connection_failure_is_transient() -> None:
    class StoreUnavailable(RuntimeError):
        pass

    error = StoreUnavailable("incident memory unreachable")
    error.__cause__ = redis.ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")
    assert transient(error)


@pytest.mark.parametrize(
    "message",
    [
        "couldn't get a connection after 30.00 sec",
        "consuming input failed: server closed the connection unexpectedly\n\tThis probably means the server ...",
        "terminating connection due to administrator command",
        "the connection is closed",
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused',
        "Error 111 connecting to 127.0.0.1:6379. Connection refused.",
        "Error while reading from 127.0.0.1:6379 : (104, 'Connection reset by peer')",
        "(psycopg.OperationalError) the connection is lost",
    ],
)
def test_the_runtime_messages_of_connection_failures_are_transient(message: str) -> None:
    assert is_transient([], message)


@pytest.mark.parametrize(
    "message",
    [
        "Job exceeded maximum execution time",
        "Max retries exceeded after repeated worker failures",
        "the runtime marked the run as failed",
        "'NoneType' object has no attribute 'get'",
        "invalid connection string for service checkout",  # mentions a connection, is no connection failure
        "1 validation error for InvestigationRequest",
    ],
)
def test_other_runtime_messages_are_permanent(message: str) -> None:
    assert not is_transient([], message)


async def test_the_letter_keeps_the_type_when_the_sweep_reports_the_same_run(tmp_path: Path, redis_url: str) -> None:
    """A node's letter and the runtime's sweep report one run: the types survive, whichever comes first; once the
    letter is cleared, the sweep's overlap reporting the same run again does not bring it back."""
    node = DeadLetter(
        investigation_id="t1",
        origin="served",
        error="PoolTimeout: couldn't get a connection after 30.00 sec",
        error_types=["psycopg_pool.PoolTimeout", "psycopg.OperationalError"],
        runs=["r1"],
    )
    swept = DeadLetter(investigation_id="t1", origin="served", error="couldn't get a connection", runs=["r1"])
    for store in (SqliteDeadLetters(tmp_path / "dl.sqlite"), RedisDeadLetters(redis_url)):
        try:
            await store.remove("t1")
            await store.record(swept)
            await store.record(node)
            letter = await store.get("t1")
            assert letter is not None and letter.failures == 1
            assert letter.error_types == node.error_types
            changed = await store.update("t1", lambda d: d.model_copy(update={"auto_redrives": d.auto_redrives + 1}))
            assert changed is not None and (await store.get("t1")).auto_redrives == 1  # type: ignore[union-attr]
            assert await store.update("gone", lambda d: d) is None
            assert await store.remove("t1")
            assert not await store.record(swept) and await store.get("t1") is None, "a cleared run stays cleared"
            assert await store.record(swept.model_copy(update={"runs": ["r2"]})), "a new run's failure counts"
            await store.remove("t1")
        finally:
            await store.aclose()
