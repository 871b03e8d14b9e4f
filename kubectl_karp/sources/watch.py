"""List+watch of the objects the TUI shows, in background threads.

One thread per watched collection keeps that collection's objects current (LIST with the
collection's resourceVersion, then WATCH from it; ``410 Gone`` relists; a dropped or
refused connection backs off and retries). A publisher thread turns the object store into
an immutable ``ClusterSnapshot`` at most a few times per second and hands it on. Nothing
here touches the UI: callers pass callbacks.

Parsed objects are cached by key and resourceVersion, so a snapshot after one change costs
one parse rather than re-reading 50,000 pods. The store is the one place the raw documents
live (the parsed objects and the published snapshot refer to the same dicts, and the TUI's
YAML view reads them from the snapshot's documents); equal parts of different documents
(tolerations, volumes, probes, timestamps, image names…) are one shared object, which
roughly halves what 50,000 pods weigh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any, TypeVar, cast

from kubectl_karp.errors import ClusterError, InputError
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.sources.apierrors import translate_error
from kubectl_karp.sources.kubeclient import Connection
from kubectl_karp.sources.live import ListSpec, clean_item

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
WATCH_TIMEOUT_SECONDS = 300  # the server ends each watch after this; we resume from its RV
SNAPSHOT_FIELDS = ("nodes", "pods", "node_pools", "node_claims", "node_classes",
                   "daemon_sets", "pdbs", "pvcs", "pvs", "storage_classes", "catalogs",
                   "events")


def _key(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata") or {}
    return f"{meta.get('namespace') or ''}/{meta.get('name') or ''}"


def _rv(doc: Mapping[str, Any]) -> str:
    return str((doc.get("metadata") or {}).get("resourceVersion") or "")


_Part = TypeVar("_Part", dict[str, Any], list[Any])


class _Sharer:
    """Makes equal parts of documents one object: strings, and dicts and lists whose
    members are (after sharing) the very same objects.

    Sound because nothing mutates a stored document (the model keeps them as ``raw``,
    read-only; YAML output never emits aliases). The cache is keyed by a hash and checked
    member by member (containers by identity, scalars by type and value, so ``True`` and
    ``1`` never stand for each other): a collision only costs a missed share. It holds every
    part it has seen, so the store starts a new one on each relist and after as many watch
    events as it holds documents (old documents keep what they share).
    """

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._parts: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self._parts)

    def share(self, value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            return self._dict(value)
        if kind is list:
            return self._list(value)
        if kind is str:
            return self._strings.setdefault(value, value)
        return value

    # (The two walks are written out rather than recursing through share(): they run on
    # every node of 50,000 documents, and the calls were half their cost.)
    def _dict(self, value: dict[str, Any]) -> dict[str, Any]:
        strings = self._strings
        shared: dict[str, Any] = {}
        marks: list[Any] = [0]
        for key, member in value.items():
            key = strings.setdefault(key, key)
            kind = type(member)
            if kind is str:
                member = strings.setdefault(member, member)
                marks += (key, member)
            elif kind is dict:
                member = self._dict(member)
                marks += (key, id(member))
            elif kind is list:
                member = self._list(member)
                marks += (key, id(member))
            else:
                marks += (key, (kind, member))
            shared[key] = member
        return self._cached(shared, hash(tuple(marks)))

    def _list(self, value: list[Any]) -> list[Any]:
        strings = self._strings
        items: list[Any] = []
        marks: list[Any] = [1]
        for member in value:
            kind = type(member)
            if kind is str:
                member = strings.setdefault(member, member)
                marks.append(member)
            elif kind is dict:
                member = self._dict(member)
                marks.append(id(member))
            elif kind is list:
                member = self._list(member)
                marks.append(id(member))
            else:
                marks.append((kind, member))
            items.append(member)
        return self._cached(items, hash(tuple(marks)))

    def _cached(self, value: _Part, key: int) -> _Part:
        cached = self._parts.get(key)
        if cached is not None and _same(cached, value):
            return cast(_Part, cached)
        self._parts[key] = value
        return value


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b) or len(a) != len(b):
        return False
    if type(a) is dict:
        return all(x == y and _same_member(u, v)
                   for (x, u), (y, v) in zip(a.items(), b.items(), strict=True))
    return all(_same_member(u, v) for u, v in zip(a, b, strict=True))


def _same_member(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if type(a) is dict or type(a) is list:
        return a is b
    return bool(a == b)


@dataclass
class _Entry:
    rv: str
    doc: dict[str, Any]
    parsed: ClusterSnapshot | None = None  # a one-object snapshot; None: not parsed yet


@dataclass
class _Collection:
    spec: ListSpec
    entries: dict[str, _Entry] = field(default_factory=dict)
    sharer: _Sharer = field(default_factory=_Sharer)
    shared: int = 0  # documents shared through ``sharer``

    def share(self, item: dict[str, Any]) -> dict[str, Any]:
        """``item`` cleaned and made of parts shared with the stored documents."""
        # The sharer holds every part it has seen, also those of deleted documents: once
        # it has seen three times as many documents as are stored, a new one starts (the
        # stored documents keep what they share).
        if self.shared > 3 * len(self.entries) + 1000:
            self.sharer, self.shared = _Sharer(), 0
        self.shared += 1
        doc: dict[str, Any] = self.sharer.share(clean_item(item, self.spec.api_version,
                                                           self.spec.kind))
        return doc


class ObjectStore:
    """Objects by collection and key; thread-safe; knows whether it changed."""

    def __init__(self, specs: Sequence[ListSpec], source: str) -> None:
        self.source = source
        self._lock = threading.Lock()
        self._collections = {spec.path: _Collection(spec) for spec in specs}
        self._version = 0
        self._notes: dict[str, str] = {}

    @property
    def version(self) -> int:
        return self._version

    def prepare(self, spec: ListSpec, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """A page of a list as the store keeps it (cleaned, parts shared): called as each
        page arrives, so the whole list is never held as decoded (``replace(...,
        prepared=True)`` then takes them). Only the thread that lists ``spec`` calls it."""
        coll = self._collections[spec.path]
        return [coll.share(item) for item in items]

    def replace(self, spec: ListSpec, items: Sequence[dict[str, Any]], *,
                prepared: bool = False) -> None:
        docs = items if prepared else self.prepare(spec, items)
        with self._lock:
            coll = self._collections[spec.path]
            old = coll.entries
            fresh: dict[str, _Entry] = {}
            for doc in docs:
                key, rv = _key(doc), _rv(doc)
                prev = old.get(key)
                fresh[key] = prev if prev is not None and rv and prev.rv == rv and \
                    prev.doc == doc else _Entry(rv, doc)
            coll.entries = fresh
            self._version += 1

    def apply(self, spec: ListSpec, kind: str, obj: dict[str, Any]) -> None:
        coll = self._collections[spec.path]
        doc = coll.share(obj)
        key = _key(doc)
        with self._lock:
            entries = coll.entries
            if kind == "DELETED":
                if entries.pop(key, None) is None:
                    return
            else:
                prev = entries.get(key)
                if prev is not None and prev.doc == doc:
                    return  # a re-sent ADDED (some servers replay the list on watch)
                entries[key] = _Entry(_rv(doc), doc)
            self._version += 1

    def snapshot(self, *, karpenter_apis: Sequence[str] = (), notes: Sequence[str] = ()
                 ) -> ClusterSnapshot:
        with self._lock:
            entries = [e for coll in self._collections.values() for e in coll.entries.values()]
        buckets: dict[str, list[Any]] = {name: [] for name in SNAPSHOT_FIELDS}
        documents: list[Mapping[str, Any]] = []
        namespaces: dict[str, Mapping[str, str]] = {}
        all_notes = list(notes)
        for entry in entries:
            if entry.parsed is None:
                try:
                    entry.parsed = build_snapshot([(entry.doc, self.source)], source=self.source)
                except InputError as err:
                    all_notes.append(f"skipped: {err}")
                    continue
            part = entry.parsed
            for name in SNAPSHOT_FIELDS:
                buckets[name].extend(getattr(part, name))
            namespaces.update(part.namespaces)
            documents.extend(part.documents)
        return ClusterSnapshot(
            source=self.source, captured_at=datetime.now(timezone.utc),
            namespaces=namespaces, notes=tuple(all_notes),
            karpenter_apis=tuple(karpenter_apis), documents=tuple(documents),
            **{name: tuple(values) for name, values in buckets.items()})  # type: ignore[arg-type]


class _Gone(Exception):
    """The watch's resourceVersion is too old: relist."""


