"""``kubectl karp apply`` end to end: the real kubernetes client against the API emulator."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from kubectl_karp.core.validation.schemas import BY_KIND
from tests.apply.conftest import CATALOG, CLUSTER_ID, SEED, install, seed_doc
from tests.apply.crds import crd
from tests.apply.ssa import ApplyEmulator

NODEPOOLS = "/apis/karpenter.sh/v1/nodepools"
NODECLASSES = "/apis/karpenter.k8s.tke/v1beta1/tkemachinenodeclasses"


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[ApplyEmulator]:
    """CRDs installed, no Karpenter objects yet."""
    with ApplyEmulator(tmp_path) as k8s:
        install(k8s, node_class=False)
        k8s.clear_requests()
        yield k8s


def write(tmp_path: Path, name: str, *docs: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text("---\n".join(yaml.safe_dump(d, sort_keys=False) for d in docs),
                    encoding="utf-8")
    return str(path)


def pool(name: str = "test", **spec: Any) -> dict[str, Any]:
    doc = seed_doc("nodepool.yaml")
    doc["metadata"]["name"] = name
    doc["spec"].update(spec)
    return doc


def apply(k8s: ApplyEmulator, *args: str) -> int:
    return run(["apply", *args, "--catalog", CATALOG, *k8s.cli_args])


def patches(k8s: ApplyEmulator) -> list[str]:
    return [str(r) for r in k8s.writes()]


# --------------------------------------------------------------------------- seed 000

def test_seed_manifests_apply_with_set(empty: ApplyEmulator,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    status = apply(empty, "-f", str(SEED), "--set", f"CLUSTER_ID={CLUSTER_ID}", "--yes")
    out = capsys.readouterr()
    assert status == 0, out.err
    assert out.out.splitlines() == ["tkemachinenodeclass.karpenter.k8s.tke/default created",
                                    "nodepool.karpenter.sh/test created"]
    node_class = empty.get("karpenter.k8s.tke/v1beta1", "TKEMachineNodeClass", "default")
    assert node_class is not None
    assert node_class["spec"]["subnetSelectorTerms"] == [
        {"tags": {"karpenter.sh/discovery": f"cls-{CLUSTER_ID}"}}]
    writes = empty.writes()
    assert [w.path for w in writes] == [f"{NODECLASSES}/default", f"{NODEPOOLS}/test"]
    assert all(w.method == "PATCH" and w.params.get("fieldManager") == "kubectl-karp"
               and w.params.get("force") == "false" and "dryRun" not in w.params
               for w in writes)


def test_seed_manifests_without_cluster_id_write_nothing(
        empty: ApplyEmulator, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLUSTER_ID", raising=False)
    status = apply(empty, "-f", str(SEED), "--yes")
    err = capsys.readouterr().err
    assert status == 1
    assert "nodeclass.yaml:26: unresolved placeholder ${CLUSTER_ID}" in err
    assert "nothing was applied" in err
    assert empty.requests == []  # refused before contacting the cluster


def test_placeholder_from_environment(empty: ApplyEmulator,
                                      capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTER_ID", "from-env")
    assert apply(empty, "-f", str(SEED), "--yes", "--set", "UNUSED=1") == 0
    node_class = empty.get("karpenter.k8s.tke/v1beta1", "TKEMachineNodeClass", "default")
    assert node_class is not None
    assert "cls-from-env" in str(node_class["spec"])


# --------------------------------------------------------------------------- create, update, no-op

def test_update_then_noop(cluster: ApplyEmulator, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    first = write(tmp_path, "np.yaml", pool())
    assert apply(cluster, "-f", first, "--yes") == 0
    assert "nodepool.karpenter.sh/test created" in capsys.readouterr().out

    changed = write(tmp_path, "np2.yaml", pool(limits={"cpu": 40}))
    cluster.clear_requests()
    assert apply(cluster, "-f", changed, "--yes", "--diff") == 0
    out = capsys.readouterr().out
    assert "--- live/nodepool.karpenter.sh/test" in out
    assert "-    cpu: 10" in out and "+    cpu: 40" in out
    assert out.rstrip().endswith("nodepool.karpenter.sh/test configured")
    stored = cluster.get("karpenter.sh/v1", "NodePool", "test")
    assert stored is not None and stored["spec"]["limits"] == {"cpu": 40}
    assert len(cluster.writes()) == 1

    cluster.clear_requests()
    assert apply(cluster, "-f", changed, "--yes", "--diff") == 0
    out = capsys.readouterr().out
    assert out == "nodepool.karpenter.sh/test unchanged\n"
    assert cluster.writes() == []


def test_unchanged_ignores_server_fields(cluster: ApplyEmulator, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    live = pool()
    live["metadata"].update(uid="u1", resourceVersion="7", generation=3,
                            managedFields=[{"manager": "kubectl-karp"}])
    live["spec"]["template"]["spec"]["expireAfter"] = "720h"  # a server default
    live["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
    cluster.add(live)
    cluster.clear_requests()
    assert apply(cluster, "-f", write(tmp_path, "np.yaml", pool()), "--yes") == 0
    assert capsys.readouterr().out == "nodepool.karpenter.sh/test unchanged\n"
    assert cluster.writes() == []


def test_new_object_diff_is_all_added(cluster: ApplyEmulator, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert apply(cluster, "-f", write(tmp_path, "np.yaml", pool()), "--diff",
                 "--dry-run=client") == 0
    out = capsys.readouterr().out
    assert "--- /dev/null" in out and "+++ applied/nodepool.karpenter.sh/test" in out
    body = [line for line in out.splitlines() if line and not line.startswith(("---", "+++",
                                                                                "@@"))]
    assert body[-1] == "nodepool.karpenter.sh/test created (dry run)"
    assert all(line.startswith("+") for line in body[:-1])
    assert cluster.writes() == []


# --------------------------------------------------------------------------- server answers

def test_server_dry_run_persists_nothing(cluster: ApplyEmulator, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert apply(cluster, "-f", write(tmp_path, "np.yaml", pool()), "--dry-run=server") == 0
    assert capsys.readouterr().out == "nodepool.karpenter.sh/test created (server dry run)\n"
    [patch] = cluster.writes()
    assert patch.params.get("dryRun") == "All"
    assert cluster.get("karpenter.sh/v1", "NodePool", "test") is None


def test_conflict_names_the_other_manager(cluster: ApplyEmulator, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    cluster.add(pool())
    cluster.respond(f"{NODEPOOLS}/test", {
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Conflict",
        "code": 409,
        "message": 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" '
                   "using karpenter.sh/v1: .spec.limits.cpu",
        "details": {"causes": [{"reason": "FieldManagerConflict",
                                "message": 'conflict with "kubectl-client-side-apply" using '
                                           "karpenter.sh/v1",
                                "field": ".spec.limits.cpu"}]}},
        status=409, method="PATCH")
    status = apply(cluster, "-f", write(tmp_path, "np.yaml", pool(limits={"cpu": 20})),
                   "--yes")
    err = capsys.readouterr().err
    assert status == 1
    assert ('conflict applying nodepool.karpenter.sh/test: .spec.limits.cpu owned by field '
            'manager "kubectl-client-side-apply"') in err
    assert "--force-conflicts" in err
    stored = cluster.get("karpenter.sh/v1", "NodePool", "test")
    assert stored is not None and stored["spec"]["limits"] == {"cpu": 10}


def test_force_conflicts_sends_force(cluster: ApplyEmulator, tmp_path: Path) -> None:
    cluster.add(pool())
    cluster.clear_requests()
    assert apply(cluster, "-f", write(tmp_path, "np.yaml", pool(limits={"cpu": 20})),
                 "--yes", "--force-conflicts") == 0
    [patch] = cluster.writes()
    assert patch.params.get("force") == "true"


def test_forbidden(cluster: ApplyEmulator, tmp_path: Path,
                   capsys: pytest.CaptureFixture[str]) -> None:
    cluster.fail(f"{NODEPOOLS}/test", 403, method="PATCH")
    status = apply(cluster, "-f", write(tmp_path, "np.yaml", pool()), "--yes")
    err = capsys.readouterr().err
    assert status == 1
    assert "error: applying nodepool.karpenter.sh/test failed: forbidden" in err
    assert "not applied: nodepool.karpenter.sh/test" in err
    assert cluster.get("karpenter.sh/v1", "NodePool", "test") is None


def test_server_error_midway_reports_what_was_applied(
        cluster: ApplyEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cluster.fail(f"{NODEPOOLS}/b", 500, "etcdserver: request timed out", method="PATCH")
    path = write(tmp_path, "pools.yaml", pool("a"), pool("b"), pool("c"))
    status = apply(cluster, "-f", path, "--yes")
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == "nodepool.karpenter.sh/a created\n"
    assert "etcdserver: request timed out" in captured.err
    assert ("note: applied: nodepool.karpenter.sh/a (created); not applied: "
            "nodepool.karpenter.sh/b, nodepool.karpenter.sh/c") in captured.err
    assert cluster.get("karpenter.sh/v1", "NodePool", "a") is not None
    assert cluster.get("karpenter.sh/v1", "NodePool", "b") is None
    assert cluster.get("karpenter.sh/v1", "NodePool", "c") is None


def test_no_terminal_and_no_yes_writes_nothing(cluster: ApplyEmulator, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    status = apply(cluster, "-f", write(tmp_path, "np.yaml", pool()))
    captured = capsys.readouterr()
    assert status == 1
    assert "no terminal to confirm on; re-run with --yes" in captured.err
    assert "+++ applied/nodepool.karpenter.sh/test" in captured.out  # shown for review
    assert cluster.writes() == []


def test_unreachable_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ApplyEmulator(tmp_path) as k8s:
        k8s.stop()
        path = write(tmp_path, "np.yaml", pool())
        assert apply(k8s, "-f", path, "--yes") == 1
        assert "cannot reach the Kubernetes API server" in capsys.readouterr().err
        # a client dry run still validates, offline
        assert apply(k8s, "-f", path, "--dry-run=client") == 0
        err = capsys.readouterr().err
        assert "validating offline" in err and "nothing was applied" in err


# --------------------------------------------------------------------------- schemas

def test_served_crd_schema_is_used(cluster: ApplyEmulator, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A cluster with an older NodePool CRD (no Balanced policy) refuses what ours allows."""
    kind = BY_KIND["NodePool"]
    old = copy.deepcopy(kind.schema)
    disruption = old["properties"]["spec"]["properties"]["disruption"]["properties"]
    disruption["consolidationPolicy"]["enum"] = ["WhenEmpty", "WhenEmptyOrUnderutilized"]
    cluster.add(crd(kind, old))
    balanced = pool()
    balanced["spec"]["disruption"]["consolidationPolicy"] = "Balanced"
    path = write(tmp_path, "np.yaml", balanced)
    assert apply(cluster, "-f", path, "--yes") == 1
    err = capsys.readouterr().err
    assert ("spec.disruption.consolidationPolicy: unsupported value 'Balanced' (allowed: "
            "WhenEmpty, WhenEmptyOrUnderutilized)") in err
    assert cluster.writes() == []
    # kubectl-karp's own model (offline) knows Balanced
    assert run(["apply", "-f", path, "--demo", "--catalog", CATALOG]) == 0


