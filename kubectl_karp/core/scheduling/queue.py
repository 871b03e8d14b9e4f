"""The order pods are scheduled in, and when a run gives up (upstream: scheduling/queue.go
Queue — NewQueue sorts, Pop stops once a full pass over the queue placed nothing, Push
sends a pod that did not fit to the back)."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from kubectl_karp.core.scheduling.pods import PendingPod
from kubectl_karp.model.objects import Pod

_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)


def order_key(pod: Pod) -> tuple[int, int, datetime, str]:
    """Karpenter's queue order: CPU request descending, then memory descending, then creation
    time, then UID (queue.go byCPUAndMemoryDescending)."""
    created = pod.creation_timestamp or _EPOCH
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return (-pod.requests.get("cpu", 0), -pod.requests.get("memory", 0), created,
            pod.uid or pod.key)


class Queue:
    __slots__ = ("_last_len", "_pods")

    def __init__(self, pods: Sequence[PendingPod], keys: Sequence[Any] | None = None) -> None:
        """``keys``: each pod's :func:`order_key`, in the order of ``pods``, when the caller
        has them already (the same stable sort on the same keys: the same queue)."""
        if keys is None:
            self._pods = deque(sorted(pods, key=lambda p: order_key(p.pod)))
        else:
            order = sorted(range(len(pods)), key=keys.__getitem__)
            self._pods = deque([pods[i] for i in order])
        self._last_len: dict[str, int] = {}  # uid → queue length when it was pushed back

    def pop(self) -> PendingPod | None:
        """The next pod, or None when the queue is empty or a full pass over it made no
        progress (the pod at the front was pushed back at this very length)."""
        if not self._pods:
            return None
        pp = self._pods[0]
        if self._last_len and self._last_len.get(pp.uid) == len(self._pods):
            return None
        return self._pods.popleft()

    def push(self, pp: PendingPod) -> None:
        self._pods.append(pp)
        self._last_len[pp.uid] = len(self._pods)
