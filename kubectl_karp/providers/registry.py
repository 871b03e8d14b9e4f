"""Provider lookup, catalogue completion, and instance types inferred from a cluster's nodes."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from kubectl_karp.model import kinds
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.labels import RESTRICTED_LABEL_DOMAINS
from kubectl_karp.model.objects import (
    CAPACITY_ON_DEMAND,
    LABEL_ARCH,
    LABEL_INSTANCE_TYPE,
    LABEL_OS,
    LABEL_REGION,
    LABEL_ZONE,
    Node,
    NodeClass,
    ObjectRef,
)
from kubectl_karp.providers import alibaba, aws, generic, huawei
from kubectl_karp.providers.base import CORE_WELL_KNOWN_LABELS, BaseProvider, ClusterFacts
from kubectl_karp.providers.tke import provider as tke

PROVIDERS: dict[str, BaseProvider] = {p.name: p for p in (
    tke.PROVIDER, aws.PROVIDER, alibaba.PROVIDER, huawei.PROVIDER, generic.PROVIDER)}
# The cloud kubectl-karp serves first: its live catalogue is what `catalog --region R` reads
# without a cluster, and its bundled catalogue is what `--catalog bundled` names.
DEFAULT_PROVIDER = tke.PROVIDER
INFERRED_ORIGIN = "inferred from nodes"
NO_FACTS = ClusterFacts()
# ACK nodes (and the official provider's NodeClaims) carry "<region>.<instance id>".
# upstream: karpenter-provider-alibabacloud pkg/cloudprovider/cloudprovider.go (ProviderID)
_ACK_PROVIDER_ID = re.compile(r"^[a-z]{2,}-[a-z0-9-]+\.i-[a-z0-9]+$")

# How to recognise a node's cloud when no NodePool says so: providerID scheme, label prefixes.
_PROVIDER_ID_SCHEMES = {"qcloud": "tke", "aws": "aws", "alicloud": "alibaba",
                        "huaweicloud": "huawei", "cce": "huawei"}
_LABEL_HINTS = (("karpenter.k8s.tke/", "tke"), ("cloud.tencent.com/", "tke"),
                ("tke.cloud.tencent.com/", "tke"), ("karpenter.k8s.aws/", "aws"),
                ("eks.amazonaws.com/", "aws"), ("karpenter.k8s.alibabacloud/", "alibaba"),
                ("alibabacloud.com/", "alibaba"), ("karpenter.k8s.huawei/", "huawei"),
                ("node.kubernetes.io/baremetal", "huawei"))


def provider_named(name: str) -> BaseProvider | None:
    return PROVIDERS.get(name)


def provider_for_ref(ref: ObjectRef | None) -> BaseProvider | None:
    """The provider owning a NodePool's nodeClassRef (group and kind must both match)."""
    if ref is None:
        return None
    name = kinds.provider_of(ref.group, ref.kind)
    return PROVIDERS.get(name) if name else None


def known_node_classes() -> list[str]:
    return [k.name for k in kinds.NODE_CLASS_KINDS]


def well_known_labels(provider: BaseProvider | None) -> frozenset[str]:
    return CORE_WELL_KNOWN_LABELS | (provider.labels if provider else frozenset())


def restricted_label_domains(provider: BaseProvider | None) -> frozenset[str]:
    return RESTRICTED_LABEL_DOMAINS | (provider.restricted_domains if provider else frozenset())


def complete_instance_type(provider: BaseProvider, it: InstanceType,
                           *, max_pods: int | None = None) -> InstanceType:
    """Labels derived, capacity and allocatable computed, zone IDs and names filled in both
    ways, per-offering labels set. ``provider`` may be one ``configured`` for a node class."""
    labelled = replace(it, labels=provider.derive_labels(it))
    # What the file leaves out and the provider knows (e.g. the default root volume), then
    # what the provider computes (TKE: the node class's disk, pods by ENI-IP limit). Pods:
    # the catalogue's own figure, else the provider's per-type rule, else the cluster's
    # setting (max_pods), else the default.
    labelled = replace(labelled, capacity=provider.type_capacity(labelled))
    capacity = provider.launch_capacity(
        labelled, max_pods=None if "pods" in labelled.capacity else max_pods)
    labelled = replace(labelled, capacity=capacity)
    computed = provider.type_allocatable(
        labelled, max_pods=None if "pods" in capacity else max_pods)
    allocatable = dict(it.allocatable) if it.allocatable else computed
    # A catalogue's own allocatable usually lists cpu/memory/pods: what the provider adds to
    # capacity (the node class's disk, VPC-CNI resources) is allocatable as it computes it.
    for name, value in computed.items():
        allocatable.setdefault(name, value)
    if "pods" not in capacity and "pods" in allocatable:
        capacity["pods"] = allocatable["pods"]
    offerings = []
    for off in it.offerings:
        if provider.capacity_types is not None and off.capacity_type not in provider.capacity_types:
            continue
        zone, name = off.zone, off.zone_name
        if zone == name and name:  # only the human name was given
            zone = provider.zone_id(name) or name
        if not name or name == zone:
            name = provider.zone_name(zone) or name
        off = replace(off, zone=zone, zone_name="" if name == zone else name)
        offerings.append(replace(off, labels=off.labels or provider.offering_labels(off)))
    completed = replace(it, capacity=capacity, allocatable=allocatable, offerings=tuple(offerings))
    labels = provider.derive_labels(completed)
    return replace(completed, labels=labels,
                   absent_labels=it.absent_labels | provider.missing_labels(labels))


