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


@dataclass(frozen=True, slots=True)
class InstanceType:
    name: str
    labels: Labels = field(default_factory=dict)  # complete: provider labels already derived
    capacity: Resources = field(default_factory=dict)
    allocatable: Resources = field(default_factory=dict)  # already computed by the provider
    offerings: tuple[Offering, ...] = ()
    # Provider labels this type does not have: upstream gives each a DoesNotExist requirement,
    # so a pod asking for one (a GPU count on a CPU type) cannot land here. Filled by the
    # provider (``providers.registry.complete_instance_type``), never by catalogue files.
    absent_labels: frozenset[str] = frozenset()

    def available_offerings(self) -> tuple[Offering, ...]:
        return tuple(o for o in self.offerings if o.available)

    def requirements(self) -> Requirements:
        """The type's requirements as its provider builds them (computeRequirements): each
        label In its value, zone and capacity type In those of the available offerings, each
        label the type lacks (``absent_labels``) DoesNotExist."""
        offering_keys = (LABEL_ZONE, LABEL_CAPACITY_TYPE)
        reqs = Requirements.from_labels({k: v for k, v in self.labels.items()
                                         if k not in offering_keys})
        available = self.available_offerings()
        reqs = reqs.add(Requirement.of(LABEL_ZONE, IN, {o.zone for o in available}),
                        Requirement.of(LABEL_CAPACITY_TYPE, IN,
                                       {o.capacity_type for o in available}))
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

    def by_name(self) -> dict[str, InstanceType]:
        return {it.name: it for it in self.instance_types}
