"""A pod's requests with an in-place resize in progress (Karpenter v1.14 counts the status).

Ported from upstream utils/resources/suite_test.go Context("UseStatusResources") (#3065).
"""

from __future__ import annotations

from typing import Any

from kubectl_karp.model.parse import parse_pod

GI = 2**30 * 1000
MI = 2**20 * 1000


def _pod(spec_requests: dict[str, str], status: dict[str, Any] | None = None) -> Any:
    doc: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
        "spec": {"nodeName": "n1", "containers": [
            {"name": "app", "image": "app", "resources": {"requests": spec_requests}}]},
        "status": {"phase": "Running", **(status or {})}}
    return parse_pod(doc, "pod")


def _status(allocated: dict[str, str], requests: dict[str, str]) -> dict[str, Any]:
    return {"containerStatuses": [{"name": "app", "allocatedResources": allocated,
                                   "resources": {"requests": requests}}]}


def test_allocated_resources_above_spec_count() -> None:
    # It("should use allocatedResources when higher than spec requests (resize-down in progress)")
    pod = _pod({"cpu": "2", "memory": "512Mi"},
               _status({"cpu": "6", "memory": "2Gi"}, {"cpu": "2", "memory": "512Mi"}))
    assert pod.requests["cpu"] == 2000
    assert pod.status_requests is not None
    assert (pod.status_requests["cpu"], pod.status_requests["memory"]) == (6000, 2 * GI)


def test_spec_above_allocated_resources_counts() -> None:
    # It("should use spec requests when higher than allocatedResources (resize-up in progress)")
    pod = _pod({"cpu": "8", "memory": "4Gi"},
               _status({"cpu": "2", "memory": "1Gi"}, {"cpu": "8", "memory": "4Gi"}))
    assert pod.status_requests is not None
    assert (pod.status_requests["cpu"], pod.status_requests["memory"]) == (8000, 4 * GI)


def test_no_status_resources_means_spec() -> None:
    # It("should use spec requests when allocatedResources is not set (no resize)")
    pod = _pod({"cpu": "4", "memory": "2Gi"})
    assert pod.status_requests is None
    assert (pod.requests["cpu"], pod.requests["memory"]) == (4000, 2 * GI)


def test_infeasible_resize_counts_the_status_only() -> None:
    # component-helpers determineContainerReqs: an Infeasible resize never happens
    pod = _pod({"cpu": "8"}, {**_status({"cpu": "2"}, {"cpu": "2"}),
                              "conditions": [{"type": "PodResizePending", "status": "True",
                                              "reason": "Infeasible"}]})
    assert pod.status_requests is not None and pod.status_requests["cpu"] == 2000
