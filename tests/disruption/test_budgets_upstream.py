"""Budget arithmetic ported from upstream pkg/apis/v1/nodepool_budgets_test.go (Describe
"Budgets"), in our own words. Each test names the It(...) it follows."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from kubectl_karp.core.disruption.budgets import (
    REASONS,
    UNBOUNDED,
    allowed_disruptions,
    budget_active,
    budget_allows,
    budget_problem,
)
from kubectl_karp.model.objects import Budget, NodePool

# upstream BeforeEach: the middle of the year 2000 (a Thursday)
T0 = datetime(2000, 6, 15, 12, 30, 30, tzinfo=timezone.utc)
HOUR = 3600


def _budgets() -> list[Budget]:
    every_minute = {"schedule": "* * * * *", "duration_seconds": HOUR}
    return [
        Budget(nodes="10", **every_minute),
        Budget(nodes="100", **every_minute),
        Budget(nodes="100%", **every_minute),
        Budget(nodes="15", reasons=("Drifted", "Underutilized"), **every_minute),
        Budget(nodes="5", reasons=("Drifted",), **every_minute),
        Budget(nodes="0", reasons=("Underutilized", "Drifted", "Empty"), schedule="@weekly",
               duration_seconds=HOUR),
    ]


def _pool(budgets: list[Budget]) -> NodePool:
    return NodePool(name="np", budgets=tuple(budgets))


def test_zero_for_all_reasons_when_a_budget_for_all_reasons_is_active() -> None:
    # It("should return 0 for all reasons if a budget is active for all reasons")
    budgets = _budgets()
    budgets[5] = replace(budgets[5], schedule="* * * * *")
    for reason in REASONS:
        assert allowed_disruptions(_pool(budgets), 100, reason, T0) == 0


def test_unbounded_for_all_reasons_when_no_budget_is_active() -> None:
    # It("should return MaxInt32 for all reasons when there are no active budgets")
    budgets = [replace(b, schedule="@yearly", duration_seconds=HOUR) for b in _budgets()]
    for reason in REASONS:
        assert allowed_disruptions(_pool(budgets), 100, reason, T0) == UNBOUNDED


def test_inactive_reason_budgets_are_ignored() -> None:
    # It("should ignore reason-defined budgets when inactive")
    budgets = _budgets()
    budgets[3] = replace(budgets[3], schedule="@yearly")
    budgets[4] = replace(budgets[4], schedule="@yearly")
    for reason in REASONS:
        assert allowed_disruptions(_pool(budgets), 100, reason, T0) == 10


def test_a_budget_without_reasons_applies_to_every_reason() -> None:
    # It("should return the budget for all disruption reasons when undefined")
    pool = _pool(_budgets()[:1])
    for reason in REASONS:
        assert allowed_disruptions(pool, 100, reason, T0) == 10


def test_minimum_budget_per_reason() -> None:
    # It("should get the minimum budget for each reason")
    budgets = [*_budgets(), Budget(nodes="4", reasons=("Empty",), schedule="* * * * *",
                                   duration_seconds=HOUR)]
    pool = _pool(budgets)
    assert allowed_disruptions(pool, 100, "Empty", T0) == 4
    assert allowed_disruptions(pool, 100, "Drifted", T0) == 5
    assert allowed_disruptions(pool, 100, "Underutilized", T0) == 10


def test_invalid_schedule_allows_zero() -> None:
    # It("should return zero values if a schedule is invalid")
    budget = replace(_budgets()[0], schedule="@wrongly")
    assert budget_problem(budget) is not None
    assert budget_allows(budget, 100, T0) == 0


def test_invalid_nodes_allows_zero() -> None:
    # It("should return zero values if a nodes value is invalid")
    budget = replace(_budgets()[0], nodes="1000a%")
    assert budget_problem(budget) is not None
    assert budget_allows(budget, 100, T0) == 0


def test_inactive_budget_is_unbounded() -> None:
    # It("should return MaxInt32 when a budget is inactive")
    budget = replace(_budgets()[0], schedule="@yearly")
    assert budget_allows(budget, 100, T0) == UNBOUNDED


def test_active_count_budget() -> None:
    # It("should return the int value when a budget is active")
    assert budget_allows(_budgets()[0], 100, T0) == 10


def test_active_percentage_budget() -> None:
    # It("should return the string value when a budget is active")
    assert budget_allows(_budgets()[2], 100, T0) == 100


def test_schedules_are_read_in_utc() -> None:
    # It("should always consider a schedule and time in UTC"): midnight of 31 May in a
    # zone one hour ahead of UTC is 23:00 UTC, outside a 30-minute @daily window.
    clock = datetime(2000, 5, 31, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    budget = Budget(nodes="10", schedule="@daily", duration_seconds=30 * 60)
    assert not budget_active(budget, clock)


def test_no_schedule_is_always_active() -> None:
    # It("should return that a schedule is active when schedule and duration are nil")
    assert budget_active(Budget(nodes="10"), T0)


def test_schedule_active() -> None:
    # It("should return that a schedule is active")
    assert budget_active(_budgets()[0], T0)


def test_schedule_inactive() -> None:
    # It("should return that a schedule is inactive")
    assert not budget_active(replace(_budgets()[0], schedule="@yearly"), T0)


def test_hit_in_the_middle_of_the_duration() -> None:
    # It("should return that a schedule is active when the schedule hit is in the middle of
    # the duration"): noon on 1 January of the year 1000, @yearly for 24h.
    budget = Budget(nodes="10", schedule="@yearly", duration_seconds=24 * HOUR)
    assert budget_active(budget, datetime(1000, 1, 1, 12, tzinfo=timezone.utc))


def test_duration_longer_than_the_recurrence() -> None:
    # It("should return that a schedule is active when the duration is longer than the
    # recurrence")
    budget = Budget(nodes="10", schedule="@daily", duration_seconds=48 * HOUR)
    assert budget_active(budget, datetime(2024, 1, 7, tzinfo=timezone.utc))


def test_hit_after_the_instant() -> None:
    # It("should return that a schedule is inactive when the schedule hit is after the
    # duration")
    budget = Budget(nodes="10", schedule="30 6 * * SUN", duration_seconds=6 * HOUR)
    assert not budget_active(budget, datetime(2024, 1, 7, tzinfo=timezone.utc))


def test_backwards_range_is_an_error_naming_the_range() -> None:
    # It("should return an error indicating why the cron fails to parse")
    budget = Budget(nodes="10", schedule="0 0 * * tue-mon", duration_seconds=6 * HOUR)
    problem = budget_problem(budget)
    assert problem is not None
    assert "beginning of range (2) beyond end of range (1)" in problem


# ---------------------------------------------------------------- beyond upstream's own cases

def test_one_invalid_budget_closes_the_pool_for_every_reason() -> None:
    # GetAllowedDisruptionsByReason collects the error of every budget, whatever its reasons,
    # and MustGetAllowedDisruptions turns any error into 0.
    pool = _pool([Budget(nodes="100%"),
                  Budget(nodes="5", reasons=("Drifted",), schedule="0 0 * * tue-mon",
                         duration_seconds=HOUR)])
    for reason in REASONS:
        assert allowed_disruptions(pool, 100, reason, T0) == 0


def test_a_schedule_that_never_fires_counts_as_active() -> None:
    # robfig's Next gives the zero time when nothing fires within five years; the zero time
    # is not after now, so IsActive reports the budget active.
    budget = Budget(nodes="2", schedule="0 0 30 2 *", duration_seconds=HOUR)
    assert budget_active(budget, T0)
    assert budget_allows(budget, 100, T0) == 2


def test_window_is_half_open() -> None:
    # The hit itself is inside; hit + duration is outside.
    budget = Budget(nodes="0", schedule="0 9 * * *", duration_seconds=HOUR)
    nine = datetime(2000, 6, 15, 9, tzinfo=timezone.utc)
    assert budget_active(budget, nine)
    assert budget_active(budget, nine + timedelta(minutes=59, seconds=59))
    assert not budget_active(budget, nine + timedelta(hours=1))


def test_counts_wrap_like_int32() -> None:
    # intstr.FromInt keeps 32 bits: a huge count wraps (the schema lets any digits through).
    assert budget_allows(Budget(nodes=str(2**32 + 3)), 10, T0) == 3
