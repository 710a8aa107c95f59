"""Fixtures of the router tests."""

from __future__ import annotations

import pytest
from router_harness import RunLoop, run_pool_incident


@pytest.fixture
def run_loop() -> RunLoop:
    """Run the pool incident through the loop graph; returns the report and the final state."""
    return run_pool_incident
