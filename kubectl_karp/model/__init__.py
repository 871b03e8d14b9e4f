"""The pure cluster model: quantities, label requirements, taints, objects, the snapshot.

Nothing in this package performs I/O or imports a Kubernetes client, click or textual
(an import-linter contract in pyproject.toml enforces it).
"""
