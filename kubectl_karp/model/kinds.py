"""The one table of node-class kinds: which (group, kind) belongs to which cloud provider.

Parsing (which documents are node classes), the live source (which API groups to discover and
list), apply's schemas and the provider registry all read this table, so adding a kind — or a
second group for the same kind — is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NodeClassKind:
    group: str
    kind: str
    plural: str
    versions: tuple[str, ...]  # the versions we read, best first; versions[0] is what apply writes
    provider: str  # providers.registry name
    note: str = ""  # who publishes it, in words

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.versions[0]}"

    @property
    def name(self) -> str:
        return f"{self.kind}.{self.group}"


NODE_CLASS_KINDS: tuple[NodeClassKind, ...] = (
    NodeClassKind("karpenter.k8s.tke", "TKEMachineNodeClass", "tkemachinenodeclasses",
                  ("v1beta1", "v1"), "tke", "TencentCloud/karpenter-provider-tke"),
    NodeClassKind("karpenter.k8s.aws", "EC2NodeClass", "ec2nodeclasses", ("v1", "v1beta1"),
                  "aws", "aws/karpenter-provider-aws"),
    # upstream: AliyunContainerService/karpenter-provider-alibabacloud pkg/apis/v1alpha1
    # register.go (GroupVersion karpenter.alibabacloud.com/v1alpha1).
    NodeClassKind("karpenter.alibabacloud.com", "ECSNodeClass", "ecsnodeclasses",
                  ("v1alpha1",), "alibaba",
                  "AliyunContainerService/karpenter-provider-alibabacloud"),
    # The community fork's group, still met in clusters that installed it; read the same way.
    NodeClassKind("karpenter.k8s.alibabacloud", "ECSNodeClass", "ecsnodeclasses",
                  ("v1alpha1", "v1"), "alibaba", "community fork of the Alibaba provider"),
    NodeClassKind("karpenter.k8s.huawei", "CCENodeClass", "ccenodeclasses", ("v1alpha1", "v1"),
                  "huawei", "huaweicloud-samples/karpenter-provider-huawei"),
)

BY_GROUP_KIND: dict[tuple[str, str], NodeClassKind] = {
    (k.group, k.kind): k for k in NODE_CLASS_KINDS}
NODE_CLASS_GROUPS: dict[str, tuple[str, ...]] = {k.group: k.versions for k in NODE_CLASS_KINDS}
KIND_NAMES: frozenset[str] = frozenset(k.kind for k in NODE_CLASS_KINDS)


def provider_of(group: str, kind: str) -> str | None:
    """The provider owning a node class (group and kind must both match), else None."""
    found = BY_GROUP_KIND.get((group, kind))
    return found.provider if found else None


def kinds_of(provider: str) -> tuple[NodeClassKind, ...]:
    return tuple(k for k in NODE_CLASS_KINDS if k.provider == provider)
