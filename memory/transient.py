"""Is a dead letter's error transient infrastructure (a store or connection that was down) or a real failure?

Judged by the exception types recorded with the letter (the raised type, its bases and its explicit cause), by
name so that no driver needs importing; a letter swept from the runtime's `runs` table carries only the message, so
that is matched against the texts of known connection failures, conservatively: anything else is permanent.
"""

from __future__ import annotations

import re

# qualified names (module.Class) whose instances mean "the infrastructure was unreachable, try again later"
TRANSIENT_TYPES = frozenset(
    {
        "psycopg.OperationalError",
        "psycopg.InterfaceError",
        "psycopg.errors.AdminShutdown",
        "psycopg.errors.CannotConnectNow",
        "psycopg.errors.ConnectionFailure",
        "psycopg_pool.PoolTimeout",
        "psycopg_pool.TooManyRequests",
        "redis.exceptions.ConnectionError",
        "redis.exceptions.TimeoutError",
        "redis.exceptions.BusyLoadingError",
        "redis.exceptions.TryAgainError",
        "sqlalchemy.exc.OperationalError",
        "sqlalchemy.exc.InterfaceError",
        "asyncpg.exceptions.ConnectionDoesNotExistError",
        "asyncpg.exceptions.CannotConnectNowError",
        "asyncpg.exceptions.AdminShutdownError",
        "neo4j.exceptions.ServiceUnavailable",
        "neo4j.exceptions.SessionExpired",
        "httpx.ConnectError",
        "httpx.ConnectTimeout",
        "httpx.RemoteProtocolError",
        "builtins.ConnectionError",  # ConnectionRefused/Reset/Aborted and BrokenPipe subclass it
        "builtins.TimeoutError",
        "socket.gaierror",
    }
)
# OSError is transient only of a socket kind: its errno, when recorded, is in the message ("[Errno 111] ...")
SOCKET_ERRNOS = frozenset({"32", "54", "60", "61", "101", "103", "104", "110", "111", "113"})
ERRNO = re.compile(r"\[Errno (\d+)\]")
# what the runtime stores for a run that raised: `str(error)` only. Texts of connection failures of psycopg,
# psycopg_pool, redis-py and the OS; a message that merely mentions a connection is not enough
TRANSIENT_MESSAGES = re.compile(
    "|".join(
        (
            r"couldn't get a connection after [\d.]+ sec",  # psycopg_pool.PoolTimeout
            r"server closed the connection unexpectedly",
            r"terminating connection due to administrator command",
            r"the database system is (?:starting up|shutting down|in recovery mode)",
            r"consuming input failed",
            r"could not receive data from server",
            r"sending query (?:and params )?failed",
            r"^the connection is (?:closed|lost)",
            r"^connection is (?:closed|lost|bad)",
            r"^connection failed: connection to server at .* failed",
            r"^connection timeout expired$",
            r"^Error \d+ connecting to \S+\.",  # redis.ConnectionError
            r"^Error while reading from \S+",
            r"^Connection closed by server\.?$",
            r"^Timeout (?:reading from|connecting to) ",
            r"^\[Errno (?:104|110|111|113)\] ",
            r"^Connection refused$",
            r"^Connection reset by peer$",
        )
    ),
    re.IGNORECASE,
)
PERMANENT_TYPES = frozenset(
    {"builtins.ValueError", "builtins.TypeError", "builtins.KeyError", "builtins.AssertionError"}
)


def qualified(kind: type[BaseException]) -> str:
    module = kind.__module__
    return f"{module}.{kind.__qualname__}"


def exception_types(error: BaseException) -> list[str]:
    """What a letter records of `error`: its type and bases (most specific first), then its cause's, so that a
    wrapper raised `from` a connection failure still reads as one."""
    names: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(names) < 40:
        seen.add(id(current))
        for kind in type(current).__mro__:
            if kind in (BaseException, Exception, object):
                continue
            name = qualified(kind)
            if name not in names:
                names.append(name)
        current = current.__cause__
    return names


def is_transient(error_types: list[str], message: str) -> bool:
    """True when the letter's failure is a store or connection that was down (worth running again unattended)."""
    if error_types:
        if error_types[0] in PERMANENT_TYPES:  # the raised type itself, not a base or a cause, settles it
            return False
        if any(name in TRANSIENT_TYPES for name in error_types):
            return True
        if "builtins.OSError" in error_types:
            found = ERRNO.search(message)
            return found is not None and found.group(1) in SOCKET_ERRNOS
        return False
    return bool(TRANSIENT_MESSAGES.search(_message_text(message)))


def _message_text(message: str) -> str:
    """A node's letter reads `TypeName: message`, the runtime's is the bare message, and SQLAlchemy's prefixes the
    driver's type in parentheses: the driver's message either way."""
    text = re.sub(r"^\([A-Za-z_][\w.]*\) ", "", message.strip())
    head, sep, rest = text.partition(": ")
    if sep and re.fullmatch(r"[A-Za-z_][\w.]*", head):
        return rest.strip()
    return text
