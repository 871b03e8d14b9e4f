"""``d`` and ``y`` in the TUI: an object described (kubectl-describe style, with what Karpenter
reported about it) and its document as read.

Objects are named by the TUI's row keys: ``node/NAME`` or ``nodeclaim/NAME`` (view 1),
``NAME`` (NodeClaims, NodePools, consolidation), ``ns/name`` (pods). The document comes from
the snapshot's documents, the ones the source read (for a live cluster, the watch store's),
so nothing here needs the parsed objects to keep their documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubectl_karp.core.diagnosis.text import workload
from kubectl_karp.model.durations import format_duration
from kubectl_karp.model.events import KarpenterEvent
from kubectl_karp.model.objects import Condition, Node, NodeClaim, NodePool, Pod
from kubectl_karp.model.quantity import format_memory
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.render.views.columns import cpu_text, format_age


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Which object a row is: its kind, namespace ("" cluster-scoped) and name."""

    kind: str  # Node | NodeClaim | NodePool | Pod
    namespace: str
    name: str

    @property
    def title(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


# The TUI's views (and the node drill-down's pod list, "node") → the kind of their rows.
_VIEW_KINDS = {"nodeclaims": "NodeClaim", "nodepools": "NodePool", "consolidation": "Node",
               "pending": "Pod", "node": "Pod"}


def object_ref(view: str, key: str) -> ObjectRef | None:
    """The object behind a row of ``view`` (None for a view without objects)."""
    if view == "nodes":
        kind, _, name = key.partition("/")
        return ObjectRef("NodeClaim" if kind == "nodeclaim" else "Node", "", name)
    kind = _VIEW_KINDS.get(view, "")
    if not kind:
        return None
    if kind == "Pod":
        namespace, _, name = key.partition("/")
        return ObjectRef(kind, namespace, name)
    return ObjectRef(kind, "", key)


def find(snapshot: ClusterSnapshot, ref: ObjectRef) -> Node | NodeClaim | NodePool | Pod | None:
    """The parsed object, or None when it is no longer in the snapshot."""
    objects: Iterable[NodeClaim | NodePool | Pod]
    if ref.kind == "Node":
        return snapshot.node_by_name.get(ref.name)
    if ref.kind == "NodeClaim":
        objects = snapshot.node_claims
    elif ref.kind == "NodePool":
        objects = snapshot.node_pools
    else:
        objects = snapshot.pods
    return next((o for o in objects if o.name == ref.name
                 and getattr(o, "namespace", "") == ref.namespace), None)


def document(snapshot: ClusterSnapshot, ref: ObjectRef) -> Mapping[str, Any] | None:
    """The object's document as the source read it (None when the snapshot has none)."""
    for doc in snapshot.documents:
        if doc.get("kind") != ref.kind:
            continue
        meta = doc.get("metadata")
        if (isinstance(meta, Mapping) and meta.get("name") == ref.name
                and (meta.get("namespace") or "") == ref.namespace):
            return doc
    return None


def events_about(snapshot: ClusterSnapshot, refs: Sequence[ObjectRef]
                 ) -> list[KarpenterEvent]:
    """Karpenter's events about any of ``refs``, oldest first (as kubectl describe lists)."""
    wanted = {(r.kind, r.namespace if r.kind == "Pod" else "", r.name) for r in refs}
    found = [e for e in snapshot.events if (e.kind, e.namespace, e.name) in wanted]
    return sorted(found, key=lambda e: (e.time is None, e.time or datetime.min))


def describe(snapshot: ClusterSnapshot, ref: ObjectRef, now: datetime) -> str | None:
    """kubectl-describe-style text of the object and its Karpenter events; None if gone."""
    obj = find(snapshot, ref)
    if obj is None:
        return None
    lines: list[tuple[str, str]] = [("Name", ref.name)]
    if ref.namespace:
        lines.append(("Namespace", ref.namespace))
    lines.append(("Kind", ref.kind))
    refs = [ref]
    if isinstance(obj, Pod):
        lines += _pod(obj)
    elif isinstance(obj, Node):
        claim = snapshot.node_claim_for(obj)
        lines += _node(obj, claim)
        if claim is not None:
            refs.append(ObjectRef("NodeClaim", "", claim.name))
    elif isinstance(obj, NodeClaim):
        lines += _claim(obj)
        if obj.node_name:
            refs.append(ObjectRef("Node", "", obj.node_name))
    else:
        lines += _pool(obj)
    lines.append(("Created", _age(obj.creation_timestamp, now)))
    if obj.deletion_timestamp is not None:
        lines.append(("Deleting since", _age(obj.deletion_timestamp, now)))
    width = max(len(label) for label, _ in lines) + 2
    out = [f"{label + ':':<{width}}{value}" for label, value in lines]
    out += _labels("Labels", obj.template_labels if isinstance(obj, NodePool) else obj.labels,
                   width)
    out.append("")
    out += _events(events_about(snapshot, refs), now)
    return "\n".join(out) + "\n"


def _age(when: datetime | None, now: datetime) -> str:
    return "-" if when is None else f"{when.isoformat()} ({format_age(when, now)} ago)"


def _requests(resources: Mapping[str, int]) -> str:
    parts = []
    for name, value in sorted(resources.items()):
        if name == "cpu":
            parts.append(f"cpu {cpu_text(value)}")
        elif name == "memory" or name == "ephemeral-storage" or name.startswith("hugepages-"):
            parts.append(f"{name} {format_memory(value)}")
        elif name != "pods":
            parts.append(f"{name} {value // 1000 if value % 1000 == 0 else value / 1000}")
    return ", ".join(parts) or "-"


def _conditions(conditions: Sequence[Condition]) -> str:
    return " ".join(f"{c.type}={c.status}" for c in conditions) or "-"


def _pod(pod: Pod) -> list[tuple[str, str]]:
    return [("Controlled by", workload(pod) if pod.controller else "-"),
            ("Node", pod.node_name or "- (pending)"), ("Phase", pod.phase),
            ("Requests", _requests(pod.requests)),
            ("Priority", str(pod.priority)), ("Conditions", _conditions(pod.conditions))]


def _node(node: Node, claim: NodeClaim | None) -> list[tuple[str, str]]:
    return [("NodePool", node.node_pool or "-"), ("NodeClaim", claim.name if claim else "-"),
            ("Instance type", node.instance_type or "-"), ("Zone", node.zone or "-"),
            ("Capacity type", node.capacity_type or "-"),
            ("ProviderID", node.provider_id or "-"),
            ("Unschedulable", "true" if node.unschedulable else "false"),
            ("Taints", ", ".join(str(t) for t in node.taints) or "none"),
            ("Allocatable", _requests(node.allocatable)),
            ("Conditions", _conditions(node.conditions))]


def _claim(claim: NodeClaim) -> list[tuple[str, str]]:
    return [("NodePool", claim.node_pool or "-"), ("Node", claim.node_name or "- (launching)"),
            ("ProviderID", claim.provider_id or "-"),
            ("Instance type", claim.labels.get("node.kubernetes.io/instance-type", "-")),
            ("Requests", _requests(claim.requests)),
            ("Conditions", _conditions(claim.conditions))]


def _pool(pool: NodePool) -> list[tuple[str, str]]:
    after = pool.consolidate_after_seconds
    return [("Weight", str(pool.weight)),
            ("Consolidation", pool.consolidation_policy + (
                "" if after == 0 else " after Never" if after is None
                else f" after {format_duration(after)}")),
            ("Limits", _requests(pool.limits) if pool.limits else "none"),
            ("Budgets", "; ".join(f"{b.nodes}" + (f" ({', '.join(b.reasons)})"
                                                  if b.reasons else "")
                                  for b in pool.budgets) or "-"),
            ("Conditions", _conditions(pool.conditions))]


def _labels(title: str, labels: Mapping[str, str], width: int) -> list[str]:
    if not labels:
        return [f"{title + ':':<{width}}<none>"]
    items = [f"{k}={v}" for k, v in sorted(labels.items())]
    return [f"{title + ':':<{width}}{items[0]}", *(" " * width + item for item in items[1:])]


def _events(events: Sequence[KarpenterEvent], now: datetime) -> list[str]:
    if not events:
        return ["Events (Karpenter):  <none>"]
    rows = [(e.type, e.reason, format_age(e.time, now) + (f" (x{e.count})" if e.count > 1
                                                          else ""),
             f"{e.kind}/{e.name}", e.message) for e in events]
    titles = ("TYPE", "REASON", "AGE", "ABOUT", "MESSAGE")
    widths = [max(len(titles[i]), *(len(r[i]) for r in rows)) for i in range(4)]

    def line(cells: Sequence[str]) -> str:
        return "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) \
            + "  " + cells[4]

    return ["Events (Karpenter):", line(titles), *(line(r) for r in rows)]
