"""The TKE provider: TKEMachineNodeClass, its labels, zones and allocatable formula."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.labels import LABEL_WINDOWS_BUILD
from kubectl_karp.model.objects import Node, NodeClass
from kubectl_karp.model.resources import Resources
from kubectl_karp.providers.base import (
    CORE,
    GI,
    MI,
    BaseProvider,
    ClusterFacts,
    status_list,
)
from kubectl_karp.providers.tke.capacity import (
    DEFAULT_MAX_PODS,
    EVICTION_MEMORY,
    MIN_ENI_MAX_PODS,
    NETWORK_RESOURCES,
    RESOURCE_EIP,
    RESOURCE_ENI_IP,
    eip_capacity,
    kube_reserved,
    legacy_kube_reserved_for,
    memory_after_overhead,
)
from kubectl_karp.providers.tke.labels import (
    GROUP,
    KIND,
    LABEL_CBS_ZONE,
    LABEL_CPU,
    LABEL_FAMILY,
    LABEL_MEMORY_GB,
    LABEL_NODE_CLASS,
    LABEL_NODECLAIM,
)
from kubectl_karp.providers.tke.nodeclass import (
    DECIMAL_G,
    STORAGE_MOUNTS,
    ClusterHints,
    NodeStorage,
    cluster_hints,
    node_storage,
)
from kubectl_karp.providers.tke.zones import (
    normalize_region,
    region_of_zone,
    zone_id_from_name,
    zone_name_from_id,
)

NO_FACTS = ClusterFacts()


@dataclass(frozen=True)
class TKEProvider(BaseProvider):
    legacy_kube_reserved: bool = False
    # Set by ``configured`` from the NodePool's TKEMachineNodeClass; None: no node class known.
    storage: NodeStorage | None = None
    cluster: ClusterFacts = NO_FACTS

    def memory_label_value(self, memory_milli: int) -> str:
        return str(memory_milli // GI)

    def configured(self, node_class: NodeClass | None, cluster: ClusterFacts) -> TKEProvider:
        legacy = legacy_kube_reserved_for(cluster.kubernetes_version)
        storage = node_storage(node_class) if node_class is not None and (
            node_class.group, node_class.kind) == (GROUP, KIND) else None
        return replace(self, legacy_kube_reserved=self.legacy_kube_reserved if legacy is None
                       else legacy, storage=storage, cluster=cluster)

    def offering_labels(self, offering: Offering) -> tuple[tuple[str, str], ...]:
        # upstream: instancetype.go createOfferings — the CBS CSI zone (by name) per offering.
        name = offering.zone_name or zone_name_from_id(offering.zone) or ""
        return ((LABEL_CBS_ZONE, name),) if name else ()

    def launch_capacity(self, it: InstanceType, *, max_pods: int | None = None
                        ) -> dict[str, int]:
        """upstream: types.go computeCapacity — the disk from the node class, and pods from the
        type's ENI-IP limit (at least 61) when the catalogue gives no pods figure.

        A catalogue without VPC-CNI figures (the bundled one, a file) takes those the cluster's
        nodes of the type expose; failing that, on a VPC-CNI cluster (its pods request them or
        its nodes expose them), eni-ip is estimated as the type's pods figure (upstream's pods
        are max(eni-ip, 61): an upper bound of the real limit) and eip from the vCPU count as
        upstream computes it. ``catalogue_notes`` says so."""
        out = dict(it.capacity)
        if self.storage is not None:
            out["ephemeral-storage"] = self.storage.gigabytes * DECIMAL_G * 1000
        out.update(self._network_from_nodes(it))
        if "pods" not in out:
            # upstream: types.go pods. A catalogue with ENI limits comes from a cluster whose
            # network mode uses them; the cluster's own figure (max_pods, read off its nodes)
            # stands in for MaxNodePodNum otherwise.
            eni_ip = out.get(RESOURCE_ENI_IP, 0) // 1000
            if eni_ip > 0:
                out["pods"] = max(eni_ip, MIN_ENI_MAX_PODS) * CORE
            elif max_pods:
                out["pods"] = max_pods * CORE
        if self.needs_vpc_cni_estimate(out):
            out[RESOURCE_ENI_IP] = out.get("pods", DEFAULT_MAX_PODS * CORE)
            out[RESOURCE_EIP] = eip_capacity(out.get("cpu", 0) // CORE) * CORE
        return out

    def _network_from_nodes(self, it: InstanceType) -> dict[str, int]:
        """The VPC-CNI figures the cluster's nodes of this type expose, when the catalogue
        gives none."""
        if any(name in it.capacity for name in NETWORK_RESOURCES):
            return {}
        seen = self.cluster.node_extended.get(it.name, {})
        return {k: v for k, v in seen.items() if k in NETWORK_RESOURCES}

    def needs_vpc_cni_estimate(self, capacity: Resources) -> bool:
        """A type without VPC-CNI figures in a cluster that runs VPC-CNI: its pods request
        them, or its nodes expose them."""
        vpc_cni = bool(self.cluster.requested & {RESOURCE_ENI_IP, RESOURCE_EIP}) or any(
            RESOURCE_ENI_IP in seen for seen in self.cluster.node_extended.values())
        return vpc_cni and not any(n in capacity for n in NETWORK_RESOURCES)

    def catalogue_notes(self, catalog: InstanceTypeCatalog) -> tuple[str, ...]:
        estimated = [it.name for it in catalog.instance_types if self.needs_vpc_cni_estimate(
            {**it.capacity, **self._network_from_nodes(it)})]
        if not estimated:
            return ()
        where = catalog.source or "the catalogue"
        return (f"pods request {RESOURCE_ENI_IP} (VPC-CNI) but {where} has no VPC-CNI limits "
                f"for {len(estimated)} type(s): their "
                f"{RESOURCE_ENI_IP} is estimated as their pods figure and {RESOURCE_EIP} from "
                "the vCPU count; the live catalogue (credentials and the cluster ID) has the "
                "real limits",)

    def ephemeral_storage_source(self) -> str:
        if self.storage is None:
            return ""
        text = self.storage.disk
        if self.storage.ignored:
            text += ("; not counted: " + ", ".join(self.storage.ignored)
                     + " (the provider only counts a data disk mounted at "
                     + ", ".join(STORAGE_MOUNTS) + ")")
        return text

    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        cpu = capacity.get("cpu", 0)
        memory_bytes = capacity.get("memory", 0) // 1000
        pods = max_pods or (capacity.get("pods", 0) // 1000) or DEFAULT_MAX_PODS
        cpu_reserved, memory_reserved_mi = kube_reserved(
            cpu, pods, memory_bytes // 2**30, legacy=self.legacy_kube_reserved)
        memory = memory_after_overhead(memory_bytes) * 1000 - memory_reserved_mi * MI \
            - EVICTION_MEMORY
        out = dict(capacity)
        out["cpu"] = max(cpu - cpu_reserved, 0)
        out["memory"] = max(memory, 0)
        out["pods"] = pods * CORE
        if "ephemeral-storage" in capacity:
            # upstream: types.go evictionThreshold — nodefs.available is ceil(10%) of the disk.
            storage_bytes = capacity["ephemeral-storage"] // 1000
            out["ephemeral-storage"] = (storage_bytes - -(-storage_bytes // 10)) * 1000
        return out

    def node_class_zones(self, node_class: NodeClass) -> frozenset[str] | None:
        subnets = status_list(node_class.status, "subnets")
        if not subnets:
            return None
        zones: set[str] = set()
        for subnet in subnets:
            zone_id = str(subnet.get("zoneID") or "")
            zone = str(subnet.get("zone") or "")
            zones.update(z for z in (zone_id, zone, zone_id_from_name(zone) or "",
                                     zone_name_from_id(zone_id) or "") if z)
        return frozenset(zones)

    def zone_names(self, node_class: NodeClass) -> dict[str, str]:
        names = {}
        for subnet in status_list(node_class.status, "subnets"):
            zone_id = str(subnet.get("zoneID") or "")
            zone = str(subnet.get("zone") or "")
            zone_id = zone_id or zone_id_from_name(zone) or ""
            if zone_id and zone:
                names[zone_id] = zone
        return names

    def zone_name(self, zone: str) -> str | None:
        return zone_name_from_id(zone)

    def zone_id(self, zone_name: str) -> str | None:
        return zone_id_from_name(zone_name)

    def normalize_region(self, value: str) -> str:
        return normalize_region(value)

    def region_of_zone(self, zone: str) -> str | None:
        return region_of_zone(zone)

    def catalogue_hints(self, nodes: Sequence[Node], node_classes: Sequence[NodeClass]
                        ) -> ClusterHints:
        return cluster_hints(nodes, node_classes)


PROVIDER = TKEProvider(
    name="tke", title="TKE", node_class_group=GROUP, node_class_kind=KIND,
    # upstream: apis/v1beta1/labels.go WellKnownLabels (the VPC-CNI resource names too)
    labels=frozenset({LABEL_FAMILY, LABEL_CPU, LABEL_MEMORY_GB, LABEL_NODE_CLASS,
                      LABEL_NODECLAIM, LABEL_CBS_ZONE, *NETWORK_RESOURCES}),
    catalog_loader="kubectl_karp.cloud.tencent:load_live_catalog",
    region_env="TENCENTCLOUD_REGION", cloud="Tencent Cloud",
    family_label=LABEL_FAMILY, cpu_label=LABEL_CPU, memory_label=LABEL_MEMORY_GB,
    resolved_status_key="subnets",
    # upstream: apis/v1beta1/labels.go RestrictedLabelDomains
    restricted_domains=frozenset({GROUP}),
    # upstream: types.go computeRequirements — node.kubernetes.io/windows-build DoesNotExist
    absent_labels=frozenset({LABEL_WINDOWS_BUILD}),
)
