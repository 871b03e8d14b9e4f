"""Why the pods a run leaves pending stay pending: a reason per NodePool plus one for the
existing nodes, with numbers. Each reason comes from re-asking the placeables' own checks
(:meth:`ExistingNode.can_add`, :meth:`Claim.can_add`) with the run's final state, then
from the single-pod NodePool diagnosis (core.diagnosis.nodepools) they are merged with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kubectl_karp.core.context import NodePoolContext
from kubectl_karp.core.diagnosis.fixes import disk_fix
from kubectl_karp.core.diagnosis.limits import limit_exceeded
from kubectl_karp.core.diagnosis.nodepools import diagnose_node_pool, pending_verdict
from kubectl_karp.core.diagnosis.volumes import volume_pins
from kubectl_karp.core.nodepools import effective_limits, limit_amount
from kubectl_karp.core.reasons import (
    HOST_PORT_CONFLICT,
    INCOMPATIBLE_REQUIREMENT,
    INSUFFICIENT_RESOURCE,
    NO_INSTANCE_TYPE_FITS,
    NO_NODEPOOL,
    NODE_SELECTOR_MISMATCH,
    NODE_UNSCHEDULABLE,
    OFFERINGS_UNAVAILABLE,
    POD_AFFINITY,
    POD_ANTI_AFFINITY,
    TOPOLOGY_SPREAD,
    UNTOLERATED_TAINT,
    VOLUME_LIMIT_EXCEEDED,
    VOLUME_ZONE_CONFLICT,
    Reason,
)
from kubectl_karp.core.scheduling.existingnode import ExistingNode
from kubectl_karp.core.scheduling.hostports import conflict
from kubectl_karp.core.scheduling.hostports import describe as describe_port
from kubectl_karp.core.scheduling.nodes import Catalog, Template
from kubectl_karp.core.scheduling.placement import Miss
from kubectl_karp.core.scheduling.pods import PodShape
from kubectl_karp.core.scheduling.topologygroup import AFFINITY, SPREAD
from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import LABEL_CAPACITY_TYPE, LABEL_HOSTNAME, LABEL_ZONE, Pod
from kubectl_karp.model.quantity import format_quantity
from kubectl_karp.model.requirements import Incompatibility, Requirements
from kubectl_karp.model.resources import insufficient
from kubectl_karp.model.taints import untolerated

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.scheduling.scheduler import Scheduler

_TOPOLOGY = (TOPOLOGY_SPREAD, POD_AFFINITY, POD_ANTI_AFFINITY)


def _q(resource: str, milli: int) -> str:
    return format_quantity(resource, milli)


def _resources(res: Any, names: Sequence[str] | None = None) -> str:
    keys = names if names is not None else [k for k in ("cpu", "memory") if k in res] + sorted(
        k for k in res if k not in ("cpu", "memory", "pods"))
    return ", ".join(f"{k} {_q(k, res.get(k, 0))}" for k in keys)


def _incompatibility_reason(shape: PodShape, miss_info: Incompatibility, where: str,
                            node_pool: str | None, allow_undefined: frozenset[str],
                            target: Requirements) -> Reason:
    without_volume = shape.strict if not shape.volume else (
        shape.alternatives[0] if shape.alternatives else Requirements())
    code = NODE_SELECTOR_MISMATCH
    if shape.volume and miss_info.key in shape.volume and \
            target.compatible(without_volume, allow_undefined) is None:
        code = VOLUME_ZONE_CONFLICT
    text = miss_info.describe(where, "the pod")
    fix = ("the pod's PersistentVolume pins it to a zone this NodePool cannot launch in; "
           "allow that zone in the NodePool or its node class") if code == VOLUME_ZONE_CONFLICT \
        else (f"change the pod's nodeSelector/affinity for {miss_info.key}, or allow it in "
              f"{where}")
    return Reason(code=code, message=f"{where}: {text}", fix=fix, node_pool=node_pool)


def _topology_message(info: tuple[Any, ...]) -> str:
    group, _pod_domains, node_domains = info[:3]
    what = {TOPOLOGY_SPREAD: f"topology spread on {group.key} (maxSkew {group.max_skew})",
            POD_AFFINITY: f"pod affinity on {group.key}",
            POD_ANTI_AFFINITY: f"pod anti-affinity on {group.key}"}
    kind = TOPOLOGY_SPREAD if group.kind == SPREAD else POD_AFFINITY if group.kind == AFFINITY \
        else POD_ANTI_AFFINITY
    counts = group.describe_counts() if group.key != LABEL_HOSTNAME else \
        f"{sum(1 for c in group.domains.values() if c)} node(s) with matching pods"
    allowed = node_domains.describe()
    if len(info) > 3:
        # The rule picked a domain (a zone only existing nodes have, say) the NodePool
        # cannot launch in: Karpenter fails the pod the same way rather than pick another.
        chosen = ", ".join(sorted(info[3].values)) or "none"
        detail = (f"the domain it must use next ({chosen}) has no instance type this "
                  "NodePool can launch")
    elif kind == POD_AFFINITY:
        detail = "no domain has a matching pod yet"
    elif kind == POD_ANTI_AFFINITY:
        detail = "every domain it may use already has a matching pod"
    else:
        detail = "every domain it may use would exceed the skew"
    return f"{what[kind]}: {detail} (counts: {counts}; node allows {allowed})"


def _existing_code(miss: Miss, shape: PodShape, pod: Pod) -> str:
    """The shared vocabulary: nodeSelector → NodeSelectorMismatch, required node affinity →
    IncompatibleRequirement (the scheduler checks both as one set of requirements)."""
    if miss.code == NODE_SELECTOR_MISMATCH:
        key = getattr(miss.info, "key", None)
        from_volume = bool(shape.volume) and key in shape.volume
        if key is not None and key not in pod.node_selector and not from_volume:
            return INCOMPATIBLE_REQUIREMENT
    return miss.code


def _existing_reason(sched: Scheduler, shape: PodShape, pod: Pod) -> Reason | None:
    if not sched.existing:
        return None
    tally: Counter[tuple[str, str]] = Counter()
    for node in sched.existing:
        result = node.can_add(shape, sched.topology, sched.snapshot)
        if not isinstance(result, Miss):
            tally[(INSUFFICIENT_RESOURCE, "room now, but taken by pods placed earlier in "
                                          "this run")] += 1
            continue
        tally[(_existing_code(result, shape, pod), _short(result, shape, node))] += 1
    code_counts: Counter[str] = Counter()
    for (code, text), n in tally.items():
        code_counts[VOLUME_ZONE_CONFLICT if text.startswith("volume ") else code] += n
    top = code_counts.most_common(1)[0][0]
    parts = [f"{n} {text}" for (_, text), n in sorted(tally.items(), key=lambda kv: -kv[1])]
    total = len(sched.existing)
    return Reason(
        code=top,
        message=f"no existing node can take it ({total} checked): " + "; ".join(parts[:6]),
        detail="Karpenter first tries nodes that already exist or are being launched.")


def _short(miss: Miss, shape: PodShape, node: ExistingNode) -> str:
    code = miss.code
    if code == NODE_UNSCHEDULABLE:
        return "cordoned"
    if code == UNTOLERATED_TAINT:
        taint = untolerated(node.taints, shape.tolerations)
        return f"untolerated taint {taint[0]}" if taint else "untolerated taint"
    if code == HOST_PORT_CONFLICT:
        return f"hostPort {describe_port(miss.info)} in use"
    if code == INSUFFICIENT_RESOURCE:
        short = insufficient(miss.info, node.available)
        return "insufficient " + ", ".join(short) if short else "insufficient resources"
    if code == NODE_SELECTOR_MISMATCH:
        info: Incompatibility = miss.info
        if shape.volume and info.key in shape.volume:
            return f"volume needs {info.key} {shape.volume.get(info.key).describe()}"
        return f"{info.key} does not match"
    if code == VOLUME_LIMIT_EXCEEDED:
        driver, count, limit = miss.info
        return f"CSI driver {driver} would attach {count} volumes (CSINode limit {limit})"
    if code in _TOPOLOGY:
        group = miss.info[0]
        return f"{code} on {group.key}"
    return code


def _volume_blames(tpl: Template, reqs: Requirements, volume: Requirements | None) -> bool:
    """Whether dropping the volume's keys would leave some instance type with an offering."""
    if not volume:
        return False
    loose = reqs.without(*volume.keys()).intersect(tpl.requirements)
    return any(t.requirements.intersects(loose) is None and t.has_offering(loose)
               for t in tpl.types)


