"""Karpenter's own events: what the controller last said about a pod, node, NodeClaim or NodePool.

Karpenter records events through client-go's recorder, so they reach the API as core/v1 Events
(``source.component: karpenter``) and, read through events.k8s.io/v1, carry
``reportingController: karpenter`` or ``deprecatedSource.component: karpenter``. Both forms are
read here (``kubectl get events -A -o yaml`` output works in a snapshot); events of other
controllers are not Karpenter's word and are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubectl_karp.errors import InputError

KARPENTER_COMPONENT = "karpenter"
# The objects whose events the tool compares with its own answers.
EVENT_KINDS = frozenset({"Pod", "Node", "NodeClaim", "NodePool"})


@dataclass(frozen=True, slots=True)
class KarpenterEvent:
    """One event Karpenter reported (the newest observation of it)."""

    kind: str  # of the object it is about: Pod, Node, NodeClaim, NodePool
    namespace: str  # "" for cluster-scoped objects
    name: str
    reason: str  # FailedScheduling, Nominated, DisruptionBlocked, Unconsolidatable, …
    message: str
    type: str = "Normal"  # Normal | Warning
    time: datetime | None = None  # when it was last seen
    count: int = 1
    uid: str = ""  # of the object it is about

    @property
    def key(self) -> str:
        """``ns/name`` for namespaced objects, ``name`` otherwise."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _reporter(doc: Mapping[str, Any]) -> str:
    for field in ("reportingController", "reportingComponent"):
        if _text(doc.get(field)):
            return _text(doc.get(field))
    for field in ("deprecatedSource", "source"):
        source = doc.get(field)
        if isinstance(source, Mapping) and _text(source.get("component")):
            return _text(source.get("component"))
    return ""


def is_karpenter_event(doc: Mapping[str, Any]) -> bool:
    return _reporter(doc) == KARPENTER_COMPONENT


def _latest(doc: Mapping[str, Any], where: str) -> datetime | None:
    """The newest time the event says it was seen, in either API's fields."""
    # parse imports this module to read Event documents, so its time parser is fetched late.
    from kubectl_karp.model.parse import parse_time

    candidates = []
    series = doc.get("series")
    if isinstance(series, Mapping):
        candidates.append(series.get("lastObservedTime"))
    candidates += [doc.get("deprecatedLastTimestamp"), doc.get("lastTimestamp"),
                   doc.get("eventTime"), doc.get("deprecatedFirstTimestamp"),
                   doc.get("firstTimestamp")]
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping):
        candidates.append(metadata.get("creationTimestamp"))
    times = [parse_time(value, f"{where} time") for value in candidates
             if isinstance(value, str) and value]
    return max((t for t in times if t is not None), default=None)


def parse_event(doc: Mapping[str, Any], where: str) -> KarpenterEvent | None:
    """The event, or None when Karpenter did not report it or it is about another kind."""
    if not is_karpenter_event(doc):
        return None
    regarding = doc.get("regarding")
    if not isinstance(regarding, Mapping):
        regarding = doc.get("involvedObject")
    if not isinstance(regarding, Mapping):
        raise InputError("event has neither regarding nor involvedObject", where=where)
    kind = _text(regarding.get("kind"))
    name = _text(regarding.get("name"))
    if kind not in EVENT_KINDS or not name:
        return None
    message = _text(doc.get("note")) or _text(doc.get("message"))
    count = 1
    series = doc.get("series")
    raw_count = series.get("count") if isinstance(series, Mapping) else None
    if raw_count is None:
        raw_count = doc.get("deprecatedCount", doc.get("count"))
    if isinstance(raw_count, int) and not isinstance(raw_count, bool) and raw_count > 0:
        count = raw_count
    namespace = _text(regarding.get("namespace")) if kind == "Pod" else ""
    return KarpenterEvent(kind=kind, namespace=namespace, name=name,
                          reason=_text(doc.get("reason")), message=message,
                          type=_text(doc.get("type")) or "Normal",
                          time=_latest(doc, where), count=count,
                          uid=_text(regarding.get("uid")))
