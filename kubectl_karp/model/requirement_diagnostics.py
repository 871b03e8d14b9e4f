"""The words for the requirement algebra's refusals (model/requirements.py), built only when
read.

The scheduler meets thousands of incompatible requirement pairs per run and reports a handful:
the algebra returns an :class:`Incompatibility` record (the key and the two requirements), and
its message, with a typo hint found by difflib, is composed when something renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kubectl_karp.model.labels import (
    RESTRICTED_LABEL_DOMAINS,
    WELL_KNOWN_LABELS,
    is_restricted_label,
    label_domain,
)

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.model.requirements import Requirement


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """Why two sets of requirements cannot both hold for one label ``key``.

    ``ours`` is the requirement of the side ``compatible``/``intersects`` was called on
    (``None`` when that side does not define the key); ``theirs`` is the argument's.
    The words (``message``) are built only when read: the scheduler meets thousands of
    incompatibilities per run and reports few of them.
    """

    key: str
    ours: Requirement | None
    theirs: Requirement | None
    # For an undefined key: the keys that side does define and the labels it may leave
    # undefined, to suggest a typo when the message is read.
    known_keys: tuple[str, ...] = ()
    allow_undefined: frozenset[str] = frozenset()

    @property
    def message(self) -> str:
        key, ours, theirs = self.key, self.ours, self.theirs
        if ours is None:
            wanted = theirs.describe() if theirs is not None else "any value"
            hint = label_hint(key, self.known_keys, self.allow_undefined)
            return f"{key}: needs {wanted} but the label has no known values here{hint}"
        other = theirs.describe() if theirs is not None else "any value"
        return f"{key}: {ours.describe()} does not intersect {other}"

    def describe(self, ours: str, theirs: str) -> str:
        """The message with the two sides named, e.g. ``describe("the NodePool", "the pod")``
        → ``…: the pod needs In [C6] but the NodePool allows In [S5, SA2]``."""
        wanted = self.theirs.describe() if self.theirs is not None else "any value"
        if self.ours is None:
            return f"{self.key}: {theirs} needs {wanted} but {ours} does not define the label"
        return f"{self.key}: {theirs} needs {wanted} but {ours} allows {self.ours.describe()}"


def label_hint(key: str, known_keys: tuple[str, ...], allow_undefined: frozenset[str]) -> str:
    suffix = key.partition("/")[2] or key
    candidates = [*sorted(allow_undefined), *known_keys]
    for known in candidates:
        if key in known or known.endswith(suffix):
            return f" (typo of {known!r}?)"
    import difflib  # only when a message is read: not at start-up

    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.9)
    return f" (typo of {close[0]!r}?)" if close else ""


def restricted_label_problem(key: str, well_known: frozenset[str] = WELL_KNOWN_LABELS,
                             domains: frozenset[str] = RESTRICTED_LABEL_DOMAINS) -> str | None:
    """Why a NodePool may not use label ``key`` (upstream ``IsRestrictedLabel``), or None."""
    if not is_restricted_label(key, well_known, domains):
        return None
    domain = label_domain(key)
    what = f"domain {domain!r}" if domain else "label"
    import difflib  # only when a message is read: not at start-up

    # A key in a restricted domain is most often a typo of one of its well-known labels.
    close = difflib.get_close_matches(key, sorted(k for k in well_known
                                                  if label_domain(k) == domain), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return (f"label {key!r} is restricted{hint}: its {what} is reserved for Kubernetes/"
            f"Karpenter or the cloud provider; use a well-known label "
            f"({', '.join(sorted(well_known))}) or a custom label outside "
            f"{', '.join(sorted(domains))}")
