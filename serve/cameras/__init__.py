"""Cameras: their configuration (YAML and API), and the registry of running ones."""
