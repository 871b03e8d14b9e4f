"""The checks a CRD expresses as CEL rules, and Karpenter's own admission-time checks,
written as Python over the raw document. Each rule returns ``(path, message)`` pairs.

Unlike the upstream TKE CRD (whose "id and tags" rule only fires when *every* term sets
both), a term that sets both is refused here: the provider ignores one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from kubectl_karp.core.disruption.cron import schedule_problem
from kubectl_karp.errors import InputError
from kubectl_karp.model.durations import parse_duration
from kubectl_karp.model.labels import RESTRICTED_LABEL_DOMAINS
from kubectl_karp.model.objects import (
    CAPACITY_ON_DEMAND,
    CAPACITY_RESERVED,
    CAPACITY_SPOT,
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_NODEPOOL,
    ObjectRef,
)
from kubectl_karp.model.requirement_diagnostics import restricted_label_problem
from kubectl_karp.model.requirements import go_atoi
from kubectl_karp.providers.registry import (
    provider_for_ref,
    restricted_label_domains,
    well_known_labels,
)

Issue = tuple[str, str]
_CAPACITY_TYPES = (CAPACITY_ON_DEMAND, CAPACITY_SPOT, CAPACITY_RESERVED)
_BOUND_OPERATORS = ("Gt", "Lt", "Gte", "Lte")
_CRON_MACROS = ("@annually", "@yearly", "@monthly", "@weekly", "@daily", "@midnight",
                "@hourly")


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [str(v) for v in _list(value)]


# --------------------------------------------------------------------------- NodePool

def node_class_ref(doc: Mapping[str, Any]) -> ObjectRef | None:
    ref = _map(_map(_map(_map(doc.get("spec")).get("template")).get("spec")).get("nodeClassRef"))
    if not ref:
        return None
    return ObjectRef(str(ref.get("group") or ""), str(ref.get("kind") or ""),
                     str(ref.get("name") or ""))


def requirement_issues(req: Mapping[str, Any], path: str,
                       well_known: frozenset[str],
                       domains: frozenset[str] = RESTRICTED_LABEL_DOMAINS) -> Iterator[Issue]:
    key = req.get("key")
    operator = req.get("operator")
    values = _strings(req.get("values"))
    if isinstance(key, str) and key:
        if key == LABEL_NODEPOOL:
            yield f"{path}.key", (f"label {key!r} is restricted: Karpenter sets it to the "
                                  "NodePool's name")
        elif key == LABEL_HOSTNAME:
            yield f"{path}.key", (f"label {key!r} is restricted: each node gets its own "
                                  "hostname, a NodePool cannot require one")
        else:
            problem = restricted_label_problem(key, well_known, domains)
            if problem:
                yield f"{path}.key", problem
        if key == LABEL_CAPACITY_TYPE and operator in ("In", "NotIn"):
            for value in values:
                if value not in _CAPACITY_TYPES:
                    yield f"{path}.values", (f"unknown capacity type {value!r} (allowed: "
                                             f"{', '.join(_CAPACITY_TYPES)})")
    if operator == "In" and not values:
        yield f"{path}.values", "operator In needs at least one value"
    elif operator in _BOUND_OPERATORS:
        number = go_atoi(values[0]) if len(values) == 1 else None
        if number is None or number < 0:
            yield f"{path}.values", (f"operator {operator} takes exactly one non-negative "
                                     f"integer value, got {values}")
    elif operator in ("Exists", "DoesNotExist") and values:
        yield f"{path}.values", f"operator {operator} takes no values, got {values}"
    min_values = req.get("minValues")
    if isinstance(min_values, int) and not isinstance(min_values, bool) and \
            operator == "In" and len(values) < min_values:
        yield f"{path}.minValues", (f"minValues {min_values} needs at least {min_values} "
                                    f"values, but only {len(values)} are listed")


def _label_issues(labels: Mapping[str, Any], path: str,
                  well_known: frozenset[str],
                  domains: frozenset[str] = RESTRICTED_LABEL_DOMAINS) -> Iterator[Issue]:
    for key in labels:
        key = str(key)
        if key in (LABEL_NODEPOOL, LABEL_HOSTNAME):
            yield f"{path}.{key}", f"label {key!r} is restricted: Karpenter sets it"
        elif key.partition("/")[0].endswith("karpenter.sh") and "/" in key and \
                key != LABEL_CAPACITY_TYPE:
            yield f"{path}.{key}", 'label domain "karpenter.sh" is restricted'
        else:
            problem = restricted_label_problem(key, well_known, domains)
            if problem and key not in well_known:
                yield f"{path}.{key}", problem


def _cron_problem(schedule: str) -> str | None:
    text = schedule.strip()
    if text in _CRON_MACROS:
        return None
    if len(text.split()) != 5:
        return None  # the schema's pattern reports the field count
    problem = schedule_problem(text)
    if problem is not None:
        return f"schedule {schedule!r} is not a valid cron expression: {problem}"
    return None


def budget_issues(budget: Mapping[str, Any], path: str) -> Iterator[Issue]:
    schedule, duration = budget.get("schedule"), budget.get("duration")
    if (schedule is None) != (duration is None):
        yield path, ("schedule and duration must be set together (a schedule opens a window "
                     "of that duration)")
    if isinstance(schedule, str):
        problem = _cron_problem(schedule)
        if problem:
            yield f"{path}.schedule", problem
    if isinstance(duration, str):
        try:
            parse_duration(duration, allow_never=False)
        except InputError as err:
            yield f"{path}.duration", str(err)


def node_pool_issues(doc: Mapping[str, Any]) -> Iterator[Issue]:
    spec = _map(doc.get("spec"))
    template = _map(spec.get("template"))
    tspec = _map(template.get("spec"))
    provider = provider_for_ref(node_class_ref(doc))
    well_known = well_known_labels(provider)
    domains = restricted_label_domains(provider)
    for i, req in enumerate(_list(tspec.get("requirements"))):
        if isinstance(req, Mapping):
            yield from requirement_issues(req, f"spec.template.spec.requirements[{i}]",
                                          well_known, domains)
    labels = _map(_map(template.get("metadata")).get("labels"))
    yield from _label_issues(labels, "spec.template.metadata.labels", well_known, domains)
    disruption = _map(spec.get("disruption"))
    for i, budget in enumerate(_list(disruption.get("budgets"))):
        if isinstance(budget, Mapping):
            yield from budget_issues(budget, f"spec.disruption.budgets[{i}]")
    for field, where in ((disruption.get("consolidateAfter"), "spec.disruption.consolidateAfter"),
                         (tspec.get("expireAfter"), "spec.template.spec.expireAfter")):
        if isinstance(field, str):
            try:
                parse_duration(field)
            except InputError as err:
                yield where, str(err)
    if "replicas" in spec and ("weight" in spec or set(_map(spec.get("limits"))) - {"nodes"}):
        yield "spec.replicas", ("a static NodePool (replicas set) supports neither weight nor "
                                "limits other than limits.nodes")


# --------------------------------------------------------------------------- node classes

def _term_issues(terms: Any, path: str, what: str) -> Iterator[Issue]:
    if terms is None:
        return
    if isinstance(terms, list) and not terms:
        yield path, f"{what} cannot be empty: give at least one term with tags or id"
    for i, term in enumerate(_list(terms)):
        if not isinstance(term, Mapping):
            continue
        at = f"{path}[{i}]"
        has_id, has_tags = term.get("id") is not None, term.get("tags") is not None
        if has_id and has_tags:
            yield at, ("a term sets both tags and id; use one per term (id selects exactly one "
                       "resource, tags select by tag)")
        elif not has_id and not has_tags:
            yield at, "a term needs tags or id"
        for key, value in _map(term.get("tags")).items():
            if str(key) == "" or value is None or str(value) == "":
                yield f"{at}.tags", "empty tag keys or values are not supported (use \"*\" to " \
                                    "match any value)"


def tke_issues(doc: Mapping[str, Any]) -> Iterator[Issue]:
    spec = _map(doc.get("spec"))
    yield from _term_issues(spec.get("subnetSelectorTerms"), "spec.subnetSelectorTerms",
                            "subnetSelectorTerms")
    yield from _term_issues(spec.get("securityGroupSelectorTerms"),
                            "spec.securityGroupSelectorTerms", "securityGroupSelectorTerms")
    yield from _term_issues(spec.get("sshKeySelectorTerms"), "spec.sshKeySelectorTerms",
                            "sshKeySelectorTerms")
    for i, disk in enumerate(_list(spec.get("dataDisks"))):
        size = _map(disk).get("size")
        if isinstance(size, int) and not isinstance(size, bool) and size % 10:
            yield f"spec.dataDisks[{i}].size", (f"{size} is not a multiple of 10 (data disk "
                                                "sizes go in steps of 10 GB, 20–32000)")
    internet = _map(spec.get("internetAccessible"))
    if internet.get("chargeType") == "BandwidthPackage" and not internet.get("bandwidthPackageID"):
        yield "spec.internetAccessible.bandwidthPackageID", ("required when chargeType is "
                                                             "BandwidthPackage")
    for key in _map(spec.get("tags")):
        if str(key) == "":
            yield "spec.tags", "empty tag keys are not supported"


def ec2_issues(doc: Mapping[str, Any]) -> Iterator[Issue]:
    spec = _map(doc.get("spec"))
    if bool(spec.get("role")) == bool(spec.get("instanceProfile")):
        yield "spec", "set exactly one of role and instanceProfile"


RULES: dict[str, Callable[[Mapping[str, Any]], Iterator[Issue]]] = {
    "NodePool": node_pool_issues,
    "TKEMachineNodeClass": tke_issues,
    "EC2NodeClass": ec2_issues,
}
