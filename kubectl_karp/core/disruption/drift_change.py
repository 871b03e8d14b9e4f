"""Which NodeClaims a NodePool or node-class change would drift, decided as the controller does.

upstream: pkg/controllers/nodeclaim/disruption/drift.go Drift.isDrifted (v1.8 … v1.14 alike):
1. static fields (``areStaticFieldsDrifted``): the NodeClaim's ``karpenter.sh/nodepool-hash``
   differs from the NodePool's, when both carry the same ``karpenter.sh/nodepool-hash-version``
   (v3 throughout v1.8 … v1.14). The hash (pkg/apis/v1/nodepool.go NodePool.Hash, hashstructure
   with SlicesAsSets, IgnoreZeroValue, ZeroNil) covers ``spec.template`` except the fields tagged
   ``hash:"ignore"``: it covers template labels and annotations, taints, startupTaints,
   nodeClassRef, expireAfter and terminationGracePeriod; requirements are not hashed (they are
   step 2), nor is anything outside the template (disruption, limits, weight, replicas).
   The hash itself is not recomputed here: two templates hash alike exactly when the hashed
   fields are equal as sets/maps with zero values dropped, which is what is compared.
2. requirements (``areRequirementsDrifted``): the NodeClaim's labels no longer satisfy the
   NodePool's requirements (Compatible without undefined-label allowances).
3. the cloud provider's ``IsDrifted``: per provider below (TKE has none: it returns "").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.model.objects import LABEL_INSTANCE_TYPE, NodeClaim, NodeClass, NodePool, Taint
from kubectl_karp.model.requirements import Requirements
from kubectl_karp.model.snapshot import ClusterSnapshot

NODEPOOL_DRIFTED = "NodePoolDrifted"
REQUIREMENTS_DRIFTED = "RequirementsDrifted"
NODECLASS_DRIFTED = "NodeClassDrift"  # AWS' and Alibaba's name for a node-class hash change
AMI_DRIFTED = "AMIDrift"

HASH_ANNOTATION = "karpenter.sh/nodepool-hash"
HASH_VERSION_ANNOTATION = "karpenter.sh/nodepool-hash-version"
HASH_VERSION = "v3"  # NodePoolHashVersion at every supported release


@dataclass(frozen=True, slots=True)
class DriftFinding:
    node_claim: str
    node: str  # "" when the NodeClaim has no Node yet
    node_pool: str
    reason: str  # NodePoolDrifted | RequirementsDrifted | NodeClassDrift | AMIDrift | …
    detail: str  # which field, in words
    already: bool = False  # drifted before the change too


def _taints(taints: Sequence[Taint]) -> frozenset[tuple[str, str, str]]:
    return frozenset((t.key, t.value, t.effect) for t in taints)


def hashed_template(pool: NodePool) -> dict[str, Any]:
    """The NodePool template fields upstream's hash covers, zero values dropped, slices as sets.

    Keyed by the field path a person would look for in the diff.
    """
    ref = pool.node_class_ref
    fields: dict[str, Any] = {
        "spec.template.metadata.labels": dict(pool.template_labels),
        "spec.template.metadata.annotations": dict(pool.template_annotations),
        "spec.template.spec.taints": _taints(pool.taints),
        "spec.template.spec.startupTaints": _taints(pool.startup_taints),
        "spec.template.spec.nodeClassRef": (ref.group, ref.kind, ref.name) if ref else None,
        "spec.template.spec.expireAfter": pool.expire_after_seconds,
        "spec.template.spec.terminationGracePeriod": pool.termination_grace_period_seconds,
    }
    return {k: v for k, v in fields.items() if v not in (None, {}, frozenset(), ())}


def changed_hash_fields(old: NodePool, new: NodePool) -> list[str]:
    before, after = hashed_template(old), hashed_template(new)
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _claim_in_sync(claim: NodeClaim, pool: NodePool) -> bool | None:
    """Does the NodeClaim carry the NodePool's current hash? None: upstream would not compare
    (a hash or hash version is missing, or the versions differ)."""
    pool_hash = pool.raw.get("metadata", {}).get("annotations", {}).get(HASH_ANNOTATION) \
        if isinstance(pool.raw.get("metadata"), Mapping) else None
    pool_version = pool.raw.get("metadata", {}).get("annotations", {}).get(
        HASH_VERSION_ANNOTATION) if isinstance(pool.raw.get("metadata"), Mapping) else None
    claim_hash = claim.annotations.get(HASH_ANNOTATION)
    claim_version = claim.annotations.get(HASH_VERSION_ANNOTATION)
    if not (pool_hash and pool_version and claim_hash and claim_version):
        return None
    if pool_version != claim_version:
        return None
    return bool(pool_hash == claim_hash)


def requirements_drifted(claim: NodeClaim, pool: NodePool,
                         type_labels: Mapping[str, str] | None = None) -> str | None:
    """upstream areRequirementsDrifted: the claim's labels against the NodePool requirements.

    A NodeClaim in a cluster carries its instance type's labels (Karpenter writes the launched
    type's single-valued requirements as labels); ``type_labels`` fills them in for snapshots
    that were written without them, the claim's own labels winning."""
    reqs = Requirements.from_node_selector_requirements(
        pool.requirements, where=f"NodePool {pool.name} spec.template.spec.requirements")
    labels = {**(type_labels or {}), **claim.labels}
    problem = Requirements.from_labels(labels).compatible(reqs, frozenset())
    return None if problem is None else problem.message


