"""One exception hierarchy for every user-facing failure.

The CLI turns any ``KarpError`` into a single ``error: …`` line on stderr and exit status 1;
anything else reaching the top is a bug and is reported the same way (never a traceback,
unless KARP_DEBUG is set).
"""

from __future__ import annotations


class KarpError(Exception):
    """A failure the user can act on; ``str(err)`` is the whole message."""

    exit_code = 1


class InputError(KarpError):
    """Malformed or invalid input: a file, a document, a field, a quantity."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class QuantityError(InputError):
    """A resource quantity string that Kubernetes would not accept."""


class ClusterError(KarpError):
    """The Kubernetes API could not be reached, refused us, or lacks what we need."""


class CloudError(KarpError):
    """A cloud provider API failed (credentials, throttling, malformed answers)."""


class UsageError(KarpError):
    """Flags that do not make sense together; exit status 2 like click's usage errors."""

    exit_code = 2
