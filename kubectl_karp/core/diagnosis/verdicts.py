"""One NodePool's verdict on one pod, as data (shared by simulate's and explain's reports)."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_karp.core.reasons import Reason


@dataclass(frozen=True, slots=True)
class ClosestType:
    """An instance type the NodePool allows that comes nearest to fitting, and what it lacks."""

    name: str
    allocatable: dict[str, int]  # after daemonset overhead, milli-units
    lacks: dict[str, int]  # resource → how much more the pod needs, milli-units


@dataclass(frozen=True, slots=True)
class NodePoolVerdict:
    name: str
    accepted: bool
    reasons: tuple[Reason, ...] = ()
    closest: tuple[ClosestType, ...] = ()
    chosen: bool = False  # simulate placed (one of) the pod(s) on a new NodeClaim from here
    # Instance types that fit the pod on their own, cheapest first (at most a few, for display).
    candidates: tuple[str, ...] = ()
