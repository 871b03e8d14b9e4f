"""The readers' shortcuts (model/parse/fields.py: exact-type first tests, remembered
quantities and timestamps, the conditions fast path, locations joined only for an error) give
the same answer as the checked path: every field of rich documents replaced by values of the
wrong type or shape, read with and without the shortcuts, same objects or same error."""

from __future__ import annotations

import copy
import datetime as dt
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from kubectl_karp.errors import KarpError
from kubectl_karp.model.parse import build_snapshot, fields

# ruff: noqa: E501
POD: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "web-1", "namespace": "team", "uid": "u1", "labels": {"app": "web", "n": 3},
   "annotations": {"a": "b"}, "creationTimestamp": "2026-01-10T08:00:00Z",
   "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "x", "controller": True}]},
 "spec": {"nodeName": "n1", "schedulerName": "default-scheduler", "priority": 5, "priorityClassName": "high",
   "nodeSelector": {"zone": "a"}, "hostNetwork": False,
   "containers": [{"name": "app", "image": "nginx", "ports": [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP", "hostIP": "0.0.0.0"}],
                   "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "nvidia.com/gpu": 1}}}],
   "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "2"}}}, {"name": "side", "restartPolicy": "Always", "resources": {"requests": {"memory": "1Gi"}}}],
   "overhead": {"cpu": "10m"},
   "resources": {"requests": {"cpu": "3"}, "limits": {"memory": "4Gi"}},
   "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 30}, {"key": "j", "value": "v"}],
   "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "z", "operator": "In", "values": ["a", "b"]}]}]},
                                 "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 3, "preference": {"matchExpressions": [{"key": "y", "operator": "Gt", "values": ["3"]}]}}]},
                "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "web"}}}]},
                "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": {"topologyKey": "host", "namespaces": ["a"]}}]}},
   "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}, "minDomains": 2, "matchLabelKeys": ["pod-template-hash"]}],
   "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "pvc1"}}, {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {"storageClassName": "fast"}}}}]},
 "status": {"phase": "Running", "startTime": "2026-01-10T08:01:00Z",
   "conditions": [{"type": "Ready", "status": "True", "reason": "", "message": "m", "lastTransitionTime": "2026-01-10T08:02:00Z"}, {"type": "PodScheduled"}],
   "containerStatuses": [{"name": "app", "resources": {"requests": {"cpu": "500m"}}, "allocatedResources": {"cpu": "400m"}}]}}
NODE: dict[str, Any] = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"a": "b"}, "creationTimestamp": "2026-01-10T08:00:00Z"},
  "spec": {"providerID": "p", "taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}], "unschedulable": True},
  "status": {"capacity": {"cpu": "8", "memory": "16Gi"}, "allocatable": {"cpu": "7", "pods": 61}, "conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.30.1"}}}
POOL: dict[str, Any] = {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "p"},
  "spec": {"weight": 3, "limits": {"cpu": "100"}, "template": {"metadata": {"labels": {"x": "y"}}, "spec": {"requirements": [{"key": "k", "operator": "In", "values": ["a"], "minValues": 1}], "taints": [{"key": "t", "effect": "NoExecute"}],
   "nodeClassRef": {"group": "karpenter.k8s.tke", "kind": "TKEMachineNodeClass", "name": "d"}, "expireAfter": "720h"}},
   "disruption": {"consolidateAfter": "5m", "budgets": [{"nodes": "10%", "reasons": ["Empty"]}]}}}
CLAIM: dict[str, Any] = {"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim", "metadata": {"name": "c", "labels": {"karpenter.sh/nodepool": "p"}},
  "spec": {"requirements": [{"key": "k", "operator": "Exists"}], "resources": {"requests": {"cpu": "1"}}}, "status": {"nodeName": "n1", "capacity": {"cpu": "8"}, "conditions": [{"type": "Launched", "status": "True"}]}}
DOCS = [POD, NODE, POOL, CLAIM]


