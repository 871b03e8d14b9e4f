"""Where the TUI's data comes from: a fixed snapshot (--snapshot/--demo) or a live cluster.

A source calls ``emit(update)`` with ``DataUpdate``s (a new immutable snapshot and its
context, or a status change); the app forwards them to the UI thread with
``post_message``. Sources never touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.model.snapshot import ClusterSnapshot

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.catalogs import CatalogChoice
    from kubectl_karp.sources.options import ClusterOptions
    from kubectl_karp.sources.watch import ClusterWatcher


@dataclass(frozen=True)
class DataUpdate:
    """A new picture (``ctx`` set) and/or a connection status (``status`` not None).

    ``status`` is "" when connected, else a one-line "reconnecting …" message.
    """

    ctx: SchedulingContext | None = None
    status: str | None = None


Emit = Callable[[DataUpdate], None]


class DataSource(Protocol):
    label: str
    live: bool

    def start(self, emit: Emit) -> None: ...

    def stop(self) -> None: ...


class StaticSource:
    """One snapshot, shown as is (``--snapshot``/``--demo``)."""

    live = False

    def __init__(self, snapshot: ClusterSnapshot, ctx: SchedulingContext | None = None
                 ) -> None:
        self.snapshot = snapshot
        self.ctx = ctx if ctx is not None else build_context(snapshot)
        self.label = snapshot.source or "snapshot"

    def start(self, emit: Emit) -> None:
        emit(DataUpdate(ctx=self.ctx, status=""))

    def stop(self) -> None:
        pass


class LiveSource:
    """List+watch the cluster in background threads; every snapshot gets a fresh context
    built with the catalogues chosen for the first one."""

    live = True

    def __init__(self, opts: ClusterOptions, *, interval: float = 0.33) -> None:
        self.opts = opts
        self._choice: CatalogChoice | None = None
        self.interval = interval
        self.label = "live"
        self._watcher: ClusterWatcher | None = None
        self._conn: object | None = None

    def connect(self) -> None:
        """Resolve the kubeconfig and discover the APIs; raises ClusterError (the CLI calls
        this before the screen opens, so a wrong context fails with one error line)."""
        from kubectl_karp.errors import ClusterError
        from kubectl_karp.sources.kubeclient import connect
        from kubectl_karp.sources.live import CORE_LISTS, discover, not_installed_message
        from kubectl_karp.sources.watch import ClusterWatcher

        conn = connect(self.opts, pool_size=len(CORE_LISTS) + 8)
        discovery = discover(conn)
        if not any(spec.kind == "NodePool" for spec in discovery.lists):
            conn.close()
            raise ClusterError(not_installed_message(conn.context, discovery))
        watched = [s for s in CORE_LISTS if s.kind in ("Node", "Pod")] + list(discovery.lists)
        static = [s for s in CORE_LISTS if s.kind not in ("Node", "Pod")]
        # Probe each required watch with a one-item LIST now, so a 401/403 becomes one
        # error line before the screen opens instead of a "reconnecting" loop behind it.
        for spec in watched:
            if spec.required:
                try:
                    conn.get_json(spec.path, verb="list", resource=spec.resource,
                                  query={"limit": 1}, scope="at the cluster scope")
                except ClusterError:
                    conn.close()
                    raise
        self.label = f"context {conn.context}"
        self._conn = conn
        self._watcher = ClusterWatcher(
            conn, watched, static, on_snapshot=self._on_snapshot, on_status=self._on_status,
            karpenter_apis=tuple(sorted(s.resource for s in discovery.lists)),
            notes=discovery.notes, interval=self.interval)

    def start(self, emit: Emit) -> None:
        if self._watcher is None:
            self.connect()
        assert self._watcher is not None
        self._emit = emit
        self._watcher.start()

    def _on_snapshot(self, snapshot: ClusterSnapshot) -> None:
        # Catalogues are chosen once, on the first snapshot (the region and provider come
        # from the nodes); this runs in the watcher's thread, so a cloud API call is fine.
        if self._choice is None:
            from kubectl_karp.errors import KarpError
            from kubectl_karp.sources.catalogs import CatalogChoice, choose_catalogs

            try:
                self._choice = choose_catalogs(self.opts, snapshot)
            except KarpError as err:
                self._choice = CatalogChoice(notes=(f"{err}; instance types are inferred "
                                                    "from the nodes",))
        choice = self._choice
        from kubectl_karp.sources.catalogs import options_rules

        ctx = build_context(snapshot, choice.catalogs, notes=choice.notes,
                            catalog_source=choice.source, rules=options_rules(self.opts, snapshot))
        self._emit(DataUpdate(ctx=ctx))

    def _on_status(self, text: str) -> None:
        self._emit(DataUpdate(status=text))

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
