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


def format_money(value: float | None, *, currency: str = "", digits: int = 4, per: str = "",
                 unknown: str = "-", grouped: bool = False) -> str:
    """The one way every output and every message writes an amount of money: the currency's
    sign, ``digits`` decimals (thousands separated when ``grouped``) and ``/per`` when given:
    ``$0.1596``, ``¥0.3600/h``, ``$1,234.56``; ``unknown`` when the price is not known.

    Callers pass the catalogue's currency (``SchedulingContext.currency``,
    ``ConsolidationPlan.currency``); "" keeps the dollar sign."""
    if value is None:
        return unknown
    number = f"{value:,.{digits}f}" if grouped else f"{value:.{digits}f}"
    return f"{currency_sign(currency)}{number}" + (f"/{per}" if per else "")


def money(value: float | None, *, digits: int = 4, currency: str = "") -> str:
    """``format_money`` under its older name (the TUI's and core/views.py's call sites)."""
    return format_money(value, currency=currency, digits=digits)


def money_month(per_hour: float, currency: str = "") -> str:
    """A monthly figure (730 h) as the command summaries print it: ``$1,234.56``."""
    return format_money(per_hour * HOURS_PER_MONTH, currency=currency, digits=2, grouped=True)
