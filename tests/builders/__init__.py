"""The one home of test fixtures, by object family.

- ``documents``: Kubernetes documents as users write them (NodePools, node classes, nodes,
  NodeClaims, pods, DaemonSets, volumes) and the snapshot/context they make;
- ``catalogs``: instance-type catalogues in Karpenter's fake cloud provider convention;
- ``cluster``: a cluster built as model dataclasses (the disruption suite's ``Cluster``);
- ``generated``: a TKE-shaped cluster of any size, as a live API server lists it.

The scenario runners (tests/scheduling/runner.py, tests/disruption/test_scenarios.py) are
scenario formats: they translate compact YAML into calls of these builders.
"""
