"""Prices as people read them: one formatting and one month length for every output."""

from __future__ import annotations

HOURS_PER_MONTH = 730  # the month cloud price lists use (8,760 h / 12)


def money(value: float | None, *, digits: int = 4) -> str:
    """``$0.1596``, or ``-`` when the price is unknown."""
    return "-" if value is None else f"${value:.{digits}f}"
