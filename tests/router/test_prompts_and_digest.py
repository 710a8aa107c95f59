"""Prompt files render with every placeholder filled within their size limit; the digest redacts and fits a budget."""

from __future__ import annotations

import re

import pytest
from router_fakes import pool_incident

from agents.analysis import rank_candidates
from agents.hypothesis import engine_hypotheses, topology
from agents.prompts import PROMPT_DIR, PromptError, load_prompt, parse_prompt
from agents.router.digest import digest_candidates, digest_evidence, digest_hypothesis
from graphs.contracts import Capability, Evidence, EvidenceKind

PROMPTS = sorted(p.stem for p in PROMPT_DIR.glob("*.txt"))
LEFTOVER = re.compile(r"\$\{?[A-Za-z_]\w*")


def small_values(name: str) -> dict[str, str]:
    evidence = pool_incident()
    candidates = rank_candidates(evidence, topology(evidence))
    top = engine_hypotheses(candidates, {e.id for e in evidence})[0]
    digest = digest_evidence(evidence, 2_000)
    common = {"evidence": digest.text, "evidence_note": f"{len(digest.ids)} items"}
    if name == "hypothesis":
        return {
            **common,
            "max_hypotheses": "3",
            "fault_types": "bad_deploy, config_change",
            "request": "checkout payment errors",
            "candidates": digest_candidates(candidates),
            "verdict": "h1-payments declined at confidence 0.57; failed checks: pinpoint",
        }
    return {
        **common,
        "max_penalty": "0.3",
        "hypothesis": digest_hypothesis(top),
        "confidence": "0.57",
        "checklist": "-",
    }


def test_every_prompt_file_has_a_version_and_is_covered() -> None:
    assert PROMPTS == ["hypothesis", "skeptic"]
    for name in PROMPTS:
        prompt = load_prompt(name)
        assert prompt.version and prompt.ref == f"{name}@{prompt.version}"


@pytest.mark.parametrize("name", PROMPTS)
def test_prompt_renders_every_placeholder_within_its_limit(name: str) -> None:
    prompt = load_prompt(name)
    values = small_values(name)
    assert prompt.placeholders == frozenset(values)
    system, user = prompt.render(**values)
    text = f"{system.content}\n{user.content}"
    assert LEFTOVER.search(text) is None
    assert "[ev-pay-log]" in text and len(text) <= prompt.max_chars
    with pytest.raises(PromptError, match="missing values"):
        prompt.render(**{k: v for k, v in values.items() if k != "evidence"})
    with pytest.raises(PromptError, match="the limit is"):
        prompt.render(**{**values, "evidence": "x" * prompt.max_chars})
    assert prompt.room_for("evidence", **{k: v for k, v in values.items() if k != "evidence"}) < prompt.max_chars


def test_a_prompt_file_without_a_version_is_refused() -> None:
    with pytest.raises(PromptError, match="version"):
        parse_prompt("x", "purpose: none\n--- system\nhi\n--- user\nthere\n")
    with pytest.raises(PromptError, match="--- user"):
        parse_prompt("x", "version: 1\n--- system\nhi\n")


def _ev(id_: str, score: float, summary: str, **data: object) -> Evidence:
    return Evidence(
        id=id_,
        capability=Capability.provide_runtime_context,
        interface="log-system",
        provider="t",
        kind=EvidenceKind.log_pattern,
        service="svc",
        summary=summary,
        score=score,
        data=dict(data),
    )


def test_digest_redacts_secrets_before_a_model_sees_them() -> None:
    secret = "postgres://app:hunter2hunter2@db/x"
    digest = digest_evidence([_ev("ev-1", 1.0, f"connect to {secret} failed", password="s3cr3t-value")], 10_000)
    assert "hunter2hunter2" not in digest.text and "s3cr3t-value" not in digest.text
    assert "[REDACTED]" in digest.text


def test_digest_summarises_the_largest_first_then_marks_what_it_omits() -> None:
    items = [
        _ev("ev-big", 5.0, "huge dump", blob="x" * 5_000),
        _ev("ev-mid", 4.0, "medium", blob="y" * 1_500),
        *(_ev(f"ev-s{i}", 1.0 - i / 100, f"small item {i}", n=i) for i in range(30)),
    ]
    full = digest_evidence(items, 100_000)
    assert full.summarised == () and full.omitted == ()
    fitted = digest_evidence(items, 3_000)
    assert len(fitted.text) <= 3_000
    assert fitted.summarised[0] == "ev-big" and "x" * 100 not in fitted.text
    assert "[summarised: data omitted" in fitted.text
    tight = digest_evidence(items, 1_000)
    assert len(tight.text) <= 1_000 and tight.omitted
    assert tight.text.endswith(f"[truncated: {len(tight.omitted)} weaker evidence item(s) omitted for size]")
    assert "ev-big" in tight.ids and tight.omitted[0] == "ev-s29"  # the weakest go first
