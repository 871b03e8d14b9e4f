"""The sold-out blocker: a NodePool none of whose allowed instance types has an available
offering in the zones and capacity types it allows."""

from __future__ import annotations

from kubectl_karp.core import reasons as rc
from kubectl_karp.core.context import NodePoolContext
from kubectl_karp.core.diagnosis.text import plural
from kubectl_karp.core.nodepools import template_requirements
from kubectl_karp.core.nodepools.instancetypes import type_requirements
from kubectl_karp.core.reasons import Reason
from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import LABEL_CAPACITY_TYPE, LABEL_ZONE

_OFFERING_KEYS = (LABEL_ZONE, LABEL_CAPACITY_TYPE)


def sold_out_reason(npc: NodePoolContext) -> Reason | None:
    """A blocker when no instance type the NodePool allows has any available offering."""
    try:
        reqs = template_requirements(npc.node_pool)
    except InputError:
        return None
    label_reqs = reqs.without(*_OFFERING_KEYS)
    allowed = [it for it in npc.instance_types
               if type_requirements(it).intersects(label_reqs) is None
               and any(o.allowed_by(reqs) for o in it.offerings)]
    if not allowed or any(o.available and o.allowed_by(reqs)
                          for it in allowed for o in it.offerings):
        return None
    name = npc.node_pool.name
    return Reason(
        rc.OFFERINGS_UNAVAILABLE,
        f"NodePool {name}: all {plural(len(allowed), 'instance type')} it allows are sold out "
        "in every zone and capacity type it allows",
        detail="the cloud reports no stock for any of them; Karpenter cannot launch until "
               "stock returns",
        fix=f"widen the instance families, zones or capacity types of NodePool {name} "
            "(e.g. allow spot), or retry later", node_pool=name)
