"""Karpenter's event messages, read back into this tool's reason and block codes.

Each row says which upstream string it reads (file and function, at the tags where it
exists), what the statement means (a pod failed to schedule, a pod was nominated, a node's
disruption is blocked, a node is being disrupted, an informational note) and which of our codes
say the same thing. Where the wording exists only in some releases, the row names the rule of
core.releases that brought it (``since``) or replaced it (``until``). A message no row reads is
kept verbatim (``Statement.known`` is False) and never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubectl_karp.core import reasons as r
from kubectl_karp.core import releases
from kubectl_karp.core.releases import KarpenterRules
from kubectl_karp.model.events import KarpenterEvent

# What a statement is about.
POD_FAILED = "pod-failed"  # FailedScheduling: Karpenter could not place the pod
POD_NOMINATED = "pod-nominated"  # Nominated: Karpenter placed it (node or NodeClaim)
NODE_BLOCKED = "node-blocked"  # DisruptionBlocked / Unconsolidatable: left alone
NODE_DISRUPTING = "node-disrupting"  # DisruptionTerminating: being removed
POOL_BLOCKED = "nodepool-blocked"  # a NodePool's budget allows no disruption
INFO = "info"  # launches, candidates, grace periods: shown, not compared


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One upstream message form."""

    kind: str  # statement kind (above)
    pattern: re.Pattern[str]
    codes: frozenset[str]  # our codes that say the same (empty: no equivalent)
    summary: str  # short words for the statement
    upstream: str  # where the string is built
    reasons: frozenset[str] = frozenset()  # event reasons it comes with (empty: any)
    since: str | None = None  # a core.releases rule that brought this wording
    until: str | None = None  # a core.releases rule that replaced it


def _row(kind: str, pattern: str, codes: tuple[str, ...], summary: str, upstream: str, *,
         reasons: tuple[str, ...] = (), since: str | None = None,
         until: str | None = None) -> MessageRow:
    return MessageRow(kind, re.compile(pattern, re.IGNORECASE), frozenset(codes), summary,
                      upstream, frozenset(reasons), since, until)


_FITS = (r.NO_INSTANCE_TYPE_FITS, r.INSUFFICIENT_RESOURCE)
_REQS = (r.INCOMPATIBLE_REQUIREMENT, r.NODE_SELECTOR_MISMATCH, r.NO_INSTANCE_TYPE_FITS)
_SCHED = "scheduling/nodeclaim.go InstanceTypeFilterError.Error"

# Parts of a "Failed to schedule pod, …" message; several NodePools' errors are joined by "; ".
POD_PARTS: tuple[MessageRow, ...] = (
    _row(POD_FAILED, r"did not tolerate taint", (r.UNTOLERATED_TAINT,), "untolerated taint",
         "scheduling/taints.go Taints.ToleratesPod"),
    _row(POD_FAILED, r"incompatible volume requirements", (r.VOLUME_ZONE_CONFLICT,),
         "volume topology", "scheduling/nodeclaim.go CanAdd"),
    _row(POD_FAILED, r"incompatible requirements|does not have known values", _REQS,
         "incompatible requirements", "scheduling/requirements.go Compatible"),
    _row(POD_FAILED, r"node limits have been exhausted for nodepool",
         (r.NODEPOOL_LIMIT_EXCEEDED,), "limits.nodes reached",
         "scheduling/scheduler.go addToNewNodeClaim", since=releases.LIMITS_NODES),
    _row(POD_FAILED, r"all available instance types exceed limits for nodepool",
         (r.NODEPOOL_LIMIT_EXCEEDED,), "NodePool limits reached",
         "scheduling/scheduler.go addToNewNodeClaim"),
    _row(POD_FAILED, r"unsatisfiable topology constraint for topology spread",
         (r.TOPOLOGY_SPREAD,), "topology spread", "scheduling/topologygroup.go"),
    _row(POD_FAILED, r"unsatisfiable topology constraint for pod affinity", (r.POD_AFFINITY,),
         "pod affinity", "scheduling/topologygroup.go"),
    _row(POD_FAILED, r"unsatisfiable topology constraint for pod anti-affinity",
         (r.POD_ANTI_AFFINITY,), "pod anti-affinity", "scheduling/topologygroup.go"),
    _row(POD_FAILED, r"hostport conflicts", (r.HOST_PORT_CONFLICT,), "host port conflict",
         "scheduling/hostportusage.go Conflicts"),
    _row(POD_FAILED, r"minValues", (r.NO_INSTANCE_TYPE_FITS,), "minValues not met",
         "scheduling/scheduler.go Solve"),
    _row(POD_FAILED, r"nodepool requirements filtered out all available instance types",
         (r.NO_INSTANCE_TYPE_FITS, r.OFFERINGS_UNAVAILABLE), "no instance type left",
         "scheduling/scheduler.go"),
    # InstanceTypeFilterError: which of requirements / resources / offering excluded all.
    _row(POD_FAILED, r"no instance type.*(scheduling requirements|met all requirements)"
         r".*(enough resources|required resources).*offering",
         (*_REQS, *_FITS, r.OFFERINGS_UNAVAILABLE), "no instance type matches", _SCHED),
    _row(POD_FAILED, r"no instance type.*(scheduling requirements|met all requirements)"
         r".*(enough resources|required resources)", (*_REQS, *_FITS),
         "no instance type matches and fits", _SCHED),
    _row(POD_FAILED, r"no instance type.*(enough resources|required resources).*offering",
         (*_FITS, r.OFFERINGS_UNAVAILABLE), "no instance type fits with an offering", _SCHED),
    _row(POD_FAILED, r"no instance type.*(scheduling requirements|met all requirements)"
         r".*offering", (*_REQS, r.OFFERINGS_UNAVAILABLE),
         "no instance type matches with an offering", _SCHED),
    _row(POD_FAILED, r"no instance type.*(enough resources|required resources)", _FITS,
         "no instance type has enough resources", _SCHED),
    _row(POD_FAILED, r"no instance type.*offering", (r.OFFERINGS_UNAVAILABLE,),
         "no offering available", _SCHED),
    _row(POD_FAILED, r"no instance type", (*_REQS, *_FITS, r.OFFERINGS_UNAVAILABLE),
         "no instance type matches", _SCHED),
    _row(POD_FAILED, r"Dynamic Resource Allocation", (), "DRA not supported",
         "scheduling/scheduler.go (DRA)"),
    _row(POD_FAILED, r"would exceed volume limit", (), "CSI volume limit",
         "scheduling/volumeusage.go"),
)

