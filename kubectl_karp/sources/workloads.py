"""Hypothetical workloads from ``-f`` files: the pods their controllers would create, and
DaemonSets (which add per-node overhead rather than pods)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_karp.errors import InputError, UsageError
from kubectl_karp.model.names import printable
from kubectl_karp.model.objects import DaemonSet, Pod
from kubectl_karp.model.parse import (
    WORKLOAD_KINDS,
    describe,
    flatten,
    parse_daemon_set,
    workload_pods,
)
from kubectl_karp.sources.files import read_documents
from kubectl_karp.sources.options import ClusterOptions


@dataclass(frozen=True)
class Workloads:
    pods: tuple[Pod, ...] = ()
    daemonsets: tuple[DaemonSet, ...] = ()
    notes: tuple[str, ...] = ()
    # Workloads scaled to zero (kind/name): nothing to schedule, but a template to explain.
    empty: tuple[str, ...] = ()


def parse_replicas(values: Sequence[str]) -> dict[str, int]:
    """``--replicas NAME=N`` (NAME may be ``kind/name`` or ``namespace/name``)."""
    out: dict[str, int] = {}
    for value in values:
        name, sep, count = value.partition("=")
        # isascii: "²" passes isdigit() but int() refuses it.
        if not sep or not name or not (count.strip().isascii() and count.strip().isdigit()):
            raise UsageError(f"--replicas {value!r}: expected NAME=N with N a whole number")
        out[name.strip()] = int(count)
    return out


def _replicas_for(doc: Mapping[str, object], replicas: Mapping[str, int]) -> int | None:
    meta = doc.get("metadata")
    name = str(meta.get("name", "")) if isinstance(meta, Mapping) else ""
    namespace = str(meta.get("namespace", "") or "default") if isinstance(meta, Mapping) \
        else "default"
    kind = str(doc.get("kind", ""))
    for key in (name, f"{namespace}/{name}", f"{kind.lower()}/{name}", f"{kind}/{name}"):
        if key in replicas:
            return replicas[key]
    return None


def read_workloads(paths: Sequence[str], replicas: Mapping[str, int] | None = None
                   ) -> Workloads:
    replicas = replicas or {}
    used: set[str] = set()
    pods: list[Pod] = []
    daemonsets: list[DaemonSet] = []
    skipped: dict[str, int] = {}
    empty: list[str] = []
    for document, origin in read_documents(paths):
        for doc, origin_of_doc in flatten(document, origin):
            where = describe(doc, origin_of_doc)  # errors name the object, not just its index
            kind = doc.get("kind")
            if kind == "DaemonSet":
                daemonsets.append(parse_daemon_set(doc, where))
                continue
            if kind == "Pod" or kind in WORKLOAD_KINDS:
                count = _replicas_for(doc, replicas)
                if count is not None:
                    meta = doc.get("metadata")
                    name = str(meta.get("name", "")) if isinstance(meta, Mapping) else ""
                    used.update(k for k in replicas if k.rpartition("/")[2] == name)
                made = workload_pods(doc, where, replicas=count)
                if not made and kind != "Pod":
                    meta = doc.get("metadata")
                    name = str(meta.get("name", "")) if isinstance(meta, Mapping) else ""
                    empty.append(f"{str(kind).lower()}/{name}")
                pods.extend(made)
                continue
            skipped[str(kind)] = skipped.get(str(kind), 0) + 1
    unknown = sorted(set(replicas) - used)
    if unknown:
        raise InputError(f"--replicas names {', '.join(unknown)}, which no workload in the "
                         "-f files is called")
    notes = tuple(f"-f: ignored {n} object(s) of kind {k} (not a workload)"
                  for k, n in sorted(skipped.items()))
    return Workloads(tuple(pods), tuple(daemonsets), notes, tuple(empty))


def read_workload_pods(paths: Sequence[str]) -> list[Pod]:
    return list(read_workloads(paths).pods)


def offline_documents(cluster: ClusterOptions) -> list[tuple[Mapping[str, Any], str]]:
    """The raw documents of --demo/--snapshot: the snapshot keeps no workload objects."""
    if cluster.demo:
        from kubectl_karp.sources.demo import demo_documents

        raw: list[tuple[Any, str]] = list(demo_documents())
    elif cluster.snapshot is not None and cluster.snapshot != "-":
        raw = read_documents([cluster.snapshot])
    else:
        return []
    # Keep each document's origin so errors in a workload name the file and document.
    return [(doc, where) for item, origin in raw if isinstance(item, Mapping)
            for doc, where in flatten(item, origin)]


def live_workload(cluster: ClusterOptions, kind: str, name: str, namespace: str
                  ) -> Mapping[str, Any] | None:
    """kind/name read from the API server, stamped with the apiVersion and kind a GET of one
    object may leave out (explain TYPE/NAME for a workload that is not in a file)."""
    from kubectl_karp.sources.kubeclient import connect
    from kubectl_karp.sources.transport import api_path

    group = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
    plural = kind.lower() + "s"
    with connect(cluster) as conn:
        doc = conn.get_json(api_path("apis", *group.split("/"), "namespaces", namespace,
                                     plural, name),
                            resource=f"{plural}.{group.split('/')[0]}", allow=(404,))
    if not isinstance(doc, Mapping):
        return None
    if doc.get("kind") not in (None, kind):
        raise InputError(f"{kind.lower()}/{name}: the API server answered with a "
                         f"{printable(str(doc.get('kind')))[:60]}, not a {kind}")
    return {**doc, "apiVersion": group, "kind": kind}
