"""Entry point for ``kubectl-karp`` (``kubectl karp …``).

Commands are imported only when invoked: ``kubectl karp --help`` must stay fast and must
not import kubernetes, textual or the Tencent SDK (benchmarks/startup.py measures it).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from kubectl_karp import __version__
from kubectl_karp.errors import KarpError

# name → (module, function, one-line purpose shown by --help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "simulate": ("kubectl_karp.cli.simulate", "simulate",
                 "Preview which NodeClaims Karpenter would create for pending pods."),
    "explain": ("kubectl_karp.cli.explain", "explain",
                "Explain why pods are Pending, per NodePool and instance type, with fixes."),
    "consolidate": ("kubectl_karp.cli.consolidate", "consolidate",
                    "Dry-run consolidation: what Karpenter would delete or replace (read-only)."),
    "verify": ("kubectl_karp.cli.verify", "verify",
               "Compare Karpenter's own events with these previews; flag disagreements."),
    "apply": ("kubectl_karp.cli.apply", "apply",
              "Validate, diff and safely apply NodePools and node classes."),
    "catalog": ("kubectl_karp.cli.catalog", "catalog",
                "List instance types with allocatable resources, zones and prices."),
    "tui": ("kubectl_karp.cli.tui", "tui",
            "Live terminal view of nodes, NodeClaims, NodePools and pending pods."),
    "snapshot": ("kubectl_karp.cli.snapshot", "snapshot",
                 "Save the cluster state kubectl-karp reads, for offline use or bug reports."),
    "completion": ("kubectl_karp.cli.completion", "completion",
                   "Print a shell completion script (bash, zsh, fish, powershell)."),
    "version": ("kubectl_karp.cli.version", "version",
                "Show plugin, Python, server and Karpenter CRD versions."),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command: click.Command = getattr(module, entry[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Use the table above so --help needs no command module at all.
        rows = [(name, help_) for name, (_, _, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="kubectl-karp",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """kubectl karp — a Karpenter companion for TKE, EKS, ACK and CCE.

    Explains pending pods, previews Karpenter's provisioning and consolidation decisions,
    and applies NodePools safely. Every command works on a live cluster, on saved state
    (--snapshot FILE) and on an embedded demo cluster (--demo).

    \b
    Exit status: 0 ok, 1 error, 2 usage error, 3 some pods would stay pending
    (simulate, explain).
    """


def _fail(message: str, code: int) -> int:
    from kubectl_karp.model.names import printable

    # Names and server messages inside the message may carry terminal escapes.
    click.echo(f"error: {printable(message)}", err=True)
    return code


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit status instead of exiting (used by tests too)."""
    try:
        result: Any = cli.main(args=list(argv) if argv is not None else None,
                               prog_name="kubectl karp", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as err:
        click.echo(err.ctx.get_help() if err.ctx else str(err))
        return 0
    except click.UsageError as err:
        return _fail(" ".join(err.format_message().split()), 2)
    except click.Abort:
        return _fail("aborted", 1)
    except click.ClickException as err:
        return _fail(" ".join(err.format_message().split()), err.exit_code or 1)
    except KarpError as err:
        return _fail(" ".join(str(err).split("\n")), err.exit_code)
    except RecursionError:
        # Input nested beyond what any Kubernetes object needs (readers catch most first).
        return _fail("the input is nested too deeply to process", 1)
    except MemoryError:
        return _fail("out of memory: the input is too large to process", 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (| head); leave quietly as other CLI tools do.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        return 1
    except Exception as err:  # pragma: no cover - a bug; still one line, never a traceback
        if os.environ.get("KARP_DEBUG"):
            raise
        return _fail(f"internal error: {type(err).__name__}: {err} "
                     "(set KARP_DEBUG=1 for a traceback)", 1)
    if isinstance(result, int):
        return result
    return 0


def main() -> None:
    # Shell completion requests (kubectl_complete-karp, the scripts from `completion`)
    # are answered without running a command; see cli/complete.py.
    if os.environ.get("_KUBECTL_KARP_COMPLETE"):
        from kubectl_karp.cli.complete import answer_env

        sys.exit(answer_env())
    # A closed stream (`>&-`, `2>&-`) leaves sys.stdout/sys.stderr as None; writing there
    # would be an AttributeError deep in a renderer. Output to a closed stream is discarded.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 - lives until exit
    sys.exit(run())
