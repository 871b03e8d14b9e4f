"""Kubernetes resource quantities, exactly.

Every quantity is held as an integer number of *milli-units* (``1`` CPU == 1000,
``1Ki`` memory == 1_024_000). Kubernetes rounds a quantity up to milli precision
(``Quantity.MilliValue``), so the integer is exact for every value the API server
would store, and comparisons never touch floats.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from kubectl_karp.errors import QuantityError

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_QUANTITY = re.compile(
    r"^(?P<sign>[+-]?)(?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE](?P<exp>[+-]?[0-9]+))?\Z"
)
# Kubernetes stores a quantity's value in an int64; anything larger is
# certainly a typo (a missing unit separator, an extra exponent) and is refused.
MAX_MILLI = (2**63 - 1) * 1000
_MAX_EXPONENT = 30
# Longer than any int64 milli-value written out (and int() refuses > 4300 digits).
_MAX_LENGTH = 64


def _parse(text: str) -> Fraction:
    match = _QUANTITY.match(text) if len(text) <= _MAX_LENGTH else None
    if match is None:
        raise QuantityError(f"invalid quantity {text!r}: expected a number with an optional "
                            "suffix such as 500m, 2, 1.5Gi, 512Mi or 1e3")
    value = Fraction(match["num"])
    if match["exp"] is not None:
        exponent = int(match["exp"])
        if abs(exponent) > _MAX_EXPONENT:
            raise QuantityError(f"quantity {text!r} has an absurd exponent")
        value *= Fraction(10) ** exponent
    else:
        suffix = match["suffix"] or ""
        value *= _BINARY[suffix] if suffix in _BINARY else _DECIMAL[suffix]
    return -value if match["sign"] == "-" else value


@lru_cache(maxsize=8192)
def _milli(text: str) -> int:
    value = _parse(text.strip())
    scaled = value * 1000
    milli = -((-scaled.numerator) // scaled.denominator)  # ceiling, as MilliValue does
    if abs(milli) > MAX_MILLI:
        raise QuantityError(f"quantity {text!r} is out of range (larger than Kubernetes allows)")
    return milli


# A quantity string in milli-units, remembered; raises QuantityError without a location (the
# model's readers try it first and take parse_milli's located error path when it fails).
milli_of = _milli


def parse_milli(value: object, *, where: str | None = None) -> int:
    """Parse a quantity (string, int or float as found in YAML) into milli-units."""
    if isinstance(value, bool) or value is None:
        raise QuantityError(f"expected a quantity, got {value!r}", where=where)
    if isinstance(value, int):
        if abs(value) > MAX_MILLI:
            raise QuantityError("quantity is out of range (larger than Kubernetes allows)",
                                where=where)
        text = str(value)
    elif isinstance(value, float):
        text = repr(value) if value == value and value not in (float("inf"), float("-inf")) \
            else "nan"
    elif isinstance(value, str):
        text = value
    else:
        raise QuantityError(f"expected a quantity, got {type(value).__name__}", where=where)
    try:
        return _milli(text)
    except QuantityError as err:
        raise QuantityError(str(err), where=where) from None


def parse_nonnegative_milli(value: object, *, where: str | None = None) -> int:
    milli = parse_milli(value, where=where)
    if milli < 0:
        raise QuantityError(f"quantity {value!r} must not be negative", where=where)
    return milli


def to_units(milli: int) -> int:
    """Whole units, rounded up (like ``Quantity.Value``)."""
    return -((-milli) // 1000)


def format_cpu(milli: int) -> str:
    """CPU as Kubernetes writes it: ``2`` for whole cores, ``1930m`` otherwise."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


_BINARY_DESC = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20),
                ("Ki", 2**10))
_DECIMAL_DESC = (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6),
                 ("k", 10**3))


def format_memory(milli: int) -> str:
    """Memory for people: the largest binary unit that keeps it whole, else one decimal in
    Gi/Mi/Ki (``14.7Gi``, lossy). Machine output uses :func:`format_memory_exact`."""
    value = milli // 1000 if milli % 1000 == 0 else milli / 1000
    if isinstance(value, int):
        for suffix, factor in _BINARY_DESC:
            if value and value % factor == 0:
                return f"{value // factor}{suffix}"
    for suffix, factor in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if abs(value) >= factor:
            return f"{value / factor:.1f}{suffix}"
    return str(value)


def format_memory_exact(milli: int) -> str:
    """Memory exactly, in the largest binary (else decimal) unit that keeps it whole:
    ``1Gi``, ``1536Mi``, ``1500k``, ``1001``, ``500m``; ``parse_milli`` gives the same number."""
    if milli % 1000:
        return f"{milli}m"
    value = milli // 1000
    if value:
        for table in (_BINARY_DESC, _DECIMAL_DESC):
            for suffix, factor in table:
                if value % factor == 0:
                    return f"{value // factor}{suffix}"
    return str(value)


def format_quantity(resource: str, milli: int) -> str:
    """Render a quantity of ``resource`` for humans and for YAML round-trips."""
    if resource == "cpu":
        return format_cpu(milli)
    if resource in ("memory", "ephemeral-storage", "storage") or resource.startswith("hugepages-"):
        return format_memory_exact(milli)
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def cores(milli: int) -> float:
    """CPU in cores, for display only."""
    return milli / 1000


def gib(milli: int) -> float:
    """Memory in GiB, for display only."""
    return milli / 1000 / 2**30
