"""One topology spread, pod affinity or pod anti-affinity constraint, tracked as domain counts
(Karpenter's topologygroup.go; the run's set of groups is :mod:`.topology`).

A :class:`TopologyGroup` counts the pods its selector picks per domain of one topology key.
Groups are shared by every pod with the same constraint (a Deployment's replicas), so the
count of a 1,000-replica spread is one dictionary. Hostname domains are never registered one by
one: a hostname not yet seen simply counts zero, which is what registering would give.

A group's domains are those NodePools could launch in (requirements ∩ instance-type offerings)
plus, registered by the scheduler with a zero count, those of existing nodes its node filter
admits (countDomains). Ties between equally good domains: Karpenter takes the first minimum
it meets while iterating a Go set, i.e. an unspecified one; we take the lexicographically
smallest, so previews are reproducible (the counts per domain come out the same either way,
only which zone gets the extra replica may differ).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kubectl_karp.model.objects import (
    LABEL_HOSTNAME,
    LabelSelector,
    PodAffinityTerm,
    Taint,
    Toleration,
    TopologySpreadConstraint,
)
from kubectl_karp.model.requirements import (
    DOES_NOT_EXIST,
    IN,
    Requirement,
    Requirements,
    sorted_values,
)
from kubectl_karp.model.selectors import selector_matches
from kubectl_karp.model.taints import tolerates_all

SPREAD = "TopologySpread"
AFFINITY = "PodAffinity"
ANTI_AFFINITY = "PodAntiAffinity"

_NODE_CLAIM_KEY = "karpenter.sh/nodeclaim"
_SINGLE: dict[tuple[str, str], Requirement] = {}
_NONE: dict[str, Requirement] = {}


def _one(key: str, value: str) -> Requirement:
    """``key In [value]``, interned: the same few are built millions of times otherwise."""
    req = _SINGLE.get((key, value))
    if req is None:
        if len(_SINGLE) > 1 << 16:
            _SINGLE.clear()
        req = Requirement.of(key, IN, (value,))
        _SINGLE[(key, value)] = req
    return req


def _none(key: str) -> Requirement:
    req = _NONE.get(key)
    if req is None:
        req = Requirement.of(key, DOES_NOT_EXIST)
        _NONE[key] = req
    return req


@dataclass(frozen=True, slots=True)
class NodeFilter:
    """Which nodes count for a spread (nodeAffinityPolicy / nodeTaintsPolicy): ``alternatives``
    empty means any node; ``tolerations`` None means taints are ignored."""

    alternatives: tuple[Requirements, ...] = ()
    tolerations: tuple[Toleration, ...] | None = None

    def matches(self, taints: Sequence[Taint], requirements: Requirements,
                allow_undefined: frozenset[str] = frozenset()) -> bool:
        if self.tolerations is not None and not tolerates_all(taints, self.tolerations):
            return False
        if not self.alternatives:
            return True
        return any(requirements.compatible(alt, allow_undefined) is None
                   for alt in self.alternatives)


ANY_NODE = NodeFilter()


def _selector_with(selector: LabelSelector | None, keys: Iterable[str],
                   labels: Mapping[str, str]) -> LabelSelector | None:
    """``matchLabelKeys``: the pod's own values for those keys, ANDed into the selector."""
    extra = tuple((k, labels[k]) for k in keys if k in labels)
    if not extra or selector is None:
        return selector
    return LabelSelector(match_labels=tuple(sorted(set(selector.match_labels) | set(extra))),
                         match_expressions=selector.match_expressions)