def test_tke_charts_broken_operator_enum_is_said_once(cluster: ApplyEmulator, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The TKE chart's NodePool CRD restricts requirement operators to [Gte, Lte]: one plain
    sentence about the CRD, not an "unsupported value 'In'" per requirement."""
    kind = BY_KIND["NodePool"]
    broken = copy.deepcopy(kind.schema)
    spec = broken["properties"]["spec"]["properties"]["template"]["properties"]["spec"]
    spec["properties"]["requirements"]["items"]["properties"]["operator"]["enum"] = [
        "Gte", "Lte"]
    cluster.add(crd(kind, broken))
    path = write(tmp_path, "np.yaml", pool("a"), pool("b"))  # 2 pools × 5 In/Gt requirements
    assert apply(cluster, "-f", path, "--yes") == 1
    err = capsys.readouterr().err
    assert err.count("CRD nodepools.karpenter.sh is broken") == 1
    assert "allows only Gte, Lte as a requirement operator" in err
    assert "Upgrade the Karpenter chart's CRDs" in err and "patch the CRD's operator enum" in err
    assert "unsupported value 'In'" not in err and "unsupported value 'Gt'" not in err
    assert cluster.writes() == []


def test_crd_missing_from_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ApplyEmulator(tmp_path) as k8s:
        assert apply(k8s, "-f", write(tmp_path, "np.yaml", pool()), "--yes") == 1
        assert ("the cluster has no CustomResourceDefinition nodepools.karpenter.sh: is "
                "Karpenter installed?") in capsys.readouterr().err
        assert k8s.writes() == []


def test_crd_version_not_served(cluster: ApplyEmulator, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    cluster.add(crd(BY_KIND["NodePool"], versions=("v1beta1",)))
    assert apply(cluster, "-f", write(tmp_path, "np.yaml", pool()), "--yes") == 1
    assert "does not serve version v1 (served: v1beta1)" in capsys.readouterr().err


# --------------------------------------------------------------------------- warnings

def test_risky_but_legal_configs_warn(cluster: ApplyEmulator, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    doc = pool()
    del doc["spec"]["limits"]
    doc["spec"]["template"]["spec"]["requirements"][3]["values"] = ["spot"]
    doc["spec"]["disruption"]["consolidateAfter"] = "Never"
    assert apply(cluster, "-f", write(tmp_path, "np.yaml", doc), "--yes") == 0
    err = capsys.readouterr().err
    assert "warning: " in err
    assert "spec.limits: no limits" in err
    assert "spot without on-demand fallback" in err
    assert "consolidation disabled (consolidateAfter: Never)" in err
    assert cluster.get("karpenter.sh/v1", "NodePool", "test") is not None


# --------------------------------------------------------------------------- usage

@pytest.mark.parametrize("args", [["--set", "no-equals"], ["--wait=2m", "--dry-run=server"],
                                  ["--wait=soon"], ["--dry-run=maybe"]])
def test_usage_errors(cluster: ApplyEmulator, tmp_path: Path, args: list[str],
                      capsys: pytest.CaptureFixture[str]) -> None:
    assert apply(cluster, "-f", write(tmp_path, "np.yaml", pool()), *args) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert cluster.requests == []


# --------------------------------------------------------------------------- machine output

def test_json_output_for_ci(cluster: ApplyEmulator, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    import json

    broken = pool("bad", weight=0)
    path = write(tmp_path, "np.yaml", pool(), broken)
    assert apply(cluster, "-f", path, "--dry-run=server", "-o", "json") == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False and doc["status"] == 1
    assert doc["schemaSource"] == "the cluster's CRDs"
    assert [(f["severity"], f["path"], f["message"]) for f in doc["findings"]] == [
        ("error", "spec.weight", "0 is out of range (allowed: 1–100)")]
    assert doc["objects"] == []
    assert cluster.writes() == []

    assert apply(cluster, "-f", write(tmp_path, "ok.yaml", pool()), "--dry-run=server",
                 "-o", "yaml") == 0
    result = yaml.safe_load(capsys.readouterr().out)
    assert result["valid"] is True and result["dryRun"] == "server"
    [obj] = result["objects"]
    assert obj["object"] == "nodepool.karpenter.sh/test" and obj["action"] == "created"
    assert obj["diff"].startswith("--- /dev/null")


def test_machine_output_never_prompts(cluster: ApplyEmulator, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert apply(cluster, "-f", write(tmp_path, "np.yaml", pool()), "-o", "json") == 1
    doc = json.loads(capsys.readouterr().out)
    assert [o["action"] for o in doc["objects"]] == ["not applied"]
    assert cluster.writes() == []


def test_server_fields_are_not_sent(cluster: ApplyEmulator, tmp_path: Path) -> None:
    """A manifest saved with `kubectl get -o yaml` still applies: status and server-owned
    metadata stay out of the apply request (the emulator stores exactly what it receives)."""
    doc = pool()
    doc["metadata"].update(resourceVersion="41", uid="abc", managedFields=[{"manager": "x"}])
    doc["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
    assert apply(cluster, "-f", write(tmp_path, "np.json", doc), "--yes") == 0
    stored = cluster.get("karpenter.sh/v1", "NodePool", "test")
    assert stored is not None
    assert "status" not in stored and "managedFields" not in stored["metadata"]
    assert stored["metadata"].get("uid") != "abc"


def test_zone_outside_the_node_class_subnets(cluster: ApplyEmulator, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The cluster's node class status says where it can launch; a NodePool pinned elsewhere
    can never get a node."""
    node_class = seed_doc("nodeclass.yaml")
    node_class["status"] = {"subnets": [{"id": "subnet-1", "zone": "ap-guangzhou-3",
                                         "zoneID": "100003"}],
                            "conditions": [{"type": "Ready", "status": "True"}]}
    cluster.add(node_class)
    doc = pool()
    doc["spec"]["template"]["spec"]["requirements"].append(
        {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["100004"]})
    assert apply(cluster, "-f", write(tmp_path, "np.yaml", doc), "--yes") == 1
    err = capsys.readouterr().err
    assert ("requirement [5] topology.kubernetes.io/zone In 100004 excludes every remaining "
            "instance type: the node class launches only in zones 100003") in err
    assert cluster.writes() == []
