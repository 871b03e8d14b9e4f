"""Failures of the Kubernetes API server, or of reaching it, in one plain sentence.

``status_error`` reads an HTTP error answer (401, 403, 404, 410, any other); ``unreachable_error``
a transport failure (refused, unresolved, timed out, TLS, reset); ``translate_error`` picks
between them for an exception of the kubernetes client, urllib3 or the socket layer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from kubectl_karp.errors import ClusterError
from kubectl_karp.model.names import printable

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
