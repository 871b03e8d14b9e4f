"""Object names and namespaces as the API server accepts them, and safe display of names.

A name that the API server would refuse is never a real object, and one that is put into a
request path unchecked can reach another object (``../../api/v1/namespaces/x/secrets/s``).
So every name taken from a file, a flag or an answer is checked here before it is used in a
request: most names are DNS-1123 subdomains, namespaces are DNS-1123 labels.
"""

from __future__ import annotations

import re

from kubectl_karp.errors import InputError

# upstream: k8s.io/apimachinery pkg/util/validation/validation.go IsDNS1123Subdomain/Label
_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_LABEL_RE = re.compile(_LABEL)
SUBDOMAIN_MAX = 253
LABEL_MAX = 63

# C0 and C1 control characters (ESC starts terminal escape sequences), DEL, and the
# Unicode bidi overrides that reorder what a terminal shows.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def is_subdomain(value: str) -> bool:
    return len(value) <= SUBDOMAIN_MAX and _SUBDOMAIN_RE.fullmatch(value) is not None


def is_label(value: str) -> bool:
    return len(value) <= LABEL_MAX and _LABEL_RE.fullmatch(value) is not None


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_name(value: object, where: str) -> str:
    """``value`` if it is a valid object name (a DNS-1123 subdomain), else an InputError."""
    if not isinstance(value, str) or not is_subdomain(value):
        raise InputError(f"invalid name {_shown(value)}: must be a DNS-1123 subdomain (lower "
                         "case letters, digits, '-' and '.', at most 253 characters)",
                         where=where)
    return value


def check_namespace(value: object, where: str) -> str:
    """``value`` if it is a valid namespace (a DNS-1123 label), else an InputError."""
    if not isinstance(value, str) or not is_label(value):
        raise InputError(f"invalid namespace {_shown(value)}: must be a DNS-1123 label (lower "
                         "case letters, digits and '-', at most 63 characters)", where=where)
    return value


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``), safe to show on a terminal."""
    if _CONTROL_RE.search(text) is None:
        return text
    return _CONTROL_RE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)
