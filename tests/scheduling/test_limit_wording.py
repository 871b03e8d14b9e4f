"""One NodePoolLimitExceeded wording (issue 19 item 9): the reason simulate builds from the
batch (a limit used up by the NodeClaims planned for earlier pods) and the one explain's
single-pod diagnosis builds read the same, and both state that a planned NodeClaim counts as
its largest instance-type option."""

from __future__ import annotations

import re

from kubectl_karp.core.context import build_context
from kubectl_karp.core.reasons import NODEPOOL_LIMIT_EXCEEDED, Reason
from kubectl_karp.core.scheduling import SimulationResult, simulate
from kubectl_karp.sources.catalogs import bundled_catalogs
from kubectl_karp.sources.demo import load_demo
from tests.scheduling import runner

_SHAPE = re.compile(r"^NodePool \S+ limits\.\w+ is \S+ \((already reached: )?\S+ in use(, \S+ more "
                    r"for the NodeClaims simulate plans for other pending pods, each counted as "
                    r"its largest instance-type option)?\); the smallest instance type that "
                    r"fits, \S+, adds \S+$")
_RULE = "a planned NodeClaim counts as its largest instance-type option"


def _limit_reasons(result: SimulationResult) -> list[Reason]:
    return [r for f in result.unschedulable for r in f.reasons
            if r.code == NODEPOOL_LIMIT_EXCEEDED]


def test_batch_limit_reason_uses_the_one_wording() -> None:
    # upstream: scheduling/scheduler.go subtractMax (scenario 87: the first claim holds the
    # 8 vCPU of its largest option, so the limit runs out after two claims)
    result = runner.run(runner.load("87-limits-subtract-largest-open-option.yaml"))
    reasons = _limit_reasons(result)
    assert reasons
    for reason in reasons:
        assert _SHAPE.match(reason.message), reason.message
        assert "more for the NodeClaims simulate plans" in reason.message
        assert _RULE in reason.detail
        assert "would be exceeded" not in reason.message
        assert reason.fix.startswith("raise spec.limits.cpu of NodePool default from 10 to "
                                     "at least ")


def test_single_pod_limit_reason_reads_the_same() -> None:
    ctx = build_context(load_demo(), bundled_catalogs())
    reasons = _limit_reasons(simulate(ctx))
    assert reasons
    for reason in reasons:
        assert _SHAPE.match(reason.message), reason.message
        assert _RULE in reason.detail
