"""The provider's launch choice for a NodeClaim, and the price ordering of its options.

Among the remaining instance types, offerings must be available and match the claim's zone and
capacity-type requirements. The capacity type is chosen first (reserved, then spot, then
on-demand, as the AWS and TKE providers do when a NodePool allows several), then the cheapest
offering of that type. Unknown prices sort after known ones, smaller machines first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import (
    CAPACITY_ON_DEMAND,
    CAPACITY_RESERVED,
    CAPACITY_SPOT,
    LABEL_CAPACITY_TYPE,
    LABEL_ZONE,
)
from kubectl_karp.model.requirements import Requirements

CAPACITY_PRIORITY = {CAPACITY_RESERVED: 0, CAPACITY_SPOT: 1, CAPACITY_ON_DEMAND: 2}


@dataclass(frozen=True, slots=True)
class LaunchChoice:
    instance_type: InstanceType
    offering: Offering | None
    options: tuple[InstanceType, ...]  # cheapest first


def compatible_offerings(it: InstanceType, requirements: Requirements) -> list[Offering]:
    zone = requirements.defined(LABEL_ZONE)
    ctype = requirements.defined(LABEL_CAPACITY_TYPE)
    return [o for o in it.offerings if o.available
            and (zone is None or zone.has(o.zone))
            and (ctype is None or ctype.has(o.capacity_type))]


def _price_key(offering: Offering) -> tuple[int, float]:
    price = offering.price_per_hour
    return (0, price) if price is not None else (1, 0.0)


def _size_key(it: InstanceType) -> tuple[int, int, str]:
    return (it.capacity.get("cpu", 0), it.capacity.get("memory", 0), it.name)


@dataclass(frozen=True, slots=True)
class Ranking:
    """Instance types ranked for one (zone, capacity-type) requirement pair: ``order`` is
    cheapest first (by their cheapest compatible offering); ``by_capacity`` lists, per capacity
    type in priority order, (type, its cheapest offering of that type), cheapest first."""

    order: tuple[InstanceType, ...]
    by_capacity: tuple[tuple[tuple[InstanceType, Offering], ...], ...]


def _offer_key(it: InstanceType, offering: Offering) -> tuple[tuple[int, float],
                                                                tuple[int, int, str], str]:
    return (_price_key(offering), _size_key(it), offering.zone)


def rank(types: Sequence[InstanceType], requirements: Requirements) -> Ranking:
    """Depends only on the zone and capacity-type requirements: callers cache it per pair."""
    per_type = [(it, compatible_offerings(it, requirements)) for it in types]

    def cheapest(offers: list[Offering]) -> tuple[int, float]:
        return min((_price_key(o) for o in offers), default=(2, 0.0))

    order = tuple(it for it, _ in sorted(per_type, key=lambda pair: (cheapest(pair[1]),
                                                                       _size_key(pair[0]))))
    by_capacity = []
    for ctype in sorted({o.capacity_type for _, offers in per_type for o in offers},
                        key=lambda c: (CAPACITY_PRIORITY.get(c, 3), c)):
        best = []
        for it, offers in per_type:
            mine = [o for o in offers if o.capacity_type == ctype]
            if mine:
                best.append((it, min(mine, key=lambda o: _offer_key(it, o))))
        best.sort(key=lambda pair: _offer_key(*pair))
        by_capacity.append(tuple(best))
    return Ranking(order, tuple(by_capacity))


def choose(types: Sequence[InstanceType], requirements: Requirements,
           ranking: Ranking | None = None) -> LaunchChoice:
    """The launch choice among ``types``; ``ranking`` (from :func:`rank` over a superset,
    with the same zone and capacity-type requirements) saves re-sorting."""
    if ranking is None:
        ranking = rank(types, requirements)
    keep = {id(it) for it in types}
    options = tuple(it for it in ranking.order if id(it) in keep)
    for ranked in ranking.by_capacity:
        for it, offering in ranked:
            if id(it) in keep:
                return LaunchChoice(it, offering, options)
    return LaunchChoice(options[0], None, options)
