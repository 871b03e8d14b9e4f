"""Resolve which instance-type catalogues a command uses, then build the scheduling context.

Order (first that applies wins; documented in docs/catalog-format.md):
1. ``--catalog PATH`` files (repeatable; ``bundled:tke`` names the bundled catalogue);
2. catalogues inside the ``--snapshot`` file or directory;
3. ``--demo``: the bundled catalogue of the demo's provider (TKE);
4. a live cluster whose NodePools use a provider with a live catalogue (``catalog_loader``;
   TKE: the Tencent Cloud API, cached on disk): that catalogue for the region (--region, the
   provider's ``region_env``, else the nodes' labels); without credentials, the provider's
   bundled catalogue when it covers the region (illustrative prices), with a note saying so;
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
from kubectl_karp.providers import PROVIDERS, BaseProvider, provider_for_ref, provider_named
from kubectl_karp.providers.registry import DEFAULT_PROVIDER
from kubectl_karp.sources.demo import DEMO_PROVIDER, DEMO_REGION

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.options import ClusterOptions

BUNDLED_PACKAGE = "kubectl_karp.data"
BUNDLED_DIR = "catalogs"
BUNDLED_PREFIX = "bundled:"


@dataclass(frozen=True)
class CatalogChoice:
    catalogs: tuple[InstanceTypeCatalog, ...] = ()
    source: str | None = None  # None: let build_context describe them
    notes: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- loading

def bundled_catalogs(provider: str = DEFAULT_PROVIDER.name, region: str | None = None
                     ) -> tuple[InstanceTypeCatalog, ...]:
    """The catalogues shipped with kubectl-karp; one region's when ``region`` is bundled."""
    from kubectl_karp.sources.packaged import package_documents

    entry = resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_DIR).joinpath(f"{provider}.yaml")
    if not entry.is_file():
        raise InputError(f"there is no bundled catalogue for provider {provider!r} "
                         "(bundled: tke)")
    docs = package_documents(f"{BUNDLED_DIR}/{provider}.yaml", f"bundled:{provider}")
    snap = build_snapshot(docs, source=f"bundled:{provider}")
    catalogs = tuple(replace(c, origin=f"bundled:{provider}") for c in snap.catalogs)
    if region:
        mine = tuple(c for c in catalogs if c.region == region)
        return mine or catalogs
    return catalogs


def bundled_source(catalogs: Sequence[InstanceTypeCatalog],
                   provider: BaseProvider = DEFAULT_PROVIDER) -> str:
    """How the bundled catalogue is named to users: a subset, with its families, and
    illustrative prices."""
    families = dict.fromkeys(provider.family_of(it.name) for c in catalogs
                             for it in c.instance_types)
    return (f"bundled {provider.title} catalogue (a subset: families {', '.join(families)}; "
            "illustrative prices)")


def bundled_region(region: str, provider: str = DEFAULT_PROVIDER.name
                   ) -> tuple[InstanceTypeCatalog, ...]:
    """The bundled catalogue of exactly ``region``; an error names the regions there are."""
    owner = provider_named(provider)
    region = owner.normalize_region(region) if owner else region
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
            out.extend(bundled_catalogs(path[len(BUNDLED_PREFIX):] or DEFAULT_PROVIDER.name))
            continue
        docs = [(d, o) for d, o in read_documents([path])
                if isinstance(d, dict) and d.get("kind") == "InstanceTypeCatalog"]
        if not docs:
            raise InputError(f"{path}: holds no kind: InstanceTypeCatalog document (see "
                             "docs/catalog-format.md)")
        out.extend(build_snapshot(docs, source=path).catalogs)
    return tuple(out)


def cluster_region(snapshot: ClusterSnapshot, provider: BaseProvider = DEFAULT_PROVIDER
                   ) -> str | None:
    """The region the nodes say they are in (region label, else the zone), as ``provider``
    spells it."""
    for node in snapshot.nodes:
        value = node.labels.get(LABEL_REGION)
        if value:
            return provider.normalize_region(value)
    for node in snapshot.nodes:
        zone = node.labels.get(LABEL_ZONE)
        region = provider.region_of_zone(zone) if zone else None
        if region:
            return region
    return None


