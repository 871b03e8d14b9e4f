"""The fix that works comes first, one NodePoolLimitExceeded wording, and explain -f agreeing
with simulate -f (issue 19 items 4, 9, 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubectl_karp.cli.app import run

BIG = """apiVersion: apps/v1
kind: Deployment
metadata: {name: big, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      containers: [{name: c, image: x, resources: {requests: {cpu: "12"}}}]
"""


def test_summary_first_stuck_pods_first_nodepool_fix_before_node_hints(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["explain", "--demo"]) == 3
    lines = capsys.readouterr().out.splitlines()
    body = [line for line in lines[1:] if line.strip()]
    assert body[0] == "7 pod(s): 3 would be placed, 4 would stay Pending"
    heads = [line for line in lines if line and not line.startswith(" ")][2:-1]
    verdicts = ["stays Pending" in h for h in heads]
    assert verdicts == sorted(verdicts, reverse=True), heads  # all stuck ones first
    start = next(i for i, line in enumerate(lines) if line.startswith("ml/trainer-0"))
    block = lines[start:next(i for i in range(start + 1, len(lines)) if not lines[i])]
    limit = next(i for i, line in enumerate(block) if "NodePoolLimitExceeded" in line)
    raise_fix = next(i for i, line in enumerate(block) if "raise spec.limits.cpu" in line)
    hint = next(i for i, line in enumerate(block) if "lower CPU requests" in line)
    assert limit < raise_fix < hint


def test_limit_wording_states_the_largest_option_rule(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    assert run(["explain", "pod/trainer-0", "-n", "ml", "--demo", "-o", "json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    [reason] = [r for r in doc["pods"][0]["nodePools"][0]["reasons"]
                if r["code"] == "NodePoolLimitExceeded"]
    assert "each counted as its largest instance-type option" in reason["message"]
    assert "a planned NodeClaim counts as its largest instance-type option" in reason["detail"]


def test_explain_f_no_pending_is_simulate_f_no_pending(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(BIG, encoding="utf-8")
    for flags in ([], ["--no-pending"]):
        assert run(["simulate", "--demo", "-f", str(path), *flags, "-o", "json"]) == 3
        sim = json.loads(capsys.readouterr().out)
        [failure] = [u for u in sim["unschedulable"] if u["pod"] == "default/big-0"]
        sim_limit = next(r for r in failure["reasons"] if r["code"] == "NodePoolLimitExceeded")
        assert run(["explain", "--demo", "-f", str(path), *flags, "-o", "json"]) == 3
        exp = json.loads(capsys.readouterr().out)
        [pod] = exp["pods"]
        exp_limit = next(r for r in pod["nodePools"][0]["reasons"]
                         if r["code"] == "NodePoolLimitExceeded")
        assert exp_limit["message"] == sim_limit["message"]
        assert exp_limit["fix"] == sim_limit["fix"]
    assert "6 in use)" in sim_limit["message"]  # --no-pending: no other pod's NodeClaim
    assert run(["explain", "--demo", "--no-pending"]) == 2
