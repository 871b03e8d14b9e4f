"""The pure row models, checked as tables."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.render import views
from kubectl_karp.sources.catalogs import bundled_catalogs
from kubectl_karp.sources.demo import demo_documents

from .conftest import NOW


def table(rows, columns):  # type: ignore[no-untyped-def]
    return [texts for _, texts in views.arrange(rows, columns, NOW)]


def test_node_rows_show_nodes_then_launching_claims(ctx: SchedulingContext) -> None:
    assert table(views.node_rows(ctx), views.NODE_COLUMNS) == [
        ("10.0.0.1", "default", "S5.MEDIUM4", "ap-guangzhou-3", "on-demand", "$0.1000",
         "██▌░░░░░░░  25%", "███▎░░░░░░  33%", "1", "3d2h", "drifted", "-"),
        ("10.0.0.2", "default", "S5.LARGE8", "ap-guangzhou-3", "on-demand", "$0.2000",
         "█▎░░░░░░░░  12%", "█▍░░░░░░░░  14%", "1", "3h", "cordoned", "-"),
        ("10.0.0.9", "-", "S5.MEDIUM4", "ap-guangzhou-3", "-", "$0.1000",
         "░░░░░░░░░░   0%", "░░░░░░░░░░   0%", "0", "53d", "ready", "-"),
        ("default-klmno", "default", "S5.LARGE8", "ap-guangzhou-3", "on-demand", "$0.2000",
         "░░░░░░░░░░    -", "░░░░░░░░░░    -", "0", "2m", "launching", "-"),
    ]


def test_totals_count_requests_against_allocatable_and_cost(ctx: SchedulingContext) -> None:
    rows = views.node_rows(ctx)
    t = views.totals(rows, pending_pods=3)
    assert (t.nodes, t.launching, t.cpu_requested, t.cpu_allocatable, t.pods) == \
        (3, 1, 1000, 7780, 2)
    assert t.memory_requested == 2 * 2**30 * 1000
    assert views.totals_line(t) == (
        "Nodes 3 (+1 launching)   CPU 1/7.78 (12%)   Memory 2Gi/13Gi (15%)   Pods 2   "
        "Pending 3   Cost $0.600/h  $438/month")


def test_node_claim_rows_link_claims_to_nodes(ctx: SchedulingContext) -> None:
    assert [(t[0], t[5], t[6], t[8]) for t in table(views.node_claim_rows(ctx),
                                                     views.NODE_CLAIM_COLUMNS)] == [
        ("default-abcde", "10.0.0.1", "Launched Registered Initialized Drifted", "drifted"),
        ("default-fghij", "10.0.0.2", "Launched Registered Initialized", "cordoned"),
        ("default-klmno", "-", "-", "launching"),
    ]


def test_node_pool_rows_roll_up_capacity_limits_cost_and_budget(ctx: SchedulingContext
                                                                 ) -> None:
    rows = views.node_pool_rows(ctx, views.node_rows(ctx), NOW)
    assert table(rows, views.NODE_POOL_COLUMNS) == [
        ("default", "10", "2+1", "10/64", "20Gi/256Gi", "$0.5000", "1",
         "WhenEmptyOrUnderutilized after 5m", "True"),
        ("gpu", "0", "0", "0/∞", "0Gi/∞", "$0.0000", "0", "WhenEmpty after Never", "True"),
    ]


def test_pending_groups_by_owner_and_requests(ctx: SchedulingContext) -> None:
    assert table(views.pending_rows(ctx), views.PENDING_COLUMNS) == [
        ("jobs", "job/batch", "2", "3", "4Gi", "10m", "…", "-"),
        ("ml", "pod/trainer", "1", "64", "512Gi", "60m", "…", "-"),
    ]


def test_arrange_filters_on_every_word_and_sorts_stably(ctx: SchedulingContext) -> None:
    rows = views.node_rows(ctx)
    names = [t[0] for _, t in views.arrange(rows, views.NODE_COLUMNS, NOW, query="LARGE8")]
    assert names == ["10.0.0.2", "default-klmno"]
    names = [t[0] for _, t in views.arrange(rows, views.NODE_COLUMNS, NOW,
                                            query="large8 cordoned")]
    assert names == ["10.0.0.2"]
    by_cpu = [t[0] for _, t in views.arrange(rows, views.NODE_COLUMNS, NOW, sort_by="cpu",
                                             reverse=True)]
    assert by_cpu == ["default-klmno", "10.0.0.1", "10.0.0.2", "10.0.0.9"]
    by_age = [t[0] for _, t in views.arrange(rows, views.NODE_COLUMNS, NOW, sort_by="age")]
    assert by_age == ["default-klmno", "10.0.0.2", "10.0.0.1", "10.0.0.9"]


def test_format_age_follows_kubectl() -> None:
    cases = {45: "45s", 150: "2m30s", 600: "10m", 3 * 3600 + 60: "3h1m", 20 * 3600: "20h",
             3 * 86400 + 7200: "3d2h", 40 * 86400: "40d", 800 * 86400: "2y70d"}
    for seconds, text in cases.items():
        assert views.format_age(NOW - timedelta(seconds=seconds), NOW) == text
    assert views.format_age(None, NOW) == "-"
    assert views.format_age(datetime(2030, 1, 1, tzinfo=timezone.utc), NOW) == "0s"


def test_bar_and_units() -> None:
    assert views.bar(0, 0) == "░░░░░░░░░░    -"
    assert views.bar(1, 1) == "██████████ 100%"
    assert views.bar(3, 1) == "██████████ 300%"
    assert views.cpu_text(7780) == "7.78" and views.cpu_text(2000) == "2"
    assert views.memory_text(512 * 2**20 * 1000) == "512Mi"
    assert views.memory_text(3 * 2**29 * 1000) == "1.5Gi"


@pytest.mark.parametrize(("variant", "ready"), [
    ("unknown-kind", "False: NodeClassNotFound"),
    ("missing", "False: NodeClassNotFound"),
    ("not-ready", "False: NodeClassNotReady"),
])
def test_node_pool_rows_show_a_broken_node_class(variant: str, ready: str) -> None:
    docs: list[Any] = []
    for doc, origin in demo_documents():
        doc = copy.deepcopy(doc)
        if not isinstance(doc, dict):
            continue
        if variant == "unknown-kind" and doc["kind"] == "NodePool":
            doc["spec"]["template"]["spec"]["nodeClassRef"] = {
                "group": "example.com", "kind": "FooNodeClass", "name": "default"}
        if variant == "missing" and doc["kind"] == "TKEMachineNodeClass":
            continue
        if variant == "not-ready" and doc["kind"] == "TKEMachineNodeClass":
            doc["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
        docs.append((doc, origin))
    broken = build_context(build_snapshot(docs, source="test"), bundled_catalogs("tke"))
    [row] = views.node_pool_rows(broken, views.node_rows(broken), NOW)
    assert row.ready == ready
    assert table([row], views.NODE_POOL_COLUMNS)[0][-1] == ready
