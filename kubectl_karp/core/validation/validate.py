"""Validate every manifest before anything is written: kinds, schema, rules, semantics.

Inputs the edge gathered are passed in: the CRDs the cluster serves (``None`` offline), the
node classes already in the cluster (``None`` when unknown) and the instance-type catalogues.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from kubectl_karp.core.context import build_context
from kubectl_karp.core.validation import repair, rules, semantics
from kubectl_karp.core.validation.findings import (
    ERROR,
    WARNING,
    Finding,
    Manifest,
    ValidationReport,
    dedupe,
)
from kubectl_karp.core.validation.schemas import (
    BY_API,
    BY_KIND,
    OPERATORS,
    Kind,
    accepted_kinds,
)
from kubectl_karp.core.validation.structural import Schema, check
from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceTypeCatalog
from kubectl_karp.model.objects import NodeClass, NodePool
from kubectl_karp.model.parse import OBSOLETE_KINDS, parse_node_class, parse_node_pool
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers.registry import known_node_classes, provider_for_ref

OWN_MODEL = "kubectl-karp's own schema model"
CLUSTER_CRDS = "the cluster's CRDs"


def served_schema(crd: Mapping[str, Any], version: str) -> tuple[Schema | None, str]:
    """The openAPIV3Schema a CRD serves for ``version``, or why there is none."""
    spec = crd.get("spec") if isinstance(crd.get("spec"), Mapping) else {}
    versions = [v for v in (spec or {}).get("versions") or [] if isinstance(v, Mapping)]
    served = [str(v.get("name")) for v in versions if v.get("served", True)]
    for v in versions:
        if v.get("name") == version and v.get("served", True):
            schema = (v.get("schema") or {}).get("openAPIV3Schema")
            return (schema if isinstance(schema, Mapping) else None), ""
    return None, f"does not serve version {version} (served: {', '.join(served) or 'none'})"


def _operator_enums(schema: Any, path: str = "") -> list[tuple[str, list[str]]]:
    """Every requirement ``operator`` enum in a schema: (path, allowed values)."""
    found: list[tuple[str, list[str]]] = []
    if not isinstance(schema, Mapping):
        return found
    props = schema.get("properties")
    if isinstance(props, Mapping):
        op = props.get("operator")
        if isinstance(op, Mapping) and isinstance(op.get("enum"), list) and "key" in props:
            found.append((f"{path}.operator".lstrip("."), [str(v) for v in op["enum"]]))
        for name, sub_schema in props.items():
            found += _operator_enums(sub_schema, f"{path}.{name}")
    items = schema.get("items")
    if items is not None:
        found += _operator_enums(items, f"{path}[]")
    return found


def broken_operator_enum(schema: Schema) -> tuple[str, list[str]] | None:
    """(path, enum) when a served schema's requirement operators lack the core ones.

    The TKE chart's NodePool/NodeClaim CRDs list only [Gte, Lte] (core's operator list was
    dropped in a sync), so the API server rejects every In/NotIn/Exists requirement: the CRD
    is broken, not the manifest."""
    for path, enum in _operator_enums(schema):
        if set(enum) <= set(OPERATORS) and "In" not in enum:
            return path, enum
    return None


def _repaired(schema: Any) -> Any:
    """The schema with every requirement operator enum set to core's list."""
    if not isinstance(schema, Mapping):
        return schema
    out = {k: _repaired(v) for k, v in schema.items()}
    props = out.get("properties")
    if isinstance(props, dict) and "key" in props and isinstance(props.get("operator"), dict) \
            and isinstance(props["operator"].get("enum"), list):
        props["operator"] = {**props["operator"], "enum": list(OPERATORS)}
    if isinstance(out.get("items"), Mapping):
        out["items"] = _repaired(out["items"])
    return out


