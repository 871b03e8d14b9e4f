"""A Karpenter expert's review of a NodePool against its provider's instance types.

Requirements are applied one at a time, in the order written, so that when nothing is left
the message can say which requirement emptied the set. Instance types are matched the way
Karpenter filters them (``Intersects``: keys the type does not define do not exclude it),
with zone and capacity type taken from the type's available offerings.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import (
    CAPACITY_ON_DEMAND,
    CAPACITY_SPOT,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_ZONE,
    NodePool,
)
from kubectl_karp.model.quantity import format_quantity
from kubectl_karp.model.requirements import Requirement, Requirements
from kubectl_karp.providers.base import BaseProvider

_REQS = "spec.template.spec.requirements"
_MAX_LISTED = 8


@dataclass(frozen=True, slots=True)
class Issue:
    severity: str  # error | warning
    code: str
    path: str
    message: str


def _listing(values: Sequence[str]) -> str:
    shown = list(values[:_MAX_LISTED])
    return ", ".join(shown) + (f", … ({len(values)} in all)" if len(values) > _MAX_LISTED
                               else "")


def type_requirements(it: InstanceType) -> Requirements:
    """The type's labels as requirements, zone and capacity type from its offerings."""
    return it.requirements()


def _describe(index: int, pool: NodePool) -> str:
    req = pool.requirements[index]
    values = f" {', '.join(req.values)}" if req.values else ""
    return f"requirement [{index}] {req.key} {req.operator}{values}"


def unknown_values(pool: NodePool, provider: BaseProvider, types: Sequence[InstanceType],
                   source: str) -> Iterator[Issue]:
    """In-values of the family and instance-type labels that the catalogue does not know;
    ``source`` names the catalogue ("": unnamed, as for the bundled ones, whose
    descriptions would only repeat once per region)."""
    keys = {LABEL_INSTANCE_TYPE: "instance type"}
    if provider.family_label:
        keys[provider.family_label] = "instance family"
    for i, req in enumerate(pool.requirements):
        what = keys.get(req.key)
        if what is None or req.operator != "In":
            continue
        known = sorted({it.labels.get(req.key, "") for it in types} - {""})
        unknown = [v for v in req.values if v not in known]
        if unknown:
            yield Issue("error", "UnknownValue", f"{_REQS}[{i}].values",
                        f"unknown {what}{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(unknown)} for {provider.title} ("
                        + (f"catalogue: {source}; " if source else "")
                        + f"known: {_listing(known)})")


def unknown_label_keys(pool: NodePool, provider: BaseProvider) -> Iterator[Issue]:
    """Keys in the provider's own label domain that it does not define: usually a typo."""
    domain = provider.node_class_group
    if not domain:
        return
    for i, req in enumerate(pool.requirements):
        prefix, slash, _ = req.key.partition("/")
        if req.key in provider.unset_labels:
            yield Issue("warning", "UnknownLabel", f"{_REQS}[{i}].key",
                        f"{provider.title} declares {req.key} but never puts it on an instance "
                        "type; Karpenter treats it as a custom label and will not filter "
                        "instance types by it (use node.kubernetes.io/instance-type)")
            continue
        if not slash or prefix != domain or req.key in provider.labels:
            continue
        close = difflib.get_close_matches(req.key, sorted(provider.labels), n=1)
        hint = f" (did you mean {close[0]}?)" if close else \
            f" (known: {', '.join(sorted(provider.labels))})"
        yield Issue("warning", "UnknownLabel", f"{_REQS}[{i}].key",
                    f"{req.key} is not a label {provider.title} instance types carry{hint}; "
                    "Karpenter treats it as a custom label and will not filter instance types "
                    "by it")


def contradictions(pool: NodePool) -> Iterator[Issue]:
    """Requirements on one key that no node could meet together (``In [S5]`` with ``NotIn
    [S5]``, ``Exists`` with ``DoesNotExist``): an error without any catalogue, since the
    scheduler intersects a NodePool's requirements per key (upstream:
    scheduling/requirements.go Requirements.Add intersects a repeated key)."""
    by_key: dict[str, list[tuple[int, Requirement]]] = {}
    for i, nsr in enumerate(pool.requirements):
        try:
            by_key.setdefault(nsr.key, []).append((i, Requirement.from_node_selector(nsr)))
        except InputError:
            continue  # reported by the rules already
    for key, entries in by_key.items():
        if len(entries) < 2:
            continue
        combined = entries[0][1]
        for _, req in entries[1:]:
            combined = combined.intersection(req)
        # Empty is also how DoesNotExist reads; it contradicts only a requirement that
        # needs a value (In, Exists, Gt, Lt), not NotIn/DoesNotExist beside each other.
        if combined.is_empty() and any(not req.allows_absent() for _, req in entries):
            first, *rest = (i for i, _ in entries)
            yield Issue("error", "ContradictoryRequirements", f"{_REQS}[{rest[-1]}]",
                        f"{' and '.join(_describe(i, pool) for i in (first, *rest))} on "
                        f"{key} allow no value together; Karpenter could never launch a node "
                        "for this NodePool")


