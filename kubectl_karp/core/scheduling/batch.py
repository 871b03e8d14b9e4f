"""Which pods the provisioner hands its scheduler (upstream: provisioning/provisioner.go
GetPendingPods and Schedule), and which nodes it treats as being deleted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubectl_karp.model import predicates
from kubectl_karp.model.objects import Node, Pod
from kubectl_karp.model.predicates import (
    has_dra_requirements,
    is_mirror,
    is_reschedulable,
    why_not_currently_reschedulable,
)

KARPENTER_SCHEDULERS = ("default-scheduler", "")


def _status(pod: Pod) -> dict[str, Any]:
    status = pod.raw.get("status") if isinstance(pod.raw, dict) else None
    return status if isinstance(status, dict) else {}


def _marked_unschedulable(pod: Pod) -> bool:
    return any(c.type == "PodScheduled" and c.reason == "Unschedulable" for c in pod.conditions)


def _not_provisionable(pod: Pod) -> str | None:
    if pod.node_name:
        return None  # bound pods handed in by consolidation are moved, not provisioned for
    if pod.raw:
        nominated = _status(pod).get("nominatedNodeName")
        if nominated:
            return f"is nominated to node {nominated} (preemption in progress)"
    if pod.conditions and any(c.type == "PodScheduled" and c.reason == "SchedulingGated"
                              for c in pod.conditions):
        return "is held by scheduling gates"
    if pod.owner_refs and is_mirror(pod):
        return "is a static (mirror) pod"
    if has_dra_requirements(pod):
        # Every supported release runs with --ignore-dra-requests=true by default and fails
        # such pods with a DRAError instead of allocating devices (scheduler.go add).
        return ("requests DRA ResourceClaims, which Karpenter refuses under its default "
                "--ignore-dra-requests (devices are not simulated)")
    return None


def not_provisionable(pod: Pod) -> str | None:
    """Why the provisioner would not take ``pod`` (None: it would); see :func:`provisionable`."""
    return _not_provisionable(pod)


def node_deleting(snap: Any, node: Node) -> bool:
    """:func:`model.predicates.node_deleting` with the node's NodeClaim looked up."""
    return predicates.node_deleting(node, snap.node_claim_for(node))


def provisionable(pods: Sequence[Pod]) -> tuple[list[Pod], list[str]]:
    """Drop the pods Karpenter's GetPendingPods would not hand to its scheduler, judged from
    their status only (pods read from files have none, and always count): preempting pods
    (status.nominatedNodeName: kube-scheduler is making room for them), pods still held by
    scheduling gates, and static pods. Returns the rest and a note per dropped pod."""
    out: list[Pod] = []
    notes: list[str] = []
    for pod in pods:
        why = _not_provisionable(pod)
        if why is None:
            out.append(pod)
        else:
            notes.append(f"pod {pod.key} {why}; Karpenter does not provision for it, so it "
                         "is skipped")
    return out, notes


def pending_batch(snapshot: Any, exclude_nodes: frozenset[str] = frozenset()
                  ) -> tuple[list[Pod], list[str]]:
    """The cluster's pods Karpenter's provisioner would schedule, with notes on those left
    out: pending pods it considers provisionable, plus the reschedulable pods of nodes being
    deleted (Provisioner.Schedule adds them; those nodes take no pods).

    Pods of another scheduler count once that scheduler marked them Unschedulable (Karpenter
    only looks at the PodScheduled condition). Default-scheduler pods that kube-scheduler has
    not marked yet are kept: it will, unless an existing node has room, which the simulation
    tries first anyway."""
    chosen: list[Pod] = []
    notes: list[str] = []
    skipped: dict[str, int] = {}
    for pod in snapshot.pending_pods:
        if pod.scheduler_name not in KARPENTER_SCHEDULERS and not _marked_unschedulable(pod):
            skipped[pod.scheduler_name] = skipped.get(pod.scheduler_name, 0) + 1
            continue
        chosen.append(pod)
    for name, count in sorted(skipped.items()):
        notes.append(f"{count} pending pod(s) use schedulerName {name} and are not marked "
                     "Unschedulable by it; Karpenter only provisions for pods a scheduler "
                     "gave up on, so they are skipped")
    chosen, dropped = provisionable(chosen)
    notes += dropped
    moving: list[Pod] = []
    staying: list[str] = []
    for node in snapshot.nodes:
        if node.name in exclude_nodes or not node_deleting(snapshot, node):
            continue
        # upstream: provisioner.go Schedule — nodes.Deleting().CurrentlyReschedulablePods
        for pod in snapshot.pods_by_node.get(node.name, ()):
            why = why_not_currently_reschedulable(pod, snapshot.pdbs)
            if why is None:
                moving.append(pod)
            elif is_reschedulable(pod):  # DaemonSet and mirror pods simply go with the node
                staying.append(f"pod {pod.key} on node {node.name} {why}")
    if moving:
        notes.append(f"{len(moving)} pod(s) on nodes being deleted are scheduled again, as "
                     "Karpenter does")
    for text in staying:
        notes.append(f"{text}: Karpenter does not make room for it elsewhere until it can "
                     "be moved")
    return chosen + moving, notes
