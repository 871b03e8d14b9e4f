"""``kind: InstanceTypeCatalog`` documents, read and written back."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.parse.fields import (
    _labels,
    _list,
    _map,
    _str,
    parse_resources,
)


def parse_catalog(doc: Mapping[str, Any], where: str) -> InstanceTypeCatalog:
    """A ``kind: InstanceTypeCatalog`` document (format documented in README).

    Labels and allocatable may be absent here; the provider completes them
    (``kubectl_karp.providers.complete_catalog``).
    """
    provider = _str(doc.get("provider"), f"{where}.provider", "generic") or "generic"
    if provider not in ("tke", "aws", "alibaba", "huawei", "generic"):
        raise InputError(f"unknown provider {provider!r} (allowed: tke, aws, alibaba, huawei, "
                         "generic)", where=f"{where}.provider")
    types = []
    seen: set[str] = set()
    for i, item in enumerate(_list(doc.get("instanceTypes"), f"{where}.instanceTypes")):
        entry = _map(item, f"{where}.instanceTypes[{i}]")
        name = _str(entry.get("name"), f"{where}.instanceTypes[{i}].name")
        at = f"{where} instance type {name or i}"
        if not name:
            raise InputError("instance type has no name", where=f"{at}.name")
        if name in seen:
            raise InputError(f"instance type {name} is listed twice", where=f"{at}.name")
        seen.add(name)
        capacity = parse_resources(entry.get("capacity"), f"{at}.capacity")
        for required in ("cpu", "memory"):
            if required not in capacity:
                raise InputError(f"capacity.{required} is required", where=f"{at}.capacity")
        offerings = []
        for j, raw in enumerate(_list(entry.get("offerings"), f"{at}.offerings")):
            oat = f"{at}.offerings[{j}]"
            off = _map(raw, oat)
            ctype = _str(off.get("capacityType"), f"{oat}.capacityType", "on-demand")
            if ctype not in ("on-demand", "spot", "reserved"):
                raise InputError(f"unknown capacityType {ctype!r} (allowed: on-demand, spot, "
                                 "reserved)", where=f"{oat}.capacityType")
            price = off.get("pricePerHour")
            # NaN and infinities would end up as invalid JSON (NaN) in -o json.
            if price is not None and (isinstance(price, bool)
                                      or not isinstance(price, int | float) or price < 0
                                      or not math.isfinite(price)):
                raise InputError(f"pricePerHour must be a non-negative number, got {price!r}",
                                 where=f"{oat}.pricePerHour")
            zone = _str(off.get("zone"), f"{oat}.zone")
            zone_name = _str(off.get("zoneName"), f"{oat}.zoneName")
            if not zone and not zone_name:
                raise InputError("offering needs zone or zoneName", where=oat)
            offerings.append(Offering(
                zone=zone or zone_name, capacity_type=ctype,
                price_per_hour=float(price) if price is not None else None,
                available=bool(off.get("available", True)), zone_name=zone_name,
                labels=tuple(sorted(_labels(off.get("labels"), f"{oat}.labels").items()))))
        absent = entry.get("absentLabels")
        if absent is not None and not (isinstance(absent, list)
                                       and all(isinstance(k, str) for k in absent)):
            raise InputError("absentLabels must be a list of label keys",
                             where=f"{at}.absentLabels")
        types.append(InstanceType(
            name=name,
            labels=_labels(entry.get("labels"), f"{at}.labels"),
            capacity=capacity,
            allocatable=parse_resources(entry.get("allocatable"), f"{at}.allocatable"),
            offerings=tuple(offerings), absent_labels=frozenset(absent or ())))
    return InstanceTypeCatalog(
        provider=provider,
        region=_str(doc.get("region"), f"{where}.region"),
        source=_str(doc.get("source"), f"{where}.source"),
        instance_types=tuple(types),
        illustrative_prices=bool(doc.get("illustrativePrices", False)),
        prices_known=any(o.price_per_hour is not None for t in types for o in t.offerings),
        origin=where,
        currency=_currency(doc.get("currency"), f"{where}.currency"),
    )


def _currency(value: Any, where: str) -> str:
    text = _str(value, where)
    if text and not re.fullmatch(r"[A-Z]{3}", text):
        raise InputError(f"currency must be a three-letter ISO 4217 code such as CNY or USD, "
                         f"got {text!r}", where=where)
    return text


def _exact_quantity(resource: str, milli: int) -> str:
    """A quantity string that parses back to exactly ``milli`` (catalogue round trips)."""
    if milli % 1000:
        return f"{milli}m"
    units = milli // 1000
    if resource in ("memory", "ephemeral-storage", "storage") and units % 1024 == 0:
        for suffix, factor in (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
            if units % factor == 0:
                return f"{units // factor}{suffix}"
    return str(units)


def catalog_to_document(catalog: InstanceTypeCatalog, *, with_allocatable: bool = True
                        ) -> dict[str, Any]:
    """The ``kind: InstanceTypeCatalog`` document ``parse_catalog`` reads back unchanged."""
    doc: dict[str, Any] = {"kind": "InstanceTypeCatalog", "provider": catalog.provider}
    if catalog.region:
        doc["region"] = catalog.region
    if catalog.source:
        doc["source"] = catalog.source
    if catalog.illustrative_prices:
        doc["illustrativePrices"] = True
    if catalog.currency:
        doc["currency"] = catalog.currency
    types = []
    for it in catalog.instance_types:
        entry: dict[str, Any] = {"name": it.name}
        if it.labels:
            entry["labels"] = dict(sorted(it.labels.items()))
        entry["capacity"] = {k: _exact_quantity(k, v) for k, v in it.capacity.items()}
        if with_allocatable and it.allocatable:
            entry["allocatable"] = {k: _exact_quantity(k, v) for k, v in it.allocatable.items()}
        offerings = []
        for off in it.offerings:
            item: dict[str, Any] = {"zone": off.zone}
            if off.zone_name:
                item["zoneName"] = off.zone_name
            item["capacityType"] = off.capacity_type
            if off.price_per_hour is not None:
                item["pricePerHour"] = off.price_per_hour
            item["available"] = off.available
            if off.labels:
                item["labels"] = dict(off.labels)
            offerings.append(item)
        entry["offerings"] = offerings
        if it.absent_labels:
            entry["absentLabels"] = sorted(it.absent_labels)
        types.append(entry)
    doc["instanceTypes"] = types
    return doc
