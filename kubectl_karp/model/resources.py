"""Resource lists: mappings from resource name to milli-units, and the arithmetic on them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kubectl_karp.model.quantity import format_quantity

Resources = Mapping[str, int]
"""Resource name (``cpu``, ``memory``, ``pods``, ``nvidia.com/gpu`` …) → milli-units."""

EMPTY: Resources = {}
ONE_POD: Resources = {"pods": 1000}


def add(*lists: Resources) -> dict[str, int]:
    total: dict[str, int] = {}
    for resources in lists:
        for name, milli in resources.items():
            total[name] = total.get(name, 0) + milli
    return total


def subtract(a: Resources, b: Resources) -> dict[str, int]:
    """``a - b`` over the union of keys (missing keys count as zero)."""
    out = dict(a)
    for name, milli in b.items():
        out[name] = out.get(name, 0) - milli
    return out


def merge_max(a: Resources, b: Resources) -> dict[str, int]:
    out = dict(a)
    for name, milli in b.items():
        if milli > out.get(name, 0):
            out[name] = milli
    return out


def total(lists: Iterable[Resources]) -> dict[str, int]:
    return add(*lists)


def insufficient(requests: Resources, available: Resources) -> list[str]:
    """Names of the resources whose request exceeds what is available.

    A requested resource that ``available`` does not list at all counts as zero available,
    matching the scheduler (a pod asking for ``nvidia.com/gpu`` does not fit a CPU node).
    """
    return [name for name, milli in requests.items()
            if milli > 0 and milli > available.get(name, 0)]


def fits(requests: Resources, available: Resources) -> bool:
    for name, milli in requests.items():
        if milli > 0 and milli > available.get(name, 0):
            return False
    return True


def exceeds(usage: Resources, limits: Resources) -> list[str]:
    """Resources in ``limits`` that ``usage`` goes beyond (keys absent from limits are free)."""
    return [name for name, limit in limits.items() if usage.get(name, 0) > limit]


def render(resources: Resources) -> dict[str, str]:
    """Kubernetes-style strings, for JSON/YAML output."""
    return {name: format_quantity(name, milli) for name, milli in sorted(resources.items())}
