"""``kubectl karp apply``: validate, diff and safely apply NodePools and node classes.

Every document is validated before anything is written; a single error means no write.
Writes are server-side applies (field manager ``kubectl-karp``), node classes first.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from kubectl_karp.cli.options import (
    ClusterOptions,
    cluster_options,
    output_option,
    parse_request_timeout,
)
from kubectl_karp.core.validation import Manifest, validate
from kubectl_karp.core.validation.diff import is_unchanged, unified
from kubectl_karp.core.validation.placeholders import parse_set_values
from kubectl_karp.core.validation.rules import node_class_ref
from kubectl_karp.core.validation.schemas import BY_API
from kubectl_karp.errors import ClusterError, InputError, KarpError, UsageError
from kubectl_karp.model.catalog import InstanceTypeCatalog
from kubectl_karp.model.objects import NodeClass
from kubectl_karp.render.apply import Outcome, report_lines, write_diff
from kubectl_karp.render.output import Style, emit_document, use_color
from kubectl_karp.render.width import echo

DEFAULT_WAIT = "5m"
OUTPUTS = ("text", "json", "yaml")


def _err(line: str) -> None:
    """One line of prose on stderr, wrapped at the terminal's width."""
    echo(line, err=True)


def _out(line: str) -> None:
    echo(line)


def _catalogs(opts: ClusterOptions) -> tuple[tuple[InstanceTypeCatalog, ...], bool]:
    """(catalogues, authoritative): --catalog files, else the bundled TKE one (partial)."""
    from kubectl_karp.sources.catalogs import bundled_catalogs, read_catalog_files

    if opts.catalogs:
        catalogs = read_catalog_files(opts.catalogs)
        return catalogs, not all(c.origin.startswith("bundled") for c in catalogs)
    return bundled_catalogs("tke", opts.region), False


def _offline_classes(opts: ClusterOptions) -> list[NodeClass]:
    from kubectl_karp.sources import load_snapshot

    return list(load_snapshot(opts).node_classes)


def _ordered(manifests: Sequence[Manifest]) -> list[Manifest]:
    """Node classes before NodePools, so that references resolve as soon as they land."""
    return sorted(manifests, key=lambda m: 0 if BY_API[(m.api_version, m.kind)].is_node_class
                  else 1)


