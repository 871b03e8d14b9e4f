"""Resolve which instance-type catalogues a command uses, then build the scheduling context.

Order (first that applies wins; documented in docs/catalog-format.md):
1. ``--catalog PATH`` files (repeatable; ``bundled:tke`` names the bundled catalogue);
2. catalogues inside the ``--snapshot`` file or directory;
3. ``--demo``: the bundled TKE catalogue;
4. a live cluster whose NodePools use TKE: the Tencent Cloud API (cached on disk); without
   credentials, the bundled catalogue when it covers the region (illustrative prices), with a
   note saying so;
5. otherwise instance types inferred from the cluster's nodes (prices unknown).
Saved snapshots never trigger cloud API calls: pass ``--catalog`` to price them.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import TYPE_CHECKING

from kubectl_karp.core.context import SchedulingContext, build_context, snapshot_rules
from kubectl_karp.core.releases import SOURCE_FLAG, KarpenterRules, resolve_rules
from kubectl_karp.errors import CloudError, InputError
from kubectl_karp.model.catalog import InstanceTypeCatalog
from kubectl_karp.model.objects import LABEL_REGION, LABEL_ZONE
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers import provider_for_ref, provider_named
from kubectl_karp.providers.tke import cluster_hints, normalize_region, region_of_zone

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.options import ClusterOptions

BUNDLED_PACKAGE = "kubectl_karp.data"
BUNDLED_DIR = "catalogs"
BUNDLED_PREFIX = "bundled:"
ENV_REGION = "TENCENTCLOUD_REGION"


@dataclass(frozen=True)
class CatalogChoice:
    catalogs: tuple[InstanceTypeCatalog, ...] = ()
    source: str | None = None  # None: let build_context describe them
    notes: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- loading

def bundled_catalogs(provider: str = "tke", region: str | None = None
                     ) -> tuple[InstanceTypeCatalog, ...]:
    """The catalogues shipped with kubectl-karp; one region's when ``region`` is bundled."""
    from kubectl_karp.sources.files import parse_text

    entry = resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_DIR).joinpath(f"{provider}.yaml")
    if not entry.is_file():
        raise InputError(f"there is no bundled catalogue for provider {provider!r} "
                         "(bundled: tke)")
    docs = parse_text(entry.read_text(encoding="utf-8"), f"bundled:{provider}")
    snap = build_snapshot(docs, source=f"bundled:{provider}")
    catalogs = tuple(replace(c, origin=f"bundled:{provider}") for c in snap.catalogs)
    if region:
        mine = tuple(c for c in catalogs if c.region == region)
        return mine or catalogs
    return catalogs


def bundled_source(catalogs: Sequence[InstanceTypeCatalog]) -> str:
    """How the bundled catalogue is named to users: a subset, with its families, and
    illustrative prices."""
    families = dict.fromkeys(it.name.split(".", 1)[0] for c in catalogs
                             for it in c.instance_types)
    return (f"bundled TKE catalogue (a subset: families {', '.join(families)}; illustrative "
            "prices)")


def bundled_region(region: str, provider: str = "tke") -> tuple[InstanceTypeCatalog, ...]:
    """The bundled catalogue of exactly ``region``; an error names the regions there are."""
    region = normalize_region(region)
    bundled = bundled_catalogs(provider)
    mine = tuple(c for c in bundled if c.region == region)
    if not mine:
        have = ", ".join(sorted({c.region for c in bundled if c.region}))
        raise InputError(f"the bundled {provider.upper()} catalogue has no region {region} "
                         f"(regions: {have})")
    return mine


def read_catalog_files(paths: Sequence[str]) -> tuple[InstanceTypeCatalog, ...]:
    from kubectl_karp.sources.files import read_documents

    out: list[InstanceTypeCatalog] = []
    for path in paths:
        if path.startswith(BUNDLED_PREFIX) or path == "bundled":
            out.extend(bundled_catalogs(path[len(BUNDLED_PREFIX):] or "tke"))
            continue
        docs = [(d, o) for d, o in read_documents([path])
                if isinstance(d, dict) and d.get("kind") == "InstanceTypeCatalog"]
        if not docs:
            raise InputError(f"{path}: holds no kind: InstanceTypeCatalog document (see "
                             "docs/catalog-format.md)")
        out.extend(build_snapshot(docs, source=path).catalogs)
    return tuple(out)


