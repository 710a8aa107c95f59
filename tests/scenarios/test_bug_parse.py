"""Reading a ticket: ids, error codes and the times a reporter mentions."""

from __future__ import annotations

from datetime import UTC, datetime

from agents.collector.bug_parse import parse_ticket
from graphs.contracts import Ticket

CREATED = datetime(2024, 10, 1, 0, 40, tzinfo=UTC)


def test_ids_codes_and_times_are_read_and_a_late_clock_time_is_the_day_before() -> None:
    ticket = Ticket(
        key="BANK-1",
        title='Login fails with "AUTH-503"',
        description="Users usr_0091842 (00:02 UTC), corr-3fa9e2d1c0 at 23:58; error E_CART_LOAD_TIMEOUT. "
        "Request 5f1c0e7a-2b7d-4a61-9d3e-0e8a6c11f402. Emails go out at 06:00.",
        created=CREATED.timestamp(),
    )
    context = parse_ticket(ticket)
    assert context.identifiers[:1] == ["5f1c0e7a-2b7d-4a61-9d3e-0e8a6c11f402"]
    assert {"usr_0091842", "corr-3fa9e2d1c0"} <= set(context.identifiers)
    assert "AUTH-503" not in context.identifiers
    assert {"AUTH-503", "E_CART_LOAD_TIMEOUT"} <= set(context.error_codes)
    assert context.times == [datetime(2024, 9, 30, 23, 58, tzinfo=UTC), datetime(2024, 10, 1, 0, 2, tzinfo=UTC)]
