"""``kubectl karp simulate``: the NodeClaims Karpenter would create for pending pods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from kubectl_karp.cli.common import (
    namespace_missing,
    node_pool_warnings,
    require_node_pools,
    rules_warning,
    shown_notes,
)
from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.errors import UsageError

EXIT_PENDING = 3
_MAX_PODS_SHOWN = 3


def _pick_pods(pods: Sequence[Any], cluster: ClusterOptions) -> list[Any]:
    from kubectl_karp.model.selectors import parse_selector, selector_matches

    chosen = list(pods)
    if cluster.namespace and not cluster.all_namespaces:
        chosen = [p for p in chosen if p.namespace == cluster.namespace]
    if cluster.selector:
        selector = parse_selector(cluster.selector)
        chosen = [p for p in chosen if selector_matches(selector, p.labels)]
    return chosen


def _pods_text(pods: Sequence[str], wide: bool = False) -> str:
    """``3 pods: default/sample-app-7c9d6b5f4-b7x2k (+2)`` like a ``kubectl get`` cell (the
    table elides it further to fit); -o wide lists up to three."""
    if not wide:
        from kubectl_karp.render.width import elide_list

        return elide_list(list(pods), "pods" if len(pods) != 1 else "pod")
    shown = ", ".join(pods[:_MAX_PODS_SHOWN])
    if len(pods) > _MAX_PODS_SHOWN:
        shown += f", … (+{len(pods) - _MAX_PODS_SHOWN})"
    return f"{len(pods)}: {shown}" if pods else "0"


def document(result: Any, ctx: Any) -> dict[str, Any]:
    """The documented ``-o json|yaml`` contract (README: "simulate output")."""
    from kubectl_karp.model.prices import HOURS_PER_MONTH
    from kubectl_karp.model.resources import render
    from kubectl_karp.render.output import rules_fields

    per_hour = result.new_cost_per_hour
    return {
        "apiVersion": "karp.kubectl.io/v1alpha1",
        "kind": "Simulation",
        **rules_fields(ctx.rules),
        "catalog": ctx.catalog_source,
        "illustrativePrices": ctx.illustrative_prices,
        **({"currency": ctx.currency} if ctx.currency else {}),
        "podsConsidered": result.pods_considered,
        "nodeClaims": [{
            "nodePool": c.node_pool, "instanceType": c.instance_type, "zone": c.zone,
            "zoneName": c.zone_name or c.zone, "capacityType": c.capacity_type,
            "pricePerHour": c.price_per_hour,
            "instanceTypeOptions": list(c.instance_type_options), "pods": list(c.pods),
            "requests": render(c.requests), "hostname": c.hostname,
        } for c in result.node_claims],
        "existingNodes": [{"name": e.node, "inFlight": e.in_flight, "pods": list(e.pods)}
                          for e in result.existing],
        "unschedulable": [{"pod": f.pod, "reasons": [{
            "code": r.code, "nodePool": r.node_pool, "message": r.message,
            **({"fix": r.fix} if r.fix else {})} for r in f.reasons]}
            for f in result.unschedulable],
        "cost": {"newPerHour": None if per_hour is None else round(per_hour, 6),
                 "newPerMonth": None if per_hour is None else round(per_hour * HOURS_PER_MONTH,
                                                                    2)},
        "notes": list(result.notes),
    }


def render_table(result: Any, ctx: Any, wide: bool) -> str:
    from kubectl_karp.model.prices import currency_sign, money, money_month
    from kubectl_karp.render.output import Style, table, use_color

    style = Style(use_color())
    out: list[str] = [style.dim(ctx.rules.header)]
    if result.node_claims:
        out.append(style.bold(f"New NodeClaims ({len(result.node_claims)})"))
        sign = currency_sign(ctx.currency).strip()
        headers = ["nodepool", "instance-type", "zone", "capacity", f"{sign}/h", "pods"]
        if wide:
            headers.append("instance-type-options")
        rows = []
        for c in result.node_claims:
            zone = f"{c.zone} ({c.zone_name})" if c.zone_name else c.zone
            row = [c.node_pool, c.instance_type, zone, c.capacity_type,
                   money(c.price_per_hour, currency=ctx.currency),
                   _pods_text(list(c.pods), wide)]
            if wide:
                row.append(",".join(c.instance_type_options))
            rows.append(row)
        out.append(table(headers, rows, fit=not wide, keep=(4,)))
    if result.existing:
        out.append(style.bold(f"Existing nodes ({len(result.existing)})"))
        rows = [[e.node + (" (in flight)" if e.in_flight else ""),
                 _pods_text(list(e.pods), wide)] for e in result.existing]
        out.append(table(["node", "pods"], rows, fit=not wide))
    if result.unschedulable:
        out.append(style.bad(f"Would stay pending ({len(result.unschedulable)})"))
        rows = []
        for f in result.unschedulable:
            first = f.reasons[0] if f.reasons else None
            rows.append([f.pod, first.code if first else "",
                         first.message if first else ""])
            if wide:
                for r in f.reasons[1:]:
                    rows.append(["", r.code, r.message])
        out.append(table(["pod", "reason", "message"], rows, fit=not wide))
    if not (result.node_claims or result.existing or result.unschedulable):
        out.append("No pending pods to schedule.\n")
    per_hour = result.new_cost_per_hour
    if result.node_claims:
        if per_hour is None:
            out.append("Added cost: unknown (prices not in the catalogue)\n")
        else:
            illustrative = " (illustrative prices)" if ctx.illustrative_prices else ""
            out.append(f"Added cost: {money(per_hour, currency=ctx.currency)}/h, "
                       f"{money_month(per_hour, ctx.currency)}/month{illustrative}\n")
    return "\n".join(part.rstrip("\n") + "\n" for part in out if part)


@click.command("simulate", context_settings={"max_content_width": 100})
@click.option("-f", "--filename", "filenames", multiple=True, metavar="PATH",
              help="Add hypothetical workloads (Pods, Deployments, StatefulSets, Jobs, "
                   "CronJobs; DaemonSets add per-node overhead). File, directory or -; "
                   "repeatable.")
@click.option("--replicas", "replicas", multiple=True, metavar="NAME=N",
              help="Scale one workload from -f to N replicas (repeatable).")
@click.option("--what-if", "what_if", multiple=True, metavar="PATH",
              help="NodePools / node classes that replace or add to the cluster's "
                   "(repeatable).")
@click.option("--nodepool", "nodepools", multiple=True, metavar="NAME",
              help="Only let these NodePools create NodeClaims (repeatable).")
@click.option("--no-pending", is_flag=True,
              help="Ignore the cluster's pending pods; simulate only the -f workloads.")
@cluster_options(catalog=True)
@output_option()
def simulate(filenames: tuple[str, ...], replicas: tuple[str, ...], what_if: tuple[str, ...],
             nodepools: tuple[str, ...], no_pending: bool, output: str,
             cluster: ClusterOptions) -> int:
    """Preview Karpenter's provisioning decision: which existing nodes the pending pods land
    on, which NodeClaims it would create (NodePool, instance type, zone, capacity type,
    price), and which pods would stay pending and why.

    \b
    Exit status: 0 every pod placed, 3 some would stay pending, 1 error, 2 usage error.

    \b
    Examples:
      kubectl karp simulate --demo
      kubectl karp simulate -f deploy.yaml --replicas web=20 --no-pending
      kubectl karp simulate --what-if bigger-nodepool.yaml -o json
    """
    from kubectl_karp.core.scheduling import pending_batch
    from kubectl_karp.core.scheduling import simulate as run_simulation
    from kubectl_karp.render.output import emit_document
    from kubectl_karp.sources import load_snapshot
    from kubectl_karp.sources.catalogs import load_context
    from kubectl_karp.sources.workloads import parse_replicas, read_workloads

    if replicas and not filenames:
        raise UsageError("--replicas needs -f: it scales a workload read from the files")
    if no_pending and not filenames:
        raise UsageError("--no-pending needs -f: there would be nothing to simulate")
    workloads = read_workloads(filenames, parse_replicas(replicas)) if filenames else None
    snapshot = load_snapshot(cluster)
    ctx = load_context(cluster, snapshot, what_if=what_if)
    require_node_pools(nodepools, (npc.name for npc in ctx.node_pools))
    if not filenames and not cluster.all_namespaces and namespace_missing(snapshot,
                                                                         cluster.namespace):
        return 0
    batch_notes: list[str] = []
    pods: list[Any] = []
    if not no_pending:
        cluster_pods, batch_notes = pending_batch(snapshot)
        pods = _pick_pods(cluster_pods, cluster)
    if workloads is not None:
        pods += list(workloads.pods)
    result = run_simulation(ctx, pods, extra_daemonsets=workloads.daemonsets if workloads
                            else (), node_pools=list(nodepools) or None)
    notes = list(snapshot.notes) + list(ctx.notes) + list(workloads.notes if workloads else ())
    notes += batch_notes + list(result.notes)
    for name in workloads.empty if workloads else ():
        notes.append(f"-f: {name} has 0 replicas, so there is nothing to schedule: preview "
                     f"it with --replicas {name.partition('/')[2]}=N")
    priced = output in ("json", "yaml") or bool(result.node_claims)
    for note in shown_notes(notes, prices_shown=priced):
        click.echo(f"note: {note}", err=True)
    rules_warning(ctx.rules)
    # A NodePool that cannot provision is worth saying even when no pod needed it this time.
    node_pool_warnings(npc for npc in ctx.node_pools
                       if not nodepools or npc.name in nodepools)
    if output in ("json", "yaml"):
        emit_document(document(result, ctx), output)
    else:
        from kubectl_karp.render.width import echo

        echo(render_table(result, ctx, output == "wide"), nl=False, fit=output != "wide")
    return EXIT_PENDING if result.unschedulable else 0
