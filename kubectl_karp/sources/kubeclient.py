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
``--request-timeout`` bounds every request as a whole (connect, headers and body, retries
included), so neither an unreachable server nor one that trickles bytes outlasts it. Failed
connections are not retried; like client-go, an answer of 429 or 5xx that carries
``Retry-After`` is retried (a bounded number of times, the wait capped and said on stderr).

Every request path is checked before it is sent: each segment is one plain path segment
(no ``.``/``..``, no escapes), so a name from a file or a flag can never reach another
object; callers build paths with ``api_path`` from names already validated by
``model.names``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import yaml

from kubectl_karp.errors import ClusterError
from kubectl_karp.limits import DeadlineExceeded, run_within
from kubectl_karp.model.names import printable

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.options import ClusterOptions

IN_CLUSTER = "in-cluster"
PAGE_SIZE = 500
# Retries of answers that carry Retry-After (client-go allows 10; fewer keeps a throttled
# command short), and the longest wait we honour between two attempts.
MAX_ATTEMPTS = 5
MAX_RETRY_AFTER = 10.0
# A credential plugin (`exec:` in the kubeconfig) that never exits must not hang the command.
EXEC_PLUGIN_TIMEOUT = 60.0
# More pages than this in one list is a server that never stops paging.
MAX_PAGES = 100_000
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
    except UnicodeDecodeError:
        raise ClusterError(f"kubeconfig {path}: cannot be read: not a UTF-8 text file") \
            from None
    except (OSError, yaml.YAMLError, RecursionError) as err:
        text = "nested too deeply" if isinstance(err, RecursionError) else str(err)
        raise ClusterError(f"kubeconfig {path}: cannot be read: "
                           f"{' '.join(text.split())}") from None
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
    _check_client_certificate(source)
    _bound_exec_plugins(opts.request_timeout)
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
                           f"{printable(' '.join(str(err).split()))}") from None
    except OSError as err:  # e.g. a client certificate file named in the kubeconfig
        raise ClusterError(f"context {source.context}: {err.strerror or err}: "
                           f"{getattr(err, 'filename', '') or ''}".rstrip(": ")) from None
    except (ValueError, TypeError, AttributeError, KeyError) as err:
        # The client trips over a kubeconfig of the wrong shape (a list where a mapping
        # belongs) or data that is not base64 (client-certificate-data: "!!!").
        raise ClusterError(f"context {source.context}: invalid configuration: "
                           f"{_config_problem(err)}") from None
    finally:
        root.removeHandler(logged)
    if logged.messages:
        raise ClusterError(f"context {source.context}: the kubeconfig's credential plugin "
                           f"failed: {printable(logged.messages[0])}")
    _quiet_urllib3()
    # One attempt per request: a retry storm against a dead server would outlast
    # --request-timeout several times over.
    configuration.retries = False
    configuration.connection_pool_maxsize = pool_size
    return configuration, source.context


def _config_problem(err: BaseException) -> str:
    import binascii

    if isinstance(err, binascii.Error):
        return "certificate or key data is not valid base64"
    return printable(" ".join(str(err).split()))[:200] or type(err).__name__


def _user_entry(source: KubeconfigSource) -> tuple[Mapping[str, Any], str]:
    """The selected context's user (first file to define it wins) and that file's folder."""
    user_name: object = None
    for path in source.paths:
        for entry in _read_kubeconfig(path).get("contexts") or []:
            if isinstance(entry, Mapping) and entry.get("name") == source.context \
                    and isinstance(entry.get("context"), Mapping):
                user_name = entry["context"].get("user")
                break
        if user_name is not None:
            break
    for path in source.paths:
        for entry in _read_kubeconfig(path).get("users") or []:
            if isinstance(entry, Mapping) and entry.get("name") == user_name \
                    and isinstance(entry.get("user"), Mapping):
                return entry["user"], os.path.dirname(path)
    return {}, ""


def _pem(user: Mapping[str, Any], key: str, base: str, context: str) -> bytes | None:
    import base64
    import binascii

    data, file = user.get(f"{key}-data"), user.get(key)
    try:
        if data:
            return base64.b64decode(str(data), validate=True)
        if file:
            return Path(base, os.path.expanduser(str(file))).read_bytes()
    except binascii.Error:
        raise ClusterError(f"context {context}: invalid configuration: {key}-data is not "
                           "valid base64") from None
    except OSError as err:
        raise ClusterError(f"context {context}: invalid configuration: cannot read {key} "
                           f"{file}: {err.strerror or err}") from None
    return None


