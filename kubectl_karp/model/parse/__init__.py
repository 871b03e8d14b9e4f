"""Raw Kubernetes documents (dicts from YAML/JSON or the API) → the typed model.

Every parser takes ``where``, a human description of the document ("cluster.yaml document 3
(Pod default/web)"), so that errors name the object and the field. Only the fields the tools
use are read; the document itself is kept as ``raw``.

One module per object family: ``fields`` (the shared readers), ``terms`` (selectors, taints,
tolerations, affinity terms), ``pods``, ``nodes`` (and NodeClaims, node classes, CSINodes),
``nodepools`` (and NodeOverlays), ``workloads`` (DaemonSets, PDBs, CapacityBuffers, workload
expansion), ``storage``, ``catalog`` and ``snapshot`` (documents → ClusterSnapshot). The
names below are the package's interface; import them from here.
"""

from kubectl_karp.model.parse.catalog import catalog_to_document, parse_catalog
from kubectl_karp.model.parse.fields import describe, parse_conditions, parse_resources, parse_time
from kubectl_karp.model.parse.nodepools import parse_budgets, parse_node_overlay, parse_node_pool
from kubectl_karp.model.parse.nodes import (
    parse_csi_node,
    parse_node,
    parse_node_claim,
    parse_node_class,
)
from kubectl_karp.model.parse.pods import (
    effective_requests,
    parse_pod,
    parse_pod_spec,
    resized_requests,
)
from kubectl_karp.model.parse.snapshot import (
    CATALOG_FACTS,
    IGNORED_SILENTLY,
    KARPENTER_GROUP,
    NODE_CLASS_KINDS,
    OBSOLETE_KINDS,
    build_snapshot,
    flatten,
    newest_kubelet,
)
from kubectl_karp.model.parse.storage import parse_pv, parse_pvc, parse_storage_class
from kubectl_karp.model.parse.terms import (
    parse_label_selector,
    parse_node_selector_term,
    parse_requirement,
    parse_requirements,
    parse_taints,
    parse_tolerations,
)
from kubectl_karp.model.parse.workloads import (
    WORKLOAD_KINDS,
    parse_capacity_buffer,
    parse_daemon_set,
    parse_pdb,
    workload_pods,
)

__all__ = [
    "CATALOG_FACTS", "IGNORED_SILENTLY", "KARPENTER_GROUP", "NODE_CLASS_KINDS", "OBSOLETE_KINDS",
    "WORKLOAD_KINDS", "build_snapshot", "catalog_to_document", "describe",
    "effective_requests", "flatten", "newest_kubelet", "parse_budgets", "parse_capacity_buffer",
    "parse_catalog", "parse_conditions", "parse_csi_node", "parse_daemon_set",
    "parse_label_selector", "parse_node", "parse_node_claim", "parse_node_class",
    "parse_node_overlay", "parse_node_pool", "parse_node_selector_term", "parse_pdb",
    "parse_pod", "parse_pod_spec", "parse_pv", "parse_pvc", "parse_requirement",
    "parse_requirements", "parse_resources", "parse_storage_class", "parse_taints",
    "parse_time", "parse_tolerations", "resized_requests", "workload_pods",
]