def _type_capacity_message(tpl: Template, reqs: Requirements, requests: Any,
                           volume: Requirements | None = None) -> Reason:
    name = tpl.name
    if _volume_blames(tpl, reqs, volume) and volume is not None:
        shown = ", ".join(str(r) for r in volume.values())
        return Reason(code=VOLUME_ZONE_CONFLICT, node_pool=name,
                      message=f"NodePool {name}: the pod's volume needs {shown}, where the "
                              "NodePool cannot launch any instance type",
                      fix="allow that zone in the NodePool requirements and its node class "
                          "subnets, or move the volume")
    compat = [t for t in tpl.all_types if t.requirements.intersects(reqs) is None]
    if not compat and tpl.all_types:
        # Types whose labels match but whose offerings are all sold out: say so, not "no type
        # matches" (a type's requirements only list the zones it has stock in).
        labels = reqs.without(LABEL_ZONE, LABEL_CAPACITY_TYPE)
        compat = [t for t in tpl.all_types
                  if t.requirements.without(LABEL_ZONE, LABEL_CAPACITY_TYPE).intersects(labels)
                  is None]
    if not tpl.all_types:
        return Reason(code=NO_INSTANCE_TYPE_FITS, node_pool=name,
                      message=f"NodePool {name}: no instance types are known for it",
                      fix="pass a catalogue with --catalog, or check the node class's provider")
    if not compat:
        shown = ", ".join(str(r) for k, r in sorted(reqs.items()) if k != LABEL_HOSTNAME)
        return Reason(code=NO_INSTANCE_TYPE_FITS, node_pool=name,
                      message=f"NodePool {name}: no instance type matches the combined "
                              f"requirements ({shown})",
                      fix="loosen the pod's or the NodePool's requirements")
    offered = [t for t in compat if t.has_offering(reqs)]
    if not offered:
        zone = reqs.defined("topology.kubernetes.io/zone")
        ctype = reqs.defined("karpenter.sh/capacity-type")
        where = []
        if zone is not None:
            where.append(f"zone {zone.describe()}")
        if ctype is not None:
            where.append(f"capacity type {ctype.describe()}")
        return Reason(code=OFFERINGS_UNAVAILABLE, node_pool=name,
                      message=f"NodePool {name}: {len(compat)} instance type(s) match but none "
                              f"is available in {' and '.join(where) or 'any offering'}",
                      fix="allow more zones or capacity types, or check the node class's "
                          "subnets")
    fitting = [t for t in offered if all(
        milli <= 0 or milli <= t.allocatable.get(k, 0) for k, milli in requests.items())]
    if not fitting:
        def biggest_key(t: Any) -> tuple[int, int]:
            return (t.allocatable.get("cpu", 0), t.allocatable.get("memory", 0))

        big = max(offered, key=biggest_key)
        short = insufficient(requests, big.allocatable)
        overhead = tpl.daemon_overhead
        need = _resources(requests, short or None)
        in_overhead = [k for k in short if k in overhead]
        ds = f" (incl. DaemonSet overhead {_resources(overhead, in_overhead)})" \
            if in_overhead else ""
        # InsufficientResource is for existing nodes; a NodePool has no type that fits.
        fix = "lower the pod's requests or allow larger instance types"
        node_class = tpl.npc.node_class
        if "ephemeral-storage" in short and tpl.npc.ephemeral_storage_source and node_class:
            fix = disk_fix(node_class.kind, node_class.name, tpl.npc.ephemeral_storage_source,
                           "lower the pod's ephemeral-storage request")
        return Reason(code=NO_INSTANCE_TYPE_FITS, node_pool=name,
                      message=f"NodePool {name}: needs {need}{ds}; the largest compatible type "
                              f"{big.name} has {_resources(big.allocatable, short or None)} "
                              "allocatable",
                      fix=fix)
    return Reason(code=NO_INSTANCE_TYPE_FITS, node_pool=name,
                  message=f"NodePool {name}: no single instance type meets the requirements, "
                          "has an available offering and is large enough",
                  fix="loosen the requirements or lower the requests")


