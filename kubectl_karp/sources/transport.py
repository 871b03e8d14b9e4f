"""One request to the API server, bounded and retried as kubectl's client-go does.

``--request-timeout`` bounds every request as a whole (connect, headers and body, retries
included), so neither an unreachable server nor one that trickles bytes outlasts it. Failed
connections are not retried; like client-go, an answer of 429 or 5xx that carries
``Retry-After`` is retried (a bounded number of times, the wait capped and said on stderr).

Every request path is checked before it is sent: each segment is one plain path segment
(no ``.``/``..``, no escapes), so a name from a file or a flag can never reach another
object; callers build paths with ``api_path`` from names already validated by
``model.names``. The transport carries whatever method its caller names: the reads in
``kubeclient`` and the one writer, ``kubectl_karp.writers.apply``.
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kubectl_karp.errors import ClusterError
from kubectl_karp.limits import DeadlineExceeded, run_within
from kubectl_karp.model.names import printable
from kubectl_karp.sources.apierrors import translate_error
from kubectl_karp.sources.kubeconfig import load_configuration

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.options import ClusterOptions

# Retries of answers that carry Retry-After (client-go allows 10; fewer keeps a throttled
# command short), and the longest wait we honour between two attempts.
MAX_ATTEMPTS = 5
MAX_RETRY_AFTER = 10.0

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


class Transport:
    """An ApiClient plus what error messages need: the server address and the context;
    ``send`` is one request, bounded by --request-timeout and retried on Retry-After."""

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