def complete_catalog(catalog: InstanceTypeCatalog, *, max_pods: int | None = None,
                     node_class: NodeClass | None = None,
                     cluster: ClusterFacts = NO_FACTS) -> InstanceTypeCatalog:
    """Every type completed by the catalogue's provider, configured for ``node_class`` (its
    disks, kubelet settings…) and the cluster (its server version)."""
    provider = PROVIDERS.get(catalog.provider, generic.PROVIDER).configured(node_class, cluster)
    return replace(catalog, instance_types=tuple(
        complete_instance_type(provider, it, max_pods=max_pods)
        for it in catalog.instance_types))


def cluster_max_pods(nodes: Sequence[Node], provider: str) -> int | None:
    """The pods capacity most of the provider's nodes show (the cluster's max-pods setting)."""
    counts: dict[int, int] = defaultdict(int)
    for node in nodes:
        pods = node.capacity.get("pods")
        if pods and node_provider(node) == provider:
            counts[pods // 1000] += 1
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]


def node_provider(node: Node) -> str:
    """Which cloud a node runs on, from its providerID or labels; ``generic`` if unknown."""
    scheme = node.provider_id.split(":", 1)[0] if "://" in node.provider_id else ""
    if scheme in _PROVIDER_ID_SCHEMES:
        return _PROVIDER_ID_SCHEMES[scheme]
    if _ACK_PROVIDER_ID.match(node.provider_id):
        return "alibaba"
    for key in node.labels:
        for prefix, name in _LABEL_HINTS:
            if key.startswith(prefix):
                return name
    return "generic"


def infer_catalogs(nodes: Sequence[Node], *, extra_zones: Iterable[str] = ()
                   ) -> tuple[InstanceTypeCatalog, ...]:
    """One catalogue per cloud seen among the nodes, prices unknown.

    Each node's instance-type label names a type; capacity and allocatable are the node's own
    (the largest seen, so one node still booting does not shrink the type). Offerings cover
    every zone seen in the cluster (plus ``extra_zones``) for on-demand and for the capacity
    types the nodes of that type show.
    """
    zones = sorted({n.zone for n in nodes if n.zone} | set(extra_zones))
    by_provider: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for node in nodes:
        if node.instance_type and node.capacity.get("cpu"):
            by_provider[node_provider(node)][node.instance_type].append(node)
    catalogs = []
    for provider_name, types in sorted(by_provider.items()):
        provider = PROVIDERS[provider_name]
        keep = well_known_labels(provider) - {LABEL_ZONE, LABEL_REGION}
        instance_types = []
        for name, members in sorted(types.items()):
            sample = max(members, key=lambda n: (n.allocatable.get("memory", 0), n.name))
            labels = {k: v for k, v in sample.labels.items()
                      if k in keep and not k.startswith("karpenter.sh/")
                      and not k.endswith(("/nodeclaim", "/tkemachinenodeclass",
                                          "/ec2nodeclass", "/ecsnodeclass", "/ccenodeclass"))
                      and k != "kubernetes.io/hostname"}
            labels[LABEL_INSTANCE_TYPE] = name
            labels.setdefault(LABEL_ARCH, sample.labels.get(LABEL_ARCH, "amd64"))
            labels.setdefault(LABEL_OS, sample.labels.get(LABEL_OS, "linux"))
            capacity_types = {CAPACITY_ON_DEMAND} | {n.capacity_type for n in members
                                                    if n.capacity_type}
            offerings = tuple(
                Offering(zone=z, capacity_type=ct, price_per_hour=None, available=True,
                         zone_name=provider.zone_name(z) or "")
                for z in zones for ct in sorted(capacity_types))
            offerings = tuple(replace(o, labels=provider.offering_labels(o)) for o in offerings)
            # A per-offering label (TKE's CBS zone) is the sample node's zone, not the type's.
            for key in {k for o in offerings for k, _ in o.labels}:
                labels.pop(key, None)
            it = InstanceType(name=name, labels=labels, capacity=dict(sample.capacity),
                              allocatable=dict(sample.allocatable or sample.capacity),
                              offerings=offerings)
            derived = provider.derive_labels(it)
            instance_types.append(replace(it, labels=derived,
                                          absent_labels=provider.missing_labels(derived)))
        regions = {provider.normalize_region(n.labels[LABEL_REGION]) for n in nodes
                   if n.labels.get(LABEL_REGION)}
        catalogs.append(InstanceTypeCatalog(
            provider=provider_name, region=next(iter(regions)) if len(regions) == 1 else "",
            source=f"inferred from the cluster's {provider.title} nodes (prices unknown)",
            instance_types=tuple(instance_types), prices_known=False,
            origin=INFERRED_ORIGIN))
    return tuple(catalogs)