def _check_client_certificate(source: KubeconfigSource) -> None:
    """Refuse a missing, unreadable or garbage client certificate or key up front, as kubectl
    does; the Python client ignores them for http:// servers and fails late for https."""
    import ssl
    import tempfile

    if not source.paths:
        return
    context = source.context
    user, base = _user_entry(source)
    cert = _pem(user, "client-certificate", base, context)
    key = _pem(user, "client-key", base, context)
    if cert is None and key is None:
        return
    if cert is None or key is None:
        raise ClusterError(f"context {context}: invalid configuration: a client "
                           f"{'key' if key is None else 'certificate'} is missing (the "
                           "kubeconfig sets only one of client-certificate and client-key)")
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_path.write_bytes(cert)
        key_path.write_bytes(key)
        try:
            # A password callback, so that an encrypted key fails here instead of OpenSSL
            # prompting on the terminal (kubectl does not support encrypted keys either).
            ssl.create_default_context().load_cert_chain(cert_path, key_path,
                                                         password=lambda: b"")
        except (OSError, ssl.SSLError, ValueError) as err:
            why = getattr(err, "reason", None) or getattr(err, "strerror", None) or str(err)
            raise ClusterError(f"context {context}: invalid configuration: cannot load the "
                               f"client certificate and key: {' '.join(str(why).split())}"
                               ) from None


def _quiet_urllib3() -> None:
    """No multi-line warnings from urllib3 on stderr: kubectl says nothing for an insecure
    (skip-verify) cluster, and the pool's own log lines are not the user's business."""
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    logging.getLogger("urllib3").setLevel(logging.ERROR)


class _BoundedPopen:
    """``subprocess`` for the client's exec credential plugins, with a time limit: the
    client calls ``communicate()`` with none, so a plugin that never exits would hang us."""

    PIPE = -1

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def Popen(self, *args: Any, **kwargs: Any) -> Any:
        import subprocess

        limit = self.timeout

        class Process(subprocess.Popen):  # type: ignore[type-arg]
            def communicate(self, input: Any = None, timeout: float | None = None
                            ) -> Any:
                try:
                    return super().communicate(input, timeout or limit)
                except subprocess.TimeoutExpired:
                    self.kill()
                    super().communicate()
                    from kubernetes.config.config_exception import ConfigException

                    name = os.path.basename(str(self.args[0] if isinstance(
                        self.args, list | tuple) else self.args))
                    raise ConfigException(f"exec: the credential plugin {name} did not "
                                          f"finish within {limit:g}s") from None

        return Process(*args, **kwargs)


def _bound_exec_plugins(request_timeout: float | None) -> None:
    from kubernetes.config import exec_provider

    limit = max(request_timeout or EXEC_PLUGIN_TIMEOUT, 1.0)
    module: Any = exec_provider  # untyped; it calls subprocess.Popen through this name
    module.subprocess = _BoundedPopen(limit)


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
        except (ValueError, RecursionError):
            return printable(" ".join(body.split())[:300])
    if isinstance(body, Mapping):
        message = body.get("message")
        if isinstance(message, str):
            return printable(" ".join(message.split()))
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

_SEGMENT_RE = re.compile(r"[A-Za-z0-9._~:-]+")


def api_path(*segments: str) -> str:
    """``/seg/seg/…`` with each segment quoted; ``.``/``..``/empty segments are refused.

    Names should already be validated (``model.names``); this is the second line of defence.
    """
    for segment in segments:
        if segment in ("", ".", ".."):
            raise ClusterError(f"refusing to build an API path with the segment {segment!r}")
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


def check_path(path: str) -> None:
    """Refuse a request path whose segments are not plain names (no ``..``, no escapes)."""
    segments = path.split("/")
    if segments[0] != "" or not all(s not in (".", "..") and _SEGMENT_RE.fullmatch(s)
                                    for s in segments[1:]):
        raise ClusterError(f"refusing to send a request to {printable(repr(path)[:120])}: a "
                           "path segment is not a plain name (a name with '/' or '..' would "
                           "reach another object)")


