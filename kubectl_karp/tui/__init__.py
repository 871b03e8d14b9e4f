"""The Textual TUI (kubectl karp tui)."""
