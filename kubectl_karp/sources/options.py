"""What the user asked for about where cluster state comes from (set by the CLI flags).

A plain value object so that sources, the TUI and the CLI share it without the sources
depending on click.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ClusterOptions:
    """Where the cluster state comes from and how commands scope it."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    selector: str | None = None
    request_timeout: float | None = 20.0
    snapshot: str | None = None
    demo: bool = False
    catalogs: tuple[str, ...] = ()
    region: str | None = None
    refresh: bool = False
    # --karpenter-version: the release whose rules to follow, over whatever is detected.
    karpenter_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def offline(self) -> bool:
        return self.demo or self.snapshot is not None
