"""A raw HTTP fault server on loopback, in front of the Kubernetes API emulator.

The emulator (tests/emulator.py) answers like an API server; this proxy forwards to it and,
for the requests a rule matches, answers what a flaky or hostile server would instead:
throttling with ``Retry-After``, a body trickled byte by byte, headers that never come,
HTTP 200 with a ``Status`` of ``Failure``, bodies of the wrong shape, a ``continue`` token that
repeats forever. Everything it saw is logged, so tests assert what was (not) asked::

    with FaultProxy(k8s) as proxy:
        proxy.answer("/api/v1/pods", 429, {"kind": "Status"}, headers={"Retry-After": "1"},
                     times=1)
        proxy.trickle("/api/v1/nodes", seconds=30)
        run([... "--kubeconfig", str(proxy.kubeconfig)])
        proxy.requests  # [(method, path, query)], all of them, answered or forwarded
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from tests.emulator import KubeEmulator, take_rule

Handler = Callable[[BaseHTTPRequestHandler, Mapping[str, str]], None]


@dataclass
class _Rule:
    method: str
    path: str
    handler: Handler
    times: int | None = None


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: Mapping[str, str]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fault-proxy")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "proxy-cert.pem", folder / "proxy-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _send(req: BaseHTTPRequestHandler, status: int, body: bytes,
          headers: Mapping[str, str] | None = None) -> None:
    req.send_response(status)
    req.send_header("Content-Type", "application/json")
    req.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        req.send_header(key, value)
    req.end_headers()
    req.wfile.write(body)


class FaultProxy:
    """See the module docstring. ``upstream`` is a running KubeEmulator."""

    def __init__(self, upstream: KubeEmulator, directory: Path | None = None,
                 token: str = "emulator-token", *, tls: bool = False) -> None:
        self.upstream = upstream
        self.token = token
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._log: list[Seen] = []
        self._stop = threading.Event()
        proxy = self

        class Request(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                split = urlsplit(self.path)
                query = dict(parse_qsl(split.query))
                with proxy._lock:
                    proxy._log.append(Seen(self.command, split.path, query))
                rule = proxy._match(self.command, split.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if rule is not None:
                    rule.handler(self, query)
                    return
                proxy._forward(self, body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Request)
        self.server.daemon_threads = True
        folder = directory or upstream.directory
        self.tls = tls
        if tls:  # a self-signed certificate: clients must skip verification
            import ssl

            cert, key = _self_signed(folder)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.kubeconfig = folder / "faults.kubeconfig"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self.write_kubeconfig(self.kubeconfig)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def write_kubeconfig(self, path: Path, *, user: Mapping[str, Any] | None = None) -> Path:
        name = "faults"
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": name,
            "clusters": [{"name": name, "cluster": {
                "server": self.url, **({"insecure-skip-tls-verify": True} if self.tls else {})}}],
            "users": [{"name": name, "user": dict(user or {"token": self.token})}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        }
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path

    @property
    def cli_args(self) -> list[str]:
        return ["--kubeconfig", str(self.kubeconfig)]

    # ------------------------------------------------------------------ rules
    def _match(self, method: str, path: str) -> _Rule | None:
        with self._lock:
            return take_rule(self._rules, method, path)

    def on(self, path: str, handler: Handler, *, method: str = "GET",
           times: int | None = None) -> None:
        with self._lock:
            self._rules.insert(0, _Rule(method, path, handler, times))

    def answer(self, path: str, status: int, body: Any, *, headers: Mapping[str, str] | None
               = None, method: str = "GET", times: int | None = None) -> None:
        """Answer with ``body`` (JSON-encoded unless bytes) and ``headers``."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.on(path, lambda req, _q: _send(req, status, raw, headers), method=method,
                times=times)

    def trickle(self, path: str, *, seconds: float = 30.0, interval: float = 0.2) -> None:
        """Headers at once, then the body one byte per ``interval`` (never complete in time)."""
        def handler(req: BaseHTTPRequestHandler, _q: Mapping[str, str]) -> None:
            body = b'{"kind": "NodeList", "items": []}' + b" " * 100_000
            req.send_response(200)
            req.send_header("Content-Type", "application/json")
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            end = time.monotonic() + seconds
            for i in range(len(body)):
                if time.monotonic() > end or self._stop.is_set():
                    return
                try:
                    req.wfile.write(body[i:i + 1])
                    req.wfile.flush()
                except OSError:
                    return
                time.sleep(interval)

        self.on(path, handler)

    def slow_headers(self, path: str, *, seconds: float = 30.0, interval: float = 0.2) -> None:
        """The status line, then one header byte per ``interval``."""
        def handler(req: BaseHTTPRequestHandler, _q: Mapping[str, str]) -> None:
            end = time.monotonic() + seconds
            try:
                req.wfile.write(b"HTTP/1.1 200 OK\r\n")
                while time.monotonic() < end and not self._stop.is_set():
                    req.wfile.write(b"X")
                    req.wfile.flush()
                    time.sleep(interval)
            except OSError:
                return

        self.on(path, handler)

    def repeat_continue(self, path: str, kind: str = "PodList") -> None:
        """Every page holds one item and the same continue token: a list without end."""
        counter = iter(range(10**9))

        def handler(req: BaseHTTPRequestHandler, _q: Mapping[str, str]) -> None:
            n = next(counter)
            page = {"kind": kind, "apiVersion": "v1",
                    "metadata": {"continue": "same-token", "resourceVersion": "1"},
                    "items": [{"metadata": {"name": f"p-{n}", "namespace": "default"},
                               "spec": {"containers": []}}]}
            _send(req, 200, json.dumps(page).encode())

        self.on(path, handler)

    # ------------------------------------------------------------------ forwarding
    def _forward(self, req: BaseHTTPRequestHandler, body: bytes) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream.port, timeout=30)
        try:
            headers = {k: v for k, v in req.headers.items()
                       if k.lower() not in ("host", "connection", "content-length")}
            conn.request(req.command, req.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            _send(req, resp.status, data)
        finally:
            conn.close()

    # ------------------------------------------------------------------ log
    @property
    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self._log)

    def writes(self) -> list[Seen]:
        return [r for r in self.requests if r.method not in ("GET", "HEAD", "OPTIONS")]

    def touched_secrets(self) -> list[Seen]:
        return [r for r in self.requests if "/secrets" in r.path or "/configmaps" in r.path]
