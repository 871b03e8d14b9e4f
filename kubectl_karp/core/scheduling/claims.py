"""The NodeClaims planned so far in a run, offered to each pod fewest pods first (upstream:
scheduler.go add — newNodeClaims re-sorted by pod count before each pod).

Claims sit in buckets by pod count. Refusals that hold for a whole topology group are kept as
sets of claims (and their complements, the claims still open), and claims are indexed by the
zone-like domain they are pinned to, so most refused claims are never offered the pod at all.
Each shortcut answers exactly what offering every claim in order would
(tests/scheduling/test_fast_paths.py).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Hashable
from heapq import merge
from itertools import islice
from typing import Any

from kubectl_karp.core.scheduling.hostports import PortKey
from kubectl_karp.core.scheduling.nodeclaim import Claim
from kubectl_karp.core.scheduling.placement import Miss, minus
from kubectl_karp.core.scheduling.pods import PendingPod, PodShape
from kubectl_karp.core.scheduling.topology import NODE_CLAIM_KEY, Topology
from kubectl_karp.core.scheduling.topologygroup import AFFINITY, ANTI_AFFINITY
from kubectl_karp.model.objects import LABEL_HOSTNAME

_FRONT = 16  # planned claims of a bucket offered one by one before any set algebra
_NO_PINS: dict[int, str] = {}
_NO_REFUSALS: tuple[list[set[int]], set[str]] = ([], set())  # never changed by a caller


class PlannedClaims:
    def __init__(self, topology: Topology, pool_ports: dict[int, set[PortKey]] | None) -> None:
        self.topology = topology
        self.pool_ports = pool_ports
        self.claims: list[Claim] = []
        self.buckets: dict[int, dict[int, None]] = {}
        self._bucket_order: list[int] | None = None
        self._arrival: dict[int, int] = {}  # claim index → when it entered its bucket
        self._seq = 0
        # key → domain → planned claims pinned to it, for the keys of zone-like groups
        self._pinned: dict[str, dict[str, set[int]]] = {}
        self.pin_keys: tuple[str, ...] = ()
        # The same buckets split by domain, per key (None: not pinned on that key), so a
        # shape that only some domains accept walks just their claims (see _accepted_domains).
        self._subs: dict[str, dict[str | None, dict[int, dict[int, None]]]] = {}
        self._filed: dict[str, dict[int, str | None]] = {}  # key → claim → where it is filed
        self._pin_of: dict[str, dict[int, str]] = {}  # key → claim → its pinned domain
        # id(permanent refusal set) → (that set, the planned claims not in it)
        self._open: dict[int, tuple[set[int], set[int]]] = {}
        self._open_of: dict[int, set[int]] = {}  # id(open set) → its refusal set

    def __bool__(self) -> bool:
        return bool(self.claims)

    # ------------------------------------------------------------------ membership
    def join(self, claim: Claim, pp: PendingPod) -> None:
        """A new NodeClaim that has just taken its first pod joins the run."""
        if self.pin_keys:
            self._pin(claim)  # pinned by its NodePool already, perhaps
        claim.pods.append(pp)
        self.claims.append(claim)
        for _, opened in self._open.values():
            opened.add(claim.index)
        first = self.buckets.setdefault(1, {})
        if not first and self._bucket_order is not None:
            insort(self._bucket_order, 1)
        first[claim.index] = None
        if self.pin_keys:
            self._file(claim.index, 1)
        self._seq += 1
        self._arrival[claim.index] = self._seq

    def _pin(self, claim: Claim) -> None:
        """Index the claim by the domain it is now pinned to, per key a spread or affinity
        uses (a claim's domain, once single, never changes)."""
        reqs = claim.requirements
        for key in self.pin_keys:
            domains = reqs.defined(key)
            if domains is not None and not domains.complement and len(domains.values) == 1:
                domain = next(iter(domains.values))
                slot = self._pinned.setdefault(key, {})
                slot.setdefault(domain, set()).add(claim.index)  # idempotent
                self._pin_of.setdefault(key, {})[claim.index] = domain

    def _file(self, index: int, count: int) -> None:
        """File the claim, per pin key, in its domain's bucket of ``count`` pods."""
        for key in self.pin_keys:
            domain = self._pin_of.get(key, {}).get(index)
            subs = self._subs.setdefault(key, {}).setdefault(domain, {})
            subs.setdefault(count, {})[index] = None
            self._filed.setdefault(key, {})[index] = domain

    def _refile(self, index: int, count: int) -> None:
        """The claim took a pod: move it, per pin key, from its domain's bucket of
        ``count`` pods to the end of the bucket of ``count + 1`` pods of the domain it is
        pinned to now (the same one unless this pod pinned it)."""
        for key in self.pin_keys:
            filed = self._filed[key]
            was = filed[index]
            subs = self._subs[key]
            by_count = subs[was]
            bucket = by_count[count]
            del bucket[index]
            if not bucket:
                del by_count[count]
            now = self._pin_of.get(key, _NO_PINS).get(index)
            if now != was:
                by_count = subs.setdefault(now, {})
                filed[index] = now
            nxt = by_count.get(count + 1)
            if nxt is None:
                nxt = by_count[count + 1] = {}
            nxt[index] = None

    def _reorder_buckets(self, count: int, still: bool, fresh: bool) -> None:
        """Keep the sorted list of non-empty bucket counts as a pod moves a claim from
        ``count`` to ``count + 1`` (``still``: the old bucket keeps claims; ``fresh``: the
        new one was empty)."""
        order = self._bucket_order
        if order is None:
            return
        if not still:
            order.remove(count)
        if fresh:
            insort(order, count + 1)

    def _bucket_counts(self) -> list[int]:
        if self._bucket_order is None:
            self._bucket_order = sorted(k for k, v in self.buckets.items() if v)
        return self._bucket_order

    # ------------------------------------------------------------------ shared refusals
    def _block_sets(self, shape: PodShape) -> tuple[list[set[int]], list[set[int]]]:
        """The shared refusal sets (``Miss.block``) that apply to ``shape``, matching how
        :meth:`Topology.quick_reject` fills them: for the permanent ones (anti-affinity,
        hostname spread) their complements — the claims still open — and the others as
        they are."""
        opens: list[set[int]] = []
        others: list[set[int]] = []
        for group, self_selecting in self.topology.matching(shape):
            if group.kind == ANTI_AFFINITY:
                opens.append(self._opened(group.blocked))
            elif group.kind == AFFINITY:
                if shape.strict.defined(group.key) is None:
                    others.append(group.block_set(AFFINITY))
            elif group.key == LABEL_HOSTNAME or group.key == NODE_CLAIM_KEY:
                opens.append(self._opened(group.block_set(self_selecting)))
        return opens, others

    def _opened(self, blocked: set[int]) -> set[int]:
        """The claims not in ``blocked``, maintained from now on (new claims join it, refused
        ones leave it)."""
        entry = self._open.get(id(blocked))
        if entry is None:
            entry = (blocked, set(range(len(self.claims))) - blocked)
            self._open[id(blocked)] = entry
            self._open_of[id(entry[1])] = blocked
        return entry[1]

    def _refused_domains(self, shape: PodShape, profile: dict[str, Any]
                         ) -> tuple[list[set[int]], set[str]]:
        """Planned claims pinned to a zone-like domain the shape's spread or affinity refuses
        right now (what :meth:`Topology.quick_reject` would find, claim by claim, with no
        lasting effect), found once per domain instead; and those domains."""
        checks = profile.get("domain-checks")
        if checks is None:
            checks = [(g, sel, g.key, shape.strict.defined(g.key))
                      for g, sel in self.topology.matching(shape)
                      if g.kind != ANTI_AFFINITY and g.key != LABEL_HOSTNAME
                      and g.key != NODE_CLAIM_KEY]
            profile["domain-checks"] = checks
        if not checks:
            return _NO_REFUSALS
        out: list[set[int]] = []
        rejected: set[str] = set()
        pinned = self._pinned
        for group, self_selecting, key, pod_domains in checks:
            by_domain = pinned.get(key)
            if not by_domain:
                continue
            for domain, indexes in by_domain.items():
                if group.rejects(self_selecting, pod_domains, domain):
                    out.append(indexes)
                    rejected.add(domain)
        return out, rejected

    def _accepted_domains(self, profile: dict[str, Any], rejected: set[str]
                          ) -> tuple[str, list[str]] | None:
        """When the shape's spread and affinity checks are all on one key: that key and the
        domains (with pinned claims) none of them refuses right now (``rejected``: those
        :meth:`_refused_domains` found). The claims it did not refuse are then exactly those
        filed under these domains or under no domain, so the walk need not visit the refused
        ones at all."""
        checks = profile["domain-checks"]
        key = checks[0][2]
        if any(c[2] != key for c in checks):
            return None
        return key, [domain for domain in self._pinned.get(key, {}) if domain not in rejected]

    # ------------------------------------------------------------------ offering a pod
    def place(self, pp: PendingPod, shape: PodShape, cache: dict[Hashable, Any]
              ) -> Claim | None:
        """Offer the pod to the claims planned so far, fewest pods first; the claim that
        took it, if any.

        Order within equal pod counts follows Karpenter's re-sort of newNodeClaims before
        each pod: a stable sort (insertion sort below 13 claims), so new claims queue behind
        their equals while a claim that just gained a pod goes ahead of those that reached
        the same count earlier."""
        dead_claims: set[int] | None = cache.get("dead-claims")
        if dead_claims is None:
            dead_claims = cache["dead-claims"] = set()
        profile = shape.profile
        if profile is None:
            profile = self.topology.profile(shape)
        blocks = profile.get("blocks")
        if blocks is None:
            blocks = self._block_sets(shape)
            profile["blocks"] = blocks
        opens, others = blocks
        refused, rejected = self._refused_domains(shape, profile)
        smallest = min(opens, key=len) if opens else None
        if smallest is not None and len(smallest) * 8 < len(self.claims):
            # Claims a shared permanent refusal has not ruled out yet, kept up to date as
            # claims are created and refused: with hostname anti-affinity or spread, few.
            cand = smallest.intersection(*opens) if len(opens) > 1 else set(smallest)
            cand = minus(cand, dead_claims)
            for blocked in others:
                cand = minus(cand, blocked)
            for blocked in refused:
                cand = minus(cand, blocked)
            if not cand:
                return None
            claims = self.claims
            arrival = self._arrival

            def position(i: int) -> tuple[int, int]:
                n = len(claims[i].pods)
                return (n, arrival[i] if n == 1 else -arrival[i])

            for index in sorted(cand, key=position):
                taken = self._offer(pp, shape, index, dead_claims)
                if taken is not None:
                    return taken
            return None
        arrival = self._arrival
        refusals = profile.get("refusals")
        if refusals is None:
            refusals = [self._open_of[id(o)] for o in opens] + others
            profile["refusals"] = refusals
        accepted = self._accepted_domains(profile, rejected) if refused else None
        if accepted is not None:
            return self._place_in_domains(pp, shape, accepted, refusals, dead_claims)
        for count in self._bucket_counts():
            bucket = self.buckets[count]
            order: Any = reversed(bucket) if count > 1 else bucket
            if dead_claims or refusals or refused:
                walk = iter(order)
                seen: list[int] = []
                if len(bucket) > _FRONT:
                    # The claims at the front one by one first: one of them usually takes
                    # the pod, and the set algebra below costs a pass over the whole bucket
                    # (quadratic over a run that plans thousands of claims). Same claims, same
                    # order: a refusal only ever rules out the refused claim itself.
                    for index in islice(walk, _FRONT):
                        seen.append(index)
                        if index in dead_claims or any(index in b for b in refusals) \
                                or any(index in b for b in refused):
                            continue
                        taken = self._offer(pp, shape, index, dead_claims)
                        if taken is not None:
                            return taken
                # Set algebra in C rather than a membership test per claim.
                avail = bucket.keys() - dead_claims
                for blocked in refusals:
                    if blocked:
                        avail = minus(avail, blocked)
                for blocked in refused:
                    avail = minus(avail, blocked)
                avail.difference_update(seen)
                if not avail:
                    continue
                if len(avail) * 4 < len(bucket):
                    order = sorted(avail, key=arrival.__getitem__, reverse=count > 1)
                else:  # lazily: the first one usually takes the pod
                    order = (i for i in walk if i in avail)
            for index in order:
                taken = self._offer(pp, shape, index, dead_claims)
                if taken is not None:
                    return taken
        return None

    def _place_in_domains(self, pp: PendingPod, shape: PodShape,
                          accepted: tuple[str, list[str]], refusals: list[set[int]],
                          dead_claims: set[int]) -> Claim | None:
        """The bucket walk of :meth:`place` over the claims filed under the accepted domains
        (and under none) only: per pod count, their domain buckets merged back into the
        bucket's own order (arrival, newest first above one pod), so the same claims are
        offered in the same order as the full walk minus the refused domains."""
        key, domains = accepted
        subs = self._subs.get(key, {})
        parts = [subs[d] for d in (None, *domains) if d in subs]
        arrival = self._arrival
        for count in self._bucket_counts():
            found = [part[count] for part in parts if count in part]
            if not found:
                continue
            newest = count > 1
            order: Any
            if len(found) == 1:
                order = reversed(found[0]) if newest else iter(found[0])
            else:
                order = merge(*((reversed(f) if newest else iter(f)) for f in found),
                              key=arrival.__getitem__, reverse=newest)
            for index in order:
                if index in dead_claims or any(index in b for b in refusals):
                    continue
                taken = self._offer(pp, shape, index, dead_claims)
                if taken is not None:
                    return taken
        return None

    def _offer(self, pp: PendingPod, shape: PodShape, index: int, dead_claims: set[int]
               ) -> Claim | None:
        """Offer the pod to one claim: the claim when it took the pod; a refusal is kept
        where it lasts (the shape's dead claims, or a group's shared refusal set)."""
        claim = self.claims[index]
        outcome = claim.can_add(shape, self.topology, self.pool_ports)
        if isinstance(outcome, Miss):
            if outcome.block is not None:
                # the refusal holds for every shape of its kind the group constrains
                outcome.block.add(index)
                opened = self._open.get(id(outcome.block))
                if opened is not None:
                    opened[1].discard(index)
                if outcome.wake is not None:
                    outcome.wake[0].watch(outcome.wake[1], outcome.block, index)
            elif outcome.permanent:
                dead_claims.add(index)
            elif outcome.wake is not None:
                dead_claims.add(index)
                outcome.wake[0].watch(outcome.wake[1], dead_claims, index)
            return None
        if claim.add(shape, outcome, self.topology, self.pool_ports) and self.pin_keys:
            self._pin(claim)
        count = len(claim.pods)
        bucket = self.buckets[count]
        del bucket[index]
        nxt = self.buckets.setdefault(count + 1, {})
        if not nxt or not bucket:
            self._reorder_buckets(count, bool(bucket), not nxt)
        nxt[index] = None
        if self.pin_keys:
            self._refile(index, count)
        self._seq += 1
        self._arrival[index] = self._seq
        claim.pods.append(pp)
        return claim
