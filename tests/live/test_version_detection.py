"""Which Karpenter release a live cluster runs, through the real client against the emulator.

Detection order (docs/karpenter-versions.md): --karpenter-version; the controller
Deployment's image; the NodePool CRD's features; else the newest release with a note.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from kubectl_karp.core.context import build_context
from kubectl_karp.core.releases import Release
from kubectl_karp.sources.live import CONTROLLER_NAMESPACES, DEPLOYMENTS_PATH, read_cluster
from tests.builders.generated import NO_VERSION_NOTE, small_cluster
from tests.emulator import KubeEmulator

DIGEST = "sha256:" + "ab" * 32
TKE_IMAGE = "ccr.ccs.tencentyun.com/tkeimages/karpenter-tke-controller:v0.2.0"
TKE_REASON = ("detected from the controller image tkeimages/karpenter-tke-controller:v0.2.0: "
              "the TKE provider v0.2.0 builds on core v1.9.0 (Deployment kube-system/karpenter)")


def controller(image: str, *, name: str = "karpenter", namespace: str = "kube-system",
               app: str | None = "karpenter", container: str = "controller") -> dict[str, Any]:
    """A controller Deployment as the providers' charts render it."""
    labels = {"app.kubernetes.io/instance": "karpenter"}
    if app is not None:
        labels["app.kubernetes.io/name"] = app
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [
                {"name": container, "image": image,
                 # A chart may pass credentials as plain env: never to be saved anywhere.
                 "env": [{"name": "TENCENTCLOUD_SECRET_KEY", "value": "s3cr3t"}]},
                {"name": "sidecar", "image": "busybox:1.36"}]}}},
    }


def nodepool_crd(*, replicas: bool = True, gte: bool = True, list_type: bool = True,
                 balanced: bool = True) -> dict[str, Any]:
    """The NodePool CRD an API server serves, with the schema features of a release."""
    budgets: dict[str, Any] = {"type": "array", "maxItems": 50,
                               "items": {"type": "object",
                                         "properties": {"nodes": {"type": "string"}}}}
    if list_type:
        budgets["x-kubernetes-list-type"] = "atomic"
    operators = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] + (
        ["Gte", "Lte"] if gte else [])
    policies = ["WhenEmpty", "WhenEmptyOrUnderutilized"] + (["Balanced"] if balanced else [])
    spec: dict[str, Any] = {
        "disruption": {"type": "object", "properties": {
            "consolidationPolicy": {"type": "string", "enum": policies}, "budgets": budgets}},
        "template": {"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "requirements": {"type": "array", "items": {"type": "object", "properties": {
                "operator": {"type": "string", "enum": operators}}}}}}}},
    }
    if replicas:
        spec["replicas"] = {"type": "integer", "format": "int64", "minimum": 0}
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "nodepools.karpenter.sh"},
        "spec": {"group": "karpenter.sh", "scope": "Cluster",
                 "names": {"kind": "NodePool", "plural": "nodepools"},
                 "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                     "openAPIV3Schema": {"type": "object", "properties": {
                         "spec": {"type": "object", "properties": spec}}}}}]},
    }


def _forbid_deployments(k8s: KubeEmulator) -> None:
    k8s.fail(DEPLOYMENTS_PATH, 403)
    for namespace in CONTROLLER_NAMESPACES:
        k8s.fail(f"/apis/apps/v1/namespaces/{namespace}/deployments", 403)


# --------------------------------------------------------------------------- the controller image

