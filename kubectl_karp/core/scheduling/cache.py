"""Work kept per scheduling context: the NodePool templates, the existing nodes' base state,
the bound pods' index and per-shape refusals, shared by every run on one context (the
disruption planner simulates hundreds of times over one cluster)."""

from __future__ import annotations

import weakref
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from kubectl_karp.core.nodepools.daemonsets import daemon_pods
from kubectl_karp.core.scheduling.existingnode import ExistingNodes, base_order
from kubectl_karp.model.objects import DaemonSet

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import SchedulingContext

_CACHES: dict[int, tuple[weakref.ref[Any], dict[Any, Any]]] = {}


def context_cache(ctx: Any) -> dict[Any, Any]:
    """Work that depends only on the context (templates, the nodes' base state, the bound
    pods' index), kept for as long as the context lives."""
    entry = _CACHES.get(id(ctx))
    if entry is not None and entry[0]() is ctx:
        return entry[1]
    store: dict[Any, Any] = {}
    key = id(ctx)
    _CACHES[key] = (weakref.ref(ctx, lambda _ref: _CACHES.pop(key, None)), store)
    return store


def share_pod_facts(ctx: Any, store: dict[Any, Any]) -> None:
    """Let ``ctx``'s runs use (and add to) ``store`` of per-pod facts (the scheduler's
    ``PREPARED_BATCH``): each entry is a function of its pod alone, kept with the pod, so it
    answers for any context (the rollout builds one per round over mostly the same pods)."""
    context_cache(ctx).setdefault("pod-facts", store)


def modelled_daemonsets(ctx: SchedulingContext) -> tuple[DaemonSet, ...]:
    """The cluster's DaemonSets as the scheduler models their pods, once per context."""
    cache = context_cache(ctx)
    found: tuple[DaemonSet, ...] | None = cache.get("daemon-pods")
    if found is None:
        found = cache["daemon-pods"] = daemon_pods(ctx.snapshot)
    return found


def carry_context_cache(old: SchedulingContext, new: SchedulingContext) -> bool:
    """Seed ``new``'s cache from ``old``'s when ``new`` is ``old`` plus in-flight NodeClaims
    and nothing else (the disruption planner adds a replacement per action and re-plans):
    the NodePool templates, the bound pods' index and the existing nodes' base state carry
    over, with a base entry built for each added claim, and so do the per-shape refusals of
    :meth:`ExistingNodes.viable` (the added claims are offered to every shape). Returns
    whether it carried anything; the answers are those of a cold cache
    (tests/disruption/test_fast_paths.py)."""
    a, b = old.snapshot, new.snapshot
    if a is b or any(getattr(old, f.name) is not getattr(new, f.name)
                     for f in fields(old) if f.name != "snapshot"):
        return False
    if any(getattr(a, f.name) is not getattr(b, f.name)
           for f in fields(a) if f.name != "node_claims"):
        return False
    n = len(a.node_claims)
    if len(b.node_claims) < n or any(
            x is not y for x, y in zip(a.node_claims, b.node_claims[:n], strict=True)):
        return False
    before = {c.name for c in a.node_claims}
    added = b.node_claims[n:]
    if any(c.name in before or c.node_name or c.provider_id for c in added):
        return False
    src, dst = context_cache(old), context_cache(new)
    for key, value in src.items():
        # Built from the NodePools, DaemonSets, nodes and pods only (``unbound``: the
        # disruption simulation's unbound pod copies, disruption/simulation.py; ``pod-facts``:
        # the scheduler's per-pod facts, functions of the pod alone).
        if key in ("nodepool-templates", "pool-types", "unbound", "pod-facts") or (
                isinstance(key, tuple) and key[0] in ("templates", "bound")):
            dst.setdefault(key, value)
    for key, value in list(src.items()):
        if not (isinstance(key, tuple) and key[0] == "existing"):
            continue
        ds_key = key[1]
        if ds_key:
            continue  # extra DaemonSets: rebuilt cold (rare)
        notes: list[str] = []
        builder = ExistingNodes(new, dst, modelled_daemonsets(new), ds_key, notes)
        fresh = [builder.claim_base(c) for c in added if c.deletion_timestamp is None]
        for node in fresh:
            node.shared = True
        base = sorted([*value[0], *fresh], key=base_order)
        dst.setdefault(key, (base, (*value[1], *notes)))
        alive = src.get(("static-alive", ds_key))
        if alive is not None:
            dst.setdefault(("static-alive", ds_key), dict(alive))
            extra = src.get(("static-extra", ds_key), frozenset())
            dst.setdefault(("static-extra", ds_key),
                           extra | frozenset(n.name for n in fresh))
    return True
