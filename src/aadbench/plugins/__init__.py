"""Bundled extractors and detectors; each subpackage is a pluggy plugin."""
