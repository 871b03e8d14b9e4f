"""The EC2 API through boto3 (an optional extra): the same three listings the AWS CLI prints.

``kubectl karp catalog import aws --from-api`` calls DescribeInstanceTypes,
DescribeInstanceTypeOfferings (availability-zone) and DescribeSpotPriceHistory (Linux/UNIX,
from now), page by page, and hands the pages to ``providers.imports.aws_catalog`` exactly as
if they had been saved from the CLI (which is botocore too). On-demand prices need the Pricing
API in another region and are left to ``--prices`` files.

Credentials, region and endpoints are boto3's own chain (``AWS_PROFILE``, ``AWS_REGION``,
``AWS_ENDPOINT_URL_EC2`` …); errors name the call and the AWS error code, never a secret.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from kubectl_karp.errors import CloudError

Doc = Mapping[str, Any]


def _boto3() -> Any:
    try:
        return importlib.import_module("boto3")
    except ImportError:
        raise CloudError("the EC2 API needs boto3, an optional extra: pip install "
                         "'kubectl-karp[aws]' (or save the AWS CLI's JSON and pass the files)"
                         ) from None


def _jsonable(value: Any) -> Any:
    """Pages as the CLI would print them: datetimes as ISO-8601 text."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _pages(client: Any, operation: str, **params: Any) -> list[tuple[Doc, str]]:
    botocore = importlib.import_module("botocore.exceptions")
    try:
        paginator = client.get_paginator(operation)
        return [(_jsonable(page), f"EC2 {operation} page {i + 1}")
                for i, page in enumerate(paginator.paginate(**params))]
    except botocore.NoCredentialsError:
        raise CloudError("no AWS credentials found (AWS_PROFILE, AWS_ACCESS_KEY_ID/"
                         "AWS_SECRET_ACCESS_KEY, ~/.aws/credentials or an instance role)"
                         ) from None
    except botocore.ClientError as err:
        error = err.response.get("Error", {})
        raise CloudError(f"EC2 {operation} failed: {error.get('Code', 'error')}: "
                         f"{error.get('Message', '')}".rstrip(": ")) from None
    except botocore.BotoCoreError as err:
        raise CloudError(f"EC2 {operation} failed: {err}") from None


def fetch_listings(region: str | None, *, now: datetime
                   ) -> tuple[str, list[tuple[Doc, str]], list[tuple[Doc, str]],
                              list[tuple[Doc, str]]]:
    """(region, instance-type pages, offering pages, spot-price pages)."""
    boto3 = _boto3()
    botocore = importlib.import_module("botocore.exceptions")
    try:
        session = boto3.session.Session(region_name=region or None)
        if not session.region_name:
            raise CloudError("no AWS region: pass --region or set AWS_REGION")
        client = session.client("ec2")
    except botocore.BotoCoreError as err:
        raise CloudError(f"cannot set up the EC2 client: {err}") from None
    types = _pages(client, "describe_instance_types")
    offerings = _pages(client, "describe_instance_type_offerings",
                       LocationType="availability-zone")
    spot = _pages(client, "describe_spot_price_history", StartTime=now,
                  ProductDescriptions=["Linux/UNIX"])
    return str(session.region_name), types, offerings, spot
