"""The TKE capacity and allocatable formula.

Memory loses a kdump reservation and a VM overhead share, then kube-reserved (tiered) and a
100Mi eviction threshold; CPU loses a tiered kube-reserved share. Max pods per node
(``max_pods``): the cluster's MaxNodePodNum − 3, else the VPC-CNI ENI-IP limit of the type
(at least 61), else 110; the cloud adapter passes the figures in as data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from kubectl_karp.providers.base import CORE, MI

VM_MEMORY_OVERHEAD = Fraction(75, 1000)  # the provider's --vm-memory-overhead-percent default
EVICTION_MEMORY = 100 * MI
DEFAULT_MAX_PODS = 110
MIN_ENI_MAX_PODS = 61  # the provider never goes below this on an ENI-IP limit
NODE_POD_NUM_RESERVED = 3  # MaxNodePodNum counts 3 addresses the node keeps for itself
NETWORK_VPC_CNI = "VPC-CNI"


def _tiers(value: int, tiers: tuple[tuple[int, int, int, Fraction], ...]) -> int:
    """Sum over (low, high, base, factor) tiers, truncated like the provider's int64()."""
    total = Fraction(0)
    for low, high, base, factor in tiers:
        if value < low:
            continue
        total += (min(value, high) - low) * factor + base
    return int(total)


_BIG = 1 << 40
_CPU_TIERS_POST_129 = ((0, 1000, 60, Fraction(0)), (1000, 2000, 0, Fraction(1, 100)),
                       (2000, 4000, 0, Fraction(5, 1000)), (4000, _BIG, 0, Fraction(25, 10000)))
_CPU_TIERS_LEGACY = ((0, 4000, 100, Fraction(0)), (4000, 64000, 0, Fraction(25, 1000)),
                     (64000, 128000, 0, Fraction(125, 10000)), (128000, _BIG, 0, Fraction(5, 1000)))
# Memory tiers work on whole GB of instance memory and yield MiB.
_MEMORY_TIERS = ((0, 4, 0, Fraction(256)), (4, 8, 0, Fraction(1024) / 5),
                 (8, 16, 0, Fraction(1024) / 10), (16, 128, 0, Fraction(1024) * 6 / 100),
                 (128, _BIG, 0, Fraction(1024) * 2 / 100))


def kdump_reserved(memory_bytes: int) -> int:
    if 1800 * 2**20 <= memory_bytes < 64 * 2**30:
        return 256 * 2**20
    if 64 * 2**30 <= memory_bytes < 128 * 2**30:
        return 512 * 2**20
    # The provider's top tier is capped at MaxInt32 bytes, so it never applies above 128GiB.
    return 0


