"""Taints and tolerations as Karpenter judges them (``pkg/scheduling/taints.go``).

Karpenter is stricter than kube-scheduler: when it decides whether a pod can go to a node,
a NodeClaim or a NodePool template, *every* taint must be tolerated whatever its effect —
``PreferNoSchedule`` included (kube-scheduler merely scores it) and ``NoExecute`` too. Only
when a pod has failed to schedule and some NodePool template carries a ``PreferNoSchedule``
taint does preference relaxation give the pod :data:`TOLERATE_PREFER_NO_SCHEDULE`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kubectl_karp.model.objects import NodePool, Taint, Toleration
from kubectl_karp.model.requirements import go_atoi

_CANONICAL_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")

NO_SCHEDULE = "NoSchedule"
PREFER_NO_SCHEDULE = "PreferNoSchedule"
NO_EXECUTE = "NoExecute"

TOLERATE_PREFER_NO_SCHEDULE = Toleration(key="", operator="Exists", effect=PREFER_NO_SCHEDULE)
"""The toleration Karpenter's preference relaxation appends (``toleratePreferNoScheduleTaints``)."""

# Present while a node starts; Karpenter ignores them on its own nodes until they initialize.
# upstream: scheduling/taints.go KnownEphemeralTaints (identical v1.8-v1.14). Matched by key
# and effect only (corev1 MatchTaint), so the values here are for display.
KNOWN_EPHEMERAL_TAINTS: tuple[Taint, ...] = (
    Taint("node.kubernetes.io/not-ready", NO_SCHEDULE),
    Taint("node.kubernetes.io/not-ready", NO_EXECUTE),
    Taint("node.kubernetes.io/unreachable", NO_SCHEDULE),
    Taint("node.cloudprovider.kubernetes.io/uninitialized", NO_SCHEDULE, "true"),
)
# KnownEphemeralTaintKeyPrefixes (v1.13+, #3025): the NodeReadiness controller's taints.
KNOWN_EPHEMERAL_TAINT_PREFIXES: tuple[str, ...] = ("readiness.k8s.io/",)
# What the kubelet registers a Karpenter node with; gone once Karpenter registers it.
TAINT_UNREGISTERED = Taint("karpenter.sh/unregistered", NO_EXECUTE)


def tolerates(toleration: Toleration, taint: Taint) -> bool:
    """``Toleration.ToleratesTaint`` from k8s.io/api: an empty effect matches every effect, an
    empty key matches every key (only meaningful with ``Exists``), ``Equal`` (or empty) needs
    the same value, ``Exists`` ignores the value. ``Gt``/``Lt`` (Kubernetes 1.35 alpha,
    TaintTolerationComparisonOperators) hold when the taint's integer value is greater/less
    than the toleration's; anything else tolerates nothing."""
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    operator = toleration.operator
    if operator in ("", "Equal"):
        return toleration.value == taint.value
    if operator == "Exists":
        return True
    if operator in ("Gt", "Lt"):
        ours, theirs = _decimal(toleration.value), _decimal(taint.value)
        if ours is None or theirs is None:
            return False
        return theirs > ours if operator == "Gt" else theirs < ours
    return False


def _decimal(text: str) -> int | None:
    # Kubernetes wants canonical decimals here: no sign other than '-', no leading zeros.
    return go_atoi(text) if _CANONICAL_INT.match(text) else None


def untolerated(taints: Iterable[Taint], tolerations: Iterable[Toleration]
                ) -> tuple[Taint, ...]:
    """The taints that keep a pod with ``tolerations`` off, exactly as ``Taints.Tolerates``:
    every taint no toleration tolerates, in order. ``PreferNoSchedule`` taints block like
    ``NoSchedule`` ones (pass :data:`TOLERATE_PREFER_NO_SCHEDULE` among the tolerations to
    model relaxation); ``NoExecute`` taints block too — ``tolerationSeconds`` is irrelevant
    to scheduling. Empty when the pod tolerates them all."""
    tols = tuple(tolerations)
    return tuple(t for t in taints if not any(tolerates(tol, t) for tol in tols))


def tolerates_all(taints: Iterable[Taint], tolerations: Iterable[Toleration]) -> bool:
    tols = tuple(tolerations)
    return all(any(tolerates(tol, t) for tol in tols) for t in taints)


def prefer_no_schedule_relaxation(node_pools: Iterable[NodePool]) -> bool:
    """Whether relaxation may add :data:`TOLERATE_PREFER_NO_SCHEDULE`: upstream enables it
    only when some NodePool template has a ``PreferNoSchedule`` taint."""
    return any(t.effect == PREFER_NO_SCHEDULE for np in node_pools for t in np.taints)


def with_prefer_no_schedule(tolerations: tuple[Toleration, ...]) -> tuple[Toleration, ...]:
    """``tolerations`` plus :data:`TOLERATE_PREFER_NO_SCHEDULE`; unchanged (the same object,
    so callers can tell no relaxation happened) when an equal toleration is already there —
    upstream's ``MatchToleration`` compares key, operator, value and effect only."""
    if any(t.key == "" and t.operator == "Exists" and t.effect == PREFER_NO_SCHEDULE
           and t.value == "" for t in tolerations):
        return tolerations
    return (*tolerations, TOLERATE_PREFER_NO_SCHEDULE)
