"""Instance-type facts the NodePool walk asks again and again, kept once per type."""

from __future__ import annotations

from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.requirements import Requirements

# Diagnosing a batch asks for every type's requirements once per pod and NodePool; building
# them is most of explain's time on a large catalogue. Types are immutable, so the answer is
# kept per type object (the entry holds the type, so its id is not reused meanwhile).
_TYPE_REQUIREMENTS: dict[int, tuple[InstanceType, Requirements]] = {}
_TYPE_REQUIREMENTS_MAX = 50_000


def type_requirements(it: InstanceType) -> Requirements:
    """The type's own requirements (labels, DoesNotExist for those it lacks); the per-offering
    keys are judged offering by offering."""
    hit = _TYPE_REQUIREMENTS.get(id(it))
    if hit is not None and hit[0] is it:
        return hit[1]
    reqs = it.requirements().without(*it.offering_keys())
    if len(_TYPE_REQUIREMENTS) >= _TYPE_REQUIREMENTS_MAX:
        _TYPE_REQUIREMENTS.clear()  # a long-lived TUI reloading catalogues stays bounded
    _TYPE_REQUIREMENTS[id(it)] = (it, reqs)
    return reqs
