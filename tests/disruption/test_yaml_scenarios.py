"""Scenarios written as YAML cluster documents (parsed like a saved snapshot) with expected
decisions at one or more evaluation times."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.core.context import build_context
from kubectl_karp.core.disruption import plan_consolidation
from kubectl_karp.core.releases import SOURCE_FLAG, resolve_rules
from kubectl_karp.model.parse import build_snapshot

HERE = Path(__file__).parent / "scenarios"
FILES = sorted(HERE.glob("*.yaml"))


def _cases() -> list[Any]:
    out = []
    for path in FILES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            cluster = spec["cluster"]
            if spec.get("karpenterVersion"):
                cluster = [*cluster, {"karpenterVersion": spec["karpenterVersion"]}]
            suffix = f"@{case['karpenterVersion']}" if case.get("karpenterVersion") else ""
            out.append(pytest.param(cluster, case, id=f"{path.stem}@{case['now']}{suffix}"))
    return out


def cluster_version(cluster: list[dict[str, Any]]) -> str | None:
    return next((d["karpenterVersion"] for d in cluster if "karpenterVersion" in d), None)


@pytest.mark.parametrize(("cluster", "case"), _cases())
def test_yaml_scenario(cluster: list[dict[str, Any]], case: dict[str, Any]) -> None:
    docs = [doc for doc in cluster if "karpenterVersion" not in doc]
    snapshot = build_snapshot([(doc, "scenario") for doc in docs], source="scenario")
    # karpenterVersion (file or case): follow that release's rules; default the newest.
    version = case.get("karpenterVersion") or cluster_version(cluster)
    ctx = build_context(snapshot, rules=resolve_rules(version, SOURCE_FLAG) if version else None)
    now = datetime.fromisoformat(case["now"].replace("Z", "+00:00"))
    plan = plan_consolidation(ctx, now)
    assert [[a.type, a.method, list(a.nodes)] for a in plan.actions] == case["actions"]
    blocked = {n.node: [r.code for r in n.blocks] for n in plan.blocked}
    assert blocked == case["blocked"]
    for pool, expected in case.get("nextOpen", {}).items():
        budget = next(b for b in plan.budgets if b.node_pool == pool)
        assert (budget.next_open.isoformat() if budget.next_open else None) == expected


def test_there_are_yaml_scenarios() -> None:
    assert len(FILES) >= 2
