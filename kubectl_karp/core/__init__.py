"""The pure simulation core: scheduling, explanations, disruption, validation.

No kubernetes client, click, textual or cloud SDK imports (import-linter enforces it).
"""
