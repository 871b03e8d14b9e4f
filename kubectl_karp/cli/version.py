"""``kubectl karp version``."""

from __future__ import annotations

import platform

import click

from kubectl_karp import __version__
from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.errors import KarpError
from kubectl_karp.render.width import note as note_line
from kubectl_karp.render.width import warning


@click.command("version")
@click.option("--client", is_flag=True, help="Only the plugin and Python versions; no cluster.")
@cluster_options(selector=False, namespaced=False)
@output_option(("table", "json", "yaml"), default="table")
def version(client: bool, cluster: ClusterOptions, output: str) -> int:
    """Show the plugin and Python versions and, when a cluster is reachable, the server
    version, the Karpenter CRDs it serves and the Karpenter release it runs (whose rules
    the other commands follow; with --snapshot/--demo, the release the file tells).

    Like kubectl, the client part is printed even when the server cannot be reached; the
    exit status is then 1.

    \b
    Examples:
      kubectl karp version
      kubectl karp version --client
      kubectl karp version --context prod -o json
    """
    from kubectl_karp.render.version import client_document

    info = client_document(__version__, platform.python_version())
    server_error: KarpError | None = None
    if not client and not cluster.offline:
        try:
            from kubectl_karp.sources.live import server_info

            info.update(server_info(cluster))
        except KarpError as err:
            server_error = err
    elif not client:
        # --snapshot/--demo: the release whose rules the other commands would follow.
        from kubectl_karp.render.output import rules_fields
        from kubectl_karp.sources import load_snapshot
        from kubectl_karp.sources.catalogs import options_rules

        rules = options_rules(cluster, load_snapshot(cluster))
        info.update(rules_fields(rules))
        if rules.warning:
            info["versionWarning"] = rules.warning
    if output in ("json", "yaml"):
        from kubectl_karp.render.output import emit_document

        emit_document(info, output)
    else:
        from kubectl_karp.render.version import render_text

        click.echo(render_text(info), nl=False)
        if info.get("karpenterNote"):
            note_line(str(info["karpenterNote"]))
    notes = info.get("versionNotes")
    for note in notes if isinstance(notes, list) else ():
        note_line(note)
    if info.get("versionWarning"):
        warning(str(info["versionWarning"]))
    if server_error is not None:
        raise server_error
    return 0
