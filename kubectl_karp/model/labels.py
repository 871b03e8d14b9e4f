"""Label keys: the well-known ones (the keys themselves are declared beside the objects that
carry them, model/objects.py), their deprecated aliases, and which keys Karpenter keeps
for itself (restricted). The requirement algebra (model/requirements.py) reads these tables;
the words that explain a restricted key live in model/requirement_diagnostics.py."""

from __future__ import annotations

from collections.abc import Mapping

from kubectl_karp.model.objects import (
    LABEL_ARCH,
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_OS,
    LABEL_REGION,
    LABEL_ZONE,
)

LABEL_WINDOWS_BUILD = "node.kubernetes.io/windows-build"

WELL_KNOWN_LABELS: frozenset[str] = frozenset({
    LABEL_NODEPOOL, LABEL_ZONE, LABEL_REGION, LABEL_INSTANCE_TYPE, LABEL_ARCH, LABEL_OS,
    LABEL_CAPACITY_TYPE, LABEL_WINDOWS_BUILD,
})
"""Core well-known labels: a side that leaves them undefined is compatible with any value."""

# Deprecated aliases are rewritten to the stable keys before anything else happens.
NORMALIZED_LABELS: Mapping[str, str] = {
    "failure-domain.beta.kubernetes.io/zone": LABEL_ZONE,
    "failure-domain.beta.kubernetes.io/region": LABEL_REGION,
    "beta.kubernetes.io/arch": LABEL_ARCH,
    "beta.kubernetes.io/os": LABEL_OS,
    "beta.kubernetes.io/instance-type": LABEL_INSTANCE_TYPE,
    # The AWS provider adds the EBS CSI driver's zone key (upstream: karpenter-provider-aws
    # pkg/operator/operator.go); no other cloud's volumes carry it, so it is safe everywhere.
    "topology.ebs.csi.aws.com/zone": LABEL_ZONE,
}

# Karpenter v1.0–v1.9 (the versions the cloud providers ship) reserve these domains.
RESTRICTED_LABEL_DOMAINS: frozenset[str] = frozenset({"kubernetes.io", "k8s.io", "karpenter.sh"})
LABEL_DOMAIN_EXCEPTIONS: frozenset[str] = frozenset({
    "kops.k8s.io", "node.kubernetes.io", "node-restriction.kubernetes.io",
})
RESTRICTED_LABELS: frozenset[str] = frozenset({LABEL_HOSTNAME})


def label_domain(key: str) -> str:
    prefix, slash, _ = key.partition("/")
    return prefix if slash else ""


def is_restricted_node_label(key: str, well_known: frozenset[str] = WELL_KNOWN_LABELS,
                             domains: frozenset[str] = RESTRICTED_LABEL_DOMAINS) -> bool:
    """Upstream ``IsRestrictedNodeLabel``: labels Karpenter sets itself (well-known ones
    included) or that kubelet would refuse; requirements on them do not become node labels.
    ``domains``: the restricted domains, with those the cloud provider adds (TKE:
    karpenter.k8s.tke)."""
    if key in well_known:
        return True
    domain = label_domain(key)
    # Suffix matching without a dot boundary is what upstream does.
    if any(domain.endswith(d) for d in LABEL_DOMAIN_EXCEPTIONS):
        return False
    if any(domain.endswith(d) for d in domains):
        return True
    return key in RESTRICTED_LABELS


def is_restricted_label(key: str, well_known: frozenset[str] = WELL_KNOWN_LABELS,
                        domains: frozenset[str] = RESTRICTED_LABEL_DOMAINS) -> bool:
    """Upstream ``IsRestrictedLabel``: whether a NodePool may not use ``key`` (restricted and
    not well known). model/requirement_diagnostics.restricted_label_problem says why."""
    return key not in well_known and is_restricted_node_label(key, well_known, domains)
