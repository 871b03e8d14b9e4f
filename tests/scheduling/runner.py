"""Scenario runner: a compact YAML description of a cluster → snapshot → simulate → checks.

Scenario keys (all optional except ``expect``):
  catalog: {sizes: [[cpu, memGiB], ...], families: {S5: amd64}, zones: [...], spot: bool,
            soldOut: [[type, zone, capacityType]], reserved: [[type, zone, price]]}
            providerFormula: true — leave allocatable and pods to the TKE provider's formula,
            extraCapacity: {resource: amount} on every type (e.g. tke.cloud.tencent.com/eni-ip)
  nodeClass: {zones: [...], ready: bool, spec: {...} merged into the TKEMachineNodeClass spec}
  nodePools: compact NodePools {name, weight, requirements, taints, startupTaints, labels,
             limits, replicas (static), deleting: true (deletionTimestamp set)}
  pods: compact pending pods {name, count, cpu, memory, labels, namespace, spec (merged
        into the pod spec), created (seconds offset),
        pvcs (claim names mounted as volumes)}
  volumes: compact storage {storageClasses: [{name, mode, zones: [[zone…] per term]}],
           pvs: [{name, zones: [[zone…] per term], terms (raw matchExpressions lists), local,
           deleting}], pvcs: [{name, class, volume, bound (default: volume set), deleting,
           phase}]}
  nodes: compact existing nodes {name, cpu, memory, zone (null: no zone label), instanceType,
         nodePool (null: not Karpenter's), initialized, registered, labels, taints,
         unschedulable, deleting (the Node), claim: {startupTaints, deleting} (adds its
         NodeClaim), csi: {driver: attach limit} (adds its CSINode), pods: a number (pod
         capacity) or the bound pods [{name, cpu, memory, labels, annotations, owner
         (controller kind), pvcs}]}
  daemonSets: compact DaemonSets {name, cpu, memory, namespace, labels, spec (merged into
              the template's pod spec)}
  pods may carry ``node: NAME`` (bound and Running there) — for existing pods' labels
  objects: raw Kubernetes documents (nodes, bound pods, DaemonSets, PVs, PVCs, …)
  simulate: {nodePools: [...], excludeNodes: [...]}
  provider: tke (default) | aws | alibaba | huawei — the node class kind (official group) and
            the catalogue's provider; instance types then carry no allocatable, so the
            provider's own overhead formula applies (catalog.gpus: {family: count} adds GPUs)
  karpenterVersion: "1.9" — follow that Karpenter release's rules (default: the newest);
            ``versions: {"1.9": {expect...}, "1.14": {expect...}}`` asserts one answer per release
  expect: see ``check`` (podsPerZone / podsPerCapacityType: pods on new NodeClaims per
          domain, sorted — upstream's ExpectSkew)
Instance types follow Karpenter's fake cloud provider: price = 0.1·vCPU + 0.1·memory GiB
(spot 30% of that), kubelet overhead 100m CPU / 10Mi, 110 pods.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.core.reasons import POD_REASONS
from kubectl_karp.core.releases import SOURCE_FLAG, resolve_rules
from kubectl_karp.core.scheduling import SimulationResult, simulate
from kubectl_karp.model.parse import build_snapshot
from tests.builders import documents as docs_of
from tests.builders.catalogs import DEFAULT_ZONES, make_catalog

SCENARIOS = Path(__file__).parent / "scenarios"


def node_class(spec: dict[str, Any], provider: str = "tke") -> dict[str, Any]:
    return docs_of.node_class(spec.get("name", "default"), provider=provider,
                                zones=spec.get("zones", DEFAULT_ZONES),
                                ready=spec.get("ready", True), spec=spec.get("spec", {}))


def node_pool(spec: dict[str, Any], provider: str = "tke") -> dict[str, Any]:
    return docs_of.node_pool(
        spec.get("name", "default"), provider=provider, node_class=spec.get("nodeClass",
                                                                            "default"),
        requirements=spec.get("requirements", []), taints=spec.get("taints"),
        startup_taints=spec.get("startupTaints"), labels=spec.get("labels", {}),
        weight=spec.get("weight"), limits=spec.get("limits"), replicas=spec.get("replicas"),
        deleting=bool(spec.get("deleting")), ready=None)


def pod_docs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    count = spec.get("count", 1)
    base = spec["name"]
    docs = []
    for i in range(count):
        created = spec.get("created", 0) + i
        docs.append(docs_of.pod(
            base if count == 1 and not spec.get("indexed") else f"{base}-{i}",
            cpu=spec.get("cpu"), memory=spec.get("memory"), requests=spec.get("requests"),
            namespace=spec.get("namespace", "default"), uid=f"uid-{base}-{i:05d}",
            labels=spec.get("labels", {}), spec=spec.get("spec", {}), pvcs=spec.get("pvcs", ()),
            node_name=spec.get("node"), owner_ref=spec.get("owner") or None,
            created=f"2026-01-01T00:{created // 60:02d}:{created % 60:02d}Z",
            container="app", image="app"))
    return docs


def volume_docs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The compact ``volumes:`` section as StorageClass, PersistentVolume and PVC documents."""
    docs = [docs_of.storage_class(sc["name"], provisioner=sc.get("provisioner", "csi.test"),
                                    mode=sc.get("mode", "WaitForFirstConsumer"),
                                    zones=sc.get("zones", ()))
            for sc in spec.get("storageClasses", [])]
    docs += [docs_of.persistent_volume(
        pv["name"], terms=docs_of.zone_terms(pv.get("zones", [])) + [
            {"matchExpressions": t} for t in pv.get("terms", [])],
        local=bool(pv.get("local")), driver=pv.get("driver", "csi.test"),
        claim=str(pv["claim"]) if pv.get("claim") else None, deleting=bool(pv.get("deleting")))
        for pv in spec.get("pvs", [])]
    docs += [docs_of.persistent_volume_claim(
        pvc["name"], namespace=pvc.get("namespace", "default"),
        storage_class_name=pvc.get("class"), volume=pvc.get("volume"), bound=pvc.get("bound"),
        deleting=bool(pvc.get("deleting")), phase=pvc.get("phase"))
        for pvc in spec.get("pvcs", [])]
    return docs


