"""Any other cloud: only the Kubernetes well-known labels; allocatable as the file gives it.

Catalogue files with ``provider: generic`` (and instance types inferred from nodes of an
unknown cloud) use this. Without an allocatable figure, capacity is used as is.
"""

from __future__ import annotations

from kubectl_karp.providers.base import BaseProvider

PROVIDER = BaseProvider(name="generic", title="generic", node_class_group="", node_class_kind="")
