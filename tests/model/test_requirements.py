"""The requirement algebra: properties against a brute-force model, and upstream's tables."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kubectl_karp.errors import InputError
from kubectl_karp.model.labels import WELL_KNOWN_LABELS, is_restricted_node_label
from kubectl_karp.model.objects import (
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Pod,
    PreferredSchedulingTerm,
)
from kubectl_karp.model.requirement_diagnostics import restricted_label_problem
from kubectl_karp.model.requirements import (
    Requirement,
    Requirements,
    go_atoi,
    pod_requirements,
    preferred_requirements,
)

KEY = "example.com/size"
FAMILY = "karpenter.k8s.tke/instance-family"
CPU = "karpenter.k8s.tke/instance-cpu"
ZONE = "topology.kubernetes.io/zone"

# Values requirements are built from, and a wider universe to probe them with: the extra
# spellings ("+3", "03") are integers to Go's Atoi but never appear in a requirement, so a
# bounded complement always has a witness in the universe, as it has among all strings.
VALUE_POOL = [str(i) for i in range(-3, 9)] + ["a", "b", "c", ""]
UNIVERSE = sorted(set(VALUE_POOL) | {str(i) for i in range(-12, 15)}) + \
    [f"+{i}" for i in range(15)] + [f"0{i}" for i in range(15)] + \
    [f"-0{i}" for i in range(1, 13)] + ["-0", "x1", " 1", "1.0", str(2**63), str(-(2**63) - 1)]

OPS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte"]

# Timing limits would make property tests flaky on busy machines; pairs of requirements need
# more examples than the default to reach the rarer shapes (bounded complement vs a set).
no_deadline = settings(deadline=None, max_examples=200)


def _one(draw: st.DrawFn, key: str, ops: list[str]) -> Requirement:
    op = draw(st.sampled_from(ops))
    if op in ("Gt", "Lt", "Gte", "Lte"):
        values = [str(draw(st.integers(-4, 9)))]
    elif op in ("In", "NotIn"):
        values = draw(st.lists(st.sampled_from(VALUE_POOL), max_size=5))
    else:
        values = []
    return Requirement.of(key, op, values, draw(st.none() | st.integers(1, 3)))


@st.composite
def requirements(draw: st.DrawFn, key: str = KEY) -> Requirement:
    req = _one(draw, key, OPS)
    # Chains of intersections give shapes no single operator does (bounded NotIn, ...).
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        req = req.intersection(_one(draw, key, OPS))
    return req


def model_atoi(value: str) -> int | None:
    digits = value[1:] if value[:1] in ("+", "-") else value
    if not digits or any(c not in "0123456789" for c in digits):
        return None
    number = int(value)
    return number if -(2**63) <= number < 2**63 else None


def brute_has(op: str, values: list[str], value: str) -> bool:
    """Independent model of one operator (what a node labelled key=value satisfies)."""
    if op == "In":
        return value in values
    if op == "NotIn":
        return value not in values
    if op == "Exists":
        return True
    if op == "DoesNotExist":
        return False
    bound, number = int(values[0]), model_atoi(value)
    if number is None:
        return False
    return {"Gt": number > bound, "Lt": number < bound, "Gte": number >= bound,
            "Lte": number <= bound}[op]


# --------------------------------------------------------------------------- properties

@no_deadline
@given(st.sampled_from(OPS), st.lists(st.sampled_from(VALUE_POOL), max_size=4),
       st.integers(-4, 9))
def test_single_operator_matches_model(op: str, values: list[str], bound: int) -> None:
    if op in ("Gt", "Lt", "Gte", "Lte"):
        values = [str(bound)]
    req = Requirement.of(KEY, op, values)
    for v in UNIVERSE:
        assert req.has(v) == brute_has(op, values, v), (op, values, v)


@no_deadline
@given(requirements(), requirements())
def test_intersection_is_pointwise_and(x: Requirement, y: Requirement) -> None:
    both = x.intersection(y)
    for v in UNIVERSE:
        assert both.has(v) == (x.has(v) and y.has(v)), (x, y, v)


@no_deadline
@given(requirements(), requirements())
def test_intersection_commutes(x: Requirement, y: Requirement) -> None:
    xy, yx = x.intersection(y), y.intersection(x)
    assert xy == yx
    assert xy.is_empty() == yx.is_empty()


@no_deadline
@given(requirements(), requirements(), requirements())
def test_intersection_associates(x: Requirement, y: Requirement, z: Requirement) -> None:
    left = x.intersection(y).intersection(z)
    right = x.intersection(y.intersection(z))
    assert left == right
    for v in UNIVERSE:
        assert left.has(v) == right.has(v)


@no_deadline
@given(requirements(), requirements())
@example(Requirement.of(KEY, "Gt", ["5"]), Requirement.of(KEY, "In", ["3", "a"]))
@example(Requirement.of(KEY, "In", ["7"]), Requirement.of(KEY, "Lt", ["5"]))
@example(Requirement.of(KEY, "NotIn", ["7"]).intersection(Requirement.of(KEY, "Gt", ["6"])),
         Requirement.of(KEY, "In", ["7", "x"]))
def test_has_intersection_agrees_with_universe(x: Requirement, y: Requirement) -> None:
    witness = any(x.has(v) and y.has(v) for v in UNIVERSE)
    assert x.has_intersection(y) == witness, (x, y)
    assert (not x.intersection(y).is_empty()) == witness


@no_deadline
@given(requirements())
def test_is_empty_means_nothing_allowed(x: Requirement) -> None:
    assert x.is_empty() == (not any(x.has(v) for v in UNIVERSE))


@no_deadline
@given(requirements(), requirements())
def test_intersection_returns_self_when_unchanged(x: Requirement, y: Requirement) -> None:
    result = x.intersection(y)
    if result == x:
        assert result is x
    assert x.intersection(x) is x


@no_deadline
@given(requirements())
def test_any_value_is_allowed(x: Requirement) -> None:
    value = x.any_value()
    if x.is_empty():
        assert value is None
    else:
        assert value is not None and x.has(value)


@no_deadline
@given(requirements())
def test_node_selector_round_trip(x: Requirement) -> None:
    back = Requirements.from_node_selector_requirements(x.to_node_selector())
    for v in UNIVERSE:
        assert back.get(KEY).has(v) == x.has(v)


def allows_absent(req: Requirement) -> bool:
    return req.set_operator in ("NotIn", "DoesNotExist")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["k1", "k2", ZONE]), st.just(0), max_size=3),
       st.dictionaries(st.sampled_from(["k1", "k2", ZONE]), st.just(0), max_size=3),
       st.data())
def test_compatible_agrees_with_brute_force(ours_keys: dict[str, int],
                                            theirs_keys: dict[str, int],
                                            data: st.DataObject) -> None:
    ours = Requirements(data.draw(requirements(k)) for k in ours_keys)
    theirs = Requirements(data.draw(requirements(k)) for k in theirs_keys)
    expected_intersects = all(
        any(ours[k].has(v) and theirs[k].has(v) for v in UNIVERSE)
        or (allows_absent(ours[k]) and allows_absent(theirs[k]))
        for k in ours if k in theirs)
    assert (ours.intersects(theirs) is None) == expected_intersects
    undefined_ok = all(k in ours or k in WELL_KNOWN_LABELS or allows_absent(theirs[k])
                       for k in theirs)
    problem = ours.compatible(theirs)
    assert (problem is None) == (undefined_ok and expected_intersects)
    assert (problem is None) == (not ours.incompatibilities(theirs))
    if problem is not None:
        assert problem.key in theirs


@no_deadline
@given(st.lists(requirements(), max_size=4), st.lists(requirements(), max_size=4))
def test_requirements_intersect_matches_add(a: list[Requirement], b: list[Requirement]) -> None:
    ra, rb = Requirements(a), Requirements(b)
    combined = ra.intersect(rb)
    assert combined == ra.add(*b) == Requirements(a + b)
    for v in UNIVERSE:
        assert combined.get(KEY).has(v) == (ra.get(KEY).has(v) and rb.get(KEY).has(v))


# --------------------------------------------------------------------------- tables

@pytest.mark.parametrize(("op", "values", "allowed", "denied", "operator"), [
    ("In", ["S5", "SA2"], ["S5", "SA2"], ["C6", ""], "In"),
    ("NotIn", ["S5"], ["SA2", ""], ["S5"], "NotIn"),
    ("Exists", [], ["anything", ""], [], "Exists"),
    ("DoesNotExist", [], [], ["anything", ""], "DoesNotExist"),
    ("Gt", ["2"], ["3", "+3", "03", "100"], ["2", "1", "-5", "x", "2.5"], "Gt"),
    ("Lt", ["2"], ["1", "-5", "0"], ["2", "3", "x", ""], "Lt"),
    ("Gte", ["2"], ["2", "3"], ["1", "x"], "Gt"),
    ("Lte", ["2"], ["2", "1"], ["3", "x"], "Lt"),
])
def test_operators(op: str, values: list[str], allowed: list[str], denied: list[str],
                   operator: str) -> None:
    req = Requirement.of(KEY, op, values)
    assert all(req.has(v) for v in allowed)
    assert not any(req.has(v) for v in denied)
    assert req.operator == operator


def test_gte_lte_are_shifted_gt_lt() -> None:
    assert Requirement.of(KEY, "Gte", ["4"]) == Requirement.of(KEY, "Gt", ["3"])
    assert Requirement.of(KEY, "Lte", ["4"]) == Requirement.of(KEY, "Lt", ["5"])
    assert Requirement.of(KEY, "Gt", ["4"]).greater_than == 4
    assert Requirement.of(KEY, "Lt", ["4"]).less_than == 4


def test_bounds_apply_to_integers_only() -> None:
    gt = Requirement.of(CPU, "Gt", ["1"])
    assert gt.intersection(Requirement.of(CPU, "In", ["1", "2", "4", "large"])) == \
        Requirement.of(CPU, "In", ["2", "4"])
    assert not gt.has(str(2**63))  # out of int64: not an integer to Go
    assert gt.has(str(2**63 - 1))


def test_crossing_bounds_become_does_not_exist() -> None:
    both = Requirement.of(CPU, "Gt", ["4"]).intersection(Requirement.of(CPU, "Lt", ["5"]))
    assert both.is_empty() and both.operator == "DoesNotExist"
    ok = Requirement.of(CPU, "Gt", ["4"]).intersection(Requirement.of(CPU, "Lt", ["6"]))
    assert ok.has("5") and not ok.has("4") and not ok.has("6")
    assert Requirement.of(CPU, "Gt", [str(2**63 - 1)]).is_empty()


def test_complement_rules() -> None:
    a, b = Requirement.of(KEY, "NotIn", ["x"]), Requirement.of(KEY, "NotIn", ["y"])
    both = a.intersection(b)
    assert both == Requirement.of(KEY, "NotIn", ["x", "y"])
    assert both.operator == "NotIn" and not both.is_empty()
    assert Requirement.of(KEY, "Exists").intersection(b) is b
    assert Requirement.of(KEY, "In", ["x", "z"]).intersection(a) == \
        Requirement.of(KEY, "In", ["z"])
    bounded = Requirement.of(CPU, "Gt", ["1"]).intersection(Requirement.of(CPU, "NotIn", ["0",
                                                                                          "4"]))
    assert bounded.values == frozenset({"4"})  # "0" is outside the bounds anyway
    assert bounded.operator == "Gt" and bounded.set_operator == "NotIn"
    assert str(bounded) == f"{CPU} NotIn [4] and > 1"


def test_min_values_takes_the_larger() -> None:
    a = Requirement.of(FAMILY, "In", ["S5", "SA2", "S6"], min_values=2)
    b = Requirement.of(FAMILY, "Exists", min_values=3)
    assert a.intersection(b).min_values == 3
    assert a.intersection(Requirement.of(FAMILY, "In", ["S5"])).min_values == 2


def test_min_values_shortfall() -> None:
    reqs = Requirements([Requirement.of(FAMILY, "In", ["S5", "SA2", "S6"], min_values=2),
                         Requirement.of(CPU, "Gt", ["1"], min_values=2),
                         Requirement.of(ZONE, "In", ["100003"])])
    types = [{FAMILY: "S5", CPU: "2"}, {FAMILY: "S5", CPU: "4"}, {FAMILY: "C6", CPU: "8"}]
    assert reqs.min_values_shortfall(types) == [(FAMILY, 2, 1)]
    assert reqs.min_values_shortfall([*types, {FAMILY: "SA2", CPU: "1"}]) == []
    assert reqs.has_min_values()
    assert Requirements([Requirement.of(ZONE, "Exists")]).min_values_shortfall(types) == []


@pytest.mark.parametrize(("op", "values"), [
    ("Gt", []), ("Gt", ["1", "2"]), ("Lt", ["two"]), ("Gte", ["1.5"]), ("Bogus", ["x"]),
])
def test_invalid_operators_raise(op: str, values: list[str]) -> None:
    with pytest.raises(InputError, match=KEY):
        Requirement.of(KEY, op, values, where="nodepool default requirements[0]")


def test_from_node_selector_and_normalised_keys() -> None:
    req = Requirement.from_node_selector(
        NodeSelectorRequirement("failure-domain.beta.kubernetes.io/zone", "In", ("100003",), 2))
    assert req.key == ZONE and req.min_values == 2 and req.has("100003")
    reqs = Requirements.from_labels({"beta.kubernetes.io/arch": "amd64"})
    assert "kubernetes.io/arch" in reqs


def test_strings() -> None:
    assert str(Requirement.of(FAMILY, "In", ["SA2", "S5"])) == f"{FAMILY} In [S5, SA2]"
    assert str(Requirement.of(CPU, "Gt", ["1"])) == f"{CPU} > 1"
    assert str(Requirement.of(CPU, "In", ["16", "4", "8", "2"])) == f"{CPU} In [2, 4, 8, 16]"
    assert str(Requirement.of(KEY, "Exists")) == f"{KEY} Exists"
    assert str(Requirement.of(KEY, "DoesNotExist")) == f"{KEY} DoesNotExist"
    many = Requirement.of(KEY, "In", [f"v{i}" for i in range(8)], min_values=2)
    assert str(many) == f"{KEY} In [v0, v1, v2, v3, v4, and 3 others] (minValues 2)"


# --------------------------------------------------------------------------- Requirements

def np_reqs() -> Requirements:
    return Requirements.from_node_selector_requirements([
        NodeSelectorRequirement(FAMILY, "In", ("S5", "SA2")),
        NodeSelectorRequirement("karpenter.sh/capacity-type", "In", ("on-demand", "spot")),
    ])


def test_get_undefined_is_exists() -> None:
    reqs = np_reqs()
    assert reqs.get("example.com/anything") == Requirement.of("example.com/anything", "Exists")
    assert "example.com/anything" not in reqs and FAMILY in reqs
    assert len(reqs) == 2
    assert set(reqs) == set(reqs.keys()) == {FAMILY, "karpenter.sh/capacity-type"}


@pytest.mark.parametrize(("pod", "ok"), [
    ({"example.com/team": ("NotIn", ["a"])}, True),  # undefined custom key, NotIn: fine
    ({"example.com/team": ("DoesNotExist", [])}, True),
    ({"example.com/team": ("In", ["a"])}, False),  # undefined custom key: denied
    ({"example.com/team": ("Exists", [])}, False),
    ({ZONE: ("In", ["100003"])}, True),  # undefined well-known: allowed
    ({"kubernetes.io/arch": ("In", ["arm64"])}, True),
    ({FAMILY: ("In", ["S5"])}, True),
    ({FAMILY: ("In", ["C6"])}, False),
    ({FAMILY: ("NotIn", ["S5", "SA2"])}, False),  # NodePool's In does not accept absence
    ({FAMILY: ("DoesNotExist", [])}, False),
    ({"karpenter.sh/capacity-type": ("In", ["spot"])}, True),
])
def test_compatible_table(pod: dict[str, tuple[str, list[str]]], ok: bool) -> None:
    theirs = Requirements(Requirement.of(k, op, v) for k, (op, v) in pod.items())
    problem = np_reqs().compatible(theirs)
    assert (problem is None) == ok, problem
    if problem is not None:
        assert problem.key in pod and problem.message.startswith(f"{problem.key}: ")


def test_both_absent_tolerant_sides_agree() -> None:
    ours = Requirements([Requirement.of(KEY, "DoesNotExist")])
    assert ours.compatible(Requirements([Requirement.of(KEY, "NotIn", ["a"])])) is None
    assert ours.compatible(Requirements([Requirement.of(KEY, "DoesNotExist")])) is None
    assert ours.compatible(Requirements([Requirement.of(KEY, "Exists")])) is not None


def test_provider_well_known_labels_are_passed_in() -> None:
    theirs = Requirements([Requirement.of(FAMILY, "In", ["S5"])])
    assert Requirements().compatible(theirs) is not None
    assert Requirements().compatible(theirs, WELL_KNOWN_LABELS | {FAMILY}) is None


def test_incompatibility_messages() -> None:
    problem = np_reqs().compatible(Requirements([Requirement.of(FAMILY, "In", ["C6"])]))
    assert problem is not None
    assert problem.message == f"{FAMILY}: In [S5, SA2] does not intersect In [C6]"
    assert problem.describe("the NodePool", "the pod") == \
        f"{FAMILY}: the pod needs In [C6] but the NodePool allows In [S5, SA2]"
    undefined = Requirements().compatible(Requirements([Requirement.of("team", "In", ["a"])]))
    assert undefined is not None and undefined.ours is None
    assert undefined.describe("the NodePool", "the pod") == \
        "team: the pod needs In [a] but the NodePool does not define the label"
    typo = Requirements().compatible(
        Requirements([Requirement.of("topology.kubernetes.io/zones", "In", ["a"])]))
    assert typo is not None and "typo of" in typo.message


def test_add_and_intersect_return_self_when_unchanged() -> None:
    reqs = np_reqs()
    assert reqs.add(Requirement.of(FAMILY, "In", ["S5", "SA2", "S6"])) is reqs
    assert reqs.intersect(Requirements()) is reqs
    assert Requirements().intersect(reqs) is reqs
    narrowed = reqs.add(Requirement.of(FAMILY, "In", ["S5"]))
    assert narrowed is not reqs and narrowed[FAMILY].values == {"S5"}
    assert reqs[FAMILY].values == {"S5", "SA2"}  # the original is untouched
    assert hash(narrowed) == hash(reqs.add(Requirement.of(FAMILY, "In", ["S5"])))


def test_labels() -> None:
    reqs = Requirements([Requirement.of("example.com/team", "In", ["a"]),
                         Requirement.of("example.com/multi", "In", ["b", "a"]),
                         Requirement.of("example.com/any", "Exists"),
                         Requirement.of(ZONE, "In", ["100003"]),
                         Requirement.of("node.kubernetes.io/lifecycle", "In", ["x"]),
                         Requirement.of("kubernetes.io/hostname", "In", ["n1"])])
    assert reqs.labels() == {"example.com/team": "a", "node.kubernetes.io/lifecycle": "x"}
    assert reqs.labels(include_restricted=True)[ZONE] == "100003"
    assert reqs.labels(well_known=WELL_KNOWN_LABELS | {"example.com/team"}) == \
        {"node.kubernetes.io/lifecycle": "x"}
    arbitrary = reqs.labels(arbitrary=True)
    assert arbitrary["example.com/multi"] == "a" and arbitrary["example.com/any"] == "0"


@pytest.mark.parametrize(("key", "restricted"), [
    ("kubernetes.io/arch", False), ("topology.kubernetes.io/zone", False),
    ("karpenter.sh/capacity-type", False), ("kubernetes.io/hostname", True),
    ("karpenter.sh/custom", True), ("example.kubernetes.io/x", True), ("k8s.io/x", True),
    ("node.kubernetes.io/lifecycle", False), ("node-restriction.kubernetes.io/x", False),
    ("kops.k8s.io/x", False), ("example.com/team", False), ("team", False),
    ("karpenter.k8s.tke/instance-family", False),
])
def test_restricted_labels(key: str, restricted: bool) -> None:
    problem = restricted_label_problem(key)
    assert (problem is not None) == restricted
    if problem:
        assert key in problem
    assert is_restricted_node_label("kubernetes.io/arch")  # set by Karpenter, not the user


def test_go_atoi() -> None:
    assert go_atoi("+7") == 7 and go_atoi("-007") == -7
    assert go_atoi("1_000") is None and go_atoi(" 1") is None and go_atoi("") is None
    assert go_atoi("٣") is None  # non-ASCII digits are not Go digits
    assert go_atoi(str(2**63)) is None and go_atoi(str(-(2**63))) == -(2**63)


# --------------------------------------------------------------------------- pods

def term(*exprs: NodeSelectorRequirement) -> NodeSelectorTerm:
    return NodeSelectorTerm(match_expressions=exprs)


def test_pod_requirements_one_per_term_with_node_selector() -> None:
    pod = Pod("default", "web", node_selector={"kubernetes.io/arch": "amd64"},
              required_node_affinity=(
                  term(NodeSelectorRequirement(ZONE, "In", ("100003",))),
                  term(NodeSelectorRequirement(ZONE, "In", ("100004",)),
                       NodeSelectorRequirement("kubernetes.io/arch", "In", ("arm64", "amd64")))))
    alternatives = pod_requirements(pod)
    assert len(alternatives) == 2
    assert alternatives[0][ZONE].values == {"100003"}
    assert alternatives[1][ZONE].values == {"100004"}
    assert all(a["kubernetes.io/arch"].values == {"amd64"} for a in alternatives)
    plain = pod_requirements(Pod("default", "plain", node_selector={"a": "b"}))
    assert plain == [Requirements.from_labels({"a": "b"})]
    assert pod_requirements(Pod("default", "none")) == [Requirements()]


def test_preferred_requirements_heaviest_first() -> None:
    pod = Pod("default", "web", preferred_node_affinity=(
        PreferredSchedulingTerm(10, term(NodeSelectorRequirement(ZONE, "In", ("a",)))),
        PreferredSchedulingTerm(50, term(NodeSelectorRequirement(ZONE, "In", ("b",)))),
        PreferredSchedulingTerm(10, term(NodeSelectorRequirement(ZONE, "In", ("c",))))))
    prefs = preferred_requirements(pod)
    assert [w for w, _ in prefs] == [50, 10, 10]
    assert [next(iter(r[ZONE].values)) for _, r in prefs] == ["b", "a", "c"]


def test_bad_pod_requirement_names_the_pod() -> None:
    pod = Pod("default", "web", required_node_affinity=(
        term(NodeSelectorRequirement(CPU, "Gt", ("many",))),))
    with pytest.raises(InputError, match="default/web"):
        pod_requirements(pod)


@pytest.mark.parametrize(("req", "value"), [
    (Requirement.of(KEY, "In", ["b", "a"]), "a"),
    (Requirement.of(KEY, "In", ["10", "9", "x"]), "9"),
    (Requirement.of(KEY, "Exists"), "0"),
    (Requirement.of(KEY, "NotIn", ["0", "1"]), "2"),
    (Requirement.of(KEY, "Gt", ["4"]), "5"),
    (Requirement.of(KEY, "Lt", ["-3"]), "-4"),
    (Requirement.of(KEY, "Lt", ["1"]).intersection(Requirement.of(KEY, "NotIn", ["0"])), "-1"),
    (Requirement.of(KEY, "Gt", ["0"]).intersection(Requirement.of(KEY, "Lt", ["2"]))
     .intersection(Requirement.of(KEY, "NotIn", ["1"])), "01"),
    (Requirement.of(KEY, "DoesNotExist"), None),
])
def test_any_value(req: Requirement, value: str | None) -> None:
    assert req.any_value() == value
    if value is not None:
        assert req.has(value)
