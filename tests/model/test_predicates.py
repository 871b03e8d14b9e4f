"""The pod predicates the provisioner and the disruption controller share, following
upstream's utils/pdb suite_test.go (IsCurrentlyReschedulable) case by case."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_karp.model.objects import Pod, PodDisruptionBudget
from kubectl_karp.model.parse import parse_pdb, parse_pod
from kubectl_karp.model.predicates import (
    blocking_pdbs,
    is_mirror,
    is_reschedulable,
    why_not_currently_reschedulable,
)


def _pod(*, ready: bool = True, annotations: dict[str, str] | None = None,
         owner: str = "ReplicaSet", deleting: bool = False) -> Pod:
    meta: dict[str, Any] = {"name": "p", "namespace": "default", "labels": {"app": "a"},
                            "annotations": annotations or {},
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner,
                                                 "name": "o", "uid": "u", "controller": True}]}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return parse_pod({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                      "spec": {"nodeName": "n", "containers": [{"name": "c", "image": "i"}]},
                      "status": {"phase": "Running", "conditions": [
                          {"type": "Ready", "status": "True" if ready else "False"}]}}, "pod")


def _pdb(name: str = "pdb", **spec: Any) -> PodDisruptionBudget:
    return parse_pdb({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                      "metadata": {"name": name, "namespace": "default"},
                      "spec": {"selector": {"matchLabels": {"app": "a"}}, **spec}}, "pdb")


# upstream: utils/pdb/suite_test.go DescribeTable entries for fully blocking PDBs
@pytest.mark.parametrize("spec", [{"minAvailable": "100%"}, {"maxUnavailable": "0%"},
                                  {"maxUnavailable": 0}])
def test_fully_blocking_pdb_keeps_the_pod(spec: dict[str, Any]) -> None:
    why = why_not_currently_reschedulable(_pod(), [_pdb(**spec)])
    assert why is not None and "default/pdb" in why


def test_pdb_allowing_some_disruption_does_not_block() -> None:
    # A PDB that merely has no disruptions left right now is not "fully blocking".
    assert why_not_currently_reschedulable(_pod(), [_pdb(minAvailable=1)]) is None


# upstream: It("considers unhealthy pod as currently reschedulable when
#   UnhealthyPodEvictionPolicy is set to always allow")
def test_unhealthy_pod_with_always_allow_is_reschedulable() -> None:
    pdb = _pdb(minAvailable="100%", unhealthyPodEvictionPolicy="AlwaysAllow")
    assert why_not_currently_reschedulable(_pod(ready=False), [pdb]) is None


# upstream: It("does not consider unhealthy pod as currently reschedulable when
#   UnhealthyPodEvictionPolicy is not set")
def test_unhealthy_pod_without_always_allow_is_blocked() -> None:
    assert why_not_currently_reschedulable(_pod(ready=False), [_pdb(minAvailable="100%")])


# upstream: It("considers pod as currently reschedulable when no PDBs match")
def test_no_matching_pdb() -> None:
    other = parse_pdb({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                       "metadata": {"name": "x", "namespace": "default"},
                       "spec": {"selector": {"matchLabels": {"app": "b"}},
                                "maxUnavailable": 0}}, "pdb")
    assert why_not_currently_reschedulable(_pod(), [other]) is None


def test_several_matching_pdbs_block() -> None:
    # The eviction API refuses a pod matched by more than one PDB.
    found = blocking_pdbs(_pod(), [_pdb("a", minAvailable=1), _pdb("b", minAvailable=1)])
    assert [p.name for p in found] == ["a", "b"]


# upstream: It("does not consider pod with do-not-disrupt annotation as currently reschedulable")
def test_do_not_disrupt_pod_stays() -> None:
    why = why_not_currently_reschedulable(
        _pod(annotations={"karpenter.sh/do-not-disrupt": "true"}), [])
    assert why is not None and "do-not-disrupt" in why


def test_mirror_and_daemonset_pods_are_not_reschedulable() -> None:
    mirror = _pod(owner="Node")
    assert is_mirror(mirror) and not is_reschedulable(mirror)
    assert not is_reschedulable(_pod(owner="DaemonSet"))


def test_terminating_statefulset_pod_is_reschedulable() -> None:
    # upstream IsReschedulable: a StatefulSet pod must go before its replacement exists.
    assert is_reschedulable(_pod(owner="StatefulSet", deleting=True))
    assert not is_reschedulable(_pod(deleting=True))
