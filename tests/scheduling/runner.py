"""Scenario runner: a compact YAML description of a cluster → snapshot → simulate → checks.

Scenario keys (all optional except ``expect``):
  catalog: {sizes: [[cpu, memGiB], ...], families: {S5: amd64}, zones: [...], spot: bool,
            soldOut: [[type, zone, capacityType]], reserved: [[type, zone, price]]}
            providerFormula: true — leave allocatable and pods to the TKE provider's formula,
            extraCapacity: {resource: amount} on every type (e.g. tke.cloud.tencent.com/eni-ip)
  nodeClass: {zones: [...], ready: bool, spec: {...} merged into the TKEMachineNodeClass spec}
  nodePools: compact NodePools {name, weight, requirements, taints, startupTaints, labels,
             limits}
  pods: compact pending pods {name, count, cpu, memory, labels, namespace, spec (merged
        into the pod spec), created (seconds offset)}
  objects: raw Kubernetes documents (nodes, bound pods, DaemonSets, PVs, PVCs, …)
  simulate: {nodePools: [...], excludeNodes: [...]}
  karpenterVersion: "1.9" — follow that Karpenter release's rules (default: the newest);
            ``versions: {"1.9": {expect...}, "1.14": {expect...}}`` asserts one answer per release
  expect: see ``check``.
Instance types follow Karpenter's fake cloud provider: price = 0.1·vCPU + 0.1·memory GiB
(spot 30% of that), kubelet overhead 100m CPU / 10Mi, 110 pods.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from kubectl_karp.core.context import build_context
from kubectl_karp.core.reasons import POD_REASONS
from kubectl_karp.core.releases import SOURCE_FLAG, resolve_rules
from kubectl_karp.core.scheduling import SimulationResult, simulate
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.quantity import parse_milli

GI = 2**30 * 1000
MI = 2**20 * 1000
SCENARIOS = Path(__file__).parent / "scenarios"
DEFAULT_ZONES = ["100003", "100004", "100006"]
ZONE_NAMES = {"100003": "ap-guangzhou-3", "100004": "ap-guangzhou-4",
              "100006": "ap-guangzhou-6", "100007": "ap-guangzhou-7"}
DEFAULT_SIZES = [[1, 1], [1, 2], [2, 4], [2, 8], [4, 8], [4, 16], [8, 16], [8, 32], [16, 32],
                 [16, 64], [32, 64], [32, 128], [64, 256]]
SIZE_NAMES = {1: "SMALL", 2: "MEDIUM", 4: "LARGE", 8: "2XLARGE", 16: "4XLARGE", 32: "8XLARGE",
              64: "16XLARGE"}


def make_catalog(spec: dict[str, Any]) -> InstanceTypeCatalog:
    zones = spec.get("zones", DEFAULT_ZONES)
    families = spec.get("families", {"S5": "amd64"})
    sizes = spec.get("sizes", DEFAULT_SIZES)
    spot = spec.get("spot", False)
    sold_out = {tuple(x) for x in spec.get("soldOut", [])}
    sold_out_all = {tuple(x) for x in spec.get("soldOutAll", [])}  # (zone, capacity type)
    types = []
    for family, arch in families.items():
        factor = 0.9 if arch == "arm64" else 1.0
        for cpu, mem in sizes:
            name = f"{family}.{SIZE_NAMES.get(cpu, str(cpu))}{mem}"
            price = round((0.1 * cpu + 0.1 * mem) * factor, 4)
            offerings = []
            for zone in zones:
                for ctype, p in (("on-demand", price), ("spot", round(price * 0.3, 4))):
                    if ctype == "spot" and not spot:
                        continue
                    offerings.append(Offering(zone=zone, capacity_type=ctype, price_per_hour=p,
                                              available=(name, zone, ctype) not in sold_out
                                              and (zone, ctype) not in sold_out_all,
                                              zone_name=ZONE_NAMES.get(zone, "")))
            for rname, rzone, rprice in spec.get("reserved", []):
                if rname == name:
                    offerings.append(Offering(zone=rzone, capacity_type="reserved",
                                              price_per_hour=rprice))
            capacity = {"cpu": cpu * 1000, "memory": mem * GI, "pods": 110_000}
            allocatable = {"cpu": cpu * 1000 - 100, "memory": mem * GI - 10 * MI,
                           "pods": 110_000}
            extra = {k: parse_milli(str(v)) for k, v in spec.get("extraCapacity", {}).items()}
            capacity.update(extra)
            allocatable.update(extra)
            if spec.get("providerFormula"):
                del capacity["pods"]
                allocatable = {}
            types.append(InstanceType(
                name=name, labels={"karpenter.k8s.tke/instance-family": family,
                                   "kubernetes.io/arch": arch},
                capacity=capacity, allocatable=allocatable, offerings=tuple(offerings)))
    return InstanceTypeCatalog(provider="tke", region="ap-guangzhou", source="test catalogue",
                               instance_types=tuple(types), origin="test")


def node_class(spec: dict[str, Any]) -> dict[str, Any]:
    zones = spec.get("zones", DEFAULT_ZONES)
    ready = spec.get("ready", True)
    return {
        "apiVersion": "karpenter.k8s.tke/v1beta1", "kind": "TKEMachineNodeClass",
        "metadata": {"name": spec.get("name", "default")},
        "spec": {"subnetSelectorTerms": [{"tags": {"k": "v"}}],
                 "securityGroupSelectorTerms": [{"tags": {"k": "v"}}], **spec.get("spec", {})},
        "status": {"subnets": [{"id": f"subnet-{z}", "zone": ZONE_NAMES.get(z, z), "zoneID": z}
                               for z in zones],
                   "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                   "reason": "Ready" if ready else "SubnetsNotFound",
                                   "message": "" if ready else "no subnet matched"}]},
    }


def node_pool(spec: dict[str, Any]) -> dict[str, Any]:
    template_spec: dict[str, Any] = {
        "nodeClassRef": {"group": "karpenter.k8s.tke", "kind": "TKEMachineNodeClass",
                         "name": spec.get("nodeClass", "default")},
        "requirements": spec.get("requirements", []),
    }
    if "taints" in spec:
        template_spec["taints"] = spec["taints"]
    if "startupTaints" in spec:
        template_spec["startupTaints"] = spec["startupTaints"]
    doc: dict[str, Any] = {
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool",
        "metadata": {"name": spec.get("name", "default")},
        "spec": {"template": {"metadata": {"labels": spec.get("labels", {})},
                              "spec": template_spec}},
    }
    if "weight" in spec:
        doc["spec"]["weight"] = spec["weight"]
    if "limits" in spec:
        doc["spec"]["limits"] = spec["limits"]
    return doc


def pod_docs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    count = spec.get("count", 1)
    base = spec["name"]
    resources: dict[str, Any] = {}
    requests = {k: spec[k] for k in ("cpu", "memory") if k in spec}
    requests.update(spec.get("requests", {}))
    if requests:
        resources["requests"] = requests
    docs = []
    for i in range(count):
        name = base if count == 1 and not spec.get("indexed") else f"{base}-{i}"
        pod_spec: dict[str, Any] = {"containers": [{"name": "app", "image": "app",
                                                    "resources": resources}]}
        pod_spec.update(spec.get("spec", {}))
        created = spec.get("created", 0) + i
        docs.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": spec.get("namespace", "default"),
                         "uid": f"uid-{base}-{i:05d}", "labels": spec.get("labels", {}),
                         "creationTimestamp": f"2026-01-01T00:{created // 60:02d}:"
                                              f"{created % 60:02d}Z"},
            "spec": pod_spec, "status": {"phase": "Pending"},
        })
    return docs


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))
    return data


def run(scenario: dict[str, Any]) -> SimulationResult:
    docs: list[Any] = []
    classes = scenario.get("nodeClasses") or [scenario.get("nodeClass", {})]
    docs += [node_class(c) for c in classes]
    docs += [node_pool(p) for p in scenario.get("nodePools", [{"name": "default"}])]
    for pod in scenario.get("pods", []):
        docs += pod_docs(pod)
    docs += scenario.get("objects", [])
    snapshot = build_snapshot([(d, f"scenario document {i}") for i, d in enumerate(docs)],
                              source="scenario")
    version = scenario.get("karpenterVersion")
    rules = resolve_rules(str(version), SOURCE_FLAG) if version else None
    ctx = build_context(snapshot, [make_catalog(scenario.get("catalog", {}))], rules=rules)
    options = scenario.get("simulate", {})
    return simulate(ctx, node_pools=options.get("nodePools"),
                    exclude_nodes=frozenset(options.get("excludeNodes", [])))


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
