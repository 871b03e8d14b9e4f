"""The run's topology: every spread, pod affinity and anti-affinity group, their counts of the
pods already bound, and the requirements a group adds to a place (upstream: scheduling/
topology.go Topology — NewTopology, AddRequirements, Record; one group is
:class:`~.topologygroup.TopologyGroup`).

Facts that do not depend on requests (the groups a shape belongs to and their quick checks)
are kept per *profile*: every shape that differs only in its requests shares one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from kubectl_karp.core import releases
from kubectl_karp.core.scheduling.nodes import Template
from kubectl_karp.core.scheduling.placement import TOPOLOGY_CODES, Miss, tolerates
from kubectl_karp.core.scheduling.pods import PodShape, without_requests
from kubectl_karp.core.scheduling.topologygroup import (
    AFFINITY,
    ANTI_AFFINITY,
    SPREAD,
    NodeFilter,
    TopologyGroup,
    affinity_parts,
    group_signature,
    spread_parts,
)
from kubectl_karp.model.objects import LABEL_HOSTNAME, Pod, Taint
from kubectl_karp.model.requirements import Requirement, Requirements
from kubectl_karp.model.selectors import selector_matches

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import SchedulingContext
    from kubectl_karp.core.scheduling.existingnode import ExistingNode

MAX_SKEW_NONE = 2**31 - 1
NODE_CLAIM_KEY = "karpenter.sh/nodeclaim"


class Topology:
    """Every group of the run: those owned by pending pods (``groups``) and inverse
    anti-affinity groups (``inverse``: pods with required anti-affinity, bound or placed)."""

    def __init__(self, ctx: SchedulingContext, cache: dict[Any, Any],
                 templates: Sequence[Template], universe: dict[str, dict[str, set[int]]],
                 existing: Sequence[ExistingNode], *, batch: set[str],
                 exclude_nodes: frozenset[str] = frozenset(),
                 ignore_pods_on: frozenset[str] = frozenset()) -> None:
        self.rules = ctx.rules
        self.snapshot = ctx.snapshot
        self.templates = templates
        self.universe = universe
        self.existing = existing
        self.ignore_pods_on = ignore_pods_on
        self.groups: dict[Hashable, TopologyGroup] = {}
        self.inverse: dict[Hashable, TopologyGroup] = {}
        self._selects_cache: dict[Hashable, list[TopologyGroup]] = {}
        self._profiles: dict[Hashable, dict[str, Any]] = {}
        self._index_bound(cache, batch, exclude_nodes)
        self._setup_inverse_bound()

    # ------------------------------------------------------------------ setup
    def _index_bound(self, cache: dict[Any, Any], batch: set[str],
                     exclude_nodes: frozenset[str]) -> None:
        key = ("bound",)
        full = cache.get(key)
        if full is None:
            snap = self.snapshot
            labels_all = {node.name: (node.labels, node.taints,
                                      Requirements.from_labels(node.labels))
                          for node in snap.nodes}
            by_ns: dict[str, list[Pod]] = {}
            anti: list[Pod] = []
            for pod in snap.pods:
                if not pod.node_name or pod.is_terminal or pod.deletion_timestamp is not None \
                        or pod.node_name not in labels_all:
                    continue
                by_ns.setdefault(pod.namespace, []).append(pod)
                if pod.pod_anti_affinity:
                    anti.append(pod)
            full = (labels_all, by_ns, anti)
            cache[key] = full
        labels_all, by_ns, anti = full
        self.node_labels: dict[str, tuple[Any, tuple[Taint, ...], Requirements]] = \
            labels_all if not exclude_nodes else {
                k: v for k, v in labels_all.items() if k not in exclude_nodes}
        self.bound_by_ns: dict[str, list[Pod]] = by_ns
        self._batch = batch
        self.anti_bound: list[Pod] = [p for p in anti if self._counts_bound(p)]

    def _counts_bound(self, pod: Pod) -> bool:
        return pod.node_name in self.node_labels and pod.node_name not in self.ignore_pods_on \
            and (pod.uid or pod.key) not in self._batch

    def _setup_inverse_bound(self) -> None:
        namespaces = self.snapshot.namespaces
        for pod in self.anti_bound:
            labels = self.node_labels[pod.node_name][0]
            for term in pod.pod_anti_affinity:
                ns, selector = affinity_parts(term, pod.namespace, pod.labels, namespaces)
                group = self.group(ANTI_AFFINITY, term.topology_key, ns, selector,
                                   MAX_SKEW_NONE, None, NodeFilter(), inverse=True)
                domain = labels.get(term.topology_key)
                if domain is None and term.topology_key == LABEL_HOSTNAME:
                    domain = pod.node_name
                if domain is not None:
                    group.record(domain)

    def register(self, shapes: Iterable[PodShape]) -> None:
        """Every group and inverse group exists before the first pod is placed (NewTopology)."""
        for shape in shapes:
            self.owned_groups(shape)
            self.inverse_own(shape)

    def pin_keys(self) -> tuple[str, ...]:
        """The zone-like keys (not hostname) spreads and affinities count by."""
        return tuple(sorted({g.key for g in self.groups.values()
                             if g.kind != ANTI_AFFINITY and g.key != LABEL_HOSTNAME
                             and g.key != NODE_CLAIM_KEY}))

    def group(self, kind: str, key: str, namespaces: frozenset[str], selector: Any,
              max_skew: int, min_domains: int | None, node_filter: NodeFilter,
              *, inverse: bool = False) -> TopologyGroup:
        sig = group_signature(kind, key, namespaces, selector, max_skew, min_domains,
                              node_filter)
        table = self.inverse if inverse else self.groups
        group = table.get(sig)
        if group is not None:
            return group
        group = TopologyGroup(kind=kind, key=key, namespaces=namespaces, selector=selector,
                              max_skew=max_skew, min_domains=min_domains,
                              node_filter=node_filter)
        if key != LABEL_HOSTNAME:
            # v1.11 only (#2671, reverted by #2957): a Honor spread counts a domain only
            # when a NodePool providing it is compatible with the pod's node affinity.
            by_pool = node_filter.alternatives if self.rules.has(
                releases.TOPOLOGY_DOMAINS_BY_NODEPOOL) else ()
            for domain, providers in self.universe.get(key, {}).items():
                if node_filter.tolerations is not None and not any(
                        tolerates(node_filter.tolerations, self.templates[i].taints)
                        for i in providers):
                    continue
                if by_pool and not any(_pool_admits(self.templates[i], by_pool)
                                       for i in providers):
                    continue
                group.domains[domain] = 0
        if not inverse:
            if key != LABEL_HOSTNAME:
                self._register_node_domains(group)
            self._count_bound(group)
        table[sig] = group
        return group

    def _register_node_domains(self, group: TopologyGroup) -> None:
        """Existing nodes add their domain with a zero count when the group's node filter
        admits them (countDomains): a zone only a static node provides still holds the
        minimum a spread must respect. In-flight NodeClaims without a Node do not; hostnames
        need no registering (an unseen hostname already counts zero)."""
        node_filter = group.node_filter
        for node in self.existing:
            if node.in_flight:
                continue
            info = self.node_labels.get(node.name)
            if info is None:
                continue
            labels, taints, reqs = info
            domain = labels.get(group.key)
            if domain is None or domain in group.domains:
                continue
            if group.kind == SPREAD and not node_filter.matches(taints, reqs):
                continue
            group.domains[domain] = 0

    def _count_bound(self, group: TopologyGroup) -> None:
        for ns in group.namespaces:
            for pod in self.bound_by_ns.get(ns, ()):
                if not selector_matches(group.selector, pod.labels) \
                        or not self._counts_bound(pod):
                    continue
                info = self.node_labels.get(pod.node_name)
                if info is None:
                    continue
                labels, taints, reqs = info
                domain = labels.get(group.key)
                if domain is None:
                    if group.key != LABEL_HOSTNAME:
                        continue
                    domain = pod.node_name
                if group.kind == SPREAD and not group.node_filter.matches(taints, reqs):
                    continue
                group.record(domain)

    # ------------------------------------------------------------------ a shape's groups
    def profile(self, shape: PodShape) -> dict[str, Any]:
        """Per-shape facts that do not depend on the requests (topology groups, their quick
        checks, shared refusal sets), shared by every shape that differs only in requests:
        the benchmark's and many real batches' pods come in far fewer such profiles."""
        found = shape.profile
        if found is None:
            key = (without_requests(shape.signature), shape.step)
            found = self._profiles.get(key)
            if found is None:
                found = self._profiles[key] = {}
            shape.profile = found
        return found

    def owned_groups(self, shape: PodShape) -> list[tuple[TopologyGroup, bool]]:
        profile = self.profile(shape)
        cached = profile.get("owned")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        pod = shape.pod
        out: list[TopologyGroup] = []
        # Spread node filters follow the pod as written, whatever relaxation did since.
        base = shape.written_alternatives
        if base is None:
            base = shape.alternatives
        if shape.volume_counts and shape.volume.keys():
            # v1.8 wrote the volume requirements into every required term of the pod itself
            # (VolumeTopology.Inject), so a Honor node filter carries them too.
            base = tuple(alt.intersect(shape.volume) for alt in base) or (shape.volume,)
        for spread in shape.spreads:
            selector, node_filter = spread_parts(spread, pod.namespace, pod.labels, base,
                                                 shape.tolerations)
            out.append(self.group(SPREAD, spread.topology_key, frozenset((pod.namespace,)),
                                  selector, spread.max_skew, spread.min_domains, node_filter))
        namespaces = self.snapshot.namespaces
        for kind, terms in ((AFFINITY, shape.affinity), (ANTI_AFFINITY, shape.anti_affinity)):
            for term in terms:
                ns, selector = affinity_parts(term, pod.namespace, pod.labels, namespaces)
                out.append(self.group(kind, term.topology_key, ns, selector, MAX_SKEW_NONE,
                                      None, NodeFilter()))
        owned = [(g, g.selects(pod.namespace, pod.labels)) for g in out]
        profile["owned"] = owned
        return owned

    def inverse_own(self, shape: PodShape) -> list[TopologyGroup]:
        """The inverse anti-affinity groups of the pod's own required anti-affinity terms
        (namespace, labels and terms: the same for every shape of a profile)."""
        profile = self.profile(shape)
        cached = profile.get("inverse-own")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        pod = shape.pod
        out = []
        for term in pod.pod_anti_affinity:
            ns, selector = affinity_parts(term, pod.namespace, pod.labels,
                                          self.snapshot.namespaces)
            out.append(self.group(ANTI_AFFINITY, term.topology_key, ns, selector,
                                  MAX_SKEW_NONE, None, NodeFilter(), inverse=True))
        profile["inverse-own"] = out
        return out

    def matching(self, shape: PodShape) -> list[tuple[TopologyGroup, bool]]:
        """Groups that constrain where ``shape`` may go: its own and inverse anti-affinities
        that select it."""
        found = shape.matching
        if found is not None:
            return found
        profile = self.profile(shape)
        cached = profile.get("matching")
        if cached is None:
            cached = list(self.owned_groups(shape))
            cached += [(g, True) for g in self._selecting(shape, self.inverse)]
            profile["matching"] = cached
        shape.matching = cached
        return cached

    def _counting(self, shape: PodShape) -> list[TopologyGroup]:
        cached = shape.cache.get("counting")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        out = self._selecting(shape, self.groups)
        shape.cache["counting"] = out
        return out

    def _selecting(self, shape: PodShape, table: dict[Hashable, TopologyGroup]
                   ) -> list[TopologyGroup]:
        """Groups of ``table`` whose selector picks the shape's pod: depends on namespace and
        labels only, which far fewer pods differ by than by shape (requests differ)."""
        pod = shape.pod
        sig = shape.signature
        labels = sig[:2] if isinstance(sig, tuple) else (pod.namespace, id(pod))
        key = (id(table), len(table), labels)
        out = self._selects_cache.get(key)
        if out is None:
            out = [g for g in table.values() if g.selects(pod.namespace, pod.labels)]
            self._selects_cache[key] = out
        return out

    # ------------------------------------------------------------------ checks
    def quick_reject(self, shape: PodShape, node_reqs: Requirements) -> Miss | bool:
        """Cheap topology refusals for a place already pinned to one domain, before any
        requirement algebra (most places a spread or affinity pod is offered fail here).

        Returns the refusal, or whether every group is settled: a spread or anti-affinity
        group on a key the place is pinned to, which accepted that domain, leaves the
        requirements as they are (True: the full topology step can be skipped)."""
        profile = shape.profile
        if profile is None:
            profile = self.profile(shape)
        quick = profile.get("quick")
        if quick is None:
            quick = [(g, sel, g.key, shape.strict.defined(g.key)) for g, sel in
                     self.matching(shape)]
            profile["quick"] = quick
        settled = True
        for group, self_selecting, key, pod_domains in quick:
            pinned = node_reqs.defined(key)
            if pinned is None or pinned.complement or len(pinned.values) != 1:
                settled = False
                continue
            if group.kind == AFFINITY:
                settled = False  # may still find no domain (nothing to be near yet)
            (domain,) = pinned.values
            if group.rejects(self_selecting, pod_domains, domain):
                miss = topology_miss(group, shape.strict.get(key), pinned)
                if group.kind == AFFINITY:
                    miss.wake = (group, domain)
                    if pod_domains is None:
                        miss.block = group.block_set(AFFINITY)
                elif group.kind == ANTI_AFFINITY:
                    miss.block = group.blocked
                elif miss.permanent:  # hostname spread
                    miss.block = group.block_set(self_selecting)
                return miss
        return settled

    def add_requirements(self, shape: PodShape, node_reqs: Requirements) -> Requirements | Miss:
        """upstream: topology.go AddRequirements — each group narrows the place's domain."""
        groups = self.matching(shape)
        if not groups:
            return node_reqs
        reqs = node_reqs
        strict = shape.strict
        for group, self_selecting in groups:
            key = group.key
            domains = group.next_domains(self_selecting, strict.get(key), node_reqs.get(key))
            if domains.is_empty():
                return topology_miss(group, strict.get(key), node_reqs.get(key))
            reqs = reqs.add(domains)
            if reqs.get(key).is_empty():
                return topology_miss(group, strict.get(key), node_reqs.get(key))
        return reqs

    def unlabelled_key(self, shape: PodShape, node_reqs: Requirements) -> Miss | None:
        """A node without a label for a key the pod's own spread or (anti-)affinity counts
        by can never take it: the domain topology picks is a label the node lacks.

        upstream: scheduling/existingnode.go CanAdd — Topology.AddRequirements answers In
        (domain) for the pod's own groups, which Requirements.Compatible refuses on a key
        the node does not define. Inverse anti-affinity answers NotIn, which it accepts."""
        for group, _ in self.owned_groups(shape):
            if node_reqs.defined(group.key) is None:
                return Miss(TOPOLOGY_CODES[group.kind], True,
                            (group, shape.strict.get(group.key), node_reqs.get(group.key)))
        return None

    # ------------------------------------------------------------------ record
    def record(self, shape: PodShape, reqs: Requirements, taints: tuple[Taint, ...],
               allow_undefined: frozenset[str]) -> None:
        """upstream: topology.go Record — count the placed pod in every group selecting it."""
        profile = shape.profile
        if profile is None:
            profile = self.profile(shape)
        counting = profile.get("counting-plan")
        if counting is None:
            # (group, its key, node filter to apply or None, anti-affinity?)
            counting = [(g, g.key, g.node_filter if g.kind == SPREAD and (
                g.node_filter.alternatives or g.node_filter.tolerations is not None) else None,
                g.kind == ANTI_AFFINITY) for g in self._counting(shape)]
            profile["counting-plan"] = counting
        for group, key, node_filter, anti in counting:
            if node_filter is not None and not node_filter.matches(taints, reqs, allow_undefined):
                continue
            domains = reqs.defined(key)
            if domains is None or domains.complement:
                continue
            if anti:
                for value in domains.values:
                    group.record(value)
            elif len(domains.values) == 1:
                group.record(next(iter(domains.values)))
        inverse = profile.get("inverse-own")
        if inverse is None:
            inverse = self.inverse_own(shape)
        for group in inverse:
            domains = reqs.defined(group.key)
            if domains is not None and not domains.complement:
                for value in domains.values:
                    group.record(value)


def _pool_admits(tpl: Template, alternatives: tuple[Requirements, ...]) -> bool:
    """upstream v1.11: scheduling/topologydomaingroup.go isDomainCompatible."""
    return any(tpl.requirements.compatible(alt, tpl.allow_undefined) is None
               for alt in alternatives)


def topology_miss(group: TopologyGroup, pod_domains: Requirement,
                  node_domains: Requirement) -> Miss:
    permanent = group.kind == ANTI_AFFINITY or (
        group.kind == SPREAD and group.key == LABEL_HOSTNAME)
    return Miss(TOPOLOGY_CODES[group.kind], permanent, (group, pod_domains, node_domains))
