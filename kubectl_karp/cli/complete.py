"""Shell completion: kubectl's plugin protocol and click's shell scripts, one engine.

* ``kubectl karp <TAB>`` (kubectl >= 1.26) runs ``kubectl_complete-karp WORD... INCOMPLETE``
  and reads Cobra's answer: candidates one per line (``value<TAB>description``), then
  ``:<directive>``. The console script ``kubectl_complete-karp`` is :func:`main`; the release
  archives ship a wrapper that runs ``kubectl-karp`` with ``_KUBECTL_KARP_COMPLETE=cobra``.
* The scripts from ``kubectl karp completion bash|zsh|fish`` are click's; they call
  ``kubectl-karp`` with ``_KUBECTL_KARP_COMPLETE=<shell>_complete`` (see :func:`answer_env`).

Commands and flags come from click's own completion. NodePool, node, pod, namespace and
context names are looked up from ``--demo``/``--snapshot`` when given, else from the current
context with a short time limit; any failure means no candidates, never an error message.
This module is imported on every TAB, so kubernetes and the model load only when a name
lookup is needed.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import click
from click.shell_completion import (
    BashComplete,
    CompletionItem,
    FishComplete,
    ShellComplete,
    ZshComplete,
    _resolve_context,
    _resolve_incomplete,
)

ENV_VAR = "_KUBECTL_KARP_COMPLETE"
PROG_NAME = "kubectl-karp"
# Cobra's ShellCompDirective bits.
DIRECTIVE_DEFAULT = 0  # let the shell complete file names
DIRECTIVE_NO_SPACE = 2
DIRECTIVE_NO_FILE = 4
DIRECTIVE_FILTER_DIRS = 16
# One TAB must never hang the shell: each API request gets LOOKUP_TIMEOUT, the whole lookup
# (DNS included, which socket timeouts do not bound) gets LOOKUP_DEADLINE.
LOOKUP_TIMEOUT = 1.5
LOOKUP_DEADLINE = 2.0
OFFLINE_DEADLINE = 5.0

EXPLAIN_KINDS = ("pod", "deployment", "statefulset", "replicaset", "job", "cronjob")
POD_KINDS = ("pod", "pods", "po")


def candidates(args: Sequence[str], incomplete: str) -> list[CompletionItem]:
    """What may follow ``kubectl karp ARGS...`` for the word being typed."""
    from kubectl_karp.cli.app import COMMANDS, cli

    args = list(args)
    # The group's own candidates come from the command table: asking click would import
    # every command module just to read its help line.
    if all(a.startswith("-") for a in args) and not incomplete.startswith("-"):
        return [CompletionItem(name, help=help_) for name, (_, _, help_) in COMMANDS.items()
                if name.startswith(incomplete)]
    ctx = _resolve_context(cli, {}, PROG_NAME, args)
    obj, incomplete = _resolve_incomplete(ctx, args, incomplete)
    if obj is cli and not incomplete.startswith("-"):
        return []  # the first word is not a command: nothing can follow it
    if isinstance(obj, click.Parameter):
        dynamic = _dynamic(ctx, obj, incomplete)
        if dynamic is not None:
            return dynamic
        if _takes_path(obj):
            return [CompletionItem(incomplete, type="file")]
    return list(obj.shell_complete(ctx, incomplete))


def _takes_path(param: click.Parameter) -> bool:
    if isinstance(param.type, (click.Path, click.File)):
        return True
    return getattr(param, "metavar", None) in ("PATH", "FILE", "DIR")


def _dynamic(ctx: click.Context, param: click.Parameter, incomplete: str
             ) -> list[CompletionItem] | None:
    """Names from the cluster for the parameters that take them; None for other params."""
    opts = set(getattr(param, "opts", ()))
    if "--context" in opts:
        return _items(_contexts(ctx), incomplete, "context")
    if "--karpenter-version" in opts:
        from kubectl_karp.core.releases import SUPPORTED

        versions = [f"{r.major}.{r.minor}" for r in SUPPORTED]
        return [CompletionItem(v, help="Karpenter release") for v in versions
                if v.startswith(incomplete.lstrip("v"))]
    kind: str
    prefix = ""
    if "--nodepool" in opts:
        kind = "nodepools"
    elif "--node" in opts:
        kind = "nodes"
    elif "--namespace" in opts:
        kind = "namespaces"
    elif ctx.info_name == "explain" and isinstance(param, click.Argument):
        type_, slash, _ = incomplete.partition("/")
        if not slash:
            return [CompletionItem(f"{k}/", help="pending pods" if k == "pod" else
                                   f"a {k} (its pods, or its template)")
                    for k in EXPLAIN_KINDS if k.startswith(incomplete.lower())]
        if type_.lower() not in POD_KINDS:
            return []
        kind, prefix = "pending-pods", f"{type_}/"
    else:
        return None
    names = lookup(ctx.params, kind)
    return _items(names, incomplete, _HELP[kind], prefix)


_HELP = {"nodepools": "NodePool", "nodes": "node", "namespaces": "namespace",
         "pending-pods": "pending pod"}


def _items(names: Sequence[str], incomplete: str, help_: str, prefix: str = ""
           ) -> list[CompletionItem]:
    return [CompletionItem(prefix + n, help=help_) for n in sorted(set(names))
            if (prefix + n).startswith(incomplete)]


def _contexts(ctx: click.Context) -> list[str]:
    """Context names from the kubeconfig files kubectl would read (no API call)."""
    from kubectl_karp.sources.kubeconfig import context_names
    from kubectl_karp.sources.options import ClusterOptions

    try:
        return context_names(ClusterOptions(kubeconfig=ctx.params.get("kubeconfig")))
    except Exception:  # completion fails silently
        return []


# --------------------------------------------------------------------------- name lookups

def lookup(params: Mapping[str, Any], kind: str) -> list[str]:
    """Names of ``kind`` from the data the command line points at, within a deadline."""
    offline = bool(params.get("demo")) or bool(params.get("snapshot"))
    deadline = OFFLINE_DEADLINE if offline else LOOKUP_DEADLINE
    finder: Callable[[], list[str]] = (
        (lambda: _offline_names(params, kind)) if offline else (lambda: _live_names(params, kind)))
    result: list[list[str]] = []

    def work() -> None:
        try:
            result.append(finder())
        except Exception:  # any failure means "no candidates"
            result.append([])

    # A daemon thread: if the API never answers, the process still exits on time.
    thread = threading.Thread(target=work, name="karp-complete", daemon=True)
    thread.start()
    thread.join(deadline)
    return result[0] if result else []


def _is_pending(doc: Mapping[str, Any]) -> bool:
    status = doc.get("status") or {}
    spec = doc.get("spec") or {}
    phase = status.get("phase") if isinstance(status, Mapping) else None
    bound = isinstance(spec, Mapping) and bool(spec.get("nodeName"))
    return phase in (None, "Pending") and not bound


def _select(docs: Sequence[Mapping[str, Any]], kind: str, namespace: str | None) -> list[str]:
    wanted = {"nodepools": "NodePool", "nodes": "Node", "namespaces": "Namespace",
              "pending-pods": "Pod"}[kind]
    names: list[str] = []
    for doc in docs:
        meta = doc.get("metadata") or {}
        name = meta.get("name") if isinstance(meta, Mapping) else None
        if doc.get("kind") != wanted or not isinstance(name, str):
            continue
        if kind == "nodepools" and not str(doc.get("apiVersion", "")).startswith("karpenter.sh/"):
            continue
        if kind == "pending-pods":
            if not _is_pending(doc):
                continue
            if namespace and (meta.get("namespace") or "default") != namespace:
                continue
        names.append(name)
    if kind == "namespaces":
        # Saved state may hold no Namespace objects: the pods' namespaces still count.
        names += [str((d.get("metadata") or {}).get("namespace") or "default")
                  for d in docs if d.get("kind") == "Pod"]
    return names


def _offline_names(params: Mapping[str, Any], kind: str) -> list[str]:
    from kubectl_karp.model.parse import flatten

    raw: list[tuple[Any, str]]
    if params.get("demo"):
        from kubectl_karp.sources.demo import demo_documents

        raw = demo_documents()
    else:
        path = str(params["snapshot"])
        if path == "-":  # stdin belongs to the shell, not to us
            return []
        from kubectl_karp.sources.files import read_documents

        raw = read_documents([os.path.expanduser(path)])
    docs = [doc for item, origin in raw if isinstance(item, Mapping)
            for doc, _ in flatten(item, origin)]
    return _select(docs, kind, _namespace(params))


def _namespace(params: Mapping[str, Any]) -> str | None:
    from kubectl_karp.model.names import is_label

    value = params.get("namespace")
    if params.get("all_namespaces") or not value:
        return None
    if not is_label(str(value)):
        # It goes into a request path: a half-typed or hostile -n completes nothing.
        raise ValueError(f"invalid namespace {value!r}")
    return str(value)


_LIVE_PATHS: dict[str, tuple[str, ...]] = {
    "nodepools": ("/apis/karpenter.sh/v1/nodepools", "/apis/karpenter.sh/v1beta1/nodepools"),
    "nodes": ("/api/v1/nodes",),
    "namespaces": ("/api/v1/namespaces",),
    "pending-pods": ("/api/v1/pods",),
}
# Names are all we need: ask for metadata only, which keeps a large node list small.
_METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1," \
                 "application/json"


def _live_names(params: Mapping[str, Any], kind: str) -> list[str]:
    from kubectl_karp.model.names import is_subdomain
    from kubectl_karp.sources.kubeclient import connect
    from kubectl_karp.sources.options import ClusterOptions
    from kubectl_karp.sources.transport import api_path

    opts = ClusterOptions(kubeconfig=params.get("kubeconfig"), context=params.get("context"),
                          request_timeout=LOOKUP_TIMEOUT)
    namespace = _namespace(params)
    query: dict[str, str] = {"limit": "1000"}
    paths = _LIVE_PATHS[kind]
    headers = {"Accept": _METADATA_ONLY}
    if kind == "pending-pods":
        # Pods that are Pending and unbound are what explain looks at; the field selector
        # keeps the answer small on a large cluster (and needs full objects, not metadata).
        query["fieldSelector"] = "status.phase=Pending,spec.nodeName="
        headers = {}
        if namespace:
            paths = (api_path("api", "v1", "namespaces", namespace, "pods"),)
    with connect(opts, pool_size=1) as conn:
        for path in paths:
            status, doc = conn.request("GET", path, verb="list", resource=kind, query=query,
                                       headers=headers, allow=(404,))
            if status == 404 or not isinstance(doc, Mapping):
                continue
            names: list[str] = []
            items = doc.get("items")
            for item in items if isinstance(items, list) else []:
                meta = item.get("metadata") if isinstance(item, Mapping) else None
                # Only real names: a tab, newline or escape would corrupt the shell's list.
                if isinstance(meta, Mapping) and isinstance(meta.get("name"), str) \
                        and is_subdomain(meta["name"]):
                    names.append(meta["name"])
            return names
    return []


# --------------------------------------------------------------------------- protocols

def cobra_answer(words: Sequence[str]) -> str:
    """kubectl's plugin completion answer for ``WORD... INCOMPLETE`` (the last word)."""
    args, incomplete = (list(words[:-1]), words[-1]) if words else ([], "")
    try:
        items = candidates(args, incomplete)
    except Exception:  # a half-typed command line is normal; never print a traceback
        items = []
    directive = DIRECTIVE_NO_FILE
    # Like Cobra for its own flags: `--flag=val` candidates carry the `--flag=` part.
    flag = incomplete.partition("=")[0] + "=" if incomplete.startswith("-") and \
        "=" in incomplete else ""
    lines: list[str] = []
    for item in items:
        if item.type == "file":
            return f":{DIRECTIVE_DEFAULT}\n"
        if item.type == "dir":
            return f":{DIRECTIVE_FILTER_DIRS}\n"
        value = flag + str(item.value)
        if value.endswith(("/", "=")):
            directive |= DIRECTIVE_NO_SPACE
        help_ = " ".join(str(item.help or "").split())
        lines.append(f"{value}\t{help_}" if help_ else value)
    lines.append(f":{directive}")
    return "\n".join(lines) + "\n"


