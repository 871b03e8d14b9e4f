"""``kubectl karp catalog``: instance types with allocatable resources, zones and prices."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

import click

from kubectl_karp.cli.catalog_import import import_command
from kubectl_karp.cli.common import node_pool_warnings, require_node_pools
from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.core.nodepools.offered import OfferedType, catalog_types, node_pool_types
from kubectl_karp.errors import InputError, UsageError
from kubectl_karp.model.catalog import InstanceTypeCatalog
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers import PROVIDERS
from kubectl_karp.providers.registry import DEFAULT_PROVIDER
from kubectl_karp.render.catalog import documents, emit_catalogs, render_table
from kubectl_karp.render.output import Style, use_color
from kubectl_karp.render.width import note as note_line

PROVIDER_CHOICES = tuple(PROVIDERS)
CAPACITY_TYPES = ("on-demand", "spot", "reserved")


def _rows(ctx: SchedulingContext, catalogs: Sequence[InstanceTypeCatalog], *,
          nodepool: str | None, zone: str | None, capacity_type: str | None
          ) -> list[OfferedType]:
    if nodepool is None:
        return catalog_types(catalogs, zone=zone, capacity_type=capacity_type)
    require_node_pools([nodepool], (n.name for n in ctx.node_pools))
    npc = ctx.node_pool(nodepool)
    assert npc is not None
    node_pool_warnings([npc])
    return node_pool_types(npc, zone=zone, capacity_type=capacity_type)


def _region(cluster: ClusterOptions) -> str | None:
    """--region, else the default provider's region variable (TENCENTCLOUD_REGION for TKE):
    `catalog --region` without a cluster lists the provider with a live catalogue."""
    env = DEFAULT_PROVIDER.region_env
    return cluster.region or (os.environ.get(env) if env else None)


def _choose(cluster: ClusterOptions, provider: str | None, nodepool: str | None
            ) -> SchedulingContext:
    from kubectl_karp.sources import load_snapshot
    from kubectl_karp.sources.catalogs import bundled_region, choose_catalogs, options_rules

    region_given = bool(_region(cluster))
    need_cluster = cluster.offline or nodepool is not None or not (
        cluster.catalogs or region_given)
    snapshot = load_snapshot(cluster) if need_cluster else ClusterSnapshot(source="none")
    live = PROVIDERS.get(provider or DEFAULT_PROVIDER.name)
    if not need_cluster and not cluster.catalogs and (live is None or not live.catalog_loader):
        raise UsageError(f"there is no live catalogue for provider {provider}: pass "
                         "--catalog FILE (see docs/catalog-format.md)")
    choice = choose_catalogs(cluster, snapshot, force_live=not need_cluster)
    if cluster.demo and cluster.region and nodepool is None and not cluster.catalogs:
        # The demo cluster schedules against its own region, but listing another bundled
        # region is what an explicit --region asks for.
        choice = replace(choice, catalogs=bundled_region(cluster.region))
    for note in dict.fromkeys((*snapshot.notes, *choice.notes)):
        note_line(note)
    return build_context(snapshot, choice.catalogs, catalog_source=choice.source,
                         rules=options_rules(cluster, snapshot))


@click.group("catalog", invoke_without_command=True)
@cluster_options(selector=False, catalog=True, namespaced=False)
@click.option("--provider", type=click.Choice(PROVIDER_CHOICES),
              help="Only this cloud's instance types.")
@click.option("--nodepool", metavar="NAME",
              help="Only what this NodePool's requirements and node class permit "
                   "(-o wide also lists the others and why they are excluded).")
@click.option("--zone", metavar="ZONE",
              help="Only types with an available offering in this zone (ID or name).")
@click.option("--capacity-type", type=click.Choice(CAPACITY_TYPES),
              help="Only types with an available offering of this capacity type.")
@output_option()
def catalog(cluster: ClusterOptions, provider: str | None, nodepool: str | None,
            zone: str | None, capacity_type: str | None, output: str) -> int | None:
    """List instance types: CPU, memory, what stays allocatable, zones and prices.

    Instance types come from --catalog files, catalogues inside a --snapshot, the bundled
    TKE catalogue (--demo), the Tencent Cloud API (live TKE cluster, or --region without a
    cluster), or the cluster's own nodes. -o yaml writes the catalogue file format, so a live
    catalogue can be saved and reused with --catalog.

    \b
    Examples:
      kubectl karp catalog --demo --nodepool test
      kubectl karp catalog --region ap-guangzhou --capacity-type spot -o wide
      kubectl karp catalog --region ap-guangzhou -o yaml > tke-gz.yaml
      kubectl karp catalog import aws --instance-types t.json --offerings o.json > eks.yaml
    """
    if click.get_current_context().invoked_subcommand:
        return None  # `catalog import …`
    ctx = _choose(cluster, provider, nodepool)
    catalogs = [c for c in ctx.catalogs if provider is None or c.provider == provider]
    region = _region(cluster)
    # An explicit --region narrows (or refuses) even a single catalogue of another region.
    if region and (len({c.region for c in catalogs}) > 1
                   or (cluster.region and any(c.region for c in catalogs))):
        region = PROVIDERS.get(provider or DEFAULT_PROVIDER.name, DEFAULT_PROVIDER
                               ).normalize_region(region)
        mine = [c for c in catalogs if c.region == region]
        if not mine:
            have = ", ".join(sorted({c.region for c in catalogs if c.region}))
            raise InputError(f"no catalogue for region {region} (have: {have})")
        catalogs = mine
    for note in ctx.notes:
        if not (ctx.illustrative_prices and "illustrative" in note):  # said once, below
            note_line(note)
    rows = _rows(ctx, catalogs, nodepool=nodepool, zone=zone, capacity_type=capacity_type)
    if provider is not None:
        rows = [r for r in rows if r.provider == provider]
    rows.sort(key=lambda r: (bool(r.excluded), r.it.capacity.get("cpu", 0),
                             r.it.capacity.get("memory", 0), r.it.name))
    if output in ("json", "yaml"):
        emit_catalogs(documents(ctx, catalogs, rows,
                                filtered=bool(nodepool or zone or capacity_type)), output)
        return 0
    text = render_table(ctx, rows, wide=output == "wide", nodepool=nodepool,
                        style=Style(use_color()))
    if not text:
        click.echo("No instance types match.", err=True)
        return 0
    click.echo(text, nl=False)
    note_line(f"instance types from {ctx.catalog_source}")
    if any(r.over_limits for r in rows):
        note_line(f"! marks instance types larger than NodePool {nodepool}'s spec.limits: "
                  "Karpenter can never launch them (-o wide says which limit)")
    if ctx.illustrative_prices:
        note_line("* prices are illustrative (bundled catalogue), not a quote")
    elif not ctx.prices_known:
        note_line("prices are unknown for these instance types")
    return 0


catalog.add_command(import_command)
