"""Label selectors, kubectl -l parsing, and node selector terms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import (
    LabelSelector,
    LabelSelectorRequirement,
    NodeSelectorRequirement,
    NodeSelectorTerm,
)
from kubectl_karp.model.requirements import go_atoi
from kubectl_karp.model.selectors import (
    format_selector,
    node_affinity_matches,
    node_requirement_matches,
    node_selector_term_matches,
    parse_selector,
    selector_matches,
)

LABELS = {"app": "web", "tier": "front", "env": "prod"}

# Timing limits would make property tests flaky on busy machines.
no_deadline = settings(deadline=None)


def test_none_matches_nothing_empty_matches_everything() -> None:
    assert not selector_matches(None, LABELS)
    assert not selector_matches(None, {})
    assert selector_matches(LabelSelector(), LABELS)
    assert selector_matches(LabelSelector(), {})


@pytest.mark.parametrize(("selector", "expected"), [
    (LabelSelector(match_labels=(("app", "web"),)), True),
    (LabelSelector(match_labels=(("app", "web"), ("tier", "back"))), False),
    (LabelSelector(match_labels=(("missing", ""),)), False),
    (LabelSelector(match_expressions=(LabelSelectorRequirement("app", "In", ("web", "api")),)),
     True),
    (LabelSelector(match_expressions=(LabelSelectorRequirement("app", "NotIn", ("web",)),)),
     False),
    (LabelSelector(match_expressions=(LabelSelectorRequirement("zz", "NotIn", ("web",)),)),
     True),
    (LabelSelector(match_expressions=(LabelSelectorRequirement("env", "Exists"),)), True),
    (LabelSelector(match_expressions=(LabelSelectorRequirement("env", "DoesNotExist"),)),
     False),
    (LabelSelector(match_expressions=(LabelSelectorRequirement("zz", "DoesNotExist"),)), True),
    (LabelSelector(match_expressions=(LabelSelectorRequirement("zz", "In", ("a",)),)), False),
    (LabelSelector(match_expressions=(LabelSelectorRequirement("app", "Bogus", ("web",)),)),
     False),
])
def test_selector_matches(selector: LabelSelector, expected: bool) -> None:
    assert selector_matches(selector, LABELS) is expected


@pytest.mark.parametrize(("text", "matches"), [
    ("", True),
    ("app=web", True),
    ("app==web", True),
    ("app=api", False),
    ("app!=api", True),
    ("missing!=x", True),
    ("app", True),
    ("!app", False),
    ("!missing", True),
    ("app in (web,api)", True),
    ("app in (api)", False),
    ("app notin (api, db)", True),
    ("app=web,tier=front", True),
    ("app=web, tier = back", False),
    ("app.kubernetes.io/name", False),
    ("missing=", False),
])
def test_parse_selector(text: str, matches: bool) -> None:
    assert selector_matches(parse_selector(text), LABELS) is matches


def test_parse_selector_structure() -> None:
    sel = parse_selector("app=web,tier!=back,!legacy,env in (a,b,a)")
    assert sel.match_labels == (("app", "web"),)
    assert sel.match_expressions == (
        LabelSelectorRequirement("tier", "NotIn", ("back",)),
        LabelSelectorRequirement("legacy", "DoesNotExist"),
        LabelSelectorRequirement("env", "In", ("a", "b")),
    )
    assert selector_matches(parse_selector("k="), {"k": ""})
    assert format_selector(sel) == "app=web,tier notin (back),!legacy,env in (a,b)"
    assert format_selector(None) == "<none>"


@pytest.mark.parametrize(("text", "part"), [
    ("a=b=c", "'='"),
    ("a in x", "'a in'"),
    ("a in ()", "'a in ()'"),
    ("a in (x", "missing ')'"),
    ("=b", "'='"),
    ("a,", "trailing"),
    ("!", "'!'"),
    ("a b", "'b'"),
    ("a=b,,c", "','"),
    ("bad key!x=1", "!"),
    ("-bad=1", "'-bad'"),
    ("a=-bad-", "'-bad-'"),
    ("a=" + "x" * 64, "invalid label value"),
    ("UPPER.example.com/x=1", "invalid label key"),
])
def test_parse_selector_errors_name_the_part(text: str, part: str) -> None:
    with pytest.raises(InputError) as err:
        parse_selector(text)
    assert part in str(err.value)
    assert repr(text) in str(err.value)


_keys = st.sampled_from(["app", "tier", "example.com/team", "x"])
_vals = st.sampled_from(["web", "api", "a-b", "v1.2"])


@no_deadline
@given(st.dictionaries(_keys, _vals, max_size=3), st.dictionaries(_keys, _vals, max_size=4))
def test_equality_selectors_round_trip(wanted: dict[str, str], labels: dict[str, str]) -> None:
    text = ",".join(f"{k}={v}" for k, v in wanted.items())
    expected = all(labels.get(k) == v for k, v in wanted.items())
    assert selector_matches(parse_selector(text), labels) is expected
    assert parse_selector(format_selector(parse_selector(text))) == parse_selector(text)


_exprs = st.one_of(
    st.builds(lambda k, op, vs: LabelSelectorRequirement(k, op, tuple(sorted(set(vs)))),
              _keys, st.sampled_from(["In", "NotIn"]), st.lists(_vals, min_size=1, max_size=3)),
    st.builds(lambda k, op: LabelSelectorRequirement(k, op), _keys,
              st.sampled_from(["Exists", "DoesNotExist"])),
)


@no_deadline
@given(st.lists(st.tuples(_keys, _vals), max_size=2), st.lists(_exprs, max_size=3),
       st.dictionaries(_keys, _vals, max_size=4))
def test_format_then_parse_is_identity(labels_part: list[tuple[str, str]],
                                       exprs: list[LabelSelectorRequirement],
                                       labels: dict[str, str]) -> None:
    selector = LabelSelector(tuple(labels_part), tuple(exprs))
    parsed = parse_selector(format_selector(selector))
    assert parsed == selector
    assert selector_matches(parsed, labels) == selector_matches(selector, labels)


# --------------------------------------------------------------------------- node selectors

NODE = {"kubernetes.io/arch": "amd64", "topology.kubernetes.io/zone": "100003",
        "karpenter.k8s.tke/instance-cpu": "8"}


def nsr(key: str, op: str, *values: str) -> NodeSelectorRequirement:
    return NodeSelectorRequirement(key, op, values)


@pytest.mark.parametrize(("req", "expected"), [
    (nsr("kubernetes.io/arch", "In", "amd64", "arm64"), True),
    (nsr("kubernetes.io/arch", "NotIn", "amd64"), False),
    (nsr("missing", "NotIn", "x"), True),
    (nsr("missing", "Exists"), False),
    (nsr("missing", "DoesNotExist"), True),
    (nsr("karpenter.k8s.tke/instance-cpu", "Gt", "4"), True),
    (nsr("karpenter.k8s.tke/instance-cpu", "Gt", "8"), False),
    (nsr("karpenter.k8s.tke/instance-cpu", "Gte", "8"), True),
    (nsr("karpenter.k8s.tke/instance-cpu", "Lt", "8"), False),
    (nsr("karpenter.k8s.tke/instance-cpu", "Lte", "8"), True),
    (nsr("kubernetes.io/arch", "Gt", "1"), False),  # non-integer label value
    (nsr("missing", "Lt", "1"), False),
    (nsr("kubernetes.io/arch", "Bogus", "amd64"), False),
])
def test_node_requirement_matches(req: NodeSelectorRequirement, expected: bool) -> None:
    assert node_requirement_matches(req, NODE) is expected


def _kube_matches(op: str, values: tuple[str, ...], value: str | None) -> bool:
    """kube's labels.Requirement.Matches written out operator by operator (the matcher this
    module had before it asked the requirement algebra), for the exactness test below."""
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt", "Gte", "Lte"):
        if value is None or len(values) != 1:
            return False
        have, bound = go_atoi(value), go_atoi(values[0])
        if have is None or bound is None:
            return False
        return {"Gt": have > bound, "Lt": have < bound,
                "Gte": have >= bound, "Lte": have <= bound}[op]
    return False


_VALUES = ["", "a", "0", "1", "5", "+5", "05", "-3", "x1", str(2**63 - 1), str(-(2**63)),
           str(2**63)]


@no_deadline
@given(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte",
                        "Bogus"]),
       st.lists(st.sampled_from(_VALUES), max_size=3).map(tuple),
       st.one_of(st.none(), st.sampled_from(_VALUES)))
def test_one_matcher_answers_as_kube_does(op: str, values: tuple[str, ...],
                                          value: str | None) -> None:
    # Node and label selectors go through the requirement algebra (one label matcher):
    # same answer as the operator-by-operator definition, for every operator and value.
    labels = {} if value is None else {"k": value}
    assert node_requirement_matches(NodeSelectorRequirement("k", op, values), labels) is \
        _kube_matches(op, values, value)
    if op in ("In", "NotIn", "Exists", "DoesNotExist"):
        selector = LabelSelector((), (LabelSelectorRequirement("k", op, values),))
        assert selector_matches(selector, labels) is _kube_matches(op, values, value)


def test_terms_are_ored_and_requirements_anded() -> None:
    zone3 = NodeSelectorTerm((nsr("topology.kubernetes.io/zone", "In", "100003"),
                              nsr("kubernetes.io/arch", "In", "amd64")))
    zone4 = NodeSelectorTerm((nsr("topology.kubernetes.io/zone", "In", "100004"),))
    arm = NodeSelectorTerm((nsr("topology.kubernetes.io/zone", "In", "100003"),
                            nsr("kubernetes.io/arch", "In", "arm64")))
    assert node_selector_term_matches(zone3, NODE)
    assert not node_selector_term_matches(arm, NODE)
    assert node_affinity_matches([zone4, zone3], NODE)
    assert not node_affinity_matches([zone4, arm], NODE)
    assert node_affinity_matches([], NODE)  # no required affinity
    assert not node_selector_term_matches(NodeSelectorTerm(), NODE)  # empty term: nothing
    assert not node_affinity_matches([NodeSelectorTerm()], NODE)


def test_match_fields_use_the_node_name() -> None:
    by_name = NodeSelectorTerm(match_fields=(nsr("metadata.name", "In", "node-1"),))
    assert node_selector_term_matches(by_name, NODE, node_name="node-1")
    assert not node_selector_term_matches(by_name, NODE, node_name="node-2")
    assert node_selector_term_matches(by_name, NODE)  # unknown name: fields not checked
