"""``kubectl karp snapshot``: save exactly what kubectl-karp reads, as one List."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import click

from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.errors import KarpError
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.sources import load_snapshot
from kubectl_karp.sources.listfile import write_list


def _catalog_documents(cluster: ClusterOptions, snap: ClusterSnapshot
                       ) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """The ``InstanceTypeCatalog`` documents the other commands would use for this source, so
    the saved List prices and sizes nodes the same offline (none when inferred from nodes)."""
    from kubectl_karp.model.parse import catalog_to_document
    from kubectl_karp.sources.catalogs import choose_catalogs

    if snap.catalogs:  # a --snapshot that carries its catalogue already has the documents
        return [], ()
    choice = choose_catalogs(cluster, snap)
    return [catalog_to_document(c) for c in choice.catalogs], choice.notes


def _live(cluster: ClusterOptions, with_catalog: bool
          ) -> tuple[list[str], list[Mapping[str, Any]]]:
    from kubectl_karp.model.parse import build_snapshot
    from kubectl_karp.sources.live import read_documents

    # Written as read, not modelled: an object the model rejects must still reach the
    # bug report. A cluster without Karpenter is worth a snapshot too: note it only.
    read = read_documents(cluster, require_karpenter=False)
    notes: list[str] = list(read.notes)
    documents: list[Mapping[str, Any]] = list(read.documents)
    if with_catalog:
        origin = f"context {read.context}"
        try:
            snap = build_snapshot(((doc, origin) for doc in documents), source=origin)
            extra, more = _catalog_documents(cluster, snap)
        except KarpError as err:
            extra, more = [], (f"no instance-type catalogue is added: {err}",)
        documents += extra
        notes += more
    return notes, documents


@click.command("snapshot")
@cluster_options(selector=False)
@click.option("--no-catalog", is_flag=True,
              help="Leave out the instance-type catalogue document.")
@output_option(("yaml", "json"), default="yaml")
def snapshot(cluster: ClusterOptions, output: str, no_catalog: bool) -> int:
    """Write the cluster state kubectl-karp reads as one List document.

    The result can be attached to a bug report or used offline with --snapshot FILE by
    every other command. Secrets and ConfigMaps are never read; managedFields and
    last-applied-configuration annotations are left out. The cluster objects are written
    exactly as read; after them comes the instance-type catalogue the other commands would
    use for this cluster (kind: InstanceTypeCatalog: the bundled one for --demo, the Tencent
    Cloud API's for a live TKE cluster, or the bundled fallback without credentials), so
    prices and instance types are the same offline. None is added when instance types are
    inferred from the nodes, or with --no-catalog.

    \b
    Examples:
      kubectl karp snapshot > cluster.yaml
      kubectl karp snapshot -o json --context prod > prod.json
      kubectl karp simulate --snapshot cluster.yaml
    """
    if cluster.offline:
        snap = load_snapshot(cluster)
        notes, documents = list(snap.notes), list(snap.documents)
        if not no_catalog:
            extra, more = _catalog_documents(cluster, snap)
            documents += extra
            notes += more
    else:
        notes, documents = _live(cluster, not no_catalog)
    for note in dict.fromkeys(notes):
        click.echo(f"note: {note}", err=True)
    write_list(documents, output, sys.stdout)
    return 0
