"""Karpenter's word beside ours: per pending pod and per node, does the controller's latest
event say what our preview says?

- A pending pod: Karpenter's newest FailedScheduling or Nominated event against our simulation
  of the same batch. Nominated and we place it: agree; FailedScheduling and we leave it pending
  for one of the codes that message reads as: agree; otherwise disagree.
- A node: the newest DisruptionBlocked / Unconsolidatable event on the node or its NodeClaim
  (and a NodePool's budget event) against our consolidation dry run: blocked for a code the
  message reads as: agree; we would disrupt it, or block it for another reason: disagree.
Messages no row of core.verify.messages reads are shown verbatim as ``unknown``: neither
agreement nor disagreement. Events older than the object (a pod recreated under the same name)
are ignored. Pure: the clock is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from kubectl_karp.core.disruption.plan import ConsolidationPlan
from kubectl_karp.core.explain.result import Explanation
from kubectl_karp.core.reasons import BUDGET_EXHAUSTED
from kubectl_karp.core.releases import KarpenterRules
from kubectl_karp.core.scheduling import SimulationResult
from kubectl_karp.core.verify.messages import (
    INFO,
    NODE_BLOCKED,
    NODE_DISRUPTING,
    POD_FAILED,
    POD_NOMINATED,
    POOL_BLOCKED,
    Statement,
    interpret,
)
from kubectl_karp.model.events import KarpenterEvent
from kubectl_karp.model.snapshot import ClusterSnapshot

AGREE = "agree"
DISAGREE = "disagree"
UNKNOWN = "unknown"  # Karpenter's message is not one we can read
OURS_ONLY = "ours-only"  # Karpenter said nothing comparable

# Our side in one word, for rows without codes.
PLACED = "Placed"
DISRUPTED = "Disrupted"
LEFT_ALONE = "NoAction"

_POD_KINDS = (POD_FAILED, POD_NOMINATED)
_NODE_KINDS = (NODE_BLOCKED, NODE_DISRUPTING)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One object: what we say, what Karpenter last said, and whether they agree."""

    kind: str  # Pod | Node
    name: str  # ns/name for pods
    ours: tuple[str, ...]  # our codes; or (PLACED,) / (DISRUPTED,) / (LEFT_ALONE,)
    ours_text: str
    theirs: Statement | None
    verdict: str  # AGREE | DISAGREE | UNKNOWN | OURS_ONLY
    age_seconds: int | None  # of Karpenter's statement at ``now``
    others: tuple[Statement, ...] = ()  # informational statements about the same object

    @property
    def code(self) -> str:
        """The code the agreement table counts this row under."""
        return self.ours[0] if self.ours else LEFT_ALONE


@dataclass(frozen=True)
class VerifyReport:
    now: datetime
    rules: KarpenterRules
    pods: tuple[Comparison, ...]
    nodes: tuple[Comparison, ...]
    events_read: int
    notes: tuple[str, ...] = ()

    @property
    def rows(self) -> tuple[Comparison, ...]:
        return self.pods + self.nodes

    @property
    def disagreements(self) -> tuple[Comparison, ...]:
        return tuple(c for c in self.rows if c.verdict == DISAGREE)

    def table(self) -> list[tuple[str, int, int, int]]:
        """(code, agree, disagree, unknown) per our code, in code order."""
        counts: dict[str, list[int]] = {}
        for row in self.rows:
            if row.verdict == OURS_ONLY:
                continue
            entry = counts.setdefault(row.code, [0, 0, 0])
            entry[(AGREE, DISAGREE, UNKNOWN).index(row.verdict)] += 1
        return [(code, *values) for code, values in sorted(counts.items())]  # type: ignore[misc]


def _age(event: KarpenterEvent, now: datetime) -> int | None:
    return None if event.time is None else max(0, int((now - event.time).total_seconds()))


def _newest(statements: Iterable[Statement], kinds: tuple[str, ...]) -> Statement | None:
    """The newest statement of one of ``kinds``; an unreadable one counts too (verbatim)."""
    for statement in statements:  # newest first
        if statement.kind in kinds or not statement.known:
            return statement
    return None


def _statements(snapshot: ClusterSnapshot, rules: KarpenterRules, kind: str, key: str,
                since: datetime | None) -> list[Statement]:
    events = snapshot.events_by_object.get((kind, key), [])
    return [interpret(e, rules) for e in events
            if since is None or e.time is None or e.time >= since]


@dataclass(frozen=True, slots=True)
class PodAnswer:
    """Our answer for one pod: stays pending for these codes, or placed (where)."""

    pending: bool
    codes: tuple[str, ...]
    text: str


def answers_from_simulation(result: SimulationResult) -> dict[str, PodAnswer]:
    answers = {}
    for failure in result.unschedulable:
        codes = tuple(dict.fromkeys(reason.code for reason in failure.reasons))
        answers[failure.pod] = PodAnswer(True, codes, "stays pending: " + ", ".join(codes))
    for key, placement in result.placements.items():
        where = placement.existing_node
        answers.setdefault(key, PodAnswer(False, (PLACED,), f"placed on {where}" if where
                                          else "placed on a new NodeClaim"))
    return answers


def answers_from_explanation(explanation: Explanation) -> dict[str, PodAnswer]:
    answers = {}
    for p in explanation.pods:
        if p.not_considered:
            continue
        if p.verdict.schedulable:
            where = p.verdict.existing_node
            answer = PodAnswer(False, (PLACED,), f"placed on {where}" if where else
                               f"placed on a new NodeClaim from NodePool {p.verdict.node_pool}")
        else:
            codes = tuple(dict.fromkeys(
                [r.code for r in p.reasons]
                + [r.code for pool in p.node_pools for r in pool.reasons]
                + [g.code for g in p.existing_nodes]))
            answer = PodAnswer(True, codes, "stays pending: " + ", ".join(codes))
        for key in p.pods:
            answers[key] = answer
    return answers


