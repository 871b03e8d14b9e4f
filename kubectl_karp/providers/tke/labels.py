"""The TKE provider's API group, node-class kind and well-known labels."""

from __future__ import annotations

GROUP = "karpenter.k8s.tke"
KIND = "TKEMachineNodeClass"
LABEL_FAMILY = f"{GROUP}/instance-family"
LABEL_CPU = f"{GROUP}/instance-cpu"
LABEL_MEMORY_GB = f"{GROUP}/instance-memory-gb"
LABEL_NODE_CLASS = f"{GROUP}/tkemachinenodeclass"
LABEL_NODECLAIM = f"{GROUP}/nodeclaim"
LABEL_CBS_ZONE = "topology.com.tencent.cloud.csi.cbs/zone"