def node_docs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """One compact ``nodes:`` entry as a Node (a Karpenter one unless ``nodePool: null``),
    with ``claim`` its NodeClaim, its bound pods (``pods`` as a list; a number is the node's
    pod capacity) and, with ``csi``, its CSINode."""
    name = spec["name"]
    bound = spec.get("pods", [])
    zone = spec.get("zone", DEFAULT_ZONES[0])
    docs = [docs_of.node(
        name, cpu=str(spec.get("cpu", "4")), memory=spec.get("memory", "8Gi"),
        zone=None if zone is None else str(zone), pool=spec.get("nodePool", "default"),
        instance_type=spec.get("instanceType", "S5.LARGE8"), labels=spec.get("labels", {}),
        taints=spec.get("taints") or (), unschedulable=bool(spec.get("unschedulable")),
        pods=bound if isinstance(bound, int) else 110, provider_id=f"qcloud:///{name}",
        os=False, registered=spec.get("registered", True),
        initialized=spec.get("initialized", True), deleting=bool(spec.get("deleting")))]
    claim = spec.get("claim")
    if claim is not None:
        docs.append(docs_of.claim_of(docs[0], startup_taints=claim.get("startupTaints", []),
                                       deleting=bool(claim.get("deleting"))))
    for i, pod in enumerate([] if isinstance(bound, int) else bound):
        owner = pod.get("owner", "ReplicaSet")
        docs.append(docs_of.pod(
            pod["name"], cpu=None, memory=None,
            requests={k: str(pod[k]) for k in ("cpu", "memory") if k in pod},
            namespace=pod.get("namespace", "default"), uid=f"uid-{name}-{i}",
            labels=pod.get("labels", {}), annotations=pod.get("annotations", {}),
            owner_ref={"apiVersion": "v1" if owner == "Node" else "apps/v1", "kind": owner,
                       "name": pod.get("ownerName", f"{pod['name']}-rs"),
                       "uid": f"owner-{pod['name']}"} if owner else None,
            node_name=name, pvcs=pod.get("pvcs", ()), created=None, container="app",
            image="app"))
    if spec.get("csi"):
        docs.append({"apiVersion": "storage.k8s.io/v1", "kind": "CSINode",
                     "metadata": {"name": name},
                     "spec": {"drivers": [{"name": d, "nodeID": name,
                                           "allocatable": {"count": n}}
                                          for d, n in spec["csi"].items()]}})
    return docs


def daemon_set_doc(spec: dict[str, Any]) -> dict[str, Any]:
    return docs_of.daemon_set(spec["name"], requests={k: spec[k] for k in ("cpu", "memory")
                                                        if k in spec},
                                spec=spec.get("spec", {}), labels=spec.get("labels"),
                                namespace=spec.get("namespace", "kube-system"))


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))
    return data


def documents(scenario: dict[str, Any]) -> list[Any]:
    """Every Kubernetes document the scenario describes."""
    docs: list[Any] = []
    provider = scenario.get("provider", "tke")
    classes = scenario.get("nodeClasses") or [scenario.get("nodeClass", {})]
    docs += [node_class(c, provider) for c in classes]
    docs += [node_pool(p, provider) for p in scenario.get("nodePools", [{"name": "default"}])]
    for pod in scenario.get("pods", []):
        docs += pod_docs(pod)
    docs += volume_docs(scenario.get("volumes", {}))
    for node in scenario.get("nodes", []):
        docs += node_docs(node)
    docs += [daemon_set_doc(d) for d in scenario.get("daemonSets", [])]
    docs += scenario.get("objects", [])
    return docs


def context(scenario: dict[str, Any]) -> SchedulingContext:
    """The scenario's cluster, catalogue and Karpenter release as a scheduling context."""
    provider = scenario.get("provider", "tke")
    snapshot = build_snapshot([(d, f"scenario document {i}")
                               for i, d in enumerate(documents(scenario))], source="scenario")
    version = scenario.get("karpenterVersion")
    rules = resolve_rules(str(version), SOURCE_FLAG) if version else None
    return build_context(snapshot, [make_catalog(scenario.get("catalog", {}), provider)],
                         rules=rules)


