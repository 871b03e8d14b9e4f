"""``version``'s text, kubectl-style (``Client Version: …``, ``Server Version: …``)."""

from __future__ import annotations

from collections.abc import Mapping

from kubectl_karp.render.output import table


def client_document(version: str, python: str) -> dict[str, object]:
    """The start of ``version -o json|yaml``; the server's and the release's fields follow."""
    return {"clientVersion": version, "python": python}


def render_text(info: Mapping[str, object]) -> str:
    """``info`` is the ``-o json`` document; the stderr notes stay with the command."""
    lines = [f"Client Version: v{info['clientVersion']} (Python {info['python']})"]
    if "serverVersion" in info:
        lines.append(f"Context: {info['context']} ({info['server']})")
        lines.append(f"Server Version: {info['serverVersion']}")
        crds = info.get("karpenterCRDs")
        if isinstance(crds, dict) and crds:
            lines.append("Karpenter CRDs:")
            rows = [(name, ", ".join(versions)) for name, versions in crds.items()]
            lines += [f"  {line}" for line in table(("crd", "versions"), rows).splitlines()[1:]]
        else:
            lines.append("Karpenter CRDs: none found")
    if info.get("karpenterVersion"):
        lines.append(f"Karpenter Version: {info['karpenterVersion']} ({info['versionReason']})")
    return "\n".join(lines) + "\n"
