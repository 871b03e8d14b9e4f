"""Tencent Kubernetes Engine: TKEMachineNodeClass, TKE labels and the TKE allocatable formula.

One module a job:
- ``labels``: the API group, the node-class kind and the well-known labels;
- ``zones``: the region table, zone IDs ↔ zone names, short region names;
- ``capacity``: the allocatable formula (kdump, VM overhead, tiered kube-reserved, eviction),
  max pods per node and the VPC-CNI extended resources, from figures the cloud adapter passes
  in as data;
- ``nodeclass``: what a TKEMachineNodeClass (and the cluster's nodes) tell: the disks behind
  ephemeral storage, the cluster ID and the subnet zones the live catalogue asks for;
- ``provider``: the provider itself (``PROVIDER``), built from the above.

The arithmetic follows karpenter-provider-tke (pkg/providers/instancetype).
"""
