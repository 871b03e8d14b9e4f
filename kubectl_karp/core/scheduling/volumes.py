"""Volume topology (Karpenter's volumetopology.go): where a pod's PersistentVolumeClaims let it
run, and the pods whose volumes Karpenter will not provision for at all.

Two upstream functions, kept apart as upstream keeps them:

- ``ValidatePersistentVolumeClaims`` (provisioner.go Validate): a pod failing it is not handed
  to the scheduler — its PVC is missing or being deleted, ``Lost``, names a volume without the
  ``pv.kubernetes.io/bind-completed`` annotation (a PV's claimRef pointing back does not stand
  in for it), names a PersistentVolume that is missing or (v1.10+) being deleted, or is unbound
  without a StorageClass, on a missing one, or on an ``Immediate`` one;
- ``GetRequirements``: a claim with a volumeName follows its PV's node affinity, an unbound one
  its StorageClass's allowedTopologies. Each term is one alternative (v1.13, v1.12.1); before,
  only the first term counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kubectl_karp.core import releases
from kubectl_karp.core.reasons import VOLUME_NOT_USABLE, VOLUME_ZONE_CONFLICT
from kubectl_karp.core.releases import DEFAULT_RULES, KarpenterRules
from kubectl_karp.model.objects import (
    LABEL_HOSTNAME,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    StorageClass,
)
from kubectl_karp.model.requirements import EMPTY_REQUIREMENTS, Requirements
from kubectl_karp.model.snapshot import ClusterSnapshot

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"


@dataclass(frozen=True, slots=True)
class VolumeInfo:
    # OR-ed alternatives, each the AND of one term per volume; empty: the volumes do not
    # constrain placement. (GetRequirements' cross product.)
    alternatives: tuple[Requirements, ...] = ()
    problem: str = ""  # non-empty: Karpenter ignores the pod until this is fixed
    code: str = ""  # the reason code of ``problem``
    fix: str = ""
    sources: tuple[str, ...] = ()  # "PersistentVolume pv-1" — for explanations

    @property
    def requirements(self) -> Requirements:
        """The first alternative (what a release without alternatives uses anyway)."""
        return self.alternatives[0] if self.alternatives else EMPTY_REQUIREMENTS


def _default_class(snapshot: ClusterSnapshot) -> StorageClass | None:
    return next((sc for sc in snapshot.storage_classes if sc.is_default), None)


def _problem(code: str, message: str, fix: str) -> VolumeInfo:
    return VolumeInfo(problem=message, code=code, fix=fix)


def _missing(message: str) -> VolumeInfo:
    return _problem(VOLUME_ZONE_CONFLICT, message,
                    "create the missing object or fix the name the pod's volume refers to")


def validate_claim(pvc: PersistentVolumeClaim, snapshot: ClusterSnapshot,
                   rules: KarpenterRules) -> VolumeInfo | None:
    """ValidatePersistentVolumeClaims for one existing claim: why Karpenter will not provision
    for a pod using it, or None."""
    # upstream: scheduling/volumetopology.go ValidatePersistentVolumeClaims
    key = pvc.key
    if pvc.deletion_timestamp is not None:
        return _problem(VOLUME_NOT_USABLE, f"PVC {key} is being deleted",
                        f"wait for PVC {key} to go and recreate it, or point the pod at "
                        "another claim")
    if pvc.phase == "Lost":
        return _problem(VOLUME_NOT_USABLE,
                        f"PVC {key} is Lost (its PersistentVolume {pvc.volume_name or '?'} "
                        "no longer exists)",
                        f"restore PersistentVolume {pvc.volume_name} or recreate PVC {key}")
    if pvc.volume_name:
        pv = snapshot.pv_by_name.get(pvc.volume_name)
        if pv is None:
            return _missing(f"PVC {key} is bound to PersistentVolume {pvc.volume_name}, "
                            "which does not exist")
        if pv.deletion_timestamp is not None and rules.has(releases.DELETING_PV_UNUSABLE):
            return _problem(VOLUME_NOT_USABLE,
                            f"PersistentVolume {pv.name} (of PVC {key}) is being deleted",
                            f"recreate PVC {key} so it binds a new volume")
        if not pvc.bind_completed:
            # kube-scheduler treats such a claim as not bound yet, whatever the PV says.
            return _problem(VOLUME_NOT_USABLE,
                            f"PVC {key} names volume {pvc.volume_name} but lacks the "
                            f"{ANN_BIND_COMPLETED} annotation, so it is not bound yet",
                            f"wait for the PV controller to finish binding PVC {key} (it "
                            f"sets {ANN_BIND_COMPLETED}); if it is stuck, check PersistentVolume "
                            f"{pvc.volume_name}'s claimRef")
        return None
    class_name = pvc.storage_class_name
    sc = snapshot.storage_class_by_name.get(class_name) if class_name else None
    if class_name is None and sc is None:
        # No storageClassName at all: the DefaultStorageClass admission (or its retroactive
        # assignment) gives it the default class.
        sc = _default_class(snapshot)
    if sc is None:
        if class_name:
            return _missing(f"StorageClass {class_name} (of PVC {key}) does not exist")
        return _problem(VOLUME_NOT_USABLE,
                        f"PVC {key} is unbound and names no StorageClass",
                        f"set spec.storageClassName on PVC {key}, or bind it to a "
                        "PersistentVolume")
    if sc.volume_binding_mode != "WaitForFirstConsumer":
        return _problem(VOLUME_NOT_USABLE,
                        f"PVC {key} is unbound and its StorageClass {sc.name} binds "
                        "Immediately: the volume must be provisioned before the pod can be "
                        "placed",
                        f"wait for PVC {key} to bind, or use a StorageClass with "
                        "volumeBindingMode: WaitForFirstConsumer")
    return None


def _pv_terms(pv: PersistentVolume, alternatives: bool) -> list[Requirements | None]:
    """getPersistentVolumeRequirements: one entry per term (None: the term says nothing)."""
    terms = pv.node_affinity if alternatives else pv.node_affinity[:1]
    out: list[Requirements | None] = []
    for term in terms:
        exprs = term.match_expressions
        if pv.node_local:
            # A local/hostPath volume's hostname pin is dropped: the pod is being re-homed.
            kept = tuple(e for e in exprs if e.key != LABEL_HOSTNAME)
            if exprs and not kept:
                out.append(EMPTY_REQUIREMENTS if alternatives else None)
                continue
            exprs = kept
        out.append(_reqs(exprs, f"PersistentVolume {pv.name} spec.nodeAffinity")
                   if exprs else None)
    return out


def _sc_terms(sc: StorageClass, alternatives: bool) -> list[Requirements | None]:
    terms: tuple[NodeSelectorTerm, ...] = sc.allowed_topologies if alternatives else \
        sc.allowed_topologies[:1]
    return [_reqs(t.match_expressions, f"StorageClass {sc.name} allowedTopologies")
            if t.match_expressions else None for t in terms]


def _reqs(exprs: tuple[NodeSelectorRequirement, ...], where: str) -> Requirements:
    return Requirements.from_node_selector_requirements(exprs, where=where)


def _merge(alternatives: list[Requirements | None], volume: list[Requirements]
           ) -> list[Requirements | None]:
    """mergeVolumeRequirementAlternatives: the cross product, keeping the compatible pairs —
    or every pair when none is compatible (upstream keeps the old merged result then)."""
    def merged(a: Requirements | None, b: Requirements) -> Requirements:
        return b if a is None else a.intersect(b)

    kept = [merged(a, b) for a in alternatives for b in volume
            if a is None or a.intersects(b) is None]
    if kept:
        return list(kept)
    return [merged(a, b) for a in alternatives for b in volume]


def volume_info(pod: Pod, snapshot: ClusterSnapshot,
                rules: KarpenterRules = DEFAULT_RULES) -> VolumeInfo:
    if not pod.pvc_names:
        return VolumeInfo()
    several = rules.has(releases.VOLUME_TOPOLOGY_ALTERNATIVES)
    ephemeral = dict(pod.ephemeral_volume_classes)
    # Before alternatives every volume's first term is simply ANDed together.
    alternatives: list[Requirements | None] = [None]
    sources: list[str] = []
    for name in pod.pvc_names:
        pvc = snapshot.pvc_by_key.get(f"{pod.namespace}/{name}")
        if pvc is None and name not in ephemeral:
            return _missing(f"PVC {pod.namespace}/{name} does not exist")
        if pvc is not None:
            problem = validate_claim(pvc, snapshot, rules)
            if problem is not None:
                return problem
        terms: list[Requirements | None]
        if pvc is not None and pvc.volume_name:
            pv = snapshot.pv_by_name[pvc.volume_name]  # validate_claim made sure it exists
            terms = _pv_terms(pv, several)
            label = f"PersistentVolume {pv.name}"
        else:
            class_name = pvc.storage_class_name if pvc is not None else ephemeral.get(name)
            sc = snapshot.storage_class_by_name.get(class_name) if class_name else \
                _default_class(snapshot)
            if sc is None:
                if class_name:
                    return _missing(f"StorageClass {class_name} (of PVC "
                                    f"{pod.namespace}/{name}) does not exist")
                continue  # a future ephemeral claim without any class: nothing to follow
            terms = _sc_terms(sc, several)
            label = f"StorageClass {sc.name} allowedTopologies"
        real = [t for t in terms if t is not None]
        if not real:
            continue
        sources.append(label)
        if several:
            alternatives = _merge(alternatives, real)
        else:
            alternatives = [real[0] if a is None else a.intersect(real[0])
                            for a in alternatives]
    found = tuple(a for a in alternatives if a is not None)
    return VolumeInfo(alternatives=found, sources=tuple(sources))


# ---------------------------------------------------------------------------- attach limits
# In-tree volume plugins and the CSI drivers they migrated to (csi-translation-lib), so a
# StorageClass or PV naming the old plugin counts against the CSI driver's limit.
IN_TREE_DRIVERS = {
    "kubernetes.io/aws-ebs": "ebs.csi.aws.com",
    "kubernetes.io/gce-pd": "pd.csi.storage.gke.io",
    "kubernetes.io/azure-disk": "disk.csi.azure.com",
    "kubernetes.io/azure-file": "file.csi.azure.com",
    "kubernetes.io/cinder": "cinder.csi.openstack.org",
    "kubernetes.io/vsphere-volume": "csi.vsphere.vmware.com",
    "kubernetes.io/portworx-volume": "pxd.portworx.com",
}
_IN_TREE_PV_SOURCES = {
    "awsElasticBlockStore": "ebs.csi.aws.com", "gcePersistentDisk": "pd.csi.storage.gke.io",
    "azureDisk": "disk.csi.azure.com", "azureFile": "file.csi.azure.com",
    "cinder": "cinder.csi.openstack.org", "vsphereVolume": "csi.vsphere.vmware.com",
    "portworxVolume": "pxd.portworx.com",
}

VolumeSet = dict[str, frozenset[str]]  # CSI driver -> PVC keys ("namespace/name")


def _pv_driver(pv: PersistentVolume) -> str:
    spec = pv.raw.get("spec") if isinstance(pv.raw, dict) else None
    if not isinstance(spec, dict):
        return ""
    csi = spec.get("csi")
    if isinstance(csi, dict) and isinstance(csi.get("driver"), str):
        return str(csi["driver"])
    return next((d for key, d in _IN_TREE_PV_SOURCES.items() if spec.get(key)), "")


def pod_volumes(pod: Pod, snapshot: ClusterSnapshot) -> VolumeSet:
    """GetVolumes: the pod's claims per CSI driver (ResolveDriver: the bound PV's driver, else
    the StorageClass provisioner); claims that do not resolve are not counted."""
    # upstream: scheduling/volumeusage.go GetVolumes, ResolveDriver
    out: dict[str, set[str]] = {}
    for name in pod.pvc_names:
        key = f"{pod.namespace}/{name}"
        pvc = snapshot.pvc_by_key.get(key)
        if pvc is None:
            continue
        driver = ""
        if pvc.volume_name:
            pv = snapshot.pv_by_name.get(pvc.volume_name)
            driver = _pv_driver(pv) if pv is not None else ""
        elif pvc.storage_class_name:
            sc = snapshot.storage_class_by_name.get(pvc.storage_class_name)
            if sc is not None:
                driver = IN_TREE_DRIVERS.get(sc.provisioner, sc.provisioner)
        if driver:
            out.setdefault(driver, set()).add(key)
    return {d: frozenset(keys) for d, keys in out.items()}


def merge_volumes(a: VolumeSet, b: VolumeSet) -> VolumeSet:
    out = dict(a)
    for driver, keys in b.items():
        out[driver] = out.get(driver, frozenset()) | keys
    return out


def volume_limit_hit(used: VolumeSet, adding: VolumeSet, limits: Mapping[str, int]
                     ) -> tuple[str, int, int] | None:
    """ExceedsLimits: (driver, volumes it would attach, its limit) for the first driver over
    its CSINode limit once ``adding`` joins ``used`` (one PVC counts once), else None."""
    # upstream: scheduling/volumeusage.go VolumeUsage.ExceedsLimits
    for driver, keys in sorted(adding.items()):
        limit = limits.get(driver)
        if limit is None:
            continue
        count = len(used.get(driver, frozenset()) | keys)
        if count > limit:
            return driver, count, limit
    return None


def node_volume_limits(snapshot: ClusterSnapshot) -> dict[str, Mapping[str, int]]:
    """Each node's CSI attach limits, from its CSINode (nodes without one have none)."""
    return {c.name: c.attach_limits for c in snapshot.csi_nodes if c.attach_limits}


def bound_volumes(pods: Iterable[Pod], snapshot: ClusterSnapshot) -> VolumeSet:
    out: VolumeSet = {}
    for pod in pods:
        if pod.pvc_names and not pod.is_terminal:
            out = merge_volumes(out, pod_volumes(pod, snapshot))
    return out