class ClusterWatcher:
    """Runs list+watch threads for ``watched`` and lists ``static`` once.

    ``on_snapshot(snapshot)`` and ``on_status(text)`` are called from background threads
    (the TUI forwards them with ``post_message``). ``on_status("")`` means connected.
    """

    def __init__(self, conn: Connection, watched: Sequence[ListSpec],
                 static: Sequence[ListSpec], *,
                 on_snapshot: Callable[[ClusterSnapshot], None],
                 on_status: Callable[[str], None],
                 karpenter_apis: Sequence[str] = (), notes: Sequence[str] = (),
                 interval: float = 0.33) -> None:
        self.conn = conn
        self.watched = tuple(watched)
        self.static = tuple(static)
        self.store = ObjectStore((*watched, *static), f"context {conn.context}")
        self.on_snapshot = on_snapshot
        self.on_status = on_status
        self.karpenter_apis = tuple(karpenter_apis)
        self.notes = list(notes)
        self.interval = interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watches: list[Any] = []
        self._failing: dict[str, str] = {}
        self._status_lock = threading.Lock()
        self._listed = threading.Event()
        self._pending_lists = len(self.watched)

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> None:
        for spec in self.watched:
            self._spawn(self._run_watch, spec, f"watch {spec.resource}")
        self._spawn(self._run_static, None, "list static")
        self._spawn(self._run_publisher, None, "publish")

    def _spawn(self, target: Callable[..., None], arg: Any, name: str) -> None:
        args = (arg,) if arg is not None else ()
        thread = threading.Thread(target=target, args=args, name=f"karp {name}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self._stop.set()
        for w in list(self._watches):
            w.stop()

    # ----------------------------------------------------------------- status
    def _set_failing(self, resource: str, message: str | None) -> None:
        with self._status_lock:
            before = dict(self._failing)
            if message is None:
                self._failing.pop(resource, None)
            else:
                self._failing[resource] = message
            changed = before != self._failing
            text = next(iter(self._failing.values()), "")
        if changed:
            self.on_status(text)

    # ----------------------------------------------------------------- threads
    def _run_static(self) -> None:
        # Objects the views need but need not follow live (DaemonSets, PDBs, volumes…).
        for spec in self.static:
            if self._stop.is_set():
                return
            try:
                docs, _ = self.conn.list_versioned(
                    spec.path, resource=spec.resource, query=spec.query,
                    each_page=partial(self.store.prepare, spec))
            except ClusterError as err:
                self.notes.append(f"{err}; continuing without {spec.resource}")
                continue
            self.store.replace(spec, docs, prepared=True)

    def _list(self, spec: ListSpec) -> str:
        # Page by page, each page made compact as it arrives (issue 20: 50,000 pods decoded
        # at once weighed more than the whole TUI otherwise holds).
        docs, version = self.conn.list_versioned(
            spec.path, resource=spec.resource, query=spec.query,
            each_page=partial(self.store.prepare, spec))
        self.store.replace(spec, docs, prepared=True)
        return version

    def _run_watch(self, spec: ListSpec) -> None:
        from kubernetes import watch

        watch_module: Any = watch  # untyped package
        delay = BACKOFF_START
        first = True
        while not self._stop.is_set():
            try:
                rv = self._list(spec)
                if first:
                    first = False
                    self._list_done()
                self._set_failing(spec.resource, None)
                delay = BACKOFF_START
                while not self._stop.is_set():
                    rv = self._watch_once(watch_module.Watch(return_type="object"), spec, rv)
            except _Gone:
                continue  # relist at once
            except Exception as err:  # connection refused/reset, timeouts, API errors
                message = str(translate_error(err, "watch", spec.resource,
                                              host=self.conn.host, context=self.conn.context,
                                              timeout=self.conn.timeout))
                self._set_failing(spec.resource, f"reconnecting in {delay:.0f}s: {message}")
                if first:
                    first = False
                    self._list_done()
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, BACKOFF_MAX)

    def _list_done(self) -> None:
        with self._status_lock:
            self._pending_lists -= 1
            done = self._pending_lists <= 0
        if done:
            self._listed.set()

    def _watch_once(self, w: Any, spec: ListSpec, rv: str) -> str:
        from kubernetes.client.exceptions import ApiException

        self._watches.append(w)
        try:
            for event in w.stream(self._watch_call(spec), resource_version=rv,
                                  timeout_seconds=WATCH_TIMEOUT_SECONDS):
                kind = event.get("type")
                obj = event.get("raw_object")
                if not isinstance(obj, dict):
                    continue
                if kind == "BOOKMARK":
                    rv = _rv(obj) or rv
                    continue
                if kind in ("ADDED", "MODIFIED", "DELETED"):
                    self.store.apply(spec, kind, obj)
                    rv = _rv(obj) or rv
                if self._stop.is_set():
                    break
        except ApiException as err:
            if err.status == 410:
                raise _Gone() from None
            raise
        finally:
            self._watches.remove(w)
        if not self._stop.is_set():
            # A stream that ended at once (server going away) must not spin; a server that
            # ends a long watch normally is resumed promptly.
            self._stop.wait(0.2)
            self._probe(spec)
        return rv

    def _probe(self, spec: ListSpec) -> None:
        # A closed stream is also what a vanished server looks like: check it answers.
        self.conn.get_json(spec.path, verb="list", resource=spec.resource,
                           query={**(spec.query or {}), "limit": "1"})

    def _watch_call(self, spec: ListSpec) -> Callable[..., Any]:
        conn = self.conn

        def call(**kwargs: Any) -> Any:
            from kubernetes.client.exceptions import ApiException

            params: list[tuple[str, Any]] = list((spec.query or {}).items())
            params += [("watch", "true"), ("allowWatchBookmarks", "true")]
            if kwargs.get("resource_version"):
                params.append(("resourceVersion", kwargs["resource_version"]))
            if kwargs.get("timeout_seconds"):
                params.append(("timeoutSeconds", kwargs["timeout_seconds"]))
            method, url, headers, body, _ = conn.api.param_serialize(
                "GET", spec.path, query_params=params,
                header_params={"Accept": "application/json"}, auth_settings=["BearerToken"])
            connect = conn.timeout or 20.0
            response = conn.api.call_api(method, url, header_params=headers, body=body,
                                         _request_timeout=(connect, WATCH_TIMEOUT_SECONDS + 30))
            raw = response.response
            if not 200 <= raw.status <= 299:
                data = response.read()
                raise ApiException(status=raw.status, reason=raw.reason,
                                   body=data.decode("utf-8", "replace") if data else None)
            return raw

        return call

    def _run_publisher(self) -> None:
        self._listed.wait()
        published = -1
        while not self._stop.is_set():
            version = self.store.version
            if version != published:
                published = version
                snap = self.store.snapshot(karpenter_apis=self.karpenter_apis,
                                           notes=self.notes)
                self.on_snapshot(snap)
            if self._stop.wait(self.interval):
                return


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll ``predicate`` (used by the live source's startup and by tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
