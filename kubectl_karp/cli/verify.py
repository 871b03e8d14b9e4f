"""``kubectl karp verify``: Karpenter's own word (its events) beside ours, over the cluster."""

from __future__ import annotations

import click

from kubectl_karp.cli.common import rules_warning
from kubectl_karp.cli.consolidate import parse_now
from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.render.width import note as note_line

EXIT_DISAGREE = 3


@click.command("verify")
@click.option("--now", "now_text", metavar="TIME",
              help="Evaluate at this RFC 3339 time (default: now).")
@output_option()
@cluster_options(catalog=True, selector=False, namespaced=False)
def verify(now_text: str | None, output: str, cluster: ClusterOptions) -> int:
    """Compare Karpenter's recent events with this tool's previews, object by object.

    Read-only. For every pending pod, Karpenter's newest FailedScheduling or Nominated event
    is set beside simulate's verdict; for every node, its newest DisruptionBlocked or
    Unconsolidatable event (and its NodePool's budget events) beside the consolidation dry
    run. Prints a table of agreement by reason code, then each disagreement with the
    evidence and a command that reproduces it for a bug report. Messages this tool cannot
    read are shown as Karpenter wrote them.

    \b
    Exit status: 0 everything comparable agrees, 3 something disagrees, 1 error, 2 usage.

    \b
    Examples:
      kubectl karp verify
      kubectl karp verify --snapshot cluster.yaml -o json
    """
    from kubectl_karp.core.disruption import plan_consolidation
    from kubectl_karp.core.scheduling import pending_batch, simulate
    from kubectl_karp.core.verify import verify as compare
    from kubectl_karp.render.output import Style, emit_document, use_color
    from kubectl_karp.render.verify import document, render_text
    from kubectl_karp.sources import load_snapshot
    from kubectl_karp.sources.catalogs import load_context

    snapshot = load_snapshot(cluster)
    now = parse_now(now_text)
    ctx = load_context(cluster, snapshot)
    pods, batch_notes = pending_batch(snapshot)
    result = simulate(ctx, pods)
    plan = plan_consolidation(ctx, now)
    report = compare(snapshot, result, plan, ctx.rules, now)
    from kubectl_karp.cli.common import shown_notes

    for note in shown_notes((*ctx.notes, *batch_notes, *report.notes), prices_shown=False):
        note_line(note)
    rules_warning(ctx.rules)
    if output in ("json", "yaml"):
        emit_document(document(report), output)
    else:
        from kubectl_karp.render.width import echo

        echo(render_text(report, Style(use_color())), nl=False)
    return EXIT_DISAGREE if report.disagreements else 0
