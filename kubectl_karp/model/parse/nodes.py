"""Nodes, NodeClaims, node classes and CSINodes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_karp.model.objects import (
    CSINode,
    Node,
    NodeClaim,
    NodeClass,
    ObjectRef,
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
    parse_requirements,
    parse_taints,
)


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
