"""Renderers at the edge: tables, JSON/YAML documents, colour."""