def resolve_region(opts: ClusterOptions, snapshot: ClusterSnapshot,
                   provider: BaseProvider = DEFAULT_PROVIDER) -> str | None:
    """--region, else the provider's region variable, else the region of the nodes."""
    from_env = os.environ.get(provider.region_env) if provider.region_env else None
    return opts.region or from_env or cluster_region(snapshot, provider)


def live_providers(snapshot: ClusterSnapshot) -> tuple[BaseProvider, ...]:
    """The providers the NodePools use that have a live catalogue, in the registry's order."""
    used = {p.name for np in snapshot.node_pools
            if (p := provider_for_ref(np.node_class_ref)) is not None}
    return tuple(p for p in PROVIDERS.values() if p.name in used and p.catalog_loader)


def _live_loader(provider: BaseProvider) -> Callable[..., InstanceTypeCatalog]:
    assert provider.catalog_loader
    module_name, _, func = provider.catalog_loader.partition(":")
    loader: Callable[..., InstanceTypeCatalog] = getattr(importlib.import_module(module_name),
                                                        func)
    return loader


def _bundled_for(provider: BaseProvider, region: str) -> tuple[InstanceTypeCatalog, ...]:
    """The bundled catalogue of exactly ``region`` (none when nothing is bundled for it)."""
    if not resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_DIR).joinpath(
            f"{provider.name}.yaml").is_file():
        return ()
    return tuple(c for c in bundled_catalogs(provider.name) if c.region == region)


def live_catalog(opts: ClusterOptions, snapshot: ClusterSnapshot, provider: BaseProvider
                 ) -> CatalogChoice:
    """``provider``'s live catalogue for the snapshot's region; without credentials, its
    bundled one when that covers the region (illustrative prices), with a note saying so."""
    region = resolve_region(opts, snapshot, provider)
    title = provider.title
    if not region:
        where = f"--region or {provider.region_env}" if provider.region_env else "--region"
        return CatalogChoice(notes=(
            f"no region for the live {title} catalogue (use {where}): "
            "instance types are inferred from the nodes",))
    try:
        live = _live_loader(provider)(
            region, refresh=opts.refresh,
            hints=provider.catalogue_hints(snapshot.nodes, snapshot.node_classes))
    except CloudError as err:
        if not getattr(err, "no_credentials", False):
            raise
        bundled = _bundled_for(provider, region)
        if not bundled:
            return CatalogChoice(notes=(f"{err}; instance types are inferred from the nodes",))
        return CatalogChoice(bundled, bundled_source(bundled, provider), notes=(
            f"{err}; using the bundled {title} catalogue for {region} (illustrative prices)",))
    return CatalogChoice((live,), live.source or f"{provider.cloud or title} API {region}",
                         notes=live.notes)


def choose_catalogs(opts: ClusterOptions, snapshot: ClusterSnapshot, *,
                    force_live: bool = False) -> CatalogChoice:
    """The catalogues to use (see the module docstring); ``force_live`` asks the default
    provider's API even without a cluster (``kubectl karp catalog --region R``)."""
    if opts.catalogs:
        catalogs = read_catalog_files(opts.catalogs)
        return CatalogChoice(catalogs, None)
    if snapshot.catalogs:
        return CatalogChoice(snapshot.catalogs, None)
    if opts.demo:  # the demo cluster lives in its own region, whatever the environment says
        demo = provider_named(DEMO_PROVIDER) or DEFAULT_PROVIDER
        bundled = bundled_catalogs(demo.name, cluster_region(snapshot, demo) or DEMO_REGION)
        return CatalogChoice(bundled, bundled_source(bundled, demo))
    if force_live:
        providers: tuple[BaseProvider, ...] = (DEFAULT_PROVIDER,)
    elif opts.offline:
        return CatalogChoice()
    else:
        providers = live_providers(snapshot)
    choices = [live_catalog(opts, snapshot, p) for p in providers]
    if len(choices) == 1:
        return choices[0]
    sources = [c.source for c in choices if c.catalogs and c.source]
    return CatalogChoice(tuple(it for c in choices for it in c.catalogs),
                         "; ".join(sources) or None,
                         notes=tuple(n for c in choices for n in c.notes))


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
