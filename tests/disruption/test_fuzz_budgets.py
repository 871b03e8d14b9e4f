"""Fuzzing budgets, schedules and durations: every input the NodePool API accepts (and
plenty it does not) gives a plan or an InputError (one ``error:`` line at the CLI), never an
exception from the dry run. Strategies follow the CRD's patterns
(pkg/apis/v1/nodepool.go: nodes ``^((100|[0-9]{1,2})%|[0-9]+)$``, schedule
``^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\\s(.+)\\s(.+)\\s(.+)\\s(.+))$``,
duration ``^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$``) and go past them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_karp.core.disruption.budgets import (
    REASONS,
    UNBOUNDED,
    allowed_disruptions,
    budget_active,
    budget_problem,
    pool_budget,
)
from kubectl_karp.core.disruption.cron import CronError, parse_schedule
from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import Budget, NodePool
from kubectl_karp.model.parse import parse_budgets
from tests.builders.cluster import NOW, Cluster

_TOKENS = ["*", "?", "0", "1", "5", "7", "12", "23", "29", "30", "31", "59", "60", "jan",
           "FEB", "dec", "sun", "MON", "tue", "sat", "L", "W", "#", "-", ",", "/", "*/5", "1-5",
           "tue-mon", "5/15", "*/0", "+3", "-1", "99999999999999999999", "²", ""]
_FIELD = st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=4).map("".join)
_DESCRIPTOR = st.sampled_from(["@annually", "@yearly", "@monthly", "@weekly", "@daily",
                               "@midnight", "@hourly", "@every 1h", "@every 0s", "@wrongly",
                               "@dailyx", "@every", "@"])
_SCHEDULE = st.one_of(
    st.lists(_FIELD, min_size=5, max_size=5).map(" ".join),
    st.lists(_FIELD, min_size=1, max_size=7).map("\t".join),
    _DESCRIPTOR,
    st.text(max_size=30),
)
_API_NODES = st.one_of(st.integers(0, 100).map(lambda n: f"{n}%"),
                       st.integers(0, 10**12).map(str))
_NODES = st.one_of(_API_NODES, st.text(max_size=8),
                   st.sampled_from(["101%", "-1", "1000a%", "%", "+5", "5%%", "٣", "²"]))
_API_DURATION = st.one_of(
    st.builds(lambda n, u: f"{n}{u}", st.integers(0, 10**7), st.sampled_from(["h", "m"])),
    st.builds(lambda h, m: f"{h}h{m}m0s", st.integers(0, 10**6), st.integers(0, 10**6)),
)
_DURATION = st.one_of(_API_DURATION, st.text(max_size=10),
                      st.sampled_from(["99999999999999h", "2562048h", "0", "1.5h", "-1h"]))
_REASONS = st.lists(st.sampled_from([*REASONS, "Expired"]), max_size=3, unique=True)
_INSTANT = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                        timezones=st.just(timezone.utc))


def _budget_doc(draw: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"nodes": draw(_NODES)}
    if draw(st.booleans()):
        doc["reasons"] = draw(_REASONS)
    choice = draw(st.integers(0, 3))
    if choice >= 1:
        doc["schedule"] = draw(_SCHEDULE)
    if choice in (1, 2):
        doc["duration"] = draw(_DURATION)
    if choice == 3 and draw(st.booleans()):
        doc["duration"] = draw(_DURATION)
        del doc["schedule"]
    return doc


budget_docs = st.composite(lambda draw: _budget_doc(draw))()


@settings(max_examples=400, deadline=None)
@given(schedule=_SCHEDULE, instant=_INSTANT)
def test_schedule_parses_or_says_why(schedule: str, instant: datetime) -> None:
    try:
        parsed = parse_schedule(schedule)
    except CronError as err:
        assert str(err)
        return
    hit = parsed.next_after(instant)
    assert hit is None or hit > instant


@settings(max_examples=300, deadline=None)
@given(nodes=_NODES, schedule=st.none() | _SCHEDULE,
       duration=st.none() | st.integers(0, 2**63 // 10**9), reasons=_REASONS,
       num_nodes=st.integers(0, 10_000), instant=_INSTANT)
def test_budget_arithmetic_never_raises(nodes: str, schedule: str | None,
                                        duration: int | None, reasons: list[str],
                                        num_nodes: int, instant: datetime) -> None:
    budget = Budget(nodes=nodes, reasons=tuple(reasons), schedule=schedule,
                    duration_seconds=duration)
    pool = NodePool(name="np", budgets=(budget, Budget(nodes="100%")))
    problem = budget_problem(budget)
    budget_active(budget, instant)
    for reason in REASONS:
        allowed = allowed_disruptions(pool, num_nodes, reason, instant)
        if problem is not None:
            assert allowed == 0  # fail closed, whatever the budget's reasons
        assert allowed <= UNBOUNDED
    state = pool_budget(pool, num_nodes, 0, instant)
    assert (state.problem is not None) == (problem is not None)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(docs=st.lists(budget_docs, min_size=1, max_size=3),
       offset=st.integers(-10**6, 10**6))
def test_parsed_budgets_plan_or_input_error(docs: list[dict[str, Any]], offset: int) -> None:
    try:
        budgets = parse_budgets(docs, "NodePool np.spec.disruption.budgets")
    except InputError as err:
        assert str(err)
        return
    c = Cluster()
    c.pool(budgets=budgets)
    c.node("empty")
    c.node("drifted", "cpu-2", drifted=True)
    c.node("busy")
    c.pod("p", "busy")
    plan = c.plan(NOW + timedelta(minutes=offset))
    assert {n.node for n in plan.nodes} == {"empty", "drifted", "busy"}
