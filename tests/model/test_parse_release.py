"""The Karpenter release saved documents tell: controller images, NodePool CRDs, our record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.core.context import build_context
from kubectl_karp.core.releases import Release, release_from_image
from kubectl_karp.errors import InputError
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.parse_release import release_from_image as detect
from kubectl_karp.sources import load_snapshot
from tests.builders.generated import small_cluster
from tests.live.test_version_detection import TKE_IMAGE, controller, nodepool_crd


@pytest.mark.parametrize(("image", "release"), [
    ("karpenter:v1.9.0", Release(1, 9, 0)),
    ("karpenter:1.9.0", Release(1, 9, 0)),
    ("example.com:5000/team/karpenter:v1.10.1@sha256:00ff", Release(1, 10, 1)),
    ("ccr.ccs.tencentyun.com/tkeimages/karpenter-controller:v1.9.0-tke.1", Release(1, 9, 0)),
    (TKE_IMAGE, Release(1, 9, 0)),
    ("public.ecr.aws/karpenter/controller:1.12.2", Release(1, 12)),
    ("swr.cn-north-4.myhuaweicloud.com/x/cce/karpenter/controller:0.2.1", Release(1, 8, 2)),
    # no tag, not a version, a 0.x tag of an unknown image, an unreleased provider version
    ("example.com/karpenter@sha256:00ff", None),
    ("example.com/karpenter:latest", None),
    ("example.com/karpenter:0.37.0", None),
    ("ccr.ccs.tencentyun.com/tkeimages/karpenter-tke-controller:v0.1.7", None),
    ("registry-cn-hangzhou.ack.aliyuncs.com/acs/karpenter-provider-alibabacloud:v0.3.0", None),
])
def test_release_from_image(image: str, release: Release | None) -> None:
    assert release_from_image(image) == release
    found = detect(image)
    assert bool(found.version) != bool(found.problem)


def test_a_registry_port_is_not_a_tag() -> None:
    assert detect("example.com:5000/karpenter").problem.startswith(
        "the controller image example.com:5000/karpenter has no tag")


def _snapshot(docs: list[dict[str, Any]]) -> Any:
    return build_snapshot([(d, f"file document {i + 1}") for i, d in enumerate(docs)],
                          source="snapshot file")


def test_a_file_with_the_controller_deployment_tells_the_release() -> None:
    snap = _snapshot([*small_cluster(), controller(TKE_IMAGE)])
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.9.0", "snapshot")
    assert snap.karpenter_version_reason == (
        "detected from the controller image tkeimages/karpenter-tke-controller:v0.2.0: the TKE "
        "provider v0.2.0 builds on core v1.9.0 (Deployment kube-system/karpenter), in the "
        "snapshot")
    assert not [n for n in snap.notes if "Deployment" in n]  # used, so not "ignored"
    assert build_context(snap).rules.release.short == "v1.9"
    # Other Deployments still count as ignored.
    snap = _snapshot([*small_cluster(), controller(TKE_IMAGE),
                      controller("nginx:1.27", app="web", name="web", namespace="default")])
    assert "ignored 1 object(s) of kind Deployment" in snap.notes


def test_a_file_with_the_nodepool_crd_tells_the_release() -> None:
    snap = _snapshot([*small_cluster(), nodepool_crd(balanced=False)])
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.13.0", "snapshot")
    assert snap.karpenter_version_reason == (
        "detected from the NodePool CRD in the snapshot: list-type markers on "
        "disruption.budgets, so v1.13; CRDs can lag the controller")


def test_the_record_wins_over_the_deployment_and_the_crd() -> None:
    record = {"apiVersion": "karp.kubectl.io/v1alpha1", "kind": "KarpenterVersion",
              "version": "v1.11.2", "source": "detected", "reason": "seen in the logs"}
    snap = _snapshot([controller(TKE_IMAGE), nodepool_crd(), *small_cluster(), record])
    assert (snap.karpenter_version, snap.karpenter_version_reason) == (
        "v1.11.2", "recorded in the snapshot: seen in the logs")
    assert build_context(snap).rules.release == Release(1, 11, 2)


def test_two_records_that_disagree_are_noted() -> None:
    records = [{"kind": "KarpenterVersion", "version": v} for v in ("v1.9.0", "v1.13.0")]
    snap = _snapshot([*small_cluster(), *records])
    assert snap.karpenter_version == "v1.9.0"
    assert ("the snapshot records several Karpenter versions; the first, v1.9.0, is followed "
            "(also: v1.13.0)") in snap.notes


def test_an_image_that_tells_nothing_is_noted() -> None:
    snap = _snapshot([*small_cluster(), controller("example.com/karpenter:latest")])
    assert snap.karpenter_version == ""
    assert ("the controller image tag 'latest' is not a version; the Karpenter version is "
            "taken from the NodePool CRD, which the snapshot lacks") in snap.notes
    assert build_context(snap).rules.source == "default"


def test_a_file_without_any_of_them_uses_the_default() -> None:
    snap = _snapshot(small_cluster())
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("", "")
    rules = build_context(snap).rules
    assert (rules.release, rules.source) == (Release(1, 14), "default")


@pytest.mark.parametrize("version", [None, "", "nine", 1.9, ["v1.9"]])
def test_a_malformed_record_is_an_error_naming_the_document(tmp_path: Path, version: Any,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    doc = {"apiVersion": "karp.kubectl.io/v1alpha1", "kind": "KarpenterVersion"}
    if version is not None:
        doc["version"] = version
    with pytest.raises(InputError, match=r"KarpenterVersion version must be a version such as "
                                         r"v1\.9\.0") as info:
        _snapshot([*small_cluster(), doc])
    assert "file document" in str(info.value)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump_all([*small_cluster(), doc]), encoding="utf-8")
    assert run(["simulate", "--snapshot", str(path)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {path} document {len(small_cluster()) + 1}: ")


def test_a_kubectl_get_file_with_the_deployment_is_read(tmp_path: Path) -> None:
    # `kubectl get deploy -n kube-system -o yaml` appended to a snapshot: a List of them.
    items = [controller(TKE_IMAGE), controller("nginx:1.27", app="web", name="web")]
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all([*small_cluster(), {"apiVersion": "v1", "kind": "List",
                                                           "items": items}]), encoding="utf-8")
    snap = load_snapshot(ClusterOptions(snapshot=str(path)))
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.9.0", "snapshot")


def test_two_controllers_are_followed_in_name_order_and_the_other_is_named() -> None:
    snap = _snapshot([controller("registry.example.com/karpenter:v1.12.0", namespace="team-b"),
                      controller(TKE_IMAGE, namespace="kube-system"), *small_cluster()])
    assert snap.karpenter_version == "v1.9.0"
    assert snap.karpenter_version_reason.endswith(
        "(Deployment kube-system/karpenter); other controllers run v1.12.0, in the snapshot")


def test_the_controller_pods_of_an_older_snapshot_tell_the_release() -> None:
    # `kubectl karp snapshot` always saved every pod, the controller's too.
    template = controller(TKE_IMAGE)["spec"]["template"]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "karpenter-7d9f-x2x4k", "namespace": "kube-system",
        "labels": template["metadata"]["labels"]}, "spec": template["spec"],
        "status": {"phase": "Running"}}
    snap = _snapshot([*small_cluster(), pod])
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.9.0", "snapshot")
    assert snap.karpenter_version_reason.endswith(
        "(Pod kube-system/karpenter-7d9f-x2x4k), in the snapshot")
    assert "kube-system/karpenter-7d9f-x2x4k" in {f"{p.namespace}/{p.name}" for p in snap.pods}


def _controller_image_in_full(doc: Any) -> str | None:
    """controller_image without its plain-pod shortcut (parse_release._plain_pod)."""
    from kubectl_karp.model import parse_release

    original = parse_release._plain_pod
    parse_release._plain_pod = lambda _doc: False  # type: ignore[assignment]
    try:
        return parse_release.controller_image(doc)
    finally:
        parse_release._plain_pod = original  # type: ignore[assignment]


@pytest.mark.parametrize("labels", [None, {}, {"app.kubernetes.io/name": "karpenter"},
                                    {"app.kubernetes.io/name": "web"}, "oops"])
@pytest.mark.parametrize("containers", [
    None, [], "oops", [{"name": "app", "image": "nginx"}],
    [{"name": "controller", "image": "nginx:1"}],
    [{"name": "app", "image": "nginx"}, {"name": "x", "image":
                                        "public.ecr.aws/karpenter/controller:1.9.0"}],
    [{"name": "app", "image": 5}], ["oops"], [{"name": "manager"}]])
def test_plain_pod_shortcut_gives_the_full_answer(labels: Any, containers: Any) -> None:
    from kubectl_karp.model.parse_release import controller_image

    meta: dict[str, Any] = {"name": "p"} if labels is None else {"name": "p", "labels": labels}
    spec: dict[str, Any] = {} if containers is None else {"containers": containers}
    for doc in ({"kind": "Pod", "metadata": meta, "spec": spec},
                {"kind": "Pod", "metadata": meta}, {"kind": "Pod", "spec": spec}):
        assert controller_image(doc) == _controller_image_in_full(doc)
