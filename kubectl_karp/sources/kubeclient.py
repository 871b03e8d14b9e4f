"""The reads every command makes of the API server (live source, apply, TUI)::

    conn = connect(opts)                    # Connection: .api (ApiClient), .host, .context
    doc = conn.get_json("/version", verb="get", resource="the server version")
    items = conn.list_all("/api/v1/pods", resource="pods",
                          query={"fieldSelector": "status.phase!=Succeeded"})
    api = api_client(opts)                  # just the ApiClient (sources.kubeconfig)
    raise translate_error(err, "get", "nodepools.karpenter.sh", host=conn.host)  # apierrors

Configuration follows kubectl (``sources.kubeconfig``); one request, its time limit, retries
and path checks are ``sources.transport``; failures in one sentence are ``sources.apierrors``.
Here: answers decoded as plain JSON (a 200 carrying a ``Status`` of ``Failure`` is still a
failure) and paginated lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kubectl_karp.errors import ClusterError
from kubectl_karp.sources.apierrors import status_error
from kubectl_karp.sources.transport import Transport

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.options import ClusterOptions

PAGE_SIZE = 500
# More pages than this in one list is a server that never stops paging.
MAX_PAGES = 100_000


class Connection(Transport):
    """The reads: ``get_json`` and ``list_all`` skip the client's model deserialisation (slow
    on large lists) and return plain ``json.loads`` documents.
    """

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, *, verb: str, resource: str,
                query: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
                body: Any = None, headers: Mapping[str, str] | None = None,
                scope: str = "", allow: Sequence[int] = ()) -> tuple[int, Any]:
        """One request; returns ``(status, decoded JSON or None)``.

        Error answers raise ClusterError unless their status is in ``allow``; so does an
        answer of 200 whose body is a ``Status`` of ``Failure`` (some proxies do that).
        """
        answer = self.send(method, path, verb=verb, resource=resource, query=query,
                           body=body, headers=headers, scope=scope)
        status, raw = answer.status, answer.raw
        if status >= 400:
            if status in allow:
                return status, None
            raise self.redact(status_error(status, raw, verb, resource, host=self.host,
                                           context=self.context, scope=scope))
        if not raw:
            return status, None
        try:
            doc = json.loads(raw)
        except RecursionError:
            raise ClusterError(f"the API server at {self.host} answered {verb} {resource} "
                               "with JSON nested too deeply") from None
        except ValueError:
            raise ClusterError(f"the API server at {self.host} answered {verb} {resource} "
                               "with something that is not JSON") from None
        if not isinstance(doc, Mapping):
            # Every answer of the Kubernetes API is a JSON object (lists too).
            raise ClusterError(f"the API server at {self.host} answered {verb} {resource} "
                               f"with JSON that is not an object (a {type(doc).__name__})")
        if doc.get("kind") == "Status" and doc.get("status") == "Failure":
            code = doc.get("code")
            code = code if isinstance(code, int) and not isinstance(code, bool) \
                and 400 <= code <= 599 else 500
            if code in allow:
                return code, None
            raise self.redact(status_error(code, doc, verb, resource, host=self.host,
                                           context=self.context, scope=scope))
        return status, doc

    def get_json(self, path: str, *, verb: str = "get", resource: str,
                 query: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
                 scope: str = "", allow: Sequence[int] = ()) -> Any:
        return self.request("GET", path, verb=verb, resource=resource, query=query,
                            scope=scope, allow=allow)[1]

    def list_all(self, path: str, *, resource: str, query: Mapping[str, str] | None = None,
                 limit: int = PAGE_SIZE, scope: str = "at the cluster scope"
                 ) -> list[dict[str, Any]]:
        """Every item of a paginated LIST (``limit``/``continue``), in order."""
        return self.list_versioned(path, resource=resource, query=query, limit=limit,
                                   scope=scope)[0]

    def list_versioned(self, path: str, *, resource: str,
                       query: Mapping[str, str] | None = None, limit: int = PAGE_SIZE,
                       scope: str = "at the cluster scope",
                       each_page: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
                       | None = None) -> tuple[list[dict[str, Any]], str]:
        """``list_all``'s items and the list's resourceVersion (to watch from).

        ``each_page`` turns each page's items into what is kept, as the page arrives: a
        caller that keeps a compact form never holds the whole list as decoded.
        """
        items: list[dict[str, Any]] = []
        version = ""
        token = ""
        seen: set[str] = set()
        restarted = False
        pages = 0
        while True:
            params: list[tuple[str, Any]] = list((query or {}).items())
            params.append(("limit", limit))
            if token:
                params.append(("continue", token))
            status, page = self.request("GET", path, verb="list", resource=resource,
                                        query=params, scope=scope, allow=(410,))
            if status == 410:
                # The continue token expired mid-list: start over once, like kubectl.
                if restarted or not token:
                    raise status_error(410, None, "list", resource)
                restarted, token, items, seen = True, "", [], set()
                continue
            if not isinstance(page, Mapping):
                raise ClusterError(f"the API server at {self.host} answered list {resource} "
                                   "with something that is not a list")
            page_items = page.get("items")
            if page_items is None:
                page_items = []
            if not isinstance(page_items, list) or not all(
                    isinstance(item, Mapping) for item in page_items):
                raise ClusterError(f"the API server at {self.host} answered list {resource} "
                                   "with items that are not a list of objects")
            items.extend(each_page(page_items) if each_page is not None else page_items)
            meta = page.get("metadata")
            # Every page of one list is served from the same snapshot: any page's
            # resourceVersion is the list's.
            if isinstance(meta, Mapping) and isinstance(meta.get("resourceVersion"), str):
                version = meta["resourceVersion"]
            next_token = meta.get("continue") if isinstance(meta, Mapping) else ""
            if not next_token:
                return items, version
            if not isinstance(next_token, str):
                raise ClusterError(f"the API server at {self.host} answered list {resource} "
                                   "with a continue token that is not a string")
            token = next_token
            pages += 1
            if token in seen or pages >= MAX_PAGES:
                raise ClusterError(f"the API server at {self.host} repeated a continue token "
                                   f"while listing {resource}: the list would never end")
            seen.add(token)


def connect(opts: ClusterOptions, *, pool_size: int = 8) -> Connection:
    return Connection(opts, pool_size=pool_size)
