"""Pods: the spec fields scheduling reads, effective requests (sidecars, pod-level
resources, overhead, in-place resizes) and host ports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import (
    HostPort,
    NodeSelectorTerm,
    OwnerRef,
    Pod,
    PodAffinityTerm,
    PreferredSchedulingTerm,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from kubectl_karp.model.parse.fields import (
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
from kubectl_karp.model.parse.terms import (
    _pod_affinity_term,
    _weighted_terms,
    parse_label_selector,
    parse_node_selector_term,
    parse_tolerations,
)


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
        # ``at`` is the container's place below ``where``; joined only for an error.
        res = _map(container.get("resources"), where, at + ".resources")
        requests = parse_resources(res.get("requests"), where, at + ".resources.requests")
        limits = res.get("limits")
        if limits:
            for name, milli in parse_resources(limits, where,
                                               at + ".resources.limits").items():
                requests.setdefault(name, milli)
        return requests

    total: dict[str, int] = {}
    for i, container in enumerate(_list(spec.get("containers"), where, ".containers")):
        at = f".containers[{i}]"
        for name, milli in container_requests(_map(container, where, at), at).items():
            total[name] = total.get(name, 0) + milli
    sidecars: dict[str, int] = {}
    init_peak: dict[str, int] = {}
    for i, raw in enumerate(_list(spec.get("initContainers"), where, ".initContainers")):
        at = f".initContainers[{i}]"
        container = _map(raw, where, at)
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
    if spec.get("resources") is not None:
        total.update(_pod_level_requests(spec, where, total))
    overhead = spec.get("overhead")
    if overhead is not None:
        for name, milli in parse_resources(overhead, where, ".overhead").items():
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
        for i, item in enumerate(_list(status.get(key), where, f".status.{key}")):
            cs = _map(item, where, f".status.{key}[{i}]")
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
    containers = list(_list(spec.get("containers"), where, ".containers"))
    for i, raw in enumerate(containers):
        container = _map(raw, where, f".containers[{i}]")
        if container.get("ports") is None:
            continue
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
    refs = meta.get("ownerReferences")
    if refs is None:
        return ()
    out = []
    for i, item in enumerate(_list(refs, where, ".ownerReferences")):
        at = f".ownerReferences[{i}]"
        ref = _map(item, where, at)
        out.append(OwnerRef(kind=_str(ref.get("kind"), where, at=at),
                            name=_str(ref.get("name"), where, at=at),
                            uid=_str(ref.get("uid"), where, at=at),
                            controller=bool(ref.get("controller")),
                            api_version=_str(ref.get("apiVersion"), where, at=at)))
    return tuple(out)


_Affinity = tuple[tuple[NodeSelectorTerm, ...], tuple[PreferredSchedulingTerm, ...],
                  tuple[PodAffinityTerm, ...], tuple[WeightedPodAffinityTerm, ...],
                  tuple[PodAffinityTerm, ...], tuple[WeightedPodAffinityTerm, ...]]
_NO_AFFINITY: _Affinity = ((), (), (), (), (), ())


def _affinity(spec: Mapping[str, Any], where: str) -> _Affinity:
    """spec.affinity: required and preferred node affinity, pod (anti-)affinity."""
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
    return required_terms, tuple(preferred), pod_aff, pref_pod_aff, anti, pref_anti


def _spreads(value: Any, where: str) -> list[TopologySpreadConstraint]:
    spreads = []
    for i, item in enumerate(_list(value, where)):
        at = f"{where}[{i}]"
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
    return spreads


def parse_pod_spec(meta: Mapping[str, Any], spec: Mapping[str, Any], where: str,
                   *, status: Mapping[str, Any] | None = None,
                   namespace: str = "default") -> Pod:
    # Sections a pod leaves out cost nothing: no location is built for them.
    if spec.get("affinity") is not None:
        (required_terms, preferred, pod_aff, pref_pod_aff, anti,
         pref_anti) = _affinity(spec, where)
    else:
        required_terms, preferred, pod_aff, pref_pod_aff, anti, pref_anti = _NO_AFFINITY

    spreads: list[TopologySpreadConstraint] = []
    if spec.get("topologySpreadConstraints") is not None:
        spreads = _spreads(spec.get("topologySpreadConstraints"),
                           f"{where}.spec.topologySpreadConstraints")

    pvc_names = []
    ephemeral = []
    name = _name(meta.get("name"), where, at=".metadata.name")
    for i, item in enumerate(_list(spec.get("volumes"), where, ".spec.volumes")):
        volume = _map(item, where, f".spec.volumes[{i}]")
        claim = volume.get("persistentVolumeClaim")
        if claim is not None and isinstance(claim, Mapping) and claim.get("claimName"):
            pvc_names.append(str(claim["claimName"]))
        eph = volume.get("ephemeral")
        if eph is not None and isinstance(eph, Mapping):
            at = f"{where}.spec.volumes[{i}]"
            template = _map(eph.get("volumeClaimTemplate"), f"{at}.ephemeral")
            tspec = _map(template.get("spec"), f"{at}.ephemeral.volumeClaimTemplate.spec")
            pvc = f"{name}-{volume.get('name', '')}"
            pvc_names.append(pvc)
            ephemeral.append((pvc, _str(tspec.get("storageClassName"), at)))

    status = status or {}
    spec_where = where + ".spec"
    annotations = _labels(meta.get("annotations"), where, ".metadata.annotations")
    return Pod(
        namespace=_name(meta.get("namespace"), where, at=".metadata.namespace") or namespace,
        name=name,
        uid=_str(meta.get("uid"), where, at=".metadata.uid"),
        labels=_labels(meta.get("labels"), where, ".metadata.labels"),
        annotations=annotations,
        owner_refs=_owner_refs(meta, where + ".metadata") if meta.get("ownerReferences")
        is not None else (),
        creation_timestamp=parse_time(meta.get("creationTimestamp"), where),
        deletion_timestamp=parse_time(meta.get("deletionTimestamp"), where),
        node_name=_str(spec.get("nodeName"), where, at=".spec.nodeName"),
        phase=_str(status.get("phase"), where, "Pending", ".status.phase") or "Pending",
        scheduler_name=_str(spec.get("schedulerName"), where, "default-scheduler")
        or "default-scheduler",
        priority=_int(spec.get("priority"), where, 0, ".spec.priority") or 0,
        priority_class_name=_str(spec.get("priorityClassName"), where),
        node_selector=_labels(spec.get("nodeSelector"), where, ".spec.nodeSelector"),
        required_node_affinity=required_terms,
        preferred_node_affinity=preferred,
        pod_affinity=pod_aff,
        preferred_pod_affinity=pref_pod_aff,
        pod_anti_affinity=anti,
        preferred_pod_anti_affinity=pref_anti,
        tolerations=parse_tolerations(spec.get("tolerations"), spec_where, ".tolerations"),
        topology_spread=tuple(spreads),
        requests=effective_requests(spec, spec_where),
        status_requests=resized_requests(spec, status, where) if status else None,
        host_ports=_host_ports(spec, spec_where),
        pvc_names=tuple(pvc_names),
        ephemeral_volume_classes=tuple(ephemeral),
        conditions=parse_conditions(status.get("conditions"), where, ".status.conditions"),
        start_time=parse_time(status.get("startTime"), where, ".status.startTime"),
    )


def parse_pod(doc: Mapping[str, Any], where: str) -> Pod:
    meta = _map(doc.get("metadata"), where, ".metadata")
    if not _str(meta.get("name"), where, at=".metadata.name"):
        # Every Pod the API server holds has one; without it the pod would show as "default/".
        raise InputError("required field is missing (a Pod needs a name)",
                         where=f"{where}.metadata.name")
    pod = parse_pod_spec(meta, _map(doc.get("spec"), where, ".spec"), where,
                         status=_map(doc.get("status"), where, ".status"))
    return _with_raw(pod, doc)
