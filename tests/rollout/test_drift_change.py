"""Which NodeClaims a NodePool / node-class change drifts, by upstream's rules
(pkg/controllers/nodeclaim/disruption/drift.go isDrifted; pkg/apis/v1/nodepool.go Hash and its
hash:"ignore" fields; each provider's IsDrifted)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kubectl_karp.core.disruption.drift_change import (
    AMI_DRIFTED,
    HASH_ANNOTATION,
    HASH_VERSION_ANNOTATION,
    NODECLASS_DRIFTED,
    NODEPOOL_DRIFTED,
    REQUIREMENTS_DRIFTED,
    changed_hash_fields,
    drift_from_change,
    node_class_drift_note,
)
from kubectl_karp.model.objects import (
    Budget,
    NodeClaim,
    NodeClass,
    NodePool,
    NodeSelectorRequirement,
    ObjectRef,
    Taint,
)

REF = ObjectRef("karpenter.k8s.aws", "EC2NodeClass", "default")
POOL = NodePool(name="general", node_class_ref=REF, expire_after_seconds=720 * 3600,
                template_labels={"team": "a"}, taints=(Taint("a", "b", "NoSchedule"),),
                requirements=(NodeSelectorRequirement("karpenter.sh/capacity-type", "In",
                                                      ("on-demand",)),))
CLAIM = NodeClaim(name="general-x", node_name="ip-1",
                  labels={"karpenter.sh/nodepool": "general",
                          "karpenter.sh/capacity-type": "on-demand",
                          "node.kubernetes.io/instance-type": "m5.large"})


def _drift(new: NodePool, claim: NodeClaim = CLAIM, old: NodePool = POOL,
           classes: dict | None = None) -> list[str]:  # type: ignore[type-arg]
    found = drift_from_change([claim], {old.name: old}, {new.name: new}, classes or {},
                              lambda _: "aws")
    return [f.reason for f in found]


@pytest.mark.parametrize(("change", "field"), [
    ({"template_labels": {"team": "b"}}, "spec.template.metadata.labels"),
    ({"template_annotations": {"x": "y"}}, "spec.template.metadata.annotations"),
    ({"taints": (Taint("a", "c", "NoSchedule"),)}, "spec.template.spec.taints"),
    ({"startup_taints": (Taint("s", "", "NoSchedule"),)}, "spec.template.spec.startupTaints"),
    ({"node_class_ref": ObjectRef("karpenter.k8s.aws", "EC2NodeClass", "other")},
     "spec.template.spec.nodeClassRef"),
    ({"expire_after_seconds": 24 * 3600}, "spec.template.spec.expireAfter"),
    ({"termination_grace_period_seconds": 3600}, "spec.template.spec.terminationGracePeriod"),
])
def test_a_change_to_a_hashed_template_field_drifts(change: dict, field: str) -> None:  # type: ignore[type-arg]
    new = replace(POOL, **change)
    assert changed_hash_fields(POOL, new) == [field]
    assert _drift(new) == [NODEPOOL_DRIFTED]


@pytest.mark.parametrize("change", [
    {"budgets": (Budget(nodes="0"),)},            # disruption.*: outside the template
    {"consolidate_after_seconds": 3600},
    {"consolidation_policy": "WhenEmpty"},
    {"limits": {"cpu": 1000_000}},
    {"weight": 50},
    # the same taints in another order: hashed as a set (SlicesAsSets)
    {"taints": (Taint("a", "b", "NoSchedule"),)},
    # an empty map hashes as absent (IgnoreZeroValue)
    {"template_annotations": {}},
])
def test_a_change_upstream_does_not_hash_drifts_nothing(change: dict) -> None:  # type: ignore[type-arg]
    new = replace(POOL, **change)
    assert changed_hash_fields(POOL, new) == []
    assert _drift(new) == []


def test_requirements_are_not_hashed_but_drift_claims_they_no_longer_admit() -> None:
    # areRequirementsDrifted: the claim's labels against the new requirements.
    spot_only = replace(POOL, requirements=(NodeSelectorRequirement(
        "karpenter.sh/capacity-type", "In", ("spot",)),))
    assert changed_hash_fields(POOL, spot_only) == []
    assert _drift(spot_only) == [REQUIREMENTS_DRIFTED]
    both = replace(POOL, requirements=(NodeSelectorRequirement(
        "karpenter.sh/capacity-type", "In", ("spot", "on-demand")),))
    assert _drift(both) == []
    # A requirement on a label the claim does not carry drifts it (no undefined allowance).
    gpu = replace(POOL, requirements=(*POOL.requirements, NodeSelectorRequirement(
        "example.com/gpu", "Exists", ())))
    assert _drift(gpu) == [REQUIREMENTS_DRIFTED]


def _annotated(pool_hash: str, claim_hash: str, pool_version: str = "v3",
               claim_version: str = "v3") -> tuple[NodePool, NodeClaim]:
    pool = replace(POOL, raw={"metadata": {"annotations": {
        HASH_ANNOTATION: pool_hash, HASH_VERSION_ANNOTATION: pool_version}}})
    claim = replace(CLAIM, annotations={HASH_ANNOTATION: claim_hash,
                                        HASH_VERSION_ANNOTATION: claim_version})
    return pool, claim


def test_hash_annotations_decide_with_their_version() -> None:
    # areStaticFieldsDrifted: different hashes drift only when the hash versions agree.
    pool, claim = _annotated("111", "222")
    assert _drift(pool, claim, old=pool) == [NODEPOOL_DRIFTED]  # already differs, no change
    pool, claim = _annotated("111", "222", claim_version="v2")
    assert _drift(pool, claim, old=pool) == []
    pool, claim = _annotated("111", "111")
    assert _drift(pool, claim, old=pool) == []
    assert _drift(replace(pool, template_labels={"team": "b"}), claim, old=pool) == \
        [NODEPOOL_DRIFTED]


def _classes(old_spec: dict, new_spec: dict) -> dict:  # type: ignore[type-arg]
    old = NodeClass(group=REF.group, kind=REF.kind, name=REF.name, spec=old_spec)
    new = NodeClass(group=REF.group, kind=REF.kind, name=REF.name, spec=new_spec)
    return {(REF.group, REF.kind, REF.name): (old, new)}


def test_ec2nodeclass_static_hash_and_ami_selector() -> None:
    # karpenter-provider-aws drift.go: static hash (userData is hashed), AMIs from status.
    assert _drift(POOL, classes=_classes({"userData": "a"}, {"userData": "b"})) == \
        [NODECLASS_DRIFTED]
    assert _drift(POOL, classes=_classes(
        {"amiSelectorTerms": [{"alias": "al2023@v20240807"}]},
        {"amiSelectorTerms": [{"alias": "al2023@v20241011"}]})) == [AMI_DRIFTED]
    # subnet selectors are not hashed: nodes drift only if the resolved subnets change
    assert _drift(POOL, classes=_classes({"subnetSelectorTerms": [{"id": "a"}]},
                                         {"subnetSelectorTerms": [{"id": "b"}]})) == []


def test_tke_has_no_node_class_drift() -> None:
    # karpenter-provider-tke pkg/cloudprovider/cloudprovider.go IsDrifted returns "".
    found = drift_from_change([CLAIM], {"general": POOL}, {"general": POOL},
                              _classes({"userData": "a"}, {"userData": "b"}), lambda _: "tke")
    assert found == []
    note = node_class_drift_note("tke")
    assert note is not None and "never reports drift" in note
    assert node_class_drift_note("aws") is None
