"""Budget schedules parsed the way robfig/cron v3 ParseStandard parses them (what Karpenter
uses), with the places where croniter, which the tool used before, reads them differently."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from croniter import croniter

from kubectl_karp.core.disruption.cron import parse_schedule, schedule_problem

T0 = datetime(2000, 6, 15, 12, 30, 30, tzinfo=timezone.utc)  # a Thursday


def nxt(schedule: str, after: datetime = T0) -> datetime | None:
    return parse_schedule(schedule).next_after(after)


@pytest.mark.parametrize(("schedule", "expected"), [
    ("* * * * *", datetime(2000, 6, 15, 12, 31, tzinfo=timezone.utc)),
    ("@hourly", datetime(2000, 6, 15, 13, 0, tzinfo=timezone.utc)),
    ("@daily", datetime(2000, 6, 16, 0, 0, tzinfo=timezone.utc)),
    ("@midnight", datetime(2000, 6, 16, 0, 0, tzinfo=timezone.utc)),
    ("@weekly", datetime(2000, 6, 18, 0, 0, tzinfo=timezone.utc)),  # Sunday
    ("@monthly", datetime(2000, 7, 1, tzinfo=timezone.utc)),
    ("@yearly", datetime(2001, 1, 1, tzinfo=timezone.utc)),
    ("@annually", datetime(2001, 1, 1, tzinfo=timezone.utc)),
    ("*/20 * * * *", datetime(2000, 6, 15, 12, 40, tzinfo=timezone.utc)),
    ("5/20 * * * *", datetime(2000, 6, 15, 12, 45, tzinfo=timezone.utc)),  # N/step = N-59/step
    ("0 9 * * MON-FRI", datetime(2000, 6, 16, 9, 0, tzinfo=timezone.utc)),
    ("0 9 * * mon-fri", datetime(2000, 6, 16, 9, 0, tzinfo=timezone.utc)),  # any case
    ("0 0 1 JAN ?", datetime(2001, 1, 1, tzinfo=timezone.utc)),  # ? is *
    ("30 6 * * SUN", datetime(2000, 6, 18, 6, 30, tzinfo=timezone.utc)),
    ("0 0 1,,15 * *", datetime(2000, 7, 1, tzinfo=timezone.utc)),  # empty items skipped
])
def test_next_hit(schedule: str, expected: datetime) -> None:
    assert schedule_problem(schedule) is None
    assert nxt(schedule) == expected


def test_next_is_strictly_after_the_instant() -> None:
    on_the_hour = datetime(2000, 6, 15, 13, 0, tzinfo=timezone.utc)
    assert nxt("@hourly", on_the_hour) == on_the_hour + timedelta(hours=1)
    # robfig starts at the next whole second: a fraction past the hit does not count it.
    assert nxt("@hourly", on_the_hour - timedelta(microseconds=1)) == on_the_hour


def test_day_of_month_and_day_of_week_are_or_ed_without_a_star() -> None:
    # The 13th OR any Friday: from Thursday the 15th the next is Friday the 16th.
    assert nxt("0 0 13 * 5") == datetime(2000, 6, 16, tzinfo=timezone.utc)
    # With a star in either field they are AND-ed: "1-31" is no star, "*" is.
    assert nxt("0 0 * * 5") == datetime(2000, 6, 16, tzinfo=timezone.utc)
    assert nxt("0 0 1-31 * 0") == datetime(2000, 6, 16, tzinfo=timezone.utc)  # OR: any day
    # "*/2" (step above 1) is no longer a star: OR with Friday.
    assert nxt("0 0 */2 * 5", datetime(2000, 6, 16, 1, tzinfo=timezone.utc)) == \
        datetime(2000, 6, 17, tzinfo=timezone.utc)


def test_a_schedule_that_never_fires_has_no_next_hit() -> None:
    assert schedule_problem("0 0 30 2 *") is None  # parses: 30 is a valid day-of-month
    assert nxt("0 0 30 2 *") is None
    assert nxt("0 0 31 4,6,9,11 *") is None
    assert nxt(", * * * *") is None  # a field of only commas allows no minute


def test_leap_day_fires_within_five_years() -> None:
    assert nxt("0 0 29 2 *", datetime(2001, 1, 1, tzinfo=timezone.utc)) == \
        datetime(2004, 2, 29, tzinfo=timezone.utc)


@pytest.mark.parametrize(("schedule", "why"), [
    ("0 0 * * tue-mon", "beginning of range (2) beyond end of range (1)"),
    ("0 0 * * 7", "above maximum (6)"),
    ("60 * * * *", "above maximum (59)"),
    ("0 0 0 * *", "below minimum (1)"),
    ("*/0 * * * *", "step of range should be a positive number"),
    ("1-2-3 * * * *", "too many hyphens"),
    ("*/2/3 * * * *", "too many slashes"),
    ("@wrongly", "unrecognized descriptor"),
    ("@dailyish", "unrecognized descriptor"),
    ("0 0 * *", "expected exactly 5 fields"),
    ("0 0 0 * * *", "expected exactly 5 fields"),
    ("0 0 * JANUARY *", "failed to parse int"),
    ("0 0 L * *", "failed to parse int"),
    ("0 0 * * 1#2", "failed to parse int"),
    ("", "empty spec"),
])
def test_invalid_schedules(schedule: str, why: str) -> None:
    problem = schedule_problem(schedule)
    assert problem is not None and why in problem


@pytest.mark.parametrize(("schedule", "croniter_valid", "robfig_valid"), [
    ("0 0 * * 7", True, False),  # croniter reads 7 as Sunday; robfig's maximum is 6
    ("0 0 * * tue-mon", True, False),  # croniter wraps a backwards range; robfig refuses it
    ("0 0 L * *", True, False),  # croniter's "last day"; robfig has no L
    ("0 0 * * 1#2", True, False),  # croniter's "second Monday"; robfig has no #
    ("0 0 * * * 0", True, False),  # croniter takes a sixth (seconds) field
])
def test_where_croniter_differs(schedule: str, croniter_valid: bool, robfig_valid: bool) -> None:
    assert bool(croniter.is_valid(schedule)) == croniter_valid
    assert (schedule_problem(schedule) is None) == robfig_valid


def test_every_descriptor() -> None:
    # robfig accepts "@every <duration>" (the NodePool schema's pattern does not).
    assert nxt("@every 1h30m") == T0 + timedelta(hours=1, minutes=30)
    assert nxt("@every 0s") == T0 + timedelta(seconds=1)  # at least one second
    assert schedule_problem("@every soon") is not None


def test_nodepool_validation_uses_the_same_parser() -> None:
    # `apply` validates NodePools with the parser the dry run uses, so both agree on what
    # Karpenter would reject.
    from kubectl_karp.core.validation.rules import budget_issues

    bad = list(budget_issues({"nodes": "1", "schedule": "0 0 * * 7", "duration": "1h"},
                             "spec.disruption.budgets[0]"))
    assert bad and "above maximum (6)" in bad[0][1]
    assert list(budget_issues({"nodes": "1", "schedule": "0 0 30 2 *", "duration": "1h"},
                              "spec.disruption.budgets[0]")) == []