@dataclass(eq=False)
class TopologyGroup:
    kind: str
    key: str
    namespaces: frozenset[str]
    selector: LabelSelector | None
    max_skew: int
    min_domains: int | None = None
    node_filter: NodeFilter = ANY_NODE
    domains: dict[str, int] = field(default_factory=dict)
    positive: int = 0  # how many records were made (0: no domain has a pod yet)
    watchers: dict[str, list[tuple[set[int], int]]] = field(default_factory=dict)
    # Planned NodeClaims (indexes) pinned to a domain that already has a matching pod:
    # an anti-affinity group refuses them for good, whichever pod asks.
    blocked: set[int] = field(default_factory=set)
    # The same for other refusals that hold for every shape of one kind ("variant"): hostname
    # spread per self-selection (the count only grows), pod affinity for shapes without their
    # own domain requirement (until the domain gets its first pod: see ``watch``).
    shared_blocks: dict[Hashable, set[int]] = field(default_factory=dict)

    def block_set(self, variant: Hashable) -> set[int]:
        found = self.shared_blocks.get(variant)
        if found is None:
            found = self.shared_blocks[variant] = set()
        return found

    def selects(self, namespace: str, labels: Mapping[str, str]) -> bool:
        return namespace in self.namespaces and selector_matches(self.selector, labels)

    def record(self, domain: str, count: int = 1) -> None:
        before = self.domains.get(domain, 0)
        self.domains[domain] = before + count
        if count > 0:
            self.positive += 1
            if before == 0 and self.watchers:
                for dead, index in self.watchers.pop(domain, ()):
                    dead.discard(index)

    def watch(self, domain: str, dead: set[int], index: int) -> None:
        """Forget ``index`` from ``dead`` once ``domain`` gets its first pod (a pod affinity
        that refused a place pinned to an empty domain may accept it then)."""
        self.watchers.setdefault(domain, []).append((dead, index))

    def rejects(self, self_selecting: bool, pod_domains: Requirement | None,
                domain: str) -> bool:
        """A quick verdict for a node already pinned to ``domain``: True when the group
        certainly refuses it (the full check would find no domain). False = run the full
        check."""
        count = self.domains.get(domain, 0)
        if self.kind == ANTI_AFFINITY:
            return count > 0
        if self.kind == AFFINITY:
            if count > 0:
                return False
            if pod_domains is None:
                return self.positive > 0
            return False
        if not self._known(domain):
            return True
        extra = 1 if self_selecting else 0
        if self.key in (LABEL_HOSTNAME, _NODE_CLAIM_KEY):
            return count + extra > self.max_skew
        # The verdict _next_spread would reach for this one domain, without building it.
        return count + extra - self._min_count(pod_domains) > self.max_skew

    def register(self, domain: str) -> None:
        self.domains.setdefault(domain, 0)

    def count(self, domain: str) -> int:
        return self.domains.get(domain, 0)

    # ------------------------------------------------------------------ next domain
    def next_domains(self, self_selecting: bool, pod_domains: Requirement,
                     node_domains: Requirement) -> Requirement:
        if self.kind == SPREAD:
            return self._next_spread(self_selecting, pod_domains, node_domains)
        if self.kind == AFFINITY:
            return self._next_affinity(self_selecting, pod_domains, node_domains)
        return self._next_anti(pod_domains, node_domains)

    def _candidates(self, node_domains: Requirement) -> Iterable[str]:
        if not node_domains.complement:
            values = node_domains.values
            if len(values) == 1:
                return values
            return sorted_values(values)
        return (d for d in sorted_values(self.domains) if node_domains.has(d))

    def min_count(self, pod_domains: Requirement) -> int:
        return self._min_count(pod_domains)

    def _min_count(self, pod_domains: Requirement | None) -> int:
        """``pod_domains`` None: the pod does not restrict the key (every domain counts)."""
        if self.key in (LABEL_HOSTNAME, _NODE_CLAIM_KEY):
            return 0  # a new node is always an empty domain
        low: int | None = None
        supported = 0
        for domain, count in self.domains.items():
            if pod_domains is None or pod_domains.has(domain):
                supported += 1
                if low is None or count < low:
                    low = count
        if low is None or (self.min_domains is not None and supported < self.min_domains):
            return 0
        return low

    def _known(self, domain: str) -> bool:
        return self.key == LABEL_HOSTNAME or domain in self.domains

    def _next_spread(self, self_selecting: bool, pod_domains: Requirement,
                     node_domains: Requirement) -> Requirement:
        low = self.min_count(pod_domains)
        best: str | None = None
        best_count = 0
        extra = 1 if self_selecting else 0
        for domain in self._candidates(node_domains):
            if not self._known(domain):
                continue
            count = self.domains.get(domain, 0) + extra
            if count - low <= self.max_skew and (best is None or count < best_count):
                best, best_count = domain, count
        if best is None:
            return _none(self.key)
        return _one(self.key, best)

    def _next_affinity(self, self_selecting: bool, pod_domains: Requirement,
                       node_domains: Requirement) -> Requirement:
        options = [d for d, c in self.domains.items() if c > 0 and pod_domains.has(d)]
        if not options and self_selecting:
            # Nothing to be near yet and the pod selects itself: start a domain, preferring
            # the one the node is already in.
            both = pod_domains.intersection(node_domains)
            pick = next((d for d in self._candidates(node_domains)
                         if self._known(d) and both.has(d)), None)
            if pick is None:
                pick = next((d for d in sorted_values(self.domains) if pod_domains.has(d)),
                            None)
            if pick is not None:
                options = [pick]
        if not options:
            return _none(self.key)
        if len(options) == 1:
            return _one(self.key, options[0])
        return Requirement.of(self.key, IN, options)

    def _next_anti(self, pod_domains: Requirement, node_domains: Requirement) -> Requirement:
        # Only empty domains will do; restricting to the node's own domains first changes
        # nothing (the result is intersected with them) and avoids scanning every hostname.
        if not node_domains.complement:
            options = [d for d in node_domains.values
                       if self._known(d) and self.domains.get(d, 0) == 0 and pod_domains.has(d)]
        else:
            options = [d for d, c in self.domains.items()
                       if c == 0 and pod_domains.has(d) and node_domains.has(d)]
        if not options:
            return _none(self.key)
        if len(options) == 1:
            return _one(self.key, options[0])
        return Requirement.of(self.key, IN, options)

    def describe_counts(self, limit: int = 6) -> str:
        items = sorted(self.domains.items(), key=lambda kv: (kv[1], kv[0]))
        shown = ", ".join(f"{d}={c}" for d, c in items[:limit])
        if len(items) > limit:
            shown += f", … ({len(items)} domains)"
        return shown or "no domains"


