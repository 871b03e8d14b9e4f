"""Small pieces of terminal output that several commands share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from kubectl_karp.render.width import warning

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import NodePoolContext
    from kubectl_karp.core.releases import KarpenterRules


def node_pool_warnings(node_pools: Iterable[NodePoolContext]) -> list[str]:
    """Why each NodePool cannot provision (unknown provider, missing or not-Ready node class),
    each printed once as a ``warning:`` line on stderr; the messages, for -o json|yaml."""
    messages: list[str] = []
    for npc in node_pools:
        for problem in npc.problems:
            message = problem.message
            # A node-class message ("TKEMachineNodeClass x is not Ready") names no NodePool.
            if f"NodePool {npc.name}" not in message:
                message = f"NodePool {npc.name}: {message}"
            messages.append(message)
    messages = list(dict.fromkeys(messages))
    for message in messages:
        warning(message)
    return messages


def require_node_pools(names: Iterable[str], known: Iterable[str]) -> None:
    """Every command that takes ``--nodepool`` refuses an unknown one alike: like kubectl's
    NotFound, an error (exit 1) naming the missing NodePool and the ones that exist."""
    from kubectl_karp.errors import InputError

    have = sorted(set(known))
    missing = [n for n in dict.fromkeys(names) if n not in have]
    if missing:
        what = ", ".join(repr(n) for n in missing)
        raise InputError(f"NodePool {what} not found (NodePools: {', '.join(have) or 'none'})")


def namespace_missing(snapshot: Any, namespace: str | None) -> bool:
    """``-n NS`` names a namespace the cluster does not have (no Namespace object and no pod
    in it): say it as kubectl does, ``No resources found in NS namespace.``, on stderr."""
    if not namespace or not snapshot.namespaces:  # (a snapshot without them: cannot tell)
        return False
    if namespace in snapshot.namespaces or any(p.namespace == namespace for p in snapshot.pods):
        return False
    click.echo(f"No resources found in {namespace} namespace.", err=True)
    return True


def shown_notes(notes: Iterable[str], prices_shown: bool) -> list[str]:
    """The notes worth printing, once each: the illustrative-prices note only when the
    output shows a price (verify, an explain with no new NodeClaim show none)."""
    return [n for n in dict.fromkeys(notes)
            if prices_shown or "illustrative" not in n]


def rules_warning(rules: KarpenterRules) -> None:
    """One ``warning:`` line when the cluster's release is outside the supported range."""
    if rules.warning:
        warning(rules.warning)
