"""read_cluster / server_info through the real kubernetes client against the emulator."""

from __future__ import annotations

import pytest

from kubectl_karp.errors import ClusterError
from kubectl_karp.sources.live import read_cluster, server_info
from tests.builders.generated import (
    NO_VERSION_NOTE,
    big_cluster,
    node,
    node_pool,
    pod,
    small_cluster,
)
from tests.emulator import KubeEmulator


def test_reads_a_small_tke_cluster(k8s: KubeEmulator) -> None:
    k8s.add_all(small_cluster())
    snap = read_cluster(k8s.options())
    assert snap.source == "context emulator"
    assert snap.captured_at is not None and snap.captured_at.tzinfo is not None
    assert (len(snap.nodes), len(snap.node_pools), len(snap.node_claims),
            len(snap.node_classes), len(snap.pdbs)) == (3, 1, 3, 1, 1)
    # The Succeeded pod is filtered by the server, not read and dropped.
    assert sorted(p.name for p in snap.pods) == sorted(
        [f"web-{i}" for i in range(6)] + ["web-100", "web-101"])
    assert {p.name for p in snap.pending_pods} == {"web-100", "web-101"}
    assert snap.karpenter_apis == ("nodeclaims.karpenter.sh", "nodepools.karpenter.sh",
                                   "tkemachinenodeclasses.karpenter.k8s.tke")
    assert snap.namespaces == {"default": {"kubernetes.io/metadata.name": "default"}}
    assert snap.notes == (NO_VERSION_NOTE,)


def test_documents_are_cleaned_and_typed(k8s: KubeEmulator) -> None:
    k8s.add_all(small_cluster())
    snap = read_cluster(k8s.options())
    kinds = {(d["apiVersion"], d["kind"]) for d in snap.documents}
    assert ("v1", "Pod") in kinds and ("v1", "Node") in kinds  # added: list items lack them
    assert ("policy/v1", "PodDisruptionBudget") in kinds
    assert all("managedFields" not in d["metadata"] for d in snap.documents)
    namespace = next(d for d in snap.documents if d["kind"] == "Namespace")
    assert namespace == {"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"name": "default",
                                      "labels": {"kubernetes.io/metadata.name": "default"}}}
    assert not {"Secret", "ConfigMap"} & {d["kind"] for d in snap.documents}


def test_requests_are_paginated_filtered_read_only_and_never_touch_secrets(
        k8s: KubeEmulator) -> None:
    k8s.add_all(small_cluster())
    read_cluster(k8s.options())
    assert k8s.writes() == []
    paths = {r.path for r in k8s.requests}
    assert not any("secrets" in p or "configmaps" in p for p in paths)
    (pods_call,) = k8s.lists("/api/v1/pods")
    assert pods_call.params["fieldSelector"] == "status.phase!=Succeeded,status.phase!=Failed"
    lists = [r for r in k8s.requests if r.path.count("/") >= 3 and "limit" in r.params]
    assert lists and all(r.params["limit"] == "500" for r in lists)


def test_pagination_across_pages(k8s: KubeEmulator) -> None:
    k8s.add_all([node(0), node_pool(), *(pod(i, node_name="10.0.0.0") for i in range(1234))])
    snap = read_cluster(k8s.options())
    assert len(snap.pods) == 1234
    assert len({(p.namespace, p.name) for p in snap.pods}) == 1234
    calls = k8s.lists("/api/v1/pods")
    assert len(calls) == 3
    assert [("continue" in c.params) for c in calls] == [False, True, True]


def test_ten_thousand_pods(k8s: KubeEmulator) -> None:
    k8s.add_all(big_cluster(pods=10_000, nodes=200))
    snap = read_cluster(k8s.options(request_timeout=60))
    assert len(snap.pods) == 10_000 and len(snap.nodes) == 200
    assert len(k8s.lists("/api/v1/pods")) == 20
    assert sum(len(v) for v in snap.pods_by_node.values()) == 10_000


