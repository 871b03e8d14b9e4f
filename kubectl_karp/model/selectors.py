"""Label selectors (metav1.LabelSelector), kubectl ``-l`` syntax, and node selector terms."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import (
    LabelSelector,
    LabelSelectorRequirement,
    NodeSelectorRequirement,
    NodeSelectorTerm,
)
from kubectl_karp.model.requirements import go_atoi


def _set_operator_matches(op: str, value: str | None, values: tuple[str, ...]) -> bool | None:
    """In/NotIn/Exists/DoesNotExist against one label value (None: the label is absent);
    ``None`` when ``op`` is not one of these four. Label and node selectors share them."""
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    return None


def _expression_matches(req: LabelSelectorRequirement, labels: Mapping[str, str]) -> bool:
    return _set_operator_matches(req.operator, labels.get(req.key), req.values) is True


def selector_matches(selector: LabelSelector | None, labels: Mapping[str, str]) -> bool:
    """Whether ``labels`` satisfy ``selector``: ``None`` matches nothing, an empty selector
    everything (as metav1.LabelSelectorAsSelector)."""
    if selector is None:
        return False
    for key, value in selector.match_labels:
        if labels.get(key) != value:
            return False
    return all(_expression_matches(req, labels) for req in selector.match_expressions)


def format_selector(selector: LabelSelector | None) -> str:
    """kubectl's rendering (``app=web,tier in (a,b),!legacy``); ``<none>`` for None."""
    if selector is None:
        return "<none>"
    parts = [f"{k}={v}" for k, v in selector.match_labels]
    for req in selector.match_expressions:
        values = ",".join(sorted(req.values))
        parts.append({"In": f"{req.key} in ({values})", "NotIn": f"{req.key} notin ({values})",
                      "Exists": req.key, "DoesNotExist": f"!{req.key}"}.get(
                          req.operator, f"{req.key} {req.operator} ({values})"))
    return ",".join(parts)


# --------------------------------------------------------------------------- kubectl -l

_NAME = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY = re.compile(rf"(?:[a-z0-9](?:[-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}\Z")
_VALUE = re.compile(rf"(?:{_NAME})?\Z")
_TOKEN = re.compile(r"\s*(==|!=|=|\(|\)|,|!|[^\s=!(),]+)")


def _check_key(key: str, text: str) -> str:
    if not _KEY.match(key) or len(key.rpartition("/")[2]) > 63:
        raise InputError(f"invalid label key {key!r} in selector {text!r}")
    return key


def _check_value(value: str, text: str) -> str:
    if not _VALUE.match(value):
        raise InputError(f"invalid label value {value!r} in selector {text!r}")
    return value


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:  # pragma: no cover - every character forms some token
            raise InputError(f"cannot parse selector {text!r} at {text[pos:]!r}")
        tokens.append(match[1])
        pos = match.end()
    return tokens


