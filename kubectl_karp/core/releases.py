"""Which Karpenter release the preview follows, and the one table of rules that differ by release.

The providers build on different Karpenter cores (TKE v1.9, Alibaba v1.8, Huawei v1.13, AWS
v1.14) and upstream changed many of the decisions we preview between them. Every place in the
core whose behaviour forks by release asks ``ctx.rules.has(RULE_NAME)``; nothing compares
versions anywhere else. docs/karpenter-versions.md is generated from ``RULES``
(``python scripts/gen_versions_doc.py``) and a test keeps the two in step.

Pure: no I/O. Detection (controller image, CRD features) lives in the sources; they hand a
version string and where it came from to ``resolve_rules``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_karp.errors import InputError
from kubectl_karp.model.parse_release import release_from_image as detect_from_image
from kubectl_karp.model.parse_release import version_numbers


@dataclass(frozen=True, order=True)
class Release:
    major: int
    minor: int
    patch: int = 0

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}"

    @property
    def short(self) -> str:
        return f"v{self.major}.{self.minor}"


OLDEST = Release(1, 8)
NEWEST = Release(1, 14)
SUPPORTED = tuple(Release(1, m) for m in range(OLDEST.minor, NEWEST.minor + 1))

# Where a version came from, as -o json reports it (versionSource).
SOURCE_DETECTED = "detected"
SOURCE_SNAPSHOT = "snapshot"
SOURCE_FLAG = "flag"
SOURCE_DEFAULT = "default"
SOURCES = (SOURCE_DETECTED, SOURCE_SNAPSHOT, SOURCE_FLAG, SOURCE_DEFAULT)


def parse_release(text: str) -> Release | None:
    """The release a version string names ("v1.9.0", "1.9", "1.9.0-tke.3"), or None."""
    numbers = version_numbers(text)
    return None if numbers is None else Release(*numbers)


def release_from_image(image: str) -> Release | None:
    """The core release a controller image runs: its tag, or for a provider's image the core
    release that provider version builds on (model.parse_release.PROVIDER_IMAGES)."""
    found = detect_from_image(image).version
    return parse_release(found) if found else None


@dataclass(frozen=True)
class Rule:
    """One decision upstream changed: in force from ``since`` until (excluding) ``until``."""

    name: str
    since: Release
    pr: str  # kubernetes-sigs/karpenter pull request(s), e.g. "#2521"
    # The rows give the area before the summary: keep these two in that order.
    area: str  # scheduling | disruption | api | events
    summary: str  # one line: what the rule changes
    until: Release | None = None  # first release without it (a revert)
    # A patch release of an earlier minor the change was cherry-picked into (e.g. v1.12.1):
    # in force there only when the patch is known (a bare "1.12" means its .0).
    backport: Release | None = None

    def active_in(self, release: Release) -> bool:
        rel = Release(release.major, release.minor)
        if self.backport is not None and rel == Release(self.backport.major,
                                                        self.backport.minor):
            return release >= self.backport
        return self.since <= rel and (self.until is None or rel < self.until)


# ---------------------------------------------------------------------------- the table
# Rule names are constants so a typo is a NameError, not a silently inactive rule.
STATIC_NODEPOOLS = "static-nodepools"
LIMITS_NODES = "nodepool-limits-nodes"
DO_NOT_DISRUPT_GRACE = "do-not-disrupt-grace-period"
VOLUME_TOPOLOGY_ALTERNATIVES = "volume-topology-alternatives"
NODE_READINESS_TAINTS = "node-readiness-taints-ignored"
HOSTPORTS_PER_NODECLAIM = "hostports-per-nodeclaim"
CONSOLIDATE_AFTER_DESTINATIONS = "consolidate-after-on-destinations"
DAEMONSET_PER_INSTANCE_TYPE = "daemonset-per-instance-type"
BALANCED_POLICY = "balanced-consolidation-policy"
VOLUME_REQUIREMENTS_OUTSIDE_TOPOLOGY = "volume-requirements-outside-topology"
DELETING_PV_UNUSABLE = "deleting-persistent-volume-unusable"
TOPOLOGY_DOMAINS_BY_NODEPOOL = "topology-domains-filtered-by-nodepool"
CAPACITY_BUFFERS = "capacity-buffers"
EVICTION_HARD_ONLY = "eks-allocatable-eviction-hard-only"
POD_STATUS_RESOURCES = "pod-status-resources"
EMPTY_BY_EVICTION_COST = "empty-by-eviction-cost"
CANDIDATE_SAVINGS_RATIO = "candidates-by-savings-ratio"
CONSOLIDATION_CANDIDATE_EVENTS = "consolidation-candidate-events"
WHEN_EMPTY_EVENT_WORDING = "when-empty-not-empty-event-wording"
CAPACITY_BUFFER_EVENTS = "capacity-buffer-events"

RULES: tuple[Rule, ...] = (
    Rule(STATIC_NODEPOOLS, Release(1, 8), "#2521", "scheduling",
         "NodePools with spec.replicas are static: never given pending pods, never "
         "consolidated; StaticDrift replaces drifted nodes one for one"),
    Rule(LIMITS_NODES, Release(1, 11), "#2526", "scheduling",
         "spec.limits.nodes caps the number of nodes a NodePool may have"),
    Rule(DO_NOT_DISRUPT_GRACE, Release(1, 12), "#2874", "disruption",
         "karpenter.sh/do-not-disrupt takes a duration (\"1h\"): the pod is protected that "
         "long after it started"),
    Rule(VOLUME_TOPOLOGY_ALTERNATIVES, Release(1, 13), "#2743", "scheduling",
         "every allowedTopologies term of a StorageClass and every node-affinity term of a "
         "PV is an alternative, not only the first", backport=Release(1, 12, 1)),
    Rule(VOLUME_REQUIREMENTS_OUTSIDE_TOPOLOGY, Release(1, 9), "#2780", "scheduling",
         "a pod's volume topology narrows where it may go but no longer joins its node "
         "affinity, so topology spread (and minDomains) counts every domain"),
    Rule(DELETING_PV_UNUSABLE, Release(1, 10), "#2851", "scheduling",
         "a pod whose PVC names a PersistentVolume being deleted is not provisioned for"),
    Rule(TOPOLOGY_DOMAINS_BY_NODEPOOL, Release(1, 11), "#2671", "scheduling",
         "a spread with nodeAffinityPolicy Honor counts only the domains of NodePools "
         "compatible with the pod's node affinity (reverted by #2957)", until=Release(1, 12)),
    Rule(CAPACITY_BUFFERS, Release(1, 14), "#3028", "scheduling",
         "the CapacityBuffer API (autoscaling.x-k8s.io, behind the CapacityBuffer feature "
         "gate, off by default) adds virtual pods Karpenter provisions room for"),
    Rule(NODE_READINESS_TAINTS, Release(1, 13), "#3025", "scheduling",
         "the NodeReadiness controller's readiness.k8s.io/* taints on uninitialized nodes "
         "are ignored when scheduling"),
    Rule(HOSTPORTS_PER_NODECLAIM, Release(1, 13), "#3022", "scheduling",
         "host ports are tracked per planned NodeClaim"),
    Rule(CONSOLIDATE_AFTER_DESTINATIONS, Release(1, 14), "#3006", "disruption",
         "nodes still inside their NodePool's consolidateAfter receive no pods during a "
         "consolidation simulation"),
    Rule(DAEMONSET_PER_INSTANCE_TYPE, Release(1, 14), "#2975", "scheduling",
         "DaemonSet overhead and host ports are decided per instance type, from the "
         "DaemonSet's affinity to that type"),
    Rule(POD_STATUS_RESOURCES, Release(1, 14), "#3065", "scheduling",
         "a pod's requests include the status resources of an in-place resize (the "
         "larger of spec and what the kubelet allocated)"),
    Rule(BALANCED_POLICY, Release(1, 14), "#2962", "disruption",
         "consolidationPolicy Balanced: a move is taken only when its savings outweigh the "
         "disruption it causes"),
    Rule(EVICTION_HARD_ONLY, Release(1, 9), "aws/karpenter-provider-aws#8565", "scheduling",
         "EKS allocatable subtracts only the EC2NodeClass's kubelet evictionHard; before, "
         "the larger of evictionHard and evictionSoft (not on Bottlerocket)"),
    Rule(EMPTY_BY_EVICTION_COST, Release(1, 14), "#2962", "disruption",
         "a node is empty when no reschedulable pod has a positive eviction cost (e.g. all "
         "at the minimum pod-deletion-cost), not only when it has no reschedulable pod"),
    Rule(CANDIDATE_SAVINGS_RATIO, Release(1, 14), "#2962", "disruption",
         "consolidation tries candidates by price ÷ (1 + Σ positive pod eviction costs), "
         "highest first, instead of by disruption cost × node lifetime remaining, lowest "
         "first"),
    # Event wording (what `verify` and the "Karpenter reported" lines read).
    Rule(CONSOLIDATION_CANDIDATE_EVENTS, Release(1, 9), "#2786", "events",
         "nodes get ConsolidationCandidate / ConsolidationRejected events (\"Consolidation "
         "candidate: …\")"),
    Rule(WHEN_EMPTY_EVENT_WORDING, Release(1, 14), "#2962", "events",
         "a WhenEmpty NodePool's busy node is reported as \"has consolidation policy "
         "WhenEmpty, but node is not empty\" (before: \"has non-empty consolidation "
         "disabled\")"),
    Rule(CAPACITY_BUFFER_EVENTS, Release(1, 14), "#3028", "events",
         "nodes holding CapacityBuffer pods are reported as \"has buffer pods\""),
)

_BY_NAME = {r.name: r for r in RULES}
if len(_BY_NAME) != len(RULES):  # pragma: no cover - a duplicated row is a programming error
    raise RuntimeError("duplicate rule name in RULES")


def rule(name: str) -> Rule:
    return _BY_NAME[name]


@dataclass(frozen=True)
class KarpenterRules:
    """The release a preview follows, where it came from, and which rules that means."""

    release: Release = NEWEST
    source: str = SOURCE_DEFAULT
    reason: str = "no Karpenter version detected; the newest supported release is assumed"
    # The version as found, when it lies outside SUPPORTED (release is then the nearest).
    requested: str = ""

    def has(self, name: str) -> bool:
        return _BY_NAME[name].active_in(self.release)

    @property
    def label(self) -> str:
        """``Karpenter v1.9`` — how text output names the rules it used."""
        return f"Karpenter {self.release.short}"

    @property
    def header(self) -> str:
        """``rules: Karpenter v1.9 (detected from the controller image)``"""
        return f"rules: {self.label} ({self.reason})"

    @property
    def warning(self) -> str | None:
        """Set when the cluster's release is outside the supported range."""
        if not self.requested:
            return None
        return (f"Karpenter {self.requested} is outside the supported range "
                f"{OLDEST.short}–{NEWEST.short}; previewing with the rules of the nearest "
                f"supported release, {self.release.short}")

    def active(self) -> tuple[Rule, ...]:
        return tuple(r for r in RULES if r.active_in(self.release))


