"""A Kubernetes API emulator on loopback for tests: kmock, served from a background thread.

The real (synchronous) ``kubernetes`` client and the real ``kubectl`` talk to it over HTTP,
so nothing in the code under test is patched.

API (fixture ``k8s`` from tests/conftest.py, or ``with KubeEmulator(tmp_path) as k8s:``)::

    k8s.url                      "http://127.0.0.1:PORT"
    k8s.kubeconfig               Path of a kubeconfig (context "emulator", any token works)
    k8s.context                  "emulator"
    k8s.options(**kw)            ClusterOptions(kubeconfig=..., request_timeout=5, **kw)
    k8s.cli_args                 ["--kubeconfig", PATH] for cli.app.run([...] + k8s.cli_args)

    k8s.add(doc) / k8s.add_all(docs)   store objects (any apiVersion/kind; CRD kinds too: the
                                 group/version becomes discoverable, e.g. karpenter.sh/v1)
    k8s.declare(api_version, kind)     make a resource discoverable with no objects
    k8s.remove(api_version, kind, name, namespace=None)
    k8s.get(api_version, kind, name, namespace=None) -> dict | None   (current stored state)
    k8s.objects(api_version, kind) -> list[dict]

    k8s.fail(path, status=403, message=None, method="GET", when=None, times=None)
                                 answer ``path`` (URL path, no query) with a Kubernetes Status
                                 error; ``when(params) -> bool`` narrows it (e.g. only the
                                 page with a continue token); ``times`` limits how often
    k8s.hang(path, seconds=30, method="GET")   never answer within ``seconds``
    k8s.respond(path, body, status=200, method="GET")   a canned JSON answer
    k8s.clear_rules()

    k8s.requests -> list[Req]    every request seen (Req: method, path, params, headers)
    k8s.writes() -> list[Req]    requests other than GET/HEAD/OPTIONS
    k8s.lists(path) -> list[Req] GET requests of a collection path (e.g. "/api/v1/pods")
    k8s.clear_requests()

    k8s.stop() / k8s.start()     take the server away and bring it back on the same port
    k8s.server_version = "v1.30.4"     what GET /version reports

Sample documents for tests: tests/builders/generated.py (node, pod, node_pool, node_claim,
node_class, small_cluster(), big_cluster(pods, nodes)).

Beyond plain kmock (which ignores them) collection GETs honour ``limit``/``continue`` (with
``metadata.remainingItemCount``; later pages come from the list as it was at the first page,
an unknown token answers 410), ``labelSelector`` (=, ==, !=, in, notin, exists, !key) and
``fieldSelector`` (=, ==, != on any dotted field, e.g. spec.nodeName, status.phase). Items of
built-in API groups are served without apiVersion/kind, as a real API server does; custom
resources keep them. Discovery (/api/v1, /apis/GROUP/VERSION) lists what was added or
declared; the common built-in resources are declared up front (``builtins=False`` to skip).
Writes (POST/PATCH/DELETE) go to kmock's own emulation: a naive merge, no server-side apply,
``dryRun`` is not honoured.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import copy
import json
import re
import socket
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import kmock
import yaml
from kmock import Response as _Response  # type: ignore[attr-defined]

# kind -> (plural, namespaced); anything else: lower-case kind + "s", namespaced.
KINDS: dict[str, tuple[str, bool]] = {
    "Pod": ("pods", True), "Node": ("nodes", False), "Namespace": ("namespaces", False),
    "DaemonSet": ("daemonsets", True), "Deployment": ("deployments", True),
    "ReplicaSet": ("replicasets", True), "StatefulSet": ("statefulsets", True),
    "Job": ("jobs", True), "CronJob": ("cronjobs", True),
    "PodDisruptionBudget": ("poddisruptionbudgets", True),
    "PersistentVolumeClaim": ("persistentvolumeclaims", True),
    "PersistentVolume": ("persistentvolumes", False),
    "StorageClass": ("storageclasses", False), "CSINode": ("csinodes", False),
    "NodeOverlay": ("nodeoverlays", False), "CapacityBuffer": ("capacitybuffers", True),
    "ConfigMap": ("configmaps", True), "Secret": ("secrets", True),
    "Event": ("events", True), "Lease": ("leases", True),
    "CustomResourceDefinition": ("customresourcedefinitions", False),
    "NodePool": ("nodepools", False), "NodeClaim": ("nodeclaims", False),
    "TKEMachineNodeClass": ("tkemachinenodeclasses", False),
    "EC2NodeClass": ("ec2nodeclasses", False), "ECSNodeClass": ("ecsnodeclasses", False),
    "CCENodeClass": ("ccenodeclasses", False), "Provisioner": ("provisioners", False),
    "Machine": ("machines", False), "AWSNodeTemplate": ("awsnodetemplates", False),
}
# What every real cluster serves, even with no objects (lists answer empty, not 404).
BUILTIN_RESOURCES = (
    ("v1", "Pod"), ("v1", "Node"), ("v1", "Namespace"), ("v1", "PersistentVolumeClaim"),
    ("v1", "PersistentVolume"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Event"),
    ("apps/v1", "DaemonSet"), ("apps/v1", "Deployment"), ("apps/v1", "ReplicaSet"),
    ("apps/v1", "StatefulSet"), ("batch/v1", "Job"), ("policy/v1", "PodDisruptionBudget"),
    ("storage.k8s.io/v1", "StorageClass"), ("events.k8s.io/v1", "Event"),
    ("storage.k8s.io/v1", "CSINode"),
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTEXT = "emulator"


@dataclass(frozen=True)
class Req:
    """One request the emulator received."""

    method: str
    path: str
    params: Mapping[str, str]
    headers: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


@dataclass
class _Rule:
    method: str
    path: str
    kind: str  # "fail" | "hang" | "respond"
    status: int = 200
    body: Any = None
    seconds: float = 0.0
    when: Callable[[Mapping[str, str]], bool] | None = None
    times: int | None = None


class Rule(Protocol):
    """What ``take_rule`` needs of an injected answer (the emulator's, the fault proxy's)."""

    method: str
    path: str
    times: int | None


R = TypeVar("R", bound=Rule)


def take_rule(rules: Sequence[R], method: str, path: str,
              params: Mapping[str, str] | None = None) -> R | None:
    """The first rule for this request that has uses left (one is used up); a rule's
    ``when`` (if it has one) must accept the query. The caller holds the lock."""
    for rule in rules:
        if rule.method != method or rule.path != path:
            continue
        when = getattr(rule, "when", None)
        if when is not None and not when(params or {}):
            continue
        if rule.times is not None:
            if rule.times <= 0:
                continue
            rule.times -= 1
        return rule
    return None


def _split(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def _builtin_group(group: str) -> bool:
    return "." not in group or group.endswith(".k8s.io")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --------------------------------------------------------------------------- selectors

_SET_RE = re.compile(r"^\s*(!?)([\w./-]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")


def _split_selector(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def _label_match(selector: str, labels: Mapping[str, str]) -> bool:
    for term in _split_selector(selector):
        if "!=" in term:
            key, value = (s.strip() for s in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term and "(" not in term:
            key, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
            if labels.get(key) != value:
                return False
        else:
            match = _SET_RE.match(term)
            if not match:
                raise ValueError(f"unsupported label selector {term!r}")
            negate, key, op, values = match.groups()
            if op is None:
                if (key in labels) == bool(negate):
                    return False
            else:
                wanted = {v.strip() for v in values.split(",")}
                inside = labels.get(key) in wanted
                if (op == "in" and not inside) or (op == "notin" and inside):
                    return False
    return True


def _field_value(obj: Mapping[str, Any], path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return "" if value is None else str(value)


def _field_match(selector: str, obj: Mapping[str, Any]) -> bool:
    for term in _split_selector(selector):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if _field_value(obj, key.strip()) == value.strip():
                return False
        else:
            key, value = term.replace("==", "=").split("=", 1)
            if _field_value(obj, key.strip()) != value.strip():
                return False
    return True


# --------------------------------------------------------------------------- the emulator

_NAMESPACES_PATH = re.compile(r"/api/v1/namespaces(?:/([^/]+))?/?")


class _Emulator(kmock.KubernetesEmulator):
    """kmock 0.8 cannot parse ``/api/v1/namespaces[/NAME]`` (it reads "namespaces" as the
    namespace prefix); build those requests here and let kmock serve them as usual."""

    async def __call__(self, raw_request: Any) -> Any:
        match = _NAMESPACES_PATH.fullmatch(raw_request.path)
        if match is None:
            return await super().__call__(raw_request)
        from kmock._internal import enums as kenums
        from kmock._internal import rendering

        body = await raw_request.read()
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        name = match.group(1)
        method = kenums.method(raw_request.method)
        action: Any
        if method == kenums.method.GET and raw_request.query.get("watch") == "true":
            action = kenums.action.WATCH
        elif name is None:
            action = {kenums.method.GET: kenums.action.LIST,
                      kenums.method.POST: kenums.action.CREATE}.get(method)
        else:
            action = {kenums.method.GET: kenums.action.FETCH,
                      kenums.method.PATCH: kenums.action.UPDATE,
                      kenums.method.DELETE: kenums.action.DELETE}.get(method)
        request = rendering.Request(
            id=len(self._requests), raw_request=raw_request, url=raw_request.url,
            method=raw_request.method, params=dict(raw_request.query),
            headers=dict(raw_request.headers), data=data, body=body,
            text=body.decode("utf-8", "replace"), action=action,
            resource=kmock.resource("", "v1", "namespaces"), namespace=None, name=name)
        self._requests.append(request)
        try:
            return await self._handle(request)
        except Exception as err:  # as kmock does: render the failure as a Status
            self._errors[-1].append(err)
            return await self._render_error(err)


class KubeEmulator:
    """kmock's KubernetesEmulator behind kmock.Server, on an event loop in its own thread."""

    def __init__(self, directory: Path, *, port: int | None = None,
                 builtins: bool = True) -> None:
        self.directory = Path(directory)
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.context = CONTEXT
        self.kubeconfig = self.directory / "emulator.kubeconfig"
        self.server_version = "v1.30.4"
        self._emu = _Emulator()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kmock",
                                        daemon=True)
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._log: list[Req] = []
        self._release = asyncio.Event()
        self._server: kmock.Server | None = None
        self._stopped: asyncio.Event | None = None
        self._serving: concurrent.futures.Future[None] | None = None
        self._kinds: dict[tuple[str, str], str] = {}  # (group, plural) -> kind
        self._declared: dict[tuple[str, str, str], tuple[str, bool]] = {}
        self._builtins = builtins
        self._pages: dict[int, list[dict[str, Any]]] = {}  # list snapshots for continue
        self._pages_order: list[int] = []
        self._next_snapshot = 0

    # ----------------------------------------------------------------- lifecycle
    def __enter__(self) -> KubeEmulator:
        self._thread.start()
        self._run(self._emu.__aenter__())
        self._call(self._install)
        if self._builtins:
            for api_version, kind in BUILTIN_RESOURCES:
                self.declare(api_version, kind)
        self.start()
        self.write_kubeconfig(self.kubeconfig)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._run(self._emu.__aexit__(None, None, None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def start(self) -> None:
        """Serve (again) on the same port."""
        if self._server is not None:
            return
        ready: threading.Event = threading.Event()

        async def serve() -> None:
            self._release = asyncio.Event()
            self._stopped = asyncio.Event()
            async with kmock.Server(self._emu, port=self.port) as server:
                self._server = server
                ready.set()
                await self._stopped.wait()

        self._serving = asyncio.run_coroutine_threadsafe(serve(), self._loop)
        if not ready.wait(10):
            raise RuntimeError("the kmock server did not start")

    def stop(self) -> None:
        """Close the listening socket: clients now get 'connection refused'."""
        if self._server is None:
            return
        stopped = self._stopped
        assert stopped is not None

        server = self._server

        def signal() -> None:
            self._release.set()
            # Open watch streams never end by themselves; drop their connections as a
            # vanishing API server would, or shutting down waits for them.
            runner = getattr(getattr(server, "server", None), "runner", None)
            for conn in list(getattr(getattr(runner, "server", None), "connections", ())):
                conn.force_close()
            stopped.set()

        self._loop.call_soon_threadsafe(signal)
        assert self._serving is not None
        self._serving.result(15)
        self._server = None

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def _call(self, func: Callable[[], Any]) -> Any:
        async def wrapper() -> Any:
            return func()

        return self._run(wrapper())

    def write_kubeconfig(self, path: Path, *, token: str = "emulator-token") -> Path:
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": CONTEXT,
            "clusters": [{"name": CONTEXT, "cluster": {"server": self.url}}],
            "users": [{"name": CONTEXT, "user": {"token": token}}],
            "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
        }
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path

    def options(self, **overrides: Any) -> Any:
        from kubectl_karp.cli.options import ClusterOptions

        values: dict[str, Any] = {"kubeconfig": str(self.kubeconfig), "request_timeout": 5.0}
        values.update(overrides)
        return ClusterOptions(**values)

    @property
    def cli_args(self) -> list[str]:
        return ["--kubeconfig", str(self.kubeconfig)]

    # ----------------------------------------------------------------- objects
    def _resource(self, api_version: str, kind: str) -> tuple[Any, bool]:
        group, version = _split(api_version)
        plural, namespaced = KINDS.get(kind, (kind.lower() + "s", True))
        return kmock.resource(group, version, plural), namespaced

    def declare(self, api_version: str, kind: str, *, plural: str | None = None,
                namespaced: bool | None = None) -> None:
        """Make ``api_version``/``kind`` discoverable (a CRD with no objects yet)."""
        res, default_namespaced = self._resource(api_version, kind)
        if plural:
            res = kmock.resource(res.group, res.version, plural)
        scoped = default_namespaced if namespaced is None else namespaced

        def install() -> None:
            self._emu.resources[res] = kmock.ResourceInfo(
                kind=kind, namespaced=scoped,
                verbs={"get", "list", "watch", "create", "update", "patch", "delete"})
            self._kinds[(res.group, res.plural)] = kind
            self._declared[(res.group, res.version, res.plural)] = (kind, scoped)

        self._call(install)

    def add(self, doc: Mapping[str, Any]) -> None:
        self.add_all([doc])

    def add_all(self, docs: Iterable[Mapping[str, Any]]) -> None:
        prepared = []
        declared: set[tuple[str, str]] = set()
        for raw in docs:
            doc = copy.deepcopy(dict(raw))
            if str(doc.get("kind", "")).endswith("List") and "items" in doc:
                self.add_all(doc["items"])
                continue
            api_version, kind = doc["apiVersion"], doc["kind"]
            res, namespaced = self._resource(api_version, kind)
            meta = doc.setdefault("metadata", {})
            if namespaced:
                meta.setdefault("namespace", "default")
            meta.setdefault("resourceVersion", "1")
            meta.setdefault("uid", f"uid-{kind.lower()}-{meta.get('namespace', '')}-"
                                   f"{meta['name']}")
            if (api_version, kind) not in declared:
                declared.add((api_version, kind))
                if (res.group, res.plural) not in self._kinds:
                    self.declare(api_version, kind)
            prepared.append(((res, meta.get("namespace") if namespaced else None,
                              meta["name"]), doc))

        def store() -> None:
            for key, doc in prepared:
                self._emu.objects[key] = doc

        self._call(store)

    def remove(self, api_version: str, kind: str, name: str, namespace: str | None = None
               ) -> None:
        res, _ = self._resource(api_version, kind)

        def drop() -> None:
            del self._emu.objects[res, namespace, name]

        self._call(drop)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None
            ) -> dict[str, Any] | None:
        res, _ = self._resource(api_version, kind)

        def read() -> dict[str, Any] | None:
            for (r, ns, n), obj in self._emu.objects.items():
                if r == res and ns == namespace and n == name and not obj.deleted:
                    return copy.deepcopy(obj.raw)
            return None

        result: dict[str, Any] | None = self._call(read)
        return result

    def objects(self, api_version: str, kind: str) -> list[dict[str, Any]]:
        res, _ = self._resource(api_version, kind)

        def read() -> list[dict[str, Any]]:
            return [copy.deepcopy(obj.raw) for (r, _ns, _n), obj in self._emu.objects.items()
                    if r == res and not obj.deleted]

        result: list[dict[str, Any]] = self._call(read)
        return result

    # ----------------------------------------------------------------- rules
    def _add_rule(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.insert(0, rule)

    def fail(self, path: str, status: int = 403, message: str | None = None, *,
             method: str = "GET", when: Callable[[Mapping[str, str]], bool] | None = None,
             times: int | None = None) -> None:
        self._add_rule(_Rule(method.upper(), path, "fail", status=status, body=message,
                             when=when, times=times))

    def hang(self, path: str, seconds: float = 30.0, *, method: str = "GET") -> None:
        self._add_rule(_Rule(method.upper(), path, "hang", seconds=seconds))

    def respond(self, path: str, body: Any, status: int = 200, *, method: str = "GET") -> None:
        self._add_rule(_Rule(method.upper(), path, "respond", status=status, body=body))

    def clear_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    # ----------------------------------------------------------------- request log
    @property
    def requests(self) -> list[Req]:
        with self._lock:
            return list(self._log)

    def writes(self) -> list[Req]:
        return [r for r in self.requests if r.method not in READ_METHODS]

    def lists(self, path: str) -> list[Req]:
        return [r for r in self.requests if r.method == "GET" and r.path == path
                and r.params.get("watch") not in ("true", "1")]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    # ----------------------------------------------------------------- serving
    def _install(self) -> None:
        self._emu << self._dispatch

    def _match_rule(self, method: str, path: str, params: Mapping[str, str]) -> _Rule | None:
        with self._lock:
            return take_rule(self._rules, method, path, params)

    async def _dispatch(self, request: Any) -> Any:
        method = str(request.method.value if hasattr(request.method, "value")
                     else request.method).upper()
        path = request.url.path
        params = dict(request.params)
        with self._lock:
            self._log.append(Req(method, path, params, dict(request.headers)))
        rule = self._match_rule(method, path, params)
        if rule is not None:
            if rule.kind == "hang":
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._release.wait(), rule.seconds)
                raise NotImplementedError  # then answer normally, if anyone still listens
            if rule.kind == "respond":
                return _Response(status=rule.status, payload=rule.body)
            raise kmock.KubernetesError(status=rule.status, reason=_REASONS.get(
                rule.status, "Failure"), message=rule.body or _default_message(rule.status,
                                                                            method, path),
                details={"kind": path.rsplit("/", 1)[-1]})
        if method == "GET" and path == "/version":
            major, minor = self.server_version.lstrip("v").split(".")[:2]
            return _Response(status=200, payload={
                "major": major, "minor": minor, "gitVersion": self.server_version,
                "platform": "linux/amd64"})
        discovery = self._discovery(method, path)
        if discovery is not None:
            return discovery
        if (request.action == kmock.action.LIST and request.resource is not None
                and params.get("watch") not in ("true", "1")):
            return self._serve_list(request, params)
        raise NotImplementedError  # kmock's own emulation answers

    def _discovery(self, method: str, path: str) -> Any:
        # kmock's own answer for /api/v1 names the group version "/v1", which kubectl rejects.
        match = re.fullmatch(r"/api/(v1)|/apis/([^/]+)/([^/]+)", path)
        if method != "GET" or match is None:
            return None
        group, version = ("", "v1") if match.group(1) else (match.group(2), match.group(3))
        resources = [
            {"name": plural, "singularName": kind.lower(), "kind": kind, "namespaced": scoped,
             "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
            for (g, v, plural), (kind, scoped) in sorted(self._declared.items())
            if g == group and v == version]
        if not resources:
            raise kmock.KubernetesError(status=404, reason="NotFound",
                                        message="the server could not find the requested "
                                                "resource", details={})
        return _Response(status=200, payload={
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": resources})

    def _serve_list(self, request: Any, params: Mapping[str, str]) -> Any:
        res = request.resource
        kind = self._kinds.get((res.group, res.plural))
        if kind is None:
            raise NotImplementedError  # unknown resource: kmock answers 404
        token = params.get("continue")
        if token:
            # Like the real API server, later pages come from the list as it was when the
            # first page was served (the token names that snapshot and an offset).
            try:
                snap_id, offset = json.loads(base64.urlsafe_b64decode(token.encode()))
                items = self._pages[snap_id]
            except (ValueError, KeyError, TypeError):
                raise kmock.KubernetesError(status=410, reason="Expired", message=(
                    "The provided continue parameter is too old to display a consistent "
                    "list result."), details={}) from None
        else:
            self._next_snapshot += 1
            snap_id, offset = self._next_snapshot, 0
            items = self._select(request, params)
            self._pages[snap_id] = items
            self._pages_order.append(snap_id)
            while len(self._pages_order) > 16:
                self._pages.pop(self._pages_order.pop(0), None)
        limit = int(params.get("limit") or 0)
        metadata: dict[str, Any] = {"resourceVersion": str(snap_id)}
        page = items[offset:offset + limit] if limit else items[offset:]
        remaining = len(items) - offset - len(page)
        if limit and remaining > 0:
            metadata["continue"] = base64.urlsafe_b64encode(
                json.dumps([snap_id, offset + limit]).encode()).decode()
            metadata["remainingItemCount"] = remaining
        api_version = f"{res.group}/{res.version}" if res.group else res.version
        return _Response(status=200, payload={
            "apiVersion": api_version, "kind": f"{kind}List", "metadata": metadata,
            "items": page})

    def _select(self, request: Any, params: Mapping[str, str]) -> list[dict[str, Any]]:
        res = request.resource
        label_selector = params.get("labelSelector", "")
        field_selector = params.get("fieldSelector", "")
        rows = []
        for (r, ns, name), obj in self._emu.objects.items():
            if r != res or obj.deleted:
                continue
            if request.namespace is not None and ns != request.namespace:
                continue
            rows.append(((ns or "", name), obj))
        rows.sort(key=lambda row: row[0])
        builtin = _builtin_group(res.group)
        items = []
        for _key, obj in rows:
            doc = obj.raw
            meta = doc.get("metadata") or {}
            if label_selector and not _label_match(label_selector, meta.get("labels") or {}):
                continue
            if field_selector and not _field_match(field_selector, doc):
                continue
            if builtin:
                doc = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind")}
            items.append(doc)
        return items


_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
            409: "Conflict", 410: "Expired", 422: "Invalid", 429: "TooManyRequests",
            500: "InternalError", 503: "ServiceUnavailable"}


def _default_message(status: int, method: str, path: str) -> str:
    resource = path.rsplit("/", 1)[-1]
    if status == 403:
        verb = "list" if method == "GET" else method.lower()
        return (f'{resource} is forbidden: User "system:serviceaccount:default:reader" cannot '
                f'{verb} resource "{resource}" at the cluster scope')
    if status == 401:
        return "Unauthorized"
    if status == 410:
        return "The provided continue parameter is too old to display a consistent list result."
    return _REASONS.get(status, "error")
