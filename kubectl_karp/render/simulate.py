"""``simulate``'s output: the ``Simulation`` document (-o json|yaml) and its tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_MAX_PODS_SHOWN = 3


def _pods_text(pods: Sequence[str], wide: bool = False) -> str:
    """``3 pods: default/sample-app-7c9d6b5f4-b7x2k (+2)`` like a ``kubectl get`` cell (the
    table elides it further to fit); -o wide lists up to three."""
    if not wide:
        from kubectl_karp.render.width import elide_list

        return elide_list(list(pods), "pods" if len(pods) != 1 else "pod")
    shown = ", ".join(pods[:_MAX_PODS_SHOWN])
    if len(pods) > _MAX_PODS_SHOWN:
        shown += f", … (+{len(pods) - _MAX_PODS_SHOWN})"
    return f"{len(pods)}: {shown}" if pods else "0"


def document(result: Any, ctx: Any) -> dict[str, Any]:
    """The documented ``-o json|yaml`` contract (README: "simulate output")."""
    from kubectl_karp.model.prices import HOURS_PER_MONTH
    from kubectl_karp.model.resources import render
    from kubectl_karp.render.output import rules_fields

    per_hour = result.new_cost_per_hour
    return {
        "apiVersion": "karp.kubectl.io/v1alpha1",
        "kind": "Simulation",
        **rules_fields(ctx.rules),
        "catalog": ctx.catalog_source,
        "illustrativePrices": ctx.illustrative_prices,
        **({"currency": ctx.currency} if ctx.currency else {}),
        "podsConsidered": result.pods_considered,
        "nodeClaims": [{
            "nodePool": c.node_pool, "instanceType": c.instance_type, "zone": c.zone,
            "zoneName": c.zone_name or c.zone, "capacityType": c.capacity_type,
            "pricePerHour": c.price_per_hour,
            "instanceTypeOptions": list(c.instance_type_options), "pods": list(c.pods),
            "requests": render(c.requests), "hostname": c.hostname,
        } for c in result.node_claims],
        "existingNodes": [{"name": e.node, "inFlight": e.in_flight, "pods": list(e.pods)}
                          for e in result.existing],
        "unschedulable": [{"pod": f.pod, "reasons": [{
            "code": r.code, "nodePool": r.node_pool, "message": r.message,
            **({"fix": r.fix} if r.fix else {})} for r in f.reasons]}
            for f in result.unschedulable],
        "cost": {"newPerHour": None if per_hour is None else round(per_hour, 6),
                 "newPerMonth": None if per_hour is None else round(per_hour * HOURS_PER_MONTH,
                                                                    2)},
        "notes": list(result.notes),
    }


def render_table(result: Any, ctx: Any, wide: bool) -> str:
    from kubectl_karp.model.prices import currency_sign, format_money, money_month
    from kubectl_karp.render.output import Style, table, use_color

    style = Style(use_color())
    out: list[str] = [style.dim(ctx.rules.header)]
    if result.node_claims:
        out.append(style.bold(f"New NodeClaims ({len(result.node_claims)})"))
        sign = currency_sign(ctx.currency).strip()
        headers = ["nodepool", "instance-type", "zone", "capacity", f"{sign}/h", "pods"]
        if wide:
            headers.append("instance-type-options")
        rows = []
        for c in result.node_claims:
            zone = f"{c.zone} ({c.zone_name})" if c.zone_name else c.zone
            row = [c.node_pool, c.instance_type, zone, c.capacity_type,
                   format_money(c.price_per_hour, currency=ctx.currency),
                   _pods_text(list(c.pods), wide)]
            if wide:
                row.append(",".join(c.instance_type_options))
            rows.append(row)
        out.append(table(headers, rows, fit=not wide, keep=(4,)))
    if result.existing:
        out.append(style.bold(f"Existing nodes ({len(result.existing)})"))
        rows = [[e.node + (" (in flight)" if e.in_flight else ""),
                 _pods_text(list(e.pods), wide)] for e in result.existing]
        out.append(table(["node", "pods"], rows, fit=not wide))
    if result.unschedulable:
        out.append(style.bad(f"Would stay pending ({len(result.unschedulable)})"))
        rows = []
        for f in result.unschedulable:
            first = f.reasons[0] if f.reasons else None
            rows.append([f.pod, first.code if first else "",
                         first.message if first else ""])
            if wide:
                for r in f.reasons[1:]:
                    rows.append(["", r.code, r.message])
        out.append(table(["pod", "reason", "message"], rows, fit=not wide))
    if not (result.node_claims or result.existing or result.unschedulable):
        out.append("No pending pods to schedule.\n")
    per_hour = result.new_cost_per_hour
    if result.node_claims:
        if per_hour is None:
            out.append("Added cost: unknown (prices not in the catalogue)\n")
        else:
            illustrative = " (illustrative prices)" if ctx.illustrative_prices else ""
            out.append(f"Added cost: {format_money(per_hour, currency=ctx.currency)}/h, "
                       f"{money_month(per_hour, ctx.currency)}/month{illustrative}\n")
    return "\n".join(part.rstrip("\n") + "\n" for part in out if part)
