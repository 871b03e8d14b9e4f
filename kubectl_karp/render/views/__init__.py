"""The TUI's row models: what each view shows, computed from a snapshot as plain data.

Pure (no textual, no I/O): ``kubectl_karp.tui`` turns these rows into table cells. The facts
the rows show (node state, the dry run's verdicts) live in ``kubectl_karp.core.status``; this
package only shapes and formats them. Prices are display-only floats.
"""

from kubectl_karp.core.status import claim_lifecycle, dry_run_verdicts, node_state
from kubectl_karp.render.views.analysis import (
    CONSOLIDATION_COLUMNS,
    PENDING_COLUMNS,
    ConsolidationRow,
    PendingGroupRow,
    consolidation_rows,
    group_pending,
    pending_row,
    pending_rows,
)
from kubectl_karp.render.views.columns import (
    Column,
    arrange,
    bar,
    cells,
    cpu_text,
    format_age,
    matches,
    memory_text,
    percent,
)
from kubectl_karp.render.views.nodes import (
    NODE_CLAIM_COLUMNS,
    NODE_COLUMNS,
    NodeClaimRow,
    NodeRow,
    Totals,
    claim_conditions,
    node_claim_rows,
    node_rows,
    totals,
    totals_line,
    with_dry_run,
)
from kubectl_karp.render.views.pools import NODE_POOL_COLUMNS, NodePoolRow, node_pool_rows

__all__ = [
    "CONSOLIDATION_COLUMNS", "NODE_CLAIM_COLUMNS", "NODE_COLUMNS", "NODE_POOL_COLUMNS",
    "PENDING_COLUMNS", "Column", "ConsolidationRow", "NodeClaimRow", "NodePoolRow", "NodeRow",
    "PendingGroupRow", "Totals", "arrange", "bar", "cells", "claim_conditions",
    "claim_lifecycle", "consolidation_rows", "cpu_text", "dry_run_verdicts", "format_age",
    "group_pending", "matches", "memory_text", "node_claim_rows", "node_pool_rows",
    "node_rows", "node_state", "pending_row", "pending_rows", "percent", "totals",
    "totals_line", "with_dry_run",
]