@pytest.mark.parametrize(("image", "version", "shown"), [
    # The TKE chart (charts/karpenter): the provider's own version, v0.2.0 = core v1.9.0.
    (TKE_IMAGE, "v1.9.0", "tkeimages/karpenter-tke-controller:v0.2.0"),
    # A regional TKE registry, digest-pinned with a tag.
    (f"hkccr.ccs.tencentyun.com/tkeimages/karpenter-tke-controller:v0.2.0@{DIGEST}", "v1.9.0",
     "tkeimages/karpenter-tke-controller:v0.2.0"),
    # A core build in a TKE registry path: the tag is core's.
    ("ccr.ccs.tencentyun.com/tkeimages/karpenter-controller:v1.9.0-tke.1", "v1.9.0",
     "tkeimages/karpenter-controller:v1.9.0-tke.1"),
    ("registry.example.com/karpenter:v1.9.0", "v1.9.0", "registry.example.com/karpenter:v1.9.0"),
    ("registry.example.com/karpenter:1.9.0", "v1.9.0", "registry.example.com/karpenter:1.9.0"),
    # AWS: tags without "v", pinned by digest by the chart; the minor is core's.
    (f"public.ecr.aws/karpenter/controller:1.14.1@{DIGEST}", "v1.14",
     "karpenter/controller:1.14.1"),
    ("registry-cn-hangzhou.ack.aliyuncs.com/acs/karpenter-provider-alibabacloud:v0.2.4",
     "v1.8.0", "acs/karpenter-provider-alibabacloud:v0.2.4"),
])
def test_the_controller_image_tells_the_release(k8s: KubeEmulator, image: str, version: str,
                                               shown: str) -> None:
    k8s.add_all([*small_cluster(), controller(image), nodepool_crd()])
    snap = read_cluster(k8s.options())
    assert (snap.karpenter_version, snap.karpenter_version_source) == (version, "detected")
    assert snap.karpenter_version_reason.startswith(
        f"detected from the controller image {shown}")
    assert snap.notes == ()
    rules = build_context(snap).rules
    assert rules.release.short == version[:5].rstrip(".") and rules.warning is None
    # One label-selected LIST found it; nothing else about Deployments was asked.
    (listed,) = k8s.lists(DEPLOYMENTS_PATH)
    assert listed.params["labelSelector"] == ("app.kubernetes.io/name in "
                                              "(karpenter,karpenter-provider-huawei)")
    assert not [r for r in k8s.requests if "customresourcedefinitions" in r.path]
    assert "Deployment" not in {d["kind"] for d in snap.documents}  # read, never kept
    assert k8s.writes() == []
    assert not [r for r in k8s.requests if "secrets" in r.path]


def test_huawei_chart_labels_and_manager_container(k8s: KubeEmulator) -> None:
    image = "swr.ap-southeast-3.myhuaweicloud.com/hwclouddeveloper/cce/karpenter/controller:0.3.1"
    k8s.add_all([*small_cluster(), controller(image, name="karpenter-provider-huawei",
                                              namespace="karpenter", container="manager",
                                              app="karpenter-provider-huawei")])
    snap = read_cluster(k8s.options())
    assert snap.karpenter_version == "v1.13.0"
    assert snap.karpenter_version_reason == (
        "detected from the controller image karpenter/controller:0.3.1: the Huawei Cloud "
        "provider v0.3.1 builds on core v1.13.0 (Deployment karpenter/karpenter-provider-huawei)")


def test_a_controller_without_the_usual_labels_is_found_in_kube_system(
        k8s: KubeEmulator) -> None:
    # e.g. installed with nameOverride, or an add-on with labels of its own
    k8s.add_all([*small_cluster(), controller(TKE_IMAGE, app=None, name="tke-karpenter"),
                 controller("nginx:1.27", app=None, name="web", namespace="kube-system")])
    snap = read_cluster(k8s.options())
    assert snap.karpenter_version == "v1.9.0"
    assert snap.karpenter_version_reason.endswith("(Deployment kube-system/tke-karpenter)")


def test_other_deployments_with_karpenter_labels_do_not_count(k8s: KubeEmulator) -> None:
    # The chart's label on something that is not the controller (no controller container,
    # no Karpenter image) tells nothing; the CRD decides.
    other = controller("grafana/grafana:11.0.0", container="dashboard", name="karpenter-ui")
    k8s.add_all([*small_cluster(), other, nodepool_crd(balanced=False)])
    snap = read_cluster(k8s.options())
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.13.0", "detected")


