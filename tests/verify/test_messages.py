"""Karpenter's event messages read back into our codes, per release.

Every message below is built the way upstream builds it at the tag named (the file and
function are cited in core/verify/messages.py): the wording is the contract being tested.
"""

from __future__ import annotations

import pytest

from kubectl_karp.core import reasons as r
from kubectl_karp.core.releases import SOURCE_FLAG, resolve_rules
from kubectl_karp.core.verify import interpret
from kubectl_karp.core.verify.messages import (
    INFO,
    NODE_BLOCKED,
    NODE_DISRUPTING,
    POD_FAILED,
    POD_NOMINATED,
    POOL_BLOCKED,
)
from kubectl_karp.model.events import KarpenterEvent

V1_9 = resolve_rules("1.9", SOURCE_FLAG)
V1_14 = resolve_rules("1.14", SOURCE_FLAG)
V1_10 = resolve_rules("1.10", SOURCE_FLAG)


def _event(reason: str, message: str, kind: str = "Pod") -> KarpenterEvent:
    return KarpenterEvent(kind=kind, namespace="default" if kind == "Pod" else "",
                          name="x", reason=reason, message=message)


POD_CASES = [
    # scheduling/taints.go ToleratesPod via serrors: "did not tolerate taint (taint=…)"
    ("Failed to schedule pod, did not tolerate taint (taint=dedicated=gpu:NoSchedule)",
     {r.UNTOLERATED_TAINT}),
    # scheduling/nodeclaim.go CanAdd wrapping requirements.go Compatible / Intersects
    ("Failed to schedule pod, incompatible requirements, key kubernetes.io/arch, "
     "kubernetes.io/arch In [arm64] not in kubernetes.io/arch In [amd64]",
     {r.INCOMPATIBLE_REQUIREMENT, r.NODE_SELECTOR_MISMATCH, r.NO_INSTANCE_TYPE_FITS}),
    ('Failed to schedule pod, incompatible requirements, label "disktype" does not have known '
     'values', {r.INCOMPATIBLE_REQUIREMENT, r.NODE_SELECTOR_MISMATCH, r.NO_INSTANCE_TYPE_FITS}),
    # scheduling/scheduler.go addToNewNodeClaim
    ("Failed to schedule pod, all available instance types exceed limits for nodepool "
     "(NodePool=default)", {r.NODEPOOL_LIMIT_EXCEEDED}),
    # InstanceTypeFilterError.Error: "no instance type has enough resources"
    ("Failed to schedule pod, no instance type has enough resources, requirements=karpenter.sh/"
     "nodepool In [default], resources={\"cpu\":\"100\",\"pods\":\"1\"}",
     {r.NO_INSTANCE_TYPE_FITS, r.INSUFFICIENT_RESOURCE}),
    ("Failed to schedule pod, no instance type has the required offering, requirements=…",
     {r.OFFERINGS_UNAVAILABLE}),
    ("Failed to schedule pod, no instance type met the scheduling requirements or had enough "
     "resources, requirements=…, resources=…",
     {r.INCOMPATIBLE_REQUIREMENT, r.NODE_SELECTOR_MISMATCH, r.NO_INSTANCE_TYPE_FITS,
      r.INSUFFICIENT_RESOURCE}),
    # topologygroup.go: "unsatisfiable topology constraint for <type>, key=…"
    ("Failed to schedule pod, unsatisfiable topology constraint for topology spread, "
     "key=topology.kubernetes.io/zone (counts = map[a:1], podDomains = …, nodeDomains = …",
     {r.TOPOLOGY_SPREAD}),
    ("Failed to schedule pod, unsatisfiable topology constraint for pod anti-affinity, "
     "key=kubernetes.io/hostname (counts = …", {r.POD_ANTI_AFFINITY}),
    ("Failed to schedule pod, unsatisfiable topology constraint for pod affinity, "
     "key=topology.kubernetes.io/zone (counts = …", {r.POD_AFFINITY}),
    # several NodePools' errors joined by multierr ("; ")
    ("Failed to schedule pod, did not tolerate taint (taint=a=b:NoSchedule); all available "
     "instance types exceed limits for nodepool (NodePool=b)",
     {r.UNTOLERATED_TAINT, r.NODEPOOL_LIMIT_EXCEEDED}),
]


@pytest.mark.parametrize(("message", "codes"), POD_CASES)
def test_failed_scheduling_messages_read_as_our_codes(message: str, codes: set[str]) -> None:
    said = interpret(_event("FailedScheduling", message), V1_14)
    assert said.kind == POD_FAILED and said.known
    assert said.codes == codes


def test_nominated_is_a_placement() -> None:
    # scheduling/events.go NominatePodEvent
    said = interpret(_event("Nominated", "Pod should schedule on: nodeclaim/default-abcde, "
                            "node/ip-10-0-0-1"), V1_9)
    assert (said.kind, said.known, said.codes) == (POD_NOMINATED, True, frozenset())


