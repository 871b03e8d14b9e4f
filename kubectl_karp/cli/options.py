"""Shared kubectl-style options, applied to each command by decorator (never copy-pasted).

kubectl accepts its global flags after the sub-command (``kubectl get pods -n x``), so
they live on every command rather than on the group.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from kubectl_karp.sources.options import ClusterOptions

__all__ = ["OUTPUT_FORMATS", "ClusterOptions", "check_stdin_once", "cluster_options",
           "output_option"]

F = TypeVar("F", bound=Callable[..., Any])

OUTPUT_FORMATS = ("table", "wide", "json", "yaml")
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
# A year; beyond it a timeout is a typo (and threading's wait() overflows past ~292 years).
MAX_TIMEOUT = 366 * 24 * 3600.0


def parse_request_timeout(value: str) -> float | None:
    """kubectl's --request-timeout: ``0`` = none, a bare number = seconds, or 1s/2m/1h."""
    text = value.strip()
    if text in ("", "0"):
        return None
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    number, factor = text, 1.0
    for suffix in ("ms", "s", "m", "h"):
        if text.endswith(suffix):
            number, factor = text[: -len(suffix)], units[suffix]
            break
    # ASCII digits only: "²" passes isdigit() but float() refuses it.
    if _NUMBER_RE.fullmatch(number):
        seconds = float(number) * factor
        if seconds == 0:
            return None
        if seconds <= MAX_TIMEOUT:
            return seconds
    raise click.BadParameter(f"invalid duration {value!r}: use 0, a number of seconds, or "
                             "a value such as 10s, 1m", param_hint="'--request-timeout'")


def _check_selector(value: str | None) -> str | None:
    """Refuse a malformed ``-l`` as a usage error before any cluster or file is read."""
    if value:
        from kubectl_karp.errors import InputError
        from kubectl_karp.model.selectors import parse_selector

        try:
            parse_selector(value)
        except InputError as err:
            raise click.BadParameter(str(err), param_hint="'-l' / '--selector'") from None
    return value


def _check_namespace(value: str) -> None:
    """A namespace goes into request paths: refuse what the API server would (exit 2)."""
    from kubectl_karp.errors import InputError
    from kubectl_karp.model.names import check_namespace

    try:
        check_namespace(value, "")
    except InputError as err:
        raise click.BadParameter(str(err), param_hint="'-n' / '--namespace'") from None


def _check_version(value: str | None) -> str | None:
    """Refuse a malformed ``--karpenter-version`` as a usage error before anything is read."""
    if value is not None:
        from kubectl_karp.core.releases import parse_release

        if parse_release(value) is None:
            raise click.BadParameter(f"invalid version {value!r}: use X.Y or X.Y.Z "
                                     "(e.g. 1.9 or v1.9.0)", param_hint="'--karpenter-version'")
    return value


# Options that read stdin for "-", in every command that has them, and how to name them.
_STDIN_READERS = (("snapshot", "--snapshot"), ("catalog", "--catalog"),
                  ("filenames", "-f"), ("what_if", "--what-if"))


def check_stdin_once(kwargs: dict[str, Any]) -> None:
    """Refuse two readers of ``-`` in one command (``--snapshot - -f -``): the first would
    read all of stdin and the second silently get nothing."""
    readers: list[str] = []
    for name, flag in _STDIN_READERS:
        value = kwargs.get(name)
        values = value if isinstance(value, (tuple, list)) else (value,)
        readers += [f"{flag} -" for v in values if v == "-"]
    if len(readers) > 1:
        raise click.UsageError(f"{' and '.join(readers)} would both read stdin, which can be "
                               "read only once: save all but one to a file")