class _KarpCompletion(ShellComplete):
    """Click's shell protocols with our candidate logic (dynamic names, lazy group)."""

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        try:
            return candidates(args, incomplete)
        except Exception:
            return []


class KarpBashComplete(_KarpCompletion, BashComplete):
    pass


class KarpZshComplete(_KarpCompletion, ZshComplete):
    pass


class KarpFishComplete(_KarpCompletion, FishComplete):
    pass


SHELLS: dict[str, type[ShellComplete]] = {
    "bash": KarpBashComplete, "zsh": KarpZshComplete, "fish": KarpFishComplete}


def shell_complete_class(shell: str) -> type[ShellComplete]:
    return SHELLS[shell]


def _emit(text: str) -> int:
    sys.stdout.write(text)
    sys.stdout.flush()
    # A name lookup that missed its deadline may still sit in a daemon thread inside a C
    # call; leave without waiting for interpreter shutdown.
    if any(t.name == "karp-complete" and t.is_alive() for t in threading.enumerate()):
        os._exit(0)
    return 0


def answer_env(argv: Sequence[str] | None = None) -> int:
    """Answer the completion request named by ``$_KUBECTL_KARP_COMPLETE``.

    ``cobra``: kubectl's protocol on argv; ``cobra_new``: the same with an empty word to
    complete appended (PowerShell drops empty arguments); ``<shell>_complete`` and
    ``<shell>_source``: click's protocols.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    instruction = os.environ.get(ENV_VAR, "")
    if instruction == "cobra":
        return _emit(cobra_answer(words))
    if instruction == "cobra_new":
        return _emit(cobra_answer([*words, ""]))
    shell, _, action = instruction.partition("_")
    cls = SHELLS.get(shell)
    if cls is None or action not in ("complete", "source"):
        sys.stderr.write(f"error: {ENV_VAR}={instruction!r} is not a completion request\n")
        return 1
    from kubectl_karp.cli.app import cli

    comp = cls(cli, {}, PROG_NAME, ENV_VAR)
    return _emit((comp.source() if action == "source" else comp.complete()) + "\n")


def main() -> None:
    """``kubectl_complete-karp``: what kubectl runs for ``kubectl karp <TAB>``."""
    sys.exit(_emit(cobra_answer(sys.argv[1:])))
