"""Every release-keyed rule (core/releases.py RULES) has a test that asserts its answers under
two releases — so a new row cannot land without one. Each entry names where that test is; the
check below makes sure the file exists and pins releases explicitly."""

from __future__ import annotations

import re
from pathlib import Path

from kubectl_karp.core.releases import RULES

TESTS = Path(__file__).parent
SCHED = "scheduling/scenarios"
RULE_TESTS = {
    # v1.8 is the oldest supported release: no earlier one to differ from.
    "static-nodepools": "disruption/scenarios/static-nodepool-drift.yaml",
    "nodepool-limits-nodes": f"{SCHED}/84-limit-nodes.yaml",
    "do-not-disrupt-grace-period": "disruption/scenarios/do-not-disrupt-grace.yaml",
    "volume-topology-alternatives": f"{SCHED}/87-pv-zone-terms-are-alternatives.yaml",
    "volume-requirements-outside-topology": f"{SCHED}/99-volume-zone-does-not-shrink-spread.yaml",
    "deleting-persistent-volume-unusable": f"{SCHED}/93-deleting-pv-not-provisioned.yaml",
    "topology-domains-filtered-by-nodepool":
        f"{SCHED}/100-spread-domains-filtered-by-nodepool.yaml",
    "capacity-buffers": f"{SCHED}/112-capacity-buffer-named-not-simulated.yaml",
    "node-readiness-taints-ignored": f"{SCHED}/203-node-readiness-taint.yaml",
    "hostports-per-nodeclaim": f"{SCHED}/265-hostports-shared-before-v1-13.yaml",
    "consolidate-after-on-destinations": "disruption/test_upstream_disruption.py",
    "daemonset-per-instance-type": f"{SCHED}/219-daemonset-per-instance-type.yaml",
    "pod-status-resources": f"{SCHED}/266-resize-status-resources.yaml",
    "balanced-consolidation-policy": "disruption/test_upstream_disruption.py",
    "eks-allocatable-eviction-hard-only": "providers/test_cloud_providers.py",
    "empty-by-eviction-cost": "disruption/test_upstream_pods_and_budgets.py",
    "candidates-by-savings-ratio": "disruption/test_upstream_pods_and_budgets.py",
    "consolidation-candidate-events": "verify/test_messages.py",
    "when-empty-not-empty-event-wording": "verify/test_messages.py",
    "capacity-buffer-events": "verify/test_messages.py",
}
_RELEASE = re.compile(r"""(?:["'=]|version[=:]\s*["']?|resolve_rules\(")1\.(\d+)""")


def test_every_rule_names_its_two_release_test() -> None:
    assert set(RULE_TESTS) == {r.name for r in RULES}


def test_each_named_test_pins_at_least_two_releases() -> None:
    for name, path in RULE_TESTS.items():
        text = (TESTS / path).read_text(encoding="utf-8")
        releases = set(_RELEASE.findall(text))
        wanted = 1 if name == "static-nodepools" else 2
        assert len(releases) >= wanted, f"{name}: {path} pins releases {sorted(releases)}"
