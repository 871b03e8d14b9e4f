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
from kubectl_karp.model import kinds
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


# Provider → (type-name pattern, node-class status key) for non-TKE scenarios.
_CLOUD_NAMES = {"aws": "{family}.{size}", "alibaba": "ecs.{family}.{size}",
                "huawei": "{family}.{size}.2"}
_AWS_SIZES = {1: "medium", 2: "large", 4: "xlarge", 8: "2xlarge", 16: "4xlarge", 32: "8xlarge",
              64: "16xlarge"}


def make_catalog(spec: dict[str, Any], provider: str = "tke") -> InstanceTypeCatalog:
    if provider != "tke":
        return _cloud_catalog(spec, provider)
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


def _cloud_catalog(spec: dict[str, Any], provider: str) -> InstanceTypeCatalog:
    zones = spec.get("zones", DEFAULT_ZONES)
    families = spec.get("families", {"m5": "amd64"})
    gpus = spec.get("gpus", {})
    types = []
    for family, arch in families.items():
        for cpu, mem in spec.get("sizes", DEFAULT_SIZES):
            size = f"{_AWS_SIZES.get(cpu, str(cpu))}{'' if provider == 'aws' else mem}"
            name = _CLOUD_NAMES[provider].format(family=family, size=size)
            price = round(0.1 * cpu + 0.1 * mem, 4)
            capacity = {"cpu": cpu * 1000, "memory": mem * GI}
            if family in gpus:
                capacity["nvidia.com/gpu"] = gpus[family] * 1000
            offerings = tuple(Offering(zone=z, capacity_type=ct, price_per_hour=p)
                              for z in zones for ct, p in (("on-demand", price),
                                                           ("spot", round(price * 0.3, 4)))
                              if ct == "on-demand" or spec.get("spot", False))
            types.append(InstanceType(name=name, labels={"kubernetes.io/arch": arch},
                                      capacity=capacity, offerings=offerings))
    return InstanceTypeCatalog(provider=provider, source="test catalogue",
                               instance_types=tuple(types), origin="test")


