"""Small pieces of terminal output that several commands share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

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
        click.echo(f"warning: {message}", err=True)
    return messages


def rules_warning(rules: KarpenterRules) -> None:
    """One ``warning:`` line when the cluster's release is outside the supported range."""
    if rules.warning:
        click.echo(f"warning: {rules.warning}", err=True)
