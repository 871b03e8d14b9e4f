"""Cluster state from a live API server, read once into a ClusterSnapshot.

Reads only what the tools need: nodes, non-terminal pods (Succeeded/Failed are filtered by
the server), DaemonSets, PDBs, PVCs, PVs, StorageClasses, CSINodes, namespace labels, the
events Karpenter recorded, the Karpenter objects whose CRDs discovery finds (NodeOverlays and
CapacityBuffers where served), and which Karpenter release runs (the controller Deployment's
image, else the NodePool CRD; ``detect_version``). Secrets and ConfigMaps are never read.
Lists are paginated and run concurrently; bodies are decoded with ``json.loads`` rather than
the client's (slow) model classes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from kubectl_karp.core.releases import (
    NEWEST,
    SOURCE_DEFAULT,
    SOURCE_DETECTED,
    SOURCE_FLAG,
    resolve_rules,
)
from kubectl_karp.errors import ClusterError
from kubectl_karp.model import kinds
from kubectl_karp.model.events import is_karpenter_event
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.parse_release import (
    CONTROLLER_SELECTOR,
    Detection,
    release_from_deployments,
    release_from_nodepool_crd,
)
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.sources.kubeclient import Connection, connect

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.options import ClusterOptions

KARPENTER_GROUP = "karpenter.sh"
# Versions of karpenter.sh the model understands, best first.
KARPENTER_VERSIONS = ("v1", "v1beta1")
PRE_V1_VERSIONS = ("v1alpha5",)
# Node class API groups → the versions we parse, best first.
NODE_CLASS_GROUPS: dict[str, tuple[str, ...]] = kinds.NODE_CLASS_GROUPS
NODE_CLASS_KINDS = kinds.KIND_NAMES
# Optional APIs read where served: group → (versions best first, the kinds read).
OPTIONAL_APIS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    KARPENTER_GROUP: (("v1alpha1",), frozenset({"NodeOverlay"})),
    "autoscaling.x-k8s.io": (("v1beta1", "v1alpha1"), frozenset({"CapacityBuffer"})),
}
WORKERS = 6
TERMINAL_PODS = "status.phase!=Succeeded,status.phase!=Failed"
# Large and never used: dropped before documents are kept (and written by `snapshot`).
_DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


@dataclass(frozen=True)
class ListSpec:
    """One collection to read."""

    path: str
    api_version: str
    kind: str
    resource: str  # for messages: "pods", "nodepools.karpenter.sh"
    required: bool
    query: Mapping[str, str] | None = None
    # A server too old to serve it (404) is read as "none": only for what is a bonus.
    may_be_absent: bool = False


PODS = ListSpec("/api/v1/pods", "v1", "Pod", "pods", True, {"fieldSelector": TERMINAL_PODS})
CORE_LISTS = (
    ListSpec("/api/v1/nodes", "v1", "Node", "nodes", True),
    PODS,
    ListSpec("/apis/apps/v1/daemonsets", "apps/v1", "DaemonSet", "daemonsets.apps", False),
    ListSpec("/apis/policy/v1/poddisruptionbudgets", "policy/v1", "PodDisruptionBudget",
             "poddisruptionbudgets.policy", False),
    ListSpec("/api/v1/persistentvolumeclaims", "v1", "PersistentVolumeClaim",
             "persistentvolumeclaims", False),
    ListSpec("/api/v1/persistentvolumes", "v1", "PersistentVolume", "persistentvolumes",
             False),
    ListSpec("/apis/storage.k8s.io/v1/storageclasses", "storage.k8s.io/v1", "StorageClass",
             "storageclasses.storage.k8s.io", False),
    ListSpec("/api/v1/namespaces", "v1", "Namespace", "namespaces", False),
    ListSpec("/apis/storage.k8s.io/v1/csinodes", "storage.k8s.io/v1", "CSINode",
             "csinodes.storage.k8s.io", False, may_be_absent=True),
    # What Karpenter said lately (kept: only its own events, see model.events).
    ListSpec("/apis/events.k8s.io/v1/events", "events.k8s.io/v1", "Event",
             "events.events.k8s.io", False, may_be_absent=True),
)


@dataclass(frozen=True)
class Discovery:
    """What discovery found about Karpenter in the cluster."""

    lists: tuple[ListSpec, ...]
    # CRD name (plural.group) → served versions, for `version` and messages.
    crds: Mapping[str, tuple[str, ...]]
    notes: tuple[str, ...]
    karpenter_version: str | None  # the karpenter.sh version read; None if not installed
    pre_v1_only: bool


def _group_versions(groups_doc: Any) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for group in (groups_doc or {}).get("groups") or []:
        if not isinstance(group, Mapping) or not isinstance(group.get("name"), str):
            continue
        versions = [str(v["version"]) for v in group.get("versions") or []
                    if isinstance(v, Mapping) and isinstance(v.get("version"), str)]
        out[group["name"]] = tuple(versions)
    return out


def _pick(served: tuple[str, ...], wanted: tuple[str, ...]) -> str | None:
    for version in wanted:
        if version in served:
            return version
    return None


def _resources(conn: Connection, group: str, version: str) -> list[Mapping[str, Any]]:
    doc = conn.get_json(f"/apis/{group}/{version}", resource=f"the {group}/{version} API",
                        verb="discover", allow=(404,))
    if not isinstance(doc, Mapping):
        return []
    return [r for r in doc.get("resources") or []
            if isinstance(r, Mapping) and isinstance(r.get("name"), str)
            and "/" not in r["name"]]


def discover(conn: Connection, pool: ThreadPoolExecutor | None = None) -> Discovery:
    """Find the Karpenter and node class APIs the server serves."""
    groups = _group_versions(conn.get_json("/apis", resource="the list of API groups",
                                           verb="discover"))
    karpenter_served = groups.get(KARPENTER_GROUP, ())
    karpenter_version = _pick(karpenter_served, KARPENTER_VERSIONS)
    # (group, version, read its objects?) — unsupported versions are still probed so that
    # `version` can name their CRDs.
    probes: list[tuple[str, str, bool, frozenset[str]]] = []
    for group, versions in ((KARPENTER_GROUP, KARPENTER_VERSIONS), *NODE_CLASS_GROUPS.items()):
        served = groups.get(group, ())
        if served:
            chosen = _pick(served, versions)
            wanted_kinds = frozenset({"NodePool", "NodeClaim"}) if group == KARPENTER_GROUP \
                else NODE_CLASS_KINDS
            probes.append((group, chosen or served[0], chosen is not None, wanted_kinds))
    for group, (versions, optional_kinds) in OPTIONAL_APIS.items():
        chosen = _pick(groups.get(group, ()), versions)
        if chosen is not None:
            probes.append((group, chosen, True, optional_kinds))
    runner: Callable[..., Any] = pool.map if pool is not None else map
    found = list(runner(lambda probe: _resources(conn, probe[0], probe[1]), probes))
    lists: list[ListSpec] = []
    crds: dict[str, tuple[str, ...]] = {}
    for (group, version, read, wanted), resources in zip(probes, found, strict=True):
        for res in resources:
            kind = res.get("kind")
            if kind not in wanted and group not in (KARPENTER_GROUP, *NODE_CLASS_GROUPS):
                continue  # autoscaling.x-k8s.io's other kinds are none of our business
            crds[f"{res['name']}.{group}"] = groups[group]
            if read and kind in wanted:
                lists.append(ListSpec(f"/apis/{group}/{version}/{res['name']}",
                                      f"{group}/{version}", str(kind),
                                      f"{res['name']}.{group}", kind == "NodePool"))
    notes: list[str] = []
    pre_v1 = bool(karpenter_served) and karpenter_version is None and any(
        v in karpenter_served for v in PRE_V1_VERSIONS)
    if karpenter_version == "v1beta1":
        notes.append(f"Karpenter in context {conn.context} serves karpenter.sh/v1beta1 only "
                     "(a pre-v1 release); NodePools are read as v1beta1, but kubectl-karp "
                     "models Karpenter v1 and results may differ")
    return Discovery(tuple(lists), crds, tuple(notes), karpenter_version, pre_v1)


def clean_item(item: dict[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    # List items carry no apiVersion/kind; put them first so the snapshot reads naturally.
    doc: dict[str, Any] = {"apiVersion": item.get("apiVersion") or api_version,
                           "kind": item.get("kind") or kind}
    doc.update((k, v) for k, v in item.items() if k not in ("apiVersion", "kind"))
    meta = doc.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            for key in _DROPPED_ANNOTATIONS:
                annotations.pop(key, None)
        if kind == "Namespace":
            doc = {"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": meta.get("name"), "labels": meta.get("labels") or {}}}
    return doc


def not_installed_message(context: str, discovery: Discovery) -> str:
    if discovery.pre_v1_only:
        return (f"Karpenter in context {context} is a pre-v1 release (karpenter.sh/v1alpha5 "
                "Provisioners only); kubectl-karp needs Karpenter v1 (karpenter.sh/v1 "
                "NodePools)")
    return f"Karpenter is not installed in context {context}: no karpenter.sh NodePool CRD"


# --------------------------------------------------------------------------- Karpenter release

DEPLOYMENTS_PATH = "/apis/apps/v1/deployments"
# Where the charts install the controller (the TKE chart's Role is in kube-system): read when
# no Deployment carries the usual labels (a nameOverride, an add-on with labels of its own).
CONTROLLER_NAMESPACES = ("kube-system", "karpenter")
NODEPOOL_CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/nodepools.karpenter.sh"


@dataclass(frozen=True)
class VersionFinding:
    """The Karpenter release a live cluster runs, how that was found, and what went wrong."""

    version: str
    source: str  # SOURCE_DETECTED, or SOURCE_DEFAULT when nothing told
    reason: str
    notes: tuple[str, ...] = ()


def _unreachable(message: str) -> bool:
    # No answer at all (refused, timed out): asking again would only add --request-timeout.
    return message.startswith("cannot reach")


PodSupplier = Callable[[], list[dict[str, Any]]]


def _controller_pods(conn: Connection) -> list[dict[str, Any]]:
    try:
        pods = conn.list_all("/api/v1/pods", resource="pods",
                             query={"labelSelector": CONTROLLER_SELECTOR})
    except ClusterError:
        return []
    return [clean_item(p, "v1", "Pod") for p in pods]


def _controller(conn: Connection, pods: PodSupplier) -> tuple[Detection, str, str]:
    """From the controller Deployment (or its pods): the detection, why the Deployment
    lookup failed, and a note when the pods had to tell instead."""
    failure = ""
    try:
        docs = conn.list_all(DEPLOYMENTS_PATH, resource="deployments.apps",
                             query={"labelSelector": CONTROLLER_SELECTOR})
    except ClusterError as err:
        docs, failure = [], str(err)
        if _unreachable(failure):
            return Detection(), failure, ""
    detection, found = release_from_deployments(
        clean_item(d, "apps/v1", "Deployment") for d in docs)
    if found:
        return detection, "", ""
    for namespace in CONTROLLER_NAMESPACES:
        try:
            docs = conn.list_all(f"/apis/apps/v1/namespaces/{namespace}/deployments",
                                 resource="deployments.apps", scope=f"in namespace {namespace}")
        except ClusterError:
            continue  # the cluster-wide failure, if any, is the one worth saying
        detection, found = release_from_deployments(
            clean_item(d, "apps/v1", "Deployment") for d in docs)
        if found:
            return detection, "", ""
    # Listing Deployments may be forbidden (pods never are: every command reads them), or the
    # Deployment be elsewhere; its pods carry the same labels and image. Saved snapshots are
    # read the same way (model.parse.build_snapshot), so live and offline agree.
    detection, _ = release_from_deployments(pods())
    if detection.version:
        return detection, "", (f"{failure}; the Karpenter version is taken from the "
                               "controller's pods" if failure else "")
    return Detection(), failure, ""


def detect_version(conn: Connection, pods: PodSupplier | None = None) -> VersionFinding:
    """The controller's image tag, else the NodePool CRD's features, else the newest release.

    Read-only and never fatal: a failed or forbidden lookup is said in a note and the next
    source is asked. Deployments are read for their image only and are never kept.
    ``pods``: the cluster's pods when they are read anyway (else the controller's are listed).
    """
    detection, failure, note = _controller(conn, pods or (lambda: _controller_pods(conn)))
    if detection.version:
        return VersionFinding(detection.version, SOURCE_DETECTED, detection.reason,
                              (note,) if note else ())
    news = failure or detection.problem
    why = news or "no Karpenter controller Deployment was found"
    if _unreachable(failure):
        return _default(why, "the NodePool CRD was not asked for")
    try:
        crd = conn.get_json(NODEPOOL_CRD_PATH, allow=(404,), resource=(
            "customresourcedefinitions.apiextensions.k8s.io nodepools.karpenter.sh"))
        crd_why = "" if isinstance(crd, Mapping) else "the NodePool CRD object was not found"
    except ClusterError as err:
        crd, crd_why = None, str(err)
    if isinstance(crd, Mapping):
        from_crd = release_from_nodepool_crd(crd)
        if from_crd.version:
            # Say why the image did not decide when that is news (forbidden, a tag we cannot
            # map); a cluster simply without the Deployment needs no note.
            notes = (f"{news}; the Karpenter version is taken from the NodePool CRD",
                     ) if news else ()
            return VersionFinding(from_crd.version, SOURCE_DETECTED, from_crd.reason, notes)
        crd_why = from_crd.problem
    return _default(why, crd_why)


def _default(why: str, crd_why: str) -> VersionFinding:
    newest = NEWEST.short
    note = (f"Karpenter version not detected ({why}; {crd_why}): following the rules of the "
            f"newest supported release, {newest} (choose another with --karpenter-version)")
    return VersionFinding(newest, SOURCE_DEFAULT, f"not detected: {why}; {crd_why}; the newest "
                          "supported release is assumed", (note,))


@dataclass(frozen=True)
class LiveRead:
    """The raw, cleaned documents one read of the cluster returned, before modelling."""

    context: str
    documents: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]
    karpenter_apis: tuple[str, ...]
    captured_at: datetime
    # What detect_version found; None when it did not run (--karpenter-version given, or
    # Karpenter not installed).
    version: VersionFinding | None = None
    server_version: str = ""  # the API server's gitVersion; "" when /version did not answer


def read_documents(opts: ClusterOptions, *, require_karpenter: bool = True) -> LiveRead:
    """List everything kubectl-karp reads (see the module docstring); no modelling."""
    with connect(opts, pool_size=WORKERS) as conn, ThreadPoolExecutor(WORKERS) as pool:
        version_future = pool.submit(_server_version, conn)
        discovery = discover(conn, pool)
        notes = list(discovery.notes)
        has_node_pools = any(spec.kind == "NodePool" for spec in discovery.lists)
        if not has_node_pools:
            message = not_installed_message(conn.context, discovery)
            if require_karpenter:
                raise ClusterError(message)
            notes.append(message)
        specs = CORE_LISTS + discovery.lists

        def fetch(spec: ListSpec) -> list[dict[str, Any]] | ClusterError:
            try:
                return conn.list_all(spec.path, resource=spec.resource, query=spec.query)
            except ClusterError as err:
                return err

        futures = [pool.submit(fetch, spec) for spec in specs]

        def read_pods() -> list[dict[str, Any]]:
            # The pods this read lists anyway; detection waits for them only when the
            # Deployment did not tell.
            result = futures[specs.index(PODS)].result()
            return [] if isinstance(result, ClusterError) else [
                clean_item(item, "v1", "Pod") for item in result]

        # The flag overrides detection, so then nothing is asked.
        detecting = (pool.submit(detect_version, conn, read_pods)
                     if has_node_pools and not opts.karpenter_version else None)
        results = [future.result() for future in futures]
        server_version = version_future.result()
        version = detecting.result() if detecting is not None else None
    documents: list[dict[str, Any]] = []
    for spec, result in zip(specs, results, strict=True):
        if isinstance(result, ClusterError):
            text = str(result)
            if spec.may_be_absent and text.startswith("not found:"):
                notes.append(f"the API server serves no {spec.resource}; continuing without")
                continue
            if spec.required or not text.startswith("forbidden:"):
                raise result
            notes.append(f"{result}; continuing without {spec.resource}")
            continue
        if spec.kind == "Event":
            # A busy cluster holds many events; only Karpenter's are read and written.
            result = [item for item in result if is_karpenter_event(item)]
        documents.extend(clean_item(item, spec.api_version, spec.kind) for item in result)
    if version is not None:
        notes.extend(version.notes)
    return LiveRead(conn.context, tuple(documents), tuple(notes),
                    tuple(sorted(spec.resource for spec in discovery.lists)),
                    datetime.now(timezone.utc), version, server_version)


def _server_version(conn: Any) -> str:
    """The gitVersion of /version; "" when it cannot be read (the nodes' kubelets stand in)."""
    try:
        version = conn.get_json("/version", resource="the server version")
    except ClusterError:
        return ""
    git_version = version.get("gitVersion") if isinstance(version, Mapping) else None
    return git_version if isinstance(git_version, str) else ""


def read_cluster(opts: ClusterOptions, *, require_karpenter: bool = True) -> ClusterSnapshot:
    """Read the cluster the options point at into a snapshot."""
    read = read_documents(opts, require_karpenter=require_karpenter)
    origin = f"context {read.context}"
    snapshot = build_snapshot(((doc, origin) for doc in read.documents), source=origin,
                              captured_at=read.captured_at, karpenter_apis=read.karpenter_apis,
                              notes=read.notes, kubernetes_version=read.server_version)
    if read.version is None:
        return snapshot
    return snapshot.with_changes(karpenter_version=read.version.version,
                                 karpenter_version_source=read.version.source,
                                 karpenter_version_reason=read.version.reason)


def server_info(opts: ClusterOptions) -> dict[str, Any]:
    """``serverVersion``, ``karpenterCRDs`` ({crd name: [versions]}) and ``context``."""
    with connect(opts, pool_size=4) as conn, ThreadPoolExecutor(4) as pool:
        version_future = pool.submit(conn.get_json, "/version",
                                     resource="the server version")
        discovery = discover(conn, pool)
        finding = (detect_version(conn) if discovery.karpenter_version is not None
                   and not opts.karpenter_version else None)
        version = version_future.result()
    git_version = version.get("gitVersion") if isinstance(version, Mapping) else None
    info: dict[str, Any] = {
        "context": conn.context,
        "server": conn.host,
        "serverVersion": git_version or "unknown",
        "karpenterCRDs": {name: list(versions) for name, versions in
                          sorted(discovery.crds.items())},
    }
    if discovery.karpenter_version is None:
        info["karpenterNote"] = not_installed_message(conn.context, discovery)
    else:
        rules = (resolve_rules(finding.version, finding.source, finding.reason)
                 if finding is not None else resolve_rules(opts.karpenter_version, SOURCE_FLAG))
        info.update(karpenterVersion=rules.release.short, versionSource=rules.source,
                    versionReason=rules.reason)
        if finding is not None and finding.notes:
            info["versionNotes"] = list(finding.notes)
        if rules.warning:
            info["versionWarning"] = rules.warning
    return info
