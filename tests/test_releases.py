"""The release table's own logic: reverts (until) and patch-level backports."""

from __future__ import annotations

import pytest

from kubectl_karp.core import releases
from kubectl_karp.core.releases import SOURCE_FLAG, resolve_rules


@pytest.mark.parametrize(("version", "active"), [
    ("1.12", False), ("1.12.0", False), ("v1.12.1", True), ("1.13", True), ("1.14.1", True),
    ("1.11.2", False)])
def test_volume_alternatives_follow_the_v1_12_1_cherry_pick(version: str, active: bool) -> None:
    # kubernetes-sigs/karpenter: #2743 first tagged v1.13.0; cherry-picked as 10bf73d (v1.12.1).
    rules = resolve_rules(version, SOURCE_FLAG)
    assert rules.has(releases.VOLUME_TOPOLOGY_ALTERNATIVES) is active


@pytest.mark.parametrize(("version", "active"), [("1.10", False), ("1.11", True),
                                                 ("1.11.2", True), ("1.12", False)])
def test_nodepool_filtered_domains_live_only_in_v1_11(version: str, active: bool) -> None:
    # #2671 (v1.11.0) was reverted by #2957 (v1.12.0).
    assert resolve_rules(version, SOURCE_FLAG).has(releases.TOPOLOGY_DOMAINS_BY_NODEPOOL) is active


def test_every_row_names_its_area_and_summary() -> None:
    areas = {"scheduling", "disruption", "api", "events"}
    for row in releases.RULES:
        assert row.area in areas, row
        assert len(row.summary) > 20, row
