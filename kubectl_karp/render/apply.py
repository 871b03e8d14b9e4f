"""``apply``'s output: the ``ApplyResult`` document (-o json|yaml, docs/apply.md), the
validation findings and the per-object diff as text.

Prose (findings, notes, drift) wraps at the terminal's width like every command's; a diff
is never wrapped, because a wrapped line would read as a line of the object: at a known
width a long diff line is elided with ``…``, and piped output keeps it whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from kubectl_karp.render.width import current_width, ellipsize

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.validation import Manifest, ValidationReport
    from kubectl_karp.render.output import Style


@dataclass
class Outcome:
    """What happened, for -o json|yaml (a documented, stable shape: see docs/apply.md)."""

    dry_run: str
    report: ValidationReport | None = None
    objects: list[dict[str, Any]] = field(default_factory=list)
    applied: bool = False
    drift: list[dict[str, Any]] | None = None  # with --diff: the NodeClaims the change drifts

    def add(self, m: Manifest, action: str, diff: str = "", detail: str = "") -> None:
        entry: dict[str, Any] = {"object": m.ident, "file": m.file, "document": m.index,
                                 "action": action}
        if diff:
            entry["diff"] = diff
        if detail:
            entry["detail"] = detail
        self.objects.append(entry)

    def document(self, status: int) -> dict[str, Any]:
        report = self.report
        return {
            "kind": "ApplyResult", "status": status, "dryRun": self.dry_run,
            "valid": bool(report and report.ok),
            "schemaSource": report.schema_source if report else "",
            "findings": [f.as_dict() for f in report.findings] if report else [],
            "notes": list(report.notes) if report else [],
            "objects": self.objects,
            **({"drift": self.drift} if self.drift is not None else {}),
        }


def report_lines(report: ValidationReport, style: Style) -> list[str]:
    """The notes, then warnings, then errors, one line each (wrapped by the caller)."""
    return ([f"note: {note}" for note in report.notes]
            + [f"{style.warn('warning')}: {finding}" for finding in report.warnings]
            + [f"{style.bad('error')}: {finding}" for finding in report.errors])


def diff_lines(text: str, style: Style, width: int | None = None) -> list[str]:
    """The unified diff coloured (+ green, - red, @@ cyan), each line elided to ``width``
    (default: the terminal's; None: left whole) and never wrapped."""
    limit = current_width() if width is None else width
    out = []
    for line in text.splitlines():
        if limit is not None:
            line = ellipsize(line, limit)
        if line.startswith("+") and not line.startswith("+++"):
            line = style.ok(line)
        elif line.startswith("-") and not line.startswith("---"):
            line = style.bad(line)
        elif line.startswith("@@"):
            line = style.fix(line)
        out.append(line)
    return out


def write_diff(text: str, style: Style, out: IO[str]) -> None:
    for line in diff_lines(text, style):
        out.write(line + "\n")