# Errors as the reader that built every location up front gave them (recorded from it before
# locations became lazy): the field named must not change.
RECORDED = [
    (POD, ("spec", "containers", 0, "resources", "limits", "cpu"), "lots",
     "f.yaml document 1 (Pod team/web-1).spec.containers[0].resources.limits.cpu: invalid "
     "quantity 'lots': expected a number with an optional suffix such as 500m, 2, 1.5Gi, 512Mi "
     "or 1e3"),
    (POD, ("spec", "initContainers", 1, "resources"), "x",
     "f.yaml document 1 (Pod team/web-1).spec.initContainers[1].resources: expected a mapping, "
     "got str"),
    (POD, ("spec", "tolerations", 1, "tolerationSeconds"), "soon",
     "f.yaml document 1 (Pod team/web-1).spec.tolerations[1].tolerationSeconds: expected an "
     "integer, got 'soon'"),
    (POD, ("spec", "tolerations", 0, "operator"), "Maybe",
     "f.yaml document 1 (Pod team/web-1).spec.tolerations[0].operator: unknown toleration "
     "operator 'Maybe' (allowed: Equal, Exists)"),
    (POD, ("spec", "containers", 0, "ports", 0, "hostPort"), 70000,
     "f.yaml document 1 (Pod team/web-1).spec.containers[0].ports[0].hostPort: hostPort 70000 "
     "is outside 1-65535"),
    (POD, ("spec", "affinity", "podAntiAffinity",
           "preferredDuringSchedulingIgnoredDuringExecution", 0, "weight"), "heavy",
     "f.yaml document 1 (Pod team/web-1).spec.affinity.podAntiAffinity."
     "preferredDuringSchedulingIgnoredDuringExecution[0].weight: expected an integer, got "
     "'heavy'"),
    (POD, ("spec", "volumes", 1, "ephemeral", "volumeClaimTemplate"), [1],
     "f.yaml document 1 (Pod team/web-1).spec.volumes[1].ephemeral: expected a mapping, got "
     "list"),
    (POD, ("metadata", "ownerReferences", 0, "kind"), [],
     "f.yaml document 1 (Pod team/web-1).metadata.ownerReferences[0]: expected a string, got "
     "list"),
    (POD, ("status", "conditions", 1, "lastTransitionTime"), "yesterday",
     "f.yaml document 1 (Pod team/web-1).status.conditions[1].lastTransitionTime: invalid "
     "timestamp 'yesterday' (expected RFC 3339)"),
    (POD, ("status", "containerStatuses", 0, "allocatedResources", "cpu"), "-1",
     "f.yaml document 1 (Pod team/web-1).spec.containers[0] allocatedResources.cpu: quantity "
     "'-1' must not be negative"),
    (POD, ("spec", "overhead"), "x",
     "f.yaml document 1 (Pod team/web-1).spec.overhead: expected a mapping, got str"),
    (POD, ("spec", "priority"), "high",
     "f.yaml document 1 (Pod team/web-1).spec.priority: expected an integer, got 'high'"),
    (NODE, ("status", "conditions", 0, "status"), {"a": 1},
     "f.yaml document 1 (Node n1).status.conditions[0].status: expected a string, got dict"),
    (NODE, ("status", "allocatable", "pods"), True,
     "f.yaml document 1 (Node n1).status.allocatable.pods: expected a quantity, got True"),
    (POOL, ("spec", "disruption", "budgets", 0, "nodes"), "200%",
     "f.yaml document 1 (NodePool p).spec.disruption.budgets[0].nodes: nodes '200%' must be a "
     "whole number or a percentage 0-100%"),
    (CLAIM, ("status", "capacity", "cpu"), "8 cores",
     "f.yaml document 1 (NodeClaim c).status.capacity.cpu: invalid quantity '8 cores': "
     "expected a number with an optional suffix such as 500m, 2, 1.5Gi, 512Mi or 1e3"),
]

WRONG: list[Any] = [None, True, 3, "x", [], {}, [1], {"a": 1}, -5, 1.5, "2026-13-01", "-1",
                    "1Gi", "", dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                    dt.datetime(1, 1, 1)]


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _paths(value, (*prefix, i))


def _with(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(doc)
    cur = out
    for part in path[:-1]:
        cur = cur[part]
    cur[path[-1]] = value
    return out


def _read(doc: Any) -> tuple[Any, ...]:
    try:
        snap = build_snapshot([(doc, "f.yaml document 1")], source="f")
    except KarpError as err:
        return ("error", str(err))
    return ("ok", snap.pods, snap.nodes, snap.node_pools, snap.node_claims, snap.notes,
            [p.status_requests for p in snap.pods])


def _checked_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shortcut off: quantities and timestamps through the located parsers, conditions
    field by field."""
    monkeypatch.setattr(fields, "_fast_milli", lambda quantity: None)
    monkeypatch.setattr(fields, "_rfc3339", lambda value: None)
    checked = fields._checked_conditions

    def conditions(value: Any, where: str, at: str = "") -> Any:
        return () if value is None else checked(value, where + at)

    for name, module in list(sys.modules.items()):
        if name.startswith("kubectl_karp.model.parse") and \
                getattr(module, "parse_conditions", None) is fields.parse_conditions:
            monkeypatch.setattr(module, "parse_conditions", conditions)


def test_shortcuts_read_every_mutation_as_the_checked_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [_with(doc, path, value) for doc in (POD, NODE, POOL, CLAIM)
             for path in _paths(doc) for value in WRONG]
    fast = [_read(doc) for doc in cases]
    with monkeypatch.context() as patch:
        _checked_only(patch)
        checked = [_read(doc) for doc in cases]
    assert len(cases) > 3000
    assert sum(1 for r in fast if r[0] == "error") > 500  # the mutations do reach the checks
    for doc, a, b in zip(cases, fast, checked, strict=True):
        assert a == b, doc


@pytest.mark.parametrize(("doc", "path", "value", "message"), RECORDED)
def test_errors_name_the_field_they_named_before(doc: dict[str, Any], path: tuple[Any, ...],
                                                 value: Any, message: str) -> None:
    assert _read(_with(doc, path, value)) == ("error", message)


def test_snapshot_models_only_what_the_catalogue_choice_reads() -> None:
    # A live `kubectl karp snapshot` keeps every document as read and models only CATALOG_FACTS:
    # the same documents, notes and catalogue facts as reading everything.
    from kubectl_karp.model.parse import CATALOG_FACTS
    from kubectl_karp.sources.demo import demo_documents

    extra: list[Any] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
        {"apiVersion": "karpenter.sh/v1alpha5", "kind": "Provisioner", "metadata": {"name": "o"}},
        {"apiVersion": "karpenter.sh/v2", "kind": "NodePool", "metadata": {"name": "future"}},
    ]
    docs = [*demo_documents(), *((d, f"extra {i}") for i, d in enumerate([POD, NODE, POOL,
                                                                          CLAIM, *extra]))]
    full = build_snapshot(docs, source="x")
    facts = build_snapshot(docs, source="x", model=CATALOG_FACTS)
    assert facts.documents == full.documents and facts.notes == full.notes
    for name in ("catalogs", "nodes", "node_classes", "node_pools", "node_claims",
                 "namespaces", "karpenter_version", "kubernetes_version"):
        assert getattr(facts, name) == getattr(full, name), name
    assert full.pods and not facts.pods
