"""The hiring runtime of one server: its database engine, password hasher, login limiter and
the retention purge that runs in the background.

It shares the store's engine when the store is the SQL store on the same URL (already
migrated at its start); otherwise it opens its own engine and migrates (the same Alembic chain).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from firstword.config import HiringConfig, Settings
from firstword.hiring.service.login_limits import LoginLimiter
from firstword.hiring.service.passwords import Passwords
from firstword.store.database import create_engine, migrate

log = logging.getLogger("firstword.hiring")


@dataclass
class Hiring:
    engine: AsyncEngine
    config: HiringConfig
    # server.public_url: when it is https, cookies are Secure whatever the request says.
    public_url: str = ""
    clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    owns_engine: bool = False
    passwords: Passwords = field(init=False)
    limiter: LoginLimiter = field(init=False)
    _purger: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.passwords = Passwords(self.config)
        self.limiter = LoginLimiter(self.config, self.monotonic)

    def now(self) -> float:
        return self.clock()

    @classmethod
    async def open(cls, settings: Settings, store: object | None = None, *, purge: bool = True) -> Hiring | None:
        """The runtime, or None when hiring is off (configured so, or the store is off)."""
        if not settings.hiring.enabled or not settings.store.enabled:
            return None
        url = settings.store_url()
        engine = getattr(store, "engine", None)
        shared = isinstance(engine, AsyncEngine) and getattr(store, "url", None) == url
        if not shared:
            engine = create_engine(url)
            await migrate(engine)
        assert isinstance(engine, AsyncEngine)
        hiring = cls(engine, settings.hiring, settings.server.public_url, owns_engine=not shared)
        if purge:
            hiring._purger = asyncio.create_task(hiring._purge_forever(), name="hiring-retention")
        return hiring

    async def aclose(self) -> None:
        if self._purger is not None:
            self._purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purger
        if self.owns_engine:
            await self.engine.dispose()

    async def _purge_forever(self) -> None:
        from firstword.hiring.service.retention import purge_expired

        while True:
            try:
                result = await purge_expired(self)
                if result.candidates:
                    log.info("hiring: retention deleted %d candidates' data", result.candidates)
            except Exception as exc:  # noqa: BLE001 - a failed purge is retried at the next interval
                log.warning("hiring: retention purge failed (%s); retrying in %.0f s", exc, self.config.purge_interval_s)
            await asyncio.sleep(self.config.purge_interval_s)