def _kind_problem(m: Manifest) -> str | None:
    if not m.kind:
        return "the document has no kind"
    if not m.api_version:
        return f"{m.kind} has no apiVersion"
    if (m.api_version, m.kind) in BY_API:
        return None
    if m.kind == "NodeClaim":
        return ("NodeClaims are created by Karpenter itself, never applied; apply the NodePool "
                "that should launch the node instead")
    obsolete = OBSOLETE_KINDS.get((m.api_version, m.kind))
    if obsolete:
        return (f"{m.api_version} {m.kind} is the pre-v1 Karpenter API, which current Karpenter "
                f"no longer serves; rewrite it as {obsolete}")
    known = BY_KIND.get(m.kind)
    if known is not None:
        return (f"apiVersion {m.api_version} is not supported for {m.kind} (use "
                f"{known.api_version})")
    return (f"kind {m.kind} ({m.api_version}) is not something kubectl karp apply writes: it "
            f"accepts {accepted_kinds()}; use kubectl apply for other objects")


def _finding(m: Manifest, path: str, message: str, code: str, severity: str = ERROR
             ) -> Finding:
    return Finding(severity, code, m.origin, path, message)


def _schema_for(kind: Kind, crds: Mapping[str, Mapping[str, Any] | None] | None,
                m: Manifest, out: list[Finding]) -> tuple[Schema, bool]:
    """(schema, from the cluster?) and a finding when the cluster lacks the CRD/version."""
    if crds is None or kind.crd_name not in crds:
        return kind.schema, False
    crd = crds[kind.crd_name]
    if crd is None:
        out.append(_finding(m, "", f"the cluster has no CustomResourceDefinition "
                                   f"{kind.crd_name}: is Karpenter"
                                   + (f" with the {kind.provider} provider" if kind.provider
                                      else "") + " installed?", "MissingCRD"))
        return kind.schema, False
    version = kind.api_version.rpartition("/")[2]
    schema, why = served_schema(crd, version)
    if schema is None:
        if why:
            out.append(_finding(m, "apiVersion", f"the cluster's CRD {kind.crd_name} {why}",
                                "VersionNotServed"))
        return kind.schema, False
    broken = broken_operator_enum(schema)
    if broken is not None:
        path, enum = broken
        out.append(Finding(ERROR, BROKEN_CRD, f"CustomResourceDefinition {kind.crd_name}",
                           "", _broken_crd_message(kind.crd_name, path, enum)))
        # Judged against core's operators, so the broken enum is reported once, not once
        # per requirement.
        return _repaired(schema), True
    return schema, True


BROKEN_CRD = "BrokenCRD"


def _broken_crd_message(crd: str, path: str, enum: list[str]) -> str:
    others = [op for op in OPERATORS if op not in enum]
    return (f"the cluster's CRD {crd} is broken: its schema ({path}) allows only "
            f"{', '.join(enum) or 'no'} as a requirement operator, so the API server rejects "
            f"every requirement using {', '.join(others)} — in NodePools, and in the NodeClaims "
            "Karpenter creates (the TKE chart's published CRDs skipped core's operator list). "
            "Upgrade the Karpenter chart's CRDs to a release that lists all eight operators, "
            "or patch the CRD's operator enum to In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte, "
            "Lte; nothing was applied")


