"""Reading a bug ticket the way an engineer does: the ids, times, error codes and services a human pasted into it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from graphs.contracts import Ticket

CLOCK = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?![\d:])")
# an id a system printed: a short prefix, a separator, then a run with at least five letters/digits incl. a digit
IDENTIFIER = re.compile(r"(?<![\w.-])([A-Za-z]{1,6}[_-](?=[\w-]*\d)[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*)(?![\w-])")
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
HEX_ID = re.compile(r"(?<![\w-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{12,32}(?![\w-])")
ERROR_CODE = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{2,}-\d{3})(?![\w-])")
MIN_ID_BODY = 5
MAX_IDENTIFIERS = 12
MAX_AGE = timedelta(hours=12)  # "invoices go out at 06:00" is a plan, not a symptom time


class BugContext(BaseModel):
    """What a ticket tells an investigation before any tool is asked."""

    identifiers: list[str] = Field(default_factory=list, description="request, order, user, trace ids ...")
    error_codes: list[str] = Field(default_factory=list, description="error codes and messages users saw")
    times: list[datetime] = Field(default_factory=list, description="times the reporter mentions, in UTC")


def parse_ticket(ticket: Ticket) -> BugContext:
    text = f"{ticket.title}\n{ticket.description}\n" + "\n".join(ticket.comments)
    created = datetime.fromtimestamp(ticket.created, UTC)
    return BugContext(
        identifiers=identifiers(text), error_codes=error_codes(text), times=mentioned_times(text, created)
    )


def identifiers(text: str) -> list[str]:
    """Ids in the order they appear; error codes (AUTH-503, MENU_503) are not ids."""
    codes = set(error_codes(text))
    found = list(UUID.findall(text))
    for match in IDENTIFIER.finditer(text):
        token = match.group(1)
        body = re.split(r"[_-]", token, maxsplit=1)[1]
        if token in codes or len(re.sub(r"[_-]", "", body)) < MIN_ID_BODY:
            continue
        if not any(token in u for u in found):
            found.append(token)
    found += [h for h in HEX_ID.findall(text) if not any(h in f for f in found)]
    return list(dict.fromkeys(found))[:MAX_IDENTIFIERS]


def error_codes(text: str) -> list[str]:
    return list(dict.fromkeys(ERROR_CODE.findall(text)))


def mentioned_times(text: str, created: datetime) -> list[datetime]:
    """Clock times on the ticket's day; one later than the creation time is read as the day before."""
    times = []
    for hour, minute, second in CLOCK.findall(text):
        moment = created.replace(hour=int(hour), minute=int(minute), second=int(second or 0), microsecond=0)
        if moment > created + timedelta(minutes=5):
            moment -= timedelta(days=1)
        if created - moment <= MAX_AGE:
            times.append(moment)
    return sorted(set(times))