NODE_CASES = [
    # state/statenode.go ValidateNodeDisruptable / ValidatePodsDisruptable, pretty.Sentence
    ('Disruption is blocked through the "karpenter.sh/do-not-disrupt" annotation',
     NODE_BLOCKED, {r.DO_NOT_DISRUPT}),
    ('Pod has "karpenter.sh/do-not-disrupt" annotation (Pod=default/web-0)', NODE_BLOCKED,
     {r.DO_NOT_DISRUPT}),
    ("Pdb prevents pod evictions (PodDisruptionBudget=[default/web])", NODE_BLOCKED,
     {r.POD_DISRUPTION_BUDGET}),
    ("Eviction does not support multiple PDBs (PodDisruptionBudget(s)=[default/a default/b])",
     NODE_BLOCKED, {r.POD_DISRUPTION_BUDGET}),
    ("Node isn't initialized", NODE_BLOCKED, {r.NOT_INITIALIZED}),
    ("Node is deleting or marked for deletion", NODE_BLOCKED, {r.ALREADY_DISRUPTING}),
    ("Node doesn't have required label (label=karpenter.sh/nodepool)", NODE_BLOCKED,
     {r.NOT_KARPENTER_MANAGED}),
    ("NodePool not found (NodePool=gone)", NODE_BLOCKED, {r.NOT_KARPENTER_MANAGED}),
    # disruption/consolidation.go computeConsolidation / ShouldDisrupt
    ("Can't replace with a cheaper node", NODE_BLOCKED, {r.NOT_CHEAPER}),
    ("SpotToSpotConsolidation is disabled, can't replace a spot node with a spot node",
     NODE_BLOCKED, {r.NOT_CHEAPER}),
    ("SpotToSpotConsolidation requires 15 cheaper instance type options than the current "
     "candidate to consolidate, got 3", NODE_BLOCKED, {r.NOT_CHEAPER}),
    ('NodePool "default" has consolidation disabled', NODE_BLOCKED,
     {r.CONSOLIDATION_DISABLED}),
    ("Not all pods would schedule, default/web-0 => did not tolerate taint (taint=a=b:"
     "NoSchedule) ", NODE_BLOCKED, {r.PODS_CANNOT_RESCHEDULE}),
    # disruption/events/events.go Terminating
    ("Disrupting Node: Underutilized", NODE_DISRUPTING, set()),
]


@pytest.mark.parametrize(("message", "kind", "codes"), NODE_CASES)
def test_disruption_messages_read_as_our_block_codes(message: str, kind: str,
                                                     codes: set[str]) -> None:
    reason = "DisruptionTerminating" if kind == NODE_DISRUPTING else "DisruptionBlocked"
    said = interpret(_event(reason, message, "Node"), V1_14)
    assert (said.kind, said.known, set(said.codes)) == (kind, True, codes)


def test_budget_event_on_the_nodepool() -> None:
    # disruption/events/events.go NodePoolBlockedForDisruptionReason
    said = interpret(_event("DisruptionBlocked", "No allowed disruptions for disruption reason "
                            "Underutilized due to blocking budget", "NodePool"), V1_9)
    assert (said.kind, said.codes) == (POOL_BLOCKED, frozenset({r.BUDGET_EXHAUSTED}))


def test_when_empty_wording_changed_in_v1_14() -> None:
    # v1.13 and before: "has non-empty consolidation disabled"; v1.14 (#2962): "has
    # consolidation policy WhenEmpty, but node is not empty". Both read as WhenEmptyPolicy; a
    # message in the other release's words says the cluster may run another release.
    old = _event("Unconsolidatable", 'NodePool "a" has non-empty consolidation disabled', "Node")
    new = _event("Unconsolidatable",
                 'NodePool "a" has consolidation policy WhenEmpty, but node is not empty', "Node")
    for event in (old, new):
        for rules in (V1_9, V1_14):
            assert interpret(event, rules).codes == {r.WHEN_EMPTY_POLICY}
    assert interpret(old, V1_9).other_release == ""
    assert interpret(old, V1_14).other_release == "releases before v1.14"
    assert interpret(new, V1_14).other_release == ""
    assert interpret(new, V1_9).other_release == "v1.14 and later"


def test_node_limits_message_belongs_to_v1_11_and_later() -> None:
    # scheduler.go: "node limits have been exhausted for nodepool" arrived with limits.nodes
    event = _event("FailedScheduling", "Failed to schedule pod, node limits have been exhausted "
                   "for nodepool (NodePool=a)")
    assert interpret(event, V1_14).codes == {r.NODEPOOL_LIMIT_EXCEEDED}
    assert interpret(event, V1_14).other_release == ""
    assert interpret(event, V1_10).other_release == "v1.11 and later"


def test_consolidation_candidate_events_are_information_from_v1_9() -> None:
    event = _event("ConsolidationCandidate",
                   "Consolidation candidate: delete (savings: $0.12)", "Node")
    said = interpret(event, V1_9)
    assert (said.kind, said.known, said.other_release) == (INFO, True, "")
    assert interpret(event, resolve_rules("1.8", SOURCE_FLAG)).other_release == "v1.9 and later"


@pytest.mark.parametrize("message", [
    "Something the controller will say in a release we do not know",
    "Failed to schedule pod, a brand new reason nobody parses",
])
def test_unknown_messages_are_kept_verbatim(message: str) -> None:
    reason = "FailedScheduling" if message.startswith("Failed") else "Unconsolidatable"
    said = interpret(_event(reason, message), V1_14)
    assert not said.known
    assert said.event.message == message  # never dropped or rewritten


def test_buffer_pod_wording_belongs_to_v1_14() -> None:
    # disruption/emptiness.go (v1.14, #3028): "Node %q has buffer pods"
    event = _event("Unconsolidatable", 'Node "ip-1" has buffer pods', "Node")
    assert interpret(event, V1_14).other_release == ""
    assert interpret(event, V1_9).other_release == "v1.14 and later"
