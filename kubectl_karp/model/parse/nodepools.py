"""NodePools (template, disruption budgets, limits) and NodeOverlays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_karp.errors import InputError
from kubectl_karp.model.durations import parse_duration
from kubectl_karp.model.objects import (
    Budget,
    NodeOverlay,
    NodePool,
)
from kubectl_karp.model.parse.fields import (
    _DIGITS_RE,
    _int,
    _labels,
    _list,
    _map,
    _name,
    _str,
    _with_raw,
    parse_conditions,
    parse_resources,
    parse_time,
)
from kubectl_karp.model.parse.nodes import (
    _node_class_ref,
)
from kubectl_karp.model.parse.terms import (
    parse_requirements,
    parse_taints,
)


def parse_budgets(value: Any, where: str) -> tuple[Budget, ...]:
    if value is None:
        return (Budget(),)
    out = []
    for i, item in enumerate(_list(value, where)):
        at = f"{where}[{i}]"
        budget = _map(item, at)
        nodes = _str(budget.get("nodes"), f"{at}.nodes", "10%") or "10%"
        body = nodes[:-1] if nodes.endswith("%") else nodes
        if not _DIGITS_RE.fullmatch(body) or (nodes.endswith("%") and int(body) > 100):
            raise InputError(f"nodes {nodes!r} must be a whole number or a percentage 0-100%",
                             where=f"{at}.nodes")
        reasons = tuple(_str(r, f"{at}.reasons") for r in _list(budget.get("reasons"),
                                                                 f"{at}.reasons"))
        for reason in reasons:
            if reason not in ("Empty", "Drifted", "Underutilized"):
                raise InputError(f"unknown reason {reason!r} (allowed: Empty, Drifted, "
                                 "Underutilized)", where=f"{at}.reasons")
        schedule = budget.get("schedule")
        duration = budget.get("duration")
        if (schedule is None) != (duration is None):
            raise InputError("schedule and duration must be set together", where=at)
        out.append(Budget(
            nodes=nodes, reasons=reasons,
            schedule=_str(schedule, f"{at}.schedule") if schedule is not None else None,
            duration_seconds=parse_duration(duration, where=f"{at}.duration", allow_never=False)
            if duration is not None else None))
    return tuple(out)


def parse_node_pool(doc: Mapping[str, Any], where: str) -> NodePool:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    status = _map(doc.get("status"), f"{where}.status")
    template = _map(spec.get("template"), f"{where}.spec.template")
    tmeta = _map(template.get("metadata"), f"{where}.spec.template.metadata")
    tspec = _map(template.get("spec"), f"{where}.spec.template.spec")
    disruption = _map(spec.get("disruption"), f"{where}.spec.disruption")
    policy = _str(disruption.get("consolidationPolicy"), f"{where}.spec.disruption",
                  "WhenEmptyOrUnderutilized") or "WhenEmptyOrUnderutilized"
    if policy == "WhenUnderutilized":  # v1beta1 spelling
        policy = "WhenEmptyOrUnderutilized"
    # Balanced is only in the enum from Karpenter v1.14; the release is not known here, so
    # the dry run refuses it under older rules (core/disruption/planner.py).
    if policy not in ("WhenEmpty", "WhenEmptyOrUnderutilized", "Balanced"):
        raise InputError(f"unknown consolidationPolicy {policy!r} (allowed: WhenEmpty, "
                         "WhenEmptyOrUnderutilized, Balanced)",
                         where=f"{where}.spec.disruption.consolidationPolicy")
    replicas = _int(spec.get("replicas"), f"{where}.spec.replicas")
    if replicas is not None and replicas < 0:
        raise InputError("replicas must not be negative", where=f"{where}.spec.replicas")
    after = disruption.get("consolidateAfter")
    weight = _int(spec.get("weight"), f"{where}.spec.weight", 0) or 0
    expire = tspec.get("expireAfter", disruption.get("expireAfter", "720h"))
    tgp = tspec.get("terminationGracePeriod")
    pool = NodePool(
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        weight=weight,
        template_labels=_labels(tmeta.get("labels"), f"{where}.spec.template.metadata.labels"),
        template_annotations=_labels(tmeta.get("annotations"),
                                     f"{where}.spec.template.metadata.annotations"),
        requirements=parse_requirements(tspec.get("requirements"),
                                        f"{where}.spec.template.spec.requirements"),
        taints=parse_taints(tspec.get("taints"), f"{where}.spec.template.spec.taints"),
        startup_taints=parse_taints(tspec.get("startupTaints"),
                                    f"{where}.spec.template.spec.startupTaints"),
        node_class_ref=_node_class_ref(tspec.get("nodeClassRef"),
                                       f"{where}.spec.template.spec.nodeClassRef"),
        expire_after_seconds=parse_duration(
            expire, where=f"{where}.spec.template.spec.expireAfter"),
        termination_grace_period_seconds=parse_duration(
            tgp, where=f"{where}.spec.template.spec.terminationGracePeriod")
        if tgp is not None else None,
        consolidation_policy=policy,
        consolidate_after_seconds=parse_duration(
            after, where=f"{where}.spec.disruption.consolidateAfter") if after is not None else 0,
        budgets=parse_budgets(disruption.get("budgets"), f"{where}.spec.disruption.budgets"),
        replicas=replicas,
        limits=parse_resources(spec.get("limits"), f"{where}.spec.limits"),
        status_resources=parse_resources(status.get("resources"), f"{where}.status.resources"),
        conditions=parse_conditions(status.get("conditions"), f"{where}.status.conditions"),
        creation_timestamp=parse_time(meta.get("creationTimestamp"), where),
        deletion_timestamp=parse_time(meta.get("deletionTimestamp"), where),
    )
    return _with_raw(pool, doc)


def parse_node_overlay(doc: Mapping[str, Any], where: str) -> NodeOverlay:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    price = spec.get("price")
    adjustment = spec.get("priceAdjustment")
    overlay = NodeOverlay(
        name=_str(meta.get("name"), f"{where}.metadata.name"),
        requirements=parse_requirements(spec.get("requirements"), f"{where}.spec.requirements"),
        price=_str(price, f"{where}.spec.price") if price is not None else None,
        price_adjustment=_str(adjustment, f"{where}.spec.priceAdjustment")
        if adjustment is not None else None,
        capacity=parse_resources(spec.get("capacity"), f"{where}.spec.capacity"),
        weight=_int(spec.get("weight"), f"{where}.spec.weight", 0) or 0,
    )
    return _with_raw(overlay, doc)