_STATE = "state/statenode.go ValidateNodeDisruptable"
_CONSOLIDATION = "disruption/consolidation.go"

EVENT_ROWS: tuple[MessageRow, ...] = (
    _row(POD_NOMINATED, r"^Pod should schedule on", (), "nominated",
         "scheduling/events.go NominatePodEvent", reasons=("Nominated",)),
    # Node / NodeClaim: why disruption leaves it alone.
    _row(NODE_BLOCKED, r"disruption is blocked through the .karpenter\.sh/do-not-disrupt. "
         r"annotation", (r.DO_NOT_DISRUPT,), "node do-not-disrupt", _STATE),
    _row(NODE_BLOCKED, r"^pod has .karpenter\.sh/do-not-disrupt. annotation",
         (r.DO_NOT_DISRUPT,), "pod do-not-disrupt", "state/statenode.go ValidatePodsDisruptable"),
    _row(NODE_BLOCKED, r"pdb prevents pod evictions|eviction does not support multiple PDBs",
         (r.POD_DISRUPTION_BUDGET,), "PodDisruptionBudget",
         "state/statenode.go ValidatePodsDisruptable"),
    _row(NODE_BLOCKED, r"^node is nominated for a pending pod", (), "nominated for a pod",
         _STATE),
    _row(NODE_BLOCKED, r"^node isn't initialized", (r.NOT_INITIALIZED,), "not initialized",
         _STATE),
    _row(NODE_BLOCKED, r"^node is deleting or marked for deletion", (r.ALREADY_DISRUPTING,),
         "already deleting", _STATE),
    _row(NODE_BLOCKED, r"^node isn't managed by karpenter|^nodeclaim does not have an "
         r"associated node|^node doesn't have required label|^nodepool not found",
         (r.NOT_KARPENTER_MANAGED,), "not managed", _STATE),
    _row(NODE_BLOCKED, r"has non-empty consolidation disabled", (r.WHEN_EMPTY_POLICY,),
         "WhenEmpty policy", _CONSOLIDATION, until=releases.WHEN_EMPTY_EVENT_WORDING),
    _row(NODE_BLOCKED, r"has consolidation policy WhenEmpty, but node is not empty",
         (r.WHEN_EMPTY_POLICY,), "WhenEmpty policy", _CONSOLIDATION,
         since=releases.WHEN_EMPTY_EVENT_WORDING),
    _row(NODE_BLOCKED, r"has consolidation disabled", (r.CONSOLIDATION_DISABLED,),
         "consolidation disabled", _CONSOLIDATION),
    _row(NODE_BLOCKED, r"^can't replace with a cheaper node|^spottospotconsolidation|"
         r"^filtering by price|^can't remove without creating|^instance type .* not found|"
         r"^node does not have label", (r.NOT_CHEAPER,), "not cheaper", _CONSOLIDATION),
    _row(NODE_BLOCKED, r"has buffer pods", (), "CapacityBuffer pods", _CONSOLIDATION,
         since=releases.CAPACITY_BUFFER_EVENTS),
    _row(NODE_BLOCKED, r"^not all pods would schedule", (r.PODS_CANNOT_RESCHEDULE,),
         "pods would not reschedule",
         "scheduling/scheduler.go Results.NonPendingPodSchedulingErrors"),
    _row(NODE_DISRUPTING, r"^Disrupting (Node|NodeClaim): ", (), "being disrupted",
         "disruption/events/events.go Terminating", reasons=("DisruptionTerminating",)),
    _row(POOL_BLOCKED, r"^No allowed disruptions( for disruption reason \w+)? due to blocking "
         r"budget", (r.BUDGET_EXHAUSTED,), "budget allows none",
         "disruption/events/events.go NodePoolBlocked"),
    # Informational: shown beside our answer, never counted as (dis)agreement.
    _row(INFO, r"^Consolidation (candidate|rejected):", (), "consolidation candidate",
         "disruption/events/events.go ConsolidationCandidate",
         since=releases.CONSOLIDATION_CANDIDATE_EVENTS),
    _row(INFO, r"score [\d.]+ >?=? ?(<|>=) threshold", (), "Balanced score",
         "disruption/events/events.go ConsolidationApproved", since=releases.BALANCED_POLICY),
    _row(INFO, r"^Launching NodeClaim|^Waiting on readiness", (), "replacement launching",
         "disruption/events/events.go Launching"),
    _row(INFO, r"do-not-disrupt grace period|Invalid karpenter\.sh/do-not-disrupt annotation",
         (), "do-not-disrupt grace period", "utils/pod/scheduling.go IsDoNotDisruptActive",
         since=releases.DO_NOT_DISRUPT_GRACE),
)


