"""The embedded demo cluster: the TKE scenario of the seed solution plus surroundings.

Shipped as YAML package data (kubectl_karp/data/demo/), decoded ahead of time into
data/compiled.json (sources/packaged.py), and modelled by the same parser users' saved
snapshots go through.
"""

from __future__ import annotations

from importlib import resources

from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.sources.packaged import package_documents

DEMO_PACKAGE = "kubectl_karp.data"
DEMO_DIR = "demo"
# The demo cluster is a TKE one: its provider's bundled catalogue prices it, in its region
# (the nodes' labels say so; this is the fallback).
DEMO_PROVIDER = "tke"
DEMO_REGION = "ap-guangzhou"


def demo_documents() -> list[tuple[object, str]]:
    folder = resources.files(DEMO_PACKAGE).joinpath(DEMO_DIR)
    docs: list[tuple[object, str]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            docs.extend(package_documents(f"{DEMO_DIR}/{entry.name}", f"demo/{entry.name}"))
    return docs


def load_demo() -> ClusterSnapshot:
    return build_snapshot(demo_documents(), source="demo (embedded TKE cluster)")
