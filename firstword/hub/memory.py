"""In-process hub: the embedded default, for one server process.

Logs and the session directory live in this process; closed sessions' logs are kept for
``linger_s`` so a reader that reconnects just after the end still gets the last events.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from firstword.config import ServerConfig
from firstword.hub.base import ObserverGrant, SessionMeta, UnknownSession
from firstword.hub.log import EventLog, Subscription


class MemoryHub:
    def __init__(self, node_id: str, server: ServerConfig, *, linger_s: float = 300.0) -> None:
        self.node_id = node_id
        self._server = server
        self._linger_s = linger_s
        self._logs: dict[str, EventLog] = {}
        self._meta: dict[str, SessionMeta] = {}
        self._observers: dict[str, dict[str, ObserverGrant]] = {}
        self._forget: dict[str, asyncio.TimerHandle] = {}

    async def start(self) -> None:
        pass

    async def aclose(self) -> None:
        for handle in self._forget.values():
            handle.cancel()
        for log in self._logs.values():
            log.close()

    def create_log(self, session_id: str) -> EventLog:
        log = EventLog(
            session_id,
            replay_capacity=self._server.replay_events,
            subscriber_queue=self._server.subscriber_queue_events,
            subscriber_bytes=self._server.subscriber_queue_bytes,
        )
        self._logs[session_id] = log
        return log

    def close_log(self, session_id: str) -> None:
        log = self._logs.get(session_id)
        if log is None:
            return
        log.close()
        self._forget[session_id] = asyncio.get_running_loop().call_later(
            self._linger_s, self._drop, session_id
        )

    def _drop(self, session_id: str) -> None:
        self._forget.pop(session_id, None)
        self._logs.pop(session_id, None)
        self._meta.pop(session_id, None)
        self._observers.pop(session_id, None)

    async def follow(self, session_id: str, after: int) -> Subscription:
        log = self._logs.get(session_id)
        if log is None:
            raise UnknownSession(session_id)
        return log.subscribe(after=after)

    async def register(self, meta: SessionMeta) -> None:
        self._meta[meta.session_id] = meta
        self._observers.setdefault(meta.session_id, {})

    async def meta(self, session_id: str) -> SessionMeta | None:
        return self._meta.get(session_id)

    async def mark_closed(self, session_id: str) -> None:
        meta = self._meta.get(session_id)
        if meta is not None:
            self._meta[session_id] = replace(meta, status="closed")

    async def add_observer(self, session_id: str, grant: ObserverGrant) -> None:
        self._observers.setdefault(session_id, {})[grant.observer_id] = grant

    async def observers(self, session_id: str) -> list[ObserverGrant]:
        return list(self._observers.get(session_id, {}).values())

    async def revoke_observer(self, session_id: str, observer_id: str, at: float) -> bool:
        grants = self._observers.get(session_id, {})
        grant = grants.get(observer_id)
        if grant is None or not grant.active:
            return False
        grants[observer_id] = replace(grant, revoked_at=at)
        return True

    async def node_alive(self, node_id: str) -> bool:
        return node_id == self.node_id

    async def watchers_elsewhere(self, session_id: str) -> int:
        return 0  # one process: there is nowhere else
