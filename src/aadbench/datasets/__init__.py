"""Bundled dataset plugins."""