def _parsable(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document as the simulation model reads it: Balanced (Karpenter 1.x) is a kind of
    WhenEmptyOrUnderutilized as far as these checks go."""
    spec = doc.get("spec")
    disruption = spec.get("disruption") if isinstance(spec, Mapping) else None
    if not isinstance(disruption, Mapping) or disruption.get("consolidationPolicy") != "Balanced":
        return doc
    assert isinstance(spec, Mapping)
    return {**doc, "spec": {**spec, "disruption": {
        **disruption, "consolidationPolicy": "WhenEmptyOrUnderutilized"}}}


def _parse_finding(m: Manifest, err: InputError) -> Finding:
    where = err.where or ""
    message = str(err).removeprefix(f"{where}: ") if where else str(err)
    path = where[len(m.origin):].lstrip(".") if where.startswith(m.origin) else ""
    return Finding(ERROR, "Parse", m.origin, path, message)


def validate(manifests: Sequence[Manifest], *,
             crds: Mapping[str, Mapping[str, Any] | None] | None = None,
             cluster_node_classes: Sequence[NodeClass] | None = None,
             catalogs: Sequence[InstanceTypeCatalog] = (),
             catalog_authoritative: bool = True) -> ValidationReport:
    """``catalog_authoritative=False`` (a partial catalogue such as the bundled one) turns
    the catalogue-based findings into warnings: a family missing from it may still exist."""
    findings: list[Finding] = []
    notes: list[str] = []
    pools: list[tuple[Manifest, NodePool]] = []
    classes: list[NodeClass] = []
    seen: dict[tuple[str, str], Manifest] = {}
    sources: set[bool] = set()
    errors: dict[str, list[str]] = {}  # origin → the paths reported as errors
    broken_classes: set[tuple[str, str, str]] = set()  # in the files, but not parsable
    for m in manifests:
        problem = _kind_problem(m)
        if problem:
            findings.append(_finding(m, "", problem, "UnsupportedKind"))
            continue
        kind = BY_API[(m.api_version, m.kind)]
        if not m.name:
            findings.append(_finding(m, "metadata.name", "required field is missing",
                                     "Schema"))
            continue
        first = seen.get((m.kind, m.name))
        if first is not None:
            findings.append(_finding(m, "metadata.name", f"{m.kind} {m.name} is also defined "
                                     f"in {first.file} document {first.index}", "Duplicate"))
            continue
        seen[(m.kind, m.name)] = m
        doc_findings: list[Finding] = []
        schema, from_cluster = _schema_for(kind, crds, m, doc_findings)
        sources.add(from_cluster)
        for issue in check(m.doc, schema):
            doc_findings.append(_finding(m, issue.path, issue.message, "Schema"))
        rule = rules.RULES.get(kind.kind)
        if rule is not None:
            for path, message in rule(m.doc):
                doc_findings.append(_finding(m, path, message, "Rule"))
        doc_findings = _one_wording(doc_findings)
        findings.extend(doc_findings)
        wrong = [f.path for f in doc_findings if f.is_error]
        if wrong:
            errors[m.origin] = wrong
        # One pass (issue 19): the semantic checks run too, on the document without the
        # fields already reported, so they neither trip over them nor repeat them.
        doc = repair.without(m.doc, wrong) if wrong else m.doc
        if doc is None:
            if kind.is_node_class:
                broken_classes.add((m.group, m.kind, m.name))
            continue
        try:
            if kind.is_node_class:
                classes.append(parse_node_class(doc, m.origin))
            else:
                pools.append((m, parse_node_pool(_parsable(doc), m.origin)))
        except InputError as err:
            finding = _parse_finding(m, err)
            if not repair.covered(finding.path, wrong):
                findings.append(finding)
            if kind.is_node_class:
                broken_classes.add((m.group, m.kind, m.name))
    # A finding inside a field already reported wrong says it again, or follows from the
    # field having been taken out: the first word on a field is the one kept.
    findings.extend(f for f in _cross_checks(pools, classes, cluster_node_classes, catalogs,
                                             catalog_authoritative, notes, broken_classes)
                    if not repair.covered(f.path, errors.get(f.origin, ())))
    if cluster_node_classes is None and pools:
        notes.append("no cluster: nodeClassRef checked against the files only")
    source = " and ".join(s for s, used in ((CLUSTER_CRDS, True in sources),
                                             (OWN_MODEL, False in sources)) if used)
    return ValidationReport(findings=dedupe(findings), notes=tuple(dict.fromkeys(notes)),
                            schema_source=source)


def _one_wording(found: Sequence[Finding]) -> list[Finding]:
    """A rule re-checking a field the schema already refused (``consolidateAfter: 5 minutes``:
    the schema's pattern and the duration parser) is one error: the schema's word stays."""
    refused = {f.path for f in found if f.is_error and f.code == "Schema"}
    return [f for f in found if f.code != "Rule" or not f.is_error or f.path not in refused]


def _soften(issue: semantics.Issue, source: str) -> semantics.Issue:
    if issue.severity != ERROR:
        return issue
    # One short clause: the catalogue's own description (one per region) is for -o json
    # and `catalog`, not to be repeated in every warning (issue 19).
    del source
    return replace(issue, severity=WARNING,
                   message=f"{issue.message} (the bundled catalogue lists only some instance "
                           "types: --catalog FILE or cloud credentials check the full list)")


def _cross_checks(pools: Sequence[tuple[Manifest, NodePool]], classes: Sequence[NodeClass],
                  cluster_classes: Sequence[NodeClass] | None,
                  catalogs: Sequence[InstanceTypeCatalog], authoritative: bool,
                  notes: list[str], broken_classes: Collection[tuple[str, str, str]] = ()
                  ) -> list[Finding]:
    out: list[Finding] = []
    in_files = {(c.group, c.kind, c.name) for c in classes}
    in_cluster = {(c.group, c.kind, c.name) for c in cluster_classes or ()}
    ref_path = "spec.template.spec.nodeClassRef"
    resolvable: list[NodePool] = []
    for m, pool in pools:
        ref = pool.node_class_ref
        if ref is None:
            continue  # the schema requires it
        provider = provider_for_ref(ref)
        if provider is None:
            out.append(_finding(m, ref_path, f"{ref.kind}.{ref.group} is not a node class of a "
                                f"known provider (known: {', '.join(known_node_classes())})",
                                "NodeClassRef"))
            continue
        key = (ref.group, ref.kind, ref.name)
        if key in broken_classes and key not in in_cluster:
            continue  # in the files, with its own errors reported: it is not missing
        if key not in in_files and key not in in_cluster:
            if cluster_classes is None:
                out.append(_finding(m, f"{ref_path}.name", f"{ref.kind} {ref.name} is not in the "
                                    "files (the cluster was not checked)", "NodeClassRef",
                                    WARNING))
            else:
                out.append(_finding(m, f"{ref_path}.name", f"{ref.kind} {ref.name} is neither "
                                    "in the files nor in the cluster; Karpenter will not launch "
                                    "nodes for this NodePool until it exists", "NodeClassRef"))
                continue
        resolvable.append(pool)
    contradicted: dict[str, set[str]] = {}
    for m, pool in pools:
        contradicted[m.origin] = {i.path for i in semantics.contradictions(pool)}
    by_name = {pool.name: m for m, pool in pools}
    merged = {(c.group, c.kind, c.name): c for c in cluster_classes or ()}
    merged.update({(c.group, c.kind, c.name): c for c in classes})
    snapshot = ClusterSnapshot(source="manifests", node_pools=tuple(resolvable),
                               node_classes=tuple(merged.values()))
    context = build_context(snapshot, catalogs)
    for npc in context.node_pools:
        m = by_name[npc.name]
        pool = npc.node_pool
        provider = provider_for_ref(pool.node_class_ref)
        issues: list[semantics.Issue] = []
        if provider is not None:
            out.extend(_finding(m, i.path, i.message, i.code, i.severity)
                       for i in semantics.unknown_label_keys(pool, provider))
        if provider is not None and npc.instance_types:
            types = npc.instance_types
            # A partial catalogue is said to be partial once, by _soften; its descriptions
            # (one per bundled region) would make the line hundreds of characters long.
            issues.extend(semantics.unknown_values(pool, provider, types,
                                                   context.catalog_source if authoritative
                                                   else ""))
            remaining, emptied = semantics.narrow(pool, types, npc.node_class_zones)
            if emptied is not None:
                # An unknown value or two requirements contradicting each other is the
                # sharper word on why nothing is left: said once, by that finding.
                if not any(i.code == "UnknownValue" for i in issues) and \
                        emptied.path not in contradicted.get(m.origin, set()):
                    issues.append(emptied)
            else:
                issues.extend(semantics.min_values(pool, remaining))
                issues.extend(semantics.limits_too_small(pool, remaining))
            if not authoritative:
                issues = [_soften(i, context.catalog_source) for i in issues]
        elif provider is not None:
            notes.append(f"no {provider.title} instance-type catalogue: instance families, "
                         "empty requirement sets and limits were not checked (use --catalog)")
        out.extend(_finding(m, i.path, i.message, i.code, i.severity) for i in issues)
    for m, pool in pools:
        out.extend(_finding(m, i.path, i.message, i.code, i.severity)
                   for i in (*semantics.contradictions(pool), *semantics.risky(pool)))
    return out
