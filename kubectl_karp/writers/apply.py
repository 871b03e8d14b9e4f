"""The writer of ``kubectl karp apply``: the API calls it makes, and waiting for Ready.

Reads are plain GETs (the live object for the diff, the CRDs for their schemas, referenced
node classes); writes are server-side apply PATCHes with field manager ``kubectl-karp`` and
``force=false`` unless asked. Every error becomes a one-line ClusterError. This is the one
module that changes a cluster; ``kubectl_karp.sources`` stays read-only (import-linter and
tests/test_read_only_sources.py keep it so).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kubectl_karp.core.validation.diff import clean
from kubectl_karp.core.validation.findings import Manifest
from kubectl_karp.core.validation.schemas import BY_API, BY_GROUP_KIND, Kind
from kubectl_karp.errors import ClusterError
from kubectl_karp.model.names import check_name, is_subdomain, printable
from kubectl_karp.model.objects import NodeClass
from kubectl_karp.model.parse import parse_conditions, parse_node_class

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.kubeclient import Connection
    from kubectl_karp.sources.options import ClusterOptions

FIELD_MANAGER = "kubectl-karp"
APPLY_PATCH = "application/apply-patch+yaml"
CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

@dataclass(frozen=True)
class Applied:
    manifest: Manifest
    action: str  # created | configured | unchanged
    result: Mapping[str, Any] | None = None


class ConflictError(ClusterError):
    """Server-side apply refused: another field manager owns some of the fields."""


_CONFLICT_WITH = re.compile(r'conflicts? with "([^"]+)"')


def conflict_message(ident: str, body: Any) -> str:
    """Who owns which fields, from a 409 Status (details.causes or the message)."""
    status = body if isinstance(body, Mapping) else {}
    causes = (status.get("details") or {}).get("causes") or []
    owners: dict[str, list[str]] = {}
    for cause in causes:
        if not isinstance(cause, Mapping):
            continue
        match = _CONFLICT_WITH.search(str(cause.get("message") or ""))
        owner = match.group(1) if match else "another field manager"
        owners.setdefault(owner, []).append(str(cause.get("field") or "?"))
    if not owners:
        match = _CONFLICT_WITH.search(str(status.get("message") or ""))
        owners[match.group(1) if match else "another field manager"] = []
    parts = [f"{', '.join(fields)} owned by field manager \"{owner}\"" if fields else
             f"fields owned by field manager \"{owner}\"" for owner, fields in owners.items()]
    return (f"conflict applying {ident}: {'; '.join(parts)}; re-run with --force-conflicts to "
            "take them over, or change them with that manager")


def object_path(kind: Kind, name: str) -> str:
    from kubectl_karp.sources.transport import api_path

    check_name(name, f"{kind.kind} name")
    return api_path("apis", *kind.api_version.split("/"), kind.plural, name)


class ApplyClient:
    """The requests ``apply`` makes, over one ``kubeclient.Connection``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _call(self, method: str, path: str, *, verb: str, resource: str,
              query: Sequence[tuple[str, Any]] = (), body: Any = None,
              content_type: str | None = None) -> tuple[int, Any]:
        """One request; HTTP errors come back as (status, body), never raised."""
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        answer = self.conn.send(method, path, verb=verb, resource=resource, query=query,
                                body=body, headers=headers)
        raw = answer.raw
        try:
            decoded = json.loads(raw) if raw else None
        except (ValueError, RecursionError):
            decoded = raw.decode("utf-8", "replace")
        if answer.status < 400 and isinstance(decoded, Mapping) \
                and decoded.get("kind") == "Status" and decoded.get("status") == "Failure":
            code = decoded.get("code")  # a 200 carrying a failure is still a failure
            return (code if isinstance(code, int) and 400 <= code <= 599 else 500), decoded
        return answer.status, decoded

    def _fail(self, status: int, body: Any, verb: str, resource: str) -> ClusterError:
        from kubectl_karp.sources.apierrors import status_error

        return self.conn.redact(status_error(status, body if body is not None else "", verb,
                                             resource, host=self.conn.host,
                                             context=self.conn.context))

    def get(self, path: str, *, resource: str) -> dict[str, Any] | None:
        status, body = self._call("GET", path, verb="get", resource=resource)
        if status == 404:
            return None
        if status >= 400:
            raise self._fail(status, body, "get", resource)
        return body if isinstance(body, dict) else None

    def live(self, m: Manifest) -> dict[str, Any] | None:
        kind = BY_API[(m.api_version, m.kind)]
        doc = self.get(object_path(kind, m.name), resource=m.ident)
        # Only ever diff (print) the object asked for: an answer of another kind (a Secret
        # behind a rewriting proxy) is refused, never shown.
        if doc is not None and (doc.get("kind") not in (None, m.kind) or str(
                doc.get("apiVersion") or m.api_version).rpartition("/")[0] != m.group):
            raise ClusterError(f"refusing to diff {m.ident}: the API server answered with "
                               f"a {printable(str(doc.get('kind')))[:60]}, not a {m.kind}")
        return doc

    def crds(self, kinds: Iterable[Kind]) -> dict[str, dict[str, Any] | None]:
        """The CRD of each kind (None when the cluster has none)."""
        out: dict[str, dict[str, Any] | None] = {}
        for kind in kinds:
            if kind.crd_name not in out:
                out[kind.crd_name] = self.get(f"{CRD_PATH}/{kind.crd_name}",
                                              resource=f"customresourcedefinition "
                                                       f"{kind.crd_name}")
        return out

    def node_classes(self, refs: Iterable[tuple[str, str, str]]) -> list[NodeClass]:
        """The referenced node classes that exist in the cluster."""
        out = []
        for group, kind_name, name in sorted(set(refs)):
            kind = BY_GROUP_KIND.get((group, kind_name))
            if kind is None or not is_subdomain(name):
                continue  # an invalid name was refused by check_names; never requested
            doc = self.get(object_path(kind, name), resource=f"{kind_name} {name}")
            if doc is not None:
                doc.setdefault("apiVersion", kind.api_version)
                doc.setdefault("kind", kind.kind)
                out.append(parse_node_class(doc, f"cluster {kind_name} {name}"))
        return out

    def apply(self, m: Manifest, *, dry_run: bool = False, force: bool = False
              ) -> dict[str, Any]:
        """Server-side apply of one object; the object the server returned."""
        kind = BY_API[(m.api_version, m.kind)]
        query: list[tuple[str, Any]] = [("fieldManager", FIELD_MANAGER),
                                        ("force", "true" if force else "false")]
        if dry_run:
            query.append(("dryRun", "All"))
        # Server-owned fields (status, managedFields, resourceVersion…) copied from
        # `kubectl get -o yaml` would be refused or turn the apply into a stale update.
        status, body = self._call("PATCH", object_path(kind, m.name), verb="apply",
                                  resource=m.ident, query=query, body=clean(m.doc),
                                  content_type=APPLY_PATCH)
        if status == 409:
            raise ConflictError(conflict_message(m.ident, body))
        if status == 422:
            message = body.get("message") if isinstance(body, Mapping) else body
            raise ClusterError(f"the API server refused {m.ident}: {message}")
        if status >= 400:
            raise self._fail(status, body, "apply", m.ident)
        return body if isinstance(body, dict) else {}


