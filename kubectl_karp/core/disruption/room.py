"""A cheap, sound pre-check before simulating a single candidate.

Simulating one node's pods costs a scheduling pass over the whole cluster. Many nodes can be
ruled out with arithmetic alone: a pod that is larger, in some resource, than the free room
of every other node (initialising ones and in-flight replacements included, since a pod
landing there is a different answer) can only go to the one replacement; if those pods
together fit no instance type cheaper than the node, no consolidation exists. Taints, affinities and
DaemonSet overhead are ignored here, which only makes the check more permissive; it is only
applied when those pods carry no placement rule and some (dearer) instance type would hold
them, so the full simulation would also have answered NotCheaper.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_ZONE,
    Node,
    NodeSelectorRequirement,
    Pod,
)
from kubectl_karp.model.resources import add, fits, subtract

_Top = tuple[tuple[int, str], tuple[int, str]]


@dataclass(frozen=True)
class RoomIndex:
    """Per resource, the two largest free amounts among the nodes pods could move to."""

    top: dict[str, _Top]
    types: tuple[tuple[float, dict[str, int]], ...]  # (cheapest price, allocatable), by price

    @classmethod
    def build(cls, nodes: Iterable[Node], pods_by_node: dict[str, list[Pod]],
              pools: Iterable[tuple[Sequence[NodeSelectorRequirement],
                                    Iterable[InstanceType]]],
              extra_free: Iterable[tuple[str, dict[str, int]]] = ()) -> RoomIndex:
        """``pools``: each provisionable NodePool's requirements and instance types;
        ``extra_free``: room on in-flight NodeClaims (name, free resources)."""
        top: dict[str, list[tuple[int, str]]] = {}
        frees: list[tuple[str, dict[str, int]]] = list(extra_free)
        for node in nodes:
            used = add(*(p.requests for p in pods_by_node.get(node.name, ())
                         if not p.is_terminal))
            frees.append((node.name, subtract(node.allocatable, used)))
        for node_name, free in frees:
            for name, value in free.items():
                best = top.setdefault(name, [(0, ""), (0, "")])
                if value > best[0][0]:
                    best[1], best[0] = best[0], (value, node_name)
                elif value > best[1][0]:
                    best[1] = (value, node_name)
        types: list[tuple[float, dict[str, int]]] = []
        for requirements, instance_types in pools:
            allowed = {r.key: (r.operator, frozenset(r.values)) for r in requirements
                       if r.key in (LABEL_CAPACITY_TYPE, LABEL_ZONE, LABEL_INSTANCE_TYPE)
                       and r.operator in ("In", "NotIn")}
            for it in instance_types:
                if not _permits(allowed, LABEL_INSTANCE_TYPE, (it.name,)):
                    continue
                prices = [o.price_per_hour for o in it.available_offerings()
                          if o.price_per_hour is not None
                          and _permits(allowed, LABEL_CAPACITY_TYPE, (o.capacity_type,))
                          and _permits(allowed, LABEL_ZONE, (o.zone, o.zone_name))]
                if prices:
                    types.append((min(prices), dict(it.allocatable)))
        types.sort(key=lambda t: t[0])
        return cls({k: (v[0], v[1]) for k, v in top.items()}, tuple(types))

    def _max_free(self, resource: str, excluding: str) -> int:
        best = self.top.get(resource)
        if best is None:
            return 0
        return best[1][0] if best[0][1] == excluding else best[0][0]

    def homeless(self, pods: Sequence[Pod], node: str) -> list[Pod]:
        """Pods too large, in some resource, for the free room of any node but ``node``."""
        return [p for p in pods if any(v > 0 and v > self._max_free(r, node)
                                       for r, v in p.requests.items())]

    def only_dearer_types_hold(self, requests: dict[str, int], price: float) -> bool:
        """Some instance type holds ``requests`` but none that is cheaper than ``price``."""
        holders = [p for p, allocatable in self.types if fits(requests, allocatable)]
        return bool(holders) and min(holders) >= price


def _permits(allowed: dict[str, tuple[str, frozenset[str]]], key: str,
             values: Sequence[str]) -> bool:
    rule = allowed.get(key)
    if rule is None:
        return True
    operator, wanted = rule
    hit = any(v in wanted for v in values if v)
    return hit if operator == "In" else not hit


def unconstrained(pod: Pod) -> bool:
    """No placement rule beyond resources: the simulation could only fail it for room."""
    return not (pod.node_selector or pod.required_node_affinity or pod.pod_affinity
                or pod.pod_anti_affinity or pod.topology_spread or pod.host_ports
                or pod.pvc_names or pod.ephemeral_volume_classes)
