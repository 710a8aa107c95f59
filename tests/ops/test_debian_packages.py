"""scripts/ensure-debian-packages.sh decides from what is on PATH / PM_PG_BIN, and `make test` asks it first."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ensure-debian-packages.sh"
# what the script and make need to run; symlinked into a bare bin dir so nothing else on PATH leaks through
TOOLS = ("bash", "ls", "head", "id", "grep", "dpkg-query", "make", "env", "dirname")


def bare_path(directory: Path, extra: dict[str, str] | None = None) -> Path:
    """A bin dir with the shell tools only, plus fake executables named in `extra` (name -> script body)."""
    directory.mkdir(parents=True, exist_ok=True)
    for tool in TOOLS:
        found = shutil.which(tool)
        if found:
            (directory / tool).symlink_to(found)
    for name, body in (extra or {}).items():
        (directory / name).write_text(f"#!/bin/sh\n{body}\n")
        (directory / name).chmod(0o755)
    directory.chmod(0o755)
    return directory


def run_as_user(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Runs as a non-root user: root drops to `nobody` (runuser), anyone else is already one."""
    if os.geteuid() == 0:
        args = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "nobody", "--", *args]
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def open_tmp(tmp_path: Path) -> Path:
    """pytest's tmp dirs are 0700 root; `nobody` must reach the files under them."""
    for parent in [tmp_path, *tmp_path.parents]:
        if parent == Path("/tmp") or parent == Path("/"):
            break
        parent.chmod(parent.stat().st_mode | 0o755)
    return tmp_path


def hidden_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    empty = tmp_path / "no-postgres"
    empty.mkdir(exist_ok=True)
    return {"PATH": str(bare_path(tmp_path / "bin")), "PM_PG_BIN": str(empty), "HOME": str(tmp_path), **extra}


def test_dry_run_takes_the_install_path_for_hidden_packages(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", "postgresql", "prometheus"],
        env=hidden_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "apt-get update -qq"
    assert lines[1].startswith("apt-get install -y")
    assert lines[1].split()[-2:] == ["postgresql", "prometheus"]


def test_present_packages_are_left_alone(tmp_path: Path) -> None:
    pg_bin = tmp_path / "pg"
    bare_path(pg_bin, {"initdb": "exit 0"})
    env = {
        "PATH": str(bare_path(tmp_path / "bin", {"prometheus": "exit 0", "promtool": "exit 0"})),
        "PM_PG_BIN": str(pg_bin),
    }
    only_prometheus = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", "prometheus"], env=env, capture_output=True, text=True, timeout=60
    )
    assert (only_prometheus.returncode, only_prometheus.stdout) == (0, "")
    # a PostgreSQL of one's own (PM_PG_BIN) serves a non-root user, who runs initdb as themselves
    open_tmp(tmp_path)
    postgres = run_as_user(["bash", str(SCRIPT), "postgresql", "prometheus"], env)
    assert (postgres.returncode, postgres.stdout, postgres.stderr) == (0, "", "")


def test_not_root_prints_one_line_with_the_command_and_exits_2(tmp_path: Path) -> None:
    env = hidden_env(open_tmp(tmp_path))
    result = run_as_user(["bash", str(SCRIPT), "postgresql", "prometheus"], env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "sudo apt-get update && sudo apt-get install -y postgresql prometheus" in result.stderr


def test_a_fresh_checkout_make_test_stops_at_the_missing_packages_first(tmp_path: Path) -> None:
    clone = open_tmp(tmp_path) / "clone"
    clone.mkdir()
    shutil.copy(REPO / "Makefile", clone / "Makefile")
    shutil.copytree(REPO / "scripts", clone / "scripts")
    (clone / "pyproject.toml").write_text("")
    result = run_as_user(["make", "--no-print-directory", "test"], hidden_env(tmp_path), cwd=clone)
    assert result.returncode == 2
    assert "sudo apt-get install -y postgresql prometheus kubernetes-client" in result.stderr.splitlines()[0]
    assert not (clone / ".venv").exists()  # nothing else ran before it


def test_an_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT), "--yes", "postgresql"], env=hidden_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "unknown option --yes" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the install itself needs root")
def test_as_root_with_everything_present_it_installs_nothing(tmp_path: Path) -> None:
    """Under `make test` the packages were just installed: a second call is a no-op that prints nothing."""
    if os.environ.get("PM_UNDER_MAKE") != "1" and not shutil.which("promtool"):
        pytest.skip("outside `make test` the Debian packages may be absent: `make test` installs them")
    result = subprocess.run(
        ["bash", str(SCRIPT), "postgresql", "prometheus"], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_debian_python_without_its_venv_module_asks_for_the_package(tmp_path: Path) -> None:
    """`make run` on a fresh Debian: the python3.X-venv package is what stands between it and a venv."""
    fake_python = 'case "$2" in *ensurepip*) exit 1 ;; *print*) echo python3.12-venv ;; *) exit 0 ;; esac'
    env = hidden_env(open_tmp(tmp_path))
    env["PATH"] = str(bare_path(tmp_path / "bin-python", {"python3.12": fake_python}))
    result = run_as_user(["bash", str(REPO / "scripts" / "make-venv.sh"), str(tmp_path / "venv")], env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "sudo apt-get install -y python3.12-venv" in result.stderr
    assert not (tmp_path / "venv").exists()
