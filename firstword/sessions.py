"""Sessions: the registry that ties an id and an owner token to an event log and a pipeline."""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from dataclasses import dataclass, field

from firstword.answerer.answerer import Answerer
from firstword.answerer.personas import persona_prompt
from firstword.answerer.profile import Profile
from firstword.config import Settings
from firstword.engines import Engines
from firstword.events import EventType
from firstword.hub.log import EventLog
from firstword.pipeline.copilot import CopilotPipeline


class SessionNotFound(KeyError):
    pass


class AccessDenied(PermissionError):
    def __init__(self, message: str, *, missing: bool) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass
class Session:
    id: str
    owner_token: str
    log: EventLog
    answerer: Answerer
    pipeline: CopilotPipeline
    created_at: float = field(default_factory=time.time)
    last_activity: float = field(default_factory=time.monotonic)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    # The connection currently streaming audio (one at a time per session).
    audio_owner: object | None = None
    warm_task: asyncio.Task[None] | None = None

    def check_owner(self, token: str | None) -> None:
        if not token:
            raise AccessDenied("missing session token: pass ?token= or 'Authorization: Bearer'", missing=True)
        if not hmac.compare_digest(token.encode(), self.owner_token.encode()):
            raise AccessDenied("invalid token for this session", missing=False)

    def touch(self) -> None:
        self.last_activity = time.monotonic()


class SessionRegistry:
    def __init__(self, settings: Settings, engines: Engines) -> None:
        self._settings = settings
        self._engines = engines
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    async def create(self, *, profile: Profile, persona: str | None = None) -> Session:
        persona_name = persona or self._settings.answer.persona
        persona_prompt(persona_name)  # raises UnknownPersona with the valid names
        session_id = secrets.token_hex(8)
        log = EventLog(
            session_id,
            replay_capacity=self._settings.server.replay_events,
            subscriber_queue=self._settings.server.subscriber_queue_events,
        )
        answerer = Answerer(self._engines.llm, self._settings.answer, self._settings.llm, profile)
        answerer.persona = persona_name
        pipeline = CopilotPipeline(
            log,
            self._settings,
            vad=self._engines.vad_factory(),
            stt=self._engines.stt,
            answers=answerer,
        )
        session = Session(session_id, secrets.token_urlsafe(24), log, answerer, pipeline)
        self._sessions[session_id] = session
        session.warm_task = asyncio.get_running_loop().create_task(self._warm(session))
        return session

    async def _warm(self, session: Session) -> None:
        started = time.perf_counter()
        error: str | None = None
        try:
            await session.answerer.warm()
        except Exception as exc:  # the session still works, only its first answer is slower
            error = str(exc)
        session.log.publish(
            EventType.SESSION_READY,
            {
                "session_id": session.id,
                "engines": self._engines.describe(),
                "persona": session.answerer.persona,
                "warm_ms": round((time.perf_counter() - started) * 1000, 1),
                "warm_error": error,
            },
        )
        session.ready.set()

    async def update_profile(self, session: Session, profile: Profile) -> None:
        session.ready.clear()
        started = time.perf_counter()
        await session.answerer.set_profile(profile)
        session.log.publish(
            EventType.PROFILE_UPDATED,
            {"warm_ms": round((time.perf_counter() - started) * 1000, 1), "empty": profile.is_empty()},
        )
        session.ready.set()

    def get(self, session_id: str) -> Session:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise SessionNotFound(session_id) from None

    async def close(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        if session.warm_task is not None:
            session.warm_task.cancel()
        await session.pipeline.aclose()
        session.log.close()

    async def close_all(self) -> None:
        for session_id in list(self._sessions):
            await self.close(session_id)
