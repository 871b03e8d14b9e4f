"""How long a command takes to fail against an API server that is down or never answers,
as a ratio to ``--request-timeout`` (aim: a few times the timeout, never a retry storm).

The unit tests only assert that such failures give one ``error:`` line; the time it takes
belongs here. Loopback only: a closed port, a listener that accepts and stays silent, and
two that answer one byte every 0.2 s (the body, or the headers themselves).

Run: python benchmarks/failure_latency.py [--runs N] [--timeout 1s]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: bench
clusters: [{{name: bench, cluster: {{server: "http://127.0.0.1:{port}"}}}}]
users: [{{name: bench, user: {{token: bench}}}}]
contexts: [{{name: bench, context: {{cluster: bench, user: bench}}}}]
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens on it once the socket is closed


def _silent_listener(stop: threading.Event) -> int:
    """Accepts connections and never answers, until ``stop`` is set."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue
        for conn in held:
            conn.close()
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    port: int = server.getsockname()[1]
    return port


def _trickling_listener(stop: threading.Event, *, headers_first: bool) -> int:
    """Answers every request one byte per 0.2 s: the body after complete headers, or the
    headers themselves. A socket timeout never fires; only a whole-request deadline does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)

    def trickle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                if headers_first:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 100000\r\n\r\n")
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.is_set():
                    conn.sendall(b" " if headers_first else b"X")
                    time.sleep(0.2)
            except OSError:
                return

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    port: int = server.getsockname()[1]
    return port


def _time_failure(port: int, timeout: str, runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config"
        config.write_text(KUBECONFIG.format(port=port), encoding="utf-8")
        cmd = [sys.executable, "-m", "kubectl_karp", "simulate", "--kubeconfig", str(config),
               "--request-timeout", timeout]
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
            samples.append(time.perf_counter() - start)
            if done.returncode != 1 or done.stderr.count("error: ") != 1:
                raise SystemExit(f"expected one error line and exit 1, got {done.returncode}: "
                                 f"{done.stderr!r}")
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", default="1s")
    args = parser.parse_args()
    seconds = float(args.timeout.rstrip("s"))
    stop = threading.Event()
    rows = [("unreachable (closed port)", _time_failure(_closed_port(), args.timeout, args.runs)),
            ("hanging (accepts, never answers)",
             _time_failure(_silent_listener(stop), args.timeout, args.runs)),
            ("trickling body (1 byte / 0.2 s)",
             _time_failure(_trickling_listener(stop, headers_first=True), args.timeout,
                           args.runs)),
            ("trickling headers (1 byte / 0.2 s)",
             _time_failure(_trickling_listener(stop, headers_first=False), args.timeout,
                           args.runs))]
    stop.set()
    print(f"--request-timeout {args.timeout}; median of {args.runs} runs")
    print(f"{'server':34} {'median':>9} {'ratio':>7}")
    for label, took in rows:
        print(f"{label:34} {took:8.2f}s {took / seconds:6.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
