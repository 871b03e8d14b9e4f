"""``kubectl karp snapshot``: save exactly what kubectl-karp reads, as one List."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import click

from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.errors import KarpError
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.render.width import note as note_line
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


def _version_document(cluster: ClusterOptions, found: tuple[str, str, str] | None
                      ) -> list[dict[str, Any]]:
    """The ``kind: KarpenterVersion`` document recording the release this run found (or the
    one --karpenter-version names), so the file is previewed with the same rules offline.
    None when nothing was found: reading the file then assumes the default again."""
    from kubectl_karp.core.releases import SOURCE_FLAG
    from kubectl_karp.model.parse_release import version_document

    if cluster.karpenter_version:
        return [version_document(cluster.karpenter_version, SOURCE_FLAG,
                                 f"Karpenter {cluster.karpenter_version}, given with "
                                 "--karpenter-version when the snapshot was taken")]
    return [version_document(*found)] if found else []


def _live(cluster: ClusterOptions, with_catalog: bool
          ) -> tuple[list[str], list[Mapping[str, Any]]]:
    from kubectl_karp.core.releases import SOURCE_DETECTED
    from kubectl_karp.model.parse import CATALOG_FACTS, build_snapshot
    from kubectl_karp.sources.live import read_documents

    # Written as read, not modelled: an object the model rejects must still reach the
    # bug report. A cluster without Karpenter is worth a snapshot too: note it only.
    read = read_documents(cluster, require_karpenter=False)
    notes: list[str] = list(read.notes)
    found = read.version
    detected = (found.version, found.source, found.reason) if (
        found is not None and found.source == SOURCE_DETECTED) else None
    documents: list[Mapping[str, Any]] = [*_version_document(cluster, detected),
                                          *read.documents]
    if with_catalog:
        origin = f"context {read.context}"
        try:
            # Only what the catalogue choice reads is modelled; the rest is written as read.
            snap = build_snapshot(((doc, origin) for doc in documents), source=origin,
                                  model=CATALOG_FACTS)
            extra, more = _catalog_documents(cluster, snap)
        except KarpError as err:
            extra, more = [], (f"no instance-type catalogue is added: {err}",)
        documents += extra
        notes += more
    return notes, documents


@click.command("snapshot")
@cluster_options(selector=False, namespaced=False)
@click.option("--no-catalog", is_flag=True,
              help="Leave out the instance-type catalogue document.")
@output_option(("yaml", "json"), default="yaml")
def snapshot(cluster: ClusterOptions, output: str, no_catalog: bool) -> int:
    """Write the cluster state kubectl-karp reads as one List document.

    The result can be attached to a bug report or used offline with --snapshot FILE by
    every other command. Secrets and ConfigMaps are never read; managedFields and
    last-applied-configuration annotations are left out. First comes a kind:
    KarpenterVersion document naming the Karpenter release detected (from the controller
    image, else the NodePool CRD; or --karpenter-version), so the other commands follow the
    same release's rules offline; then the cluster objects, exactly as read; last the
    instance-type catalogue the other commands would use for this cluster (kind:
    InstanceTypeCatalog: the bundled one for --demo, the Tencent Cloud API's for a live TKE
    cluster, or the bundled fallback without credentials), so prices and instance types are
    the same offline. No catalogue is added when instance types are inferred from the nodes,
    or with --no-catalog; no version when none was detected.

    \b
    Examples:
      kubectl karp snapshot > cluster.yaml
      kubectl karp snapshot -o json --context prod > prod.json
      kubectl karp simulate --snapshot cluster.yaml
    """
    if cluster.offline:
        from kubectl_karp.model.parse_release import VERSION_KIND

        # A saved file is read whole: a snapshot of it refuses what the other commands would
        # refuse (tests/faults), so every object is modelled, unlike a live snapshot's.
        snap = load_snapshot(cluster)
        notes, documents = list(snap.notes), list(snap.documents)
        if cluster.karpenter_version:  # the flag replaces what the file recorded
            documents = [*_version_document(cluster, None),
                         *(d for d in documents if d.get("kind") != VERSION_KIND)]
        if not no_catalog:
            extra, more = _catalog_documents(cluster, snap)
            documents += extra
            notes += more
    else:
        notes, documents = _live(cluster, not no_catalog)
    for note in dict.fromkeys(notes):
        note_line(note)
    write_list(documents, output, sys.stdout)
    return 0
