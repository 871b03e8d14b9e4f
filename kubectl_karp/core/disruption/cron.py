"""Budget schedules read the way Karpenter reads them: robfig/cron v3 ``ParseStandard``.

Karpenter parses ``TZ=UTC <schedule>`` with robfig/cron and asks the schedule for its next
hit (upstream: apis/v1/nodepool.go Budget.IsActive). croniter speaks another dialect, so the
five fields are parsed here the way robfig does it:

- exactly five whitespace-separated fields (minute hour day-of-month month day-of-week), or
  one of the descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly, or
  ``@every <Go duration>``;
- each field is a comma list of ``*`` / ``?`` / ``N`` / ``N-M``, each optionally ``/step``;
  ``N/step`` means ``N-max/step``; a range that runs backwards (``tue-mon``), a value outside
  the field's bounds (day-of-week ``7``) or a zero step is an error;
- month and day-of-week accept three-letter names in any case (``JAN``, ``sun``);
- day-of-month and day-of-week combine with AND when either field contains a star (``*`` or
  ``?`` without a step above 1), and with OR otherwise (the classic cron rule);
- ``next_after`` returns the first hit strictly after the given instant (whole seconds), or
  ``None`` when nothing fires within five calendar years — a schedule such as ``0 0 30 2 *``
  (30 February) parses fine and simply never fires.

Pure: no clock, no I/O. Instants are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from kubectl_karp.errors import InputError
from kubectl_karp.model.durations import parse_duration
from kubectl_karp.model.requirements import go_atoi

_MONTHS = {name: i + 1 for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_WEEKDAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# How far ahead robfig's Next looks before giving up (it returns the zero time then).
_YEARS_AHEAD = 5


class CronError(ValueError):
    """The schedule is not one robfig/cron accepts; the message says why."""


@dataclass(frozen=True)
class _Bounds:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_MINUTE = _Bounds("minute", 0, 59)
_HOUR = _Bounds("hour", 0, 23)
_DOM = _Bounds("day-of-month", 1, 31)
_MONTH = _Bounds("month", 1, 12, _MONTHS)
_DOW = _Bounds("day-of-week", 0, 6, _WEEKDAYS)


@dataclass(frozen=True)
class Field:
    """The values a field allows, and whether it was written with a star."""

    values: frozenset[int]
    star: bool


@dataclass(frozen=True)
class CronSchedule:
    """A parsed schedule: either five fields or a constant ``@every`` period (seconds)."""

    minute: Field
    hour: Field
    dom: Field
    month: Field
    dow: Field
    every_seconds: int | None = None

    def day_matches(self, day: date) -> bool:
        dom_ok = day.day in self.dom.values
        dow_ok = (day.isoweekday() % 7) in self.dow.values  # Sunday is 0
        if self.dom.star or self.dow.star:
            return dom_ok and dow_ok
        return dom_ok or dow_ok

    def next_after(self, instant: datetime) -> datetime | None:
        """The first hit strictly after ``instant`` (robfig ``Next``); None when none comes
        within five calendar years."""
        utc = instant.astimezone(timezone.utc)
        if utc.replace(tzinfo=None) >= datetime.max - timedelta(days=1):
            return None  # past what a datetime can hold
        # robfig starts at the next whole second.
        start = utc.replace(microsecond=0) + timedelta(seconds=1)
        if self.every_seconds is not None:
            try:
                return start - timedelta(seconds=1) + timedelta(seconds=self.every_seconds)
            except OverflowError:
                return None
        return _next_hit(self, start)


def _next_hit(s: CronSchedule, start: datetime) -> datetime | None:
    last_year = start.year + _YEARS_AHEAD
    day = start.date()
    first = True
    while day.year <= last_year and day < date.max:
        if day.month not in s.month.values:
            if day.year == date.max.year and day.month == 12:
                break
            # Jump to the first day of the next month.
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            first = False
            continue
        if s.day_matches(day):
            hit = _first_time(s, start.time() if first else time(0, 0))
            if hit is not None:
                return datetime.combine(day, hit, tzinfo=timezone.utc)
        day += timedelta(days=1)
        first = False
    return None


def _first_time(s: CronSchedule, not_before: time) -> time | None:
    """The earliest hh:mm:00 of a matching day at or after ``not_before``."""
    for hour in sorted(h for h in s.hour.values if h >= not_before.hour):
        for minute in sorted(s.minute.values):
            candidate = time(hour, minute)
            if candidate >= not_before:
                return candidate
    return None


def _atoi(text: str, expr: str) -> int:
    value = go_atoi(text)  # strconv.Atoi: optional sign, ASCII digits, int64 range
    if value is None:
        raise CronError(f"failed to parse int from {text!r} in {expr!r}")
    if value < 0:
        raise CronError(f"negative number ({value}) not allowed: {expr}")
    return value


def _int_or_name(text: str, bounds: _Bounds, expr: str) -> int:
    if bounds.names is not None and text.lower() in bounds.names:
        return bounds.names[text.lower()]
    return _atoi(text, expr)


def _range(expr: str, bounds: _Bounds) -> Field:
    parts = expr.split("/")
    if len(parts) > 2:
        raise CronError(f"too many slashes: {expr}")
    low_high = parts[0].split("-")
    star = False
    if low_high[0] in ("*", "?"):
        # robfig ignores anything after a star's hyphen ("*-5" is "*").
        start, end, star = bounds.low, bounds.high, True
    else:
        if len(low_high) > 2:
            raise CronError(f"too many hyphens: {expr}")
        start = _int_or_name(low_high[0], bounds, expr)
        end = _int_or_name(low_high[1], bounds, expr) if len(low_high) == 2 else start
    step = 1
    if len(parts) == 2:
        step = _atoi(parts[1], expr)
        if len(low_high) == 1:
            end = bounds.high  # "N/step" runs to the field's maximum
        if step > 1:
            star = False
    if start < bounds.low:
        raise CronError(f"{bounds.name}: beginning of range ({start}) below minimum "
                        f"({bounds.low}): {expr}")
    if end > bounds.high:
        raise CronError(f"{bounds.name}: end of range ({end}) above maximum ({bounds.high}): "
                        f"{expr}")
    if start > end:
        raise CronError(f"{bounds.name}: beginning of range ({start}) beyond end of range "
                        f"({end}): {expr}")
    if step == 0:
        raise CronError(f"{bounds.name}: step of range should be a positive number: {expr}")
    return Field(frozenset(range(start, end + 1, step)), star)


def _field(text: str, bounds: _Bounds) -> Field:
    values: set[int] = set()
    star = False
    # Empty items between commas are skipped, as strings.FieldsFunc does; a field of only
    # commas allows nothing (the schedule then never fires).
    for expr in (e for e in text.split(",") if e):
        part = _range(expr, bounds)
        values |= part.values
        star = star or part.star
    return Field(frozenset(values), star)


def _all(bounds: _Bounds) -> Field:
    return Field(frozenset(range(bounds.low, bounds.high + 1)), True)


def _one(value: int) -> Field:
    return Field(frozenset({value}), False)


_DESCRIPTORS = {
    "@yearly": (_one(0), _one(0), _one(1), _one(1), _all(_DOW)),
    "@annually": (_one(0), _one(0), _one(1), _one(1), _all(_DOW)),
    "@monthly": (_one(0), _one(0), _one(1), _all(_MONTH), _all(_DOW)),
    "@weekly": (_one(0), _one(0), _all(_DOM), _all(_MONTH), _one(0)),
    "@daily": (_one(0), _one(0), _all(_DOM), _all(_MONTH), _all(_DOW)),
    "@midnight": (_one(0), _one(0), _all(_DOM), _all(_MONTH), _all(_DOW)),
    "@hourly": (_one(0), _all(_HOUR), _all(_DOM), _all(_MONTH), _all(_DOW)),
}
_EVERY = "@every "


def _every(text: str) -> CronSchedule:
    body = text[len(_EVERY):]
    negative = body[:1] == "-"
    unsigned = body[1:] if body[:1] in ("+", "-") else body
    try:
        seconds = parse_duration(unsigned, allow_never=False) or 0
    except InputError as err:
        raise CronError(f"failed to parse duration {text}: {err}") from None
    # robfig rounds the period down to whole seconds, and to at least one second.
    period = 1 if negative or seconds < 1 else seconds
    never = _one(0)
    return CronSchedule(never, never, never, never, never, every_seconds=period)


@lru_cache(maxsize=512)
def parse_schedule(schedule: str) -> CronSchedule:
    """Parse like robfig ``ParseStandard("TZ=UTC " + schedule)``; CronError when invalid."""
    text = schedule.strip()
    if not text:
        raise CronError("empty spec string")
    if text.startswith("@"):
        if text in _DESCRIPTORS:
            return CronSchedule(*_DESCRIPTORS[text])
        if text.startswith(_EVERY):
            return _every(text)
        raise CronError(f"unrecognized descriptor: {text}")
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: {text}")
    return CronSchedule(_field(fields[0], _MINUTE), _field(fields[1], _HOUR),
                        _field(fields[2], _DOM), _field(fields[3], _MONTH),
                        _field(fields[4], _DOW))


def schedule_problem(schedule: str) -> str | None:
    """Why robfig/cron would reject ``schedule``, or None when it parses."""
    try:
        parse_schedule(schedule)
    except CronError as err:
        return str(err)
    return None
