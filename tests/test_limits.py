"""run_within: a whole call bounded by a deadline (what --request-timeout means)."""

from __future__ import annotations

import threading

import pytest

from kubectl_karp.limits import DeadlineExceeded, run_within


def test_returns_the_value_and_passes_errors_through() -> None:
    assert run_within(lambda: 42, 5) == 42
    assert run_within(lambda: 7, None) == 7
    with pytest.raises(KeyError):
        run_within(lambda: {}["missing"], 5)


def test_gives_up_at_the_deadline_and_interrupts() -> None:
    release = threading.Event()
    interrupted: list[bool] = []

    def stuck() -> int:
        release.wait(30)
        return 1

    with pytest.raises(DeadlineExceeded, match=r"no answer within 0\.2s"):
        run_within(stuck, 0.2, on_timeout=lambda: interrupted.append(True))
    assert interrupted == [True]
    release.set()