@dataclass(frozen=True, slots=True)
class Statement:
    """What one Karpenter event says, in this tool's terms."""

    event: KarpenterEvent
    kind: str
    codes: frozenset[str]  # our codes that agree with it
    summary: str
    known: bool = True  # False: no row reads the message (shown verbatim)
    # Set when the wording belongs to releases other than the one the rules follow.
    other_release: str = ""


def _in_release(row: MessageRow, rules: KarpenterRules) -> bool:
    return ((row.since is None or rules.has(row.since))
            and (row.until is None or not rules.has(row.until)))


def _release_words(row: MessageRow) -> str:
    since = releases.rule(row.since).since.short if row.since else None
    until = releases.rule(row.until).since.short if row.until else None
    if since and until:
        return f"{since} to before {until}"
    if since:
        return f"{since} and later"
    return f"releases before {until}"


def _match(rows: tuple[MessageRow, ...], text: str, reason: str,
           rules: KarpenterRules) -> tuple[MessageRow | None, bool]:
    """The first row reading ``text``, preferring rows of the rules' release."""
    fallback: MessageRow | None = None
    for row in rows:
        if row.reasons and reason not in row.reasons:
            continue
        if not row.pattern.search(text):
            continue
        if _in_release(row, rules):
            return row, True
        fallback = fallback or row
    return fallback, False


def interpret(event: KarpenterEvent, rules: KarpenterRules) -> Statement:
    """What ``event`` says, following the wording of the rules' release."""
    message = event.message.strip()
    if event.reason == "FailedScheduling" or message.startswith("Failed to schedule pod"):
        body = message.removeprefix("Failed to schedule pod,").strip()
        codes: set[str] = set()
        summaries: list[str] = []
        others: list[str] = []
        known = True
        for part in (p.strip() for p in body.split("; ") if p.strip()):
            row, here = _match(POD_PARTS, part, event.reason, rules)
            if row is None:
                known = False
                continue
            codes |= row.codes
            if row.summary not in summaries:
                summaries.append(row.summary)
            if not here:
                others.append(_release_words(row))
        return Statement(event, POD_FAILED, frozenset(codes), ", ".join(summaries) or body,
                         known=known and bool(summaries), other_release=", ".join(others))
    row, here = _match(EVENT_ROWS, message, event.reason, rules)
    if row is None:
        return Statement(event, INFO, frozenset(), message, known=False)
    return Statement(event, row.kind, row.codes, row.summary,
                     other_release="" if here else _release_words(row))
