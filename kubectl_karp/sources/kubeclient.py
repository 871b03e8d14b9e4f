"""A configured Kubernetes API client, and failures translated into one plain sentence.

Reused by every command that talks to the API server (live source, apply, TUI)::

    conn = connect(opts)                    # Connection: .api (ApiClient), .host, .context
    doc = conn.get_json("/version", verb="get", resource="the server version")
    items = conn.list_all("/api/v1/pods", verb="list", resource="pods",
                          query={"fieldSelector": "status.phase!=Succeeded"})
    api = api_client(opts)                  # just the ApiClient, for typed API classes
    raise translate_error(err, "patch", "nodepools.karpenter.sh default", host=conn.host)

Configuration follows kubectl: ``--kubeconfig`` (one file), else ``$KUBECONFIG`` (several
files separated by ``os.pathsep``: the first file to name a cluster, user, context or the
current context wins), else ``~/.kube/config``, else the in-cluster service account.
``--request-timeout`` bounds every request (connect and read); failed connections are not
retried, so an unreachable server fails within that time.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kubectl_karp.errors import ClusterError

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.options import ClusterOptions

IN_CLUSTER = "in-cluster"
PAGE_SIZE = 500
_OFFLINE_HINT = "use --snapshot FILE or --demo to work without a cluster"


@dataclass(frozen=True)
class KubeconfigSource:
    """Which kubeconfig files apply and which context is selected."""

    paths: tuple[str, ...]  # empty: in-cluster
    context: str


def kubeconfig_paths(opts: ClusterOptions) -> tuple[str, ...]:
    """The kubeconfig files in kubectl's order of precedence (existing ones only)."""
    if opts.kubeconfig:
        path = os.path.expanduser(opts.kubeconfig)
        if not os.path.isfile(path):
            raise ClusterError(f"kubeconfig {opts.kubeconfig}: no such file")
        return (path,)
    env = os.environ.get("KUBECONFIG")
    if env:
        candidates = [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
    else:
        candidates = [os.path.expanduser("~/.kube/config")]
    seen: list[str] = []
    for path in candidates:
        if os.path.isfile(path) and path not in seen:
            seen.append(path)
    return tuple(seen)


def _read_kubeconfig(path: str) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ClusterError(f"kubeconfig {path}: cannot be read: "
                           f"{' '.join(str(err).split())}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ClusterError(f"kubeconfig {path}: not a kubeconfig (expected a mapping)")
    return data


def _in_cluster() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


def resolve_kubeconfig(opts: ClusterOptions) -> KubeconfigSource:
    """The files and the context kubectl would use for these options."""
    paths = kubeconfig_paths(opts)
    if not paths:
        if _in_cluster():
            return KubeconfigSource((), opts.context or IN_CLUSTER)
        where = os.environ.get("KUBECONFIG") or "~/.kube/config"
        raise ClusterError(f"no Kubernetes configuration found ({where} does not exist and "
                           f"this is not a pod in a cluster); {_OFFLINE_HINT}")
    contexts: list[str] = []
    current = ""
    for path in paths:
        data = _read_kubeconfig(path)
        if not current and isinstance(data.get("current-context"), str):
            current = data["current-context"]
        for entry in data.get("contexts") or []:
            if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
                contexts.append(entry["name"])
    chosen = opts.context or current
    if not chosen:
        raise ClusterError(f"no current context is set in {', '.join(paths)}; pass "
                           f"--context NAME (known: {', '.join(contexts) or 'none'})")
    if chosen not in contexts:
        raise ClusterError(f"context {chosen!r} not found in {', '.join(paths)} (known: "
                           f"{', '.join(contexts) or 'none'})")
    return KubeconfigSource(paths, chosen)


def current_context_name(opts: ClusterOptions) -> str:
    """The name of the context the options select (``in-cluster`` inside a pod)."""
    return resolve_kubeconfig(opts).context


class _CollectErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(" ".join(record.getMessage().split()))


def load_configuration(opts: ClusterOptions, *, pool_size: int = 8) -> tuple[Any, str]:
    """A ``kubernetes.client.Configuration`` for the options, and the context name."""
    from kubernetes import client
    from kubernetes import config as _config
    from kubernetes.config.config_exception import ConfigException

    config: Any = _config  # the package is untyped
    source = resolve_kubeconfig(opts)
    configuration = client.Configuration()
    # The client logs (instead of raising) when a credential plugin such as
    # `tke-credential` or `aws eks get-token` fails; catch that to report it as one error.
    logged = _CollectErrors()
    root = logging.getLogger()
    root.addHandler(logged)
    try:
        if source.paths:
            config.load_kube_config(config_file=os.pathsep.join(source.paths),
                                    context=source.context,
                                    client_configuration=configuration,
                                    persist_config=False)
        else:
            config.load_incluster_config(client_configuration=configuration)
    except ConfigException as err:
        raise ClusterError(f"context {source.context}: invalid configuration: "
                           f"{' '.join(str(err).split())}") from None
    except OSError as err:  # e.g. a client certificate file named in the kubeconfig
        raise ClusterError(f"context {source.context}: {err.strerror or err}: "
                           f"{getattr(err, 'filename', '') or ''}".rstrip(": ")) from None
    finally:
        root.removeHandler(logged)
    if logged.messages:
        raise ClusterError(f"context {source.context}: the kubeconfig's credential plugin "
                           f"failed: {logged.messages[0]}")
    # One attempt per request: a retry storm against a dead server would outlast
    # --request-timeout several times over.
    configuration.retries = False
    configuration.connection_pool_maxsize = pool_size
    return configuration, source.context


def api_client(opts: ClusterOptions, *, pool_size: int = 8) -> Any:
    """A ready ``kubernetes.client.ApiClient`` for the options."""
    from kubernetes import client

    configuration, _ = load_configuration(opts, pool_size=pool_size)
    return client.ApiClient(configuration)


# --------------------------------------------------------------------------- errors

_USER_RE = re.compile(r'User "([^"]+)"')


def _status_message(body: Any) -> str:
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return " ".join(body.split())[:300]
    if isinstance(body, Mapping):
        message = body.get("message")
        if isinstance(message, str):
            return " ".join(message.split())
    return ""


def status_error(status: int, body: Any, verb: str, resource: str, *, host: str = "",
                 context: str = "", scope: str = "") -> ClusterError:
    """A ClusterError for an HTTP error answer from the API server."""
    message = _status_message(body)
    where = f" {scope}" if scope else ""
    if status == 401:
        return ClusterError(
            f"unauthorized: the API server{' at ' + host if host else ''} rejected the "
            f"credentials of context {context or '?'} when asked to {verb} {resource} "
            "(expired token? log in again or refresh the kubeconfig)")
    if status == 403:
        user = _USER_RE.search(message)
        who = f" as user {user.group(1)}" if user else ""
        return ClusterError(f"forbidden: cannot {verb} {resource}{where}{who}"
                            + (f" ({message})" if message and not user else ""))
    if status == 404:
        return ClusterError(f"not found: the API server has no {resource} "
                            f"(asked to {verb} it{where})"
                            + (f": {message}" if message else ""))
    if status == 410:
        return ClusterError(f"the list of {resource} changed too fast to page through "
                            "(410 Gone); try again")
    text = f": {message}" if message else ""
    return ClusterError(f"the API server{' at ' + host if host else ''} answered HTTP "
                        f"{status} when asked to {verb} {resource}{where}{text}")


def _root_cause(err: BaseException) -> BaseException:
    seen = 0
    while seen < 10:
        reason = getattr(err, "reason", None)
        if isinstance(reason, BaseException):
            err = reason
        elif err.__cause__ is not None:
            err = err.__cause__
        elif err.__context__ is not None and not isinstance(err, OSError):
            err = err.__context__
        else:
            break
        seen += 1
    return err


def unreachable_error(err: BaseException, host: str, timeout: float | None) -> ClusterError:
    import socket

    import urllib3.exceptions as u3

    cause = _root_cause(err)
    text = str(cause).lower()
    timeouts = (u3.TimeoutError, TimeoutError, socket.timeout)
    # The cause decides before the wrapper does: urllib3's NewConnectionError subclasses
    # ConnectTimeoutError even when the connection was refused or the name did not resolve.
    if isinstance(cause, ConnectionRefusedError) or "refused" in text:
        why = "connection refused"
    elif isinstance(cause, socket.gaierror) or "name or service not known" in text \
            or "failed to resolve" in text or "nodename nor servname" in text:
        why = "the host name does not resolve"
    elif isinstance(cause, timeouts) or "timed out" in text or (
            isinstance(err, timeouts) and not isinstance(cause, OSError)):
        limit = f"{timeout:g}s" if timeout else "the time limit"
        why = f"no answer within {limit} (--request-timeout)"
    elif isinstance(cause, u3.SSLError) or "ssl" in text or "certificate" in text:
        why = "TLS failed: " + " ".join(str(cause).split())[:200]
    elif isinstance(cause, (ConnectionResetError, u3.ProtocolError)) or "reset" in text:
        why = "the connection was closed unexpectedly"
    else:
        why = " ".join(str(cause).split())[:200] or type(cause).__name__
    return ClusterError(f"cannot reach the Kubernetes API server at {host}: {why}")


def translate_error(err: BaseException, verb: str, resource: str, *, host: str = "",
                    context: str = "", scope: str = "",
                    timeout: float | None = None) -> ClusterError:
    """Turn an ApiException or a urllib3/socket error into a one-line ClusterError."""
    if isinstance(err, ClusterError):
        return err
    status = getattr(err, "status", None)
    if isinstance(status, int) and status >= 400:
        return status_error(status, getattr(err, "body", None), verb, resource, host=host,
                            context=context, scope=scope)
    return unreachable_error(err, host or "(unknown address)", timeout)


# --------------------------------------------------------------------------- raw JSON access

class Connection:
    """An ApiClient plus what error messages need: the server address and the context.

    ``get_json`` and ``list_all`` skip the client's model deserialisation (slow on large
    lists) and return plain ``json.loads`` documents.
    """

    def __init__(self, opts: ClusterOptions, *, pool_size: int = 8) -> None:
        from kubernetes import client

        configuration, self.context = load_configuration(opts, pool_size=pool_size)
        self.host: str = configuration.host
        self.timeout = opts.request_timeout
        self.api: Any = client.ApiClient(configuration)

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request_timeout(self) -> tuple[float, float] | None:
        return (self.timeout, self.timeout) if self.timeout else None

    def request(self, method: str, path: str, *, verb: str, resource: str,
                query: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
                body: Any = None, headers: Mapping[str, str] | None = None,
                scope: str = "", allow: Sequence[int] = ()) -> tuple[int, Any]:
        """One request; returns ``(status, decoded JSON or None)``.

        Error answers raise ClusterError unless their status is in ``allow``.
        """
        params = list(query.items()) if isinstance(query, Mapping) else list(query)
        header_params = {"Accept": "application/json"}
        if body is not None:
            header_params["Content-Type"] = "application/json"
        header_params.update(headers or {})
        import urllib3
        from kubernetes.client.exceptions import ApiException

        m, url, hdrs, payload, _post = self.api.param_serialize(
            method, path, query_params=params, header_params=header_params, body=body,
            auth_settings=["BearerToken"])
        try:
            response = self.api.call_api(m, url, header_params=hdrs, body=payload,
                                         _request_timeout=self._request_timeout())
            raw = response.read()
        except (urllib3.exceptions.HTTPError, OSError, ApiException) as err:
            raise translate_error(err, verb, resource, host=self.host, context=self.context,
                                  scope=scope, timeout=self.timeout) from None
        status = int(response.status)
        if status >= 400:
            if status in allow:
                return status, None
            raise status_error(status, raw, verb, resource, host=self.host,
                               context=self.context, scope=scope)
        if not raw:
            return status, None
        try:
            return status, json.loads(raw)
        except ValueError:
            raise ClusterError(f"the API server at {self.host} answered {verb} {resource} "
                               "with something that is not JSON") from None

    def get_json(self, path: str, *, verb: str = "get", resource: str,
                 query: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
                 scope: str = "", allow: Sequence[int] = ()) -> Any:
        return self.request("GET", path, verb=verb, resource=resource, query=query,
                            scope=scope, allow=allow)[1]

    def list_all(self, path: str, *, resource: str, query: Mapping[str, str] | None = None,
                 limit: int = PAGE_SIZE, scope: str = "at the cluster scope"
                 ) -> list[dict[str, Any]]:
        """Every item of a paginated LIST (``limit``/``continue``), in order."""
        items: list[dict[str, Any]] = []
        token = ""
        restarted = False
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
                restarted, token, items = True, "", []
                continue
            if not isinstance(page, Mapping):
                raise ClusterError(f"the API server at {self.host} answered list {resource} "
                                   "with something that is not a list")
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue") or ""
            if not token:
                return items


def connect(opts: ClusterOptions, *, pool_size: int = 8) -> Connection:
    return Connection(opts, pool_size=pool_size)
