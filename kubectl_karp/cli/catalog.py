"""``kubectl karp catalog``: instance types with allocatable resources, zones and prices."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

import click

from kubectl_karp.cli.catalog_import import import_command
from kubectl_karp.cli.common import node_pool_warnings, require_node_pools
from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.core.context import NodePoolContext, SchedulingContext, build_context
from kubectl_karp.core.nodepools import template_requirements
from kubectl_karp.errors import InputError, UsageError
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_ZONE,
)
from kubectl_karp.model.requirements import Requirements
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers import PROVIDERS
from kubectl_karp.providers.tke.zones import normalize_region
from kubectl_karp.render.catalog import Row, documents, emit_catalogs, render_table
from kubectl_karp.render.output import Style, use_color

PROVIDER_CHOICES = tuple(PROVIDERS)
CAPACITY_TYPES = ("on-demand", "spot", "reserved")


def over_limits(it: InstanceType, npc: NodePoolContext) -> str:
    """Which of the NodePool's ``spec.limits`` one node of this type alone exceeds: the
    scheduler drops such a type even with nothing in use (upstream:
    scheduling/scheduler.go filterByRemainingResources, against the type's capacity)."""
    from kubectl_karp.core.diagnosis.text import amount
    from kubectl_karp.core.nodepools import limit_amount

    limits = npc.node_pool.limits or {}
    return ", ".join(f"{name} {amount(name, limit_amount(it.capacity, name))} > limits.{name} "
                     f"{amount(name, limit)}" for name, limit in sorted(limits.items())
                     if limit_amount(it.capacity, name) > limit)


def _zone_matches(offering: Offering, zone: str | None) -> bool:
    return zone is None or zone in (offering.zone, offering.zone_name)


def _pool_requirements(npc: NodePoolContext) -> Requirements:
    # The scheduler's own template, so catalog --nodepool lists what simulate may launch.
    return template_requirements(npc.node_pool)


def _exclusion(it: InstanceType, offerings: Sequence[Offering], reqs: Requirements,
               npc: NodePoolContext) -> tuple[str, tuple[Offering, ...]]:
    clash = reqs.intersects(it.requirements().without(LABEL_ZONE, LABEL_CAPACITY_TYPE))
    if clash is not None:
        return clash.describe(f"NodePool {npc.name}", it.name), ()
    zone_req, ctype_req = reqs.get(LABEL_ZONE), reqs.get(LABEL_CAPACITY_TYPE)
    allowed = tuple(o for o in offerings if ctype_req.has(o.capacity_type)
                    and (zone_req.has(o.zone) or (o.zone_name and zone_req.has(o.zone_name))))
    if allowed:
        return "", allowed
    if not it.offerings:
        zones = ", ".join(sorted(npc.node_class_zones or ())) or "none"
        return f"not offered in the node class's zones ({zones})", ()
    if not offerings:
        return "no available offering matches --zone/--capacity-type (or all are sold out)", ()
    return (f"no available offering satisfies the NodePool's {LABEL_ZONE} / "
            f"{LABEL_CAPACITY_TYPE} requirements"), ()


def _rows(ctx: SchedulingContext, catalogs: Sequence[InstanceTypeCatalog], *,
          nodepool: str | None, zone: str | None, capacity_type: str | None) -> list[Row]:
    def keep(o: Offering) -> bool:
        return o.available and _zone_matches(o, zone) and (
            capacity_type is None or o.capacity_type == capacity_type)

    if nodepool is None:
        rows = []
        for catalog in catalogs:
            for it in catalog.instance_types:
                offerings = tuple(o for o in it.offerings if keep(o))
                if offerings or (zone is None and capacity_type is None):
                    rows.append(Row(it, catalog.provider, offerings))
        return rows
    require_node_pools([nodepool], (n.name for n in ctx.node_pools))
    npc = ctx.node_pool(nodepool)
    assert npc is not None
    node_pool_warnings([npc])
    reqs = _pool_requirements(npc)
    rows = []
    for it in npc.instance_types:
        offerings = tuple(o for o in it.offerings if keep(o))
        reason, allowed = _exclusion(it, offerings, reqs, npc)
        rows.append(Row(it, npc.provider or "", allowed, reason,
                        over_limits(it, npc) if not reason else ""))
    return rows


def _choose(cluster: ClusterOptions, provider: str | None, nodepool: str | None
            ) -> SchedulingContext:
    from kubectl_karp.sources import load_snapshot
    from kubectl_karp.sources.catalogs import bundled_region, choose_catalogs, options_rules

    region_given = bool(cluster.region or os.environ.get("TENCENTCLOUD_REGION"))
    need_cluster = cluster.offline or nodepool is not None or not (
        cluster.catalogs or region_given)
    snapshot = load_snapshot(cluster) if need_cluster else ClusterSnapshot(source="none")
    if not need_cluster and not cluster.catalogs and provider not in (None, "tke"):
        raise UsageError(f"there is no live catalogue for provider {provider}: pass "
                         "--catalog FILE (see docs/catalog-format.md)")
    choice = choose_catalogs(cluster, snapshot, force_live=not need_cluster)
    if cluster.demo and cluster.region and nodepool is None and not cluster.catalogs:
        # The demo cluster schedules against its own region, but listing another bundled
        # region is what an explicit --region asks for.
        choice = replace(choice, catalogs=bundled_region(cluster.region))
    for note in dict.fromkeys((*snapshot.notes, *choice.notes)):
        click.echo(f"note: {note}", err=True)
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
    region = cluster.region or os.environ.get("TENCENTCLOUD_REGION")
    # An explicit --region narrows (or refuses) even a single catalogue of another region.
    if region and (len({c.region for c in catalogs}) > 1
                   or (cluster.region and any(c.region for c in catalogs))):
        region = normalize_region(region)
        mine = [c for c in catalogs if c.region == region]
        if not mine:
            have = ", ".join(sorted({c.region for c in catalogs if c.region}))
            raise InputError(f"no catalogue for region {region} (have: {have})")
        catalogs = mine
    for note in ctx.notes:
        if not (ctx.illustrative_prices and "illustrative" in note):  # said once, below
            click.echo(f"note: {note}", err=True)
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
    click.echo(f"note: instance types from {ctx.catalog_source}", err=True)
    if any(r.over_limits for r in rows):
        click.echo(f"note: ! marks instance types larger than NodePool {nodepool}'s "
                   "spec.limits: Karpenter can never launch them (-o wide says which limit)",
                   err=True)
    if ctx.illustrative_prices:
        click.echo("note: * prices are illustrative (bundled catalogue), not a quote", err=True)
    elif not ctx.prices_known:
        click.echo("note: prices are unknown for these instance types", err=True)
    return 0


catalog.add_command(import_command)
