"""Node selector requirements and terms, taints, tolerations, label selectors and pod
(anti-)affinity terms: the pieces pods, nodes and NodePools share."""

from __future__ import annotations

from typing import Any

from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import (
    LabelSelector,
    LabelSelectorRequirement,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PodAffinityTerm,
    Taint,
    Toleration,
    WeightedPodAffinityTerm,
)
from kubectl_karp.model.parse.fields import (
    _int,
    _labels,
    _list,
    _map,
    _str,
)


def parse_requirement(value: Any, where: str) -> NodeSelectorRequirement:
    req = _map(value, where)
    key = _str(req.get("key"), f"{where}.key")
    if not key:
        raise InputError("requirement has no key", where=f"{where}.key")
    operator = _str(req.get("operator"), f"{where}.operator")
    if operator not in ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte"):
        raise InputError(f"unknown operator {operator!r} (allowed: In, NotIn, Exists, "
                         "DoesNotExist, Gt, Lt, Gte, Lte)", where=f"{where}.operator")
    values = tuple(_str(v, f"{where}.values[{i}]")
                   for i, v in enumerate(_list(req.get("values"), f"{where}.values")))
    min_values = _int(req.get("minValues"), f"{where}.minValues")
    return NodeSelectorRequirement(key, operator, values, min_values)


def parse_requirements(value: Any, where: str) -> tuple[NodeSelectorRequirement, ...]:
    return tuple(parse_requirement(r, f"{where}[{i}]")
                 for i, r in enumerate(_list(value, where)))


def parse_node_selector_term(value: Any, where: str) -> NodeSelectorTerm:
    term = _map(value, where)
    return NodeSelectorTerm(
        match_expressions=parse_requirements(term.get("matchExpressions"),
                                             f"{where}.matchExpressions"),
        match_fields=parse_requirements(term.get("matchFields"), f"{where}.matchFields"),
    )


def parse_taints(value: Any, where: str) -> tuple[Taint, ...]:
    out = []
    for i, item in enumerate(_list(value, where)):
        at = f"{where}[{i}]"
        taint = _map(item, at)
        effect = _str(taint.get("effect"), f"{at}.effect")
        if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise InputError(f"unknown taint effect {effect!r} (allowed: NoSchedule, "
                             "PreferNoSchedule, NoExecute)", where=f"{at}.effect")
        out.append(Taint(_str(taint.get("key"), f"{at}.key"), effect,
                         _str(taint.get("value"), f"{at}.value")))
    return tuple(out)


def parse_tolerations(value: Any, where: str, at: str = "") -> tuple[Toleration, ...]:
    if value is None:
        return ()
    out = []
    for i, item in enumerate(_list(value, where, at)):
        item_at = f"{at}[{i}]"
        tol = _map(item, where, item_at)
        operator = _str(tol.get("operator"), where, "Equal", item_at + ".operator") or "Equal"
        if operator not in ("Equal", "Exists"):
            raise InputError(f"unknown toleration operator {operator!r} (allowed: Equal, "
                             "Exists)", where=f"{where}{item_at}.operator")
        out.append(Toleration(
            key=_str(tol.get("key"), where, at=item_at + ".key"),
            operator=operator,
            value=_str(tol.get("value"), where, at=item_at + ".value"),
            effect=_str(tol.get("effect"), where, at=item_at + ".effect"),
            toleration_seconds=_int(tol.get("tolerationSeconds"), where, None,
                                    item_at + ".tolerationSeconds"),
        ))
    return tuple(out)


def parse_label_selector(value: Any, where: str) -> LabelSelector | None:
    if value is None:
        return None
    sel = _map(value, where)
    exprs = []
    for i, item in enumerate(_list(sel.get("matchExpressions"), f"{where}.matchExpressions")):
        at = f"{where}.matchExpressions[{i}]"
        expr = _map(item, at)
        operator = _str(expr.get("operator"), f"{at}.operator")
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise InputError(f"unknown label selector operator {operator!r}",
                             where=f"{at}.operator")
        exprs.append(LabelSelectorRequirement(
            _str(expr.get("key"), f"{at}.key"), operator,
            tuple(_str(v, f"{at}.values") for v in _list(expr.get("values"), f"{at}.values"))))
    labels = _labels(sel.get("matchLabels"), f"{where}.matchLabels")
    return LabelSelector(tuple(sorted(labels.items())), tuple(exprs))


def _pod_affinity_term(value: Any, where: str) -> PodAffinityTerm:
    term = _map(value, where)
    return PodAffinityTerm(
        topology_key=_str(term.get("topologyKey"), f"{where}.topologyKey"),
        label_selector=parse_label_selector(term.get("labelSelector"), f"{where}.labelSelector"),
        namespaces=tuple(_str(n, f"{where}.namespaces")
                         for n in _list(term.get("namespaces"), f"{where}.namespaces")),
        namespace_selector=parse_label_selector(term.get("namespaceSelector"),
                                                f"{where}.namespaceSelector"),
        match_label_keys=tuple(_str(k, f"{where}.matchLabelKeys")
                               for k in _list(term.get("matchLabelKeys"),
                                              f"{where}.matchLabelKeys")),
        mismatch_label_keys=tuple(_str(k, f"{where}.mismatchLabelKeys")
                                  for k in _list(term.get("mismatchLabelKeys"),
                                                 f"{where}.mismatchLabelKeys")),
    )


def _weighted_terms(value: Any, where: str) -> tuple[WeightedPodAffinityTerm, ...]:
    out = []
    for i, item in enumerate(_list(value, where)):
        at = f"{where}[{i}]"
        entry = _map(item, at)
        out.append(WeightedPodAffinityTerm(
            weight=_int(entry.get("weight"), f"{at}.weight", 1) or 1,
            term=_pod_affinity_term(entry.get("podAffinityTerm"), f"{at}.podAffinityTerm")))
    return tuple(out)