def test_karpenter_not_installed_is_said_plainly(k8s: KubeEmulator) -> None:
    k8s.add_all([node(0), pod(1, node_name="10.0.0.0")])
    with pytest.raises(ClusterError) as info:
        read_cluster(k8s.options())
    assert str(info.value) == ("Karpenter is not installed in context emulator: "
                               "no karpenter.sh NodePool CRD")
    snap = read_cluster(k8s.options(), require_karpenter=False)
    assert len(snap.nodes) == 1
    assert snap.notes == ("Karpenter is not installed in context emulator: "
                          "no karpenter.sh NodePool CRD",)


def test_empty_nodepool_crd_counts_as_installed(k8s: KubeEmulator) -> None:
    k8s.add(node(0))
    k8s.declare("karpenter.sh/v1", "NodePool")
    snap = read_cluster(k8s.options())
    assert snap.node_pools == () and snap.karpenter_apis == ("nodepools.karpenter.sh",)


def test_pre_v1_karpenter_is_named(k8s: KubeEmulator) -> None:
    k8s.add_all([node(0), {"apiVersion": "karpenter.sh/v1alpha5", "kind": "Provisioner",
                           "metadata": {"name": "default"}, "spec": {}}])
    with pytest.raises(ClusterError, match=r"Karpenter in context emulator is a pre-v1 release "
                                           r"\(karpenter.sh/v1alpha5 Provisioners only\)"):
        read_cluster(k8s.options())
    info = server_info(k8s.options())
    assert info["karpenterCRDs"] == {"provisioners.karpenter.sh": ["v1alpha5"]}
    assert "pre-v1" in info["karpenterNote"]
    assert not k8s.lists("/apis/karpenter.sh/v1alpha5/provisioners")


def test_forbidden_pods_is_an_error_naming_verb_and_resource(k8s: KubeEmulator) -> None:
    k8s.add_all(small_cluster())
    k8s.fail("/api/v1/pods", 403)
    with pytest.raises(ClusterError) as info:
        read_cluster(k8s.options())
    assert str(info.value) == ("forbidden: cannot list pods at the cluster scope as user "
                               "system:serviceaccount:default:reader")


def test_forbidden_nodepools_is_an_error(k8s: KubeEmulator) -> None:
    k8s.add_all(small_cluster())
    k8s.fail("/apis/karpenter.sh/v1/nodepools", 403)
    with pytest.raises(ClusterError, match=r"^forbidden: cannot list nodepools.karpenter.sh "):
        read_cluster(k8s.options())


def test_forbidden_optional_resource_degrades_to_a_note(k8s: KubeEmulator) -> None:
    k8s.add_all(small_cluster())
    k8s.fail("/apis/policy/v1/poddisruptionbudgets", 403)
    snap = read_cluster(k8s.options())
    assert snap.pdbs == ()
    assert snap.notes == ("forbidden: cannot list poddisruptionbudgets.policy at the cluster "
                          "scope as user system:serviceaccount:default:reader; continuing "
                          "without poddisruptionbudgets.policy", NO_VERSION_NOTE)


def test_server_error_on_a_later_page_is_reported(k8s: KubeEmulator) -> None:
    k8s.add_all([node(0), node_pool(), *(pod(i, node_name="10.0.0.0") for i in range(600))])
    k8s.fail("/api/v1/pods", 500, "etcd is sad", when=lambda p: "continue" in p)
    with pytest.raises(ClusterError, match=r"answered HTTP 500 when asked to list pods at the "
                                           r"cluster scope: etcd is sad$"):
        read_cluster(k8s.options())


def test_connection_refused(k8s: KubeEmulator) -> None:
    k8s.stop()
    with pytest.raises(ClusterError) as info:
        read_cluster(k8s.options())
    assert str(info.value) == (f"cannot reach the Kubernetes API server at {k8s.url}: "
                               "connection refused")
    k8s.start()  # and it comes back on the same address
    k8s.add_all(small_cluster())
    assert len(read_cluster(k8s.options()).nodes) == 3


def test_server_info(k8s: KubeEmulator) -> None:
    k8s.add_all(small_cluster())
    k8s.server_version = "v1.32.2-tke.5"
    info = server_info(k8s.options())
    assert info == {
        "context": "emulator", "server": k8s.url, "serverVersion": "v1.32.2-tke.5",
        "karpenterCRDs": {"nodeclaims.karpenter.sh": ["v1"],
                          "nodepools.karpenter.sh": ["v1"],
                          "tkemachinenodeclasses.karpenter.k8s.tke": ["v1beta1"]},
        "karpenterVersion": "v1.14", "versionSource": "default",
        "versionReason": "not detected: no Karpenter controller Deployment was found; the "
                         "NodePool CRD object was not found; the newest supported release is "
                         "assumed",
        "versionNotes": [NO_VERSION_NOTE]}
    assert k8s.writes() == []


