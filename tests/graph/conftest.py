"""Fixtures for the graph tests: recorded demo evidence and a session on the real demo world."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from model_params import lenient_params

from graphs.contracts import InvestigationRequest
from graphs.runner import InvestigationSession, open_session
from graphs.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEMO_ALERT = {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z"}


@pytest.fixture
def recorded_state() -> dict[str, Any]:
    """Request, scope and evidence recorded from a real demo investigation."""
    return json.loads((FIXTURES / "demo_state.json").read_text())


@pytest.fixture
def demo_request() -> InvestigationRequest:
    return InvestigationRequest(**DEMO_ALERT)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # the pipeline's mechanics on the demo: its verdict settled whatever the model's CV threshold (tests/model_params)
    return Settings(checkpointer="memory", approvals="skip", home=tmp_path / "home", model_params=lenient_params())


@pytest.fixture
async def session(settings: Settings) -> AsyncIterator[InvestigationSession]:
    async with open_session(settings) as session:
        yield session
