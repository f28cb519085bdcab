"""The engine: plugin registry, audio input, frontend, pipeline, store and CLI."""