def _parse_wait(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = parse_request_timeout(value)
    except click.BadParameter:
        raise click.BadParameter(f"invalid timeout {value!r}: use a value such as 90s or 5m",
                                 param_hint="'--wait'") from None
    return seconds if seconds is not None else 365 * 24 * 3600.0


@click.command("apply", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-f", "--filename", "filenames", multiple=True, required=True,
              metavar="FILE|DIR|-", help="Manifests to apply (repeatable; - for stdin).")
@click.option("--set", "set_values", multiple=True, metavar="KEY=VALUE",
              help="Fill ${KEY} placeholders (repeatable); the environment fills the rest.")
@click.option("--dry-run", type=click.Choice(["none", "client", "server"]), default="none",
              is_flag=False, flag_value="client", show_default=True,
              help="client: validate and diff only; server: also run the API server's "
                   "admission and validation, without persisting.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Show a per-object diff against the cluster.")
@click.option("--wait", "wait", is_flag=False, flag_value=DEFAULT_WAIT, default=None,
              metavar="[=TIMEOUT]",
              help=f"After applying, wait for node classes and NodePools to be Ready "
                   f"(default timeout {DEFAULT_WAIT}).")
@click.option("-y", "--yes", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--force-conflicts", is_flag=True,
              help="Take over fields another field manager owns (server-side apply force).")
@output_option(OUTPUTS, "text")
@cluster_options(selector=False, catalog=True, namespaced=False)
def apply(filenames: tuple[str, ...], set_values: tuple[str, ...], dry_run: str,
          show_diff: bool, wait: str | None, yes: bool, force_conflicts: bool, output: str,
          cluster: ClusterOptions) -> int:
    """Validate, diff and safely apply NodePools and node classes.

    \b
    Examples:
      kubectl karp apply -f nodeclass.yaml -f nodepool.yaml --set CLUSTER_ID=cls-abc --diff
      kubectl karp apply -f karpenter/ --dry-run=server
      kubectl karp apply -f nodepool.yaml --yes --wait=2m

    \b
    Exit status: 0 applied (or valid, with --dry-run), 1 validation or server errors,
    2 usage error.
    """
    try:
        values = parse_set_values(set_values)
    except InputError as err:
        raise UsageError(str(err)) from None
    wait_seconds = _parse_wait(wait)
    if wait_seconds is not None and dry_run != "none":
        raise UsageError("--wait needs a real apply; it cannot be combined with --dry-run")
    from kubectl_karp.sources.manifests import read_manifests

    env = dict(os.environ)
    for warning in doubled_prefixes(filenames, {**env, **values}):
        _err(f"warning: {warning}")
    manifests = read_manifests(list(filenames), values, env)
    outcome = Outcome(dry_run=dry_run)
    status = _run(manifests, cluster, outcome, show_diff=show_diff, yes=yes,
                  force=force_conflicts, wait_seconds=wait_seconds, machine=output != "text")
    if output != "text":
        emit_document(outcome.document(status), output)
    return status


_PREFIXED = re.compile(r"([A-Za-z][A-Za-z0-9]*-)\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def doubled_prefixes(filenames: Sequence[str], values: Mapping[str, str]) -> list[str]:
    """``cls-${CLUSTER_ID}`` filled with ``cls-abc`` gives ``cls-cls-abc``, which matches
    nothing and is valid YAML, so nothing else would say it: one warning per place."""
    from pathlib import Path

    paths: list[Path] = []
    for name in filenames:
        path = Path(name)
        if name == "-" or not path.exists():
            continue
        paths += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                        ) if path.is_dir() else [path]
    out: list[str] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue  # read_manifests reports it
        for number, line in enumerate(lines, 1):
            for match in _PREFIXED.finditer(line):
                prefix, key = match.groups()
                value = values.get(key)
                if value is not None and value.startswith(prefix):
                    out.append(f"{path}:{number}: {prefix}${{{key}}} with {key}={value} gives "
                               f"{prefix}{value}; set {key}={value[len(prefix):]} (the ID "
                               "without its prefix)")
    return out


def _connect(manifests: Sequence[Manifest], cluster: ClusterOptions, dry_run: str
             ) -> tuple[Any, dict[str, Any] | None, list[NodeClass] | None]:
    """(client or None, the CRDs, the referenced node classes in the cluster)."""
    from kubectl_karp.writers.apply import connect

    try:
        client = connect(cluster)
        kinds = {BY_API[(m.api_version, m.kind)] for m in manifests
                 if (m.api_version, m.kind) in BY_API}
        crds: dict[str, Any] | None = None
        try:
            crds = client.crds(sorted(kinds, key=lambda k: k.kind))
        except ClusterError as err:
            if "forbidden" not in str(err):
                raise
            _err(f"note: cannot read CRDs ({err}); checking against kubectl-karp's own "
                 "schema model")
        refs = {(r.group, r.kind, r.name) for m in manifests if m.kind == "NodePool"
                and (r := node_class_ref(m.doc)) is not None}
        return client, crds, client.node_classes(refs)
    except ClusterError as err:
        if dry_run != "client":
            raise
        _err(f"note: {err}; validating offline")
        return None, None, None


def _run(manifests: Sequence[Manifest], cluster: ClusterOptions, outcome: Outcome, *,
         show_diff: bool, yes: bool, force: bool, wait_seconds: float | None,
         machine: bool) -> int:
    style = Style(use_color(sys.stderr))
    client: Any = None
    crds: dict[str, Any] | None = None
    cluster_classes: list[NodeClass] | None
    if cluster.offline:
        cluster_classes = _offline_classes(cluster)
        if outcome.dry_run != "client":
            _err("note: --snapshot/--demo: validating only (nothing is written)")
        outcome.dry_run = "client"
    else:
        client, crds, cluster_classes = _connect(manifests, cluster, outcome.dry_run)
    catalogs, authoritative = _catalogs(cluster)
    report = validate(manifests, crds=crds, cluster_node_classes=cluster_classes,
                      catalogs=catalogs, catalog_authoritative=authoritative)
    outcome.report = report
    for line in report_lines(report, style):
        _err(line)
    if not report.ok:
        # Each error above is its own line; the tally is a note, not one more error.
        docs = len({f.origin for f in report.errors})
        _err(f"note: {len(report.errors)} validation error(s) in {docs} document(s); "
             "nothing was applied")
        return 1
    ordered = _ordered(manifests)
    drift_text = _report_drift(manifests, cluster, outcome) if show_diff else ""
    diffs: dict[str, str] = {}
    if show_diff and client is None:
        # No cluster: diff against the snapshot's (or the demo's) own objects instead.
        diffs = _offline_diffs(ordered, cluster)
        if not machine:
            for text in diffs.values():
                if text:
                    write_diff(text, Style(use_color(sys.stdout)), sys.stdout)
    if drift_text and not machine and client is None:
        _out(drift_text)
    if client is None:
        for m in ordered:
            outcome.add(m, "valid", diffs.get(m.ident, ""))
        _err(f"note: {len(ordered)} object(s) valid (schema: {report.schema_source}); "
             "nothing was applied")
        return 0
    return _apply(client, ordered, outcome, show_diff=show_diff, yes=yes, force=force,
                  wait_seconds=wait_seconds, machine=machine, drift_text=drift_text)


def _offline_diffs(manifests: Sequence[Manifest], cluster: ClusterOptions) -> dict[str, str]:
    """``--diff`` on --demo/--snapshot: each manifest against the object of the same kind
    and name in the saved state (all added when it has none)."""
    from kubectl_karp.sources.workloads import offline_documents

    saved: dict[tuple[str, str], Mapping[str, Any]] = {}
    for doc, _ in offline_documents(cluster):
        meta = doc.get("metadata")
        if isinstance(meta, Mapping):
            saved.setdefault((str(doc.get("kind", "")), str(meta.get("name", ""))), doc)
    out: dict[str, str] = {}
    for m in manifests:
        meta = m.doc.get("metadata")
        name = str(meta.get("name", "")) if isinstance(meta, Mapping) else ""
        out[m.ident] = unified(m.ident, saved.get((m.kind, name)), m.doc)
    return out


def _report_drift(manifests: Sequence[Manifest], cluster: ClusterOptions, outcome: Outcome
                  ) -> str:
    """With --diff: which existing NodeClaims the change would drift, and why (read-only);
    the text to show, empty when it drifts none."""
    from kubectl_karp.core.context import build_context
    from kubectl_karp.core.disruption.drift_change import change_findings
    from kubectl_karp.model.parse import build_snapshot
    from kubectl_karp.render.rollout import drift_document, drift_lines
    from kubectl_karp.sources import load_snapshot

    try:
        snapshot = load_snapshot(cluster)
        changes = build_snapshot([(m.doc, f"{m.file} document {m.index}") for m in manifests],
                                 source="-f")
    except KarpError as err:
        _err(f"note: cannot tell which NodeClaims the change drifts: {err}")
        return ""
    ctx = build_context(snapshot, extra_node_pools=changes.node_pools,
                        extra_node_classes=changes.node_classes)
    findings = change_findings(snapshot, ctx)
    outcome.drift = [drift_document(f) for f in findings]
    if not findings:
        return ""
    return "\n".join(drift_lines(findings, Style(use_color(sys.stdout)))).rstrip("\n")


def _apply(client: Any, manifests: Sequence[Manifest], outcome: Outcome, *, show_diff: bool,
           yes: bool, force: bool, wait_seconds: float | None, machine: bool,
           drift_text: str = "") -> int:
    from kubectl_karp.writers.apply import ConflictError

    style = Style(use_color(sys.stdout) and not machine)
    dry_run = outcome.dry_run
    lives = {m.ident: client.live(m) for m in manifests}
    diffs = {m.ident: unified(m.ident, lives[m.ident], m.doc) for m in manifests}
    changed = [m for m in manifests if not is_unchanged(lives[m.ident], m.doc)]
    interactive = dry_run == "none" and not yes and bool(changed)
    if (show_diff or interactive) and not machine:
        for m in manifests:
            if diffs[m.ident]:
                write_diff(diffs[m.ident], style, sys.stdout)
        if drift_text:
            _out(drift_text)
    if interactive:
        if machine or not (sys.stdin is not None and sys.stdin.isatty()
                           and sys.stdout.isatty()):
            _err("error: not applied: there is no terminal to confirm on; re-run with --yes "
                 "(and --diff to review the changes)")
            for m in manifests:
                outcome.add(m, "not applied", diffs[m.ident])
            return 1
        if not click.confirm(f"Apply {len(changed)} change(s)?", default=False, err=True):
            _err("note: nothing was applied")
            for m in manifests:
                outcome.add(m, "not applied", diffs[m.ident])
            return 1
    suffix = {"server": " (server dry run)", "client": " (dry run)"}.get(dry_run, "")

    def said(m: Manifest, action: str) -> None:
        outcome.add(m, action, diffs[m.ident])
        if not machine:
            _out(f"{m.ident} {action}{suffix}")

    for index, m in enumerate(manifests):
        action = "unchanged" if m not in changed else \
            "created" if lives[m.ident] is None else "configured"
        if dry_run == "client" or (action == "unchanged" and dry_run == "none"):
            said(m, action)
            continue
        try:
            client.apply(m, dry_run=dry_run == "server", force=force)
        except ClusterError as err:
            _err(f"error: {err}" if isinstance(err, ConflictError) else
                 f"error: applying {m.ident} failed: {err}")
            outcome.add(m, "failed", diffs[m.ident], str(err))
            for rest in manifests[index + 1:]:
                outcome.add(rest, "not applied", diffs[rest.ident])
            if dry_run == "none":
                applied = [f"{o['object']} ({o['action']})" for o in outcome.objects
                           if o["action"] in ("created", "configured")]
                left = [x.ident for x in manifests[index:]]
                _err(f"note: applied: {', '.join(applied) or 'nothing'}; not applied: "
                     f"{', '.join(left)}")
            return 1
        said(m, action)
    if wait_seconds is None:
        return 0
    from kubectl_karp.writers.apply import wait_ready

    outcomes = wait_ready(client, manifests, wait_seconds,
                          report=lambda line: _err(f"note: {line}"))
    by_ident = {o["object"]: o for o in outcome.objects}
    for o in outcomes:
        by_ident[o.manifest.ident]["ready"] = o.ready
        if o.ready and not machine:
            _out(f"{o.manifest.ident} {style.ok('Ready')}")
        elif not o.ready:
            by_ident[o.manifest.ident]["detail"] = o.detail
            _err(f"error: timed out waiting for {o.manifest.ident} to be Ready: {o.detail}")
    return 1 if any(not o.ready for o in outcomes) else 0