def test_a_provider_version_that_cannot_be_mapped_falls_back_to_the_crd(
        k8s: KubeEmulator) -> None:
    image = "ccr.ccs.tencentyun.com/tkeimages/karpenter-tke-controller:v0.3.0"
    k8s.add_all([*small_cluster(), controller(image), nodepool_crd(balanced=False,
                                                                   list_type=False)])
    snap = read_cluster(k8s.options())
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.9.0", "detected")
    assert snap.karpenter_version_reason == (
        "detected from the NodePool CRD: requirement operator Gte, so v1.9 to v1.12, the "
        "oldest assumed; CRDs can lag the controller")
    assert snap.notes == (
        "the controller image tkeimages/karpenter-tke-controller:v0.3.0 is the TKE provider's "
        "own version v0.3.0, which kubectl-karp cannot map to a Karpenter core release; the "
        "Karpenter version is taken from the NodePool CRD",)


# --------------------------------------------------------------------------- CRD features

@pytest.mark.parametrize(("features", "version"), [
    ({}, "v1.14.0"),
    ({"balanced": False}, "v1.13.0"),
    ({"balanced": False, "list_type": False}, "v1.9.0"),
    ({"balanced": False, "list_type": False, "gte": False}, "v1.8.0"),
])
def test_without_a_controller_deployment_the_crd_features_decide(
        k8s: KubeEmulator, features: dict[str, bool], version: str) -> None:
    k8s.add_all([*small_cluster(), nodepool_crd(**features)])
    snap = read_cluster(k8s.options())
    assert (snap.karpenter_version, snap.karpenter_version_source) == (version, "detected")
    assert snap.karpenter_version_reason.startswith("detected from the NodePool CRD: ")
    assert snap.notes == ()
    assert k8s.lists("/apis/apiextensions.k8s.io/v1/customresourcedefinitions") == []


def test_a_crd_older_than_v1_8_is_previewed_as_v1_8_with_a_warning(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([*small_cluster(), nodepool_crd(replicas=False, gte=False, list_type=False,
                                                balanced=False)])
    assert run(["simulate", "-o", "json", *k8s.cli_args]) in (0, 3)
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert (doc["karpenterVersion"], doc["versionSource"]) == ("v1.8", "detected")
    assert doc["versionReason"] == ("detected from the NodePool CRD: no spec.replicas, so "
                                    "older than v1.8")
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: Karpenter v1.7.0 is outside the supported range v1.8–v1.14; "
                        "previewing with the rules of the nearest supported release, v1.8"]


# --------------------------------------------------------------------------- when it is not allowed

def test_forbidden_to_list_deployments_falls_back_to_the_crd_with_a_note(
        k8s: KubeEmulator) -> None:
    k8s.add_all([*small_cluster(), controller(TKE_IMAGE), nodepool_crd(balanced=False)])
    _forbid_deployments(k8s)
    snap = read_cluster(k8s.options())
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.13.0", "detected")
    assert snap.notes == (
        "forbidden: cannot list deployments.apps at the cluster scope as user "
        "system:serviceaccount:default:reader; the Karpenter version is taken from the "
        "NodePool CRD",)
    assert len(snap.nodes) == 3  # the read itself goes on


def test_forbidden_to_list_deployments_the_controller_pods_tell(k8s: KubeEmulator) -> None:
    deployment = controller(TKE_IMAGE)
    template = deployment["spec"]["template"]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "karpenter-7d9f-x2x4k", "namespace": "kube-system",
        "labels": template["metadata"]["labels"]}, "spec": template["spec"],
        "status": {"phase": "Running"}}
    k8s.add_all([*small_cluster(), deployment, pod, nodepool_crd(balanced=False)])
    _forbid_deployments(k8s)
    snap = read_cluster(k8s.options())
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.9.0", "detected")
    assert snap.karpenter_version_reason == TKE_REASON.replace(
        "Deployment kube-system/karpenter", "Pod kube-system/karpenter-7d9f-x2x4k")
    assert snap.notes == (
        "forbidden: cannot list deployments.apps at the cluster scope as user "
        "system:serviceaccount:default:reader; the Karpenter version is taken from the "
        "controller's pods",)
    # The pods read anyway told: no second pod list.
    assert len(k8s.lists("/api/v1/pods")) == 1


