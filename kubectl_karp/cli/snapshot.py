"""``kubectl karp snapshot``: save exactly what kubectl-karp reads, as one List."""

from __future__ import annotations

import click

from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.render.output import emit_document
from kubectl_karp.sources import load_snapshot


@click.command("snapshot")
@cluster_options(selector=False)
@output_option(("yaml", "json"), default="yaml")
def snapshot(cluster: ClusterOptions, output: str) -> int:
    """Write the cluster state kubectl-karp reads as one List document.

    The result can be attached to a bug report or used offline with --snapshot FILE by
    every other command. Secrets and ConfigMaps are never read.

    \b
    Example:
      kubectl karp snapshot > cluster.yaml
      kubectl karp simulate --snapshot cluster.yaml
    """
    snap = load_snapshot(cluster)
    for note in snap.notes:
        click.echo(f"note: {note}", err=True)
    emit_document({"apiVersion": "v1", "kind": "List", "items": list(snap.documents)}, output)
    return 0
