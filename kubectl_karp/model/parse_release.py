"""Which Karpenter core release a cluster runs, read from the documents that tell it.

Three kinds of evidence, best first (docs/karpenter-versions.md, "Which release is
followed"):

1. our own ``kind: KarpenterVersion`` document, which ``kubectl karp snapshot`` writes;
2. the controller's Deployment: the tag of its image. A provider's image carries the
   *provider's* version, which is not core's (the TKE provider v0.2.0 builds on core v1.9.0),
   so ``PROVIDER_IMAGES`` maps provider versions to the core release their go.mod names;
3. the NodePool CRD: schema features that appeared in a known release (``CRD_FEATURES``).
   CRDs can lag the controller (Helm never upgrades a chart's crds/), so they give the
   oldest release consistent with them.

Pure: documents in, a ``Detection`` (version string + the words saying why) out. The
sources list the objects; core.releases turns the version into rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kubectl_karp.errors import InputError

# The document `kubectl karp snapshot` writes (same API group as our -o json documents).
VERSION_API = "karp.kubectl.io/v1alpha1"
VERSION_KIND = "KarpenterVersion"

# app.kubernetes.io/name of the controller Deployment in the providers' charts: "karpenter"
# (kubernetes-sigs, AWS, TKE and Alibaba charts: the chart name) and Huawei's chart name.
CONTROLLER_NAMES = ("karpenter", "karpenter-provider-huawei")
CONTROLLER_LABEL = "app.kubernetes.io/name"
CONTROLLER_SELECTOR = f"{CONTROLLER_LABEL} in ({','.join(CONTROLLER_NAMES)})"
# Container names of the controller in those charts (Huawei's is "manager").
CONTROLLER_CONTAINERS = ("controller", "manager")

# "v1.9.0", "1.9", "1.9.0-rc.1", "1.9.0-tke.3", "0.2.0"
_VERSION = re.compile(r"^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(?:[-+][0-9A-Za-z.\-+]*)?$")


def version_numbers(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a version string, or None when it names no version."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def image_tag(image: str) -> str | None:
    """The tag of an image reference (``registry/path:tag@sha256:…``); None without one."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return None
    return last.rsplit(":", 1)[1]


def image_repository(image: str) -> str:
    """The image reference without tag and digest."""
    ref = image.split("@", 1)[0]
    head, _, last = ref.rpartition("/")
    name = last.split(":", 1)[0]
    return f"{head}/{name}" if head else name


def short_image(image: str) -> str:
    """``tkeimages/karpenter-tke-controller:v0.2.0`` for messages: no registry, no digest."""
    return "/".join(image.split("@", 1)[0].split("/")[-2:])


@dataclass(frozen=True)
class ProviderImage:
    """A provider's controller image and the core release each of its versions builds on."""

    provider: str
    image: str  # the repository the provider's chart installs by default, for docs
    repository: re.Pattern[str]  # matched against image_repository(image)
    # provider version (its tags) → the core release its go.mod names. Only released
    # versions are listed: an unknown one is not guessed. Empty with same_minor: the
    # provider's vX.Y is core's vX.Y.
    versions: Mapping[str, str] = field(default_factory=dict)
    same_minor: bool = False
    evidence: str = ""  # where the mapping was read, for docs


