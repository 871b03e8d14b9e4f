"""``kubectl karp apply``'s checks: pure functions over manifests, schemas and catalogues."""

from kubectl_karp.core.validation.findings import Finding, Manifest, ValidationReport
from kubectl_karp.core.validation.validate import validate

__all__ = ["Finding", "Manifest", "ValidationReport", "validate"]
