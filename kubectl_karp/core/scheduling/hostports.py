"""hostPort bookkeeping per node (Karpenter's hostportusage.go): two pods conflict on the same
port and protocol when their host IPs are equal or either listens on every address."""

from __future__ import annotations

from collections.abc import Iterable

from kubectl_karp.model.objects import HostPort

_ANY = ("", "0.0.0.0", "::")

PortKey = tuple[str, int, str]


def port_keys(ports: Iterable[HostPort]) -> list[PortKey]:
    return [(p.host_ip if p.host_ip not in _ANY else "", p.port, p.protocol or "TCP")
            for p in ports]


def conflict(used: set[PortKey], ports: Iterable[PortKey]) -> PortKey | None:
    """The first of ``ports`` already taken in ``used``, or None."""
    if not used:
        return None
    for ip, port, proto in ports:
        if (ip, port, proto) in used or ("", port, proto) in used:
            return (ip, port, proto)
        if ip == "" and any(u[1] == port and u[2] == proto for u in used):
            return (ip, port, proto)
    return None


def describe(key: PortKey) -> str:
    ip, port, proto = key
    return f"{ip + ':' if ip else ''}{port}/{proto}"
