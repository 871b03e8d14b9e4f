"""Volume topology (Karpenter's volumetopology.go): zonal requirements a pod inherits from its
PersistentVolumeClaims, and the pods whose volumes cannot be resolved at all."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_karp.model.objects import (
    LABEL_HOSTNAME,
    NodeSelectorRequirement,
    PersistentVolumeClaim,
    Pod,
    StorageClass,
)
from kubectl_karp.model.requirements import EMPTY_REQUIREMENTS, Requirements
from kubectl_karp.model.snapshot import ClusterSnapshot


@dataclass(frozen=True, slots=True)
class VolumeInfo:
    requirements: Requirements = EMPTY_REQUIREMENTS
    problem: str = ""  # non-empty: Karpenter ignores the pod until this is fixed
    sources: tuple[str, ...] = ()  # "PV pv-1 (zone 100003)" — for explanations


def _default_class(snapshot: ClusterSnapshot) -> StorageClass | None:
    return next((sc for sc in snapshot.storage_classes if sc.is_default), None)


def _bound(pvc: PersistentVolumeClaim, snapshot: ClusterSnapshot) -> bool:
    if not pvc.volume_name:
        return False
    pv = snapshot.pv_by_name.get(pvc.volume_name)
    # Without bind-completed the claim may still be re-bound; a PV pointing back settles it.
    return pvc.bind_completed or (pv is not None and pv.claim_ref == pvc.key)


def volume_info(pod: Pod, snapshot: ClusterSnapshot) -> VolumeInfo:
    if not pod.pvc_names:
        return VolumeInfo()
    ephemeral = dict(pod.ephemeral_volume_classes)
    found: list[NodeSelectorRequirement] = []
    sources: list[str] = []
    for name in pod.pvc_names:
        pvc = snapshot.pvc_by_key.get(f"{pod.namespace}/{name}")
        if pvc is not None and _bound(pvc, snapshot):
            pv = snapshot.pv_by_name.get(pvc.volume_name)
            if pv is None:
                return VolumeInfo(problem=f"PVC {pvc.key} is bound to PersistentVolume "
                                          f"{pvc.volume_name}, which does not exist")
            if pv.node_affinity:
                exprs = pv.node_affinity[0].match_expressions
                spec = pv.raw.get("spec", {}) if isinstance(pv.raw, dict) else {}
                if isinstance(spec, dict) and (spec.get("local") or spec.get("hostPath")):
                    exprs = tuple(e for e in exprs if e.key != LABEL_HOSTNAME)
                found.extend(exprs)
                if exprs:
                    sources.append(f"PersistentVolume {pv.name}")
            continue
        if pvc is None and name not in ephemeral:
            return VolumeInfo(problem=f"PVC {pod.namespace}/{name} does not exist")
        class_name = pvc.storage_class_name if pvc is not None else ephemeral.get(name) or None
        sc = snapshot.storage_class_by_name.get(class_name) if class_name else \
            _default_class(snapshot)
        if sc is None:
            if class_name:
                return VolumeInfo(problem=f"StorageClass {class_name} (of PVC "
                                          f"{pod.namespace}/{name}) does not exist")
            continue  # no class at all: nothing constrains the zone
        if sc.allowed_topologies:
            exprs = sc.allowed_topologies[0].match_expressions
            found.extend(exprs)
            if exprs:
                sources.append(f"StorageClass {sc.name} allowedTopologies")
    if not found:
        return VolumeInfo(sources=tuple(sources))
    return VolumeInfo(requirements=Requirements.from_node_selector_requirements(
        found, where=f"volumes of pod {pod.key}"), sources=tuple(sources))
