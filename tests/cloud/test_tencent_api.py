"""The real Tencent Cloud SDK against a local HTTP server, via KARP_TENCENTCLOUD_ENDPOINT."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from kubectl_karp.cloud import tencent, tencent_client
from kubectl_karp.errors import CloudError
from kubectl_karp.providers.tke.nodeclass import ClusterHints
from tests.cloud.conftest import SECRET_ID, SECRET_KEY, FakeCloud, error, quota

NOW = datetime(2026, 1, 12, 10, 0, tzinfo=timezone.utc)

def no_sleep(seconds: float) -> None:
    assert 0 < seconds <= 8


def load(**kwargs: Any) -> Any:
    return tencent.load_live_catalog("ap-guangzhou", now=NOW, sleep=no_sleep, **kwargs)


QUOTA_CALLS = ["DescribeZoneInstanceConfigInfos"] * 4
HINTS = ClusterHints(zones=("ap-guangzhou-3", "ap-guangzhou-4"))


def test_catalogue_from_tke_2022_with_the_providers_filters(cloud: FakeCloud) -> None:
    # upstream: instancetype.go getInstanceTypes — zone, architecture and charge-type filters,
    # on-demand amd64/arm64 then spot amd64/arm64, TKE 2022-05-01.
    catalog = load(hints=HINTS)
    assert cloud.actions() == QUOTA_CALLS
    assert set(cloud.versions) == {"2022-05-01"}
    filters = [{f["Name"]: f["Values"] for f in body["Filters"]} for _, body in cloud.calls]
    assert [(f["instance-charge-type"], f["architecture"]) for f in filters] == [
        (["POSTPAID_BY_HOUR"], ["amd64"]), (["POSTPAID_BY_HOUR"], ["arm64"]),
        (["SPOTPAID"], ["amd64"]), (["SPOTPAID"], ["arm64"])]
    assert all(f["zone"] == ["ap-guangzhou-3", "ap-guangzhou-4"] for f in filters)
    assert catalog.provider == "tke" and catalog.region == "ap-guangzhou"
    assert catalog.prices_known and not catalog.illustrative_prices
    assert catalog.currency == "CNY"  # the China site's; the answer names none
    types = catalog.by_name()
    assert set(types) == {"S5.MEDIUM4", "S5.LARGE8", "SR1.MEDIUM4"}
    medium = types["S5.MEDIUM4"]
    assert medium.capacity == {"cpu": 2000, "memory": 4 * 2**30 * 1000}
    assert medium.labels["karpenter.k8s.tke/instance-family"] == "S5"
    offers = {(o.zone, o.capacity_type): o for o in medium.offerings}
    # zone names became the numeric IDs nodes carry (the provider's region table)
    assert offers[("100003", "on-demand")].zone_name == "ap-guangzhou-3"
    assert offers[("100003", "on-demand")].price_per_hour == 0.2  # Price.UnitPrice
    assert offers[("100003", "spot")].price_per_hour == 0.05
    assert offers[("100003", "spot")].available
    # the architecture comes from the filter that returned the type
    assert types["SR1.MEDIUM4"].labels["kubernetes.io/arch"] == "arm64"


def test_sold_out_inventory_zero_and_status_category(cloud: FakeCloud) -> None:
    # upstream: createOfferings — available iff Status == "SELL" && Inventory > 0;
    # StatusCategory is not read.
    types = load(hints=HINTS).by_name()
    medium = {(o.zone, o.capacity_type): o for o in types["S5.MEDIUM4"].offerings}
    assert not medium[("100004", "on-demand")].available  # Status SOLD_OUT
    large = {(o.zone, o.capacity_type): o for o in types["S5.LARGE8"].offerings}
    assert not large[("100003", "on-demand")].available  # Inventory 0, "EnoughStock"
    assert large[("100004", "on-demand")].available  # Inventory 12, "UnderStock"
    assert not types["SR1.MEDIUM4"].offerings[0].available  # no Inventory at all


def test_prices_keep_the_currency_the_api_names(cloud: FakeCloud,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cloud.quotas = {("POSTPAID_BY_HOUR", "amd64"): [
        quota("S5.MEDIUM4", "ap-guangzhou-3", "POSTPAID_BY_HOUR", price=0.32,
              Price={"UnitPrice": 0.32, "ChargeUnit": "HOUR", "Currency": "USD"})]}
    assert load(hints=HINTS).currency == "USD"
    cloud.quotas = {("POSTPAID_BY_HOUR", "amd64"): [
        quota("S5.MEDIUM4", "ap-guangzhou-3", "POSTPAID_BY_HOUR", price=0.32)]}
    monkeypatch.setenv(tencent.ENV_CURRENCY, "usd")
    assert load(hints=HINTS).currency == "USD"  # an international-site account


def test_zone_not_supported_gives_no_types_not_an_error(cloud: FakeCloud) -> None:
    # upstream: getInstanceTypes logs ZoneNotSupported and goes on with no types
    cloud.script["DescribeZoneInstanceConfigInfos"] = [
        error("InvalidParameter.ZoneNotSupported", "zone not supported")]
    types = load(hints=HINTS).by_name()
    assert "S5.MEDIUM4" not in types or all(  # the first (on-demand amd64) answer was lost
        o.capacity_type == "spot" for o in types["S5.MEDIUM4"].offerings)
    assert "SR1.MEDIUM4" in types
    assert cloud.actions() == QUOTA_CALLS  # not retried


def test_without_subnet_zones_every_zone_is_asked_with_a_note(cloud: FakeCloud) -> None:
    catalog = load()
    assert all("zone" not in {f["Name"] for f in body["Filters"]} for _, body in cloud.calls)
    assert any("no TKEMachineNodeClass subnet zones known" in n for n in catalog.notes)


def test_throttling_then_success_retries(cloud: FakeCloud) -> None:
    cloud.script["DescribeZoneInstanceConfigInfos"] = [error("RequestLimitExceeded", "slow"),
                                                       error("RequestLimitExceeded", "slow")]
    catalog = load()
    assert cloud.actions() == ["DescribeZoneInstanceConfigInfos"] * 6
    assert catalog.instance_types


def test_server_errors_are_retried(cloud: FakeCloud) -> None:
    cloud.script["DescribeZoneInstanceConfigInfos"] = [Response("bad gateway", status=502)]
    assert load().instance_types
    assert cloud.actions().count("DescribeZoneInstanceConfigInfos") == 5


def test_persistent_throttling_gives_up_with_one_line(cloud: FakeCloud) -> None:
    cloud.script["DescribeZoneInstanceConfigInfos"] = [error("RequestLimitExceeded")] * 10
    with pytest.raises(CloudError) as err:
        load()
    assert "RequestLimitExceeded" in str(err.value) and "after 5 attempts" in str(err.value)
    assert "\n" not in str(err.value)


def test_auth_failure_names_the_source_not_the_secret(cloud: FakeCloud) -> None:
    cloud.script["DescribeZoneInstanceConfigInfos"] = [error(
        "AuthFailure.SecretIdNotFound", f"The SecretId {SECRET_ID} is not found")]
    with pytest.raises(CloudError) as err:
        load()
    text = str(err.value)
    assert "environment TENCENTCLOUD_SECRET_ID" in text
    assert "AuthFailure.SecretIdNotFound" in text
    assert SECRET_ID not in text and SECRET_KEY not in text
    assert "\n" not in text
    assert cloud.actions() == ["DescribeZoneInstanceConfigInfos"]  # no retry on auth failures


@pytest.mark.parametrize("body", [
    "this is not json",
    json.dumps({"Response": {"RequestId": "x"}}),  # no InstanceTypeQuotaSet
    json.dumps({"Response": {"InstanceTypeQuotaSet": "not json [", "RequestId": "x"}}),
    json.dumps({"Response": {"InstanceTypeQuotaSet": json.dumps([{"Zone": "ap-guangzhou-3"}]),
                             "RequestId": "x"}}),  # item without InstanceType
    json.dumps({"Response": {"InstanceTypeQuotaSet": json.dumps([
        {**quota("S5.MEDIUM4", "ap-guangzhou-3", "POSTPAID_BY_HOUR"), "Cpu": "many"}]),
        "RequestId": "x"}}),
])
def test_malformed_answers_are_cloud_errors(cloud: FakeCloud, body: str) -> None:
    cloud.script["DescribeZoneInstanceConfigInfos"] = [
        Response(body, content_type="application/json")]
    with pytest.raises(CloudError) as err:
        load()
    assert "malformed" in str(err.value) or "not a number" in str(err.value)
    assert "DescribeZoneInstanceConfigInfos" in str(err.value)


def test_cache_hit_miss_ttl_and_refresh(cloud: FakeCloud, tmp_path: Path) -> None:
    first = load()
    assert len(cloud.calls) == 4
    again = load()
    assert len(cloud.calls) == 4  # served from the cache
    assert again.by_name().keys() == first.by_name().keys()
    assert again.currency == first.currency == "CNY"  # the cache keeps the currency
    assert list((tmp_path / "cache" / "kubectl-karp" / "catalogs").glob("tke-ap-guangzhou*"))
    load(refresh=True)
    assert len(cloud.calls) == 8
    tencent.load_live_catalog("ap-guangzhou", now=NOW + timedelta(hours=13), sleep=no_sleep)
    assert len(cloud.calls) == 12  # stale after the TTL
    tencent.load_live_catalog("ap-guangzhou", now=NOW + timedelta(hours=14), sleep=no_sleep)
    assert len(cloud.calls) == 12


def test_corrupt_cache_is_a_miss(cloud: FakeCloud, tmp_path: Path) -> None:
    load()
    [path] = (tmp_path / "cache" / "kubectl-karp" / "catalogs").glob("tke-ap-guangzhou*")
    path.write_text("{{{ not yaml")
    assert load().instance_types
    assert len(cloud.calls) == 8


def test_no_credentials_is_flagged_for_fallback(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path, httpserver: HTTPServer) -> None:
    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_SECRET_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    # a metadata service that has no role: not on CVM
    httpserver.expect_request("/meta/cam/security-credentials/").respond_with_data(
        "", status=404)
    monkeypatch.setenv(tencent_client.ENV_METADATA, httpserver.url_for("/meta/"))
    with pytest.raises(CloudError) as err:
        tencent_client.find_credentials()
    assert getattr(err.value, "no_credentials", False)


def test_profile_file_and_instance_role(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        httpserver: HTTPServer) -> None:
    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_SECRET_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    httpserver.expect_request("/meta/cam/security-credentials/").respond_with_data("karp-role")
    httpserver.expect_request("/meta/cam/security-credentials/karp-role").respond_with_json(
        {"Code": "Success", "TmpSecretId": "tmp-id", "TmpSecretKey": "tmp-key",
         "Token": "tok", "ExpiredTime": 1999999999})
    monkeypatch.setenv(tencent_client.ENV_METADATA, httpserver.url_for("/meta/"))
    creds = tencent_client.find_credentials()
    assert creds.source == "CVM instance role karp-role"
    (tmp_path / ".tencentcloud").mkdir()
    (tmp_path / ".tencentcloud" / "credentials").write_text(
        "[default]\nsecret_id = file-id\nsecret_key = file-key\n")
    creds = tencent_client.find_credentials()
    assert creds.source.startswith("profile file ~/.tencentcloud/credentials")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "env-id")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "env-key")
    assert tencent_client.find_credentials().source == "environment TENCENTCLOUD_SECRET_ID"


def test_bad_endpoint_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tencent_client.ENV_ENDPOINT, "ftp://example")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    with pytest.raises(CloudError, match="KARP_TENCENTCLOUD_ENDPOINT"):
        tencent.fetch_catalog("ap-guangzhou", endpoint="ftp://example")
