"""Tencent Cloud API calls through the official Python SDK: credentials, the endpoint, and one
call with back-off and retries.

Credentials follow the SDK's chain: ``TENCENTCLOUD_SECRET_ID``/``TENCENTCLOUD_SECRET_KEY``
(and ``TENCENTCLOUD_SESSION_TOKEN``), the profile file, the CVM instance role (its metadata
service at ``KARP_TENCENTCLOUD_METADATA_ENDPOINT`` in tests). ``KARP_TENCENTCLOUD_ENDPOINT``
(a URL; ``http://`` allowed) sends every call to another endpoint: private/internal
endpoints, or a local test server. The SDK signs the requests; it is imported lazily. What is
asked, and how the answers become a catalogue, is ``cloud.tencent``.
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from kubectl_karp import limits
from kubectl_karp.errors import CloudError

ENV_ENDPOINT = "KARP_TENCENTCLOUD_ENDPOINT"
ENV_METADATA = "KARP_TENCENTCLOUD_METADATA_ENDPOINT"
METADATA_URL = "http://metadata.tencentyun.com/latest/meta-data/"
# The catalogue's call (TKE 2022-05-01) and the cluster's (TKE 2018-05-25).
SERVICE, VERSION = "tke", "2022-05-01"
TKE_SERVICE, TKE_VERSION = "tke", "2018-05-25"
ZONE_NOT_SUPPORTED = "ZoneNotSupported"
RETRYABLE = ("RequestLimitExceeded", "InternalError", "ServerNetworkError", "ClientNetworkError",
             "ResourceUnavailable")
AUTH_CODES = ("AuthFailure", "UnauthorizedOperation", "InvalidCredential")


class TencentCloudError(CloudError):
    """A Tencent Cloud API failure; ``no_credentials`` lets callers fall back quietly."""

    def __init__(self, message: str, *, no_credentials: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.no_credentials = no_credentials
        self.code = code


@dataclass(frozen=True)
class Credentials:
    credential: Any  # tencentcloud.common.credential.Credential or compatible
    source: str  # where they came from, in words; never the secret itself
    secrets: tuple[str, ...] = ()  # redacted from any message we print


# --------------------------------------------------------------------------- credentials

def _from_env() -> Credentials | None:
    from tencentcloud.common.credential import Credential

    secret_id = os.environ.get("TENCENTCLOUD_SECRET_ID", "")
    secret_key = os.environ.get("TENCENTCLOUD_SECRET_KEY", "")
    if not secret_id or not secret_key:
        return None
    token = os.environ.get("TENCENTCLOUD_SESSION_TOKEN") or None
    if secret_id.strip() != secret_id or secret_key.strip() != secret_key:
        raise TencentCloudError("environment TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY "
                                "has leading or trailing spaces")
    return Credentials(Credential(secret_id, secret_key, token),
                       "environment TENCENTCLOUD_SECRET_ID", (secret_id, secret_key))


def _from_profile() -> Credentials | None:
    from tencentcloud.common.credential import ProfileCredential

    for path in ("~/.tencentcloud/credentials", "/etc/tencentcloud/credentials"):
        if os.path.exists(os.path.expanduser(path)):
            break
    else:
        return None
    cred = ProfileCredential().get_credential()
    if cred is None:
        return None
    return Credentials(cred, f"profile file {path} [default]", (cred.secret_id, cred.secret_key))


def _from_instance_role(metadata_url: str, timeout: float) -> Credentials | None:
    """The CVM instance role, when the metadata service answers quickly (we may not be on CVM)."""
    from tencentcloud.common.credential import Credential

    base = metadata_url.rstrip("/") + "/cam/security-credentials/"
    try:
        with urllib.request.urlopen(base, timeout=timeout) as resp:
            role = resp.read().decode().strip().splitlines()[0]
        with urllib.request.urlopen(base + role, timeout=timeout) as resp:
            data = json.loads(resp.read().decode())
    except (OSError, ValueError, IndexError, urllib.error.URLError):
        return None
    if not isinstance(data, dict) or data.get("Code") != "Success":
        return None
    secret_id, secret_key = str(data.get("TmpSecretId", "")), str(data.get("TmpSecretKey", ""))
    if not secret_id or not secret_key:
        return None
    return Credentials(Credential(secret_id, secret_key, data.get("Token")),
                       f"CVM instance role {role}", (secret_id, secret_key))


def find_credentials(*, metadata_timeout: float = 1.0) -> Credentials:
    """The SDK's chain: environment, profile file, CVM instance role."""
    found = _from_env() or _from_profile() or _from_instance_role(
        os.environ.get(ENV_METADATA) or METADATA_URL, metadata_timeout)
    if found is None:
        raise TencentCloudError(
            "no Tencent Cloud credentials found (looked at TENCENTCLOUD_SECRET_ID/"
            "TENCENTCLOUD_SECRET_KEY, ~/.tencentcloud/credentials and the CVM instance role)",
            no_credentials=True)
    return found


# --------------------------------------------------------------------------- the client

