"""``kubectl karp explain``: why pods are pending, per node and NodePool, with fixes."""

from __future__ import annotations

from typing import Any

import click

from kubectl_karp.cli.common import (
    namespace_missing,
    node_pool_warnings,
    rules_warning,
    shown_notes,
)
from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.errors import InputError, UsageError
from kubectl_karp.model.names import printable
from kubectl_karp.render.width import note as note_line

EXIT_PENDING = 3


def kubectl_targets(args: tuple[str, ...]) -> list[str]:
    """kubectl's two spellings: ``TYPE/NAME...`` and ``TYPE NAME...`` (``explain pod
    trainer-0 trainer-1``): a first word that is a bare resource type names the type of
    every following name."""
    from kubectl_karp.core.explain.targets import KINDS

    if len(args) > 1 and "/" not in args[0] and args[0].lower() in KINDS:
        if any("/" in a for a in args[1:]):
            raise UsageError("there is no need to specify a resource type as a separate "
                             "argument when passing arguments in resource/name form")
        return [f"{args[0]}/{name}" for name in args[1:]]
    return list(args)


def _checked_targets(targets: tuple[str, ...]) -> list[Any]:
    """TYPE/NAME arguments, each NAME a valid object name (it may go into a request path)."""
    from kubectl_karp.core.explain.targets import parse_target
    from kubectl_karp.model.names import check_name

    parsed = []
    for text in targets:
        target = parse_target(text)
        try:
            check_name(target.name, f"explain {printable(text)[:80]}")
        except InputError as err:
            raise UsageError(str(err)) from None
        parsed.append(target)
    return parsed


@click.command("explain", context_settings={"max_content_width": 100})
@click.argument("targets", nargs=-1, metavar="[TYPE/NAME... | TYPE NAME...]")
@click.option("-f", "--filename", "filenames", multiple=True, metavar="PATH",
              help="Explain hypothetical workloads from these files (file, directory or -; "
                   "repeatable).")
@click.option("--no-pending", is_flag=True,
              help="Ignore the cluster's pending pods; explain only the -f workloads "
                   "(as simulate -f --no-pending schedules them).")
