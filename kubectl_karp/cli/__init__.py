"""The ``kubectl karp`` command line: thin click commands over the core."""
