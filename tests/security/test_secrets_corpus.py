"""A secrets corpus pushed through the CLI: no secret, in any spelling, in reports, audit, bundle, checkpoints or logs.

The alert text carries each secret as a user pastes it; the planner builds chat and log queries from it
(lower-cased, punctuation dropped), so the spellings that must not come out include those derived forms.
"""

from __future__ import annotations

import shutil
import tarfile
from functools import partial
from pathlib import Path

import cli_run
import pytest
import yaml

from memory.audit.redact import redact

pytestmark = pytest.mark.slow
SCENARIO = "app-logouts-midnight"

# (as pasted, the fragment that must never come out again: compared case-blind)
CORPUS = [
    ("AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),  # pragma: allowlist secret
    (
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # pragma: allowlist secret
        "wJalrXUtnFEMI/K7MDENG",  # pragma: allowlist secret
    ),
    ("password=hunter2", "hunter2"),  # pragma: allowlist secret
    ("password: Tr0ub4dor&3", "Tr0ub4dor"),  # pragma: allowlist secret
    (
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlc2ln",  # pragma: allowlist secret
        "eyJhbGciOiJIUzI1NiJ9",  # pragma: allowlist secret
    ),
    ("xoxb-123456789012-abcdefghijklmnopqrst", "xoxb-123456789012"),  # pragma: allowlist secret
    ("postgres://admin:s3cretPW@db:5432/orders", "s3cretPW"),  # pragma: allowlist secret
    ("redis://:r3disPass@cache:6379/0", "r3disPass"),  # pragma: allowlist secret
    ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz"),  # pragma: allowlist secret
    (
        "-----BEGIN RSA PRIVATE KEY-----\n"  # pragma: allowlist secret
        "MIIEowIBAAKCAQEAzQ3examplekeymaterial\n-----END RSA PRIVATE KEY-----",  # pragma: allowlist secret
        "MIIEowIBAAKCAQEAzQ3",  # pragma: allowlist secret
    ),
]
# what a query builder makes of them: lower-cased, `=` and `:` dropped
DERIVED = [
    "akiaiosfodnn7example password hunter2",
    "password hunter2",
    "xoxb-123456789012-abcdefghijklmnopqrst",  # pragma: allowlist secret
    "authorization bearer eyjhbgcioijiuzi1nij9 eyjzdwiioijhzg1pbij9",
    "begin rsa private key miieowibaakcaqeazq3examplekeymaterial end rsa private key",
]


def test_every_spelling_of_the_corpus_is_redacted() -> None:
    for pasted, needle in CORPUS:
        assert needle.lower() not in str(redact(f"checkout down {pasted} after deploy")).lower(), pasted
    for derived in DERIVED:
        cleaned = str(redact(derived)).lower()
        assert not any(n.lower() in cleaned for _, n in CORPUS), (derived, cleaned)
    assert redact("password reset failed for user 4711") == "password reset failed for user 4711"


pm = partial(cli_run.pm, env={"COLUMNS": "200", "PM_LOG_LEVEL": "DEBUG"}, timeout=300)


def leaks_after(cwd: Path, thread: str, *outputs: str) -> list[tuple[str, str]]:
    """Export the bundle and the HTML report, then every (file, secret) pair where a corpus secret shows up."""
    exported = pm("bundle", "export", thread, "-o", "bundle.tar.gz", cwd=cwd)
    assert exported.returncode == 0, exported.stderr
    html = pm("report", thread, "--format", "html", "-o", "out/report.html", cwd=cwd)
    assert html.returncode == 0, html.stderr
    with tarfile.open(cwd / "bundle.tar.gz") as bundle:
        bundle.extractall(cwd / "unpacked", filter="data")
    texts = {"output": "".join([*outputs, exported.stdout, exported.stderr, html.stdout, html.stderr]).lower()}
    for path in cwd.rglob("*"):
        if path.is_file() and not path.name.endswith(".tar.gz") and "world" not in path.parts:
            texts[str(path.relative_to(cwd))] = path.read_bytes().decode("utf-8", errors="replace").lower()
    assert {"out/report.md", "out/report.json", "out/report.html"} <= set(texts)
    assert any(".production-master/audit" in name for name in texts), sorted(texts)
    assert any(name.startswith(".production-master/checkpoints") for name in texts), sorted(texts)
    assert any(name.startswith("unpacked") for name in texts), sorted(texts)
    return [(name, needle) for name, text in texts.items() for _, needle in CORPUS if needle.lower() in text]


def test_no_secret_of_the_request_comes_out_of_an_investigation(tmp_path: Path) -> None:
    alert = "checkout p95 latency above 2s; " + " ".join(pasted for pasted, _ in CORPUS)
    ran = pm("investigate", "--alert", alert, "--out", "out", "-q", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    thread = ran.stdout.splitlines()[0].split()[1]
    assert leaks_after(tmp_path, thread, ran.stdout, ran.stderr) == []
    assert "[redacted]" in (tmp_path / "out" / "report.json").read_text().lower()


def test_no_secret_of_the_tools_output_comes_out_of_an_investigation(tmp_path: Path) -> None:
    """The ticket and the team chat of a scenario world carry the corpus: what the tools answer is redacted."""
    source = Path(__file__).resolve().parents[2] / "tools" / "worlds" / "scenarios" / "data" / SCENARIO
    world = tmp_path / "world" / SCENARIO
    shutil.copytree(source, world)
    pasted = "\n".join(text for text, _ in CORPUS)
    scenario = yaml.safe_load((world / "scenario.yaml").read_text())
    scenario["ticket"]["description"] += "\nconfig we use:\n" + pasted
    (world / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    chat = yaml.safe_load((world / "chat.yaml").read_text())
    for thread in chat["threads"]:
        thread["messages"][0]["text"] += " " + pasted
    (world / "chat.yaml").write_text(yaml.safe_dump(chat, sort_keys=False))
    options = ["--world", "scenario", "--world-option", f"dir={world.parent}", "--world-option", f"scenario={SCENARIO}"]
    ran = pm("investigate", "--ticket", scenario["ticket"]["key"], *options, "--out", "out", "-q", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    thread_id = ran.stdout.splitlines()[0].split()[1]
    assert leaks_after(tmp_path, thread_id, ran.stdout, ran.stderr) == []


def test_since_after_until_names_its_options(tmp_path: Path) -> None:
    ran = pm(
        "investigate", "--alert", "x", "--since", "2026-11-20T11:00:00Z", "--until", "2026-11-20T10:00:00Z",
        cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 2
    assert ran.stderr.strip().startswith("error: --since/--until: window end"), ran.stderr
