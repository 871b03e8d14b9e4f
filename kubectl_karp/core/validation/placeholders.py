"""``${VAR}`` placeholders in manifests (the seed deploy script's ``${CLUSTER_ID}``).

Filled from ``--set KEY=VALUE`` first, then the environment; both are passed in, so this
stays pure. Anything left unresolved is an error naming file and line, and nothing is applied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kubectl_karp.errors import InputError

# ${NAME} with a shell-style name; "$${NAME}" is an escaped literal "${NAME}".
_PLACEHOLDER = re.compile(r"\$(\$?)\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def parse_set_values(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``--set KEY=VALUE`` items as a mapping (a later item wins)."""
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not _NAME.match(key):
            raise InputError(f"--set {item!r}: expected KEY=VALUE with KEY a name such as "
                             "CLUSTER_ID")
        out[key] = value
    return out


def substitute(text: str, label: str, values: Mapping[str, str], env: Mapping[str, str]
               ) -> tuple[str, frozenset[str]]:
    """``text`` with every placeholder filled, and the names that were used.

    Raises InputError listing each unresolved placeholder as ``file:line``.
    """
    missing: list[str] = []
    used: set[str] = set()

    def fill(match: re.Match[str], line_no: int) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return "${" + name + "}"
        if not _NAME.match(name):
            missing.append(f"{label}:{line_no}: ${{{name}}} is not a valid placeholder name")
            return match.group(0)
        if name in values:
            used.add(name)
            return values[name]
        if name in env:
            used.add(name)
            return env[name]
        missing.append(f"{label}:{line_no}: unresolved placeholder ${{{name}}} (pass --set "
                       f"{name}=VALUE or export {name})")
        return match.group(0)

    lines = text.split("\n")
    out = []
    for number, line in enumerate(lines, start=1):
        if "$" not in line or line.lstrip().startswith("#"):
            out.append(line)
            continue
        out.append(_PLACEHOLDER.sub(lambda m, n=number: fill(m, n), line))  # type: ignore[misc]
    if missing:
        raise InputError("; ".join(missing) + " — nothing was applied")
    return "\n".join(out), frozenset(used)
