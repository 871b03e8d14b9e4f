"""``kubectl karp tui``: the live terminal view (Textual is imported only when it runs)."""

from __future__ import annotations

import click

from kubectl_karp.cli.options import ClusterOptions, cluster_options


@click.command("tui")
@cluster_options(selector=False, catalog=True, namespaced=False)
def tui(cluster: ClusterOptions) -> int:
    """Live terminal view: nodes, NodeClaims, NodePools, pending pods, consolidation.

    Read-only: it never writes to the cluster. Against a live cluster it follows changes
    with watches; with --snapshot FILE or --demo it shows that state.

    \b
    Keys: 1-5 switch view (1 Nodes, 2 NodeClaims, 3 NodePools, 4 Pending pods,
    5 Consolidation dry run) or :name, / filter, j/k move, g/G top/bottom,
    Enter drill down, d describe (with Karpenter's events), y YAML,
    s or Shift+letter sort, Esc back, ? help, q quit.

    \b
    Example:
      kubectl karp tui --demo
    """
    from kubectl_karp.tui.app import create_app
    from kubectl_karp.tui.sources import DataSource, LiveSource, StaticSource

    source: DataSource
    if cluster.offline:
        from kubectl_karp.sources.catalogs import load_context

        ctx = load_context(cluster)
        source = StaticSource(ctx.snapshot, ctx)
    else:
        live = LiveSource(cluster)
        live.connect()  # a wrong context or an unreachable server: one error line, no screen
        source = live
    result = create_app(source).run()
    return result or 0
