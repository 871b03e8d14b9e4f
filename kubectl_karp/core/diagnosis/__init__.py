"""Why a pod does or does not fit a NodePool, in the shared reason-code vocabulary.

Pure, and below both ``core.scheduling``'s failure diagnosis and ``core.explain``: simulate
builds each pending pod's per-NodePool reasons here, and explain shows the same ones in more
depth, so the two never give different codes or fixes for the same pod and NodePool. Imports
neither the scheduler nor explain (an import-linter contract): NodePool facts come from
``core.nodepools``.
"""
