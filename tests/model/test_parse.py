"""Parsing pods: effective requests as the scheduler counts them, and errors that name fields."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_karp.errors import InputError, QuantityError
from kubectl_karp.model.parse import effective_requests, parse_pod, parse_requirement

GI = 2**30 * 1000
MI = 2**20 * 1000


def c(cpu: str | None = None, memory: str | None = None, *, limits: dict[str, str] | None = None,
      sidecar: bool = False) -> dict[str, Any]:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container: dict[str, Any] = {"name": "c", "resources": {"requests": requests}}
    if limits:
        container["resources"]["limits"] = limits
    if sidecar:
        container["restartPolicy"] = "Always"
    return container


def test_containers_add_up_and_count_one_pod() -> None:
    spec = {"containers": [c("250m", "64Mi"), c("1", "1Gi")]}
    assert effective_requests(spec, "spec") == {"cpu": 1250, "memory": GI + 64 * MI,
                                                "pods": 1000}


def test_empty_pod_still_uses_a_pod_slot() -> None:
    assert effective_requests({}, "spec") == {"pods": 1000}


def test_limits_default_missing_requests() -> None:
    spec = {"containers": [c("100m", limits={"cpu": "2", "memory": "1Gi",
                                             "nvidia.com/gpu": "1"})]}
    assert effective_requests(spec, "spec") == {"cpu": 100, "memory": GI,
                                                "nvidia.com/gpu": 1000, "pods": 1000}


def test_init_container_peak_wins_when_larger() -> None:
    spec = {"containers": [c("500m", "128Mi")], "initContainers": [c("2", "64Mi")]}
    assert effective_requests(spec, "spec") == {"cpu": 2000, "memory": 128 * MI,
                                                "pods": 1000}


def test_sidecars_add_to_steady_state_and_to_later_init_containers() -> None:
    spec = {"initContainers": [c("100m", "10Mi", sidecar=True), c("1", "1Mi"),
                               c("200m", "20Mi", sidecar=True), c("1", "1Mi")],
            "containers": [c("500m", "100Mi")]}
    # steady: 500m + 100m + 200m = 800m; init peaks: 1 + 100m, then 1 + 300m = 1300m
    # memory: steady 130Mi; init peaks 11Mi, 31Mi
    assert effective_requests(spec, "spec") == {"cpu": 1300, "memory": 130 * MI,
                                                "pods": 1000}


def test_sidecar_started_after_an_init_container_does_not_count_for_it() -> None:
    spec = {"initContainers": [c("1"), c("700m", sidecar=True)], "containers": [c("100m")]}
    # the plain init container runs alone (1 CPU); afterwards 700m + 100m = 800m
    assert effective_requests(spec, "spec")["cpu"] == 1000


def test_overhead_is_added() -> None:
    spec = {"containers": [c("1", "1Gi")], "overhead": {"cpu": "250m", "memory": "120Mi"},
            "initContainers": [c("3")]}
    assert effective_requests(spec, "spec") == {"cpu": 3250, "memory": GI + 120 * MI,
                                                "pods": 1000}


def pod_doc(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web",
                                                            "namespace": "default"},
            "spec": spec}


@pytest.mark.parametrize(("spec", "field"), [
    ({"containers": [c("lots")]}, "spec.containers[0].resources.requests.cpu"),
    ({"containers": [c("1"), c("1", "2GB")]}, "spec.containers[1].resources.requests.memory"),
    ({"containers": [c(limits={"memory": "x"})]}, "spec.containers[0].resources.limits.memory"),
    ({"containers": [c("-1")]}, "spec.containers[0].resources.requests.cpu"),
    ({"initContainers": [c("1e99")]}, "spec.initContainers[0].resources.requests.cpu"),
    ({"overhead": {"cpu": "?"}}, "spec.overhead.cpu"),
])
def test_quantity_errors_name_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(QuantityError) as err:
        parse_pod(pod_doc(spec), "pod.yaml (Pod default/web)")
    message = str(err.value)
    assert message.startswith(f"pod.yaml (Pod default/web).{field}: "), message


@pytest.mark.parametrize(("spec", "field"), [
    ({"containers": "oops"}, "spec.containers"),
    ({"containers": ["oops"]}, "spec.containers[0]"),
    ({"tolerations": [{"key": "a", "operator": "Maybe"}]}, "spec.tolerations[0].operator"),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "a", "operator": "Near"}]}]}}}},
     "nodeSelectorTerms[0].matchExpressions[0].operator"),
])
def test_structure_errors_name_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        parse_pod(pod_doc(spec), "pod.yaml")
    assert f"{field}: " in str(err.value), str(err.value)


def test_parse_pod_requests() -> None:
    pod = parse_pod(pod_doc({"containers": [c("1", "1Gi")]}), "pod.yaml")
    assert pod.requests == {"cpu": 1000, "memory": GI, "pods": 1000}
    assert pod.key == "default/web"


def test_parse_requirement_errors() -> None:
    with pytest.raises(InputError, match=r"reqs\[0\]\.key"):
        parse_requirement({"operator": "In", "values": ["a"]}, "reqs[0]")
    req = parse_requirement({"key": "k", "operator": "Gt", "values": ["3"], "minValues": 2},
                            "reqs[0]")
    assert (req.key, req.operator, req.values, req.min_values) == ("k", "Gt", ("3",), 2)
