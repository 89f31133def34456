"""firstword: a streaming-first real-time AI conversation server."""

__version__ = "0.1.0"