def _pool_reason(sched: Scheduler, shape: PodShape, tpl: Template) -> Reason | None:
    name = tpl.name
    if not tpl.types:
        return _type_capacity_message(tpl, tpl.requirements, dict(tpl.daemon_overhead))
    if tpl.catalog is None:
        tpl.catalog = Catalog(tpl.types)
    base = sched.base_catalog(tpl)
    # Judge the pod against the whole NodePool first: a limit only matters when nothing
    # more fundamental stands in the way.
    topology, pool_ports = sched.topology, sched._pool_ports
    result = sched.probe_claim(tpl, tpl.catalog).can_add(shape, topology, pool_ports)
    if not isinstance(result, Miss):
        if isinstance(base, Miss) or isinstance(
                sched.probe_claim(tpl, base).can_add(shape, topology, pool_ports), Miss):
            return _limit_reason(sched, tpl, shape)
        return None
    code = result.code
    if code == UNTOLERATED_TAINT:
        taints = untolerated(tpl.taints, shape.tolerations)
        shown = ", ".join(str(t) for t in taints)
        return Reason(code=code, node_pool=name,
                      message=f"NodePool {name}: the pod does not tolerate taint {shown}",
                      fix=f"add a toleration for {shown} to the pod, or use a NodePool "
                          "without that taint")
    if code == HOST_PORT_CONFLICT:
        daemon_ports = set(tpl.daemon_ports).union(*tpl.type_ports.values())
        if conflict(daemon_ports, [result.info]) is not None:
            return Reason(code=code, node_pool=name,
                          message=f"NodePool {name}: hostPort {describe_port(result.info)} is "
                                  "already used by a DaemonSet on every new node")
        # Only before v1.13: the NodePool's planned NodeClaims share one host-port book.
        return Reason(code=code, node_pool=name,
                      message=f"NodePool {name}: hostPort {describe_port(result.info)} is "
                              "already booked by another pending pod of this NodePool in "
                              f"this provisioning round ({sched.ctx.rules.label} shares host "
                              "ports between all NodeClaims of a NodePool)",
                      detail="Karpenter before v1.13 launches a node for this pod only in its "
                             "next provisioning round (#3022 fixed it in v1.13)",
                      fix="nothing to change: the next round gives the pod its own node; "
                          "Karpenter v1.13 or later does it in one round")
    if code == NODE_SELECTOR_MISMATCH:
        return _incompatibility_reason(shape, result.info, f"NodePool {name}", name,
                                       tpl.allow_undefined, tpl.requirements)
    if code in _TOPOLOGY:
        return Reason(code=code, node_pool=name,
                      message=f"NodePool {name}: {_topology_message(result.info)}")
    if code == NO_INSTANCE_TYPE_FITS and isinstance(result.info, tuple):
        shortfall = result.info[1]
        text = "; ".join(f"{k} needs {need} distinct values but only {have} remain"
                         for k, need, have in shortfall)
        return Reason(code=code, node_pool=name,
                      message=f"NodePool {name}: minValues not met: {text}",
                      fix="relax minValues or allow more instance types")
    merged = tpl.requirements.intersect(shape.requirements)
    requests = dict(tpl.daemon_overhead)
    for k, v in shape.requests.items():
        requests[k] = requests.get(k, 0) + v
    return _type_capacity_message(tpl, merged, requests, shape.volume)


