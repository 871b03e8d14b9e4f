"""An on-disk cache of live catalogues, so repeated commands do not call the cloud API.

One YAML file per provider, region, endpoint (and cluster) under
``$XDG_CACHE_HOME/kubectl-karp/catalogs`` (``~/.cache`` when unset), in the documented catalogue
format plus ``fetchedAt`` and ``notes``. A corrupt or foreign file is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from kubectl_karp.model.catalog import InstanceTypeCatalog
from kubectl_karp.model.parse import catalog_to_document, parse_catalog, parse_time

DEFAULT_TTL = timedelta(hours=12)
ENV_TTL = "KARP_CATALOG_TTL_SECONDS"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kubectl-karp" / "catalogs"


def ttl_from_env() -> timedelta:
    value = os.environ.get(ENV_TTL, "")
    return timedelta(seconds=int(value)) if value.isdigit() else DEFAULT_TTL


def cache_path(provider: str, region: str, endpoint: str = "", variant: str = "") -> Path:
    # The endpoint is part of the key: a private endpoint may answer differently; so is the
    # variant (e.g. the cluster whose settings decided max pods).
    key = f"{endpoint}\n{variant}" if variant else endpoint
    suffix = "-" + hashlib.sha256(key.encode()).hexdigest()[:10] if key else ""
    safe_region = "".join(c if c.isalnum() or c == "-" else "_" for c in region)
    return cache_root() / f"{provider}-{safe_region}{suffix}.yaml"


def read_cached(path: Path, *, now: datetime, ttl: timedelta) -> InstanceTypeCatalog | None:
    """The cached catalogue if present, readable and younger than ``ttl``."""
    try:
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        fetched = parse_time(doc.get("fetchedAt"))
        if fetched is None or now - fetched > ttl or fetched > now + timedelta(minutes=5):
            return None
        notes = doc.get("notes") or []
        return replace(parse_catalog(doc, f"cache {path.name}"),
                       notes=tuple(str(n) for n in notes))
    except Exception:  # any damage to a cache file just means "fetch again"
        return None


def _private_dirs(directory: Path) -> None:
    """Create the cache folders 0700 whatever the umask (the catalogue can name the
    account's quotas and cluster); folders of ours that exist already are tightened."""
    missing = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask, chmod's is not
    for folder in (directory, directory.parent):
        if folder.name in ("catalogs", "kubectl-karp") and folder.stat().st_uid == os.getuid():
            os.chmod(folder, 0o700)


def write_cached(path: Path, catalog: InstanceTypeCatalog, *, now: datetime) -> None:
    """Best effort: an unwritable cache directory must not fail the command."""
    doc = catalog_to_document(catalog, with_allocatable=False)
    doc["fetchedAt"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    if catalog.notes:
        doc["notes"] = list(catalog.notes)
    try:
        _private_dirs(path.parent)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         delete=False, suffix=".tmp") as tmp:
            yaml.safe_dump(doc, tmp, sort_keys=False)
        os.replace(tmp.name, path)
    except OSError:
        pass