def compare_pods(snapshot: ClusterSnapshot, answers: Mapping[str, PodAnswer],
                 rules: KarpenterRules, now: datetime) -> tuple[Comparison, ...]:
    """Every pending pod we have an answer for, beside Karpenter's newest word on it."""
    rows = []
    for pod in snapshot.pending_pods:
        answer = answers.get(pod.key)
        if answer is None:
            continue  # not part of the simulated batch (gated, another scheduler…)
        statements = _statements(snapshot, rules, "Pod", pod.key, pod.creation_timestamp)
        theirs = _newest(statements, _POD_KINDS)
        others = tuple(s for s in statements if s is not theirs and s.kind == INFO)
        rows.append(Comparison("Pod", pod.key, answer.codes, answer.text, theirs,
                               _verdict(theirs, POD_NOMINATED, not answer.pending, answer.codes),
                               _age(theirs.event, now) if theirs else None, others))
    return tuple(rows)


def _verdict(theirs: Statement | None, acting_kind: str, acted: bool,
             ours: tuple[str, ...]) -> str:
    """How Karpenter's newest statement about an object compares with our answer: it either
    says it acted (``acting_kind``: a pod nominated, a node disrupted) — we agree when we
    act too — or gives a reason for not acting, which we agree with when we do not act
    for a reason with the same code."""
    if theirs is None:
        return OURS_ONLY
    if not theirs.known:
        return UNKNOWN
    if theirs.kind == acting_kind:
        return AGREE if acted else DISAGREE
    if acted:
        return DISAGREE
    if not theirs.codes:  # recognised, but we have no code for it (DRA, CSI limits)
        return UNKNOWN
    return AGREE if theirs.codes & set(ours) else DISAGREE


def compare_nodes(snapshot: ClusterSnapshot, plan: ConsolidationPlan, rules: KarpenterRules,
                  now: datetime) -> tuple[Comparison, ...]:
    rows = []
    oldest = datetime.min.replace(tzinfo=now.tzinfo)
    for report in plan.nodes:
        node = snapshot.node_by_name.get(report.node)
        claim = snapshot.node_claim_for(node) if node is not None else None
        since = node.creation_timestamp if node is not None else None
        statements = _statements(snapshot, rules, "Node", report.node, since)
        if claim is not None:
            statements += _statements(snapshot, rules, "NodeClaim", claim.name, since)
        statements.sort(key=lambda s: s.event.time or oldest, reverse=True)
        action = plan.actions[report.action] if report.action is not None else None
        if action is not None:
            ours: tuple[str, ...] = (DISRUPTED,)
            ours_text = f"{action.type} ({action.method})"
        else:
            ours = tuple(dict.fromkeys(reason.code for reason in report.blocks)) or (LEFT_ALONE,)
            ours_text = "left alone: " + ", ".join(ours)
        theirs = _newest(statements, _NODE_KINDS)
        verdict = _verdict(theirs, NODE_DISRUPTING, action is not None, ours)
        if theirs is None and report.node_pool:
            # Only the NodePool spoke: its budget statement is about one disruption reason
            # (or all); it speaks to this node only where we also decide on that reason.
            pool = [s for s in _statements(snapshot, rules, "NodePool", report.node_pool, None)
                    if s.kind == POOL_BLOCKED]
            pool.sort(key=lambda s: s.event.time or oldest, reverse=True)
            if pool:
                theirs = pool[0]
                verdict = _pool_verdict(theirs, action.reason if action else None, ours)
        others = tuple(s for s in statements if s is not theirs and s.kind == INFO)
        rows.append(Comparison("Node", report.node, ours, ours_text, theirs, verdict,
                               _age(theirs.event, now) if theirs else None, others))
    return tuple(rows)


_BUDGET_REASON = re.compile(r"for disruption reason (\w+)")


def _pool_verdict(theirs: Statement, disrupted_for: str | None, ours: tuple[str, ...]) -> str:
    found = _BUDGET_REASON.search(theirs.event.message)
    reason = found.group(1) if found else None  # None: no disruption for any reason
    if disrupted_for is not None:
        return DISAGREE if reason is None or reason == disrupted_for else OURS_ONLY
    return AGREE if BUDGET_EXHAUSTED in ours else OURS_ONLY


def verify(snapshot: ClusterSnapshot, result: SimulationResult, plan: ConsolidationPlan,
           rules: KarpenterRules, now: datetime) -> VerifyReport:
    """Compare the whole cluster: every pending pod of the batch and every node of the plan."""
    notes = []
    if not snapshot.events:
        notes.append("no Karpenter events in the input (none recorded lately, events not "
                     "readable, or a snapshot saved without them): nothing to compare")
    pods = compare_pods(snapshot, answers_from_simulation(result), rules, now)
    nodes = compare_nodes(snapshot, plan, rules, now)
    other = sorted({c.theirs.other_release for c in (*pods, *nodes)
                    if c.theirs is not None and c.theirs.other_release})
    if other:
        notes.append(f"some Karpenter messages use the wording of {', '.join(other)}, not "
                     f"{rules.label}: the cluster may run another release than the rules "
                     "assume (see --karpenter-version)")
    return VerifyReport(now=now, rules=rules, pods=pods, nodes=nodes,
                        events_read=len(snapshot.events), notes=tuple(notes))