def _limit_reason(sched: Scheduler, tpl: Template, shape: PodShape) -> Reason:
    """NodePoolLimitExceeded for the batch: what the NodePool's nodes use and what the
    NodeClaims planned so far hold (each its largest option) leave no room for the smallest
    type that would take the pod; worded as explain words it (diagnosis.limits)."""
    name = tpl.name
    remaining = sched.remaining.get(name, {})
    usage = sched.limit_usage.get(name, {})
    limits = effective_limits(tpl.npc.node_pool, sched.ctx.rules)
    candidates = [t for t in tpl.types if t.requirements.intersects(shape.requirements) is None
                  and all(v <= 0 or v <= t.allocatable.get(k, 0) + 0 - tpl.daemon_overhead.get(
                      k, 0) for k, v in shape.requests.items())] or tpl.types
    smallest = min(candidates, key=lambda t: (t.capacity.get("cpu", 0),
                                              t.capacity.get("memory", 0), t.name))
    over = next((k for k in remaining
                 if limit_amount(smallest.capacity, k) > remaining.get(k, 0)),
                next(iter(remaining)))
    in_use = usage.get(over, 0)
    planned = limits[over] - remaining.get(over, 0) - in_use
    return limit_exceeded(name, over, limits[over], in_use, planned, smallest.name,
                          limit_amount(smallest.capacity, over))


