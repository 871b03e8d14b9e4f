"""A cheap, sound pre-check before simulating a single candidate.

Simulating one node's pods costs a scheduling pass over the whole cluster. Many nodes can be
ruled out with arithmetic alone: a pod that is larger, in some resource, than the free room
of every other node (initialising ones and in-flight replacements included, since a pod
landing there is a different answer) can only go to the one replacement; if those pods
together fit no instance type cheaper than the node, no consolidation exists.

The instance types are the scheduler's own view of each NodePool (``nodepool_templates``: the
NodePool's full requirements, its offerings, the DaemonSet overhead of a new node), priced at
their worst launch price as consolidation compares them. The check only answers when the
pods carry no placement rule, some (dearer) type of a NodePool whose taints they tolerate and
that has no limits would hold them, and no pending pod joins the simulation — so the full
simulation would have answered NotCheaper too. Otherwise it leaves the node to the simulation
(which then names, say, the pod no allowed type fits: PodsCannotReschedule).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kubectl_karp.core.nodepools.launch import worst_launch_price
from kubectl_karp.core.scheduling import NodePoolTemplate
from kubectl_karp.model.objects import LABEL_CAPACITY_TYPE, LABEL_ZONE, Node, Pod, Taint
from kubectl_karp.model.resources import add, fits, subtract
from kubectl_karp.model.taints import tolerates

_Top = tuple[tuple[int, str], tuple[int, str]]


@dataclass(frozen=True, slots=True)
class _PoolTypes:
    taints: tuple[Taint, ...]
    usable: bool  # a new node of it can be counted on (no limits)
    overhead: dict[str, int]
    types: tuple[tuple[float, dict[str, int]], ...]  # (worst launch price, allocatable)


@dataclass(frozen=True)
class RoomIndex:
    """Per resource, the two largest free amounts among the nodes pods could move to."""

    top: dict[str, _Top]
    pools: tuple[_PoolTypes, ...]

    @classmethod
    def build(cls, nodes: Iterable[Node], pods_by_node: dict[str, list[Pod]],
              pools: tuple[_PoolTypes, ...],
              extra_free: Iterable[tuple[str, dict[str, int]]] = ()) -> RoomIndex:
        """``pools``: :func:`room_pools` of the provisionable NodePools; ``extra_free``: room
        on in-flight NodeClaims (name, free resources)."""
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
        return cls({k: (v[0], v[1]) for k, v in top.items()}, pools)

    def _max_free(self, resource: str, excluding: str) -> int:
        best = self.top.get(resource)
        if best is None:
            return 0
        return best[1][0] if best[0][1] == excluding else best[0][0]

    def homeless(self, pods: Sequence[Pod], node: str) -> list[Pod]:
        """Pods too large, in some resource, for the free room of any node but ``node``."""
        return [p for p in pods if any(v > 0 and v > self._max_free(r, node)
                                       for r, v in p.requests.items())]

    def only_dearer_types_hold(self, pods: Sequence[Pod], requests: dict[str, int],
                               price: float) -> bool:
        """Some type of a NodePool the pods can surely use holds ``requests`` (with its
        DaemonSet overhead), and no type of any NodePool they might use that holds them has
        a worst launch price below ``price``."""
        surely = False
        for pool in self.pools:
            blocking = [t for t in pool.taints if not _tolerated(pods, t)]
            if any(t.effect != "PreferNoSchedule" for t in blocking):
                continue  # the pods cannot use this NodePool at all
            need = add(requests, pool.overhead)
            for worst, allocatable in pool.types:
                if fits(need, allocatable):
                    if worst < price:
                        return False
                    surely = surely or (pool.usable and not blocking)
        return surely


def _tolerated(pods: Sequence[Pod], taint: Taint) -> bool:
    return all(any(tolerates(tol, taint) for tol in p.tolerations) for p in pods)


def room_pools(templates: Iterable[NodePoolTemplate]) -> tuple[_PoolTypes, ...]:
    """What the check needs of each NodePool (computed once per dry run)."""
    return tuple(_pool_types(t) for t in templates)


def _pool_types(tpl: NodePoolTemplate) -> _PoolTypes:
    zone, ctype = tpl.requirements.defined(LABEL_ZONE), tpl.requirements.defined(
        LABEL_CAPACITY_TYPE)
    types: list[tuple[float, dict[str, int]]] = []
    for it in tpl.instance_types:
        offers = [o for o in it.available_offerings()
                  if (zone is None or zone.has(o.zone)) and (ctype is None
                                                             or ctype.has(o.capacity_type))]
        types.append((worst_launch_price(offers), dict(it.allocatable)))
    types.sort(key=lambda t: t[0])
    return _PoolTypes(taints=tpl.taints, usable=not tpl.limited,
                      overhead=dict(tpl.daemon_overhead), types=tuple(types))


def unconstrained(pod: Pod) -> bool:
    """No placement rule beyond resources: the simulation could only fail it for room."""
    return not (pod.node_selector or pod.required_node_affinity or pod.pod_affinity
                or pod.pod_anti_affinity or pod.topology_spread or pod.host_ports
                or pod.pvc_names or pod.ephemeral_volume_classes)
