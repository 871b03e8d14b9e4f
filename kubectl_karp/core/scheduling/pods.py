"""The pods a provisioning run considers, their order, and their relaxable scheduling state.

Identical pods (same namespace, labels, requests and constraints; a Deployment's replicas) share
one :class:`PodShape`, so per-shape work (requirements, taint checks, topology matching, failure
caches) is done once, not once per replica.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_karp.model.objects import (
    HostPort,
    Pod,
    PodAffinityTerm,
    Toleration,
    TopologySpreadConstraint,
)
from kubectl_karp.model.requirements import (
    EMPTY_REQUIREMENTS,
    Requirements,
    pod_requirements,
    preferred_requirements,
)
from kubectl_karp.model.taints import with_prefer_no_schedule


def shape_signature(pod: Pod) -> Hashable:
    """Everything that makes two pods schedule alike (names, UIDs and times excluded)."""
    labels = pod.labels
    selector = pod.node_selector
    return (
        pod.namespace, tuple(sorted(labels.items())) if len(labels) > 1 else tuple(labels.items()),
        tuple(sorted(selector.items())) if selector else (),
        pod.required_node_affinity, pod.preferred_node_affinity, pod.pod_affinity,
        pod.preferred_pod_affinity, pod.pod_anti_affinity, pod.preferred_pod_anti_affinity,
        pod.tolerations, pod.topology_spread, tuple(sorted(pod.requests.items())),
        pod.host_ports, pod.pvc_names, pod.ephemeral_volume_classes,
    )


_REQUESTS_AT = 11  # where shape_signature puts the requests


def without_requests(signature: Hashable) -> Hashable:
    """A shape signature minus the requests: shapes that agree on it differ only in what
    they request (one topology profile, the same requirements)."""
    if isinstance(signature, tuple):
        return signature[:_REQUESTS_AT] + signature[_REQUESTS_AT + 1:]
    return signature


@dataclass(eq=False)
class PodShape:
    """The scheduling-relevant state of one or more identical pods at one relaxation step.

    Mutable only through :meth:`relaxed`, which returns a new shape; caches hang off it.
    """

    pod: Pod  # a representative (labels, namespace, tolerations are shared)
    signature: Hashable
    step: int
    requests: Mapping[str, int]
    alternatives: tuple[Requirements, ...]  # required node-affinity terms left (OR), in order
    preferred: tuple[Requirements, ...]  # preferred node-affinity terms left, heaviest first
    volume: Requirements  # the volume alternative this shape tries (see volume_alternatives)
    tolerations: tuple[Toleration, ...]
    spreads: tuple[TopologySpreadConstraint, ...]
    affinity: tuple[PodAffinityTerm, ...]  # required + preferred still in force
    anti_affinity: tuple[PodAffinityTerm, ...]
    preferred_affinity: tuple[PodAffinityTerm, ...]  # the relaxable subset, heaviest first
    preferred_anti: tuple[PodAffinityTerm, ...]
    host_ports: tuple[HostPort, ...]
    # Every volume alternative (OR-ed, tried in order at each place: CanAdd's loop); more
    # than one only from v1.13 (and v1.12.1).
    volume_alternatives: tuple[Requirements, ...] = ()
    # v1.8 injected volume requirements into the pod's node affinity, so they narrowed the
    # domains topology counts; since v1.9 (#2780) they only narrow the place.
    volume_counts: bool = False
    requirements: Requirements = EMPTY_REQUIREMENTS  # what placement must satisfy
    strict: Requirements = EMPTY_REQUIREMENTS  # without the preferred term (topology counting)
    relaxations: tuple[str, ...] = ()
    cache: dict[Any, Any] = field(default_factory=dict)
    # Facts shared with shapes that differ only in requests (the scheduler's _profile).
    profile: dict[str, Any] | None = None
    # Topology groups that constrain the shape (Topology.matching), once known.
    matching: list[Any] | None = None
    # The required node-affinity terms as written (spread node filters follow them whatever
    # relaxation did since); None: ``alternatives`` (this is the shape as written).
    written_alternatives: tuple[Requirements, ...] | None = None

    def __post_init__(self) -> None:
        base = self.alternatives[0] if self.alternatives else EMPTY_REQUIREMENTS
        placed = base.intersect(self.volume)
        self.strict = placed if self.volume_counts else base
        requirements = placed.intersect(self.preferred[0]) if self.preferred else placed
        # The shared empty set when empty: placement tests it by identity.
        self.requirements = requirements if requirements else EMPTY_REQUIREMENTS

    def volume_variants(self) -> tuple[PodShape, ...]:
        """One shape per volume alternative, in order (empty when there is only one); they
        share this shape's topology profile, as only the place's requirements differ."""
        if len(self.volume_alternatives) < 2:
            return ()
        found: tuple[PodShape, ...] | None = self.cache.get("volume-variants")
        if found is None:
            found = tuple(self._copy(volume=alt, volume_alternatives=(alt,),
                                     step=self.step, relaxations=self.relaxations)
                          for alt in self.volume_alternatives)
            for variant in found:
                variant.profile = self.profile
            self.cache["volume-variants"] = found
        return found

    def with_requests(self, pod: Pod, signature: Hashable) -> PodShape:
        """This initial shape for ``pod``, which differs from this shape's pod in its requests
        only: everything derived from the constraints (requirements, alternatives, the
        topology profile) is shared rather than derived again; the caches start empty."""
        shape: PodShape = PodShape.__new__(PodShape)
        shape.__dict__.update(self.__dict__)
        shape.pod = pod
        shape.signature = signature
        shape.requests = pod.requests
        shape.cache = {}
        return shape

    def _copy(self, **changes: Any) -> PodShape:
        fields_ = {name: getattr(self, name) for name in (
            "pod", "signature", "requests", "alternatives", "preferred", "volume", "tolerations",
            "spreads", "affinity", "anti_affinity", "preferred_affinity", "preferred_anti",
            "host_ports", "volume_alternatives", "volume_counts", "written_alternatives")}
        fields_.update(changes)
        return PodShape(**fields_)

    @property
    def namespace(self) -> str:
        return self.pod.namespace

    @property
    def labels(self) -> Mapping[str, str]:
        return self.pod.labels

    @property
    def key(self) -> tuple[Hashable, int]:
        return (self.signature, self.step)

    def relaxed(self, tolerate_prefer_no_schedule: bool) -> PodShape | None:
        """The next relaxation step (preferences.go order), or None when nothing is left."""
        changes: dict[str, Any] = {}
        what = ""
        if len(self.alternatives) > 1:
            changes["alternatives"] = self.alternatives[1:]
            what = "tried the next required node-affinity term"
        elif self.preferred_affinity:
            dropped = self.preferred_affinity[0]
            changes["preferred_affinity"] = self.preferred_affinity[1:]
            changes["affinity"] = _without(self.affinity, dropped)
            what = f"dropped preferred pod affinity on {dropped.topology_key}"
        elif self.preferred_anti:
            dropped = self.preferred_anti[0]
            changes["preferred_anti"] = self.preferred_anti[1:]
            changes["anti_affinity"] = _without(self.anti_affinity, dropped)
            what = f"dropped preferred pod anti-affinity on {dropped.topology_key}"
        elif self.preferred:
            changes["preferred"] = self.preferred[1:]
            what = "dropped the heaviest preferred node-affinity term"
        elif any(s.when_unsatisfiable == "ScheduleAnyway" for s in self.spreads):
            index = next(i for i, s in enumerate(self.spreads)
                         if s.when_unsatisfiable == "ScheduleAnyway")
            changes["spreads"] = self.spreads[:index] + self.spreads[index + 1:]
            what = (f"dropped ScheduleAnyway topology spread on "
                    f"{self.spreads[index].topology_key}")
        elif tolerate_prefer_no_schedule:
            tolerations = with_prefer_no_schedule(self.tolerations)
            if tolerations is self.tolerations:
                return None
            changes["tolerations"] = tolerations
            what = "tolerated PreferNoSchedule taints"
        else:
            return None
        return self._copy(step=self.step + 1, relaxations=(*self.relaxations, what), **changes)


def _without(terms: tuple[PodAffinityTerm, ...], dropped: PodAffinityTerm
             ) -> tuple[PodAffinityTerm, ...]:
    """``terms`` minus the last occurrence of ``dropped`` (preferred terms follow required)."""
    for i in range(len(terms) - 1, -1, -1):
        if terms[i] == dropped:
            return terms[:i] + terms[i + 1:]
    return terms


def initial_shape(pod: Pod, signature: Hashable, volume: Requirements,
                  volume_alternatives: tuple[Requirements, ...] = (),
                  volume_counts: bool = False) -> PodShape:
    preferred = tuple(r for _, r in preferred_requirements(pod))
    pref_aff = tuple(t.term for t in sorted(pod.preferred_pod_affinity, key=lambda t: -t.weight))
    pref_anti = tuple(t.term for t in sorted(pod.preferred_pod_anti_affinity,
                                             key=lambda t: -t.weight))
    alternatives = tuple(pod_requirements(pod))
    return PodShape(
        pod=pod, signature=signature, step=0, requests=pod.requests,
        alternatives=alternatives, written_alternatives=alternatives, preferred=preferred,
        volume=volume,
        tolerations=pod.tolerations, spreads=pod.topology_spread,
        affinity=pod.pod_affinity + pref_aff, anti_affinity=pod.pod_anti_affinity + pref_anti,
        preferred_affinity=pref_aff, preferred_anti=pref_anti, host_ports=pod.host_ports,
        volume_alternatives=volume_alternatives, volume_counts=volume_counts)


class PendingPod:
    """One pod in the queue: its identity and its current shape (a plain slotted class: one
    is made per pod of every run)."""

    __slots__ = ("initial", "key", "pod", "shape", "uid")

    def __init__(self, pod: Pod, shape: PodShape, initial: PodShape) -> None:
        self.pod = pod
        self.shape = shape
        self.initial = initial  # as written, before any relaxation
        # ns/name, computed once (looked up several times per placement)
        self.key = key = pod.key
        self.uid = pod.uid or key

    def __repr__(self) -> str:
        return f"PendingPod({self.key}, step {self.shape.step})"
