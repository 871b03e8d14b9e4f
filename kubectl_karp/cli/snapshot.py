"""``kubectl karp snapshot``: save exactly what kubectl-karp reads, as one List."""

from __future__ import annotations

import sys

import click

from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.sources import load_snapshot
from kubectl_karp.sources.listfile import write_list


@click.command("snapshot")
@cluster_options(selector=False)
@output_option(("yaml", "json"), default="yaml")
def snapshot(cluster: ClusterOptions, output: str) -> int:
    """Write the cluster state kubectl-karp reads as one List document.

    The result can be attached to a bug report or used offline with --snapshot FILE by
    every other command. Secrets and ConfigMaps are never read; managedFields and
    last-applied-configuration annotations are left out.

    \b
    Examples:
      kubectl karp snapshot > cluster.yaml
      kubectl karp snapshot -o json --context prod > prod.json
      kubectl karp simulate --snapshot cluster.yaml
    """
    if cluster.offline:
        snap = load_snapshot(cluster)
        notes, documents = snap.notes, snap.documents
    else:
        from kubectl_karp.sources.live import read_documents

        # Written as read, not modelled: an object the model rejects must still reach the
        # bug report. A cluster without Karpenter is worth a snapshot too: note it only.
        read = read_documents(cluster, require_karpenter=False)
        notes, documents = read.notes, read.documents
    for note in notes:
        click.echo(f"note: {note}", err=True)
    write_list(documents, output, sys.stdout)
    return 0