# Provider version → core release, from each provider's go.mod (sigs.k8s.io/karpenter) at
# its tags; docs/karpenter-versions.md renders this table. Order matters: Huawei's
# repository also ends in karpenter/controller, so it comes before AWS.
PROVIDER_IMAGES: tuple[ProviderImage, ...] = (
    ProviderImage(
        "TKE", "ccr.ccs.tencentyun.com/tkeimages/karpenter-tke-controller",
        re.compile(r"(^|/)tkeimages/karpenter-tke-controller$"), {"v0.2.0": "v1.9.0"},
        evidence="TencentCloud/karpenter-provider-tke: charts/karpenter tag v0.2.0 (chart "
                 "0.2.0; regional registries prefix the host, e.g. hkccr.ccs.tencentyun.com); "
                 "go.mod names sigs.k8s.io/karpenter v1.9.0 since commit de5c919 (2026-03). "
                 "The repository has no tags and kept v0.2.0 across that change: earlier "
                 "v0.2.0 builds used a fork of core v1.3.2, outside the supported range"),
    ProviderImage(
        "Alibaba Cloud", "registry-cn-hangzhou.ack.aliyuncs.com/acs/karpenter-provider-"
        "alibabacloud", re.compile(r"(^|/)karpenter-provider-alibabacloud$"),
        dict.fromkeys(("v0.2.0", "v0.2.1", "v0.2.2", "v0.2.3", "v0.2.4"), "v1.8.0"),
        evidence="AliyunContainerService/karpenter-provider-alibabacloud: go.mod names "
                 "v1.8.0 at tags v0.2.0 to v0.2.4"),
    ProviderImage(
        "Huawei Cloud", "swr.ap-southeast-3.myhuaweicloud.com/hwclouddeveloper/cce/karpenter/"
        "controller", re.compile(r"(myhuaweicloud\.com/.*|(^|/)cce)/karpenter/controller$"),
        {**dict.fromkeys(("v0.1.0", "v0.1.1", "v0.2.0", "v0.2.1", "v0.3.0"), "v1.8.2"),
         "v0.3.1": "v1.13.0"},
        evidence="huaweicloud-samples/karpenter-provider-huawei: go.mod names v1.8.2 at tags "
                 "v0.1.0 to v0.3.0 and v1.13.0 at v0.3.1 (image tags have no \"v\"; the "
                 "chart's CRDs stayed at v1.8.x)"),
    ProviderImage(
        "AWS", "public.ecr.aws/karpenter/controller",
        re.compile(r"(^|/)karpenter/controller$"), same_minor=True,
        evidence="aws/karpenter-provider-aws: go.mod names core v1.N.x at every tag v1.N.x "
                 "from v1.6.0 to v1.14.1 (patch levels differ, e.g. v1.8.4 uses v1.8.1); "
                 "image tags have no \"v\""),
)


@dataclass(frozen=True)
class Detection:
    """What the evidence says: a version ("" when it does not tell) and why."""

    version: str = ""
    reason: str = ""
    # Set when the evidence was found but could not be read as a release.
    problem: str = ""


def release_from_image(image: str) -> Detection:
    """The core release a controller image runs (see ``PROVIDER_IMAGES``)."""
    tag = image_tag(image)
    shown = short_image(image)
    if tag is None:
        return Detection(problem=f"the controller image {shown} has no tag (pinned by digest "
                                 "only), so it names no release")
    numbers = version_numbers(tag)
    if numbers is None:
        return Detection(problem=f"the controller image tag {tag!r} is not a version")
    repository = image_repository(image)
    said = f"detected from the controller image {shown}"
    for entry in PROVIDER_IMAGES:
        if not entry.repository.search(repository):
            continue
        if entry.same_minor:
            core = f"v{numbers[0]}.{numbers[1]}"
            return Detection(core, f"{said}: the {entry.provider} provider v{numbers[0]}."
                                   f"{numbers[1]} builds on core {core}")
        provider_version = "v{}.{}.{}".format(*numbers)
        core = entry.versions.get(provider_version, "")
        if core:
            return Detection(core, f"{said}: the {entry.provider} provider "
                                   f"{provider_version} builds on core {core}")
        return Detection(problem=f"the controller image {shown} is the {entry.provider} "
                                 f"provider's own version {provider_version}, which "
                                 "kubectl-karp cannot map to a Karpenter core release")
    if numbers[0] == 0:
        # A 0.x tag is a provider's own version (every core release since 2024 is 1.x).
        return Detection(problem=f"the controller image {shown} carries a 0.x version, a "
                                 "provider's own version rather than Karpenter core's")
    return Detection("v{}.{}.{}".format(*numbers), said)


def _sub(doc: Any, key: str) -> Mapping[str, Any]:
    """``doc[key]`` when both are mappings, else an empty mapping (documents are untrusted)."""
    value = doc.get(key) if isinstance(doc, Mapping) else None
    return value if isinstance(value, Mapping) else {}


@lru_cache(maxsize=1024)  # every pod of a snapshot is asked; images repeat
def is_controller_image(image: str) -> bool:
    repository = image_repository(image)
    # Self-built images rarely keep a provider's path but keep "karpenter" in their name.
    return "karpenter" in repository.rsplit("/", 1)[-1] or any(
        e.repository.search(repository) for e in PROVIDER_IMAGES)


