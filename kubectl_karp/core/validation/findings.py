"""What ``kubectl karp apply`` found wrong (or risky) in the manifests it was given."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Manifest:
    """One document of the input, after placeholder substitution.

    ``file`` is the name the user gave ("nodepool.yaml", "stdin"); ``index`` counts documents
    from 1 within the file and ``line`` is where the document starts (1-based).
    """

    doc: Mapping[str, Any]
    file: str
    index: int = 1
    line: int = 1

    @property
    def kind(self) -> str:
        kind = self.doc.get("kind")
        return kind if isinstance(kind, str) else ""

    @property
    def api_version(self) -> str:
        value = self.doc.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def name(self) -> str:
        meta = self.doc.get("metadata")
        name = meta.get("name") if isinstance(meta, Mapping) else None
        return name if isinstance(name, str) else ""

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def origin(self) -> str:
        """``nodepool.yaml document 2 (NodePool test)``, as every message starts."""
        what = " ".join(x for x in (self.kind, self.name) if x)
        return f"{self.file} document {self.index}" + (f" ({what})" if what else "")

    @property
    def ident(self) -> str:
        """``nodepool.karpenter.sh/test``, the way kubectl names applied objects."""
        return f"{self.kind.lower()}.{self.group}/{self.name}" if self.group else \
            f"{self.kind.lower()}/{self.name}"


@dataclass(frozen=True, slots=True)
class Finding:
    severity: str  # error | warning
    code: str  # stable, for -o json: Schema, Rule, UnknownKind, Requirement, Limits, ...
    origin: str  # Manifest.origin
    path: str  # field path inside the document ("spec.limits.cpu"); "" for the whole document
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        at = f"{self.origin}: {self.path}" if self.path else self.origin
        return f"{at}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "code": self.code, "origin": self.origin,
                "path": self.path, "message": self.message}


@dataclass(frozen=True)
class ValidationReport:
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()  # what could not be checked, and why
    schema_source: str = ""  # "the cluster's CRDs" | "kubectl-karp's own model" | a mix

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors


def dedupe(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Drop repeats (two checks reaching the same conclusion), keeping the first."""
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for finding in findings:
        key = (finding.severity, finding.origin, finding.path, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return tuple(out)
