"""NodePool disruption budgets: how many nodes each disruption reason may take down now.

Pure functions of (NodePool, node counts, clock), as upstream: a budget without a schedule is
always active; one with ``schedule`` (cron, UTC) + ``duration`` is active from each cron hit
for ``duration``. ``nodes`` is a count or a percentage of the pool's initialised nodes,
rounded up. Of the active budgets that apply to a reason the smallest wins; nodes already
disrupting are subtracted. An invalid schedule fails closed (0 allowed), like Karpenter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import croniter

from kubectl_karp.model.objects import Budget, NodePool

REASON_EMPTY = "Empty"
REASON_DRIFTED = "Drifted"
REASON_UNDERUTILIZED = "Underutilized"
REASONS = (REASON_EMPTY, REASON_DRIFTED, REASON_UNDERUTILIZED)

UNBOUNDED = 2**31 - 1  # what an inactive budget allows (math.MaxInt32 upstream)
# How far ahead "when does the budget next open" looks: cron windows repeat at most yearly.
_HORIZON = timedelta(days=366)
_MAX_EVENTS = 2000


def _cron(schedule: str, start: datetime) -> croniter:
    return croniter(schedule, start)


def _next_hit(schedule: str, start: datetime) -> datetime | None:
    """The first cron hit after ``start``; None for a schedule that never fires (Feb 31),
    where robfig/cron's Next answers the zero time."""
    from croniter import CroniterBadDateError

    try:
        hit: datetime = _cron(schedule, start).get_next(datetime)
    except CroniterBadDateError:
        return None
    return hit


def schedule_valid(schedule: str) -> bool:
    try:
        return bool(croniter.is_valid(schedule))
    except Exception:
        return False


def budget_active(budget: Budget, now: datetime) -> bool:
    """Whether the budget's window covers ``now``.

    Walks back ``duration`` and asks for the next cron hit: if it is not after ``now`` a
    window opened within the last ``duration`` and is still running.
    """
    if budget.schedule is None:
        return True
    if not schedule_valid(budget.schedule):
        return True  # invalid budgets are active and allow 0 (see budget_allows)
    start = now - timedelta(seconds=budget.duration_seconds or 0)
    nxt = _next_hit(budget.schedule, start)
    # upstream: apis/v1/nodepool.go Budget.IsActive — !Next(checkPoint).After(now); a
    # schedule that never fires yields the zero time, so the budget counts as active.
    return nxt is None or nxt <= now


def budget_allows(budget: Budget, num_nodes: int, now: datetime) -> int:
    """Disruptions this budget alone allows at ``now`` (UNBOUNDED when inactive)."""
    if budget.schedule is not None and not schedule_valid(budget.schedule):
        return 0
    if not budget_active(budget, now):
        return UNBOUNDED
    nodes = budget.nodes.strip()
    if nodes.endswith("%"):
        return math.ceil(int(nodes[:-1]) * num_nodes / 100)
    return int(nodes)


def applies_to(budget: Budget, reason: str) -> bool:
    return not budget.reasons or reason in budget.reasons


def allowed_disruptions(pool: NodePool, num_nodes: int, reason: str, now: datetime) -> int:
    """The most restrictive active budget for ``reason`` (before subtracting disrupting nodes)."""
    allowed = UNBOUNDED
    for budget in pool.budgets:
        if applies_to(budget, reason):
            allowed = min(allowed, budget_allows(budget, num_nodes, now))
    return allowed


def limiting_budget(pool: NodePool, num_nodes: int, reason: str, now: datetime
                    ) -> Budget | None:
    """The budget that sets the limit for ``reason`` now (None when nothing limits)."""
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
    end = now + _HORIZON
    events: set[datetime] = set()
    for budget in budgets:
        if budget.schedule is None or not schedule_valid(budget.schedule):
            continue
        duration = timedelta(seconds=budget.duration_seconds or 0)
        # Windows that started up to ``duration`` ago close after now; walk from there.
        if _next_hit(budget.schedule, now - duration) is None:
            continue  # never fires: always active, it opens and closes nothing
        it = _cron(budget.schedule, now - duration)
        for _ in range(_MAX_EVENTS):
            hit: datetime = it.get_next(datetime)
            if hit > end:
                break
            for instant in (hit, hit + duration):
                if now < instant <= end:
                    events.add(instant)
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

    def allowed(self, reason: str) -> int:
        return dict(self.allowed_by_reason).get(reason, 0)

    @property
    def allowed_min(self) -> int:
        return min(n for _, n in self.allowed_by_reason)


def pool_budget(pool: NodePool, num_nodes: int, disrupting: int, now: datetime) -> PoolBudget:
    by_reason = tuple(
        (r, max(0, allowed_disruptions(pool, num_nodes, r, now) - disrupting)) for r in REASONS)
    closed = [r for r, n in by_reason if n == 0]
    return PoolBudget(
        node_pool=pool.name, nodes=num_nodes, disrupting=disrupting,
        allowed_by_reason=by_reason,
        next_open=next_open(pool, num_nodes, disrupting, closed, now) if closed else None,
        active_budgets=tuple(b for b in pool.budgets if budget_active(b, now)))
