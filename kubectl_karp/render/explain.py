"""``explain`` results as text for people (fitted to the terminal) and as the JSON/YAML document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.diagnosis.text import amount, resource_name
from kubectl_karp.core.explain.result import (
    ClosestType,
    Explanation,
    NodePoolVerdict,
    NodeReasonGroup,
    PodExplanation,
    Verdict,
)
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.verify import DISAGREE, Comparison
from kubectl_karp.model.prices import format_money
from kubectl_karp.model.resources import render as render_resources
from kubectl_karp.render.output import Style, rules_fields
from kubectl_karp.render.verify import reported_document, reported_line
from kubectl_karp.render.width import current_width, wrap

PROSE_WIDTH = 100  # explain's prose when no terminal width is known (piped, no COLUMNS)
API_VERSION = "karp.kubectl.io/v1alpha1"  # same as simulate's document


# --------------------------------------------------------------------------- document

def _reason_doc(reason: Reason) -> dict[str, Any]:
    doc: dict[str, Any] = {"code": reason.code, "message": reason.message}
    if reason.detail:
        doc["detail"] = reason.detail
    doc["fix"] = reason.fix
    if reason.node_pool:
        doc["nodePool"] = reason.node_pool
    if reason.node:
        doc["node"] = reason.node
    return doc


def _placement_doc(v: Verdict) -> dict[str, Any] | None:
    if not v.schedulable:
        return None
    if v.existing_node is not None:
        doc: dict[str, Any] = {"existingNode": v.existing_node}
        others = sorted(set(v.pod_nodes))
        if len(others) > 1:
            doc["existingNodes"] = others
        if v.in_flight:
            doc["inFlight"] = True
        if v.already_bound:
            doc["alreadyBound"] = True
        return doc
    return {"nodePool": v.node_pool, "instanceType": v.instance_type, "zone": v.zone,
            "zoneName": v.zone_name or v.zone, "capacityType": v.capacity_type,
            "pricePerHour": v.price_per_hour}


def _closest_doc(c: ClosestType) -> dict[str, Any]:
    return {"name": c.name, "allocatable": render_resources(c.allocatable),
            "lacks": render_resources(c.lacks)}


def _pool_doc(p: NodePoolVerdict) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": p.name, "accepted": p.accepted}
    if p.chosen:
        doc["chosen"] = True
    doc["reasons"] = [_reason_doc(r) for r in p.reasons]
    if p.closest:
        doc["closestInstanceTypes"] = [_closest_doc(c) for c in p.closest]
    if p.candidates:
        doc["instanceTypes"] = list(p.candidates)
    return doc


def _node_group_doc(g: NodeReasonGroup) -> dict[str, Any]:
    doc: dict[str, Any] = {"code": g.code, "count": g.count, "message": g.message}
    if g.detail:
        doc["detail"] = g.detail
    doc["fix"] = g.fix
    doc["nodes"] = list(g.nodes)
    return doc


def pod_document(p: PodExplanation) -> dict[str, Any]:
    doc: dict[str, Any] = {"pod": p.pod, "count": p.count, "pods": list(p.pods),
                           "owner": p.owner, "schedulable": p.schedulable,
                           "placement": _placement_doc(p.verdict)}
    if p.hypothetical:
        doc["hypothetical"] = True
    if p.not_considered:
        doc["notConsidered"] = p.not_considered
    doc["existingNodes"] = [_node_group_doc(g) for g in p.existing_nodes]
    doc["nodePools"] = [_pool_doc(n) for n in p.node_pools]
    doc["reasons"] = [_reason_doc(r) for r in p.reasons]
    return doc


def document(explanation: Explanation, ctx: SchedulingContext | None = None,
             reported: Mapping[str, Comparison] | None = None) -> dict[str, Any]:
    """The stable machine-readable form (documented in README); with ``ctx``, where the
    prices come from, under simulate's field names; with ``reported`` (pod key →
    comparison), what Karpenter last said about each pod (``karpenter``)."""
    provenance: dict[str, Any] = {} if ctx is None else {
        **rules_fields(ctx.rules),
        "catalog": ctx.catalog_source,
        "illustrativePrices": ctx.illustrative_prices,
        **({"currency": ctx.currency} if ctx.currency else {}),
        "pricesKnown": ctx.prices_known,
    }
    return {
        "apiVersion": API_VERSION,
        "kind": "Explanation",
        **provenance,
        "pods": [_with_reported(pod_document(p), p, reported) for p in explanation.pods],
        "blockers": [_reason_doc(r) for r in explanation.blockers],
        "notes": list(explanation.notes),
        "summary": {"entries": len(explanation.pods),
                    "pods": sum(p.count for p in explanation.pods),
                    "pending": explanation.pending_count},
    }


def _with_reported(doc: dict[str, Any], p: PodExplanation,
                   reported: Mapping[str, Comparison] | None) -> dict[str, Any]:
    row = reported.get(p.pod) if reported else None
    if row is not None and row.theirs is not None:
        doc["karpenter"] = reported_document(row)
    return doc


# --------------------------------------------------------------------------- text

class _Writer:
    def __init__(self, style: Style, width: int | None, wide: bool, currency: str = ""
                 ) -> None:
        self.style = style
        self.currency = currency
        self.width = width
        self.wide = wide
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def para(self, text: str, indent: int, *, first: str = "", styler: Any = None,
             hang: int = 0) -> None:
        """Wrap ``first + text`` at the width; continuation lines indent by ``hang`` more."""
        # Styled after wrapping, so escapes never count as width (render/width.py).
        wrapped = wrap(first + text, self.width, indent=indent, hang=hang)
        for chunk in wrapped:
            body = chunk.lstrip(" ")
            pad = chunk[: len(chunk) - len(body)]
            self.lines.append(pad + (styler(body) if styler and body else body))

    def fix(self, text: str, indent: int) -> None:
        if text:
            self.para(text, indent, first="fix: ", styler=self.style.fix, hang=5)

    def detail(self, text: str, indent: int) -> None:
        if text and self.wide:
            self.para(text, indent, styler=self.style.dim)


def _headline(p: PodExplanation, style: Style, currency: str = "") -> str:
    who = p.pod if p.count == 1 else f"{p.owner or p.pod} ({p.count} pods, e.g. {p.pod})"
    if p.owner and p.count == 1:
        who += f" ({p.owner})"
    if p.hypothetical:
        who += " [hypothetical]"
    v = p.verdict
    if not v.schedulable:
        return f"{style.bold(who)}: {style.bad('stays Pending')}"
    if v.already_bound:
        return f"{style.bold(who)}: {style.ok('already running')} on node {v.existing_node}"
    if v.existing_node is not None:
        what = "NodeClaim" if v.in_flight else "node"
        nodes = sorted(set(v.pod_nodes)) or [v.existing_node]
        if len(nodes) > 1:
            shown = ", ".join(nodes[:3]) + (f" (+{len(nodes) - 3})" if len(nodes) > 3 else "")
            return f"{style.bold(who)}: {style.ok('fits')} existing {what}s {shown}"
        return f"{style.bold(who)}: {style.ok('fits')} existing {what} {v.existing_node}"
    zone = v.zone_name or v.zone or ""
    price = f", {format_money(v.price_per_hour, currency=currency)}/h" \
        if v.price_per_hour is not None else ""
    return (f"{style.bold(who)}: {style.ok('new NodeClaim')} from NodePool {v.node_pool}: "
            f"{v.instance_type} in {zone} ({v.capacity_type}{price})")


def _closest_text(c: ClosestType) -> str:
    lacks = ", ".join(f"{resource_name(r)} short by {amount(r, m)}"
                      for r, m in sorted(c.lacks.items()))
    return f"{c.name} ({lacks})"


def _render_pool(w: _Writer, p: NodePoolVerdict, schedulable: bool) -> None:
    style = w.style
    if p.accepted:
        state = style.ok("chosen") if p.chosen else style.ok("accepted")
        extra = f" — fits {', '.join(p.candidates)}" if p.candidates and not p.chosen else ""
        w.para(f"NodePool {p.name}: {state}{extra}", 4, hang=4)
        return
    w.para(f"NodePool {p.name}: {style.bad('rejected')}", 4)
    for reason in p.reasons:
        w.para(reason.message, 6, first=f"{style.warn(reason.code)}: ", hang=2)
        w.detail(reason.detail, 8)
        if reason.code == "NoInstanceTypeFits" and p.closest:
            w.para(", ".join(_closest_text(c) for c in p.closest), 8,
                   first="closest: ", hang=9)
        w.fix(reason.fix, 8)


def _render_pod(w: _Writer, p: PodExplanation,
                reported: Mapping[str, Comparison] | None = None) -> None:
    style = w.style
    w.para(_headline(p, style, w.currency), 0, hang=2)
    row = reported.get(p.pod) if reported else None
    line = reported_line(row) if row is not None else None
    if line:
        styler = style.bad if row is not None and row.verdict == DISAGREE else style.dim
        w.para(line, 2, styler=styler, hang=2)
    if p.verdict.already_bound:
        return
    if p.not_considered:
        w.para(p.not_considered, 2, first="not considered: ", hang=2)
        return
    for reason in p.reasons:
        w.para(reason.message, 2, first=f"{style.warn(reason.code)}: ", hang=2)
        w.detail(reason.detail, 4)
        w.fix(reason.fix, 4)
    # For a stuck pod the fix that works comes first: what would make Karpenter place it
    # (its NodePools), then how it could fit a node that exists today.
    if not p.schedulable:
        _render_pools(w, p)
    _render_existing(w, p)
    if p.schedulable:
        _render_pools(w, p)


def _render_existing(w: _Writer, p: PodExplanation) -> None:
    style = w.style
    if p.existing_nodes and (not p.schedulable or w.wide or p.verdict.node_pool):
        total = sum(g.count for g in p.existing_nodes)
        w.para(f"existing nodes ({total}):", 2)
        for g in p.existing_nodes:
            w.para(g.message, 4, first=f"{style.warn(g.code)} ×{g.count}: ", hang=2)
            w.detail(g.detail, 6)
            if w.wide and g.nodes:
                w.para(", ".join(g.nodes), 6, first="nodes: ", styler=style.dim, hang=7)
            if not p.schedulable:
                w.fix(g.fix, 6)


def _render_pools(w: _Writer, p: PodExplanation) -> None:
    if p.node_pools and (not p.schedulable or w.wide):
        w.para("NodePools:", 2)
        for pool in p.node_pools:
            _render_pool(w, pool, p.schedulable)


def render_text(explanation: Explanation, style: Style, *, wide: bool = False,
                width: int | None = None, reported: Mapping[str, Comparison] | None = None,
                header: str = "", currency: str = "") -> str:
    """``header``: the first line, e.g. which Karpenter release's rules were followed.
    ``width``: wrap at this many columns (default: the terminal's, render/width.py; prose
    read through a pipe still wraps at ``PROSE_WIDTH``: it is for people, scripts read -o
    json)."""
    w = _Writer(style, width or current_width() or PROSE_WIDTH, wide, currency)
    if header:
        w.para(header, 0, styler=style.dim, hang=2)
        w.line()
    summary = ""
    if explanation.pods:
        total = sum(p.count for p in explanation.pods)
        pending = explanation.pending_count
        text = f"{total} pod(s): {total - pending} would be placed, {pending} would stay Pending"
        summary = style.bad(text) if pending else style.ok(text)
        # The answer first; repeated as the last line for a long scroll-back.
        w.line(summary)
        w.line()
    if explanation.blockers:
        w.line(style.bold("Karpenter-side problems:"))
        for reason in explanation.blockers:
            w.para(reason.message, 2, first=f"{style.warn(reason.code)}: ", hang=2)
            w.detail(reason.detail, 4)
            w.fix(reason.fix, 4)
        w.line()
    if not explanation.pods:
        w.line("No pending pods to explain.")
    # Stuck pods first (stable: the explanation's own order within each group).
    ordered = sorted(explanation.pods, key=lambda p: p.schedulable)
    for index, pod in enumerate(ordered):
        if index:
            w.line()
        _render_pod(w, pod, reported)
    if summary:
        w.line()
        w.line(summary)
    return "\n".join(w.lines) + "\n"
