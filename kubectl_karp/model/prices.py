"""Prices as people read them: one formatting and one month length for every output."""

from __future__ import annotations

HOURS_PER_MONTH = 730  # the month cloud price lists use (8,760 h / 12)

# ISO 4217 code → the sign people expect. A catalogue that names no currency keeps the
# dollar sign it always had (AWS and hand-written catalogues are in USD).
CURRENCY_SIGNS = {"": "$", "USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£", "JPY": "¥",
                  "HKD": "HK$", "SGD": "S$"}


def currency_sign(currency: str = "") -> str:
    """``¥`` for CNY, ``$`` for USD (and for an unnamed currency), else the code and a space."""
    return CURRENCY_SIGNS.get(currency.upper(), f"{currency.upper()} ")


def money(value: float | None, *, digits: int = 4, currency: str = "") -> str:
    """``$0.1596`` / ``¥0.3600``, or ``-`` when the price is unknown."""
    return "-" if value is None else f"{currency_sign(currency)}{value:.{digits}f}"


def money_month(per_hour: float, currency: str = "") -> str:
    """A monthly figure (730 h) as the command summaries print it: ``$1,234.56``."""
    return f"{currency_sign(currency)}{per_hour * HOURS_PER_MONTH:,.2f}"
