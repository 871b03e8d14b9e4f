"""``kubectl_karp.sources`` is read-only: no module under it sends a write verb.

import-linter keeps the writer (``kubectl_karp.writers``) out of sources' imports; this test
reads the source of every module under ``kubectl_karp/sources/`` so a write written there
directly (a ``"PATCH"`` request, a typed client's ``patch_namespaced_…``) fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kubectl_karp.sources

SOURCES = Path(kubectl_karp.sources.__file__).parent
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The typed kubernetes client's writers (create_namespaced_pod, patch_node, …), and the
# plain HTTP clients' (requests/httpx/urllib3 style) verb methods.
WRITE_PREFIXES = ("create_", "patch_", "replace_", "delete_")
WRITE_CALLS = frozenset({"post", "put", "patch", "delete"})
# Library functions that share a prefix and write nothing to any cluster.
NOT_WRITES = frozenset({"create_default_context", "create_connection"})


def write_verbs(source: str, filename: str = "<string>") -> list[str]:
    """Each write a module's source could send, as ``file:line: what``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value.upper() in WRITE_METHODS and node.value.isupper():
            found.append(f"{filename}:{node.lineno}: the HTTP method {node.value!r}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else (
                func.id if isinstance(func, ast.Name) else "")
            if (name.startswith(WRITE_PREFIXES) and name not in NOT_WRITES) \
                    or name in WRITE_CALLS:
                found.append(f"{filename}:{node.lineno}: a call of {name}()")
    return found


def test_no_module_under_sources_sends_a_write_verb() -> None:
    modules = sorted(SOURCES.rglob("*.py"))
    assert len(modules) > 5  # the walk found the package
    found = [hit for path in modules
             for hit in write_verbs(path.read_text(encoding="utf-8"),
                                    str(path.relative_to(SOURCES.parent)))]
    assert found == []


@pytest.mark.parametrize("line", [
    'conn.send("PATCH", path, verb="apply", resource="x")',
    'conn.request("DELETE", path, verb="delete", resource="x")',
    'api.call_api("POST", "/api/v1/namespaces")',
    'method = "PUT"',
    'core.create_namespaced_pod("default", body)',
    'core.patch_node("n1", {"spec": {"unschedulable": True}})',
    'custom.replace_cluster_custom_object("karpenter.sh", "v1", "nodepools", "p", body)',
    'custom.delete_namespaced_custom_object("g", "v1", "ns", "p", "x")',
    'session.post(url, json=body)',
    'http.delete(url)',
])
def test_the_check_sees_a_write(line: str) -> None:
    assert write_verbs(f"def f(conn, api, core, custom, session, http, path, body, url):\n"
                       f"    {line}\n")


@pytest.mark.parametrize("line", [
    'conn.get_json("/api/v1/nodes", resource="nodes")',
    'conn.send("GET", path, verb="get", resource="x")',
    'core.list_node()',
    'raise translate_error(err, "patch", "nodepools.karpenter.sh default")',
    'ssl.create_default_context().load_cert_chain(cert, key)',
])
def test_the_check_lets_reads_through(line: str) -> None:
    assert write_verbs(f"def f(conn, core, err, path, ssl, cert, key):\n    {line}\n") == []
