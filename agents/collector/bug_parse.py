"""Reading a bug ticket the way an engineer does: the ids, times, error codes and services a human pasted into it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, Field

from graphs.contracts import Ticket

_CLOCK_TIME = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?"
CLOCK = re.compile(rf"(?<![\d:]){_CLOCK_TIME}(?![\d:])")
# an id a system printed: a short prefix, a separator, then a run with at least five letters/digits incl. a digit
IDENTIFIER = re.compile(r"(?<![\w.-])([A-Za-z]{1,6}[_-](?=[\w-]*\d)[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*)(?![\w-])")
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
HEX_ID = re.compile(r"(?<![\w-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{12,32}(?![\w-])")
ERROR_CODE = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{2,}-\d{3})(?![\w-])")
MIN_ID_BODY = 5
MAX_IDENTIFIERS = 12
MAX_AGE = timedelta(hours=12)  # "invoices go out at 06:00" is a plan, not a symptom time
MAX_TIED_AGE = timedelta(days=7)  # a weekday names the last such day, so a tied time is at most a week old
TICKET_SKEW = timedelta(minutes=5)
NOON = 12
HALF_YEAR = timedelta(days=183)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RELATIVE_DAYS = {"today": 0, "tonight": 0, "this morning": 0, "yesterday": 1, "last night": 1}
# calendar order; each form takes the month's abbreviation and its full name
_MONTH_FORMS = (
    "jan(?:uary)?",
    "feb(?:ruary)?",
    "mar(?:ch)?",
    "apr(?:il)?",
    "may",
    "june?",
    "july?",
    "aug(?:ust)?",
    "sep(?:t(?:ember)?)?",
    "oct(?:ober)?",
    "nov(?:ember)?",
    "dec(?:ember)?",
)
_MONTH = rf"(?:{'|'.join(_MONTH_FORMS)})\b\.?"
MONTHS = tuple(form[:3] for form in _MONTH_FORMS)
_DAY_WORD = (
    rf"(?P<day>{'|'.join(WEEKDAYS)}|{'|'.join(RELATIVE_DAYS)}|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?)"
)
# only words that cannot start another clause may stand between a day and its time ("Saturday at about 21:38",
# "21:38 UTC on Saturday"); a comma, a full stop or any other word ends the tie ("07:41 UTC, worked yesterday")
_GLUE = (
    r"(?:(?:on|at|around|about|roughly|approx\.?|approximately|circa|between|utc|gmt|local|time|the|from|since|until"
    r"|till|by|after|before)\s+|~\s*"
    # the far end of a range shares the day: "Thursday between 10:15 and 10:30", "Sunday 09:00-09:40"
    rf"|{_CLOCK_TIME}\s*(?:utc|gmt)?\s*(?:and|to|until|till|-|–)\s*)*"
)
TIE_BEFORE = re.compile(rf"\b{_DAY_WORD}(?:\s+|(?<=\d)T){_GLUE}$", re.IGNORECASE)
TIE_AFTER = re.compile(rf"(?:\s*(?:utc|gmt|z)\b)?\s+{_GLUE}{_DAY_WORD}\b", re.IGNORECASE)
TIE_REACH = 48


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
    """Clock times the reporter mentions, in UTC. A time tied to a past day ("Saturday 21:38", "22:47 yesterday",
    "13 June 09:00") is read on that day, up to a week back; any other on the ticket's day, or the day before when it
    would be later than the ticket, up to 12 hours back."""
    times = []
    for match in CLOCK.finditer(text):
        hour, minute, second = (int(part) for part in [*match.group().split(":"), "0"][:3])
        day = _tied_day(text, match.start(), match.end(), created, hour)
        tied = datetime.combine(day, time(hour, minute, second), UTC) if day else None
        if tied is not None and tied <= created + TICKET_SKEW:
            moment, oldest = tied, MAX_TIED_AGE
        else:  # untied, or tied to a day still to come, which dates something else ("searched 14-16 June at 09:22")
            moment, oldest = created.replace(hour=hour, minute=minute, second=second, microsecond=0), MAX_AGE
            if moment > created + TICKET_SKEW:
                moment -= timedelta(days=1)
        if created - moment <= oldest:
            times.append(moment)
    return sorted(set(times))


def _tied_day(text: str, start: int, end: int, created: datetime, hour: int) -> date | None:
    """The day a clock time is tied to by a day word or date right beside it, if any."""
    before = TIE_BEFORE.search(text[max(0, start - TIE_REACH) : start])
    after = TIE_AFTER.match(text[end : end + TIE_REACH])
    for found in (before, after):
        if found:
            day = _day(found.group("day"), created)
            # "last night at 01:30" is the small hours of the ticket's own day
            night = found.group("day").lower() == "last night" and hour < NOON
            return day + timedelta(days=1) if day and night else day
    return None


def _day(word: str, created: datetime) -> date | None:
    """The calendar day a day word or date names, as seen on the day the ticket was filed."""
    word = word.lower()
    today = created.date()
    if word in RELATIVE_DAYS:
        return today - timedelta(days=RELATIVE_DAYS[word])
    if word in WEEKDAYS:
        return today - timedelta(days=(today.weekday() - WEEKDAYS.index(word)) % 7)
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", word)
    if iso:
        try:
            return date(*(int(part) for part in iso.groups()))
        except ValueError:
            return None
    day_number = int(re.search(r"\d{1,2}", word).group())
    month = MONTHS.index(re.search(r"[a-z]{3}", word).group()) + 1
    try:
        named = date(today.year, month, day_number)
        # "30 Dec" on a ticket of 2 January is last year's; "16 June" on one of 2 June is a date still to come
        return named if named - today <= HALF_YEAR else date(today.year - 1, month, day_number)
    except ValueError:
        return None