def test_version_finds_the_controller_pods_by_label(k8s: KubeEmulator,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    deployment = controller(TKE_IMAGE)
    template = deployment["spec"]["template"]
    k8s.add_all([*small_cluster(), {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "karpenter-7d9f-x2x4k", "namespace": "kube-system",
        "labels": template["metadata"]["labels"]}, "spec": template["spec"]}])
    _forbid_deployments(k8s)
    assert run(["version", "-o", "json", *k8s.cli_args]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["karpenterVersion"] == "v1.9"
    assert captured.err.endswith("the Karpenter version is taken from the controller's pods\n")
    (listed,) = k8s.lists("/api/v1/pods")
    assert listed.params["labelSelector"] == ("app.kubernetes.io/name in "
                                              "(karpenter,karpenter-provider-huawei)")


def test_forbidden_everywhere_falls_back_to_the_newest_with_a_note(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([*small_cluster(), nodepool_crd()])
    _forbid_deployments(k8s)
    k8s.fail("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/nodepools.karpenter.sh",
             403)
    snap = read_cluster(k8s.options())
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.14", "default")
    (note,) = snap.notes
    assert note.startswith("Karpenter version not detected (forbidden: cannot list "
                           "deployments.apps at the cluster scope")
    assert "forbidden: cannot get customresourcedefinitions.apiextensions.k8s.io " in note
    assert note.endswith("following the rules of the newest supported release, v1.14 "
                         "(choose another with --karpenter-version)")
    assert run(["simulate", *k8s.cli_args]) in (0, 3)
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("rules: Karpenter v1.14 (not detected: "
                                                   "forbidden: cannot list deployments.apps")
    assert f"note: {note}\n" in captured.err
    assert "warning:" not in captured.err


def test_a_deployment_list_that_never_answers_is_not_asked_again(k8s: KubeEmulator) -> None:
    k8s.add_all([*small_cluster(), nodepool_crd()])
    k8s.hang(DEPLOYMENTS_PATH, seconds=20)
    snap = read_cluster(k8s.options(request_timeout=1.0))
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.14", "default")
    assert snap.notes == (
        f"Karpenter version not detected (cannot reach the Kubernetes API server at {k8s.url}: "
        "no answer within 1s (--request-timeout); the NodePool CRD was not asked for): "
        "following the rules of the newest supported release, v1.14 (choose another with "
        "--karpenter-version)",)
    assert len(snap.nodes) == 3
    # No second wait: neither the namespaced lists nor the CRD were asked.
    assert not [r for r in k8s.requests if "/namespaces/" in r.path and "deployments" in r.path]
    assert not [r for r in k8s.requests if "customresourcedefinitions" in r.path]


def test_nothing_to_tell_gives_the_newest_with_a_note(k8s: KubeEmulator) -> None:
    k8s.add_all(small_cluster())
    snap = read_cluster(k8s.options())
    assert (snap.karpenter_version, snap.karpenter_version_source) == ("v1.14", "default")
    assert snap.notes == (NO_VERSION_NOTE,)
    assert build_context(snap).rules.release == Release(1, 14)


# --------------------------------------------------------------------------- --karpenter-version

def test_the_flag_overrides_and_nothing_is_detected(k8s: KubeEmulator,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([*small_cluster(), controller(TKE_IMAGE), nodepool_crd()])
    assert run(["simulate", "--karpenter-version", "1.12", "-o", "json", *k8s.cli_args]) in (0, 3)
    doc = json.loads(capsys.readouterr().out)
    assert (doc["karpenterVersion"], doc["versionSource"], doc["versionReason"]) == (
        "v1.12", "flag", "from --karpenter-version")
    assert k8s.lists(DEPLOYMENTS_PATH) == []
    assert not [r for r in k8s.requests if "customresourcedefinitions" in r.path]


@pytest.mark.parametrize("command", [["simulate"], ["explain"], ["consolidate"], ["catalog"],
                                     ["snapshot"], ["version", "--client"]])
@pytest.mark.parametrize("value", ["nine", "1", "v1.x", ""])
def test_an_invalid_flag_is_a_usage_error(command: list[str], value: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*command, "--demo", "--karpenter-version", value]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("error: ") and "--karpenter-version" in line


def test_a_flag_outside_the_range_warns_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["consolidate", "--demo", "--karpenter-version", "1.15.2"]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: Karpenter v1.15.2 is outside the supported range v1.8–v1.14; "
                        "previewing with the rules of the nearest supported release, v1.14"]
    assert captured.out.splitlines()[1] == "rules: Karpenter v1.14 (from --karpenter-version)"


# --------------------------------------------------------------------------- said in every answer

def test_every_answer_says_the_detected_release(k8s: KubeEmulator,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([*small_cluster(), controller(TKE_IMAGE)])
    header = f"rules: Karpenter v1.9 ({TKE_REASON})"
    for command in ("simulate", "consolidate", "explain", "verify"):
        run([command, *k8s.cli_args])
        captured = capsys.readouterr()
        out = captured.out.splitlines()
        if command == "verify":
            assert out[0] == f"{header}; 0 Karpenter event(s) read"
        elif command == "explain":  # wrapped at 100 columns like the rest of its text
            assert all(len(line) <= 100 for line in out)
            assert out[0].startswith("rules: Karpenter v1.9 (detected from the controller")
            assert " ".join(line.strip() for line in out[:2]) == header and out[2] == ""
        else:
            assert header in out[:2], (command, out[:3])
        assert "warning:" not in captured.err and "Karpenter version" not in captured.err
        for fmt in ("json", "yaml"):
            run([command, "-o", fmt, *k8s.cli_args])
            text = capsys.readouterr().out
            doc = json.loads(text) if fmt == "json" else yaml.safe_load(text)
            assert (doc["karpenterVersion"], doc["versionSource"], doc["versionReason"]) == (
                "v1.9", "detected", TKE_REASON), (command, fmt)
    run(["consolidate", "--node", "10.0.0.1", "-o", "json", *k8s.cli_args])
    node_doc = json.loads(capsys.readouterr().out)
    assert (node_doc["kind"], node_doc["karpenterVersion"]) == ("ConsolidationNodeReport", "v1.9")
    run(["consolidate", "--node", "10.0.0.1", *k8s.cli_args])
    assert capsys.readouterr().out.splitlines()[1] == header


def test_version_prints_the_detected_release(k8s: KubeEmulator,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([*small_cluster(), controller(TKE_IMAGE)])
    assert run(["version", *k8s.cli_args]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == f"Karpenter Version: v1.9 ({TKE_REASON})"
    assert captured.err == ""
    assert run(["version", "-o", "json", *k8s.cli_args]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["karpenterVersion"], doc["versionSource"], doc["versionReason"]) == (
        "v1.9", "detected", TKE_REASON)
    assert k8s.writes() == []


def test_version_with_the_flag_says_so_and_detects_nothing(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([*small_cluster(), controller(TKE_IMAGE)])
    assert run(["version", "--karpenter-version", "1.13", *k8s.cli_args]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Karpenter Version: v1.13 (from --karpenter-version)")
    assert k8s.lists(DEPLOYMENTS_PATH) == []


def test_version_offline_prints_what_the_snapshot_tells(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all([*small_cluster(), controller(TKE_IMAGE)]),
                    encoding="utf-8")
    assert run(["version", "--snapshot", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"Karpenter Version: v1.9 ({TKE_REASON}, in the snapshot)"]
    assert run(["version", "--demo", "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["karpenterVersion"], doc["versionSource"]) == ("v1.14", "default")
    assert run(["version", "--demo", "--karpenter-version", "1.7"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[1:] == ["Karpenter Version: v1.8 (from --karpenter-version)"]
    assert captured.err.startswith("warning: Karpenter v1.7.0 is outside the supported range")


def test_version_json_keeps_notes_on_stderr(k8s: KubeEmulator,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(small_cluster())
    assert run(["version", "-o", "json", *k8s.cli_args]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["versionSource"] == "default"
    assert captured.err == f"note: {NO_VERSION_NOTE}\n"


def test_version_of_an_old_release_warns(k8s: KubeEmulator,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([*small_cluster(), controller("registry.example.com/karpenter:v1.6.2")])
    assert run(["version", *k8s.cli_args]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == (
        "Karpenter Version: v1.8 (detected from the controller image "
        "registry.example.com/karpenter:v1.6.2 (Deployment kube-system/karpenter))")
    assert captured.err == ("warning: Karpenter v1.6.2 is outside the supported range "
                            "v1.8–v1.14; previewing with the rules of the nearest supported "
                            "release, v1.8\n")


# --------------------------------------------------------------------------- snapshots

def test_snapshot_records_the_release_and_reading_it_back_keeps_it(
        k8s: KubeEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([*small_cluster(), controller(TKE_IMAGE)])
    assert run(["snapshot", "--no-catalog", *k8s.cli_args]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    items = yaml.safe_load(captured.out)["items"]
    assert items[0] == {"apiVersion": "karp.kubectl.io/v1alpha1", "kind": "KarpenterVersion",
                        "version": "v1.9.0", "source": "detected", "reason": TKE_REASON}
    assert "Deployment" not in {i["kind"] for i in items}
    assert "s3cr3t" not in captured.out
    saved = tmp_path / "cluster.yaml"
    saved.write_text(captured.out, encoding="utf-8")

    k8s.stop()  # offline from here on
    assert run(["simulate", "--snapshot", str(saved), "-o", "json"]) in (0, 3)
    doc = json.loads(capsys.readouterr().out)
    assert (doc["karpenterVersion"], doc["versionSource"], doc["versionReason"]) == (
        "v1.9", "snapshot", f"recorded in the snapshot: {TKE_REASON}")
    assert run(["consolidate", "--snapshot", str(saved)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f"rules: Karpenter v1.9 (recorded in the snapshot: {TKE_REASON})")
    # Saving the saved file again keeps the record, once.
    assert run(["snapshot", "--snapshot", str(saved)]) == 0
    assert capsys.readouterr().out == saved.read_text(encoding="utf-8")
    # --karpenter-version replaces it, in what is read and in what is saved.
    assert run(["snapshot", "--snapshot", str(saved), "--karpenter-version", "1.13"]) == 0
    again = yaml.safe_load(capsys.readouterr().out)["items"]
    assert [i["version"] for i in again if i["kind"] == "KarpenterVersion"] == ["1.13"]
    assert again[1:] == items[1:]


def test_a_snapshot_without_anything_detected_records_nothing(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(small_cluster())
    assert run(["snapshot", "--no-catalog", "-o", "json", *k8s.cli_args]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    assert "KarpenterVersion" not in {i["kind"] for i in items}


def test_a_snapshot_taken_with_the_flag_records_it(k8s: KubeEmulator,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([*small_cluster(), controller(TKE_IMAGE)])
    assert run(["snapshot", "--no-catalog", "--karpenter-version", "v1.12.0", "-o", "json",
                *k8s.cli_args]) == 0
    first = json.loads(capsys.readouterr().out)["items"][0]
    assert first == {"apiVersion": "karp.kubectl.io/v1alpha1", "kind": "KarpenterVersion",
                     "version": "v1.12.0", "source": "flag",
                     "reason": "Karpenter v1.12.0, given with --karpenter-version when the "
                               "snapshot was taken"}
    assert k8s.lists(DEPLOYMENTS_PATH) == []
