"""Where a pod's volumes pin it: the node affinity of its bound PersistentVolumes."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_karp.core import releases
from kubectl_karp.core.releases import DEFAULT_RULES, KarpenterRules
from kubectl_karp.model.objects import LABEL_ZONE, NodeSelectorTerm, Pod
from kubectl_karp.model.snapshot import ClusterSnapshot

# Zone keys volume provisioners still write besides the well-known one.
ZONE_KEYS = (LABEL_ZONE, "failure-domain.beta.kubernetes.io/zone",
             "topology.com.tencent.cloud.csi.cbs/zone", "topology.ebs.csi.aws.com/zone")


@dataclass(frozen=True, slots=True)
class VolumePin:
    claim: str  # PVC name
    volume: str  # PV name
    terms: tuple[NodeSelectorTerm, ...]

    def zones(self) -> frozenset[str] | None:
        """Zones the volume allows, or None when its affinity does not name zones."""
        found: set[str] = set()
        for term in self.terms:
            for req in term.match_expressions:
                if req.key in ZONE_KEYS and req.operator == "In":
                    found.update(req.values)
        return frozenset(found) if found else None


def volume_pins(pod: Pod, snapshot: ClusterSnapshot,
                rules: KarpenterRules = DEFAULT_RULES) -> tuple[VolumePin, ...]:
    # Before v1.13 (and v1.12.1) Karpenter only read a PV's first node-affinity term.
    first_only = not rules.has(releases.VOLUME_TOPOLOGY_ALTERNATIVES)
    pins = []
    for claim in pod.pvc_names:
        pvc = snapshot.pvc_by_key.get(f"{pod.namespace}/{claim}")
        if pvc is None or not pvc.volume_name:
            continue
        pv = snapshot.pv_by_name.get(pvc.volume_name)
        if pv is None or not pv.node_affinity:
            continue
        pins.append(VolumePin(claim, pv.name,
                              pv.node_affinity[:1] if first_only else pv.node_affinity))
    return tuple(pins)