@cluster_options(catalog=True)
@output_option()
def explain(targets: tuple[str, ...], filenames: tuple[str, ...], no_pending: bool,
            output: str, cluster: ClusterOptions) -> int:
    """Explain why pods are Pending: per existing node, per NodePool and instance type,
    with a concrete fix for each reason.

    \b
    TYPE/NAME: pod/NAME, deployment/NAME (its pods, or its template when it has none),
    statefulset/NAME, replicaset/NAME, job/NAME, cronjob/NAME. Without targets: every
    pending pod. Same-spec pods of one owner are folded into one entry with a count.

    \b
    Exit status: 0 all explained pods would be placed, 3 some would stay Pending,
    1 error, 2 usage error.
    """
    from kubectl_karp.core.explain import explain as run_explain
    from kubectl_karp.core.explain.targets import find_workload_document, select_pods
    from kubectl_karp.core.scheduling import pending_batch
    from kubectl_karp.model.parse import describe, workload_pods
    from kubectl_karp.model.selectors import parse_selector
    from kubectl_karp.render.explain import document, render_text
    from kubectl_karp.render.output import Style, emit_document, use_color
    from kubectl_karp.render.width import echo
    from kubectl_karp.sources.catalogs import load_context
    from kubectl_karp.sources.workloads import live_workload, offline_documents

    parsed = _checked_targets(tuple(kubectl_targets(targets)))
    if filenames and parsed:
        raise UsageError("give either TYPE/NAME targets or -f FILE, not both")
    if no_pending and not filenames:
        raise UsageError("--no-pending needs -f: there would be nothing to explain")
    selector = parse_selector(cluster.selector) if cluster.selector else None
    namespace = None if cluster.all_namespaces else cluster.namespace
    ctx = load_context(cluster)
    snapshot = ctx.snapshot
    if not filenames and not parsed and namespace_missing(snapshot, namespace):
        return 0
    pending = list(snapshot.pending_pods)

    hypothetical: list[Any] = []
    daemonsets: tuple[Any, ...] = ()
    # The batch is what `simulate` with the same flags schedules, so the verdicts match:
    # -n/-l narrow it; naming targets does not (the other pending pods still compete).
    # simulate's batch: gated pods out, deleting in; none with --no-pending, as simulate.
    scheduled = [] if no_pending else pending_batch(snapshot)[0]
    batch = list(scheduled) if parsed else list(select_pods(
        snapshot, scheduled, (), namespace=namespace, selector=selector).pods)
    if filenames:
        from kubectl_karp.sources.workloads import read_workloads

        workloads = read_workloads(filenames)
        if workloads.empty:
            # Scaled to zero: explain one pod of the template, as for a workload without
            # pods (README), and say so.
            one = {name: 1 for name in workloads.empty}
            workloads = read_workloads(filenames, one)
            for name in one:
                note_line(f"-f: {name} has 0 replicas; explaining one pod of its template "
                          f"(simulate: --replicas {name.partition('/')[2]}=N)")
        hypothetical = list(workloads.pods)
        daemonsets = workloads.daemonsets
        for note in workloads.notes:
            note_line(note)
        chosen = [p for p in hypothetical if namespace is None or p.namespace == namespace]
    else:
        selection = select_pods(snapshot, pending, parsed, namespace=namespace,
                                selector=selector)
        chosen = list(selection.pods)
        offline_docs = offline_documents(cluster) if selection.empty else []
        origins = {id(doc): where for doc, where in offline_docs}
        for ns, target in selection.empty:
            doc = find_workload_document([d for d, _ in offline_docs], target, ns)
            origin = origins.get(id(doc), "") if doc is not None else ""
            if doc is None and not cluster.offline:
                doc = live_workload(cluster, target.kind, target.name, ns or "default")
                origin = f"{cluster.context or 'current context'}"
            if doc is None:
                # Like kubectl: a missing object is an error (exit 1), not a usage mistake.
                raise InputError(f"{target} not found"
                                 + (f" in namespace {ns}" if ns else "")
                                 + " (and it has no pods)")
            pods = workload_pods(doc, describe(doc, origin) if origin else str(target))
            hypothetical.extend(pods)
            chosen.extend(pods)
    known = {p.key for p in batch}
    batch += [p for p in hypothetical if p.key not in known]
    result = run_explain(ctx, chosen, batch=batch, extra_daemonsets=daemonsets,
                         hypothetical=frozenset(p.key for p in hypothetical))
    priced = output in ("json", "yaml") or any(
        p.verdict.price_per_hour is not None for p in result.pods)
    for note in shown_notes((*ctx.notes, *result.notes), prices_shown=priced):
        note_line(note)
    rules_warning(ctx.rules)
    # Also when no pod listed here ran into it (the human output's blockers need a pod).
    node_pool_warnings(ctx.node_pools)
    reported = _karpenter_said(ctx, result)
    if output in ("json", "yaml"):
        emit_document(document(result, ctx, reported), output)
    else:
        echo(render_text(result, Style(use_color()), wide=output == "wide",
                         currency=ctx.currency, reported=reported, header=ctx.rules.header),
             nl=False)
    return 0 if result.all_schedulable else EXIT_PENDING


def _karpenter_said(ctx: Any, result: Any) -> dict[str, Any]:
    """Pod key → Karpenter's newest word on it beside ours (empty without events)."""
    if not ctx.snapshot.events:
        return {}
    from datetime import datetime, timezone

    from kubectl_karp.core.verify import answers_from_explanation, compare_pods
    from kubectl_karp.render.verify import said_text

    rows = compare_pods(ctx.snapshot, answers_from_explanation(result), ctx.rules,
                        datetime.now(timezone.utc))
    return {row.name: row for row in rows if said_text(row) is not None}
