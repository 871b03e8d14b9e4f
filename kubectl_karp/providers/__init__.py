"""Cloud providers behind one protocol (``base.Provider``); ``registry`` finds them.

Adding a cloud is adding one module (or a package, as ``tke``) with a ``PROVIDER`` and listing
it in ``registry``.
"""

from __future__ import annotations

from kubectl_karp.providers.base import BaseProvider, Problem, Provider
from kubectl_karp.providers.registry import (
    PROVIDERS,
    complete_catalog,
    infer_catalogs,
    provider_for_ref,
    provider_named,
)

__all__ = ["PROVIDERS", "BaseProvider", "Problem", "Provider", "complete_catalog",
           "infer_catalogs", "provider_for_ref", "provider_named"]
