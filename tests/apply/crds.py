"""CustomResourceDefinitions for the emulator, built from kubectl-karp's own schema model.

Tests must not read the upstream CRD files; a CRD here wraps a schema in the shape an API
server serves (``spec.versions[].schema.openAPIV3Schema``), optionally changed to play an
older Karpenter release.
"""

from __future__ import annotations

import copy
from typing import Any

from kubectl_karp.core.validation.schemas import KINDS, Kind


def crd(kind: Kind, schema: dict[str, Any] | None = None, *,
        versions: tuple[str, ...] | None = None) -> dict[str, Any]:
    served = versions or (kind.api_version.rpartition("/")[2],)
    body = copy.deepcopy(schema if schema is not None else kind.schema)
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": kind.crd_name},
        "spec": {"group": kind.group, "scope": "Cluster",
                 "names": {"kind": kind.kind, "plural": kind.plural},
                 "versions": [{"name": v, "served": True, "storage": i == 0,
                               "schema": {"openAPIV3Schema": body}}
                              for i, v in enumerate(served)]},
    }


def all_crds() -> list[dict[str, Any]]:
    return [crd(kind) for kind in KINDS]
