"""``kubectl karp version``."""

from __future__ import annotations

import platform

import click

from kubectl_karp import __version__
from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.render.output import emit_document


@click.command("version")
@click.option("--client", is_flag=True, help="Only the plugin and Python versions; no cluster.")
@cluster_options(selector=False)
@output_option(("table", "json", "yaml"), default="table")
def version(client: bool, cluster: ClusterOptions, output: str) -> int:
    """Show the plugin and Python versions and, when a cluster is reachable, the server
    version and the Karpenter CRDs it serves."""
    info: dict[str, object] = {"clientVersion": __version__,
                               "python": platform.python_version()}
    server_error = None
    if not client and not cluster.offline:
        try:
            from kubectl_karp.sources.live import server_info

            info.update(server_info(cluster))
        except Exception as err:  # the cluster is optional here: report, do not fail
            server_error = str(err)
    if output in ("json", "yaml"):
        emit_document(info, output)
        return 0
    click.echo(f"kubectl-karp: v{__version__}")
    click.echo(f"Python: {info['python']}")
    if "serverVersion" in info:
        click.echo(f"Server: {info['serverVersion']}")
        crds = info.get("karpenterCRDs") or {}
        if isinstance(crds, dict) and crds:
            for name, versions in crds.items():
                click.echo(f"CRD {name}: {versions}")
        else:
            click.echo("Karpenter CRDs: none found")
    elif server_error:
        click.echo(f"Server: unreachable ({server_error})")
    return 0