CONTROLLER_KINDS = ("Deployment", "Pod")


def _plain_pod(doc: Mapping[str, Any]) -> bool:
    """A pod no container image or label makes a controller's: what nearly every pod of a
    snapshot is, decided without the lists controller_image builds (an exactness test in
    tests/model/test_parse_release.py compares the two)."""
    meta, spec = doc.get("metadata"), doc.get("spec")
    if type(meta) is not dict or type(spec) is not dict:
        return False
    labels = meta.get("labels")
    if labels is not None and (type(labels) is not dict
                               or labels.get(CONTROLLER_LABEL) in CONTROLLER_NAMES):
        return False
    containers = spec.get("containers")
    if type(containers) is not list:
        return containers is None
    for container in containers:
        if type(container) is not dict:
            return False
        image = container.get("image")
        if type(image) is str and is_controller_image(image):
            return False
    return True


def controller_image(doc: Mapping[str, Any]) -> str | None:
    """The controller container's image if ``doc`` is a Karpenter controller Deployment or
    one of its pods (which carry the same labels: the charts' selector labels)."""
    kind = doc.get("kind")
    if kind not in CONTROLLER_KINDS:
        return None
    if kind == "Pod" and _plain_pod(doc):
        return None
    labelled = _sub(_sub(doc, "metadata"), "labels").get(CONTROLLER_LABEL) in CONTROLLER_NAMES
    pod = _sub(doc, "spec") if kind == "Pod" else _sub(_sub(_sub(doc, "spec"), "template"),
                                                       "spec")
    listed = pod.get("containers")
    containers = [c for c in (listed if isinstance(listed, list) else [])
                  if isinstance(c, Mapping) and isinstance(c.get("image"), str)]
    named = [c for c in containers if c.get("name") in CONTROLLER_CONTAINERS]
    for container in (*named, *containers):
        if is_controller_image(container["image"]) or (labelled and container in named):
            return str(container["image"])
    return None


def _where(doc: Mapping[str, Any]) -> tuple[int, str]:
    """(Deployments first, "Kind namespace/name") — the order controllers are followed in."""
    meta = _sub(doc, "metadata")
    namespace, name = meta.get("namespace"), meta.get("name")
    kind = str(doc.get("kind"))
    return (CONTROLLER_KINDS.index(kind) if kind in CONTROLLER_KINDS else len(CONTROLLER_KINDS),
            f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}")


def release_from_deployments(docs: Iterable[Mapping[str, Any]]) -> tuple[Detection, bool]:
    """Detection from the controller Deployments (or their pods) among ``docs``; and whether
    one was found.

    Several controllers (two installs) are followed in namespace/name order, Deployments
    before pods; the reason names the releases of the others when they differ.
    """
    found = sorted((_where(d), image) for d in docs
                   if (image := controller_image(d)) is not None)
    if not found:
        return Detection(), False
    results = [(where, release_from_image(image)) for (_, where), image in found]
    usable = [(where, d) for where, d in results if d.version]
    if not usable:
        return Detection(problem=results[0][1].problem), True
    where, chosen = usable[0]
    others = sorted({d.version for _, d in usable[1:]} - {chosen.version})
    reason = f"{chosen.reason} ({where})"
    if others:
        reason += f"; other controllers run {', '.join(others)}"
    return Detection(chosen.version, reason), True


# ----------------------------------------------------------------------------- CRD features

@dataclass(frozen=True)
class CrdFeature:
    """A NodePool CRD schema feature and the first core release whose CRD has it."""

    since: str
    until: str  # last release before the next feature: the range the feature alone implies
    pr: str
    description: str
    path: tuple[str, ...]  # under the version's openAPIV3Schema.properties.spec.properties
    # The node at ``path`` has this key, or (with value) this value in its enum.
    key: str = ""
    enum_value: str = ""


