"""Raw Kubernetes documents (dicts from YAML/JSON or the API) → the typed model.

Every function takes ``where``, a human description of the document ("cluster.yaml
document 3 (Pod default/web)"), so that errors name the object and the field.
Only the fields the tools use are read; the document itself is kept as ``raw``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from kubectl_karp.errors import InputError
from kubectl_karp.model import kinds
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.durations import parse_duration
from kubectl_karp.model.events import parse_event
from kubectl_karp.model.names import printable
from kubectl_karp.model.objects import (
    Budget,
    CapacityBuffer,
    Condition,
    CSINode,
    DaemonSet,
    HostPort,
    LabelSelector,
    LabelSelectorRequirement,
    Node,
    NodeClaim,
    NodeClass,
    NodeOverlay,
    NodePool,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    ObjectRef,
    OwnerRef,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    PodAffinityTerm,
    PodDisruptionBudget,
    PreferredSchedulingTerm,
    StorageClass,
    Taint,
    Toleration,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from kubectl_karp.model.parse_release import (
    VERSION_KIND,
    Detection,
    controller_image,
    is_nodepool_crd,
    parse_version_document,
    release_from_deployments,
    release_from_nodepool_crd,
)
from kubectl_karp.model.quantity import parse_nonnegative_milli
from kubectl_karp.model.snapshot import ClusterSnapshot

# Node class kinds of the providers we know: (group, kind) → provider id (model/kinds.py).
NODE_CLASS_KINDS: dict[tuple[str, str], str] = {
    (k.group, k.kind): k.provider for k in kinds.NODE_CLASS_KINDS}
KARPENTER_GROUP = "karpenter.sh"
# Pre-v1 Karpenter APIs that users still meet in old guides (the AWS workshop seed uses them).
OBSOLETE_KINDS = {
    ("karpenter.sh/v1alpha5", "Provisioner"): "NodePool (karpenter.sh/v1)",
    ("karpenter.sh/v1alpha5", "Machine"): "NodeClaim (karpenter.sh/v1)",
    ("karpenter.k8s.aws/v1alpha1", "AWSNodeTemplate"): "EC2NodeClass (karpenter.k8s.aws/v1)",
}
WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "Job", "CronJob",
                  "ReplicationController")
IGNORED_SILENTLY = {"Namespace"}  # read for labels only


def describe(doc: Mapping[str, Any], origin: str) -> str:
    """``origin`` plus the document's kind and name, for messages."""
    kind = doc.get("kind", "?")
    meta = doc.get("metadata") or {}
    name = meta.get("name", "?") if isinstance(meta, Mapping) else "?"
    namespace = meta.get("namespace") if isinstance(meta, Mapping) else None
    ident = f"{namespace}/{name}" if namespace else str(name)
    # Names reach notes and errors: escape what could drive the terminal.
    return printable(f"{origin} ({kind} {ident})")


# --------------------------------------------------------------------------- primitives

def _map(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"expected a mapping, got {type(value).__name__}", where=where)
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise InputError(f"expected a list, got {type(value).__name__}", where=where)
    return value


def _str(value: Any, where: str, default: str = "") -> str:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"expected a string, got {type(value).__name__}", where=where)
    return str(value)


def _name(value: Any, where: str, default: str = "") -> str:
    """A name or namespace, control characters escaped: a name carrying a terminal escape
    sequence must not reach the terminal raw (the API server would refuse it anyway)."""
    return printable(_str(value, where, default) or "")


def _int(value: Any, where: str, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool):
        raise InputError(f"expected an integer, got {value!r}", where=where)
    if isinstance(value, int):
        if abs(value) >= 2**63:
            raise InputError("integer out of range (more than 64 bits)", where=where)
        return value
    # ASCII digits only: "²" passes str.isdigit() but int() refuses it.
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    raise InputError(f"expected an integer, got {_short(value)}", where=where)


_INT_RE = re.compile(r"-?[0-9]{1,18}")
_DIGITS_RE = re.compile(r"[0-9]{1,18}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _labels(value: Any, where: str) -> dict[str, str]:
    mapping = _map(value, where)
    return {str(k): "" if v is None else str(v) for k, v in mapping.items()}


# Timestamps are added to durations (expireAfter up to ~292 years); near datetime's limits
# that would overflow, and no cluster object is dated there.
_EARLIEST = datetime(1000, 1, 1, tzinfo=timezone.utc)
_LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)


def _in_range(moment: datetime, value: Any, where: str) -> datetime:
    try:
        ok = _EARLIEST <= moment <= _LATEST
    except OverflowError:  # an offset that pushes it past datetime's range
        ok = False
    if not ok:
        raise InputError(f"timestamp {_short(str(value))} is out of range (years 1000 to "
                         "9000)", where=where)
    return moment


def parse_time(value: Any, where: str = "") -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _in_range(value if value.tzinfo else value.replace(tzinfo=timezone.utc),
                         value, where)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(f"invalid timestamp {_short(value)} (expected RFC 3339)",
                             where=where) from None
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        return _in_range(parsed, value, where)
    raise InputError(f"invalid timestamp {value!r}", where=where)


def parse_resources(value: Any, where: str) -> dict[str, int]:
    return {str(name): parse_nonnegative_milli(q, where=f"{where}.{name}")
            for name, q in _map(value, where).items()}


def parse_conditions(value: Any, where: str) -> tuple[Condition, ...]:
    out = []
    for i, item in enumerate(_list(value, where)):
        at = f"{where}[{i}]"
        cond = _map(item, at)
        out.append(Condition(
            type=_str(cond.get("type"), f"{at}.type"),
            status=_str(cond.get("status"), f"{at}.status", "Unknown"),
            reason=_str(cond.get("reason"), f"{at}.reason"),
            message=_str(cond.get("message"), f"{at}.message"),
            last_transition_time=parse_time(cond.get("lastTransitionTime"),
                                            f"{at}.lastTransitionTime"),
        ))
    return tuple(out)


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


