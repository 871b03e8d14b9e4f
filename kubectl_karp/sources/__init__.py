"""Where cluster state comes from: a live API server, saved files, or the embedded demo.

Every source produces the same ``ClusterSnapshot`` (kubectl_karp.model.snapshot).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubectl_karp.model.snapshot import ClusterSnapshot

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.options import ClusterOptions


def load_snapshot(opts: ClusterOptions) -> ClusterSnapshot:
    """The snapshot the options ask for: ``--demo``, ``--snapshot PATH`` or the live cluster."""
    if opts.demo:
        from kubectl_karp.sources.demo import load_demo

        return load_demo()
    if opts.snapshot is not None:
        from kubectl_karp.sources.files import load_paths

        return load_paths([opts.snapshot])
    from kubectl_karp.sources.live import read_cluster

    return read_cluster(opts)
