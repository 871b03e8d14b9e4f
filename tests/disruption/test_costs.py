"""Eviction and disruption cost, as upstream computes them."""

from __future__ import annotations

from datetime import timedelta

from kubectl_karp.core.disruption.costs import disruption_cost, eviction_cost, lifetime_remaining
from kubectl_karp.model.objects import NodeClaim, NodePool, Pod
from tests.builders.cluster import NOW

COST = "controller.kubernetes.io/pod-deletion-cost"


def test_eviction_cost_defaults_to_one_and_is_clamped() -> None:
    assert eviction_cost(Pod("ns", "p")) == 1.0
    assert eviction_cost(Pod("ns", "p", annotations={COST: str(2**27)})) == 2.0
    assert eviction_cost(Pod("ns", "p", annotations={COST: "2147483647"})) == 10.0
    assert eviction_cost(Pod("ns", "p", annotations={COST: "-2147483647"})) == -10.0
    assert eviction_cost(Pod("ns", "p", annotations={COST: "oops"})) == 1.0
    assert eviction_cost(Pod("ns", "p", priority=2**25)) == 2.0


def test_lifetime_remaining_scales_the_cost() -> None:
    pool = NodePool("p", expire_after_seconds=100 * 3600)
    claim = NodeClaim("c", creation_timestamp=NOW - timedelta(hours=75))
    assert lifetime_remaining(pool, claim, NOW) == 0.25
    assert lifetime_remaining(NodePool("p", expire_after_seconds=None), claim, NOW) == 1.0
    old = NodeClaim("c", creation_timestamp=NOW - timedelta(hours=200))
    assert lifetime_remaining(pool, old, NOW) == 0.0
    pods = [Pod("ns", "a"), Pod("ns", "b")]
    assert disruption_cost(pods, pool, claim, NOW) == 0.5