def narrow(pool: NodePool, types: Sequence[InstanceType],
           zones: frozenset[str] | None = None
           ) -> tuple[tuple[InstanceType, ...], Issue | None]:
    """The types every requirement allows, or the requirement that left none.

    ``zones`` are those the node class can launch in, named when a zone requirement is the
    one that emptied the set."""
    remaining = [(it, type_requirements(it)) for it in types]
    for i, nsr in enumerate(pool.requirements):
        try:
            one = Requirements([Requirement.from_node_selector(nsr)])
        except InputError:
            continue  # reported by the rules already
        kept = [(it, r) for it, r in remaining if r.intersects(one) is None]
        if not kept:
            before = len(remaining)
            alone = sum(1 for it in types if type_requirements(it).intersects(one) is None)
            if nsr.key == LABEL_ZONE and zones:
                why = ("the node class launches only in zones "
                       f"{_listing(sorted(z for z in zones if z.isdigit()) or sorted(zones))}")
            elif before == len(types):
                why = f"no instance type of the catalogue matches it ({len(types)} known)"
            elif alone:
                why = (f"{before} instance types matched the requirements before it and none of "
                       f"them matches it ({alone} would on its own): the requirements "
                       "contradict each other")
            else:
                why = f"no instance type of the catalogue matches it ({len(types)} known)"
            return (), Issue("error", "NoInstanceTypes", f"{_REQS}[{i}]",
                             f"{_describe(i, pool)} excludes every remaining instance type: "
                             f"{why}; Karpenter could never launch a node for this NodePool")
        remaining = kept
    return tuple(it for it, _ in remaining), None


def min_values(pool: NodePool, types: Sequence[InstanceType]) -> Iterator[Issue]:
    try:
        reqs = Requirements.from_node_selector_requirements(pool.requirements)
    except InputError:
        return
    for key, needed, available in reqs.min_values_shortfall(it.labels for it in types):
        index = next((i for i, r in enumerate(pool.requirements) if r.key == key), 0)
        yield Issue("error", "MinValues", f"{_REQS}[{index}].minValues",
                    f"minValues {needed} on {key} cannot be met: the allowed instance types "
                    f"have only {available} distinct value(s)")


def limits_too_small(pool: NodePool, types: Sequence[InstanceType]) -> Iterator[Issue]:
    for resource, limit in sorted(pool.limits.items()):
        sizes = [(it.capacity[resource], it.name) for it in types if resource in it.capacity]
        if not sizes:
            continue
        smallest, name = min(sizes)
        unit = " CPU" if resource == "cpu" else ""
        if limit < smallest:
            yield Issue("error", "LimitTooSmall", f"spec.limits.{resource}",
                        f"limit {format_quantity(resource, limit)}{unit} is smaller than the "
                        f"smallest instance type this NodePool allows ({name}: "
                        f"{format_quantity(resource, smallest)}{unit}); Karpenter could never "
                        "launch "
                        "a node")


def risky(pool: NodePool) -> Iterator[Issue]:
    """Legal but risky: warnings, never errors."""
    if not pool.limits:
        yield Issue("warning", "NoLimits", "spec.limits",
                    "no limits: nothing caps how many nodes this NodePool may launch (a "
                    "runaway deployment scales the bill with it); set spec.limits.cpu/memory")
    capacity = [r for r in pool.requirements if r.key == LABEL_CAPACITY_TYPE]
    try:
        allowed = Requirements.from_node_selector_requirements(capacity).get(LABEL_CAPACITY_TYPE)
    except InputError:
        allowed = None
    if allowed is not None and capacity and allowed.has(CAPACITY_SPOT) and \
            not allowed.has(CAPACITY_ON_DEMAND):
        index = pool.requirements.index(capacity[0])
        yield Issue("warning", "SpotOnly", f"{_REQS}[{index}]",
                    "spot without on-demand fallback: when spot capacity runs out or is "
                    "reclaimed, pods stay pending; add on-demand to the values (Karpenter "
                    "prefers spot when both are allowed)")
    if pool.consolidate_after_seconds is None:
        yield Issue("warning", "ConsolidationDisabled", "spec.disruption.consolidateAfter",
                    "consolidation disabled (consolidateAfter: Never): empty and underused "
                    "nodes are never removed")
    for i, budget in enumerate(pool.budgets):
        if budget.nodes in ("0", "0%") and budget.schedule is None:
            yield Issue("warning", "DisruptionBlocked", f"spec.disruption.budgets[{i}].nodes",
                        "a budget of 0 nodes with no schedule blocks every voluntary "
                        "disruption (consolidation, drift, expiry replacement)")