def _retry_after(headers: Any) -> float | None:
    """Seconds from a ``Retry-After: N`` header (client-go reads whole seconds only)."""
    value = headers.get("Retry-After") if headers is not None else None
    if not isinstance(value, str) or not value.strip().isascii() \
            or not value.strip().isdigit():
        return None
    return float(int(value.strip()))


def _notify(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Answer:
    status: int
    raw: bytes
    headers: Mapping[str, str]


class Connection:
    """An ApiClient plus what error messages need: the server address and the context.

    ``get_json`` and ``list_all`` skip the client's model deserialisation (slow on large
    lists) and return plain ``json.loads`` documents.
    """

    def __init__(self, opts: ClusterOptions, *, pool_size: int = 8,
                 notify: Callable[[str], None] = _notify,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        from kubernetes import client

        configuration, self.context = load_configuration(opts, pool_size=pool_size)
        self.host: str = configuration.host
        self.timeout = opts.request_timeout
        self.api: Any = client.ApiClient(configuration)
        self.notify = notify
        self.sleep = sleep
        # Never echo the credential back, even when a server puts it in a message.
        keys = getattr(configuration, "api_key", None) or {}
        auth = str(keys.get("BearerToken") or keys.get("authorization") or "")
        self._secrets = tuple(x for x in (auth, auth.removeprefix("Bearer ").strip())
                              if len(x) >= 8)

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def redact(self, err: ClusterError) -> ClusterError:
        text = str(err)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return err if text == str(err) else type(err)(text)

    def _once(self, method: str, url: str, headers: Any, payload: Any,
              remaining: float | None) -> Answer:
        """One attempt, bounded as a whole by ``remaining`` seconds."""
        holder: list[Any] = []

        def attempt() -> Answer:
            limit = (remaining, remaining) if remaining is not None else None
            response = self.api.call_api(method, url, header_params=headers, body=payload,
                                         _request_timeout=limit)
            holder.append(response.response)
            raw = response.read()
            return Answer(int(response.status), raw or b"", response.headers or {})

        def interrupt() -> None:
            # Unblock a read in progress (the thread then ends with a socket error).
            for raw_response in holder:
                with contextlib.suppress(Exception):  # best effort on an abandoned connection
                    raw_response.shutdown()

        return run_within(attempt, remaining, on_timeout=interrupt)

    def send(self, method: str, path: str, *, verb: str, resource: str,
             query: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
             body: Any = None, headers: Mapping[str, str] | None = None,
             scope: str = "") -> Answer:
        """One request (retried on Retry-After); transport failures raise ClusterError."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        check_path(path)
        params = list(query.items()) if isinstance(query, Mapping) else list(query)
        header_params = {"Accept": "application/json"}
        if body is not None:
            header_params["Content-Type"] = "application/json"
        header_params.update(headers or {})
        m, url, hdrs, payload, _post = self.api.param_serialize(
            method, path, query_params=params, header_params=header_params, body=body,
            auth_settings=["BearerToken"])
        deadline = time.monotonic() + self.timeout if self.timeout else None
        attempt = 1
        while True:
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0.001)
            try:
                answer = self._once(m, url, hdrs, payload, remaining)
            except DeadlineExceeded:
                # The wording of a socket timeout (unreachable_error), which callers match.
                raise ClusterError(
                    f"cannot reach the Kubernetes API server at {self.host}: no answer within "
                    f"{self.timeout:g}s (--request-timeout)") from None
            except (urllib3.exceptions.HTTPError, OSError, ApiException, ValueError) as err:
                raise self.redact(translate_error(
                    err, verb, resource, host=self.host, context=self.context, scope=scope,
                    timeout=self.timeout)) from None
            # upstream: client-go rest/request.go checkWait: 429 and 5xx with Retry-After
            wait = _retry_after(answer.headers) if (
                answer.status == 429 or answer.status >= 500) else None
            if wait is None or attempt >= MAX_ATTEMPTS:
                return answer
            wait = min(wait, MAX_RETRY_AFTER)
            if deadline is not None and time.monotonic() + wait >= deadline:
                return answer  # the wait would outlast --request-timeout: report the error
            self.notify(f"note: the API server at {self.host} answered HTTP {answer.status} "
                        f"to {verb} {resource}; retrying in {wait:g}s as it asked (attempt "
                        f"{attempt + 1} of {MAX_ATTEMPTS})")
            self.sleep(wait)
            attempt += 1

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
