"""``catalog``'s output: the instance-type table and the catalogue documents (-o yaml is
the --catalog file format, so a listed catalogue can be saved and reused)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import IO

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.diagnosis.text import amount
from kubectl_karp.core.nodepools.offered import OfferedType
from kubectl_karp.model.catalog import InstanceTypeCatalog, Offering
from kubectl_karp.model.objects import LABEL_ARCH
from kubectl_karp.model.parse import catalog_to_document
from kubectl_karp.model.prices import format_money
from kubectl_karp.model.quantity import format_cpu
from kubectl_karp.render.output import Style, emit_document, table, to_yaml

# One row per listed type: the core's OfferedType (offerings, exclusion, limits it exceeds).
Row = OfferedType


def over_limits_text(row: Row) -> str:
    """``cpu 16 > limits.cpu 10``: the NodePool limits one node of this type alone exceeds."""
    return ", ".join(f"{name} {amount(name, have)} > limits.{name} {amount(name, limit)}"
                     for name, have, limit in row.over_limits)


def _gib(milli: int) -> str:
    value = milli / 1000 / 2**30
    return f"{value:.0f}Gi" if milli % (2**30 * 1000) == 0 else f"{value:.2f}Gi"


def _price(offerings: Sequence[Offering], ctype: str) -> float | None:
    prices = [o.price_per_hour for o in offerings
              if o.capacity_type == ctype and o.price_per_hour is not None]
    return min(prices) if prices else None


def _zones(ctx: SchedulingContext, offerings: Sequence[Offering]) -> str:
    zones = sorted({o.zone for o in offerings})
    return ",".join(ctx.zone_names.get(z, z) for z in zones) or "-"


def render_table(ctx: SchedulingContext, rows: Sequence[Row], *, wide: bool, nodepool: str | None,
           style: Style) -> str:
    mark = "*" if ctx.illustrative_prices else ""
    headers = ["name", "cpu", "memory", "alloc-cpu", "alloc-memory", "pods", "zones",
               "capacity-types", f"on-demand/h{mark}", f"spot/h{mark}"]
    if wide:
        headers[1:1] = ["provider", "family", "arch"]
        if nodepool:
            headers.append("excluded-because")
    out = []
    for row in rows:
        if row.excluded and not wide:
            continue
        it = row.it
        family = next((v for k, v in it.labels.items() if k.endswith("/instance-family")), "-")
        ctypes = ",".join(sorted({o.capacity_type for o in row.offerings})) or "-"
        name = it.name + ("!" if row.over_limits else "")
        cells: list[str] = [
            style.dim(name) if row.excluded or row.over_limits else name,
            format_cpu(it.capacity.get("cpu", 0)), _gib(it.capacity.get("memory", 0)),
            format_cpu(it.allocatable.get("cpu", 0)), _gib(it.allocatable.get("memory", 0)),
            str(it.allocatable.get("pods", it.capacity.get("pods", 0)) // 1000),
            _zones(ctx, row.offerings), ctypes,
            format_money(_price(row.offerings, "on-demand"), currency=ctx.currency),
            format_money(_price(row.offerings, "spot"), currency=ctx.currency)]
        if wide:
            cells[1:1] = [row.provider, family, it.labels.get(LABEL_ARCH, "-")]
            if nodepool:
                cells.append(row.excluded or (f"never launches: {over_limits_text(row)}"
                                              if row.over_limits else "-"))
        out.append(cells)
    if wide:
        return table(headers, out, fit=False)
    # Names and prices never shrink; when the headers alone overflow the terminal, the
    # allocatable columns, capacity types and pod count go first (all in -o wide).
    return table(headers, out, keep=(0, 8, 9), drop=(4, 3, 7, 5))


def documents(ctx: SchedulingContext, catalogs: Sequence[InstanceTypeCatalog],
               rows: Sequence[Row], *, filtered: bool) -> list[dict[str, object]]:
    """Catalogue documents (the --catalog file format), narrowed to the rows shown."""
    allowed = {(r.provider, r.it.name): r for r in rows if not r.excluded}
    docs = []
    for catalog in catalogs:
        types = []
        for it in catalog.instance_types:
            row = allowed.get((catalog.provider, it.name))
            if row is None:
                continue
            types.append(replace(it, offerings=row.offerings) if filtered else it)
        if types:
            docs.append(catalog_to_document(replace(catalog, instance_types=tuple(types))))
    if not docs and rows and ctx.node_pools:  # --nodepool: its types live in the context
        provider = rows[0].provider
        types = [replace(r.it, offerings=r.offerings) for r in rows if not r.excluded]
        docs.append(catalog_to_document(InstanceTypeCatalog(
            provider=provider, source=ctx.catalog_source, instance_types=tuple(types),
            illustrative_prices=ctx.illustrative_prices, currency=ctx.currency)))
    return docs or [catalog_to_document(InstanceTypeCatalog(provider=catalogs[0].provider
                                                            if catalogs else "generic"))]


def emit_catalogs(docs: Sequence[dict[str, object]], fmt: str,
                  stream: IO[str] | None = None) -> None:
    """YAML: one document per catalogue (``---`` between); JSON: the one catalogue, or a
    ``List`` of them."""
    out = stream or sys.stdout
    if fmt == "yaml":
        out.write("---\n".join(to_yaml(d) for d in docs))
    else:
        emit_document(docs[0] if len(docs) == 1 else {"kind": "List", "items": list(docs)},
                      "json", out)
