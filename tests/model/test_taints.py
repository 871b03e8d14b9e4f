"""Taints and tolerations as Karpenter's ToleratesPod judges them."""

from __future__ import annotations

import pytest

from kubectl_karp.model.objects import NodePool, Taint, Toleration
from kubectl_karp.model.taints import (
    TOLERATE_PREFER_NO_SCHEDULE,
    prefer_no_schedule_relaxation,
    tolerates,
    tolerates_all,
    untolerated,
    with_prefer_no_schedule,
)

GPU = Taint("nvidia.com/gpu", "NoSchedule", "true")
SPOT = Taint("example.com/spot", "PreferNoSchedule")
DRAIN = Taint("example.com/drain", "NoExecute", "now")


@pytest.mark.parametrize(("toleration", "taint", "expected"), [
    (Toleration("nvidia.com/gpu", "Equal", "true", "NoSchedule"), GPU, True),
    (Toleration("nvidia.com/gpu", "Equal", "false", "NoSchedule"), GPU, False),
    (Toleration("nvidia.com/gpu", "", "true", "NoSchedule"), GPU, True),  # "" means Equal
    (Toleration("nvidia.com/gpu", "Exists", "", "NoSchedule"), GPU, True),
    (Toleration("nvidia.com/gpu", "Exists"), GPU, True),  # empty effect: every effect
    (Toleration("nvidia.com/gpu", "Exists", "", "NoExecute"), GPU, False),
    (Toleration("other", "Exists"), GPU, False),
    (Toleration("", "Exists"), GPU, True),  # empty key + Exists: everything
    (Toleration("", "Exists"), DRAIN, True),
    (Toleration("", "Exists", "", "PreferNoSchedule"), SPOT, True),
    (Toleration("", "Exists", "", "PreferNoSchedule"), GPU, False),
    (Toleration("", "Equal", "true"), GPU, True),  # empty key, Equal: value decides
    (Toleration("", "Equal", "x"), GPU, False),
    (Toleration("example.com/drain", "Equal", "now", "NoExecute", 30), DRAIN, True),
    (Toleration("example.com/level", "Gt", "5"), Taint("example.com/level", "NoSchedule", "7"),
     True),
    (Toleration("example.com/level", "Gt", "9"), Taint("example.com/level", "NoSchedule", "7"),
     False),
    (Toleration("example.com/level", "Lt", "9"), Taint("example.com/level", "NoSchedule", "7"),
     True),
    (Toleration("example.com/level", "Lt", "9"), Taint("example.com/level", "NoSchedule", "x"),
     False),
    (Toleration("example.com/level", "Gt", "05"), Taint("example.com/level", "NoSchedule", "7"),
     False),  # non-canonical integers are not compared
    (Toleration("example.com/level", "Lt", "-1"), Taint("example.com/level", "NoSchedule", "-2"),
     True),
    (Toleration("nvidia.com/gpu", "Bogus", "true"), GPU, False),
])
def test_tolerates(toleration: Toleration, taint: Taint, expected: bool) -> None:
    assert tolerates(toleration, taint) is expected


def test_prefer_no_schedule_blocks_until_relaxed() -> None:
    # Unlike kube-scheduler, Karpenter treats PreferNoSchedule as blocking.
    assert untolerated([SPOT], []) == (SPOT,)
    assert untolerated([SPOT], [TOLERATE_PREFER_NO_SCHEDULE]) == ()
    assert untolerated([GPU, SPOT], [TOLERATE_PREFER_NO_SCHEDULE]) == (GPU,)


def test_no_execute_blocks_and_order_is_kept() -> None:
    tolerations = [Toleration("nvidia.com/gpu", "Exists")]
    assert untolerated([DRAIN, GPU, SPOT], tolerations) == (DRAIN, SPOT)
    assert not tolerates_all([DRAIN, GPU], tolerations)
    assert tolerates_all([GPU], tolerations)
    assert tolerates_all([], [])
    assert untolerated([GPU, DRAIN, SPOT], [Toleration(operator="Exists")]) == ()


def test_relaxation_switch_and_toleration() -> None:
    plain = NodePool("default")
    soft = NodePool("soft", taints=(SPOT,))
    assert not prefer_no_schedule_relaxation([plain])
    assert prefer_no_schedule_relaxation([plain, soft])
    assert Toleration("", "Exists", "", "PreferNoSchedule") == TOLERATE_PREFER_NO_SCHEDULE
    base = (Toleration("nvidia.com/gpu", "Exists"),)
    relaxed = with_prefer_no_schedule(base)
    assert relaxed == (*base, TOLERATE_PREFER_NO_SCHEDULE)
    assert with_prefer_no_schedule(relaxed) is relaxed
    # Upstream only recognises an identical toleration; a broader one still gets the extra.
    broad = (Toleration("", "Exists"),)
    assert with_prefer_no_schedule(broad) == (*broad, TOLERATE_PREFER_NO_SCHEDULE)


def test_taint_str() -> None:
    assert str(GPU) == "nvidia.com/gpu=true:NoSchedule"
    assert str(SPOT) == "example.com/spot:PreferNoSchedule"