def endpoint_from_env() -> str:
    return os.environ.get(ENV_ENDPOINT, "").strip()


def _client_profile(endpoint: str, timeout: int) -> Any:
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    if endpoint:
        url = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
        if url.scheme not in ("http", "https") or not url.netloc:
            raise TencentCloudError(f"{ENV_ENDPOINT}={endpoint!r} is not an http(s) URL")
        http = HttpProfile(endpoint=url.netloc, protocol=url.scheme, reqTimeout=timeout)
    else:
        http = HttpProfile(reqTimeout=timeout)
    return ClientProfile(httpProfile=http)


def _sdk_client(service: str, version: str, credential: Any, region: str, profile: Any) -> Any:
    """TKE 2022-05-01 through the TKE SDK package's client; other APIs through the common one.

    The catalogue action is not modelled by the SDK's typed response (it drops
    InstanceTypeQuotaSet), so both are driven with ``call_json``, as the provider sends a
    CommonRequest."""
    if (service, version) == (SERVICE, VERSION):
        from tencentcloud.tke.v20220501.tke_client import TkeClient

        return TkeClient(credential, region, profile)
    from tencentcloud.common.common_client import CommonClient

    return CommonClient(service, version, credential, region, profile=profile)


class TencentClient:
    """Calls with retries: RequestLimitExceeded, 5xx and network errors back off and retry."""

    def __init__(self, region: str, credentials: Credentials, *, endpoint: str = "",
                 attempts: int = 5, base_delay: float = 0.5, timeout: float | None = None,
                 sleep: Callable[[float], None] = time.sleep, service: str = SERVICE,
                 version: str = VERSION) -> None:
        self.region = region
        self.credentials = credentials
        self.attempts = attempts
        self.base_delay = base_delay
        self.sleep = sleep
        self.endpoint = endpoint
        # --request-timeout bounds each call as a whole, retries and back-off included
        # (the SDK's own timeout bounds each socket read only).
        self.timeout = timeout if timeout is not None else limits.request_timeout()
        socket_timeout = max(1, math.ceil(self.timeout)) if self.timeout else 60
        self._client = _sdk_client(service, version, credentials.credential, region,
                                   _client_profile(endpoint, socket_timeout))

    def _redact(self, text: str) -> str:
        for secret in self.credentials.secrets:
            if secret:
                text = text.replace(secret, "***")
        return " ".join(text.split())

    def call(self, action: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )

        where = f"Tencent Cloud API {action} ({self.region})"
        deadline = time.monotonic() + self.timeout if self.timeout else None
        for attempt in range(1, self.attempts + 1):
            remaining = None if deadline is None else deadline - time.monotonic()
            try:
                if remaining is not None and remaining <= 0:
                    raise limits.DeadlineExceeded
                answer = limits.run_within(
                    lambda: self._client.call_json(action, dict(params)), remaining)
            except limits.DeadlineExceeded:
                raise TencentCloudError(
                    f"{where} failed: no answer within {self.timeout:g}s (--request-timeout)"
                    + (f" (after {attempt} attempts)" if attempt > 1 else "")) from None
            except TencentCloudSDKException as err:
                code = str(err.get_code() or "")
                message = self._redact(str(err.get_message() or ""))
                if code.startswith("UnauthorizedOperation"):
                    raise TencentCloudError(
                        f"{where} is not permitted for the credentials from "
                        f"{self.credentials.source}: {code}: {message[:200]}") from None
                if code.startswith(AUTH_CODES):
                    raise TencentCloudError(
                        f"{where} refused the credentials from {self.credentials.source}: "
                        f"{code}: {message[:200]}") from None
                if ZONE_NOT_SUPPORTED in code:
                    raise TencentCloudError(f"{where}: {code}: {message[:200]}",
                                            code=code) from None
                delay = min(self.base_delay * 2 ** (attempt - 1), 8.0)
                if code.startswith(RETRYABLE) and attempt < self.attempts and (
                        deadline is None or time.monotonic() + delay < deadline):
                    self.sleep(delay)
                    continue
                if code == "ServerNetworkError":
                    message = "the server answered with an HTTP error"
                raise TencentCloudError(f"{where} failed: {code}: {message[:200]}"
                                        + (f" (after {attempt} attempts)" if attempt > 1
                                           else ""), code=code) from None
            except (ValueError, KeyError, TypeError) as err:
                raise TencentCloudError(f"{where} returned a malformed answer: "
                                        f"{type(err).__name__}") from None
            response = answer.get("Response") if isinstance(answer, dict) else None
            if not isinstance(response, dict):
                raise TencentCloudError(f"{where} returned a malformed answer: no Response")
            return response
        raise AssertionError("unreachable")  # pragma: no cover

def answer_items(response: Mapping[str, Any], key: str, action: str) -> list[Mapping[str, Any]]:
    value = response.get(key)
    if isinstance(value, str):  # the TKE flavour of the API returns the set JSON-encoded
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TencentCloudError(f"Tencent Cloud API {action} returned a malformed answer: "
                                f"{key} is missing or not a list")
    return value
