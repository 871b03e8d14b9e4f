"""The pod predicates with one home (model/predicates.py): reschedulable, and whether
karpenter.sh/do-not-disrupt protects a pod (upstream utils/pod/scheduling.go)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from kubectl_karp.model.objects import OwnerRef, Pod
from kubectl_karp.model.predicates import (
    do_not_disrupt_active,
    go_duration_seconds,
    is_reschedulable,
)

NOW = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)
DND = "karpenter.sh/do-not-disrupt"


def _pod(value: str | None = None, started: datetime | None = NOW - timedelta(minutes=5),
         **kw: object) -> Pod:
    annotations = {DND: value} if value is not None else {}
    return Pod(namespace="ns", name="p", annotations=annotations, start_time=started,
               node_name="n1", phase="Running", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "seconds"), [
    ("1h", 3600), ("1h30m", 5400), ("90s", 90), (".5h", 1800), ("1.h", 3600),
    ("1500ms", Fraction(3, 2)), ("0", 0), ("-1m", -60), ("+2m", 120),
])
def test_go_durations(text: str, seconds: float) -> None:
    assert go_duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "1", "1d", "true", ".h", "1h ", "3000000h"])
def test_not_go_durations(text: str) -> None:
    assert go_duration_seconds(text) is None


@pytest.mark.parametrize(("value", "durations", "active"), [
    ("true", False, True), ("true", True, True),
    ("10m", True, True),    # started 5 minutes ago: still inside the grace period
    ("5m", True, False),    # exactly 5 minutes: over (age < duration is required)
    ("1m", True, False),
    ("10m", False, False),  # before v1.12 only "true" counts
    ("True", True, False), ("0s", True, False), ("-5m", True, False), ("soon", True, False),
    (None, True, False),
])
def test_do_not_disrupt_active(value: str | None, durations: bool, active: bool) -> None:
    assert do_not_disrupt_active(_pod(value), NOW, durations=durations) is active


def test_unknown_start_time_fails_safe() -> None:
    assert do_not_disrupt_active(_pod("1m", started=None), NOW, durations=True)


@pytest.mark.parametrize(("kind", "phase", "deleting", "expected"), [
    ("ReplicaSet", "Running", False, True),
    ("DaemonSet", "Running", False, False),
    ("Node", "Running", False, False),            # mirror pod
    ("ReplicaSet", "Succeeded", False, False),
    ("ReplicaSet", "Running", True, False),       # terminating
    ("StatefulSet", "Running", True, True),       # terminating StatefulSet pods still count
    ("StatefulSet", "Failed", True, False),
    (None, "Running", False, True),               # a bare pod
])
def test_is_reschedulable(kind: str | None, phase: str, deleting: bool, expected: bool) -> None:
    owners = (OwnerRef(kind=kind, name="o", controller=True),) if kind else ()
    pod = Pod(namespace="ns", name="p", owner_refs=owners, phase=phase, node_name="n1",
              deletion_timestamp=NOW if deleting else None)
    assert is_reschedulable(pod) is expected
