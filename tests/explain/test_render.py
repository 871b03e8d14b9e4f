"""Human text fits 100 columns and marks fixes; the document follows the documented shape."""

from __future__ import annotations

import json

from kubectl_karp.core.explain import Explanation, explain
from kubectl_karp.core.scheduling.result import (
    Placement,
    PlannedNodeClaim,
    PodFailure,
    SimulationResult,
)
from kubectl_karp.render.explain import document, render_text
from kubectl_karp.render.output import Style, to_json
from tests.builders.documents import context, node, node_pool, pod, replicas


def _explanation() -> Explanation:
    ctx = context(node_pool("test", families=["S5"], limits={"cpu": "10"}),
                  node("a-very-long-node-name-that-keeps-going-10.0.1.12", cpu="2"),
                  replicas("trainer", 2, cpu="12"), pod("small", cpu="1"))
    claim = PlannedNodeClaim(node_pool="test", instance_type="S5.MEDIUM4", zone="100003",
                             zone_name="ap-guangzhou-3", capacity_type="on-demand",
                             price_per_hour=0.14, instance_type_options=("S5.MEDIUM4",),
                             pods=("default/small",))
    keys = [p.key for p in ctx.snapshot.pods if p.name.startswith("trainer")]
    result = SimulationResult(node_claims=(claim,),
                              placements={"default/small": Placement("default/small",
                                                                     node_claim_index=0)},
                              unschedulable=tuple(PodFailure(k, ()) for k in keys))
    return explain(ctx, result=result)


def test_text_fits_100_columns_and_shows_fixes() -> None:
    text = render_text(_explanation(), Style(False))
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    assert "\x1b[" not in text
    assert any(line.startswith("deployment/trainer (2 pods") and "stays Pending" in line
               for line in lines)
    assert any(line.strip().startswith("fix: ") for line in lines)
    assert "closest: S5.2XLARGE16" in text
    assert "default/small: new NodeClaim from NodePool test: S5.MEDIUM4 in ap-guangzhou-3" in text
    assert lines[-1] == "3 pod(s): 1 would be placed, 2 would stay Pending"


def test_colour_marks_fixes_distinctly() -> None:
    text = render_text(_explanation(), Style(True))
    assert "\x1b[36mfix: " in text  # cyan, distinct from the reason lines


def test_wide_adds_details_and_node_names() -> None:
    narrow = render_text(_explanation(), Style(False))
    wide = render_text(_explanation(), Style(False), wide=True)
    assert "nodes: a-very-long-node-name" in wide and "nodes: a-very-long" not in narrow
    assert len(wide) > len(narrow)


def test_document_shape() -> None:
    doc = json.loads(to_json(document(_explanation())))
    assert doc["kind"] == "Explanation"
    trainer, small = doc["pods"]
    assert trainer["count"] == 2 and trainer["schedulable"] is False
    assert trainer["placement"] is None
    assert trainer["existingNodes"][0]["code"] == "InsufficientResource"
    assert trainer["existingNodes"][0]["count"] == 1
    pool = trainer["nodePools"][0]
    assert pool["name"] == "test" and pool["accepted"] is False
    assert {r["code"] for r in pool["reasons"]} == {"NoInstanceTypeFits"}
    assert all(set(r) >= {"code", "message", "fix"} for r in pool["reasons"])
    assert pool["closestInstanceTypes"][0]["name"] == "S5.2XLARGE16"
    assert small["placement"] == {"nodePool": "test", "instanceType": "S5.MEDIUM4",
                                  "zone": "100003", "zoneName": "ap-guangzhou-3",
                                  "capacityType": "on-demand", "pricePerHour": 0.14}
    assert doc["summary"] == {"entries": 2, "pods": 3, "pending": 2}
