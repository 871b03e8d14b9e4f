"""Bounded time for calls that a slow or hostile peer could stretch without end.

A socket timeout bounds each read, not a request: a server that trickles one byte a second
never trips it. ``run_within`` runs a call in a daemon thread and gives up at the deadline,
so ``--request-timeout`` bounds the whole request as it does in kubectl.

``request_timeout`` holds the command's ``--request-timeout`` for the cloud clients, whose
loaders are reached through the provider registry and take no connection options.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Set by the CLI from --request-timeout (None: no limit); read by cloud API clients.
_state: dict[str, float | None] = {"request_timeout": 20.0}


def set_request_timeout(seconds: float | None) -> None:
    _state["request_timeout"] = seconds


def request_timeout() -> float | None:
    return _state["request_timeout"]


class DeadlineExceeded(TimeoutError):
    """The call did not finish within its time limit."""


def run_within(func: Callable[[], T], seconds: float | None, *,
               on_timeout: Callable[[], None] = lambda: None) -> T:
    """``func()``, or DeadlineExceeded once ``seconds`` have passed (None: no limit).

    On timeout ``on_timeout`` runs (e.g. to shut the socket the call reads from) and the
    thread is left to finish on its own; it is a daemon, so it never holds the process.
    """
    if seconds is None:
        return func()
    box: dict[str, object] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = func()
        except BaseException as err:  # handed to the caller's thread below
            box["error"] = err
        finally:
            done.set()

    thread = threading.Thread(target=work, name="karp-deadline", daemon=True)
    thread.start()
    if not done.wait(max(seconds, 0.0)):
        on_timeout()
        raise DeadlineExceeded(f"no answer within {seconds:g}s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
