"""The provider's launch choice for a NodeClaim, and the price ordering of its options.

Among the remaining instance types, offerings must be available and match the claim's zone and
capacity-type requirements. Unknown prices sort after known ones, smaller machines first.

- AWS and the others: the capacity type is chosen first (reserved, then spot, then on-demand,
  as the AWS provider does when a NodePool allows several), then the cheapest offering of it.
- TKE (karpenter-provider-tke, machine provider Create): no capacity-type priority (reserved
  offerings aside: core Karpenter narrows a claim to them first). When the
  claim allows both spot and on-demand and both are offered (and no requirement has minValues),
  types whose cheapest available offering costs more than the cheapest on-demand offering are
  dropped; the rest are ordered by their cheapest compatible offering (ties by name) and the
  first one launches in that offering's zone and capacity type. So an on-demand machine cheaper
  than every spot one wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import (
    CAPACITY_ON_DEMAND,
    CAPACITY_RESERVED,
    CAPACITY_SPOT,
    LABEL_CAPACITY_TYPE,
)
from kubectl_karp.model.requirements import Requirements

CAPACITY_PRIORITY = {CAPACITY_RESERVED: 0, CAPACITY_SPOT: 1, CAPACITY_ON_DEMAND: 2}


@dataclass(frozen=True, slots=True)
class LaunchChoice:
    instance_type: InstanceType
    offering: Offering | None
    options: tuple[InstanceType, ...]  # cheapest first


def compatible_offerings(it: InstanceType, requirements: Requirements) -> list[Offering]:
    return [o for o in it.offerings if o.available and o.allowed_by(requirements)]


def _price_key(offering: Offering) -> tuple[int, float]:
    price = offering.price_per_hour
    return (0, price) if price is not None else (1, 0.0)


def _size_key(it: InstanceType) -> tuple[int, int, str]:
    return (it.capacity.get("cpu", 0), it.capacity.get("memory", 0), it.name)


@dataclass(frozen=True, slots=True)
class Ranking:
    """Instance types ranked for one (zone, capacity-type) requirement pair: ``order`` is
    cheapest first (by their cheapest compatible offering); ``by_capacity`` lists, per capacity
    type in priority order, (type, its cheapest offering of that type), cheapest first;
    ``by_price`` lists (type, its cheapest compatible offering) by price then name, as the TKE
    provider orders them."""

    order: tuple[InstanceType, ...]
    by_capacity: tuple[tuple[tuple[InstanceType, Offering], ...], ...]
    capacity_types: tuple[str, ...] = ()  # the capacity type of each ``by_capacity`` entry
    by_price: tuple[tuple[InstanceType, Offering], ...] = ()


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
    ctypes = sorted({o.capacity_type for _, offers in per_type for o in offers},
                    key=lambda c: (CAPACITY_PRIORITY.get(c, 3), c))
    for ctype in ctypes:
        best = []
        for it, offers in per_type:
            mine = [o for o in offers if o.capacity_type == ctype]
            if mine:
                best.append((it, min(mine, key=lambda o: _offer_key(it, o))))
        best.sort(key=lambda pair: _offer_key(*pair))
        by_capacity.append(tuple(best))
    # min() keeps the first of equal prices: the provider's Cheapest() does the same.
    by_price = sorted(((it, min(offers, key=_tke_price)) for it, offers in per_type if offers),
                      key=lambda pair: (_tke_price(pair[1]), pair[0].name))
    return Ranking(order, tuple(by_capacity), tuple(ctypes), tuple(by_price))


def _tke_price(offering: Offering) -> float:
    return offering.price_per_hour if offering.price_per_hour is not None else float("inf")


def _cheapest_available(it: InstanceType, capacity_type: str | None = None) -> float:
    return min((_tke_price(o) for o in it.offerings if o.available
                and (capacity_type is None or o.capacity_type == capacity_type)),
               default=float("inf"))


def _choose_tke(types: Sequence[InstanceType], requirements: Requirements, ranking: Ranking,
                keep: set[int], options: tuple[InstanceType, ...]) -> LaunchChoice | None:
    offered = {c for c, ranked in zip(ranking.capacity_types, ranking.by_capacity, strict=True)
               if any(id(it) in keep for it, _ in ranked)}
    if CAPACITY_RESERVED in offered:
        return None  # core Karpenter narrows a claim to reserved capacity before the provider
    ctype = requirements.get(LABEL_CAPACITY_TYPE)
    mixed = (ctype.has(CAPACITY_SPOT) and ctype.has(CAPACITY_ON_DEMAND)
             and {CAPACITY_SPOT, CAPACITY_ON_DEMAND} <= offered)
    allowed = keep
    if mixed and not requirements.has_min_values():
        # filterUnwantedSpot: both prices are over every available offering, whatever the
        # claim's zone requirement says.
        ceiling = min((_cheapest_available(it, CAPACITY_ON_DEMAND) for it in types),
                      default=float("inf"))
        allowed = {id(it) for it in types if _cheapest_available(it) <= ceiling}
    for it, offering in ranking.by_price:
        if id(it) in allowed:
            return LaunchChoice(it, offering, options)
    return LaunchChoice(options[0], None, options)


def choose(types: Sequence[InstanceType], requirements: Requirements,
           ranking: Ranking | None = None, provider: str | None = None) -> LaunchChoice:
    """The launch choice among ``types`` for ``provider`` (see the module docstring);
    ``ranking`` (from :func:`rank` over a superset, with the same zone and capacity-type
    requirements) saves re-sorting."""
    if ranking is None:
        ranking = rank(types, requirements)
    keep = {id(it) for it in types}
    options = tuple(it for it in ranking.order if id(it) in keep)
    if provider == "tke" and ranking.by_price:
        tke = _choose_tke(types, requirements, ranking, keep, options)
        if tke is not None:
            return tke
    for ranked in ranking.by_capacity:
        for it, offering in ranked:
            if id(it) in keep:
                return LaunchChoice(it, offering, options)
    return LaunchChoice(options[0], None, options)


def min_values_shortfall(requirements: Requirements, types: Iterable[InstanceType]
                         ) -> list[tuple[str, int, int]]:
    """``(key, needed, available)`` per requirement whose ``minValues`` the types do not meet
    (SatisfiesMinValues). A type's values for a key are those of its requirements: its label,
    or for zone and capacity type every one its available offerings have, whatever zone the
    claim is pinned to (the provider's instance-type requirements are built that way)."""
    wanted = [(key, req.min_values) for key, req in requirements.items()
              if req.min_values is not None]
    if not wanted:
        return []
    seen: dict[str, set[str]] = {key: set() for key, _ in wanted}
    for it in types:
        per_offering = it.offering_keys()
        for key, _ in wanted:
            if key in per_offering:
                seen[key].update(v for o in it.offerings if o.available
                                 for k, v in o.label_items() if k == key)
            else:
                value = it.labels.get(key)
                if value is not None:
                    seen[key].add(value)
    return [(key, need, len(seen[key])) for key, need in wanted if len(seen[key]) < need]


# The capacity type a launch uses when the requirements allow several (WorstLaunchPrice).
_LAUNCH_PRECEDENCE = (CAPACITY_RESERVED, CAPACITY_SPOT, CAPACITY_ON_DEMAND)


def worst_launch_price(offerings: Sequence[Offering]) -> float:
    """upstream: cloudprovider/types.go Offerings.WorstLaunchPrice — of the capacity type the
    launch would use (reserved, then spot, then on-demand), the dearest compatible offering;
    infinity when there is none. An unknown price among them makes the worst case unknown
    (infinity: never shown cheaper)."""
    for ctype in _LAUNCH_PRECEDENCE:
        prices = [o.price_per_hour for o in offerings if o.capacity_type == ctype]
        if prices:
            if any(p is None for p in prices):
                return float("inf")
            return max(p for p in prices if p is not None)
    return float("inf")
