"""Instance types and their offerings: what a cloud can launch, where, and at what price."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_karp.model.objects import LABEL_CAPACITY_TYPE, LABEL_ZONE, Labels
from kubectl_karp.model.requirements import DOES_NOT_EXIST, IN, Requirement, Requirements
from kubectl_karp.model.resources import Resources


@dataclass(frozen=True, slots=True)
class Offering:
    """One (zone, capacity type) in which an instance type can be launched."""

    zone: str  # the value nodes carry in topology.kubernetes.io/zone (TKE: numeric zone ID)
    capacity_type: str  # on-demand | spot | reserved
    price_per_hour: float | None = None  # None: price unknown
    available: bool = True
    zone_name: str = ""  # human name (ap-guangzhou-3) when it differs from ``zone``
    # Further labels the provider sets per offering (TKE: the CBS zone by name), as
    # (key, value) pairs so offerings stay hashable.
    labels: tuple[tuple[str, str], ...] = ()

    def label_items(self) -> tuple[tuple[str, str], ...]:
        """Every label this offering puts on a node: zone, capacity type, then its own."""
        return ((LABEL_ZONE, self.zone), (LABEL_CAPACITY_TYPE, self.capacity_type), *self.labels)

    def allowed_by(self, requirements: Requirements) -> bool:
        """Whether the requirements admit this offering (upstream Offerings.Compatible: every
        offering requirement intersects)."""
        for key, value in self.label_items():
            req = requirements.defined(key)
            if req is not None and not req.has(value):
                return False
        return True


@dataclass(frozen=True, slots=True)
class InstanceType:
    name: str
    labels: Labels = field(default_factory=dict)  # complete: provider labels already derived
    capacity: Resources = field(default_factory=dict)
    allocatable: Resources = field(default_factory=dict)  # already computed by the provider
    offerings: tuple[Offering, ...] = ()
    # Label keys the type requires to be absent (upstream: a DoesNotExist requirement): those
    # the provider always sets so (TKE: node.kubernetes.io/windows-build) and the provider labels
    # this type has no value for (a GPU count on a CPU type). Filled by the provider
    # (``providers.registry.complete_instance_type``) or a catalogue's ``absentLabels``.
    absent_labels: frozenset[str] = frozenset()

    def available_offerings(self) -> tuple[Offering, ...]:
        return tuple(o for o in self.offerings if o.available)

    def offering_keys(self) -> tuple[str, ...]:
        """Label keys set per offering rather than per type (zone, capacity type, …)."""
        keys = {LABEL_ZONE: None, LABEL_CAPACITY_TYPE: None}
        for offering in self.offerings:
            keys.update(dict.fromkeys(k for k, _ in offering.labels))
        return tuple(keys)

    def requirements(self) -> Requirements:
        """The type's requirements as the provider builds them: each label as In, and each
        per-offering key In the values of the available offerings (upstream: the TKE
        provider's computeRequirements; an empty set when nothing is available)."""
        keys = self.offering_keys()
        reqs = Requirements.from_labels({k: v for k, v in self.labels.items() if k not in keys})
        available = self.available_offerings()
        values: dict[str, set[str]] = {key: set() for key in keys}
        for offering in available:
            for key, value in offering.label_items():
                values[key].add(value)
        reqs = reqs.add(*(Requirement.of(key, IN, vals) for key, vals in values.items()))
        return reqs.add(*(Requirement.of(key, DOES_NOT_EXIST) for key in sorted(
            self.absent_labels) if key not in self.labels))


@dataclass(frozen=True, slots=True)
class InstanceTypeCatalog:
    """A set of instance types from one source (live API, a file, the bundled data, the nodes)."""

    provider: str  # tke | aws | alibaba | huawei | generic
    region: str = ""
    source: str = ""  # where the figures came from, in words
    instance_types: tuple[InstanceType, ...] = ()
    illustrative_prices: bool = False  # prices are examples, not a quote
    prices_known: bool = True
    origin: str = ""  # file path, "tencentcloud-api", "bundled", "inferred from nodes"
    notes: tuple[str, ...] = ()  # caveats about the figures (e.g. how max pods was decided)
    currency: str = ""  # ISO 4217 code of the prices (CNY, USD); "" when not stated

    def by_name(self) -> dict[str, InstanceType]:
        return {it.name: it for it in self.instance_types}
