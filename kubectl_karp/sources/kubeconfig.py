"""Which cluster and credentials a command uses, configured as kubectl would.

``--kubeconfig`` (one file), else ``$KUBECONFIG`` (several files separated by ``os.pathsep``:
the first file to name a cluster, user, context or the current context wins), else
``~/.kube/config``, else the in-cluster service account. A broken kubeconfig, client
certificate or credential plugin is one plain sentence here, before any request; a credential
plugin (``exec:``) that never exits is bounded.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kubectl_karp.errors import ClusterError
from kubectl_karp.model.names import printable

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.sources.options import ClusterOptions

IN_CLUSTER = "in-cluster"
# A credential plugin (`exec:` in the kubeconfig) that never exits must not hang the command.
EXEC_PLUGIN_TIMEOUT = 60.0
_OFFLINE_HINT = "use --snapshot FILE or --demo to work without a cluster"



@dataclass(frozen=True)
class KubeconfigSource:
    """Which kubeconfig files apply and which context is selected."""

    paths: tuple[str, ...]  # empty: in-cluster
    context: str


def kubeconfig_paths(opts: ClusterOptions) -> tuple[str, ...]:
    """The kubeconfig files in kubectl's order of precedence (existing ones only)."""
    if opts.kubeconfig:
        path = os.path.expanduser(opts.kubeconfig)
        if not os.path.isfile(path):
            raise ClusterError(f"kubeconfig {opts.kubeconfig}: no such file")
        return (path,)
    env = os.environ.get("KUBECONFIG")
    if env:
        candidates = [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
    else:
        candidates = [os.path.expanduser("~/.kube/config")]
    seen: list[str] = []
    for path in candidates:
        if os.path.isfile(path) and path not in seen:
            seen.append(path)
    return tuple(seen)


def _read_kubeconfig(path: str) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ClusterError(f"kubeconfig {path}: cannot be read: not a UTF-8 text file") \
            from None
    except (OSError, yaml.YAMLError, RecursionError) as err:
        text = "nested too deeply" if isinstance(err, RecursionError) else str(err)
        raise ClusterError(f"kubeconfig {path}: cannot be read: "
                           f"{' '.join(text.split())}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ClusterError(f"kubeconfig {path}: not a kubeconfig (expected a mapping)")
    return data


def context_names(opts: ClusterOptions) -> list[str]:
    """Context names from the kubeconfig files kubectl would read (no API call), for shell
    completion: a file that cannot be read contributes none."""
    names: list[str] = []
    for path in kubeconfig_paths(opts):
        try:
            data = _read_kubeconfig(path)
        except ClusterError:
            continue
        entries = data.get("contexts")
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
                names.append(entry["name"])
    return names


def _in_cluster() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


def resolve_kubeconfig(opts: ClusterOptions) -> KubeconfigSource:
    """The files and the context kubectl would use for these options."""
    paths = kubeconfig_paths(opts)
    if not paths:
        if _in_cluster():
            return KubeconfigSource((), opts.context or IN_CLUSTER)
        where = os.environ.get("KUBECONFIG") or "~/.kube/config"
        raise ClusterError(f"no Kubernetes configuration found ({where} does not exist and "
                           f"this is not a pod in a cluster); {_OFFLINE_HINT}")
    contexts: list[str] = []
    current = ""
    for path in paths:
        data = _read_kubeconfig(path)
        if not current and isinstance(data.get("current-context"), str):
            current = data["current-context"]
        for entry in data.get("contexts") or []:
            if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
                contexts.append(entry["name"])
    chosen = opts.context or current
    if not chosen:
        raise ClusterError(f"no current context is set in {', '.join(paths)}; pass "
                           f"--context NAME (known: {', '.join(contexts) or 'none'})")
    if chosen not in contexts:
        raise ClusterError(f"context {chosen!r} not found in {', '.join(paths)} (known: "
                           f"{', '.join(contexts) or 'none'})")
    return KubeconfigSource(paths, chosen)


def current_context_name(opts: ClusterOptions) -> str:
    """The name of the context the options select (``in-cluster`` inside a pod)."""
    return resolve_kubeconfig(opts).context


class _CollectErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(" ".join(record.getMessage().split()))


def load_configuration(opts: ClusterOptions, *, pool_size: int = 8) -> tuple[Any, str]:
    """A ``kubernetes.client.Configuration`` for the options, and the context name."""
    from kubernetes import client
    from kubernetes import config as _config
    from kubernetes.config.config_exception import ConfigException

    config: Any = _config  # the package is untyped
    source = resolve_kubeconfig(opts)
    _check_client_certificate(source)
    _bound_exec_plugins(opts.request_timeout)
    configuration = client.Configuration()
    # The client logs (instead of raising) when a credential plugin such as
    # `tke-credential` or `aws eks get-token` fails; catch that to report it as one error.
    logged = _CollectErrors()
    root = logging.getLogger()
    root.addHandler(logged)
    try:
        if source.paths:
            config.load_kube_config(config_file=os.pathsep.join(source.paths),
                                    context=source.context,
                                    client_configuration=configuration,
                                    persist_config=False)
        else:
            config.load_incluster_config(client_configuration=configuration)
    except ConfigException as err:
        raise ClusterError(f"context {source.context}: invalid configuration: "
                           f"{printable(' '.join(str(err).split()))}") from None
    except OSError as err:  # e.g. a client certificate file named in the kubeconfig
        raise ClusterError(f"context {source.context}: {err.strerror or err}: "
                           f"{getattr(err, 'filename', '') or ''}".rstrip(": ")) from None
    except (ValueError, TypeError, AttributeError, KeyError) as err:
        # The client trips over a kubeconfig of the wrong shape (a list where a mapping
        # belongs) or data that is not base64 (client-certificate-data: "!!!").
        raise ClusterError(f"context {source.context}: invalid configuration: "
                           f"{_config_problem(err)}") from None
    finally:
        root.removeHandler(logged)
    if logged.messages:
        raise ClusterError(f"context {source.context}: the kubeconfig's credential plugin "
                           f"failed: {printable(logged.messages[0])}")
    _quiet_urllib3()
    # One attempt per request: a retry storm against a dead server would outlast
    # --request-timeout several times over.
    configuration.retries = False
    configuration.connection_pool_maxsize = pool_size
    return configuration, source.context


def _config_problem(err: BaseException) -> str:
    import binascii

    if isinstance(err, binascii.Error):
        return "certificate or key data is not valid base64"
    return printable(" ".join(str(err).split()))[:200] or type(err).__name__


def _user_entry(source: KubeconfigSource) -> tuple[Mapping[str, Any], str]:
    """The selected context's user (first file to define it wins) and that file's folder."""
    user_name: object = None
    for path in source.paths:
        for entry in _read_kubeconfig(path).get("contexts") or []:
            if isinstance(entry, Mapping) and entry.get("name") == source.context \
                    and isinstance(entry.get("context"), Mapping):
                user_name = entry["context"].get("user")
                break
        if user_name is not None:
            break
    for path in source.paths:
        for entry in _read_kubeconfig(path).get("users") or []:
            if isinstance(entry, Mapping) and entry.get("name") == user_name \
                    and isinstance(entry.get("user"), Mapping):
                return entry["user"], os.path.dirname(path)
    return {}, ""


def _pem(user: Mapping[str, Any], key: str, base: str, context: str) -> bytes | None:
    import base64
    import binascii

    data, file = user.get(f"{key}-data"), user.get(key)
    try:
        if data:
            return base64.b64decode(str(data), validate=True)
        if file:
            return Path(base, os.path.expanduser(str(file))).read_bytes()
    except binascii.Error:
        raise ClusterError(f"context {context}: invalid configuration: {key}-data is not "
                           "valid base64") from None
    except OSError as err:
        raise ClusterError(f"context {context}: invalid configuration: cannot read {key} "
                           f"{file}: {err.strerror or err}") from None
    return None


def _check_client_certificate(source: KubeconfigSource) -> None:
    """Refuse a missing, unreadable or garbage client certificate or key up front, as kubectl
    does; the Python client ignores them for http:// servers and fails late for https."""
    import ssl
    import tempfile

    if not source.paths:
        return
    context = source.context
    user, base = _user_entry(source)
    cert = _pem(user, "client-certificate", base, context)
    key = _pem(user, "client-key", base, context)
    if cert is None and key is None:
        return
    if cert is None or key is None:
        raise ClusterError(f"context {context}: invalid configuration: a client "
                           f"{'key' if key is None else 'certificate'} is missing (the "
                           "kubeconfig sets only one of client-certificate and client-key)")
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_path.write_bytes(cert)
        key_path.write_bytes(key)
        try:
            # A password callback, so that an encrypted key fails here instead of OpenSSL
            # prompting on the terminal (kubectl does not support encrypted keys either).
            ssl.create_default_context().load_cert_chain(cert_path, key_path,
                                                         password=lambda: b"")
        except (OSError, ssl.SSLError, ValueError) as err:
            why = getattr(err, "reason", None) or getattr(err, "strerror", None) or str(err)
            raise ClusterError(f"context {context}: invalid configuration: cannot load the "
                               f"client certificate and key: {' '.join(str(why).split())}"
                               ) from None


def _quiet_urllib3() -> None:
    """No multi-line warnings from urllib3 on stderr: kubectl says nothing for an insecure
    (skip-verify) cluster, and the pool's own log lines are not the user's business."""
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    logging.getLogger("urllib3").setLevel(logging.ERROR)


class _BoundedPopen:
    """``subprocess`` for the client's exec credential plugins, with a time limit: the
    client calls ``communicate()`` with none, so a plugin that never exits would hang us."""

    PIPE = -1

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def Popen(self, *args: Any, **kwargs: Any) -> Any:
        import subprocess

        limit = self.timeout

        class Process(subprocess.Popen):  # type: ignore[type-arg]
            def communicate(self, input: Any = None, timeout: float | None = None
                            ) -> Any:
                try:
                    return super().communicate(input, timeout or limit)
                except subprocess.TimeoutExpired:
                    self.kill()
                    super().communicate()
                    from kubernetes.config.config_exception import ConfigException

                    name = os.path.basename(str(self.args[0] if isinstance(
                        self.args, list | tuple) else self.args))
                    raise ConfigException(f"exec: the credential plugin {name} did not "
                                          f"finish within {limit:g}s") from None

        return Process(*args, **kwargs)


def _bound_exec_plugins(request_timeout: float | None) -> None:
    from kubernetes.config import exec_provider

    limit = max(request_timeout or EXEC_PLUGIN_TIMEOUT, 1.0)
    module: Any = exec_provider  # untyped; it calls subprocess.Popen through this name
    module.subprocess = _BoundedPopen(limit)


def api_client(opts: ClusterOptions, *, pool_size: int = 8) -> Any:
    """A ready ``kubernetes.client.ApiClient`` for the options."""
    from kubernetes import client

    configuration, _ = load_configuration(opts, pool_size=pool_size)
    return client.ApiClient(configuration)
