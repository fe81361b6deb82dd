"""Errors of the stream workers' sources."""


class SourceError(RuntimeError):
    """A pull source that cannot be opened or read; the message names the source and why."""
