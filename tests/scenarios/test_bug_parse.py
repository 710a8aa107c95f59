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


MONDAY = datetime(2026, 6, 15, 8, 42, tzinfo=UTC)


def _times(description: str, created: datetime = MONDAY) -> list[str]:
    ticket = Ticket(key="CRM-7", title="Case sync broken", description=description, created=created.timestamp())
    return [moment.strftime("%a %d %H:%M") for moment in parse_ticket(ticket).times]


def test_a_time_tied_to_a_weekday_or_yesterday_is_read_on_that_day_even_days_before_the_ticket() -> None:
    text = (
        "The last Case was created at 21:38 UTC on Saturday. Tickets after that, e.g. #20944 (Sunday 09:12 UTC) "
        "and one at 22:47 UTC yesterday, have none; agents saw the error this morning at 07:30."
    )
    assert _times(text) == ["Sat 13 21:38", "Sun 14 09:12", "Sun 14 22:47", "Mon 15 07:30"]


def test_dates_ranges_and_the_small_hours_of_last_night_are_read_as_such() -> None:
    assert _times("Discharged 13 June 10:00, last letter 2026-06-12 14:00") == ["Fri 12 14:00", "Sat 13 10:00"]
    assert _times("log line at 2026-06-11T23:59:01Z") == ["Thu 11 23:59"]
    assert _times("It broke last night at 01:30 and again last night at 23:10") == ["Sun 14 23:10", "Mon 15 01:30"]
    assert _times("On Friday between roughly 10:15 and 10:30 UTC") == ["Fri 12 10:15", "Fri 12 10:30"]


def test_a_day_word_in_another_clause_or_a_day_to_come_does_not_move_a_time() -> None:
    # the comma ends the tie: the gate refused the pass this morning, the pass worked yesterday
    assert _times("Pass refused at gate 07:41 UTC, worked yesterday") == ["Mon 15 07:41"]
    # the booking is for next week; the search ran this morning
    assert _times("Searched 19-21 June at 08:05, no berths") == ["Mon 15 08:05"]
    assert _times("Run due by 12:00 UTC for Friday pay date") == []


def test_a_tied_time_older_than_a_week_or_an_untied_one_older_than_half_a_day_is_left_out() -> None:
    assert _times("Restored the snapshot 2026-05-19 02:00 at 08:20 today") == ["Mon 15 08:20"]
    assert _times("Invoices go out at 18:00") == []
