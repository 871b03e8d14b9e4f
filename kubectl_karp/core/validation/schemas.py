"""kubectl-karp's own schema model of the objects ``apply`` accepts, used when no cluster
CRD is reachable (and for the kinds table either way).

Written from the Karpenter v1 and provider CRDs (field names, enums, ranges); the CEL rules of
those CRDs live in ``rules`` as Python. EC2NodeClass, ECSNodeClass and CCENodeClass are
modelled lightly: their required selector terms and a few ranges, other fields pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_karp.model import kinds

Schema = dict[str, Any]

LABEL_KEY = (r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(\/))?"
             r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
DURATION_OR_NEVER = r"^(([0-9]+(s|m|h))+|Never)$"
QUANTITY = (r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|"
            r"([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$")
DURATION_HINT = "a duration such as 30s, 5m, 720h or Never"


def string(*, enum: tuple[str, ...] | None = None, pattern: str | None = None,
           hint: str | None = None, min_length: int | None = None,
           max_length: int | None = None) -> Schema:
    out: Schema = {"type": "string"}
    if enum:
        out["enum"] = list(enum)
    if pattern:
        out["pattern"] = pattern
    if hint:
        out["x-karp-hint"] = hint
    if min_length is not None:
        out["minLength"] = min_length
    if max_length is not None:
        out["maxLength"] = max_length
    return out


def integer(minimum: int | None = None, maximum: int | None = None) -> Schema:
    out: Schema = {"type": "integer"}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


def obj(properties: Mapping[str, Schema] | None = None, *, required: tuple[str, ...] = (),
        additional: Schema | None = None, open_: bool = False,
        max_properties: int | None = None) -> Schema:
    out: Schema = {"type": "object"}
    if properties:
        out["properties"] = dict(properties)
    if required:
        out["required"] = list(required)
    if additional is not None:
        out["additionalProperties"] = additional
    if open_:
        out["x-kubernetes-preserve-unknown-fields"] = True
    if max_properties is not None:
        out["maxProperties"] = max_properties
    return out


def array(items: Schema, *, max_items: int | None = None, min_items: int | None = None
          ) -> Schema:
    out: Schema = {"type": "array", "items": items}
    if max_items is not None:
        out["maxItems"] = max_items
    if min_items is not None:
        out["minItems"] = min_items
    return out


def _document(spec: Schema) -> Schema:
    return obj({"apiVersion": string(), "kind": string(), "metadata": obj(open_=True),
                "spec": spec, "status": obj(open_=True)}, required=("spec",))


# --------------------------------------------------------------------------- NodePool

_TAINT = obj({"key": string(min_length=1, pattern=LABEL_KEY, hint="a label-style key"),
              "value": string(pattern=LABEL_KEY, hint="a label-style value"),
              "effect": string(enum=("NoSchedule", "PreferNoSchedule", "NoExecute")),
              "timeAdded": string()}, required=("key", "effect"))
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte")
_REQUIREMENT = obj({
    "key": string(pattern=LABEL_KEY, max_length=316,
                  hint="a label key such as karpenter.k8s.tke/instance-family"),
    "operator": string(enum=OPERATORS),
    "values": array(string(max_length=63, pattern=LABEL_VALUE,
                           hint="a label value: letters, digits, '-', '_', '.'")),
    "minValues": integer(1, 50),
}, required=("key", "operator"))
_BUDGET = obj({
    "nodes": string(pattern=r"^((100|[0-9]{1,2})%|[0-9]+)$",
                    hint="a node count such as 3 or a percentage 0%–100%"),
    "reasons": array(string(enum=("Underutilized", "Empty", "Drifted")), max_items=50),
    "schedule": string(pattern=r"^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|"
                               r"((.+)\s(.+)\s(.+)\s(.+)\s(.+))$",
                       hint="a cron schedule with 5 fields such as '0 9 * * mon-fri' or "
                            "@daily"),
    "duration": string(pattern=r"^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$",
                       hint="hours and/or minutes such as 8h, 30m or 1h30m"),
}, required=("nodes",))
NODEPOOL_SPEC = obj({
    "template": obj({
        "metadata": obj({
            "labels": obj(additional=string(max_length=63, pattern=LABEL_VALUE,
                                            hint="a label value"), max_properties=100),
            "annotations": obj(additional=string()),
        }),
        "spec": obj({
            "nodeClassRef": obj({"group": string(min_length=1, pattern=r"^[^/]*$",
                                                 hint="an API group without a version"),
                                 "kind": string(min_length=1), "name": string(min_length=1)},
                                required=("group", "kind", "name")),
            "requirements": array(_REQUIREMENT, max_items=100),
            "taints": array(_TAINT),
            "startupTaints": array(_TAINT),
            "expireAfter": string(pattern=DURATION_OR_NEVER, hint=DURATION_HINT),
            "terminationGracePeriod": string(pattern=r"^([0-9]+(s|m|h))+$",
                                             hint="a duration such as 30s, 10m or 48h"),
        }, required=("nodeClassRef", "requirements")),
    }, required=("spec",)),
    "disruption": obj({
        "budgets": array(_BUDGET, max_items=50),
        "consolidateAfter": string(pattern=DURATION_OR_NEVER, hint=DURATION_HINT),
        "consolidationPolicy": string(enum=("WhenEmpty", "WhenEmptyOrUnderutilized",
                                            "Balanced")),
    }),
    "limits": obj(additional={"x-kubernetes-int-or-string": True, "pattern": QUANTITY,
                              "x-karp-hint": "a quantity such as 100, 500m or 64Gi"}),
    "weight": integer(1, 100),
    "replicas": integer(0),
}, required=("template",))

# --------------------------------------------------------------------------- TKE

_DISK_TYPES = ("CloudPremium", "CloudSSD", "CloudHSSD", "CloudTSSD", "CloudBSSD")
_TAGS = obj(additional=string(), max_properties=20)


def _terms(id_pattern: str, id_hint: str, max_items: int) -> Schema:
    return array(obj({"id": string(pattern=id_pattern, hint=id_hint), "tags": _TAGS}),
                 max_items=max_items)


TKE_SPEC = obj({
    "subnetSelectorTerms": _terms(r"subnet-[0-9a-z]+", "a subnet ID such as subnet-abc123", 30),
    "securityGroupSelectorTerms": _terms(r"sg-[0-9a-z]+", "a security group ID such as "
                                                          "sg-abc123", 5),
    "sshKeySelectorTerms": _terms(r"skey-[0-9a-z]+", "an SSH key ID such as skey-abc123", 30),
    "systemDisk": obj({"size": integer(20, 2048), "type": string(enum=_DISK_TYPES)},
                      required=("size",)),
    "dataDisks": array(obj({"size": integer(20, 32000), "type": string(enum=_DISK_TYPES),
                            "fileSystem": string(enum=("ext3", "ext4", "xfs")),
                            "mountTarget": string()}, required=("size",))),
    "internetAccessible": obj({
        "chargeType": string(enum=("TrafficPostpaidByHour", "BandwidthPackage",
                                   "BandwidthPostpaidByHour")),
        "maxBandwidthOut": integer(1, 100),
        "bandwidthPackageID": string(pattern=r"bwp-[0-9a-z]+", hint="an ID such as bwp-abc123"),
    }),
    "lifecycleScript": obj({"preInitScript": string(), "postInitScript": string()}),
    "tags": obj(additional=string()),
}, required=("subnetSelectorTerms", "securityGroupSelectorTerms"))

# --------------------------------------------------------------------------- others, lightly

_OPEN_TERMS = array(obj(open_=True), max_items=30)
EC2_SPEC = obj({
    "amiFamily": string(enum=("AL2", "AL2023", "Bottlerocket", "Windows2019", "Windows2022",
                              "Custom")),
    "amiSelectorTerms": _OPEN_TERMS,
    "subnetSelectorTerms": _OPEN_TERMS,
    "securityGroupSelectorTerms": _OPEN_TERMS,
    "role": string(), "instanceProfile": string(),
    "metadataOptions": obj({"httpTokens": string(enum=("required", "optional")),
                            "httpPutResponseHopLimit": integer(1, 64)}, open_=True),
}, required=("amiSelectorTerms", "subnetSelectorTerms", "securityGroupSelectorTerms"),
    open_=True)
ECS_SPEC = obj({"vSwitchSelectorTerms": _OPEN_TERMS, "securityGroupSelectorTerms": _OPEN_TERMS},
               required=("vSwitchSelectorTerms", "securityGroupSelectorTerms"), open_=True)
CCE_SPEC = obj({"subnetSelectorTerms": _OPEN_TERMS}, required=("subnetSelectorTerms",),
               open_=True)


@dataclass(frozen=True, slots=True)
class Kind:
    api_version: str
    kind: str
    plural: str
    schema: Schema = field(compare=False, repr=False)
    provider: str | None = None  # None for NodePool

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{self.group}"

    @property
    def is_node_class(self) -> bool:
        return self.provider is not None


_NODE_CLASS_SPECS: dict[str, Schema] = {
    "tke": _document(TKE_SPEC), "aws": _document(EC2_SPEC), "alibaba": _document(ECS_SPEC),
    "huawei": _document(CCE_SPEC)}
# NodePool, then every node class of the one kinds table (model/kinds.py).
KINDS: tuple[Kind, ...] = (
    Kind("karpenter.sh/v1", "NodePool", "nodepools", _document(NODEPOOL_SPEC)),
    *(Kind(k.api_version, k.kind, k.plural, _NODE_CLASS_SPECS[k.provider], k.provider)
      for k in kinds.NODE_CLASS_KINDS),
)
BY_API: dict[tuple[str, str], Kind] = {(k.api_version, k.kind): k for k in KINDS}
# By kind alone (error hints): the first row wins, i.e. a kind's official group.
BY_KIND: dict[str, Kind] = {}
for _kind in KINDS:
    BY_KIND.setdefault(_kind.kind, _kind)
BY_GROUP_KIND: dict[tuple[str, str], Kind] = {(k.group, k.kind): k for k in KINDS}


def accepted_kinds() -> str:
    return ", ".join(f"{k.kind} ({k.api_version})" for k in KINDS)
