"""NodePool disruption budgets: how many nodes each disruption reason may take down now.

Pure functions of (NodePool, node counts, clock), as upstream (apis/v1/nodepool.go
GetAllowedDisruptionsByReason, Budget.GetAllowedDisruptions, Budget.IsActive): a budget
without a schedule is always active; one with ``schedule`` (robfig/cron, UTC, see cron.py) +
``duration`` is active when the schedule's next hit after ``now - duration`` is not after
``now`` — so a schedule that never fires (30 February) counts as always active. ``nodes`` is
a count or a percentage of the pool's initialised nodes, rounded up. Of the active budgets
that apply to a reason the smallest wins; nodes already disrupting are subtracted. When any
budget of a NodePool is invalid (schedule robfig rejects, malformed ``nodes``) the NodePool
allows zero disruptions for every reason: upstream's MustGetAllowedDisruptions fails closed
on the error any budget returns, whatever reasons that budget lists.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kubectl_karp.core.disruption.cron import CronError, CronSchedule, parse_schedule
from kubectl_karp.model.objects import Budget, NodePool
from kubectl_karp.model.requirements import go_atoi

REASON_EMPTY = "Empty"
REASON_DRIFTED = "Drifted"
REASON_UNDERUTILIZED = "Underutilized"
REASONS = (REASON_EMPTY, REASON_DRIFTED, REASON_UNDERUTILIZED)

UNBOUNDED = 2**31 - 1  # what an inactive budget allows (math.MaxInt32 upstream)
# How far ahead "when does the budget next open" looks: cron windows repeat at most yearly.
_HORIZON = timedelta(days=366)
_MAX_EVENTS = 2000


def _atoi(text: str) -> int:
    value = go_atoi(text)
    if value is None:
        raise ValueError(f"{text!r} is not a whole number")
    return value


def _int32(value: int) -> int:
    # intstr.FromInt keeps an int32: larger counts wrap as Go's conversion does.
    return (value + 2**31) % 2**32 - 2**31


def scaled_nodes(nodes: str, num_nodes: int) -> int:
    """``nodes`` as upstream scales it (GetIntStrFromValue + GetScaledValueFromIntOrPercent,
    rounding up); ValueError when it is neither a count nor a percentage."""
    try:
        return _int32(_atoi(nodes))
    except ValueError:
        pass
    if not nodes.endswith("%"):
        raise ValueError(f"nodes {nodes!r} is neither a count nor a percentage")
    try:
        percent = _atoi(nodes[:-1])
    except ValueError:
        raise ValueError(f"nodes {nodes!r} is not a valid percentage") from None
    return math.ceil(float(percent) * float(num_nodes) / 100)


def _schedule(budget: Budget) -> CronSchedule | None:
    """The parsed schedule (None when the budget has none); CronError when invalid."""
    if budget.schedule is None:
        if budget.duration_seconds is not None:
            # upstream parses "TZ=UTC " + "" then, which fails
            raise CronError("a duration without a schedule")
        return None
    return parse_schedule(budget.schedule)


def budget_problem(budget: Budget) -> str | None:
    """Why Karpenter would find this budget invalid (and fail closed), or None."""
    try:
        _schedule(budget)
    except CronError as err:
        return f"schedule {budget.schedule!r} is not a valid cron expression: {err}"
    try:
        scaled_nodes(budget.nodes, 0)
    except ValueError as err:
        return str(err)
    return None


def pool_budget_problem(pool: NodePool) -> tuple[Budget, str] | None:
    """The first invalid budget of ``pool`` and why: it closes the pool for every reason."""
    for budget in pool.budgets:
        problem = budget_problem(budget)
        if problem is not None:
            return budget, problem
    return None


def _window_start(budget: Budget, now: datetime) -> datetime:
    """``now - duration``: where upstream starts looking for the hit that opened the window."""
    try:
        return now - timedelta(seconds=budget.duration_seconds or 0)
    except OverflowError:  # a window reaching back before year 1 covers all of history
        return datetime.min.replace(tzinfo=now.tzinfo)


def budget_active(budget: Budget, now: datetime) -> bool:
    """Whether the budget's window covers ``now`` (an invalid budget counts as active).

    Walks back ``duration`` and asks for the next cron hit: if it is not after ``now`` a
    window opened within the last ``duration`` and is still running. A schedule that never
    fires has no next hit — robfig returns the zero time, which is not after ``now``.
    """
    try:
        schedule = _schedule(budget)
    except CronError:
        return True
    if schedule is None:
        return True
    nxt = schedule.next_after(_window_start(budget, now))
    return nxt is None or nxt <= now


def budget_allows(budget: Budget, num_nodes: int, now: datetime) -> int:
    """Disruptions this budget alone allows at ``now`` (UNBOUNDED when inactive, 0 when
    invalid)."""
    if budget_problem(budget) is not None:
        return 0
    if not budget_active(budget, now):
        return UNBOUNDED
    return scaled_nodes(budget.nodes, num_nodes)


def applies_to(budget: Budget, reason: str) -> bool:
    return not budget.reasons or reason in budget.reasons


def allowed_disruptions(pool: NodePool, num_nodes: int, reason: str, now: datetime) -> int:
    """The most restrictive active budget for ``reason`` (before subtracting disrupting nodes);
    0 for every reason when any budget of the pool is invalid."""
    if pool_budget_problem(pool) is not None:
        return 0
    allowed = UNBOUNDED
    for budget in pool.budgets:
        if applies_to(budget, reason):
            allowed = min(allowed, budget_allows(budget, num_nodes, now))
    return allowed


def limiting_budget(pool: NodePool, num_nodes: int, reason: str, now: datetime
                    ) -> Budget | None:
    """The budget that sets the limit for ``reason`` now (None when nothing limits); the
    invalid budget when one closes the pool."""
    broken = pool_budget_problem(pool)
    if broken is not None:
        return broken[0]
    best: Budget | None = None
    best_value = UNBOUNDED
    for budget in pool.budgets:
        if applies_to(budget, reason):
            value = budget_allows(budget, num_nodes, now)
            if value < best_value:
                best, best_value = budget, value
    return best


def _events(budgets: Iterable[Budget], now: datetime) -> list[datetime]:
    """Instants after ``now`` (within the horizon) at which some budget window opens or closes."""
    try:
        end = now + _HORIZON
    except OverflowError:
        return []
    events: set[datetime] = set()
    for budget in budgets:
        if budget_problem(budget) is not None or budget.schedule is None:
            continue
        schedule = parse_schedule(budget.schedule)
        duration = timedelta(seconds=budget.duration_seconds or 0)
        # Windows that started up to ``duration`` ago close after now; walk from there.
        hit: datetime | None = _window_start(budget, now)
        try:
            for _ in range(_MAX_EVENTS):
                assert hit is not None
                hit = schedule.next_after(hit)
                if hit is None or hit > end:
                    break
                for instant in (hit, hit + duration):
                    if now < instant <= end:
                        events.add(instant)
        except OverflowError:
            pass  # windows that would end past year 9999 add nothing we can show
    return sorted(events)


def next_open(pool: NodePool, num_nodes: int, disrupting: int, reasons: Sequence[str],
              now: datetime) -> datetime | None:
    """The first instant after ``now`` at which every reason in ``reasons`` allows a disruption.

    ``None`` when that does not happen within a year (e.g. a permanent ``nodes: "0"``).
    Assumes the node count and the nodes already disrupting stay as they are.
    """
    for instant in _events(pool.budgets, now):
        if all(allowed_disruptions(pool, num_nodes, r, instant) - disrupting > 0
               for r in reasons):
            return instant
    return None


@dataclass(frozen=True, slots=True)
class PoolBudget:
    """One NodePool's budget state at the evaluated instant."""

    node_pool: str
    nodes: int  # initialised Karpenter nodes of the pool (the base for percentages)
    disrupting: int  # of those, already disrupting (deleting or NotReady)
    allowed_by_reason: tuple[tuple[str, int], ...]  # after subtracting ``disrupting``
    next_open: datetime | None  # when closed for some reason: when all reasons reopen
    active_budgets: tuple[Budget, ...]
    problem: str | None = None  # an invalid budget closes the pool for every reason

    def allowed(self, reason: str) -> int:
        return dict(self.allowed_by_reason).get(reason, 0)

    @property
    def allowed_min(self) -> int:
        return min(n for _, n in self.allowed_by_reason)


def pool_budget(pool: NodePool, num_nodes: int, disrupting: int, now: datetime) -> PoolBudget:
    by_reason = tuple(
        (r, max(0, allowed_disruptions(pool, num_nodes, r, now) - disrupting)) for r in REASONS)
    closed = [r for r, n in by_reason if n == 0]
    broken = pool_budget_problem(pool)
    return PoolBudget(
        node_pool=pool.name, nodes=num_nodes, disrupting=disrupting,
        allowed_by_reason=by_reason,
        next_open=next_open(pool, num_nodes, disrupting, closed, now) if closed else None,
        active_budgets=tuple(b for b in pool.budgets if budget_active(b, now)),
        problem=None if broken is None else broken[1])
