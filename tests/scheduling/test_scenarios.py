"""Fidelity suite: Karpenter scheduling behaviours, one YAML scenario each."""

from __future__ import annotations

import pytest

from tests.scheduling.runner import SCENARIOS, check, load, run

NAMES = sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def test_enough_scenarios() -> None:
    assert len(NAMES) >= 40


@pytest.mark.parametrize("name", NAMES)
def test_scenario(name: str) -> None:
    scenario = load(name)
    check(run(scenario), scenario["expect"])
