"""Catalogue resolution for live TKE clusters: the API (via the real SDK), or a fallback."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import pytest
from pytest_httpserver import HTTPServer

from kubectl_karp.cli.app import run
from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.cloud import tencent_client
from kubectl_karp.render import views
from kubectl_karp.sources.catalogs import load_context
from kubectl_karp.sources.demo import demo_documents, load_demo
from tests.builders.generated import NO_VERSION_NOTE
from tests.cloud.conftest import SECRET_KEY, FakeCloud, error
from tests.emulator import KubeEmulator

NOW = datetime(2026, 1, 12, 10, 0, tzinfo=timezone.utc)


def test_live_cluster_with_tke_nodepools_uses_the_api(cloud: FakeCloud) -> None:
    # A live cluster: not --demo/--snapshot; the snapshot is handed over already read.
    ctx = load_context(ClusterOptions(), load_demo())
    assert cloud.actions()[0] == "DescribeZoneInstanceConfigInfos"  # TKE 2022-05-01
    assert ctx.catalog_source.startswith("Tencent Cloud API ap-guangzhou")  # region from nodes
    assert ctx.currency == "CNY"
    assert ctx.prices_known and not ctx.illustrative_prices
    npc = ctx.node_pool("test")
    assert npc is not None
    medium = {it.name: it for it in npc.instance_types}["S5.MEDIUM4"]
    assert medium.allocatable["cpu"] == 1930  # computed by the TKE provider
    assert medium.capacity["pods"] == 61_000  # the cluster's MaxNodePodNum 64 − 3
    assert cloud.actions()[4:] == ["DescribeClusters"]  # the ID from the node class tags
    assert not any("max pods" in note for note in ctx.notes)
    assert {o.zone for o in medium.offerings} == {"100003", "100004"}
    assert ctx.price_of("S5.MEDIUM4", "100003", "spot") == 0.05
    # the TUI's rows and totals carry the catalogue's currency: yuan, never a dollar sign
    rows = views.node_rows(ctx)
    priced = [r for r in rows if r.price is not None]
    assert priced and all(r.currency == "CNY" for r in priced)
    column = next(c for c in views.NODE_COLUMNS if c.key == "price")
    assert column.text(priced[0], NOW).startswith("¥")
    assert "¥" in views.totals_line(views.totals(rows)) and "$" not in views.totals_line(
        views.totals(rows))
    load_context(ClusterOptions(), load_demo())
    assert len(cloud.calls) == 5  # second command served from the disk cache
    load_context(ClusterOptions(refresh=True), load_demo())
    assert len(cloud.calls) == 10


def test_region_flag_beats_env_beats_nodes(cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    ctx = load_context(ClusterOptions(), load_demo())
    assert ctx.catalog_source.startswith("Tencent Cloud API ap-shanghai")
    ctx = load_context(ClusterOptions(region="ap-beijing"), load_demo())
    assert ctx.catalog_source.startswith("Tencent Cloud API ap-beijing")


def test_catalog_command_with_region_needs_no_cluster(
        cloud: FakeCloud, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "--region", "ap-guangzhou", "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["region"] == "ap-guangzhou" and "illustrativePrices" not in doc
    assert {t["name"] for t in doc["instanceTypes"]} == {"S5.MEDIUM4", "S5.LARGE8",
                                                         "SR1.MEDIUM4"}
    assert run(["catalog", "--region", "ap-guangzhou", "--capacity-type", "spot"]) == 0
    out = capsys.readouterr().out
    # yuan from the China site: never a dollar sign on them
    assert "S5.MEDIUM4" in out and "¥0.0500" in out and "S5.LARGE8" not in out
    assert "$" not in out
    assert doc["currency"] == "CNY"


def test_auth_failure_is_one_error_line(cloud: FakeCloud,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    cloud.script["DescribeZoneInstanceConfigInfos"] = [
        error("AuthFailure.SignatureFailure", "bad signature")]
    assert run(["catalog", "--region", "ap-guangzhou"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Tencent Cloud API DescribeZoneInstanceConfigInfos "
                          "(ap-guangzhou) refused the "
                          "credentials from environment TENCENTCLOUD_SECRET_ID")
    assert len(err.strip().splitlines()) == 1 and SECRET_KEY not in err


def test_without_credentials_falls_back_to_the_bundled_catalogue(
        cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> None:
    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID")
    monkeypatch.delenv("TENCENTCLOUD_SECRET_KEY")
    httpserver.expect_request("/meta/cam/security-credentials/").respond_with_data(
        "", status=404)
    monkeypatch.setenv(tencent_client.ENV_METADATA, httpserver.url_for("/meta/"))
    ctx = load_context(ClusterOptions(), load_demo())
    assert cloud.calls == []
    assert ctx.illustrative_prices
    assert any("no Tencent Cloud credentials" in n and "bundled" in n for n in ctx.notes)


def test_snapshots_never_call_the_api(cloud: FakeCloud) -> None:
    demo = Path(__file__).resolve().parents[2] / "kubectl_karp" / "data" / "demo"
    ctx = load_context(ClusterOptions(snapshot=str(demo)))
    assert cloud.calls == [] and not ctx.prices_known


def test_catalog_on_a_live_cluster_end_to_end(cloud: FakeCloud, k8s: KubeEmulator,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # The demo objects served by a Kubernetes API emulator; the real SDK asks the fake cloud.
    k8s.add_all(cast(dict[str, Any], d) for d, _ in demo_documents())
    assert run(["catalog", "--nodepool", "test", *k8s.cli_args]) == 0
    out, err = capsys.readouterr()
    assert cloud.actions()[0] == "DescribeZoneInstanceConfigInfos"
    assert "S5.MEDIUM4" in out and "¥0.2000" in out and "SR1.MEDIUM4" not in out
    assert "Tencent Cloud API ap-guangzhou" in err and "illustrative" not in err
    assert k8s.writes() == []


def test_live_snapshot_carries_the_api_catalogue(cloud: FakeCloud, k8s: KubeEmulator,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(cast(dict[str, Any], d) for d, _ in demo_documents())
    assert run(["snapshot", "-o", "json", *k8s.cli_args]) == 0
    out, err = capsys.readouterr()
    assert err == f"note: {NO_VERSION_NOTE}\n"  # the demo objects hold no controller
    *objects, catalog = json.loads(out)["items"]
    assert catalog["kind"] == "InstanceTypeCatalog"
    assert catalog["source"].startswith("Tencent Cloud API ap-guangzhou")
    assert "InstanceTypeCatalog" not in {o["kind"] for o in objects}
    saved = tmp_path / "cluster.json"
    saved.write_text(out, encoding="utf-8")
    calls = len(cloud.calls)
    run(["simulate", "--snapshot", str(saved), "-o", "json"])
    offline = json.loads(capsys.readouterr().out)
    assert len(cloud.calls) == calls  # offline: no API call
    run(["simulate", *k8s.cli_args, "-o", "json"])
    live = json.loads(capsys.readouterr().out)
    assert offline["nodeClaims"] == live["nodeClaims"] and live["nodeClaims"]
    assert all(c["pricePerHour"] is not None for c in offline["nodeClaims"])
    assert offline["currency"] == live["currency"] == "CNY"  # the saved catalogue keeps it
