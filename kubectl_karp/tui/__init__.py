"""The Textual terminal UI (``kubectl karp tui``); imported only by that command."""
