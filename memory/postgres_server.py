"""Start and stop a throwaway PostgreSQL cluster on 127.0.0.1 from Debian's `postgresql` package (initdb, pg_ctl).

`initdb` refuses to run as root, so as root the cluster belongs to the `postgres` system user (runuser).
`PM_PG_BIN` overrides where the binaries are found (default: the newest /usr/lib/postgresql/*/bin).

    python -m memory.postgres_server start --dir D [--port P]   # prints the URL
    python -m memory.postgres_server stop --dir D
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from memory.launcher import free_port, start_stop_main

DATABASE = "aegra"
URL_FILE = "postgres.url"
OWNER = "postgres"


class PostgresServerError(RuntimeError):
    """PostgreSQL could not be found or started; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """A running cluster that this module started."""

    port: int
    dir: Path
    password: str | None = None

    @property
    def url(self) -> str:
        # without a password, trust authentication on loopback: `postgres` is a placeholder asyncpg and psycopg need
        return f"postgresql://postgres:{self.password or 'postgres'}@127.0.0.1:{self.port}/{DATABASE}"


def find_bin() -> Path:
    """The directory holding initdb and pg_ctl: `PM_PG_BIN`, else Debian's newest /usr/lib/postgresql/N/bin."""
    override = os.environ.get("PM_PG_BIN")
    if override:
        return Path(override)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not versions:
        raise PostgresServerError("no PostgreSQL found: apt-get install -y postgresql (or set PM_PG_BIN)")
    return versions[-1].parent


def _as_owner(args: list[str]) -> list[str]:
    """Root runs the cluster as the `postgres` user; anyone else runs it as themselves."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", OWNER, "--", *args]


def _run(args: list[str], what: str) -> None:
    result = subprocess.run(_as_owner(args), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise PostgresServerError(f"{what} failed: {' | '.join(tail)}")


def _prepare(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        owner = pwd.getpwnam(OWNER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        directory.chmod(0o700)
    return directory / "data"


def start(directory: Path, port: int | None = None, *, password: str | None = None) -> PostgresServer:
    """initdb (once) in `directory`, start on 127.0.0.1 (a free port unless given) and create the `aegra` database.

    As root, `directory` must be reachable by the `postgres` user (not under a 0700 root-owned parent). With
    `password`, a new cluster takes password authentication (scram-sha-256) instead of trusting loopback.
    """
    bin_dir = find_bin()
    data = _prepare(directory)
    if not (data / "PG_VERSION").exists():
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8"]
        if password:
            secret = directory / "initdb.pw"  # initdb reads it once; the postgres user owns the directory
            secret.write_text(password + "\n")
            secret.chmod(0o600)
            if os.geteuid() == 0:
                owner = pwd.getpwnam(OWNER)
                os.chown(secret, owner.pw_uid, owner.pw_gid)
            try:
                _run([*initdb, "--auth=scram-sha-256", f"--pwfile={secret}"], "initdb")
            finally:
                secret.unlink(missing_ok=True)
        else:
            _run([*initdb, "--auth=trust"], "initdb")
    chosen = port or free_port()
    options = f"-p {chosen} -h 127.0.0.1 -k {directory} -c fsync=off -c max_connections=300"
    log = directory / "postgres.log"
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "30", "start"], "pg_ctl")
    server = PostgresServer(port=chosen, dir=directory, password=password)
    result = subprocess.run(
        [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(chosen), "-U", "postgres", DATABASE],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGPASSWORD": password} if password else None,
    )
    if result.returncode != 0 and "already exists" not in result.stderr:
        stop(directory)
        raise PostgresServerError(f"createdb failed: {result.stderr.strip()}")
    (directory / URL_FILE).touch(mode=0o600)
    (directory / URL_FILE).write_text(server.url)
    return server


def stop(directory: Path) -> bool:
    """Stop the cluster in `directory`; False when none was running."""
    data = directory / "data"
    if not (data / "postmaster.pid").exists():
        return False
    _run([str(find_bin() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], "pg_ctl stop")
    (directory / URL_FILE).unlink(missing_ok=True)
    return True


@contextlib.contextmanager
def running(
    directory: Path | None = None, port: int | None = None, *, password: str | None = None
) -> Iterator[PostgresServer]:
    """A PostgreSQL for the duration of the block; a temporary directory (removed after) when none is given."""
    import tempfile

    owned = directory is None
    base = Path(tempfile.mkdtemp(prefix="pm-postgres-")) if directory is None else directory
    try:
        server = start(base, port, password=password)
        try:
            yield server
        finally:
            stop(base)
    finally:
        if owned:
            shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    return start_stop_main(
        argv,
        prog="python -m memory.postgres_server",
        description=__doc__.splitlines()[0],
        noun="cluster",
        dir_help="cluster, socket and log directory",
        start=start,
        stop=stop,
        error=PostgresServerError,
        none_running="no running cluster",
    )


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["PostgresServer", "PostgresServerError", "find_bin", "running", "start", "stop"]