def test_v1beta1_karpenter_is_read_with_a_note(k8s: KubeEmulator) -> None:
    pool = node_pool()
    pool["apiVersion"] = "karpenter.sh/v1beta1"
    k8s.add_all([node(0), pool])
    snap = read_cluster(k8s.options())
    assert [p.name for p in snap.node_pools] == ["default"]
    assert snap.notes == ("Karpenter in context emulator serves karpenter.sh/v1beta1 only (a "
                          "pre-v1 release); NodePools are read as v1beta1, but kubectl-karp "
                          "models Karpenter v1 and results may differ", NO_VERSION_NOTE)
    assert k8s.lists("/apis/karpenter.sh/v1beta1/nodepools")


def test_v1_is_preferred_when_both_are_served(k8s: KubeEmulator) -> None:
    old = node_pool("old")
    old["apiVersion"] = "karpenter.sh/v1beta1"
    k8s.add_all([node(0), node_pool("new"), old])
    snap = read_cluster(k8s.options())
    assert [p.name for p in snap.node_pools] == ["new"]
    assert not k8s.lists("/apis/karpenter.sh/v1beta1/nodepools")


def test_other_providers_node_classes_are_discovered(k8s: KubeEmulator) -> None:
    k8s.add_all([node(0), node_pool(),
                 {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass",
                  "metadata": {"name": "default"}, "spec": {"amiSelectorTerms": []}},
                 {"apiVersion": "karpenter.k8s.alibabacloud/v1alpha1", "kind": "ECSNodeClass",
                  "metadata": {"name": "default"}, "spec": {}}])
    snap = read_cluster(k8s.options())
    assert sorted(c.kind for c in snap.node_classes) == ["EC2NodeClass", "ECSNodeClass"]
    assert "ec2nodeclasses.karpenter.k8s.aws" in snap.karpenter_apis


def test_reads_node_overlays_csi_nodes_and_capacity_buffers_where_served(
        k8s: KubeEmulator) -> None:
    overlay = {"apiVersion": "karpenter.sh/v1alpha1", "kind": "NodeOverlay",
               "metadata": {"name": "cheap"},
               "spec": {"requirements": [{"key": "node.kubernetes.io/instance-type",
                                          "operator": "In", "values": ["S5.LARGE8"]}],
                        "price": "0.01", "weight": 5}}
    csi = {"apiVersion": "storage.k8s.io/v1", "kind": "CSINode", "metadata": {"name": "n-0"},
           "spec": {"drivers": [{"name": "com.tencent.cloud.csi.cbs", "nodeID": "n-0",
                                 "allocatable": {"count": 18}}]}}
    buffer = {"apiVersion": "autoscaling.x-k8s.io/v1beta1", "kind": "CapacityBuffer",
              "metadata": {"name": "warm", "namespace": "default"},
              "spec": {"podTemplateRef": {"name": "tpl"}}, "status": {"replicas": 3}}
    k8s.add_all([*small_cluster(), overlay, csi, buffer])
    snap = read_cluster(k8s.options())
    assert [(o.name, o.price, o.weight) for o in snap.node_overlays] == [("cheap", "0.01", 5)]
    assert [(c.name, dict(c.attach_limits)) for c in snap.csi_nodes] == [
        ("n-0", {"com.tencent.cloud.csi.cbs": 18})]
    assert [(b.key, b.replicas) for b in snap.capacity_buffers] == [("default/warm", 3)]
    assert k8s.writes() == []


def test_clusters_without_the_optional_apis_are_not_asked_for_them(k8s: KubeEmulator) -> None:
    k8s.add_all(small_cluster())
    read_cluster(k8s.options())
    paths = {r.path for r in k8s.requests}
    assert not any("nodeoverlays" in p or "capacitybuffers" in p for p in paths)
    assert "/apis/storage.k8s.io/v1/csinodes" in paths