DEFAULT_RULES = KarpenterRules()


def nearest_supported(release: Release) -> Release:
    key = Release(release.major, release.minor)
    if key < OLDEST:
        return OLDEST
    if key > NEWEST:
        return NEWEST
    return key


def resolve_rules(version: str | None, source: str, reason: str = "") -> KarpenterRules:
    """Rules for a version string found by ``source`` (one of SOURCES).

    ``None`` or an empty string gives the default (newest supported). An unparsable string
    is an InputError naming it; a release outside the supported range is kept in
    ``requested`` and the nearest supported release is used.
    """
    if not version:
        return DEFAULT_RULES
    if source not in SOURCES:
        raise ValueError(f"unknown version source {source!r}")
    release = parse_release(version)
    if release is None:
        raise InputError(f"invalid Karpenter version {version!r}: expected X.Y or X.Y.Z "
                         "(e.g. 1.9 or v1.9.0)")
    nearest = nearest_supported(release)
    requested = "" if nearest == Release(release.major, release.minor) else str(release)
    used = Release(nearest.major, nearest.minor, release.patch if not requested else 0)
    why = reason or {SOURCE_FLAG: "from --karpenter-version",
                     SOURCE_SNAPSHOT: "recorded in the snapshot",
                     SOURCE_DETECTED: "detected from the cluster",
                     SOURCE_DEFAULT: "default"}[source]
    return KarpenterRules(release=used, source=source, reason=why, requested=requested)
