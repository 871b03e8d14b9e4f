"""``kubectl karp catalog import``: a catalogue file from the clouds' own CLI listings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import click

from kubectl_karp.errors import InputError, UsageError
from kubectl_karp.model.catalog import InstanceTypeCatalog
from kubectl_karp.model.parse import catalog_to_document
from kubectl_karp.providers import complete_catalog
from kubectl_karp.providers.imports import alibaba_catalog, aws_catalog, huawei_catalog
from kubectl_karp.render.output import emit_document
from kubectl_karp.sources.files import read_documents

CLOUDS = ("aws", "alibaba", "huawei")


def _docs(paths: Sequence[str], what: str) -> list[tuple[Mapping[str, Any], str]]:
    out = []
    for doc, where in read_documents(paths):
        if not isinstance(doc, Mapping):
            raise InputError(f"expected a JSON object ({what} output)", where=where)
        out.append((doc, where))
    return out


def _need(value: Sequence[str], flag: str, cloud: str) -> None:
    if not value:
        raise InputError(f"catalog import {cloud} needs {flag} FILE")


@click.command("import")
@click.argument("cloud", type=click.Choice(CLOUDS))
@click.option("--instance-types", "instance_types", multiple=True, metavar="FILE",
              help="aws: `aws ec2 describe-instance-types` JSON; alibaba: `aliyun ecs "
                   "DescribeInstanceTypes`; huawei: `hcloud ECS ListFlavors`.")
@click.option("--offerings", multiple=True, metavar="FILE",
              help="aws: `aws ec2 describe-instance-type-offerings --location-type "
                   "availability-zone` JSON.")
@click.option("--prices", multiple=True, metavar="FILE",
              help="aws: `aws ec2 describe-spot-price-history` and/or `aws pricing "
                   "get-products --service-code AmazonEC2` JSON.")
@click.option("--on-demand-resources", multiple=True, metavar="FILE",
              help="alibaba: `aliyun ecs DescribeAvailableResource --DestinationResource "
                   "InstanceType --SpotStrategy NoSpot` JSON.")
@click.option("--spot-resources", multiple=True, metavar="FILE",
              help="alibaba: the same with --SpotStrategy SpotAsPriceGo.")
@click.option("--zone", "zones", multiple=True, metavar="ZONE",
              help="alibaba/huawei: zones to offer the types in when no listing says.")
@click.option("--network", type=click.Choice(("terway-eniip", "flannel")),
              help="alibaba: the cluster's network plugin (decides pods per node).")
@click.option("--max-pods", type=click.IntRange(1, 1000), metavar="N",
              help="alibaba: a flannel cluster's max pods per node (default 110).")
@click.option("--from-api", is_flag=True,
              help="aws: call the EC2 API through boto3 (an optional extra) instead of "
                   "reading --instance-types/--offerings files; --prices files still add "
                   "on-demand prices.")
@click.option("--region", default="", metavar="REGION", help="Recorded in the catalogue.")
@click.option("-o", "--output", type=click.Choice(("yaml", "json")), default="yaml",
              show_default=True)
def import_command(cloud: str, instance_types: tuple[str, ...], offerings: tuple[str, ...],
                   prices: tuple[str, ...], on_demand_resources: tuple[str, ...],
                   spot_resources: tuple[str, ...], zones: tuple[str, ...],
                   network: str | None, max_pods: int | None, from_api: bool, region: str,
                   output: str) -> int:
    """Write a catalogue (the --catalog file format) from a cloud CLI's JSON listings.

    Labels, capacity and pods are what the cloud's Karpenter provider derives from the same
    API fields; allocatable is computed with its overhead formula (docs/catalog-format.md).

    \b
    Examples:
      aws ec2 describe-instance-types > types.json
      aws ec2 describe-instance-type-offerings --location-type availability-zone > offers.json
      aws ec2 describe-spot-price-history --start-time "$(date -u +%FT%T)" > spot.json
      kubectl karp catalog import aws --instance-types types.json --offerings offers.json \\
          --prices spot.json > eks.yaml
      kubectl karp simulate --snapshot cluster.yaml --catalog eks.yaml
      kubectl karp catalog import aws --from-api --region us-west-2 > eks.yaml   # boto3
    """
    catalog: InstanceTypeCatalog
    if from_api:
        if cloud != "aws":
            raise UsageError("--from-api is for aws only (use the cloud CLI's JSON files)")
        if instance_types or offerings:
            raise UsageError("--from-api replaces --instance-types and --offerings")
        from kubectl_karp.cloud.aws import fetch_listings

        region, types, offers, spot = fetch_listings(region, now=datetime.now(timezone.utc))
        catalog = aws_catalog(types, offers, [*spot, *_docs(prices, "price")], region=region)
        catalog = replace(catalog, source=f"EC2 API ({region})", origin="ec2-api")
        emit_document(catalog_to_document(complete_catalog(catalog)), output)
        return 0
    _need(instance_types, "--instance-types", cloud)
    if cloud == "aws":
        _need(offerings, "--offerings", cloud)
        catalog = aws_catalog(_docs(instance_types, "describe-instance-types"),
                              _docs(offerings, "describe-instance-type-offerings"),
                              _docs(prices, "price"), region=region)
    elif cloud == "alibaba":
        pods = max_pods if network == "flannel" else None
        catalog = alibaba_catalog(_docs(instance_types, "DescribeInstanceTypes"),
                                  on_demand=_docs(on_demand_resources, "DescribeAvailableResource"),
                                  spot=_docs(spot_resources, "DescribeAvailableResource"),
                                  zones=zones, network=network or "", max_pods=pods,
                                  region=region)
    else:
        catalog = huawei_catalog(_docs(instance_types, "ListFlavors"), zones=zones,
                                 region=region)
    emit_document(catalog_to_document(complete_catalog(catalog)), output)
    return 0
