"""The scheduling context: each NodePool with its node class, provider and instance types.

Built once per command from a snapshot and the catalogues the edge resolved
(``kubectl_karp.sources.catalogs.load_context``); simulate, explain, consolidate and the TUI
all read it. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from kubectl_karp.core.overlays import apply_overlays
from kubectl_karp.core.reasons import (
    NODECLASS_NOT_FOUND,
    NODEPOOL_DELETING,
    NODEPOOL_NOT_READY,
    NODEPOOL_STATIC,
    Reason,
)
from kubectl_karp.core.releases import (
    DEFAULT_RULES,
    POD_STATUS_RESOURCES,
    SOURCE_SNAPSHOT,
    STATIC_NODEPOOLS,
    KarpenterRules,
    resolve_rules,
)
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.objects import CAPACITY_ON_DEMAND, Node, NodeClass, NodePool
from kubectl_karp.model.predicates import order_by_weight
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers.base import BaseProvider, ClusterFacts
from kubectl_karp.providers.registry import (
    INFERRED_ORIGIN,
    cluster_max_pods,
    complete_catalog,
    infer_catalogs,
    known_node_classes,
    node_provider,
    provider_for_ref,
    provider_named,
    well_known_labels,
)


@dataclass(frozen=True)
class NodePoolContext:
    node_pool: NodePool
    node_class: NodeClass | None
    provider: str | None  # None when nodeClassRef names no known provider
    # The provider catalogue's types: labels complete, allocatable computed, offerings limited
    # to the zones the node class can launch in. Not narrowed by the NodePool's requirements.
    instance_types: tuple[InstanceType, ...]
    problems: tuple[Reason, ...]  # non-empty: this NodePool cannot provision
    allow_undefined_labels: frozenset[str]
    # Zones the node class launches in (label values and human names); None = unrestricted.
    node_class_zones: frozenset[str] | None = None
    # Where the node class's ephemeral storage comes from (TKE: which disk), for fixes.
    ephemeral_storage_source: str = ""
    # Set for a NodePool that can launch nodes but never for pending pods (a static one: its
    # StaticDrift replacements still come from it).
    refusal: Reason | None = None

    @property
    def name(self) -> str:
        return self.node_pool.name

    @property
    def pending_problems(self) -> tuple[Reason, ...]:
        """Why the NodePool takes no pending pods: its problems, or its refusal."""
        return self.problems + ((self.refusal,) if self.refusal is not None else ())

    @property
    def can_provision(self) -> bool:
        """Whether pending pods (and consolidation's moved pods) may get nodes from it."""
        return not self.pending_problems


@dataclass(frozen=True)
class SchedulingContext:
    snapshot: ClusterSnapshot
    node_pools: tuple[NodePoolContext, ...]  # model.predicates.order_by_weight
    catalog_source: str
    prices_known: bool
    illustrative_prices: bool
    zone_names: Mapping[str, str]  # zone label value -> human name
    notes: tuple[str, ...] = ()
    catalogs: tuple[InstanceTypeCatalog, ...] = field(default=(), repr=False)
    # The Karpenter release whose rules the preview follows (core.releases).
    rules: KarpenterRules = DEFAULT_RULES

    @cached_property
    def currency(self) -> str:
        """The ISO code the catalogues' prices are in ("" when none names one or they differ:
        prices in two currencies are not compared here anyway)."""
        named = {c.currency for c in self.catalogs if c.prices_known and c.currency}
        return next(iter(named)) if len(named) == 1 else ""

    def node_pool(self, name: str) -> NodePoolContext | None:
        return next((npc for npc in self.node_pools if npc.node_pool.name == name), None)

    @cached_property
    def _types(self) -> dict[str, InstanceType]:
        return {it.name: it for it in _merge_types(self.catalogs)}

    def instance_type(self, name: str) -> InstanceType | None:
        """Across all providers' catalogues (first catalogue wins on a name clash)."""
        return self._types.get(name)

    def zone_name(self, zone: str) -> str:
        return self.zone_names.get(zone, zone)

    def price_of(self, instance_type: str | None, zone: str | None,
                 capacity_type: str | None) -> float | None:
        """Hourly price of one offering; the cheapest over zones when ``zone`` is None.

        Unavailable (sold-out) offerings still have a price: a running node keeps costing.
        """
        if not instance_type:
            return None
        it = self.instance_type(instance_type)
        if it is None:
            return None
        ctype = capacity_type or CAPACITY_ON_DEMAND
        prices = [o.price_per_hour for o in it.offerings
                  if o.capacity_type == ctype and o.price_per_hour is not None
                  and (zone is None or zone in (o.zone, o.zone_name))]
        if not prices and zone is not None:  # a zone the catalogue does not list
            prices = [o.price_per_hour for o in it.offerings
                      if o.capacity_type == ctype and o.price_per_hour is not None]
        return min(prices) if prices else None

    def node_price(self, node: Node) -> float | None:
        return self.price_of(node.instance_type, node.zone, node.capacity_type)


# --------------------------------------------------------------------------- building

def _merge_pools(base: Sequence[NodePool], extra: Sequence[NodePool]) -> list[NodePool]:
    replaced = {np.name for np in extra}
    return [np for np in base if np.name not in replaced] + list(extra)


def _merge_classes(base: Sequence[NodeClass], extra: Sequence[NodeClass]) -> list[NodeClass]:
    keys = {(nc.group, nc.kind, nc.name) for nc in extra}
    return [nc for nc in base if (nc.group, nc.kind, nc.name) not in keys] + list(extra)


def _describe_catalogs(catalogs: Sequence[InstanceTypeCatalog]) -> str:
    if not catalogs:
        return "no instance types (no catalogue and no nodes to infer from)"
    parts = []
    for catalog in catalogs:
        text = catalog.source or catalog.origin or f"{catalog.provider} catalogue"
        if catalog.illustrative_prices and "illustrative" not in text.lower():
            text += " (illustrative prices)"
        if not catalog.prices_known and "prices unknown" not in text.lower():
            text += " (prices unknown)"
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def _merge_types(catalogs: Sequence[InstanceTypeCatalog]) -> tuple[InstanceType, ...]:
    """One entry per name: catalogues of several regions add their offerings together."""
    merged: dict[str, InstanceType] = {}
    for catalog in catalogs:
        for it in catalog.instance_types:
            seen = merged.get(it.name)
            if seen is None:
                merged[it.name] = it
                continue
            have = {(o.zone, o.capacity_type) for o in seen.offerings}
            extra = tuple(o for o in it.offerings if (o.zone, o.capacity_type) not in have)
            merged[it.name] = replace(seen, offerings=seen.offerings + extra)
    return tuple(merged.values())


def _restrict(types: Sequence[InstanceType], zones: frozenset[str] | None
              ) -> tuple[InstanceType, ...]:
    if zones is None:
        return tuple(types)
    out = []
    for it in types:
        offerings = tuple(o for o in it.offerings
                          if o.zone in zones or (o.zone_name and o.zone_name in zones))
        out.append(replace(it, offerings=offerings))
    return tuple(out)


def _add_zones(types: Sequence[InstanceType], provider: BaseProvider,
               zones: frozenset[str] | None) -> tuple[InstanceType, ...]:
    """Inferred types only know zones where nodes already run; the node class knows more."""
    if not zones:
        return tuple(types)
    ids = sorted(z for z in zones if provider.zone_id(z) is None)  # label values, not names
    out = []
    for it in types:
        have = {(o.zone, o.capacity_type) for o in it.offerings}
        ctypes = sorted({o.capacity_type for o in it.offerings} or {CAPACITY_ON_DEMAND})
        extra = tuple(Offering(zone=z, capacity_type=ct, price_per_hour=None,
                               zone_name=provider.zone_name(z) or "")
                      for z in ids for ct in ctypes if (z, ct) not in have)
        extra = tuple(replace(o, labels=provider.offering_labels(o)) for o in extra)
        out.append(replace(it, offerings=it.offerings + extra))
    return tuple(out)


def _deleting(pool: NodePool) -> Reason | None:
    """upstream: provisioning/provisioner.go NewScheduler keeps only NodePools whose
    DeletionTimestamp is zero: one being deleted launches nothing."""
    if pool.deletion_timestamp is not None:
        return Reason(
            code=NODEPOOL_DELETING, node_pool=pool.name,
            message=f"NodePool {pool.name} is being deleted",
            detail="Karpenter launches no nodes for a NodePool with a deletionTimestamp; its "
                   "nodes are drained and removed.",
            fix=f"let pods go to another NodePool, or recreate NodePool {pool.name} once its "
                "deletion finishes (kubectl get nodepool " + pool.name + " -o yaml shows the "
                "finalizers holding it)")
    return None


def _static_refusal(pool: NodePool, rules: KarpenterRules) -> Reason | None:
    """upstream: provisioning/provisioner.go NewScheduler drops static NodePools
    (nodepool.IsStatic: spec.replicas set) before it builds the scheduler: they take no
    pending pods and add no topology domains (StaticDrift still launches from them)."""
    if pool.is_static and rules.has(STATIC_NODEPOOLS):
        return Reason(
            code=NODEPOOL_STATIC, node_pool=pool.name,
            message=f"NodePool {pool.name} is static (spec.replicas: {pool.replicas}): "
                    "Karpenter never launches nodes for pending pods from it",
            detail="A static NodePool keeps exactly spec.replicas nodes; pods can use those "
                   "nodes, but no pod makes it add one.",
            fix=f"raise spec.replicas of NodePool {pool.name} (kubectl scale nodepool "
                f"{pool.name} --replicas N), or let the pods use a NodePool without "
                "spec.replicas")
    return None


def _pool_problems(pool: NodePool, provider: BaseProvider | None, node_class: NodeClass | None
                   ) -> list[Reason]:
    ref = pool.node_class_ref
    deleting = _deleting(pool)
    if deleting is not None:
        return [deleting]
    problems: list[Reason] = []
    if ref is None or not ref.name:
        problems.append(Reason(
            code=NODECLASS_NOT_FOUND, node_pool=pool.name,
            message=f"NodePool {pool.name} has no spec.template.spec.nodeClassRef",
            detail="Karpenter needs a node class to know how to launch nodes for a NodePool.",
            fix=f"set spec.template.spec.nodeClassRef on NodePool {pool.name} (e.g. group "
                "karpenter.k8s.tke, kind TKEMachineNodeClass, name default)"))
        return problems
    if provider is None:
        problems.append(Reason(
            code=NODECLASS_NOT_FOUND, node_pool=pool.name,
            message=f"NodePool {pool.name} refers to {ref.kind}.{ref.group or '(no group)'} "
                    f"{ref.name}, which no known cloud provider owns",
            detail="kubectl-karp knows these node classes: "
                   + ", ".join(known_node_classes()) + ".",
            fix=f"check spec.template.spec.nodeClassRef group and kind of NodePool "
                f"{pool.name} (a typo in either makes Karpenter ignore the NodePool)"))
        return problems
    if node_class is None:
        problems.append(Reason(
            code=NODECLASS_NOT_FOUND, node_pool=pool.name,
            message=f"NodePool {pool.name} refers to {ref.kind} {ref.name}, which does not "
                    "exist",
            detail=f"Karpenter cannot launch nodes for NodePool {pool.name} until its "
                   f"{ref.kind} exists and is Ready.",
            fix=f"create {ref.kind} {ref.name} (kubectl apply -f nodeclass.yaml) or point "
                f"NodePool {pool.name} spec.template.spec.nodeClassRef.name at an existing one"))
        return problems
    for problem in provider.node_class_problems(node_class):
        problems.append(Reason(code=problem.code, message=problem.message,
                               detail=problem.detail, fix=problem.fix, node_pool=pool.name))
    ready = pool.condition("Ready")
    if ready is not None and not ready.is_true and not problems:
        because = ready.message or ready.reason
        problems.append(Reason(
            code=NODEPOOL_NOT_READY, node_pool=pool.name,
            message=f"NodePool {pool.name} is not Ready (Ready={ready.status})"
                    + (f": {because}" if because else ""),
            detail="Karpenter does not provision for a NodePool that is not Ready. "
                   "Conditions: " + "; ".join(f"{c.type}={c.status}" + (
                       f" ({c.reason})" if c.reason else "") for c in pool.conditions),
            fix=f"kubectl describe nodepool {pool.name} and fix the condition it reports"))
    return problems


def _with_resize_requests(snapshot: ClusterSnapshot, rules: KarpenterRules) -> ClusterSnapshot:
    """From v1.14 Karpenter counts a pod's in-place resize as the kubelet sees it
    (utils/resources Ceiling with UseStatusResources, #3065): the snapshot the core reads
    carries those requests. Unchanged (the same object) when no pod reports any."""
    if not rules.has(POD_STATUS_RESOURCES):
        return snapshot
    if not any(p.status_requests is not None and p.status_requests != p.requests
               for p in snapshot.pods):
        return snapshot
    return snapshot.with_changes(pods=tuple(
        replace(p, requests=p.status_requests)
        if p.status_requests is not None and p.status_requests != p.requests else p
        for p in snapshot.pods))


def build_context(snapshot: ClusterSnapshot, catalogs: Sequence[InstanceTypeCatalog] = (), *,
                  extra_node_pools: Sequence[NodePool] = (),
                  extra_node_classes: Sequence[NodeClass] = (),
                  notes: Sequence[str] = (), catalog_source: str | None = None,
                  rules: KarpenterRules | None = None) -> SchedulingContext:
    """The context for ``snapshot``.

    Catalogues: ``catalogs`` if given, else those inside the snapshot, else instance types
    inferred from the snapshot's nodes (prices unknown). ``extra_*`` (simulate's --what-if)
    replace same-named objects of the snapshot or add to them. ``catalog_source`` overrides
    the words describing where the instance types came from; ``notes`` are carried through.
    ``rules``: the Karpenter release to follow (``--karpenter-version``); else the one the
    snapshot records; else the newest supported release.
    """
    if rules is None:
        rules = snapshot_rules(snapshot)
    snapshot = _with_resize_requests(snapshot, rules)
    pools = _merge_pools(snapshot.node_pools, extra_node_pools)
    classes = _merge_classes(snapshot.node_classes, extra_node_classes)
    all_notes = list(notes)
    chosen = list(catalogs) or list(snapshot.catalogs)
    facts = cluster_facts(snapshot)
    completed = tuple(complete_catalog(c, max_pods=cluster_max_pods(snapshot.nodes, c.provider),
                                       cluster=facts)
                      for c in chosen)
    # completed catalogue → the raw one, to redo it for each NodePool's node class
    raw_of = {id(done): raw for raw, done in zip(chosen, completed, strict=True)}
    per_class: dict[tuple[int, int], InstanceTypeCatalog] = {}
    # A NodePool of a cloud no catalogue covers still gets the types its nodes show.
    covered = {c.provider for c in completed}
    wanted = {p.name for p in (provider_for_ref(np.node_class_ref) for np in pools) if p}
    if not completed or (wanted - covered and "generic" not in covered):
        from_nodes = infer_catalogs(snapshot.nodes)
        completed += tuple(c for c in from_nodes if not completed or c.provider in wanted - covered)
    inferred = bool(completed) and all(c.origin == INFERRED_ORIGIN for c in completed)
    partly_inferred = not inferred and any(c.origin == INFERRED_ORIGIN for c in completed)

    zone_names: dict[str, str] = {}
    for catalog in completed:
        for it in catalog.instance_types:
            for off in it.offerings:
                if off.zone_name:
                    zone_names.setdefault(off.zone, off.zone_name)
    for nc in classes:
        provider = provider_for_ref(nc.ref)
        if provider is not None:
            for zone, name in provider.zone_names(nc).items():
                zone_names.setdefault(zone, name)
    for node in snapshot.nodes:
        node_zone = node.zone
        if node_zone and node_zone not in zone_names:
            guessed = provider_named(node_provider(node))
            human = guessed.zone_name(node_zone) if guessed else None
            if human:
                zone_names[node_zone] = human

    by_ref = {(nc.group, nc.kind, nc.name): nc for nc in classes}
    contexts = []
    for pool in order_by_weight(pools):
        ref = pool.node_class_ref
        provider = provider_for_ref(ref)
        node_class = by_ref.get((ref.group, ref.kind, ref.name)) if ref else None
        problems = _pool_problems(pool, provider, node_class)
        zones = provider.node_class_zones(node_class) if provider and node_class else None
        if provider is not None and node_class is not None and not node_class.status:
            all_notes.append(f"{node_class.kind} {node_class.name} has no status (not "
                             "reconciled by Karpenter yet?): assumed Ready, any zone")
        types: tuple[InstanceType, ...] = ()
        storage_source = ""
        if provider is not None:
            own = [c for c in completed if c.provider == provider.name]
            own = own or [c for c in completed if c.provider == "generic"]
            if node_class is not None:
                # upstream: the provider lists instance types per node class (its disks).
                configured = provider.configured(node_class, facts)
                storage_source = configured.ephemeral_storage_source()
                for c in own:
                    if id(c) in raw_of:
                        all_notes.extend(n for n in configured.catalogue_notes(raw_of[id(c)])
                                         if n not in all_notes)
                own = [per_class.setdefault((id(c), id(node_class)), complete_catalog(
                    raw_of[id(c)], max_pods=cluster_max_pods(snapshot.nodes, c.provider),
                    node_class=node_class, cluster=facts)) if id(c) in raw_of else c
                    for c in own]
            types = _merge_types(own)
            if node_class is not None and all(c.provider == provider.name for c in own) \
                    and not all(c.origin == INFERRED_ORIGIN for c in own):
                # upstream resolves instance types per node class (its kubelet block, disks);
                # types inferred from nodes already show what their nodes got, and a generic
                # catalogue's figures are taken as given.
                active = frozenset(r.name for r in rules.active())
                types = tuple(provider.for_node_class(it, node_class, rules=active)
                              for it in types)
            if inferred:
                types = _add_zones(types, provider, zones)
            types = provider.with_reservations(node_class, _restrict(types, zones))
            if not types and not problems:
                all_notes.append(f"NodePool {pool.name}: no {provider.title} instance types "
                                 "are known (no catalogue for this provider); use --catalog")
        contexts.append(NodePoolContext(
            node_pool=pool, node_class=node_class,
            provider=provider.name if provider else None, instance_types=types,
            problems=tuple(problems), allow_undefined_labels=well_known_labels(provider),
            node_class_zones=zones, ephemeral_storage_source=storage_source,
            refusal=_static_refusal(pool, rules)))

    if snapshot.node_overlays:
        overlaid, overlay_notes = apply_overlays(
            {c.name: (c.node_pool, c.instance_types) for c in contexts},
            snapshot.node_overlays)
        contexts = [replace(c, instance_types=overlaid[c.name]) for c in contexts]
        all_notes += overlay_notes

    illustrative = any(c.illustrative_prices for c in completed)
    prices_known = any(c.prices_known for c in completed)
    if inferred:
        all_notes.append("no instance-type catalogue: instance types are inferred from the "
                         "cluster's nodes and prices are unknown (use --catalog, or credentials "
                         "for the live TKE API)")
    if partly_inferred:
        names = ", ".join(sorted(c.provider for c in completed if c.origin == INFERRED_ORIGIN))
        all_notes.append(f"no catalogue for {names}: those instance types are inferred from the "
                         "cluster's nodes and their prices are unknown")
    if illustrative:
        all_notes.append("prices come from the bundled catalogue and are illustrative, not a "
                         "quote")
    return SchedulingContext(
        snapshot=snapshot, node_pools=tuple(contexts),
        catalog_source=catalog_source or _describe_catalogs(completed), prices_known=prices_known,
        illustrative_prices=illustrative, zone_names=zone_names, notes=tuple(all_notes),
        catalogs=completed, rules=rules)


_STANDARD_RESOURCES = frozenset({"cpu", "memory", "pods", "ephemeral-storage", "storage"})


def _extended(name: str) -> bool:
    return name not in _STANDARD_RESOURCES and not name.startswith("hugepages-")


def cluster_facts(snapshot: ClusterSnapshot) -> ClusterFacts:
    """What the snapshot tells providers: the server version, the extended resources its
    nodes expose per instance type (largest seen) and those its pods request."""
    seen: dict[str, dict[str, int]] = {}
    for node in snapshot.nodes:
        if not node.instance_type:
            continue
        mine = seen.setdefault(node.instance_type, {})
        for name, value in node.capacity.items():
            if _extended(name) and value > mine.get(name, -1):
                mine[name] = value
    requested = frozenset(name for pod in snapshot.pods for name, value in pod.requests.items()
                          if value > 0 and _extended(name))
    return ClusterFacts(kubernetes_version=snapshot.kubernetes_version,
                        node_extended={k: v for k, v in seen.items() if v},
                        requested=requested)


def snapshot_rules(snapshot: ClusterSnapshot) -> KarpenterRules:
    """The rules of the release the snapshot's source found, else the default."""
    if not snapshot.karpenter_version:
        return DEFAULT_RULES
    return resolve_rules(snapshot.karpenter_version,
                         snapshot.karpenter_version_source or SOURCE_SNAPSHOT,
                         snapshot.karpenter_version_reason)
