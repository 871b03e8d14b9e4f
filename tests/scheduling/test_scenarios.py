"""Fidelity suite: Karpenter scheduling behaviours, one YAML scenario each."""

from __future__ import annotations

import pytest

from tests.scheduling.runner import SCENARIOS, check, load, run

NAMES = sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def test_enough_scenarios() -> None:
    assert len(NAMES) >= 40


def _cases() -> list[object]:
    """One case per scenario, or one per release for scenarios with ``versions``."""
    cases: list[object] = []
    for name in NAMES:
        scenario = load(name)
        if "versions" in scenario:
            for version, expect in scenario["versions"].items():
                cases.append(pytest.param(name, str(version), expect, id=f"{name}@{version}"))
        else:
            cases.append(pytest.param(name, None, scenario["expect"], id=name))
    return cases


@pytest.mark.parametrize(("name", "version", "expect"), _cases())
def test_scenario(name: str, version: str | None, expect: dict[str, object]) -> None:
    scenario = load(name)
    if version is not None:
        scenario["karpenterVersion"] = version
    check(run(scenario), expect)
