"""Budget arithmetic: counts, percentages rounded up, cron windows in UTC, reasons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kubectl_karp.core.disruption.budgets import (
    UNBOUNDED,
    allowed_disruptions,
    budget_active,
    budget_allows,
    next_open,
    pool_budget,
)
from kubectl_karp.model.objects import Budget, NodePool

MON_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
HOURS = 3600


@pytest.mark.parametrize(("nodes", "count", "expected"), [
    ("10%", 0, 0), ("10%", 1, 1), ("10%", 10, 1), ("10%", 11, 2), ("50%", 3, 2),
    ("100%", 7, 7), ("0%", 9, 0), ("3", 1, 3), ("0", 5, 0),
])
def test_counts_and_percentages(nodes: str, count: int, expected: int) -> None:
    assert budget_allows(Budget(nodes=nodes), count, MON_NOON) == expected


def test_window_active_inside_and_inactive_outside() -> None:
    weekdays = Budget(nodes="0", schedule="0 9 * * 1-5", duration_seconds=8 * HOURS)
    assert budget_active(weekdays, MON_NOON)
    assert budget_active(weekdays, MON_NOON.replace(hour=9))  # the hit itself is inside
    assert not budget_active(weekdays, MON_NOON.replace(hour=17))  # the end is outside
    assert not budget_active(weekdays, MON_NOON.replace(hour=8, minute=59))
    assert not budget_active(weekdays, MON_NOON - timedelta(days=1))  # Sunday
    assert budget_allows(weekdays, 10, MON_NOON.replace(hour=20)) == UNBOUNDED


def test_window_crossing_midnight() -> None:
    nightly = Budget(nodes="0", schedule="0 22 * * *", duration_seconds=4 * HOURS)
    assert budget_active(nightly, MON_NOON.replace(hour=23))
    assert budget_active(nightly, MON_NOON.replace(hour=1) + timedelta(days=1))
    assert not budget_active(nightly, MON_NOON.replace(hour=2) + timedelta(days=1))


def test_cron_macros_are_understood() -> None:
    daily = Budget(nodes="0", schedule="@daily", duration_seconds=HOURS)
    assert budget_active(daily, MON_NOON.replace(hour=0, minute=30))
    assert not budget_active(daily, MON_NOON)


def test_most_restrictive_active_budget_wins_per_reason() -> None:
    pool = NodePool(name="p", budgets=(
        Budget(nodes="50%"), Budget(nodes="1", reasons=("Underutilized",)),
        Budget(nodes="0", reasons=("Drifted",), schedule="0 9 * * *",
               duration_seconds=8 * HOURS)))
    assert allowed_disruptions(pool, 10, "Empty", MON_NOON) == 5
    assert allowed_disruptions(pool, 10, "Underutilized", MON_NOON) == 1
    assert allowed_disruptions(pool, 10, "Drifted", MON_NOON) == 0
    assert allowed_disruptions(pool, 10, "Drifted", MON_NOON.replace(hour=18)) == 5


def test_invalid_schedule_fails_closed() -> None:
    pool = NodePool(name="p", budgets=(Budget(nodes="100%", schedule="not a cron",
                                              duration_seconds=HOURS),))
    assert allowed_disruptions(pool, 10, "Empty", MON_NOON) == 0


def test_disrupting_nodes_are_subtracted_and_next_open_is_the_window_end() -> None:
    pool = NodePool(name="p", budgets=(
        Budget(nodes="2"), Budget(nodes="0", schedule="0 9 * * 1-5",
                                  duration_seconds=8 * HOURS)))
    state = pool_budget(pool, 10, 1, MON_NOON)
    assert state.allowed_min == 0
    assert state.next_open == MON_NOON.replace(hour=17)
    later = pool_budget(pool, 10, 1, MON_NOON.replace(hour=18))
    assert later.allowed_min == 1 and later.next_open is None
    full = pool_budget(pool, 10, 2, MON_NOON.replace(hour=18))
    assert full.allowed_min == 0 and full.next_open is None  # used up, not a window


def test_next_open_skips_the_weekend() -> None:
    # Open only in a Saturday maintenance window.
    pool = NodePool(name="p", budgets=(
        Budget(nodes="0"), ))
    assert next_open(pool, 5, 0, ["Empty"], MON_NOON) is None
    window = NodePool(name="w", budgets=(
        Budget(nodes="0", schedule="0 0 * * 1-5", duration_seconds=24 * HOURS),))
    friday = MON_NOON + timedelta(days=4)
    assert next_open(window, 5, 0, ["Empty"], friday) == \
        friday.replace(hour=0) + timedelta(days=1)


def test_a_schedule_that_never_fires_is_always_active() -> None:
    # upstream: apis/v1/nodepool.go Budget.IsActive — robfig/cron's Next answers the zero
    # time for February 31st, which is not after now, so the budget is active (and blocks).
    never = Budget(nodes="0", schedule="0 0 31 2 *", duration_seconds=HOURS)
    assert budget_active(never, MON_NOON)
    pool = NodePool(name="p", budgets=(never,))
    assert allowed_disruptions(pool, 10, "Empty", MON_NOON) == 0
    assert next_open(pool, 10, 0, ("Empty",), MON_NOON) is None
