"""Go-style durations as Karpenter writes them (``5m``, ``720h``, ``1h30m``, ``Never``)."""

from __future__ import annotations

import re
from fractions import Fraction

from kubectl_karp.errors import InputError

# time.Duration is an int64 of nanoseconds: about 292 years.
MAX_SECONDS = (2**63 - 1) // 10**9
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": Fraction(1, 10**9), "us": Fraction(1, 10**6), "µs": Fraction(1, 10**6),
                 "μs": Fraction(1, 10**6), "ms": Fraction(1, 1000), "s": Fraction(1),
                 "m": Fraction(60), "h": Fraction(3600)}
_GO_MAX_NANOS = 2**63 - 1


def parse_duration(text: object, *, where: str | None = None, allow_never: bool = True
                   ) -> int | None:
    """Seconds (rounded down), or ``None`` for ``Never``."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise InputError(f"expected a duration such as 30s, 5m or 720h, got {text!r}",
                         where=where)
    # Longer than any real duration (and Fraction() refuses numbers of > 4300 digits).
    value = str(text).strip() if not isinstance(text, int) or abs(text) < 10**30 else "?" * 99
    if len(value) > 64:
        raise InputError(f"invalid duration {value[:20]!r}...: too long", where=where)
    if value == "Never":
        if allow_never:
            return None
        raise InputError("'Never' is not allowed here", where=where)
    if value == "0":
        return 0
    pos = 0
    seconds = Fraction(0)
    for match in _PART.finditer(value):
        if match.start() != pos:
            break
        seconds += Fraction(match[1]) * _UNIT_SECONDS[match[2]]
        pos = match.end()
    if pos != len(value) or not value:
        raise InputError(f"invalid duration {value!r}: use Go syntax such as 30s, 5m, 1h30m"
                         + (" or Never" if allow_never else ""), where=where)
    if seconds * 10**9 > _GO_MAX_NANOS:
        # Go's time.Duration is int64 nanoseconds (about 2562047h); Kubernetes refuses more.
        raise InputError(f"duration {value!r} is out of range (at most 2562047h)", where=where)
    return int(seconds)


def format_duration(seconds: int | None) -> str:
    if seconds is None:
        return "Never"
    if seconds == 0:
        return "0s"
    parts = []
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs:
        parts.append(f"{secs}s")
    return "".join(parts)
