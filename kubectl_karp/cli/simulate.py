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
from kubectl_karp.render.width import note as note_line

EXIT_PENDING = 3


def _pick_pods(pods: Sequence[Any], cluster: ClusterOptions) -> list[Any]:
    from kubectl_karp.model.selectors import parse_selector, selector_matches

    chosen = list(pods)
    if cluster.namespace and not cluster.all_namespaces:
        chosen = [p for p in chosen if p.namespace == cluster.namespace]
    if cluster.selector:
        selector = parse_selector(cluster.selector)
        chosen = [p for p in chosen if selector_matches(selector, p.labels)]
    return chosen


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
    from kubectl_karp.render.simulate import document, render_table
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
        note_line(note)
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