def parse_selector(text: str) -> LabelSelector:
    """Parse kubectl's ``-l`` syntax: comma-separated ``a=b``, ``a==b``, ``a!=b``, ``a``,
    ``!a``, ``a in (x,y)``, ``a notin (x)``. An empty string selects everything. Raises
    InputError naming the offending part."""
    tokens = _tokens(text)
    match_labels: list[tuple[str, str]] = []
    exprs: list[LabelSelectorRequirement] = []
    i = 0

    def take() -> str | None:
        nonlocal i
        if i < len(tokens):
            i += 1
            return tokens[i - 1]
        return None

    def peek() -> str | None:
        return tokens[i] if i < len(tokens) else None

    while i < len(tokens):
        tok = take()
        if tok == "!":
            key = take()
            if key is None or key in ("=", "==", "!=", "(", ")", ",", "!"):
                raise InputError(f"selector {text!r}: '!' must be followed by a label key")
            exprs.append(LabelSelectorRequirement(_check_key(key, text), "DoesNotExist"))
        elif tok in ("=", "==", "!=", "(", ")", ","):
            raise InputError(f"selector {text!r}: unexpected {tok!r} where a label key "
                             "should be")
        else:
            assert tok is not None
            key = _check_key(tok, text)
            op = peek()
            if op in (None, ","):
                exprs.append(LabelSelectorRequirement(key, "Exists"))
            elif op in ("=", "==", "!="):
                take()
                value = peek()
                if value in (None, ","):
                    value = ""
                elif value in ("=", "==", "!=", "(", ")", "!"):
                    raise InputError(f"selector {text!r}: expected a value after "
                                     f"'{key}{op}', got {value!r}")
                else:
                    take()
                assert value is not None
                _check_value(value, text)
                if op == "!=":
                    exprs.append(LabelSelectorRequirement(key, "NotIn", (value,)))
                else:
                    match_labels.append((key, value))
            elif op in ("in", "notin"):
                take()
                if take() != "(":
                    raise InputError(f"selector {text!r}: expected '(' after '{key} {op}'")
                values: list[str] = []
                while True:
                    item = take()
                    if item is None:
                        raise InputError(f"selector {text!r}: missing ')' after "
                                         f"'{key} {op} ('")
                    if item == ")":
                        break
                    if item == ",":
                        continue
                    values.append(_check_value(item, text))
                if not values:
                    raise InputError(f"selector {text!r}: '{key} {op} ()' needs at least "
                                     "one value")
                exprs.append(LabelSelectorRequirement(
                    key, "In" if op == "in" else "NotIn", tuple(dict.fromkeys(values))))
            else:
                raise InputError(f"selector {text!r}: unexpected {op!r} after {key!r} "
                                 "(expected =, ==, !=, in, notin or ',')")
        sep = take()
        if sep not in (None, ","):
            raise InputError(f"selector {text!r}: expected ',' before {sep!r}")
        if sep == "," and peek() is None:
            raise InputError(f"selector {text!r}: trailing ','")
    return LabelSelector(tuple(match_labels), tuple(exprs))


# --------------------------------------------------------------------------- node selectors

def node_requirement_matches(req: NodeSelectorRequirement, labels: Mapping[str, str]) -> bool:
    """One node-selector requirement against a node's labels (kube-scheduler semantics;
    Karpenter's Gte/Lte accepted too). Gt/Lt need integer label values."""
    value = labels.get(req.key)
    op = req.operator
    matched = _set_operator_matches(op, value, req.values)
    if matched is not None:
        return matched
    if op in ("Gt", "Lt", "Gte", "Lte"):
        if value is None or len(req.values) != 1:
            return False
        have, bound = go_atoi(value), go_atoi(req.values[0])
        if have is None or bound is None:
            return False
        return {"Gt": have > bound, "Lt": have < bound,
                "Gte": have >= bound, "Lte": have <= bound}[op]
    return False


def node_selector_term_matches(term: NodeSelectorTerm, labels: Mapping[str, str],
                               node_name: str | None = None) -> bool:
    """A term (its requirements ANDed) against a node. As in Kubernetes, a term with no
    requirements matches nothing. ``matchFields`` (only ``metadata.name`` exists) are checked
    against ``node_name`` when given and ignored otherwise."""
    if not term.match_expressions and not term.match_fields:
        return False
    if not all(node_requirement_matches(r, labels) for r in term.match_expressions):
        return False
    if node_name is None:
        return True
    return all(node_requirement_matches(r, {"metadata.name": node_name})
               for r in term.match_fields if r.key == "metadata.name")


def node_affinity_matches(terms: Iterable[NodeSelectorTerm], labels: Mapping[str, str],
                          node_name: str | None = None) -> bool:
    """Required node affinity (or PV node affinity): any term matches; no terms = no
    constraint."""
    items = tuple(terms)
    return not items or any(node_selector_term_matches(t, labels, node_name) for t in items)