# Newest first; read from pkg/apis/crds/karpenter.sh_nodepools.yaml at the tags v1.7.0 …
# v1.14.0. v1.10, v1.11 and v1.12 changed nothing in the schema (v1.12 only bumped the
# controller-gen annotation, which providers regenerate), so v1.9 … v1.12 look alike.
CRD_FEATURES: tuple[CrdFeature, ...] = (
    CrdFeature("v1.14", "v1.14", "#2962", "consolidationPolicy Balanced",
               ("disruption", "consolidationPolicy"), enum_value="Balanced"),
    CrdFeature("v1.13", "v1.13", "#2654", "list-type markers on disruption.budgets",
               ("disruption", "budgets"), key="x-kubernetes-list-type"),
    CrdFeature("v1.9", "v1.12", "#2674", "requirement operator Gte",
               ("template", "spec", "requirements", "*", "operator"), enum_value="Gte"),
    CrdFeature("v1.8", "v1.8", "#2521", "spec.replicas (static NodePools)",
               ("replicas",), key="type"),
)
NEWEST_FEATURE = CRD_FEATURES[0].since
OLDER_THAN_FEATURES = "v1.7"


def _schema_node(spec_props: Mapping[str, Any], path: Sequence[str]) -> Mapping[str, Any] | None:
    node: Any = {"properties": spec_props}
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get("items") if part == "*" else (node.get("properties") or {}).get(part)
    return node if isinstance(node, Mapping) else None


def _spec_properties(crd: Mapping[str, Any]) -> Mapping[str, Any] | None:
    listed = _sub(crd, "spec").get("versions")
    versions = [v for v in (listed if isinstance(listed, list) else []) if isinstance(v, Mapping)]
    # The storage version (v1 since Karpenter v1.0) is the schema the controller writes.
    versions.sort(key=lambda v: (not v.get("storage"), not v.get("served"), str(v.get("name"))))
    for version in versions:
        root = _sub(_sub(version, "schema"), "openAPIV3Schema")
        props = _sub(_sub(_sub(root, "properties"), "spec"), "properties")
        if props:
            return props
    return None


def release_from_nodepool_crd(crd: Mapping[str, Any], where: str = "NodePool CRD"
                              ) -> Detection:
    """The oldest release consistent with the NodePool CRD's schema (see ``CRD_FEATURES``)."""
    props = _spec_properties(crd)
    if props is None:
        return Detection(problem=f"the {where} carries no schema")
    for feature in CRD_FEATURES:
        node = _schema_node(props, feature.path)
        if node is None:
            continue
        listed = node.get("enum")
        enum = listed if isinstance(listed, list) else []
        if (feature.enum_value and feature.enum_value in enum) or (
                feature.key and feature.key in node):
            span = (feature.since if feature.since == feature.until
                    else f"{feature.since} to {feature.until}, the oldest assumed")
            # Helm never upgrades a chart's crds/: an old CRD may serve a newer controller.
            caveat = "" if feature.since == NEWEST_FEATURE else "; CRDs can lag the controller"
            return Detection(f"{feature.since}.0", f"detected from the {where}: "
                                                   f"{feature.description}, so {span}{caveat}")
    return Detection(f"{OLDER_THAN_FEATURES}.0",
                     f"detected from the {where}: no spec.replicas, so older than v1.8")



def is_nodepool_crd(doc: Mapping[str, Any]) -> bool:
    return (doc.get("kind") == "CustomResourceDefinition"
            and _sub(doc, "metadata").get("name") == "nodepools.karpenter.sh")


# ----------------------------------------------------------------------------- our document

def parse_version_document(doc: Mapping[str, Any], where: str) -> Detection:
    """A ``kind: KarpenterVersion`` document (docs/karpenter-versions.md, "Snapshots")."""
    version = doc.get("version")
    if not isinstance(version, str) or version_numbers(version) is None:
        raise InputError(f"KarpenterVersion version must be a version such as v1.9.0, got "
                         f"{version!r}", where=where)
    reason = doc.get("reason")
    said = reason if isinstance(reason, str) and reason else f"Karpenter {version}"
    return Detection(version, f"recorded in the snapshot: {said}")


def version_document(version: str, source: str, reason: str) -> dict[str, Any]:
    """The document ``kubectl karp snapshot`` writes for what it detected."""
    return {"apiVersion": VERSION_API, "kind": VERSION_KIND, "version": version,
            "source": source, "reason": reason}
