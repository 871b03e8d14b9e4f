"""A small checker for Kubernetes structural schemas (a CRD's ``openAPIV3Schema``).

It covers what kubectl-karp's manifests meet: type (with int-or-string), enum, minimum/maximum,
minLength/maxLength, pattern, minItems/maxItems, min/maxProperties, required, properties,
additionalProperties and unknown fields (which the API server rejects under kubectl's default
strict field validation). CEL rules (``x-kubernetes-validations``) are not evaluated here: the
project's own rules cover the ones that matter (see ``rules``). Pure: schemas are plain dicts.

Own schemas may carry ``x-karp-hint``: words shown instead of a raw regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Schema = Mapping[str, Any]
_MAX_LISTED = 12


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    path: str  # "spec.template.spec.requirements[0].operator"
    message: str


def join_path(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def _matches_type(value: Any, expected: str) -> bool:
    actual = _type_name(value)
    if expected == "number":
        return actual in ("integer", "number")
    return actual == expected


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # an RE2 construct Python lacks: leave it to the API server
        return None


def _listing(values: Sequence[Any]) -> str:
    shown = [str(v) for v in values[:_MAX_LISTED]]
    more = f", … ({len(values)} in all)" if len(values) > _MAX_LISTED else ""
    return ", ".join(shown) + more


def _range(schema: Schema) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"allowed: {low}–{high}"
    if low is not None:
        return f"allowed: at least {low}"
    return f"allowed: at most {high}"


def _describe_value(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (Mapping, list, tuple)):
        return f"a {_type_name(value)}"
    return str(value).lower() if isinstance(value, bool) else str(value)


def check(value: Any, schema: Schema, path: str = "") -> list[SchemaIssue]:
    """Every way ``value`` breaks ``schema`` (empty when it conforms)."""
    issues: list[SchemaIssue] = []
    _check(value, schema, path, issues)
    return issues


def _check(value: Any, schema: Schema, path: str, issues: list[SchemaIssue]) -> None:
    if value is None:
        if schema.get("nullable"):
            return
        # A YAML key with no value: the API server drops it unless the type is wrong for null.
        return
    if schema.get("x-kubernetes-int-or-string"):
        if not (_matches_type(value, "integer") or _matches_type(value, "string")):
            issues.append(SchemaIssue(path, f"expected an integer or a string, got "
                                            f"{_type_name(value)} {_describe_value(value)}"))
            return
    else:
        expected = schema.get("type")
        if isinstance(expected, str) and not _matches_type(value, expected):
            hint = ""
            if expected == "string" and _type_name(value) in ("integer", "number", "boolean"):
                hint = f" (quote it: \"{_describe_value(value)}\")"
            issues.append(SchemaIssue(path, f"expected {_article(expected)}, got "
                                            f"{_type_name(value)} {_describe_value(value)}{hint}"))
            return
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        issues.append(SchemaIssue(path, f"unsupported value {_describe_value(value)} "
                                        f"(allowed: {_listing(enum)})"))
        return
    if _type_name(value) in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            issues.append(SchemaIssue(path, f"{value} is out of range ({_range(schema)})"))
    if isinstance(value, str):
        _check_string(value, schema, path, issues)
    elif isinstance(value, (list, tuple)):
        _check_array(value, schema, path, issues)
    elif isinstance(value, Mapping):
        _check_object(value, schema, path, issues)


def _article(type_name: str) -> str:
    return ("an " if type_name[0] in "aeiou" else "a ") + type_name


def _check_string(value: str, schema: Schema, path: str, issues: list[SchemaIssue]) -> None:
    min_len, max_len = schema.get("minLength"), schema.get("maxLength")
    if min_len is not None and len(value) < min_len:
        issues.append(SchemaIssue(path, "must not be empty" if min_len == 1 else
                                  f"is shorter than {min_len} characters"))
        return
    if max_len is not None and len(value) > max_len:
        issues.append(SchemaIssue(path, f"is {len(value)} characters long (allowed: at most "
                                        f"{max_len})"))
        return
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        compiled = _compile(pattern)
        if compiled is not None and compiled.search(value) is None:
            hint = schema.get("x-karp-hint")
            wanted = hint if isinstance(hint, str) else f"a value matching {pattern}"
            issues.append(SchemaIssue(path, f"invalid value {value!r} (expected {wanted})"))


def _check_count(count: int, least: int | None, most: int | None, words: tuple[str, str],
                 path: str, issues: list[SchemaIssue]) -> None:
    """minItems/maxItems or minProperties/maxProperties; ``words`` name what is counted
    below the minimum and above the maximum."""
    if least is not None and count < least:
        issues.append(SchemaIssue(path, f"has {count} {words[0]} (allowed: at least {least})"))
    if most is not None and count > most:
        issues.append(SchemaIssue(path, f"has {count} {words[1]} (allowed: at most {most})"))


def _check_array(value: Sequence[Any], schema: Schema, path: str,
                 issues: list[SchemaIssue]) -> None:
    _check_count(len(value), schema.get("minItems"), schema.get("maxItems"),
                 ("item(s)", "items"), path, issues)
    items = schema.get("items")
    if isinstance(items, Mapping):
        for i, item in enumerate(value):
            _check(item, items, f"{path}[{i}]", issues)


def _check_object(value: Mapping[str, Any], schema: Schema, path: str,
                  issues: list[SchemaIssue]) -> None:
    _check_count(len(value), schema.get("minProperties"), schema.get("maxProperties"),
                 ("entries", "entries"), path, issues)
    for name in schema.get("required") or ():
        if value.get(name) is None:
            issues.append(SchemaIssue(join_path(path, name), "required field is missing"))
    properties: Mapping[str, Schema] = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    for key, item in value.items():
        sub = join_path(path, str(key))
        if key in properties:
            _check(item, properties[key], sub, issues)
        elif isinstance(additional, Mapping):
            _check(item, additional, sub, issues)
        elif additional is True or preserve or (not properties and additional is None):
            continue
        else:
            known = sorted(properties)
            issues.append(SchemaIssue(sub, f"unknown field {key!r} (known fields here: "
                                           f"{_listing(known)})"))
