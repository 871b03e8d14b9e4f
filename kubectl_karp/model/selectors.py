"""Label selectors (metav1.LabelSelector), kubectl ``-l`` syntax, and node selector terms."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import (
    LabelSelector,
    LabelSelectorRequirement,
    NodeSelectorRequirement,
    NodeSelectorTerm,
)
from kubectl_karp.model.requirement import DOES_NOT_EXIST, NOT_IN, Requirement

_ABSENT_OK = (NOT_IN, DOES_NOT_EXIST)


@lru_cache(maxsize=4096)
def _requirement(operator: str, values: tuple[str, ...]) -> Requirement | None:
    try:
        return Requirement.of("", operator, values)
    except InputError:  # an unknown operator, or Gt/Lt without one integer: matches nothing
        return None


def operator_matches(operator: str, values: tuple[str, ...], value: str | None) -> bool:
    """One selector expression against one label value (``None``: the node or object lacks
    the label), as kube's labels.Requirement.Matches: a missing label satisfies only NotIn
    and DoesNotExist; a present one is asked of the requirement algebra (model/requirement.py,
    the project's one label matcher: Gt/Lt/Gte/Lte need integers, as Go's Atoi reads them).
    Label selectors (In/NotIn/Exists/DoesNotExist) and node selectors share it."""
    if value is None:
        return operator in _ABSENT_OK
    requirement = _requirement(operator, values)
    return requirement is not None and requirement.has(value)


def _expression_matches(req: LabelSelectorRequirement, labels: Mapping[str, str]) -> bool:
    return operator_matches(req.operator, req.values, labels.get(req.key))


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
    return operator_matches(req.operator, req.values, labels.get(req.key))


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
