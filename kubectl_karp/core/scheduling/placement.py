"""What every placeable shares: a refusal (:class:`Miss`), a NodeClaim's planned change
(:class:`ClaimPlan`), and the small resource and taint helpers both can-add checks use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from kubectl_karp.core.reasons import POD_AFFINITY, POD_ANTI_AFFINITY, TOPOLOGY_SPREAD
from kubectl_karp.core.scheduling.nodes import DEFAULT_MAX_PODS
from kubectl_karp.core.scheduling.topologygroup import (
    AFFINITY,
    ANTI_AFFINITY,
    SPREAD,
    TopologyGroup,
)
from kubectl_karp.model.objects import Taint, Toleration
from kubectl_karp.model.requirements import Requirements
from kubectl_karp.model.taints import tolerates_all

NO_UNDEFINED: frozenset[str] = frozenset()
TOPOLOGY_CODES = {SPREAD: TOPOLOGY_SPREAD, AFFINITY: POD_AFFINITY, ANTI_AFFINITY: POD_ANTI_AFFINITY}
_UNKNOWN_SIZE = 2**62

T = TypeVar("T")


class ClaimPlan(NamedTuple):
    """What adding a pod to a NodeClaim would change (CanAdd's answer, applied by its add)."""

    requirements: Requirements
    allowed: frozenset[int] | None  # ids of the types the new requirements allow; None = all
    requests: dict[str, int]


class Miss:
    """A failed placement check; ``permanent`` when it can never succeed later in the run;
    ``wake`` (group, domain) when it holds until that domain gets its first matching pod;
    ``block`` a topology group's set of planned claims that refuse every shape of the same
    kind, to which the refused claim belongs from now on (until ``wake``, if set)."""

    __slots__ = ("block", "code", "info", "permanent", "wake")

    def __init__(self, code: str, permanent: bool, info: Any = None,
                 wake: tuple[TopologyGroup, str] | None = None) -> None:
        self.code = code
        self.permanent = permanent
        self.info = info
        self.wake = wake
        self.block: set[int] | None = None


def fits(requests: dict[str, int] | Any, available: Any) -> bool:
    for name, milli in requests.items():
        if milli > 0 and milli > available.get(name, 0):
            return False
    return True


def add_requests(a: Any, b: Any) -> dict[str, int]:
    out = dict(a)
    for name, milli in b.items():
        out[name] = out.get(name, 0) + milli
    return out


def with_pods(resources: Any) -> dict[str, int]:
    out = dict(resources)
    out.setdefault("pods", DEFAULT_MAX_PODS * 1000)
    return out


def with_unknown_disk(resources: Any) -> dict[str, int]:
    """Catalogues rarely know the disk (it comes from the node class): an unknown
    ephemeral-storage must not make every pod that requests some unschedulable."""
    out = with_pods(resources)
    out.setdefault("ephemeral-storage", _UNKNOWN_SIZE)
    return out


def minus(a: set[int], b: set[int]) -> set[int]:
    """``a`` without ``b``, in time linear in the smaller: ``a -= b`` walks all of ``b``
    (a refusal set grows with the run), ``a - b`` walks ``a`` when ``b`` is the larger."""
    if len(b) > len(a):
        return a - b
    a -= b
    return a


_TAINTS: dict[tuple[tuple[Toleration, ...], tuple[Taint, ...]], bool] = {}


def tolerates(tolerations: tuple[Toleration, ...], taints: tuple[Taint, ...]) -> bool:
    """``tolerates_all``, remembered: the same few (tolerations, taints) pairs are asked
    about at every placement."""
    if not taints:
        return True
    key = (tolerations, taints)
    hit = _TAINTS.get(key)
    if hit is None:
        if len(_TAINTS) > 1 << 16:
            _TAINTS.clear()
        hit = tolerates_all(taints, tolerations)
        _TAINTS[key] = hit
    return hit


def first_alternative(variants: tuple[Any, ...], check: Callable[[Any], T | Miss]) -> T | Miss:
    """CanAdd's loop over volume alternatives: the first that fits, else a refusal that
    is permanent only when every alternative's is (no shared block: it is per variant)."""
    last: Miss | None = None
    permanent = True
    for variant in variants:
        outcome = check(variant)
        if not isinstance(outcome, Miss):
            return outcome
        last = outcome
        permanent = permanent and outcome.permanent and outcome.block is None
    assert last is not None
    return Miss(last.code, permanent, last.info)