def _cloud_node_class(spec: dict[str, Any], provider: str) -> dict[str, Any]:
    kind = kinds.kinds_of(provider)[0]
    zones = spec.get("zones", DEFAULT_ZONES)
    ready = spec.get("ready", True)
    key = {"alibaba": "vSwitches"}.get(provider, "subnets")
    entries = [{"id": f"{key}-{z}", "zone": z, "zoneID": z} for z in zones]
    if provider == "huawei":
        entries = [{"id": f"subnet-{z}"} for z in zones]  # CCE subnets carry no zone
    return {"apiVersion": kind.api_version, "kind": kind.kind,
            "metadata": {"name": spec.get("name", "default")}, "spec": spec.get("spec", {}),
            "status": {key: entries, "conditions": [
                {"type": "Ready", "status": "True" if ready else "False",
                 "reason": "Ready" if ready else "NotReady", "message": "",
                 "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}


def node_class(spec: dict[str, Any], provider: str = "tke") -> dict[str, Any]:
    if provider != "tke":
        return _cloud_node_class(spec, provider)
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


def node_pool(spec: dict[str, Any], provider: str = "tke") -> dict[str, Any]:
    kind = kinds.kinds_of(provider)[0]
    template_spec: dict[str, Any] = {
        "nodeClassRef": {"group": kind.group, "kind": kind.kind,
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
    if "replicas" in spec:
        doc["spec"]["replicas"] = spec["replicas"]
    if spec.get("deleting"):
        doc["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
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
        if spec.get("pvcs"):
            pod_spec["volumes"] = [*pod_spec.get("volumes", []), *(
                {"name": f"v{j}", "persistentVolumeClaim": {"claimName": c}}
                for j, c in enumerate(spec["pvcs"]))]
        if spec.get("node"):
            pod_spec["nodeName"] = spec["node"]
        created = spec.get("created", 0) + i
        docs.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": spec.get("namespace", "default"),
                         "uid": f"uid-{base}-{i:05d}", "labels": spec.get("labels", {}),
                         "creationTimestamp": f"2026-01-01T00:{created // 60:02d}:"
                                              f"{created % 60:02d}Z"},
            "spec": pod_spec, "status": {"phase": "Running" if spec.get("node") else "Pending"},
        })
        if spec.get("owner"):
            docs[-1]["metadata"]["ownerReferences"] = [dict(spec["owner"], controller=True)]
    return docs


def _zone_terms(zones: list[list[str]]) -> list[dict[str, Any]]:
    return [{"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                                   "values": [str(z) for z in term]}]} for term in zones]


def volume_docs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The compact ``volumes:`` section as StorageClass, PersistentVolume and PVC documents."""
    docs: list[dict[str, Any]] = []
    for sc in spec.get("storageClasses", []):
        doc: dict[str, Any] = {
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": sc["name"]}, "provisioner": sc.get("provisioner", "csi.test"),
            "volumeBindingMode": sc.get("mode", "WaitForFirstConsumer")}
        if sc.get("zones"):
            doc["allowedTopologies"] = [
                {"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone",
                                            "values": [str(z) for z in term]}]}
                for term in sc["zones"]]
        docs.append(doc)
    for pv in spec.get("pvs", []):
        terms = _zone_terms(pv.get("zones", [])) + [
            {"matchExpressions": t} for t in pv.get("terms", [])]
        meta: dict[str, Any] = {"name": pv["name"]}
        if pv.get("deleting"):
            meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
            meta["finalizers"] = ["kubernetes.io/pv-protection"]
        pv_spec: dict[str, Any] = {"capacity": {"storage": "10Gi"}}
        if terms:
            pv_spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": terms}}
        if pv.get("local"):
            pv_spec["local"] = {"path": "/mnt/disk"}
        else:
            pv_spec["csi"] = {"driver": pv.get("driver", "csi.test"), "volumeHandle": pv["name"]}
        if pv.get("claim"):
            ns, _, name = str(pv["claim"]).rpartition("/")
            pv_spec["claimRef"] = {"namespace": ns or "default", "name": name}
        docs.append({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": meta,
                     "spec": pv_spec})
    for pvc in spec.get("pvcs", []):
        meta = {"name": pvc["name"], "namespace": pvc.get("namespace", "default")}
        if pvc.get("bound", bool(pvc.get("volume"))):
            meta["annotations"] = {"pv.kubernetes.io/bind-completed": "yes"}
        if pvc.get("deleting"):
            meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
            meta["finalizers"] = ["kubernetes.io/pvc-protection"]
        pvc_spec: dict[str, Any] = {"resources": {"requests": {"storage": "10Gi"}}}
        if "class" in pvc:
            pvc_spec["storageClassName"] = pvc["class"]
        if pvc.get("volume"):
            pvc_spec["volumeName"] = pvc["volume"]
        doc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta,
               "spec": pvc_spec}
        if pvc.get("phase"):
            doc["status"] = {"phase": pvc["phase"]}
        docs.append(doc)
    return docs


def node_docs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """One compact ``nodes:`` entry as a Node (a Karpenter one unless ``nodePool: null``),
    with ``claim`` its NodeClaim, its bound pods (``pods`` as a list; a number is the node's
    pod capacity) and, with ``csi``, its CSINode."""
    name = spec["name"]
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/arch": "amd64",
              "node.kubernetes.io/instance-type": spec.get("instanceType", "S5.LARGE8")}
    zone = spec.get("zone", DEFAULT_ZONES[0])
    if zone is not None:
        labels["topology.kubernetes.io/zone"] = str(zone)
    pool = spec.get("nodePool", "default")
    if pool is not None:
        labels.update({"karpenter.sh/nodepool": pool, "karpenter.sh/capacity-type": "on-demand",
                       "karpenter.sh/registered": "true" if spec.get("registered", True)
                       else "false"})
        if spec.get("initialized", True):
            labels["karpenter.sh/initialized"] = "true"
    labels.update(spec.get("labels", {}))
    bound = spec.get("pods", [])
    capacity = bound if isinstance(bound, int) else 110
    size = {"cpu": str(spec.get("cpu", "4")), "memory": spec.get("memory", "8Gi"),
            "pods": str(capacity)}
    meta: dict[str, Any] = {"name": name, "labels": labels}
    if spec.get("deleting"):
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        meta["finalizers"] = ["karpenter.sh/termination"]
    node_spec: dict[str, Any] = {"providerID": f"qcloud:///{name}"}
    if spec.get("taints"):
        node_spec["taints"] = spec["taints"]
    if spec.get("unschedulable"):
        node_spec["unschedulable"] = True
    docs: list[dict[str, Any]] = [{
        "apiVersion": "v1", "kind": "Node", "metadata": meta, "spec": node_spec,
        "status": {"capacity": size, "allocatable": size,
                   "conditions": [{"type": "Ready", "status": "True"}]}}]
    claim = spec.get("claim")
    if claim is not None:
        claim_doc: dict[str, Any] = {
            "apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
            "metadata": {"name": f"{name}-claim", "labels": dict(labels)},
            "spec": {"nodeClassRef": {"group": "karpenter.k8s.tke",
                                      "kind": "TKEMachineNodeClass", "name": "default"},
                     "requirements": [], "startupTaints": claim.get("startupTaints", [])},
            "status": {"providerID": f"qcloud:///{name}", "nodeName": name,
                       "capacity": size, "allocatable": size}}
        if claim.get("deleting"):
            claim_doc["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        docs.append(claim_doc)
    for i, pod in enumerate([] if isinstance(bound, int) else bound):
        requests = {k: str(pod[k]) for k in ("cpu", "memory") if k in pod}
        pod_meta: dict[str, Any] = {"name": pod["name"], "namespace": pod.get("namespace",
                                                                             "default"),
                                    "uid": f"uid-{name}-{i}", "labels": pod.get("labels", {}),
                                    "annotations": pod.get("annotations", {})}
        owner = pod.get("owner", "ReplicaSet")
        if owner:
            pod_meta["ownerReferences"] = [{"apiVersion": "v1" if owner == "Node" else
                                            "apps/v1", "kind": owner,
                                            "name": pod.get("ownerName", f"{pod['name']}-rs"),
                                            "uid": f"owner-{pod['name']}", "controller": True}]
        pod_spec: dict[str, Any] = {"nodeName": name, "containers": [
            {"name": "app", "image": "app", "resources": {"requests": requests}}]}
        if pod.get("pvcs"):
            pod_spec["volumes"] = [{"name": f"v{j}", "persistentVolumeClaim": {"claimName": c}}
                                   for j, c in enumerate(pod["pvcs"])]
        docs.append({"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": pod_spec,
                     "status": {"phase": "Running"}})
    if spec.get("csi"):
        docs.append({"apiVersion": "storage.k8s.io/v1", "kind": "CSINode",
                     "metadata": {"name": name},
                     "spec": {"drivers": [{"name": d, "nodeID": name,
                                           "allocatable": {"count": n}}
                                          for d, n in spec["csi"].items()]}})
    return docs


def daemon_set_doc(spec: dict[str, Any]) -> dict[str, Any]:
    name = spec["name"]
    requests = {k: spec[k] for k in ("cpu", "memory") if k in spec}
    pod_spec: dict[str, Any] = {"containers": [{"name": "d", "image": "d",
                                                "resources": {"requests": requests}}]}
    pod_spec.update(spec.get("spec", {}))
    labels = spec.get("labels", {"app": name})
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": name, "namespace": spec.get("namespace", "kube-system"),
                         "uid": f"uid-ds-{name}"},
            "spec": {"selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": pod_spec}}}


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
