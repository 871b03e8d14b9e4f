"""``verify`` as text (agreement table, then each disagreement with its evidence) and as the
``VerifyReport`` document; plus the one-line "Karpenter reported" note explain and consolidate
put beside their own answer."""

from __future__ import annotations

import shlex
from typing import Any

from kubectl_karp.core.verify import AGREE, DISAGREE, OURS_ONLY, Comparison, VerifyReport
from kubectl_karp.core.verify.messages import Statement
from kubectl_karp.render.output import Style, rules_fields, table

API_VERSION = "karp.kubectl.io/v1alpha1"


def age_text(seconds: int | None) -> str:
    """kubectl's AGE style: 45s, 12m, 5h, 3d."""
    if seconds is None:
        return "age unknown"
    for limit, unit, size in ((120, "s", 1), (7200, "m", 60), (172800, "h", 3600)):
        if seconds < limit:
            return f"{seconds // size}{unit} ago"
    return f"{seconds // 86400}d ago"


def said_text(row: Comparison) -> str | None:
    """``Unconsolidatable: Can't replace with a cheaper node — agrees``; None when Karpenter
    said nothing this can be set beside."""
    if row.theirs is None or row.verdict == OURS_ONLY:
        return None
    marker = {AGREE: "agrees", DISAGREE: "DISAGREES with this preview"}.get(
        row.verdict, "not comparable")
    return f"{row.theirs.event.reason}: {row.theirs.event.message} — {marker}"


def reported_line(row: Comparison) -> str | None:
    """``Karpenter reported (3m ago): Unconsolidatable: … — agrees``."""
    said = said_text(row)
    return None if said is None else f"Karpenter reported ({age_text(row.age_seconds)}): {said}"


def _statement_doc(statement: Statement, age: int | None) -> dict[str, Any]:
    event = statement.event
    doc: dict[str, Any] = {
        "reason": event.reason, "message": event.message, "type": event.type,
        "object": {"kind": event.kind, "name": event.key},
        "time": event.time.isoformat() if event.time else None, "ageSeconds": age,
        "count": event.count, "reads": statement.kind if statement.known else "unknown",
        "codes": sorted(statement.codes),
    }
    if statement.other_release:
        doc["wordingOf"] = statement.other_release
    return doc


def comparison_document(row: Comparison) -> dict[str, Any]:
    return {
        "kind": row.kind, "name": row.name, "verdict": row.verdict,
        "ours": {"codes": list(row.ours), "text": row.ours_text},
        "karpenter": (_statement_doc(row.theirs, row.age_seconds)
                      if row.theirs is not None else None),
    }


def reported_document(row: Comparison) -> dict[str, Any]:
    """Karpenter's statement about one object plus the verdict (explain / consolidate)."""
    said = comparison_document(row)["karpenter"] or {}
    return {**said, "verdict": row.verdict}


def reproduction(row: Comparison) -> str:
    """A command pair a user can attach to a bug report."""
    target = (f"pod/{row.name.split('/', 1)[1]} -n {shlex.quote(row.name.split('/', 1)[0])}"
              if row.kind == "Pod" else f"--node {shlex.quote(row.name)}")
    command = "explain" if row.kind == "Pod" else "consolidate"
    return (f"kubectl karp snapshot > karp-snapshot.yaml && kubectl karp {command} "
            f"--snapshot karp-snapshot.yaml {target}")


def document(report: VerifyReport) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION, "kind": "VerifyReport",
        "now": report.now.isoformat(),
        **rules_fields(report.rules),
        "eventsRead": report.events_read,
        "agreement": [{"code": code, "agree": a, "disagree": d, "unknown": u}
                      for code, a, d, u in report.table()],
        "comparisons": [comparison_document(c) for c in report.rows if c.verdict != OURS_ONLY],
        "disagreements": len(report.disagreements),
        "notes": list(report.notes),
    }


def render_text(report: VerifyReport, style: Style) -> str:
    lines = [f"{report.rules.header}; {report.events_read} Karpenter event(s) read", ""]
    rows = report.table()
    if rows:
        lines.append(table(["our code", "agree", "disagree", "unknown"],
                           [(code, a, d, u) for code, a, d, u in rows]).rstrip("\n"))
    else:
        lines.append("Nothing to compare: Karpenter said nothing about the pending pods and "
                     "the nodes.")
    disagreements = report.disagreements
    if disagreements:
        lines += ["", style.bold(f"Disagreements ({len(disagreements)})")]
        for row in disagreements:
            assert row.theirs is not None
            lines += ["", f"{row.kind.lower()}/{row.name}",
                      f"  ours:      {row.ours_text}",
                      f"  Karpenter: {row.theirs.event.reason} "
                      f"({age_text(row.age_seconds)}): {row.theirs.event.message}",
                      f"  reproduce: {reproduction(row)}"]
    else:
        lines += ["", "Every comparable statement agrees." if rows else ""]
    unknown = [r for r in report.rows if r.verdict not in (AGREE, DISAGREE, OURS_ONLY)]
    if unknown:
        lines += ["", f"Not comparable ({len(unknown)}): shown as Karpenter wrote them"]
        for row in unknown:
            assert row.theirs is not None
            lines.append(f"  {row.kind.lower()}/{row.name}: {row.theirs.event.reason}: "
                         f"{row.theirs.event.message}")
    return "\n".join(lines).rstrip("\n") + "\n"
