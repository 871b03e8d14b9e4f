"""Faults of the Tencent Cloud API (the real SDK against loopback servers): an endpoint that
never answers is bounded by --request-timeout; sizes that are NaN, infinite or negative are
refused with one line; the catalogue cache folders are private whatever the umask."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cloud.conftest import SECRET_ID, SECRET_KEY, FakeCloud, cloud, quota
from tests.faults.conftest import assert_ok, assert_one_error

__all__ = ["cloud"]  # the fixture, imported for these tests


@pytest.fixture
def silent_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[socket.socket]]:
    """Accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setenv("KARP_TENCENTCLOUD_ENDPOINT",
                       f"http://127.0.0.1:{server.getsockname()[1]}")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    yield accepted
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


def test_an_endpoint_that_never_answers_is_bounded_by_request_timeout(
        silent_endpoint: list[socket.socket], karp: Any) -> None:
    result = karp(["catalog", "--region", "ap-guangzhou", "--request-timeout", "2s"])
    assert_one_error(result, "Tencent Cloud API DescribeZoneInstanceConfigInfos",
                     "no answer within 2s")
    assert len(silent_endpoint) <= 2  # no retry storm within the limit
    assert SECRET_KEY not in result.err


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("Cpu", "NaN", "Cpu"), ("Cpu", "Infinity", "Cpu"), ("Memory", -4, "Memory"),
    ("Cpu", -2, "Cpu"),
])
def test_impossible_sizes_from_the_cloud_are_refused(field: str, value: Any, fragment: str,
                                                     cloud: FakeCloud, karp: Any) -> None:
    item = quota("S5.MEDIUM4", "ap-guangzhou-3", "POSTPAID_BY_HOUR")
    item[field] = value
    cloud.quotas = {("POSTPAID_BY_HOUR", "amd64"): [item]}
    result = karp(["catalog", "--region", "ap-guangzhou", "-o", "json"])
    assert_one_error(result, "InstanceTypeQuotaSet[0]", fragment, "out of range")


def test_nan_and_infinite_prices_are_unknown_never_invalid_json(cloud: FakeCloud,
                                                                karp: Any) -> None:
    nan = quota("S5.MEDIUM4", "ap-guangzhou-3", "POSTPAID_BY_HOUR")
    nan["Price"] = {"UnitPrice": float("nan")}
    inf = quota("S5.LARGE8", "ap-guangzhou-3", "POSTPAID_BY_HOUR", cpu=4, memory=8)
    inf["Price"] = {"UnitPrice": float("inf")}
    cloud.quotas = {("POSTPAID_BY_HOUR", "amd64"): [nan, inf]}
    result = karp(["catalog", "--region", "ap-guangzhou", "-o", "json"])
    assert_ok(result, code=0)
    doc = json.loads(result.out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert doc


def test_cache_folders_are_private_under_umask_000(cloud: FakeCloud, tmp_path: Path,
                                                   karp: Any) -> None:
    old = os.umask(0)
    try:
        assert_ok(karp(["catalog", "--region", "ap-guangzhou", "-o", "json"]), code=0)
    finally:
        os.umask(old)
    folder = tmp_path / "cache" / "kubectl-karp" / "catalogs"
    for path in (folder, folder.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, oct(path.stat().st_mode)
    for file in folder.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0


def test_throttled_cloud_calls_stop_at_the_request_timeout(cloud: FakeCloud,
                                                           karp: Any) -> None:
    from tests.cloud.conftest import error

    cloud.script["DescribeZoneInstanceConfigInfos"] = [
        error("RequestLimitExceeded", "slow down")] * 10
    result = karp(["catalog", "--region", "ap-guangzhou", "--request-timeout", "1s"])
    assert_one_error(result, "DescribeZoneInstanceConfigInfos", "RequestLimitExceeded")
    assert cloud.actions().count("DescribeZoneInstanceConfigInfos") < 5