def cluster_region(snapshot: ClusterSnapshot) -> str | None:
    """The TKE region the nodes say they are in (region label, else the zone ID)."""
    for node in snapshot.nodes:
        value = node.labels.get(LABEL_REGION)
        if value:
            return normalize_region(value)
    for node in snapshot.nodes:
        zone = node.labels.get(LABEL_ZONE)
        region = region_of_zone(zone) if zone else None
        if region:
            return region
    return None


def resolve_region(opts: ClusterOptions, snapshot: ClusterSnapshot) -> str | None:
    return opts.region or os.environ.get(ENV_REGION) or cluster_region(snapshot)


def _uses_tke(snapshot: ClusterSnapshot) -> bool:
    return any((p := provider_for_ref(np.node_class_ref)) is not None and p.name == "tke"
               for np in snapshot.node_pools)


def _live_loader() -> Callable[..., InstanceTypeCatalog]:
    provider = provider_named("tke")
    assert provider is not None and provider.catalog_loader
    module_name, _, func = provider.catalog_loader.partition(":")
    loader: Callable[..., InstanceTypeCatalog] = getattr(importlib.import_module(module_name),
                                                        func)
    return loader


def choose_catalogs(opts: ClusterOptions, snapshot: ClusterSnapshot, *,
                    force_live: bool = False) -> CatalogChoice:
    """The catalogues to use (see the module docstring); ``force_live`` asks the TKE API even
    without a cluster (``kubectl karp catalog --region R``)."""
    if opts.catalogs:
        catalogs = read_catalog_files(opts.catalogs)
        return CatalogChoice(catalogs, None)
    if snapshot.catalogs:
        return CatalogChoice(snapshot.catalogs, None)
    if opts.demo:  # the demo cluster lives in its own region, whatever the environment says
        bundled = bundled_catalogs("tke", cluster_region(snapshot) or "ap-guangzhou")
        return CatalogChoice(bundled, bundled_source(bundled))
    region = resolve_region(opts, snapshot)
    if not force_live and (opts.offline or not _uses_tke(snapshot)):
        return CatalogChoice()
    if not region:
        return CatalogChoice(notes=(
            "no region for the live TKE catalogue (use --region or TENCENTCLOUD_REGION): "
            "instance types are inferred from the nodes",))
    try:
        live = _live_loader()(region, refresh=opts.refresh,
                              hints=cluster_hints(snapshot.nodes, snapshot.node_classes))
    except CloudError as err:
        if not getattr(err, "no_credentials", False):
            raise
        bundled = tuple(c for c in bundled_catalogs("tke") if c.region == region)
        if not bundled:
            return CatalogChoice(notes=(f"{err}; instance types are inferred from the nodes",))
        return CatalogChoice(bundled, bundled_source(bundled), notes=(
            f"{err}; using the bundled TKE catalogue for {region} (illustrative prices)",))
    return CatalogChoice((live,), live.source or f"Tencent Cloud API {region}",
                         notes=live.notes)


def _what_if_objects(paths: Sequence[str]) -> ClusterSnapshot:
    from kubectl_karp.sources.files import read_documents

    return build_snapshot(read_documents(paths), source="--what-if")


def load_context(opts: ClusterOptions, snapshot: ClusterSnapshot | None = None, *,
                 what_if: Sequence[str] = ()) -> SchedulingContext:
    """The snapshot (loaded when not given), its catalogues and any --what-if objects."""
    if snapshot is None:
        from kubectl_karp.sources import load_snapshot

        snapshot = load_snapshot(opts)
    extra = _what_if_objects(what_if) if what_if else None
    choice = choose_catalogs(opts, snapshot)
    # What reading the input skipped (unknown kinds, pre-v1 Karpenter objects, an empty
    # file) travels with the context, so every command that shows ctx.notes says so.
    notes = (*snapshot.notes, *(extra.notes if extra else ()), *choice.notes)
    return build_context(
        snapshot, choice.catalogs,
        extra_node_pools=extra.node_pools if extra else (),
        extra_node_classes=extra.node_classes if extra else (),
        notes=tuple(dict.fromkeys(notes)), catalog_source=choice.source,
        rules=options_rules(opts, snapshot))


def options_rules(opts: ClusterOptions, snapshot: ClusterSnapshot) -> KarpenterRules:
    """--karpenter-version over what the snapshot's source found, over the default."""
    if opts.karpenter_version:
        return resolve_rules(opts.karpenter_version, SOURCE_FLAG)
    return snapshot_rules(snapshot)