def run(scenario: dict[str, Any]) -> SimulationResult:
    ctx = context(scenario)
    options = scenario.get("simulate", {})
    result = simulate(ctx, node_pools=options.get("nodePools"),
                      exclude_nodes=frozenset(options.get("excludeNodes", [])))
    # The context's notes (overlays, catalogue) are shown with the result's: check both.
    return replace(result, notes=(*ctx.notes, *result.notes))


def check(result: SimulationResult, expect: dict[str, Any]) -> None:
    claims = result.node_claims
    summary = [(c.node_pool, c.instance_type, c.zone, c.capacity_type, len(c.pods))
               for c in claims]
    failed = {f.pod: f for f in result.unschedulable}
    codes = {k: [r.code for r in v.reasons] for k, v in failed.items()}
    where = f"claims={summary} pending={codes}"
    for pod_codes in codes.values():
        assert pod_codes and set(pod_codes) <= set(POD_REASONS), where
    if "nodeClaims" in expect:
        assert len(claims) == expect["nodeClaims"], where
    if "instanceTypes" in expect:
        assert Counter(c.instance_type for c in claims) == Counter(expect["instanceTypes"]), where
    if "zones" in expect:
        assert Counter(c.zone for c in claims) == Counter(
            {str(k): v for k, v in expect["zones"].items()}), where
    if "distinctZones" in expect:
        assert len({c.zone for c in claims}) == expect["distinctZones"], where
    if "nodePools" in expect:
        assert Counter(c.node_pool for c in claims) == Counter(expect["nodePools"]), where
    if "capacityTypes" in expect:
        assert Counter(c.capacity_type for c in claims) == Counter(expect["capacityTypes"]), where
    if "podsPerZone" in expect:  # upstream's ExpectSkew over zones, for new NodeClaims
        per_zone = Counter[str]()
        for c in claims:
            per_zone[str(c.zone)] += len(c.pods)
        assert sorted(per_zone.values()) == sorted(expect["podsPerZone"]), where
    if "podsPerCapacityType" in expect:
        per_ct = Counter[str]()
        for c in claims:
            per_ct[str(c.capacity_type)] += len(c.pods)
        assert sorted(per_ct.values()) == sorted(expect["podsPerCapacityType"]), where
    if "podsPerClaim" in expect:
        assert sorted(len(c.pods) for c in claims) == sorted(expect["podsPerClaim"]), where
    if "claims" in expect:
        for want in expect["claims"]:
            assert any(_claim_matches(c, want) for c in claims), f"{want} not in {where}"
    if "existing" in expect:
        got = {e.node: len(e.pods) for e in result.existing}
        assert got == expect["existing"], f"existing={got} {where}"
    if "pending" in expect:
        assert len(failed) == expect["pending"], where
    for want in expect.get("reasons", []):
        pods = [p for p in failed if p == want["pod"] or p.startswith(want["pod"])]
        assert pods, f"no pending pod {want['pod']}: {where}"
        for pod in pods:
            found = [(r.code, r.node_pool) for r in failed[pod].reasons]
            assert any(code == want["code"] and ("nodePool" not in want
                                                 or pool == want["nodePool"])
                       for code, pool in found), f"{pod}: {found} lacks {want}"
            if "message" in want:
                assert any(want["message"] in r.message for r in failed[pod].reasons), \
                    [r.message for r in failed[pod].reasons]
            if "fix" in want:
                assert any(want["fix"] in r.fix for r in failed[pod].reasons), \
                    [r.fix for r in failed[pod].reasons]
    for text in expect.get("notes", []):
        assert any(text in note for note in result.notes), f"no note with {text!r}: " \
            f"{result.notes}"
    if "cost" in expect:
        assert result.new_cost_per_hour is not None, where
        assert abs(result.new_cost_per_hour - expect["cost"]) < 1e-6, \
            f"cost {result.new_cost_per_hour} {where}"
    if "placedOn" in expect:
        for pod, target in expect["placedOn"].items():
            placement = result.placement_of(pod)
            assert placement is not None, f"{pod} not placed: {where}"
            if target == "new":
                assert placement.node_claim_index is not None, where
            else:
                assert placement.existing_node == target, f"{pod} on {placement}: {where}"
    if "sameClaim" in expect:
        for group in expect["sameClaim"]:
            indexes = {result.placement_of(p).node_claim_index for p in group}  # type: ignore[union-attr]
            assert len(indexes) == 1, f"{group} split over {indexes}: {where}"


def _claim_matches(claim: Any, want: dict[str, Any]) -> bool:
    fields = {"nodePool": claim.node_pool, "instanceType": claim.instance_type,
              "zone": claim.zone, "capacityType": claim.capacity_type, "pods": len(claim.pods)}
    return all(str(fields[k]) == str(v) for k, v in want.items() if k in fields)
