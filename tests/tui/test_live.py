"""The live source against the API emulator: rows follow objects as they come and go,
and the header says "reconnecting" while the server is away."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client
from textual.widgets import Static

from kubectl_karp.sources.kubeconfig import api_client
from kubectl_karp.tui.app import KarpApp, create_app
from kubectl_karp.tui.sources import LiveSource
from tests.emulator import KubeEmulator

from .conftest import FIXTURES, fixed_clock

SIZE = (160, 50)


def fixture_docs() -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all((FIXTURES / "cluster.yaml").read_text()) if d]
    return [d for d in docs if d.get("kind") != "InstanceTypeCatalog"]


async def wait_for(pilot: Any, predicate: Any, timeout: float = 30.0) -> bool:
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return True
        await pilot.pause(0.1)
    return bool(predicate())


def keys(app: KarpApp, view: str) -> set[str]:
    """Keys on screen for the visible view, else the row models it will show."""
    if view == app.current:
        return set(app.table(view).shown)
    return {row.key for row in app.rows[view]}


def header(app: KarpApp) -> str:
    return str(app.query_one("#header", Static).render())


async def test_live_view_follows_adds_deletes_and_outages(tmp_path: Path) -> None:
    with KubeEmulator(tmp_path) as k8s:
        k8s.add_all(fixture_docs())
        source = LiveSource(k8s.options(request_timeout=2.0), interval=0.1)
        app = create_app(source, clock=fixed_clock, age_refresh=0)
        async with app.run_test(size=SIZE) as pilot:
            assert await wait_for(pilot, lambda: "node/10.0.0.9" in keys(app, "nodes"))
            assert "default-klmno" in keys(app, "nodeclaims")
            assert "connected" in header(app)

            # Add a node and a NodeClaim through the real client, then delete them.
            api = api_client(k8s.options())
            core = client.CoreV1Api(api)
            custom = client.CustomObjectsApi(api)
            node = copy.deepcopy(next(d for d in fixture_docs() if d["kind"] == "Node"))
            node["metadata"] = {"name": "10.0.0.77", "labels": node["metadata"]["labels"],
                                "creationTimestamp": "2026-11-23T11:00:00Z"}
            node["spec"] = {"providerID": "qcloud:///100003/ins-77"}
            core.create_node(node)
            claim = {"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
                     "metadata": {"name": "default-new01",
                                  "labels": {"karpenter.sh/nodepool": "default"}},
                     "spec": {"nodeClassRef": {"group": "karpenter.k8s.tke",
                                               "kind": "TKEMachineNodeClass",
                                               "name": "default"}}}
            custom.create_cluster_custom_object("karpenter.sh", "v1", "nodeclaims", claim)
            assert await wait_for(pilot, lambda: "node/10.0.0.77" in keys(app, "nodes")
                                  and "nodeclaim/default-new01" in keys(app, "nodes"))
            assert "default-new01" in keys(app, "nodeclaims")

            core.delete_node("10.0.0.77")
            custom.delete_cluster_custom_object("karpenter.sh", "v1", "nodeclaims",
                                                "default-new01")
            assert await wait_for(pilot, lambda: "node/10.0.0.77" not in keys(app, "nodes")
                                  and "default-new01" not in keys(app, "nodeclaims"))

            # The server goes away: the last data stays, the header says so.
            k8s.stop()
            assert await wait_for(pilot, lambda: "reconnecting" in header(app), 20)
            assert "node/10.0.0.9" in keys(app, "nodes")

            # It comes back (with a new node meanwhile): data flows again.
            k8s.add(dict(node, metadata={**node["metadata"], "name": "10.0.0.88"}))
            k8s.start()
            assert await wait_for(pilot, lambda: "node/10.0.0.88" in keys(app, "nodes"), 40)
            assert await wait_for(pilot, lambda: "reconnecting" not in header(app), 20)
            api.close()
        # Read-only: the TUI itself wrote nothing (the test's own POST/DELETE only).
        writes = [r for r in k8s.writes()]
        assert all(r.method in ("POST", "DELETE") for r in writes) and len(writes) == 4


async def test_watch_relists_on_410_gone(tmp_path: Path) -> None:
    with KubeEmulator(tmp_path) as k8s:
        k8s.add_all(fixture_docs())
        # The first watch of nodes is answered "410 Gone": the source must list again.
        k8s.fail("/api/v1/nodes", 410, "too old resource version",
                 when=lambda params: params.get("watch") == "true", times=1)
        source = LiveSource(k8s.options(request_timeout=2.0), interval=0.1)
        app = create_app(source, clock=fixed_clock, age_refresh=0)
        async with app.run_test(size=SIZE) as pilot:
            assert await wait_for(pilot, lambda: "node/10.0.0.9" in keys(app, "nodes"))
            assert await wait_for(pilot, lambda: len(k8s.lists("/api/v1/nodes")) >= 2)
            client.CoreV1Api(api_client(k8s.options())).delete_node("10.0.0.2")
            assert await wait_for(pilot, lambda: "node/10.0.0.2" not in keys(app, "nodes"))
            assert "reconnecting" not in header(app)


def test_cli_fails_with_one_line_when_the_cluster_is_unreachable(
        tmp_path: Path, capsys: Any) -> None:
    from kubectl_karp.cli.app import run

    with KubeEmulator(tmp_path) as k8s:
        args = ["tui", *k8s.cli_args, "--request-timeout", "2s"]
        k8s.stop()
        assert run(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "127.0.0.1" in err


async def test_live_tui_lists_in_pages_reads_no_secrets_and_shows_the_stores_yaml(
        tmp_path: Path) -> None:
    # The list+watch loop (sources/watch) stays read-only, pages its lists (so 50,000 pods
    # are never decoded at once) and is where `y` reads a live object's document from.
    with KubeEmulator(tmp_path) as k8s:
        k8s.add_all(fixture_docs())
        k8s.add({"apiVersion": "v1", "kind": "Secret",
                 "metadata": {"name": "s", "namespace": "shop"}, "data": {"k": "dg=="}})
        source = LiveSource(k8s.options(request_timeout=2.0), interval=0.1)
        app = create_app(source, clock=fixed_clock, age_refresh=0)
        async with app.run_test(size=SIZE) as pilot:
            assert await wait_for(pilot, lambda: "node/10.0.0.1" in keys(app, "nodes"))
            app.table("nodes").move_cursor(row=app.table("nodes").get_row_index(
                "node/10.0.0.1"))
            await pilot.press("y")
            body = str(app.query_one("#describe-body", Static).render())
            assert "kind: Node" in body and "name: 10.0.0.1" in body
            assert "managedFields" not in body
            assert app.ctx is not None
            doc = next(d for d in app.ctx.snapshot.documents
                       if d.get("kind") == "Node" and d["metadata"]["name"] == "10.0.0.1")
            watcher = source._watcher
            assert watcher is not None
            stored = [e.doc for c in watcher.store._collections.values()
                      for e in c.entries.values()]
            assert any(d is doc for d in stored)  # the store's document, not a copy
        assert k8s.writes() == []
        assert not any("secrets" in r.path for r in k8s.requests)
        for path in ("/api/v1/nodes", "/api/v1/pods"):
            listed = [r for r in k8s.lists(path) if r.params.get("watch") != "true"
                      and r.params.get("limit") != "1"]
            assert listed and all(r.params.get("limit") == "500" for r in listed), path