def considered(sched: Scheduler) -> list[NodePoolContext]:
    return [npc for npc in sched.ctx.node_pools
            if sched.pool_filter is None or npc.name in sched.pool_filter]


def node_pool_reasons(sched: Scheduler, npc: NodePoolContext, pod: Pod,
                       shape: PodShape | None,
                       planned: Mapping[str, Mapping[str, int]]) -> tuple[Reason, ...]:
    """One NodePool's reasons for a pending pod: the shared classification (explain shows
    the same), fed with what the scheduler saw of the batch."""
    batch: list[Reason] = [r for r in sched.pool_reasons if r.node_pool == npc.name]
    tpl = next((t for t in sched.templates if t.name == npc.name), None)
    if tpl is not None and shape is not None:
        reason = _pool_reason(sched, shape, tpl)
        if reason is not None:
            batch.append(reason)
    try:
        pins = volume_pins(pod, sched.snapshot, sched.ctx.rules)
        mine = diagnose_node_pool(sched.ctx, npc, pod, pins,
                                  planned=planned.get(npc.name, {}),
                                  daemonsets=sched.extra_daemonsets)
    except InputError:
        # An invalid NodePool: the scheduler already says why it cannot provision.
        return tuple(batch)
    return pending_verdict(mine, batch, pod).reasons


def diagnose(sched: Scheduler, shape: PodShape, pod: Pod,
             planned: Mapping[str, Mapping[str, int]]) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    existing = _existing_reason(sched, shape, pod)
    covered: set[str] = set()
    for npc in considered(sched):
        covered.add(npc.name)
        reasons.extend(node_pool_reasons(sched, npc, pod, shape, planned))
    reasons.extend(r for r in sched.pool_reasons if r.node_pool not in covered)
    if not sched.templates and not sched.pool_reasons:
        wanted = sorted(sched.pool_filter) if sched.pool_filter is not None else None
        reasons.append(Reason(
            code=NO_NODEPOOL,
            message="no NodePool named " + ", ".join(wanted) if wanted else
            "the cluster has no NodePool, so Karpenter cannot create nodes for it",
            fix="create a NodePool (kubectl karp apply -f nodepool.yaml)"))
    if existing is not None:
        reasons.append(existing)
    if not reasons:
        reasons.append(Reason(code=NO_INSTANCE_TYPE_FITS,
                              message="no place was found for the pod in this run"))
    return tuple(reasons)
