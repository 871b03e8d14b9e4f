"""The live source's object store: snapshots from list + watch events, parsed once."""

from __future__ import annotations

from typing import Any

from kubectl_karp.sources.live import CORE_LISTS
from kubectl_karp.sources.watch import ObjectStore

NODES = next(s for s in CORE_LISTS if s.kind == "Node")
PODS = next(s for s in CORE_LISTS if s.kind == "Pod")


def node(name: str, rv: str, cpu: str = "2") -> dict[str, Any]:
    return {"metadata": {"name": name, "resourceVersion": rv},
            "status": {"allocatable": {"cpu": cpu}}}


def pod(name: str, node_name: str = "") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default", "resourceVersion": "1"},
            "spec": {"nodeName": node_name, "containers": [{"name": "c", "image": "x"}]}}


def test_list_then_events_make_snapshots() -> None:
    store = ObjectStore([NODES, PODS], "context test")
    store.replace(NODES, [node("a", "1"), node("b", "1")])
    store.replace(PODS, [pod("p1", "a"), pod("p2")])
    snap = store.snapshot()
    assert [n.name for n in snap.nodes] == ["a", "b"]
    assert [p.key for p in snap.pending_pods] == ["default/p2"]
    assert snap.source == "context test"
    assert all(d["apiVersion"] == "v1" for d in snap.documents)

    version = store.version
    store.apply(NODES, "ADDED", node("a", "1"))  # a replayed ADDED changes nothing
    assert store.version == version
    store.apply(NODES, "MODIFIED", node("b", "2", cpu="4"))
    store.apply(NODES, "ADDED", node("c", "3"))
    store.apply(PODS, "DELETED", pod("p2"))
    assert store.version == version + 3
    snap2 = store.snapshot()
    assert [(n.name, n.allocatable["cpu"]) for n in snap2.nodes] == \
        [("a", 2000), ("b", 4000), ("c", 2000)]
    assert snap2.pending_pods == ()
    # Unchanged objects are the very same parsed objects: only changes are parsed again.
    assert snap2.nodes[0] is snap.nodes[0]


def test_relist_drops_what_vanished_and_keeps_unchanged_objects() -> None:
    store = ObjectStore([NODES], "x")
    store.replace(NODES, [node("a", "1"), node("b", "1")])
    first = store.snapshot()
    store.replace(NODES, [node("a", "1")])
    second = store.snapshot()
    assert [n.name for n in second.nodes] == ["a"]
    assert second.nodes[0] is first.nodes[0]


def test_a_malformed_object_is_skipped_with_a_note() -> None:
    store = ObjectStore([NODES], "x")
    store.replace(NODES, [node("a", "1"), node("bad", "1", cpu="lots")])
    snap = store.snapshot()
    assert [n.name for n in snap.nodes] == ["a"]
    assert len(snap.notes) == 1 and "bad" in snap.notes[0]


def test_equal_parts_of_documents_are_stored_once() -> None:
    # Issue 20: 50,000 pods' tolerations, volumes and probes are the same few structures;
    # the store keeps one of each, and every document still reads exactly as it came.
    store = ObjectStore([PODS], "x")
    docs = [pod("p1", "a"), pod("p2", "a")]
    for doc in docs:
        doc["spec"]["tolerations"] = [{"key": "k", "operator": "Exists"}]
    docs[1]["metadata"]["labels"] = {"flag": True, "count": 1}
    docs[0]["metadata"]["labels"] = {"flag": 1, "count": True}
    store.replace(PODS, [dict(d) for d in docs])
    snap = store.snapshot()
    first, second = (d for d in snap.documents if d["kind"] == "Pod")
    assert first["spec"]["tolerations"] is second["spec"]["tolerations"]
    assert first["spec"]["containers"] is second["spec"]["containers"]
    # True and 1 are equal in Python but not in YAML: never one for the other.
    assert first["metadata"]["labels"] == {"flag": 1, "count": True}
    assert type(first["metadata"]["labels"]["flag"]) is int
    assert type(second["metadata"]["labels"]["flag"]) is bool
    assert first["metadata"]["labels"] is not second["metadata"]["labels"]
    assert list(snap.documents) == [{"apiVersion": "v1", "kind": "Pod", **d} for d in docs]
    assert [p.name for p in snap.pods] == ["p1", "p2"]
    # A watch event is shared with what is stored already.
    store.apply(PODS, "ADDED", {**pod("p3"), "spec": {**pod("p3")["spec"], "tolerations":
                                                      [{"key": "k", "operator": "Exists"}]}})
    third = next(d for d in store.snapshot().documents if d["metadata"]["name"] == "p3")
    assert third["spec"]["tolerations"] is first["spec"]["tolerations"]
