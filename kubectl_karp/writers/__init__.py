"""Where kubectl-karp changes a cluster (``kubectl karp apply``).

Everything else reads: ``kubectl_karp.sources`` never imports this package and never sends a
write verb.
"""
