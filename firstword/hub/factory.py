"""Builds the configured hub backend."""

from __future__ import annotations

from firstword.config import Settings
from firstword.hub.base import Hub


def create_hub(settings: Settings) -> Hub:
    if settings.hub.backend == "memory":
        from firstword.hub.memory import MemoryHub

        return MemoryHub(settings.resolved_node_id(), settings.server)
    if settings.hub.backend == "redis":
        from firstword.hub.redis_streams import RedisHub

        return RedisHub(settings.resolved_node_id(), settings.server, settings.hub)
    raise ValueError(f"unknown hub backend {settings.hub.backend!r} (expected 'memory' or 'redis')")
