"""Pod predicates Karpenter's disruption controller asks, each with one home.

upstream: utils/pod/scheduling.go IsActive, IsReschedulable, IsDoNotDisruptActive (and
HasDoNotDisrupt before v1.12). The release a preview follows decides whether a
``karpenter.sh/do-not-disrupt`` duration counts; the caller passes that in (the model knows
nothing of releases).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from fractions import Fraction

from kubectl_karp.model.objects import ANNOTATION_DO_NOT_DISRUPT, Pod


def is_mirror(pod: Pod) -> bool:
    """A static pod's mirror (owned by its Node)."""
    ref = pod.controller
    return ref is not None and ref.kind == "Node"


def is_active(pod: Pod) -> bool:
    """Neither finished nor being deleted."""
    return not pod.is_terminal and pod.deletion_timestamp is None


def is_reschedulable(pod: Pod) -> bool:
    """Pods Karpenter must find room for elsewhere when their node goes: active (or a
    terminating StatefulSet pod, whose replacement must wait for it), not a DaemonSet pod,
    not a mirror pod. upstream: pod.IsReschedulable"""
    if pod.is_terminal:
        return False
    ref = pod.controller
    kind = ref.kind if ref is not None else ""
    if kind in ("DaemonSet", "Node"):
        return False
    # active, or a terminating StatefulSet pod
    return pod.deletion_timestamp is None or kind == "StatefulSet"


# Go's time.ParseDuration: an optional sign, then one or more <number><unit>.
_GO_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNIT = {"ns": Fraction(1, 10**9), "us": Fraction(1, 10**6), "µs": Fraction(1, 10**6),
            "μs": Fraction(1, 10**6), "ms": Fraction(1, 1000), "s": Fraction(1),
            "m": Fraction(60), "h": Fraction(3600)}
_GO_MAX_NANOS = 2**63 - 1


def go_duration_seconds(text: str) -> Fraction | None:
    """``time.ParseDuration`` in seconds, or None where Go returns an error."""
    body = text[1:] if text[:1] in ("+", "-") else text
    sign = -1 if text[:1] == "-" else 1
    if body == "0":
        return Fraction(0)
    if not body:
        return None
    total = Fraction(0)
    pos = 0
    for match in _GO_PART.finditer(body):
        number = match[1]
        if match.start() != pos or number in ("", "."):
            return None
        total += Fraction(number if not number.endswith(".") else number[:-1] or "0") \
            * _GO_UNIT[match[2]]
        pos = match.end()
    if pos != len(body) or total * 10**9 > _GO_MAX_NANOS:
        return None  # Go: invalid, or overflows int64 nanoseconds
    return sign * total


def do_not_disrupt_active(pod: Pod, now: datetime, *, durations: bool) -> bool:
    """Whether ``karpenter.sh/do-not-disrupt`` protects the pod at ``now``.

    ``"true"`` always protects. With ``durations`` (Karpenter v1.12+, #2874) a positive Go
    duration (``"1h"``) protects the pod for that long after ``status.startTime`` — and
    indefinitely while the start time is unknown; any other value is ignored (upstream emits
    an event and treats the annotation as absent). Before v1.12 only ``"true"`` counts.
    upstream: pod.IsDoNotDisruptActive / pod.HasDoNotDisrupt
    """
    value = pod.annotations.get(ANNOTATION_DO_NOT_DISRUPT)
    if value is None:
        return False
    if value == "true":
        return True
    if not durations:
        return False
    seconds = go_duration_seconds(value)
    if seconds is None or seconds <= 0:
        return False
    if pod.start_time is None:
        return True
    return now - pod.start_time < timedelta(seconds=float(seconds))


def do_not_disrupt_until(pod: Pod, *, durations: bool) -> datetime | None:
    """When a duration-valued annotation stops protecting the pod (None when it is not a
    duration, or the start time is unknown)."""
    value = pod.annotations.get(ANNOTATION_DO_NOT_DISRUPT)
    if not durations or value is None or value == "true" or pod.start_time is None:
        return None
    seconds = go_duration_seconds(value)
    if seconds is None or seconds <= 0:
        return None
    return pod.start_time + timedelta(seconds=float(seconds))