def _collect(kwargs: dict[str, Any]) -> ClusterOptions:
    timeout_text = kwargs.pop("request_timeout")
    opts = ClusterOptions(
        kubeconfig=kwargs.pop("kubeconfig"),
        context=kwargs.pop("context"),
        namespace=kwargs.pop("namespace"),
        all_namespaces=kwargs.pop("all_namespaces"),
        selector=_check_selector(kwargs.pop("selector", None)),
        request_timeout=parse_request_timeout(timeout_text),
        snapshot=kwargs.pop("snapshot"),
        demo=kwargs.pop("demo"),
        catalogs=tuple(kwargs.pop("catalog", ()) or ()),
        region=kwargs.pop("region", None),
        refresh=kwargs.pop("refresh", False),
        karpenter_version=_check_version(kwargs.pop("karpenter_version", None)),
    )
    if opts.namespace is not None:
        _check_namespace(opts.namespace)
    from kubectl_karp import limits

    limits.set_request_timeout(opts.request_timeout)
    if opts.demo and opts.snapshot is not None:
        raise click.UsageError("--demo and --snapshot cannot be used together")
    if opts.namespace is not None and opts.all_namespaces:
        raise click.UsageError("-n/--namespace and -A/--all-namespaces cannot be used together")
    return opts


def cluster_options(*, selector: bool = True, catalog: bool = False) -> Callable[[F], F]:
    """kubectl's connection and scoping flags plus ``--snapshot``/``--demo``.

    The decorated function receives one ``cluster: ClusterOptions`` argument instead.
    ``catalog=True`` adds ``--catalog``, ``--region`` and ``--refresh`` for commands that
    need instance types.
    """

    def decorate(func: F) -> F:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # Here, where every command's options pass, so simulate and explain (and any
            # command with -f or --what-if) refuse it alike.
            check_stdin_once(kwargs)
            kwargs["cluster"] = _collect(kwargs)
            return func(*args, **kwargs)

        # update_wrapper also carries click's __click_params__ from options applied below us.
        decorated: Any = functools.update_wrapper(wrapper, func)
        opts: list[Callable[[Any], Any]] = [
            click.option("--kubeconfig", metavar="PATH", envvar=None,
                         help="Path to the kubeconfig file (default: $KUBECONFIG, "
                              "~/.kube/config, or in-cluster)."),
            click.option("--context", metavar="NAME", help="The kubeconfig context to use."),
            click.option("-n", "--namespace", metavar="NS",
                         help="Only consider pods in this namespace."),
            click.option("-A", "--all-namespaces", is_flag=True,
                         help="Consider pods in every namespace (the default for cluster-wide "
                              "commands)."),
            click.option("--request-timeout", default="20s", show_default=True, metavar="DUR",
                         help="How long to wait for one API request (0 = no limit)."),
            click.option("--snapshot", metavar="PATH",
                         help="Read cluster state from saved YAML/JSON (a file, a directory, "
                              "or - for stdin) instead of a live cluster."),
            click.option("--demo", is_flag=True,
                         help="Use the embedded TKE demo cluster instead of a live cluster."),
            click.option("--karpenter-version", metavar="X.Y[.Z]",
                         help="Follow the rules of this Karpenter release instead of the "
                              "detected one (supported: 1.8 to 1.14)."),
        ]
        if selector:
            opts.append(click.option("-l", "--selector", metavar="SELECTOR",
                                     help="Only consider pods matching this label selector "
                                          "(e.g. app=web,tier!=db)."))
        if catalog:
            opts += [
                click.option("--catalog", multiple=True, metavar="PATH",
                             help="Instance-type catalogue file (repeatable); see README."),
                click.option("--region", metavar="REGION",
                             help="Cloud region for the live catalogue (TKE: ap-guangzhou…)."),
                click.option("--refresh", is_flag=True,
                             help="Ignore the cached live catalogue and fetch it again."),
            ]
        for opt in reversed(opts):
            decorated = opt(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


def output_option(choices: tuple[str, ...] = OUTPUT_FORMATS, default: str = "table"
                  ) -> Callable[[F], F]:
    return click.option(
        "-o", "--output", type=click.Choice(choices), default=default, show_default=True,
        help="Output format: " + "|".join(choices) + ".")