def parse_tolerations(value: Any, where: str) -> tuple[Toleration, ...]:
    out = []
    for i, item in enumerate(_list(value, where)):
        at = f"{where}[{i}]"
        tol = _map(item, at)
        operator = _str(tol.get("operator"), f"{at}.operator", "Equal") or "Equal"
        if operator not in ("Equal", "Exists"):
            raise InputError(f"unknown toleration operator {operator!r} (allowed: Equal, "
                             "Exists)", where=f"{at}.operator")
        out.append(Toleration(
            key=_str(tol.get("key"), f"{at}.key"),
            operator=operator,
            value=_str(tol.get("value"), f"{at}.value"),
            effect=_str(tol.get("effect"), f"{at}.effect"),
            toleration_seconds=_int(tol.get("tolerationSeconds"), f"{at}.tolerationSeconds"),
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


# --------------------------------------------------------------------------- pods

def effective_requests(spec: Mapping[str, Any], where: str) -> dict[str, int]:
    """The pod's requests as the scheduler counts them.

    Regular containers add up; restartable init containers (sidecars) add up too and also
    run alongside every later init container; each regular init container needs its own
    request plus the sidecars started before it, and the pod needs the largest of those if
    it exceeds the steady state. Pod-level ``spec.resources`` requests replace that sum for
    the resources they name (PodLevelResources). Pod overhead is added on top. A limit without
    a request counts as the request (API-server defaulting), and every pod uses one ``pods``
    slot.
    """

    def container_requests(container: Mapping[str, Any], at: str) -> dict[str, int]:
        res = _map(container.get("resources"), f"{at}.resources")
        requests = parse_resources(res.get("requests"), f"{at}.resources.requests")
        for name, milli in parse_resources(res.get("limits"), f"{at}.resources.limits").items():
            requests.setdefault(name, milli)
        return requests

    total: dict[str, int] = {}
    for i, container in enumerate(_list(spec.get("containers"), f"{where}.containers")):
        at = f"{where}.containers[{i}]"
        for name, milli in container_requests(_map(container, at), at).items():
            total[name] = total.get(name, 0) + milli
    sidecars: dict[str, int] = {}
    init_peak: dict[str, int] = {}
    for i, raw in enumerate(_list(spec.get("initContainers"), f"{where}.initContainers")):
        at = f"{where}.initContainers[{i}]"
        container = _map(raw, at)
        requests = container_requests(container, at)
        if container.get("restartPolicy") == "Always":
            for name, milli in requests.items():
                total[name] = total.get(name, 0) + milli
                sidecars[name] = sidecars.get(name, 0) + milli
            candidate = dict(sidecars)
        else:
            candidate = dict(requests)
            for name, milli in sidecars.items():
                candidate[name] = candidate.get(name, 0) + milli
        for name, milli in candidate.items():
            if milli > init_peak.get(name, 0):
                init_peak[name] = milli
    for name, milli in init_peak.items():
        if milli > total.get(name, 0):
            total[name] = milli
    total.update(_pod_level_requests(spec, where, total))
    for name, milli in parse_resources(spec.get("overhead"), f"{where}.overhead").items():
        total[name] = total.get(name, 0) + milli
    total["pods"] = total.get("pods", 0) + 1000
    return total


def resized_requests(spec: Mapping[str, Any], status: Mapping[str, Any], where: str
                     ) -> dict[str, int] | None:
    """The requests counted once the kubelet's view of an in-place resize is included, or
    None when the status reports no container resources (then they equal the spec's).

    upstream: component-helpers PodRequests with UseStatusResources (Karpenter utils/resources
    Ceiling from v1.14, #3065: rule POD_STATUS_RESOURCES) — per container (and sidecar), the
    largest of the spec's requests, status.containerStatuses[].resources.requests and
    .allocatedResources; only the status ones when the resize is Infeasible."""
    statuses: dict[str, Mapping[str, Any]] = {}
    for key in ("containerStatuses", "initContainerStatuses"):
        for i, item in enumerate(_list(status.get(key), f"{where}.status.{key}")):
            cs = _map(item, f"{where}.status.{key}[{i}]")
            # determineContainerReqs runs only when the status reports resources at all.
            if cs.get("resources") is not None:
                statuses[_str(cs.get("name"), f"{where}.status.{key}[{i}].name")] = cs
    if not statuses:
        return None
    infeasible = any(isinstance(c, Mapping) and c.get("type") == "PodResizePending"
                     and c.get("reason") == "Infeasible"
                     for c in _list(status.get("conditions"), f"{where}.status.conditions"))

    def resized(container: Any, at: str, sidecar_only: bool) -> Any:
        if not isinstance(container, Mapping):
            return container
        cs = statuses.get(str(container.get("name", "")))
        if cs is None or (sidecar_only and container.get("restartPolicy") != "Always"):
            return container
        res = _map(container.get("resources"), f"{at}.resources")
        own = parse_resources(res.get("requests"), f"{at}.resources.requests")
        for name, milli in parse_resources(res.get("limits"), f"{at}.resources.limits").items():
            own.setdefault(name, milli)
        seen = parse_resources(_map(cs.get("resources"), f"{at} status").get("requests"),
                               f"{at} status resources.requests")
        allocated = parse_resources(cs.get("allocatedResources"), f"{at} allocatedResources")
        best: dict[str, int] = {} if infeasible else dict(own)
        for source in (seen, allocated):
            for name, milli in source.items():
                best[name] = max(best.get(name, 0), milli)
        quantities = {name: f"{milli}m" for name, milli in best.items()}
        return {**container, "resources": {"requests": quantities}}

    changed = dict(spec)
    changed["containers"] = [resized(c, f"{where}.spec.containers[{i}]", False)
                             for i, c in enumerate(_list(spec.get("containers"),
                                                         f"{where}.spec.containers"))]
    changed["initContainers"] = [resized(c, f"{where}.spec.initContainers[{i}]", True)
                                 for i, c in enumerate(_list(spec.get("initContainers"),
                                                             f"{where}.spec.initContainers"))]
    return effective_requests(changed, f"{where}.spec")


def _pod_level_supported(name: str) -> bool:
    # component-helpers resource.IsSupportedPodLevelResource: cpu, memory and hugepages.
    return name in ("cpu", "memory") or name.startswith("hugepages-")


def _pod_level_requests(spec: Mapping[str, Any], where: str, containers: Mapping[str, int]
                        ) -> dict[str, int]:
    """What pod-level ``spec.resources`` sets, per resource, in place of the containers' sum.

    upstream: component-helpers resource.PodRequests (Karpenter's utils/resources Ceiling,
    v1.8-v1.14 alike) overwrites the aggregated container requests with the pod-level requests
    of the supported resources. The API server has defaulted those requests first
    (core/v1 defaults.go defaultPodRequests): a resource no container requests takes the
    pod-level limit; one the containers request keeps their sum. Files are not defaulted, so
    that is done here."""
    resources = _map(spec.get("resources"), f"{where}.resources")
    if not resources:
        return {}
    requests = parse_resources(resources.get("requests"), f"{where}.resources.requests")
    limits = parse_resources(resources.get("limits"), f"{where}.resources.limits")
    out = {k: v for k, v in requests.items() if _pod_level_supported(k)}
    for name, milli in limits.items():
        if _pod_level_supported(name) and name not in out and name not in containers:
            out[name] = milli
    return out


def _host_ports(spec: Mapping[str, Any], where: str) -> tuple[HostPort, ...]:
    """The host ports Karpenter books for the pod: those of spec.containers only, never of
    init or sidecar (restartable init) containers (upstream: scheduling/hostportusage.go
    GetHostPorts, the same v1.8-v1.14). With hostNetwork the API server defaults hostPort
    to containerPort; files are not defaulted, so that is done here."""
    host_network = bool(spec.get("hostNetwork"))
    ports = []
    containers = list(_list(spec.get("containers"), f"{where}.containers"))
    for i, raw in enumerate(containers):
        container = _map(raw, f"{where}.containers[{i}]")
        for j, raw_port in enumerate(_list(container.get("ports"), f"{where}.ports")):
            at = f"{where}.containers[{i}].ports[{j}]"
            port = _map(raw_port, at)
            host_port = _int(port.get("hostPort"), f"{at}.hostPort", 0) or 0
            if host_network and not host_port:
                host_port = _int(port.get("containerPort"), f"{at}.containerPort", 0) or 0
            if host_port:
                if not 0 < host_port < 65536:
                    raise InputError(f"hostPort {host_port} is outside 1-65535",
                                     where=f"{at}.hostPort")
                ports.append(HostPort(host_port, _str(port.get("protocol"), at, "TCP") or "TCP",
                                      _str(port.get("hostIP"), at)))
    return tuple(ports)


def _owner_refs(meta: Mapping[str, Any], where: str) -> tuple[OwnerRef, ...]:
    out = []
    for i, item in enumerate(_list(meta.get("ownerReferences"), f"{where}.ownerReferences")):
        at = f"{where}.ownerReferences[{i}]"
        ref = _map(item, at)
        out.append(OwnerRef(kind=_str(ref.get("kind"), at), name=_str(ref.get("name"), at),
                            uid=_str(ref.get("uid"), at), controller=bool(ref.get("controller")),
                            api_version=_str(ref.get("apiVersion"), at)))
    return tuple(out)


def parse_pod_spec(meta: Mapping[str, Any], spec: Mapping[str, Any], where: str,
                   *, status: Mapping[str, Any] | None = None,
                   namespace: str = "default") -> Pod:
    affinity = _map(spec.get("affinity"), f"{where}.spec.affinity")
    node_aff = _map(affinity.get("nodeAffinity"), f"{where}.spec.affinity.nodeAffinity")
    required = _map(node_aff.get("requiredDuringSchedulingIgnoredDuringExecution"),
                    f"{where}.spec.affinity.nodeAffinity.required")
    req_at = f"{where}.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
    required_terms = tuple(
        parse_node_selector_term(t, f"{req_at}.nodeSelectorTerms[{i}]")
        for i, t in enumerate(_list(required.get("nodeSelectorTerms"),
                                    f"{req_at}.nodeSelectorTerms")))
    pref_at = f"{where}.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution"
    preferred = []
    for i, item in enumerate(_list(node_aff.get("preferredDuringSchedulingIgnoredDuringExecution"),
                                   pref_at)):
        entry = _map(item, f"{pref_at}[{i}]")
        preferred.append(PreferredSchedulingTerm(
            weight=_int(entry.get("weight"), f"{pref_at}[{i}].weight", 1) or 1,
            preference=parse_node_selector_term(entry.get("preference"),
                                                f"{pref_at}[{i}].preference")))

    def pod_terms(kind: str) -> tuple[tuple[PodAffinityTerm, ...],
                                      tuple[WeightedPodAffinityTerm, ...]]:
        at = f"{where}.spec.affinity.{kind}"
        section = _map(affinity.get(kind), at)
        hard = tuple(_pod_affinity_term(t, f"{at}.requiredDuringSchedulingIgnoredDuringExecution"
                                           f"[{i}]")
                     for i, t in enumerate(_list(
                         section.get("requiredDuringSchedulingIgnoredDuringExecution"), at)))
        soft = _weighted_terms(section.get("preferredDuringSchedulingIgnoredDuringExecution"),
                               f"{at}.preferredDuringSchedulingIgnoredDuringExecution")
        return hard, soft

    pod_aff, pref_pod_aff = pod_terms("podAffinity")
    anti, pref_anti = pod_terms("podAntiAffinity")

    spreads = []
    tsc_at = f"{where}.spec.topologySpreadConstraints"
    for i, item in enumerate(_list(spec.get("topologySpreadConstraints"), tsc_at)):
        at = f"{tsc_at}[{i}]"
        tsc = _map(item, at)
        when = _str(tsc.get("whenUnsatisfiable"), f"{at}.whenUnsatisfiable", "DoNotSchedule")
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            raise InputError(f"unknown whenUnsatisfiable {when!r}", where=f"{at}.whenUnsatisfiable")
        max_skew = _int(tsc.get("maxSkew"), f"{at}.maxSkew", 1) or 1
        if max_skew < 1:
            raise InputError("maxSkew must be at least 1", where=f"{at}.maxSkew")
        spreads.append(TopologySpreadConstraint(
            max_skew=max_skew,
            topology_key=_str(tsc.get("topologyKey"), f"{at}.topologyKey"),
            when_unsatisfiable=when,
            label_selector=parse_label_selector(tsc.get("labelSelector"), f"{at}.labelSelector"),
            min_domains=_int(tsc.get("minDomains"), f"{at}.minDomains"),
            node_affinity_policy=_str(tsc.get("nodeAffinityPolicy"), at, "Honor") or "Honor",
            node_taints_policy=_str(tsc.get("nodeTaintsPolicy"), at, "Ignore") or "Ignore",
            match_label_keys=tuple(_str(k, at) for k in _list(tsc.get("matchLabelKeys"), at)),
        ))

    pvc_names = []
    ephemeral = []
    name = _name(meta.get("name"), f"{where}.metadata.name")
    for i, item in enumerate(_list(spec.get("volumes"), f"{where}.spec.volumes")):
        at = f"{where}.spec.volumes[{i}]"
        volume = _map(item, at)
        claim = volume.get("persistentVolumeClaim")
        if isinstance(claim, Mapping) and claim.get("claimName"):
            pvc_names.append(str(claim["claimName"]))
        eph = volume.get("ephemeral")
        if isinstance(eph, Mapping):
            template = _map(eph.get("volumeClaimTemplate"), f"{at}.ephemeral")
            tspec = _map(template.get("spec"), f"{at}.ephemeral.volumeClaimTemplate.spec")
            pvc = f"{name}-{volume.get('name', '')}"
            pvc_names.append(pvc)
            ephemeral.append((pvc, _str(tspec.get("storageClassName"), at)))

    status = status or {}
    annotations = _labels(meta.get("annotations"), f"{where}.metadata.annotations")
    return Pod(
        namespace=_name(meta.get("namespace"), f"{where}.metadata.namespace") or namespace,
        name=name,
        uid=_str(meta.get("uid"), f"{where}.metadata.uid"),
        labels=_labels(meta.get("labels"), f"{where}.metadata.labels"),
        annotations=annotations,
        owner_refs=_owner_refs(meta, f"{where}.metadata"),
        creation_timestamp=parse_time(meta.get("creationTimestamp"), where),
        deletion_timestamp=parse_time(meta.get("deletionTimestamp"), where),
        node_name=_str(spec.get("nodeName"), f"{where}.spec.nodeName"),
        phase=_str(status.get("phase"), f"{where}.status.phase", "Pending") or "Pending",
        scheduler_name=_str(spec.get("schedulerName"), where, "default-scheduler")
        or "default-scheduler",
        priority=_int(spec.get("priority"), f"{where}.spec.priority", 0) or 0,
        priority_class_name=_str(spec.get("priorityClassName"), where),
        node_selector=_labels(spec.get("nodeSelector"), f"{where}.spec.nodeSelector"),
        required_node_affinity=required_terms,
        preferred_node_affinity=tuple(preferred),
        pod_affinity=pod_aff,
        preferred_pod_affinity=pref_pod_aff,
        pod_anti_affinity=anti,
        preferred_pod_anti_affinity=pref_anti,
        tolerations=parse_tolerations(spec.get("tolerations"), f"{where}.spec.tolerations"),
        topology_spread=tuple(spreads),
        requests=effective_requests(spec, f"{where}.spec"),
        status_requests=resized_requests(spec, status or {}, f"{where}"),
        host_ports=_host_ports(spec, f"{where}.spec"),
        pvc_names=tuple(pvc_names),
        ephemeral_volume_classes=tuple(ephemeral),
        conditions=parse_conditions(status.get("conditions"), f"{where}.status.conditions"),
        start_time=parse_time(status.get("startTime"), f"{where}.status.startTime"),
    )


def parse_pod(doc: Mapping[str, Any], where: str) -> Pod:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    if not _str(meta.get("name"), f"{where}.metadata.name"):
        # Every Pod the API server holds has one; without it the pod would show as "default/".
        raise InputError("required field is missing (a Pod needs a name)",
                         where=f"{where}.metadata.name")
    pod = parse_pod_spec(_map(doc.get("metadata"), f"{where}.metadata"),
                         _map(doc.get("spec"), f"{where}.spec"), where,
                         status=_map(doc.get("status"), f"{where}.status"))
    return _with_raw(pod, doc)


_T = TypeVar("_T")


def _with_raw(obj: _T, doc: Mapping[str, Any]) -> _T:
    object.__setattr__(obj, "raw", doc)  # raw is excluded from eq/repr; set once, at birth
    return obj


# --------------------------------------------------------------------------- nodes & pools

def parse_node(doc: Mapping[str, Any], where: str) -> Node:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    status = _map(doc.get("status"), f"{where}.status")
    node = Node(
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        labels=_labels(meta.get("labels"), f"{where}.metadata.labels"),
        annotations=_labels(meta.get("annotations"), f"{where}.metadata.annotations"),
        taints=parse_taints(spec.get("taints"), f"{where}.spec.taints"),
        unschedulable=bool(spec.get("unschedulable")),
        capacity=parse_resources(status.get("capacity"), f"{where}.status.capacity"),
        allocatable=parse_resources(status.get("allocatable"), f"{where}.status.allocatable"),
        provider_id=_str(spec.get("providerID"), f"{where}.spec.providerID"),
        creation_timestamp=parse_time(meta.get("creationTimestamp"), where),
        deletion_timestamp=parse_time(meta.get("deletionTimestamp"), where),
        conditions=parse_conditions(status.get("conditions"), f"{where}.status.conditions"),
    )
    return _with_raw(node, doc)


def _node_class_ref(value: Any, where: str) -> ObjectRef | None:
    if value is None:
        return None
    ref = _map(value, where)
    return ObjectRef(group=_str(ref.get("group"), f"{where}.group"),
                     kind=_str(ref.get("kind"), f"{where}.kind"),
                     name=_str(ref.get("name"), f"{where}.name"))


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


def parse_node_claim(doc: Mapping[str, Any], where: str) -> NodeClaim:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    status = _map(doc.get("status"), f"{where}.status")
    resources = _map(spec.get("resources"), f"{where}.spec.resources")
    claim = NodeClaim(
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        labels=_labels(meta.get("labels"), f"{where}.metadata.labels"),
        annotations=_labels(meta.get("annotations"), f"{where}.metadata.annotations"),
        requirements=parse_requirements(spec.get("requirements"), f"{where}.spec.requirements"),
        requests=parse_resources(resources.get("requests"), f"{where}.spec.resources.requests"),
        node_class_ref=_node_class_ref(spec.get("nodeClassRef"), f"{where}.spec.nodeClassRef"),
        taints=parse_taints(spec.get("taints"), f"{where}.spec.taints"),
        startup_taints=parse_taints(spec.get("startupTaints"), f"{where}.spec.startupTaints"),
        provider_id=_str(status.get("providerID"), f"{where}.status.providerID"),
        node_name=_str(status.get("nodeName"), f"{where}.status.nodeName"),
        capacity=parse_resources(status.get("capacity"), f"{where}.status.capacity"),
        allocatable=parse_resources(status.get("allocatable"), f"{where}.status.allocatable"),
        conditions=parse_conditions(status.get("conditions"), f"{where}.status.conditions"),
        creation_timestamp=parse_time(meta.get("creationTimestamp"), where),
        deletion_timestamp=parse_time(meta.get("deletionTimestamp"), where),
    )
    return _with_raw(claim, doc)


def parse_node_class(doc: Mapping[str, Any], where: str) -> NodeClass:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    api_version = _str(doc.get("apiVersion"), f"{where}.apiVersion")
    status = _map(doc.get("status"), f"{where}.status")
    node_class = NodeClass(
        group=api_version.split("/")[0],
        kind=_str(doc.get("kind"), f"{where}.kind"),
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        api_version=api_version,
        spec=_map(doc.get("spec"), f"{where}.spec"),
        status=status,
        conditions=parse_conditions(status.get("conditions"), f"{where}.status.conditions"),
    )
    return _with_raw(node_class, doc)


# --------------------------------------------------------------------------- the rest

def parse_daemon_set(doc: Mapping[str, Any], where: str) -> DaemonSet:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    template = _map(spec.get("template"), f"{where}.spec.template")
    namespace = _name(meta.get("namespace"), where, "default") or "default"
    name = _name(meta.get("name"), f"{where}.metadata.name")
    tmeta = dict(_map(template.get("metadata"), f"{where}.spec.template.metadata"))
    tmeta.setdefault("name", name)
    tmeta.setdefault("namespace", namespace)
    tmeta["ownerReferences"] = [{"kind": "DaemonSet", "name": name, "controller": True,
                                 "apiVersion": "apps/v1", "uid": meta.get("uid", "")}]
    pod = parse_pod_spec(tmeta, _map(template.get("spec"), f"{where}.spec.template.spec"),
                         f"{where}.spec.template", namespace=namespace)
    return _with_raw(DaemonSet(namespace, name, pod), doc)


def _int_or_percent(value: Any, where: str) -> str | None:
    if value is None:
        return None
    text = _str(value, where)
    body = text[:-1] if text.endswith("%") else text
    if not _DIGITS_RE.fullmatch(body):
        raise InputError(f"{text!r} must be a whole number or a percentage", where=where)
    return text


def parse_pdb(doc: Mapping[str, Any], where: str) -> PodDisruptionBudget:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    status = _map(doc.get("status"), f"{where}.status")
    pdb = PodDisruptionBudget(
        namespace=_name(meta.get("namespace"), where, "default") or "default",
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        selector=parse_label_selector(spec.get("selector"), f"{where}.spec.selector"),
        min_available=_int_or_percent(spec.get("minAvailable"), f"{where}.spec.minAvailable"),
        max_unavailable=_int_or_percent(spec.get("maxUnavailable"),
                                        f"{where}.spec.maxUnavailable"),
        disruptions_allowed=_int(status.get("disruptionsAllowed"), f"{where}.status"),
        current_healthy=_int(status.get("currentHealthy"), f"{where}.status"),
        desired_healthy=_int(status.get("desiredHealthy"), f"{where}.status"),
        expected_pods=_int(status.get("expectedPods"), f"{where}.status"),
        unhealthy_pod_eviction_policy=_str(spec.get("unhealthyPodEvictionPolicy"),
                                           f"{where}.spec.unhealthyPodEvictionPolicy") or None,
    )
    return _with_raw(pdb, doc)


def parse_pvc(doc: Mapping[str, Any], where: str) -> PersistentVolumeClaim:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    annotations = _labels(meta.get("annotations"), f"{where}.metadata.annotations")
    sc = spec.get("storageClassName")
    pvc = PersistentVolumeClaim(
        namespace=_name(meta.get("namespace"), where, "default") or "default",
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        storage_class_name=_str(sc, f"{where}.spec.storageClassName") if sc is not None
        else annotations.get("volume.beta.kubernetes.io/storage-class"),
        volume_name=_str(spec.get("volumeName"), f"{where}.spec.volumeName"),
        # kube-scheduler (and Karpenter) look for the annotation's presence, not its value.
        bind_completed="pv.kubernetes.io/bind-completed" in annotations,
        deletion_timestamp=parse_time(meta.get("deletionTimestamp"), where),
        phase=_str(_map(doc.get("status"), f"{where}.status").get("phase"), f"{where}.status"),
    )
    return _with_raw(pvc, doc)


def parse_pv(doc: Mapping[str, Any], where: str) -> PersistentVolume:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    affinity = _map(spec.get("nodeAffinity"), f"{where}.spec.nodeAffinity")
    required = _map(affinity.get("required"), f"{where}.spec.nodeAffinity.required")
    at = f"{where}.spec.nodeAffinity.required.nodeSelectorTerms"
    claim = _map(spec.get("claimRef"), f"{where}.spec.claimRef")
    pv = PersistentVolume(
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        storage_class_name=_str(spec.get("storageClassName"), where) or None,
        node_affinity=tuple(parse_node_selector_term(t, f"{at}[{i}]")
                            for i, t in enumerate(_list(required.get("nodeSelectorTerms"), at))),
        claim_ref=f"{claim.get('namespace', 'default')}/{claim['name']}"
        if claim.get("name") else None,
        deletion_timestamp=parse_time(meta.get("deletionTimestamp"), where),
        node_local=bool(spec.get("local") or spec.get("hostPath")),
    )
    return _with_raw(pv, doc)


def parse_storage_class(doc: Mapping[str, Any], where: str) -> StorageClass:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    annotations = _labels(meta.get("annotations"), f"{where}.metadata.annotations")
    topologies = []
    for i, item in enumerate(_list(doc.get("allowedTopologies"), f"{where}.allowedTopologies")):
        at = f"{where}.allowedTopologies[{i}]"
        term = _map(item, at)
        exprs = tuple(
            NodeSelectorRequirement(_str(e.get("key"), at), "In",
                                    tuple(str(v) for v in _list(e.get("values"), at)))
            for e in (_map(x, at) for x in _list(term.get("matchLabelExpressions"), at)))
        topologies.append(NodeSelectorTerm(exprs))
    sc = StorageClass(
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        provisioner=_str(doc.get("provisioner"), f"{where}.provisioner"),
        volume_binding_mode=_str(doc.get("volumeBindingMode"), where, "Immediate") or "Immediate",
        allowed_topologies=tuple(topologies),
        is_default=annotations.get("storageclass.kubernetes.io/is-default-class") == "true",
    )
    return _with_raw(sc, doc)


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


def parse_csi_node(doc: Mapping[str, Any], where: str) -> CSINode:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    limits: dict[str, int] = {}
    for i, item in enumerate(_list(spec.get("drivers"), f"{where}.spec.drivers")):
        at = f"{where}.spec.drivers[{i}]"
        driver = _map(item, at)
        count = _int(_map(driver.get("allocatable"), f"{at}.allocatable").get("count"), at)
        if count is not None:  # no count: the driver reports no limit
            limits[_str(driver.get("name"), f"{at}.name")] = count
    return _with_raw(CSINode(name=_str(meta.get("name"), f"{where}.metadata.name"),
                             attach_limits=limits), doc)


def parse_capacity_buffer(doc: Mapping[str, Any], where: str) -> CapacityBuffer:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    status = _map(doc.get("status"), f"{where}.status")
    replicas = _int(status.get("replicas"), f"{where}.status.replicas")
    if replicas is None:
        replicas = _int(spec.get("replicas"), f"{where}.spec.replicas")
    ref = _map(status.get("podTemplateRef") or spec.get("podTemplateRef"),
               f"{where}.podTemplateRef")
    return _with_raw(CapacityBuffer(
        namespace=_str(meta.get("namespace"), where, "default") or "default",
        name=_str(meta.get("name"), f"{where}.metadata.name"), replicas=replicas,
        pod_template=_str(ref.get("name"), f"{where}.podTemplateRef.name")), doc)


def parse_catalog(doc: Mapping[str, Any], where: str) -> InstanceTypeCatalog:
    """A ``kind: InstanceTypeCatalog`` document (format documented in README).

    Labels and allocatable may be absent here; the provider completes them
    (``kubectl_karp.providers.complete_catalog``).
    """
    provider = _str(doc.get("provider"), f"{where}.provider", "generic") or "generic"
    if provider not in ("tke", "aws", "alibaba", "huawei", "generic"):
        raise InputError(f"unknown provider {provider!r} (allowed: tke, aws, alibaba, huawei, "
                         "generic)", where=f"{where}.provider")
    types = []
    seen: set[str] = set()
    for i, item in enumerate(_list(doc.get("instanceTypes"), f"{where}.instanceTypes")):
        entry = _map(item, f"{where}.instanceTypes[{i}]")
        name = _str(entry.get("name"), f"{where}.instanceTypes[{i}].name")
        at = f"{where} instance type {name or i}"
        if not name:
            raise InputError("instance type has no name", where=f"{at}.name")
        if name in seen:
            raise InputError(f"instance type {name} is listed twice", where=f"{at}.name")
        seen.add(name)
        capacity = parse_resources(entry.get("capacity"), f"{at}.capacity")
        for required in ("cpu", "memory"):
            if required not in capacity:
                raise InputError(f"capacity.{required} is required", where=f"{at}.capacity")
        offerings = []
        for j, raw in enumerate(_list(entry.get("offerings"), f"{at}.offerings")):
            oat = f"{at}.offerings[{j}]"
            off = _map(raw, oat)
            ctype = _str(off.get("capacityType"), f"{oat}.capacityType", "on-demand")
            if ctype not in ("on-demand", "spot", "reserved"):
                raise InputError(f"unknown capacityType {ctype!r} (allowed: on-demand, spot, "
                                 "reserved)", where=f"{oat}.capacityType")
            price = off.get("pricePerHour")
            # NaN and infinities would end up as invalid JSON (NaN) in -o json.
            if price is not None and (isinstance(price, bool)
                                      or not isinstance(price, int | float) or price < 0
                                      or not math.isfinite(price)):
                raise InputError(f"pricePerHour must be a non-negative number, got {price!r}",
                                 where=f"{oat}.pricePerHour")
            zone = _str(off.get("zone"), f"{oat}.zone")
            zone_name = _str(off.get("zoneName"), f"{oat}.zoneName")
            if not zone and not zone_name:
                raise InputError("offering needs zone or zoneName", where=oat)
            offerings.append(Offering(
                zone=zone or zone_name, capacity_type=ctype,
                price_per_hour=float(price) if price is not None else None,
                available=bool(off.get("available", True)), zone_name=zone_name,
                labels=tuple(sorted(_labels(off.get("labels"), f"{oat}.labels").items()))))
        absent = entry.get("absentLabels")
        if absent is not None and not (isinstance(absent, list)
                                       and all(isinstance(k, str) for k in absent)):
            raise InputError("absentLabels must be a list of label keys",
                             where=f"{at}.absentLabels")
        types.append(InstanceType(
            name=name,
            labels=_labels(entry.get("labels"), f"{at}.labels"),
            capacity=capacity,
            allocatable=parse_resources(entry.get("allocatable"), f"{at}.allocatable"),
            offerings=tuple(offerings), absent_labels=frozenset(absent or ())))
    return InstanceTypeCatalog(
        provider=provider,
        region=_str(doc.get("region"), f"{where}.region"),
        source=_str(doc.get("source"), f"{where}.source"),
        instance_types=tuple(types),
        illustrative_prices=bool(doc.get("illustrativePrices", False)),
        prices_known=any(o.price_per_hour is not None for t in types for o in t.offerings),
        origin=where,
        currency=_currency(doc.get("currency"), f"{where}.currency"),
    )


def _currency(value: Any, where: str) -> str:
    text = _str(value, where)
    if text and not re.fullmatch(r"[A-Z]{3}", text):
        raise InputError(f"currency must be a three-letter ISO 4217 code such as CNY or USD, "
                         f"got {text!r}", where=where)
    return text


def _exact_quantity(resource: str, milli: int) -> str:
    """A quantity string that parses back to exactly ``milli`` (catalogue round trips)."""
    if milli % 1000:
        return f"{milli}m"
    units = milli // 1000
    if resource in ("memory", "ephemeral-storage", "storage") and units % 1024 == 0:
        for suffix, factor in (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
            if units % factor == 0:
                return f"{units // factor}{suffix}"
    return str(units)


def catalog_to_document(catalog: InstanceTypeCatalog, *, with_allocatable: bool = True
                        ) -> dict[str, Any]:
    """The ``kind: InstanceTypeCatalog`` document ``parse_catalog`` reads back unchanged."""
    doc: dict[str, Any] = {"kind": "InstanceTypeCatalog", "provider": catalog.provider}
    if catalog.region:
        doc["region"] = catalog.region
    if catalog.source:
        doc["source"] = catalog.source
    if catalog.illustrative_prices:
        doc["illustrativePrices"] = True
    if catalog.currency:
        doc["currency"] = catalog.currency
    types = []
    for it in catalog.instance_types:
        entry: dict[str, Any] = {"name": it.name}
        if it.labels:
            entry["labels"] = dict(sorted(it.labels.items()))
        entry["capacity"] = {k: _exact_quantity(k, v) for k, v in it.capacity.items()}
        if with_allocatable and it.allocatable:
            entry["allocatable"] = {k: _exact_quantity(k, v) for k, v in it.allocatable.items()}
        offerings = []
        for off in it.offerings:
            item: dict[str, Any] = {"zone": off.zone}
            if off.zone_name:
                item["zoneName"] = off.zone_name
            item["capacityType"] = off.capacity_type
            if off.price_per_hour is not None:
                item["pricePerHour"] = off.price_per_hour
            item["available"] = off.available
            if off.labels:
                item["labels"] = dict(off.labels)
            offerings.append(item)
        entry["offerings"] = offerings
        if it.absent_labels:
            entry["absentLabels"] = sorted(it.absent_labels)
        types.append(entry)
    doc["instanceTypes"] = types
    return doc


# --------------------------------------------------------------------------- documents → snapshot

def flatten(doc: Any, origin: str) -> Iterable[tuple[Mapping[str, Any], str]]:
    """Yield the objects of a document, unwrapping ``kind: List`` (and ``*List``) items."""
    if doc is None:
        return
    if not isinstance(doc, Mapping):
        raise InputError(f"expected a Kubernetes object (a mapping), got {type(doc).__name__}",
                         where=origin)
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
        for i, item in enumerate(_list(doc.get("items"), f"{origin}.items")):
            yield from flatten(item, f"{origin} item {i}")
        return
    yield doc, origin


def newest_kubelet(nodes: Sequence[Node]) -> str:
    """The newest ``status.nodeInfo.kubeletVersion`` among the nodes ("" if none): kubelets
    are never newer than their API server, so this is the best offline stand-in for it."""
    best: tuple[tuple[int, ...], str] | None = None
    for node in nodes:
        status = node.raw.get("status") if isinstance(node.raw, Mapping) else None
        info = status.get("nodeInfo") if isinstance(status, Mapping) else None
        version = info.get("kubeletVersion") if isinstance(info, Mapping) else None
        if not isinstance(version, str):
            continue
        numbers = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", version.strip())
        if numbers:
            key = tuple(int(n or 0) for n in numbers.groups())
            if best is None or key > best[0]:
                best = (key, version.strip())
    return best[1] if best else ""


def build_snapshot(documents: Iterable[tuple[Any, str]], *, source: str,
                   captured_at: datetime | None = None,
                   karpenter_apis: Sequence[str] = (),
                   notes: Sequence[str] = (),
                   kubernetes_version: str = "") -> ClusterSnapshot:
    """Turn ``(document, origin)`` pairs into a snapshot.

    Unknown kinds are skipped with a note; malformed known objects raise ``InputError``
    naming the origin and field.
    """
    buckets: dict[str, list[Any]] = {k: [] for k in (
        "nodes", "pods", "node_pools", "node_claims", "node_classes", "daemon_sets", "pdbs",
        "pvcs", "pvs", "storage_classes", "catalogs", "events", "node_overlays", "csi_nodes",
        "capacity_buffers")}
    kept: list[Mapping[str, Any]] = []
    namespaces: dict[str, dict[str, str]] = {}
    ignored: dict[str, int] = {}
    seen: dict[tuple[str, str, str, str], str] = {}  # (bucket, kind, namespace, name)
    all_notes = list(notes)
    parsers = {
        ("", "Node"): ("nodes", parse_node),
        ("", "Pod"): ("pods", parse_pod),
        ("apps", "DaemonSet"): ("daemon_sets", parse_daemon_set),
        ("policy", "PodDisruptionBudget"): ("pdbs", parse_pdb),
        ("", "PersistentVolumeClaim"): ("pvcs", parse_pvc),
        ("", "PersistentVolume"): ("pvs", parse_pv),
        ("storage.k8s.io", "StorageClass"): ("storage_classes", parse_storage_class),
        (KARPENTER_GROUP, "NodePool"): ("node_pools", parse_node_pool),
        (KARPENTER_GROUP, "NodeClaim"): ("node_claims", parse_node_claim),
        (KARPENTER_GROUP, "NodeOverlay"): ("node_overlays", parse_node_overlay),
        ("storage.k8s.io", "CSINode"): ("csi_nodes", parse_csi_node),
        ("autoscaling.x-k8s.io", "CapacityBuffer"): ("capacity_buffers", parse_capacity_buffer),
    }
    for group_kind in NODE_CLASS_KINDS:
        parsers[group_kind] = ("node_classes", parse_node_class)
    # The Karpenter release the file tells (model.parse_release): our own document, else a
    # controller Deployment or its pods (any `kubectl karp snapshot` has those), else the
    # NodePool CRD.
    recorded: list[Detection] = []
    controllers: list[Mapping[str, Any]] = []
    crds: list[Mapping[str, Any]] = []
    for document, origin in documents:
        for doc, where in flatten(document, origin):
            kind = doc.get("kind")
            api_version = doc.get("apiVersion")
            if not isinstance(kind, str) or not kind:
                raise InputError("document has no kind", where=where)
            if kind == "InstanceTypeCatalog":
                buckets["catalogs"].append(parse_catalog(doc, where))
                kept.append(doc)
                continue
            if kind == VERSION_KIND:
                recorded.append(parse_version_document(doc, where))
                kept.append(doc)
                continue
            if kind == "Pod" and controller_image(doc) is not None:
                controllers.append(doc)  # and read as a pod below, like any other
            elif controller_image(doc) is not None or is_nodepool_crd(doc):
                (crds if is_nodepool_crd(doc) else controllers).append(doc)
                kept.append(doc)
                continue
            if not isinstance(api_version, str) or not api_version:
                raise InputError(f"{kind} has no apiVersion", where=where)
            what = describe(doc, where)
            obsolete = OBSOLETE_KINDS.get((api_version, kind))
            if obsolete:
                all_notes.append(f"{what}: {api_version} {kind} is the pre-v1 Karpenter API and "
                                 f"is ignored; its replacement is {obsolete}")
                continue
            group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
            if kind == "Namespace" and group == "":
                meta = _map(doc.get("metadata"), f"{where}.metadata")
                namespaces[_name(meta.get("name"), where)] = _labels(meta.get("labels"), where)
                kept.append(doc)
                continue
            if kind == "Event" and group in ("", "events.k8s.io"):
                event = parse_event(doc, what)
                if event is not None:  # another controller's events are not Karpenter's word
                    buckets["events"].append(event)
                    kept.append(doc)
                continue
            entry = parsers.get((group, kind))
            if entry is None:
                ignored[kind] = ignored.get(kind, 0) + 1
                continue
            if group == KARPENTER_GROUP and api_version not in (
                    ("karpenter.sh/v1alpha1",) if kind == "NodeOverlay"
                    else ("karpenter.sh/v1", "karpenter.sh/v1beta1")):
                all_notes.append(f"{what}: unknown API version {api_version} (expected "
                                 "karpenter.sh/v1); ignored")
                continue
            bucket, parser = entry
            parsed = parser(doc, what)
            key = (bucket, kind, getattr(parsed, "namespace", ""), getattr(parsed, "name", ""))
            first = seen.get(key)
            if first is not None:
                # Two snapshots run together, or a list paged twice: counting it twice (or
                # picking one of two same-named NodePools) would be silently wrong.
                raise InputError(f"{kind} {'/'.join(x for x in key[2:] if x)} is also "
                                 f"defined in {first}", where=what)
            seen[key] = where
            buckets[bucket].append(parsed)
            kept.append(doc)
    for kind, count in sorted(ignored.items()):
        all_notes.append(f"ignored {count} object(s) of kind {kind}")
    apis = tuple(karpenter_apis) or tuple(sorted(
        {"nodepools.karpenter.sh" for _ in buckets["node_pools"][:1]}
        | {"nodeclaims.karpenter.sh" for _ in buckets["node_claims"][:1]}))
    version, reason = _recorded_release(recorded, controllers, crds, all_notes)
    return ClusterSnapshot(
        kubernetes_version=kubernetes_version or newest_kubelet(buckets["nodes"]),
        source=source, captured_at=captured_at,
        nodes=tuple(buckets["nodes"]), pods=tuple(buckets["pods"]),
        node_pools=tuple(buckets["node_pools"]), node_claims=tuple(buckets["node_claims"]),
        node_classes=tuple(buckets["node_classes"]), daemon_sets=tuple(buckets["daemon_sets"]),
        pdbs=tuple(buckets["pdbs"]), pvcs=tuple(buckets["pvcs"]), pvs=tuple(buckets["pvs"]),
        storage_classes=tuple(buckets["storage_classes"]), catalogs=tuple(buckets["catalogs"]),
        node_overlays=tuple(buckets["node_overlays"]), csi_nodes=tuple(buckets["csi_nodes"]),
        capacity_buffers=tuple(buckets["capacity_buffers"]),
        events=tuple(buckets["events"]),
        namespaces=namespaces, notes=tuple(all_notes), karpenter_apis=apis,
        karpenter_version=version, karpenter_version_source="snapshot" if version else "",
        karpenter_version_reason=reason, documents=tuple(kept),
    )


def _recorded_release(recorded: Sequence[Detection], controllers: Sequence[Mapping[str, Any]],
                      crds: Sequence[Mapping[str, Any]], notes: list[str]) -> tuple[str, str]:
    """(version, reason) the saved documents tell, best evidence first; ("", "") if none."""
    if recorded:
        others = sorted({d.version for d in recorded[1:]} - {recorded[0].version})
        if others:
            notes.append(f"the snapshot records several Karpenter versions; the first, "
                         f"{recorded[0].version}, is followed (also: {', '.join(others)})")
        return recorded[0].version, recorded[0].reason
    if controllers:
        detection, _ = release_from_deployments(controllers)
        if detection.version:
            return detection.version, f"{detection.reason}, in the snapshot"
        notes.append(f"{detection.problem}; the Karpenter version is taken from the NodePool "
                     "CRD" + (" in the snapshot" if crds else ", which the snapshot lacks"))
    for crd in crds[:1]:
        detection = release_from_nodepool_crd(crd, "NodePool CRD in the snapshot")
        if detection.version:
            return detection.version, detection.reason
        notes.append(detection.problem)
    return "", ""


# --------------------------------------------------------------------------- workloads → pods

def workload_pods(doc: Mapping[str, Any], where: str, *, replicas: int | None = None
                  ) -> list[Pod]:
    """Expand a hypothetical workload into the pods its controller would create.

    Pods are named like their controllers name them (``<name>-<n>``), carry an owner
    reference to the workload, and have deterministic UIDs so results are reproducible.
    """
    kind = doc.get("kind")
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    name = _name(meta.get("name"), f"{where}.metadata.name")
    namespace = _name(meta.get("namespace"), where, "default") or "default"
    spec = _map(doc.get("spec"), f"{where}.spec")
    if kind == "Pod":
        return [parse_pod(doc, where)]
    if kind == "CronJob":
        job_template = _map(spec.get("jobTemplate"), f"{where}.spec.jobTemplate")
        spec = _map(job_template.get("spec"), f"{where}.spec.jobTemplate.spec")
        count = _int(spec.get("parallelism"), f"{where}.spec.jobTemplate.spec.parallelism", 1)
    elif kind == "Job":
        count = _int(spec.get("parallelism"), f"{where}.spec.parallelism", 1)
        completions = _int(spec.get("completions"), f"{where}.spec.completions")
        if completions is not None and count is not None:
            count = min(count, completions)
    elif kind in ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"):
        count = _int(spec.get("replicas"), f"{where}.spec.replicas", 1)
    else:
        raise InputError(f"cannot expand kind {kind!r} into pods (expected Pod, Deployment, "
                         "ReplicaSet, StatefulSet, Job or CronJob)", where=where)
    if replicas is not None:
        count = replicas
    if count is None or count < 0:
        raise InputError("replicas must not be negative", where=f"{where}.spec.replicas")
    if count > 100_000:
        raise InputError(f"{count} replicas is more than kubectl-karp simulates (100000)",
                         where=f"{where}.spec.replicas")
    template = _map(spec.get("template"), f"{where}.spec.template")
    tmeta = dict(_map(template.get("metadata"), f"{where}.spec.template.metadata"))
    tspec = _map(template.get("spec"), f"{where}.spec.template.spec")
    owner = {"kind": kind, "name": name, "controller": True, "uid": f"{kind}-{namespace}-{name}"}
    pods = []
    base = parse_pod_spec({**tmeta, "name": f"{name}-0", "namespace": namespace,
                           "ownerReferences": [owner]}, tspec, f"{where}.spec.template")
    raw_template: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {**tmeta, "namespace": namespace},
                                    "spec": tspec}
    for i in range(count):
        pod_name = f"{name}-{i}"
        pod = Pod(**{**_fields(base), "name": pod_name, "uid": f"{namespace}/{pod_name}",
                     "raw": {**raw_template,
                             "metadata": {**raw_template["metadata"], "name": pod_name}}})
        pods.append(pod)
    return pods


def _fields(pod: Pod) -> dict[str, Any]:
    return {f: getattr(pod, f) for f in Pod.__dataclass_fields__}
