"""Karpenter's own word (its events) beside this tool's previews: read, compare, report."""

from kubectl_karp.core.verify.compare import (
    AGREE,
    DISAGREE,
    OURS_ONLY,
    UNKNOWN,
    Comparison,
    PodAnswer,
    VerifyReport,
    answers_from_explanation,
    answers_from_simulation,
    compare_nodes,
    compare_pods,
    verify,
)
from kubectl_karp.core.verify.messages import Statement, interpret

__all__ = ["AGREE", "DISAGREE", "OURS_ONLY", "UNKNOWN", "Comparison", "PodAnswer", "Statement",
           "VerifyReport", "answers_from_explanation", "answers_from_simulation",
           "compare_nodes", "compare_pods", "interpret", "verify"]
