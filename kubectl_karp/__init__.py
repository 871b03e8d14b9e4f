"""kubectl-karp: a Karpenter companion for kubectl."""

__version__ = "0.1.0"