def memory_after_overhead(memory_bytes: int) -> int:
    """Node memory capacity (bytes) once kdump and the VM overhead are gone (ceil like Go)."""
    usable = Fraction(memory_bytes - kdump_reserved(memory_bytes)) * (1 - VM_MEMORY_OVERHEAD)
    return -((-usable.numerator) // usable.denominator)


def kube_reserved(cpu_milli: int, pods: int, memory_gb: int, *, legacy: bool = False
                  ) -> tuple[int, int]:
    """(cpu milli-cores, memory MiB) kube-reserved; ``legacy`` for Kubernetes before 1.29."""
    tiered_memory = _tiers(memory_gb, _MEMORY_TIERS)
    if legacy:
        return _tiers(cpu_milli, _CPU_TIERS_LEGACY), tiered_memory
    return _tiers(cpu_milli, _CPU_TIERS_POST_129), min(20 * pods + 256, tiered_memory)


# --------------------------------------------------------------------------- max pods

@dataclass(frozen=True)
class ClusterNetwork:
    """The parts of DescribeClusters (TKE 2018-05-25) that decide max pods per node."""

    max_node_pod_num: int = 0  # ClusterNetworkSettings.MaxNodePodNum
    has_property: bool = False  # the cluster answered with a Property document at all
    network_type: str = ""  # Property.NetworkType: GR (global router), VPC-CNI, ...
    vpc_cni_type: str = ""  # Property.VpcCniType
    meta_feature: bool = False  # Property.MetaFeatureParam is set

    @property
    def node_pod_num(self) -> int | None:
        """MaxNodePodNum − 3, when the provider uses it (not on a VPC-CNI cluster)."""
        if (self.has_property and self.network_type != NETWORK_VPC_CNI
                and self.max_node_pod_num > NODE_POD_NUM_RESERVED):
            return self.max_node_pod_num - NODE_POD_NUM_RESERVED
        return None

    @property
    def uses_eni_limits(self) -> bool:
        """False for a plain global-router cluster: the provider drops the ENI limits then."""
        return not (self.has_property and not self.vpc_cni_type
                    and self.network_type != NETWORK_VPC_CNI and not self.meta_feature)


def max_pods(cluster: ClusterNetwork, eni_ips: int | None) -> int:
    """Max pods per node for one instance type, as karpenter-provider-tke decides it.

    ``eni_ips`` is the type's VPC-CNI limit in its zone (``TKERouteENIStaticIP`` of
    DescribeVpcCniPodLimits), None when unknown.
    """
    setting = cluster.node_pod_num
    if setting:
        return setting
    if cluster.uses_eni_limits and eni_ips is not None and eni_ips > 0:
        return max(eni_ips, MIN_ENI_MAX_PODS)
    return DEFAULT_MAX_PODS


# --------------------------------------------------------------------------- VPC-CNI capacity

RESOURCE_ENI_IP = "tke.cloud.tencent.com/eni-ip"
RESOURCE_DIRECT_ENI = "tke.cloud.tencent.com/direct-eni"
RESOURCE_ENI = "tke.cloud.tencent.com/eni"
RESOURCE_SUB_ENI = "tke.cloud.tencent.com/sub-eni"
RESOURCE_EIP = "tke.cloud.tencent.com/eip"
NETWORK_RESOURCES = (RESOURCE_ENI_IP, RESOURCE_DIRECT_ENI, RESOURCE_ENI, RESOURCE_SUB_ENI,
                     RESOURCE_EIP)


@dataclass(frozen=True)
class PodLimits:
    """One type's DescribeVpcCniPodLimits entry (TKE 2018-05-25 PodLimits); None = not given."""

    eni_ip: int | None = None  # TKERouteENIStaticIP
    direct_eni: int | None = None  # TKEDirectENI
    sub_eni: int | None = None  # TKESubENI


def eip_capacity(cpu: int) -> int:
    """upstream: types.go eip — one EIP fewer than the type's public-IP quota by vCPU band."""
    if cpu >= 48:
        return 9
    for low, high, quota in ((1, 5, 2), (6, 11, 3), (12, 17, 4), (18, 23, 5), (24, 29, 6),
                             (30, 35, 7), (36, 41, 8), (42, 47, 9)):
        if low <= cpu <= high:
            return quota - 1
    return 1


def network_capacity(cpu: int, limits: PodLimits | None, zone_has_limits: bool
                     ) -> dict[str, int]:
    """The VPC-CNI extended resources computeCapacity puts on a type (milli-units).

    upstream: types.go computeCapacity — eip whenever the zone has ENI limits at all (the
    cluster's network mode keeps them), eni-ip / direct-eni (+ eni, same figure) / sub-eni
    when the type's own entry gives them."""
    out: dict[str, int] = {}
    if zone_has_limits:
        out[RESOURCE_EIP] = eip_capacity(cpu) * CORE
    if limits is not None:
        if limits.eni_ip is not None:
            out[RESOURCE_ENI_IP] = limits.eni_ip * CORE
        if limits.direct_eni is not None:
            out[RESOURCE_DIRECT_ENI] = limits.direct_eni * CORE
            out[RESOURCE_ENI] = limits.direct_eni * CORE
        if limits.sub_eni is not None:
            out[RESOURCE_SUB_ENI] = limits.sub_eni * CORE
    return out


# ------------------------------------------------------------------- kube-reserved by version

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


def legacy_kube_reserved_for(kubernetes_version: str) -> bool | None:
    """True before Kubernetes 1.29, False from 1.29 on, None when the version is unknown.

    upstream: types.go kubeReservedResources — k8sVersion.GT("1.29.0-0") picks the new CPU
    tiers and the smaller of 20Mi·pods+256Mi and the memory tiers; older servers get the
    legacy CPU tiers and the memory tiers alone. Any 1.29.0 build (even a pre-release such as
    1.29.0-tke.1) is above 1.29.0-0."""
    match = _VERSION.match(kubernetes_version.strip())
    if not match:
        return None
    return (int(match.group(1)), int(match.group(2))) < (1, 29)