# --------------------------------------------------------------------------- waiting

@dataclass(frozen=True)
class WaitOutcome:
    manifest: Manifest
    ready: bool
    detail: str  # the conditions last seen, for the report


def describe_conditions(obj: Mapping[str, Any] | None) -> str:
    status = obj.get("status") if isinstance(obj, Mapping) else None
    conditions = parse_conditions((status or {}).get("conditions"), "status.conditions") \
        if isinstance(status, Mapping) else ()
    if not conditions:
        return "no status conditions yet"
    parts = []
    for c in conditions:
        extra = ": ".join(x for x in (c.reason, c.message) if x)
        parts.append(f"{c.type}={c.status}" + (f" ({extra})" if extra else ""))
    return ", ".join(parts)


def ready_condition(obj: Mapping[str, Any] | None) -> tuple[bool, str]:
    """(Ready is True, what the Ready condition says)."""
    status = obj.get("status") if isinstance(obj, Mapping) else None
    conditions = parse_conditions((status or {}).get("conditions"), "status.conditions") \
        if isinstance(status, Mapping) else ()
    ready = next((c for c in conditions if c.type == "Ready"), None)
    if ready is None:
        return False, "condition Ready was never reported (is the Karpenter controller running?)"
    if ready.is_true:
        return True, "Ready=True"
    because = ": ".join(x for x in (ready.reason, ready.message) if x)
    return False, f"condition Ready is {ready.status}" + (f" ({because})" if because else "")


def wait_ready(client: ApplyClient, manifests: Sequence[Manifest], timeout: float, *,
               clock: Callable[[], float] = time.monotonic,
               sleep: Callable[[float], None] = time.sleep,
               report: Callable[[str], None] = lambda _line: None) -> list[WaitOutcome]:
    """Poll each object (node classes first) until Ready=True or the shared deadline passes.

    ``report`` receives a line whenever an object's conditions change.
    """
    deadline = clock() + timeout
    outcomes: list[WaitOutcome] = []
    for m in manifests:
        delay = 0.5
        last_seen = ""
        while True:
            obj = client.live(m)
            seen = describe_conditions(obj)
            if seen != last_seen:
                report(f"{m.ident}: {seen}")
                last_seen = seen
            ok, why = ready_condition(obj)
            if ok:
                outcomes.append(WaitOutcome(m, True, seen))
                break
            if clock() >= deadline:
                outcomes.append(WaitOutcome(m, False, why))
                break
            sleep(min(delay, max(deadline - clock(), 0.0)))
            delay = min(delay * 2, 10.0)
    return outcomes


def connect(opts: ClusterOptions) -> ApplyClient:
    from kubectl_karp.sources.kubeclient import connect as open_connection

    return ApplyClient(open_connection(opts))
