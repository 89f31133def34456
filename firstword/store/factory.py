"""Builds the configured store."""

from __future__ import annotations

from firstword.config import Settings
from firstword.store.base import Store


def create_store(settings: Settings) -> Store:
    from firstword.store.sqlstore import SqlStore

    return SqlStore(settings.store_url(), node_id=settings.resolved_node_id(), config=settings.store)
