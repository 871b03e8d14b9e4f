"""Stable reason codes shared by simulate, explain, consolidate and the TUI.

These strings are part of the documented machine-output contract (README): never rename
one; add new codes instead.
"""

from __future__ import annotations

from dataclasses import dataclass

# Why a pod cannot be placed (simulate, explain, TUI).
INSUFFICIENT_RESOURCE = "InsufficientResource"
UNTOLERATED_TAINT = "UntoleratedTaint"
NODE_SELECTOR_MISMATCH = "NodeSelectorMismatch"
INCOMPATIBLE_REQUIREMENT = "IncompatibleRequirement"
NODEPOOL_LIMIT_EXCEEDED = "NodePoolLimitExceeded"
NO_INSTANCE_TYPE_FITS = "NoInstanceTypeFits"
OFFERINGS_UNAVAILABLE = "OfferingsUnavailable"
TOPOLOGY_SPREAD = "TopologySpread"
POD_AFFINITY = "PodAffinity"
POD_ANTI_AFFINITY = "PodAntiAffinity"
HOST_PORT_CONFLICT = "HostPortConflict"
VOLUME_ZONE_CONFLICT = "VolumeZoneConflict"
VOLUME_NOT_USABLE = "VolumeNotUsable"
VOLUME_LIMIT_EXCEEDED = "VolumeLimitExceeded"
NODE_UNSCHEDULABLE = "NodeUnschedulable"
NODECLASS_NOT_FOUND = "NodeClassNotFound"
NODECLASS_NOT_READY = "NodeClassNotReady"
NODEPOOL_NOT_READY = "NodePoolNotReady"
NODEPOOL_STATIC = "NodePoolStatic"
NODEPOOL_DELETING = "NodePoolDeleting"
NO_NODEPOOL = "NoNodePool"

POD_REASONS = (
    INSUFFICIENT_RESOURCE, UNTOLERATED_TAINT, NODE_SELECTOR_MISMATCH, INCOMPATIBLE_REQUIREMENT,
    NODEPOOL_LIMIT_EXCEEDED, NO_INSTANCE_TYPE_FITS, OFFERINGS_UNAVAILABLE, TOPOLOGY_SPREAD,
    POD_AFFINITY, POD_ANTI_AFFINITY, HOST_PORT_CONFLICT, VOLUME_ZONE_CONFLICT,
    NODE_UNSCHEDULABLE, NODECLASS_NOT_FOUND, NODECLASS_NOT_READY, NODEPOOL_NOT_READY,
    NODEPOOL_STATIC, NODEPOOL_DELETING, NO_NODEPOOL, VOLUME_NOT_USABLE, VOLUME_LIMIT_EXCEEDED,
)

# Why consolidation leaves a node alone (consolidate, TUI).
DO_NOT_DISRUPT = "DoNotDisrupt"
POD_DISRUPTION_BUDGET = "PodDisruptionBudget"
BUDGET_EXHAUSTED = "BudgetExhausted"
CONSOLIDATE_AFTER_NOT_ELAPSED = "ConsolidateAfterNotElapsed"
CONSOLIDATION_DISABLED = "ConsolidationDisabled"
WHEN_EMPTY_POLICY = "WhenEmptyPolicy"
NOT_CHEAPER = "NotCheaper"
PODS_CANNOT_RESCHEDULE = "PodsCannotReschedule"
NOT_KARPENTER_MANAGED = "NotKarpenterManaged"
ALREADY_DISRUPTING = "AlreadyDisrupting"
NOT_INITIALIZED = "NotInitialized"
STATIC_NODEPOOL = "StaticNodePool"
BALANCED_SCORE_TOO_LOW = "BalancedScoreTooLow"

BLOCK_REASONS = (
    DO_NOT_DISRUPT, POD_DISRUPTION_BUDGET, BUDGET_EXHAUSTED, CONSOLIDATE_AFTER_NOT_ELAPSED,
    CONSOLIDATION_DISABLED, WHEN_EMPTY_POLICY, NOT_CHEAPER, PODS_CANNOT_RESCHEDULE,
    NOT_KARPENTER_MANAGED, ALREADY_DISRUPTING, NOT_INITIALIZED, STATIC_NODEPOOL,
    BALANCED_SCORE_TOO_LOW,
)


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason, in words a person can act on.

    ``message`` is one line with the numbers; ``detail`` explains; ``fix`` names the real
    object and the change that would help (empty when there is nothing to suggest).
    """

    code: str
    message: str
    detail: str = ""
    fix: str = ""
    node_pool: str | None = None
    node: str | None = None