# ----------------------------------------------------------------------- node classes
# Provider IsDrifted for a changed node class: (old, new) -> (reason, detail) or None.
# TKE (karpenter-provider-tke pkg/cloudprovider/cloudprovider.go IsDrifted) always answers "".

_AWS_UNHASHED = ("subnetSelectorTerms", "securityGroupSelectorTerms",
                 "capacityReservationSelectorTerms", "ipPrefixCount", "amiSelectorTerms",
                 "amiFamily", "kubelet")


def _zero(value: Any) -> bool:
    return value in (None, [], {}, "")


def _spec_diff(old: Mapping[str, Any], new: Mapping[str, Any], skip: Sequence[str] = ()
               ) -> list[str]:
    """Top-level spec fields that differ; absent and zero are the same (IgnoreZeroValue)."""
    keys = (set(old) | set(new)) - set(skip)
    return sorted(k for k in keys if not (_zero(old.get(k)) and _zero(new.get(k)))
                  and old.get(k) != new.get(k))


def _aws(old: NodeClass, new: NodeClass) -> tuple[str, str] | None:
    # karpenter-provider-aws pkg/cloudprovider/drift.go isNodeClassDrifted: the static hash
    # of the spec (EC2NodeClass.Hash: fields not tagged hash:"ignore", plus the resolved AMI
    # family and kubelet), then AMIs, subnets and security groups the status resolves.
    hashed = _spec_diff(old.spec, new.spec, _AWS_UNHASHED)
    kubelet_changed = old.spec.get("kubelet") != new.spec.get("kubelet")
    if hashed or kubelet_changed:
        fields = [*hashed, *(["kubelet"] if kubelet_changed else [])]
        return NODECLASS_DRIFTED, "EC2NodeClass spec." + ", spec.".join(fields) + " changed"
    if old.spec.get("amiSelectorTerms") != new.spec.get("amiSelectorTerms") \
            or old.spec.get("amiFamily") != new.spec.get("amiFamily"):
        return AMI_DRIFTED, ("amiSelectorTerms changed: nodes drift once the new terms resolve "
                             "to other AMIs than theirs (assumed here)")
    return None


def _hash_all(kind: str) -> Callable[[NodeClass, NodeClass], tuple[str, str] | None]:
    def drifted(old: NodeClass, new: NodeClass) -> tuple[str, str] | None:
        fields = _spec_diff(old.spec, new.spec)
        if not fields:
            return None
        return NODECLASS_DRIFTED, f"{kind} spec." + ", spec.".join(fields) + " changed"
    return drifted


NODE_CLASS_DRIFT: dict[str, Callable[[NodeClass, NodeClass], tuple[str, str] | None] | None] = {
    "aws": _aws,
    # karpenter-provider-alibabacloud IsDrifted: the ECSNodeClass hash, then images, vSwitches
    # and security groups.
    "alibaba": _hash_all("ECSNodeClass"),
    # karpenter-provider-huawei isNodeClassDrifted: the CCENodeClass spec hash.
    "huawei": _hash_all("CCENodeClass"),
    "tke": None,  # IsDrifted returns "": a node-class change never drifts a node
    "generic": None,
}