def group_signature(kind: str, key: str, namespaces: frozenset[str],
                    selector: LabelSelector | None, max_skew: int, min_domains: int | None,
                    node_filter: NodeFilter) -> Hashable:
    return (kind, key, namespaces, selector, max_skew, min_domains, node_filter)


def spread_parts(spread: TopologySpreadConstraint, namespace: str, labels: Mapping[str, str],
                 alternatives: tuple[Requirements, ...], tolerations: tuple[Toleration, ...]
                 ) -> tuple[LabelSelector | None, NodeFilter]:
    selector = _selector_with(spread.label_selector, spread.match_label_keys, labels)
    # A pod without node selector or required affinity has one empty alternative, which every
    # node matches: the same as no filter, and far cheaper to test at every placement.
    if all(not alt.keys() for alt in alternatives):
        alternatives = ()
    node_filter = NodeFilter(
        alternatives=alternatives if spread.node_affinity_policy != "Ignore" else (),
        tolerations=tolerations if spread.node_taints_policy == "Honor" else None)
    return selector, node_filter


def affinity_parts(term: PodAffinityTerm, namespace: str, labels: Mapping[str, str],
                   namespace_labels: Mapping[str, Mapping[str, str]]
                   ) -> tuple[frozenset[str], LabelSelector | None]:
    """The namespaces a pod (anti-)affinity term looks in, and its effective selector."""
    if term.namespace_selector is not None:
        chosen = {ns for ns, ns_labels in namespace_labels.items()
                  if selector_matches(term.namespace_selector, ns_labels)}
        namespaces = frozenset(chosen | set(term.namespaces))
    elif term.namespaces:
        namespaces = frozenset(term.namespaces)
    else:
        namespaces = frozenset((namespace,))
    selector = _selector_with(term.label_selector, term.match_label_keys, labels)
    if term.mismatch_label_keys and selector is not None:
        from kubectl_karp.model.objects import LabelSelectorRequirement

        extra = tuple(LabelSelectorRequirement(k, "NotIn", (labels[k],))
                      for k in term.mismatch_label_keys if k in labels)
        selector = LabelSelector(selector.match_labels, selector.match_expressions + extra)
    return namespaces, selector
