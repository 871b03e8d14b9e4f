"""NodeOverlays applied to each NodePool's instance types, as Karpenter's nodeoverlay
controller and instance-type store do (pkg/controllers/nodeoverlay/{controller,store}.go).

Overlays are taken highest weight first (equal weights: name descending). An overlay selects
an instance type when the type's requirements — its labels, zones and capacity types, the
NodePool's name and template labels — are compatible with the overlay's requirements, and
then the offerings (zone, capacity type) those requirements allow. For each offering the first
overlay with a price wins; for each extended resource the first overlay naming it wins. An
overlay that would touch what an earlier overlay of the same weight touched conflicts and is
not applied anywhere (no partial application). The NodeOverlay API is present in every
supported release but behind the NodeOverlay feature gate (off by default): the preview
applies the overlays it finds and says so.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    NodeOverlay,
    NodePool,
)
from kubectl_karp.model.requirements import IN, Requirement, Requirements

_NO_UNDEFINED: frozenset[str] = frozenset()


def adjusted_price(price: float, change: str) -> float:
    """AdjustedPrice: an unsigned value replaces the price; "+x"/"-x" add, "+x%"/"-x%" scale;
    never below zero."""
    # upstream: cloudprovider/types.go AdjustedPrice
    if not change:
        return price
    if not change.startswith(("+", "-")):
        return float(change)
    if change.endswith("%"):
        out = price * (1 + float(change[:-1]) / 100)
    else:
        out = price + float(change)
    return max(out, 0.0)


@dataclass
class _Update:
    """What the overlays decided for one instance type of one NodePool."""

    prices: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    capacity: dict[str, int] = field(default_factory=dict)
    capacity_weight: int | None = None  # the last capacity overlay's weight
    capacity_last: frozenset[str] = frozenset()  # the resources it named


@dataclass(frozen=True)
class _Parsed:
    overlay: NodeOverlay
    requirements: Requirements
    price: str | None


def _type_requirements(pool: NodePool, it: InstanceType) -> Requirements:
    labels = {**it.labels, **pool.template_labels, LABEL_NODEPOOL: pool.name}
    reqs = Requirements.from_labels(labels)
    return reqs.add(Requirement.of(LABEL_ZONE, IN, {o.zone for o in it.offerings}),
                    Requirement.of(LABEL_CAPACITY_TYPE, IN,
                                   {o.capacity_type for o in it.offerings}))


def _offerings(pool: NodePool, it: InstanceType, overlay: _Parsed) -> list[Offering]:
    """getOverlaidOfferings: none when the type itself does not match."""
    if _type_requirements(pool, it).compatible(overlay.requirements, _NO_UNDEFINED) is not None:
        return []
    out = []
    for o in it.offerings:
        offering = Requirements.from_labels({LABEL_ZONE: o.zone,
                                             LABEL_CAPACITY_TYPE: o.capacity_type})
        if overlay.requirements.compatible(offering) is None:
            out.append(o)
    return out


def _parse(overlay: NodeOverlay) -> _Parsed | str:
    """RuntimeValidate: the overlay, or why it is invalid."""
    try:
        reqs = Requirements.from_node_selector_requirements(
            overlay.requirements, where=f"NodeOverlay {overlay.name} spec.requirements")
    except InputError as err:
        return str(err)
    if overlay.price is not None and overlay.price_adjustment is not None:
        return "sets both price and priceAdjustment"
    price = overlay.price if overlay.price is not None else overlay.price_adjustment
    if price is not None:
        try:
            adjusted_price(1.0, price)
        except ValueError:
            return f"invalid price {price!r}"
    return _Parsed(overlay, reqs, price)


def _conflicts(store: dict[tuple[str, str], _Update], pool: NodePool, it: InstanceType,
               offerings: Sequence[Offering], parsed: _Parsed) -> bool:
    update = store.get((pool.name, it.name))
    if update is None:
        return False
    weight = parsed.overlay.weight
    if parsed.price is not None:
        for o in offerings:
            seen = update.prices.get((o.zone, o.capacity_type))
            if seen is not None and seen[1] == weight:
                return True
    return bool(parsed.overlay.capacity and update.capacity_weight == weight
                and update.capacity_last & set(parsed.overlay.capacity))


def _store(store: dict[tuple[str, str], _Update], pool: NodePool, it: InstanceType,
           offerings: Sequence[Offering], parsed: _Parsed) -> None:
    update = store.setdefault((pool.name, it.name), _Update())
    weight = parsed.overlay.weight
    if parsed.price is not None:
        for o in offerings:
            key = (o.zone, o.capacity_type)
            seen = update.prices.get(key)
            # A heavier overlay already priced it; this one only marks the weight seen.
            update.prices[key] = (seen[0] if seen else parsed.price, weight)
    if parsed.overlay.capacity:
        for name, milli in parsed.overlay.capacity.items():
            update.capacity.setdefault(name, milli)
        update.capacity_weight = weight
        update.capacity_last = frozenset(parsed.overlay.capacity)


def _apply(it: InstanceType, update: _Update) -> InstanceType:
    offerings = tuple(
        replace(o, price_per_hour=adjusted_price(o.price_per_hour, update.prices[key][0]))
        if (key := (o.zone, o.capacity_type)) in update.prices and o.price_per_hour is not None
        else o for o in it.offerings)
    capacity, allocatable = it.capacity, it.allocatable
    if update.capacity:
        capacity = {**it.capacity, **update.capacity}
        if it.allocatable:
            allocatable = {**it.allocatable, **update.capacity}
    return replace(it, offerings=offerings, capacity=capacity, allocatable=allocatable)


def apply_overlays(pools: Mapping[str, tuple[NodePool, tuple[InstanceType, ...]]],
                   overlays: Sequence[NodeOverlay]
                   ) -> tuple[dict[str, tuple[InstanceType, ...]], list[str]]:
    """Each NodePool's instance types with the overlays applied, and notes saying what was
    applied and what was refused."""
    # upstream: nodeoverlay/controller.go Reconcile (OrderByWeight, validate, store)
    if not overlays:
        return {name: types for name, (_, types) in pools.items()}, []
    ordered = sorted(sorted(overlays, key=lambda o: o.name, reverse=True),
                     key=lambda o: -o.weight)
    store: dict[tuple[str, str], _Update] = {}
    notes: list[str] = []
    applied: dict[str, int] = {}
    for overlay in ordered:
        parsed = _parse(overlay)
        if isinstance(parsed, str):
            notes.append(f"NodeOverlay {overlay.name} is invalid ({parsed}); Karpenter does not "
                         "apply it")
            continue
        touched = [(pool, it, offs) for pool, types in pools.values() for it in types
                   if (offs := _offerings(pool, it, parsed))]
        if any(_conflicts(store, pool, it, offs, parsed) for pool, it, offs in touched):
            notes.append(f"NodeOverlay {overlay.name} conflicts with another overlay of weight "
                         f"{overlay.weight} on the same instance types; Karpenter does not "
                         "apply it (give one of them a different weight)")
            continue
        for pool, it, offs in touched:
            _store(store, pool, it, offs, parsed)
        applied[overlay.name] = len({it.name for _, it, _ in touched})
    out = {name: tuple(_apply(it, store[(name, it.name)]) if (name, it.name) in store else it
                       for it in types)
           for name, (_, types) in pools.items()}
    if applied:
        listed = ", ".join(f"{name} ({count} instance type(s))"
                           for name, count in sorted(applied.items()))
        notes.append(f"NodeOverlays applied to prices and capacity: {listed} — Karpenter "
                     "honours them only with its NodeOverlay feature gate on (off by default)")
    return out, notes