def node_class_drift_note(provider: str) -> str | None:
    if NODE_CLASS_DRIFT.get(provider) is None:
        return (f"the {provider} provider's IsDrifted never reports drift: a node-class change "
                "alone does not replace existing nodes (they keep their old settings until "
                "replaced for another reason)")
    return None


def drift_from_change(claims: Sequence[NodeClaim], old_pools: Mapping[str, NodePool],
                      new_pools: Mapping[str, NodePool],
                      class_changes: Mapping[tuple[str, str, str], tuple[NodeClass, NodeClass]],
                      provider_of: Callable[[NodePool], str | None],
                      type_labels: Callable[[str], Mapping[str, str]] | None = None
                      ) -> list[DriftFinding]:
    """The NodeClaims the change would (newly, or still) drift, with the first reason upstream
    checks for each."""
    findings = []
    for claim in claims:
        pool_name = claim.node_pool or ""
        new = new_pools.get(pool_name)
        old = old_pools.get(pool_name, new)
        if new is None or old is None:
            continue
        drifted_before = claim.condition("Drifted") is not None and \
            claim.condition("Drifted").is_true  # type: ignore[union-attr]
        labels = type_labels(claim.labels.get(LABEL_INSTANCE_TYPE, "")) if type_labels else {}
        finding = _first_reason(claim, old, new, class_changes, provider_of, labels)
        if finding is not None:
            reason, detail = finding
            findings.append(DriftFinding(claim.name, claim.node_name, pool_name, reason, detail,
                                         already=drifted_before))
    return findings


def _first_reason(claim: NodeClaim, old: NodePool, new: NodePool,
                  class_changes: Mapping[tuple[str, str, str], tuple[NodeClass, NodeClass]],
                  provider_of: Callable[[NodePool], str | None],
                  type_labels: Mapping[str, str]) -> tuple[str, str] | None:
    changed = changed_hash_fields(old, new)
    in_sync = _claim_in_sync(claim, old)
    if changed and in_sync is not False:
        # The new template hashes differently; a claim that carried the old hash (or whose
        # hash this snapshot does not show) now differs from the NodePool's.
        return NODEPOOL_DRIFTED, ", ".join(changed) + " changed"
    if in_sync is False:
        return NODEPOOL_DRIFTED, "the NodeClaim's nodepool-hash already differs from the NodePool's"
    why = requirements_drifted(claim, new, type_labels)
    if why is not None:
        return REQUIREMENTS_DRIFTED, why
    ref = new.node_class_ref
    change = class_changes.get((ref.group, ref.kind, ref.name)) if ref else None
    if change is not None:
        check = NODE_CLASS_DRIFT.get(provider_of(new) or "")
        if check is not None:
            return check(*change)
    return None


def change_findings(before: ClusterSnapshot, after: SchedulingContext) -> list[DriftFinding]:
    """What replacing ``before``'s NodePools and node classes by ``after``'s would drift."""
    old_pools = {p.name: p for p in before.node_pools}
    new_pools = {npc.name: npc.node_pool for npc in after.node_pools}
    providers = {npc.name: npc.provider for npc in after.node_pools}
    old_classes = {(c.group, c.kind, c.name): c for c in before.node_classes}
    changes = {}
    for npc in after.node_pools:
        new_class = npc.node_class
        if new_class is None:
            continue
        key = (new_class.group, new_class.kind, new_class.name)
        old_class = old_classes.get(key)
        if old_class is not None and (old_class.spec != new_class.spec):
            changes[key] = (old_class, new_class)
    def type_labels(name: str) -> Mapping[str, str]:
        it = after.instance_type(name)
        return it.labels if it is not None else {}

    return drift_from_change(before.node_claims, old_pools, new_pools, changes,
                             lambda pool: providers.get(pool.name), type_labels)


def changed_snapshot(before: ClusterSnapshot, after: SchedulingContext) -> ClusterSnapshot:
    """``before`` with the context's NodePools and node classes in place of same-named ones."""
    pools = {p.name: p for p in before.node_pools}
    pools.update({npc.name: npc.node_pool for npc in after.node_pools})
    classes = {(c.group, c.kind, c.name): c for c in before.node_classes}
    for npc in after.node_pools:
        if npc.node_class is not None:
            c = npc.node_class
            classes[(c.group, c.kind, c.name)] = c
    return before.with_changes(node_pools=tuple(pools.values()),
                               node_classes=tuple(classes.values()))
