"""Sessions served by this node: the registry that ties an id to its pipeline, log and records.

A session's directory entry (owner token hash, observer grants) lives in the hub, so any node can
check a token; its pipeline and event log live here, on the node that serves it. Every event goes
to the store through the log's listener (an append to a buffer, never a wait).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from firstword.actions.live import LiveActions
from firstword.answerer.answerer import Answerer
from firstword.critic.critic import AnswerCritic, ProfileCritic
from firstword.answerer.personas import current_personas, persona_prompt
from firstword.answerer.personas import persona as get_persona
from firstword.board.chat import ChatEngine
from firstword.board.room import BoardRoom
from firstword.answerer.profile import Profile
from firstword.capacity.admission import Admission, DecoderLoad, NodeFull
from firstword.config import Settings
from firstword.engines import Engines
from firstword.events import CancelReason, ProfileUpdated, SessionClosed, SessionReady
from firstword.hub.base import Hub, SessionMeta, new_token, token_hash
from firstword.hub.log import EventLog
from firstword.pipeline.copilot import CopilotPipeline
from firstword.pipeline.practice import PracticePipeline
from firstword.pipeline.user_voice import UserVoicePipeline
from firstword.store.base import SessionRecord, Store
from firstword.stt.scheduler import DecodeScheduler
from firstword.llm.base import Priority
from firstword.prefetch import intents
from firstword.prefetch.predict import Prediction, predict_questions
from firstword.prefetch.prefetcher import BackgroundGate, NotPreparable, Prefetcher, prepared_text, with_topic
from firstword.prefetch.worker import MatchWorker

log = logging.getLogger("firstword.sessions")


class SessionNotFound(KeyError):
    pass




def _critic_for(answerer: Answerer) -> Callable[[], ProfileCritic]:
    """The critic of the answerer's current profile, rebuilt when the profile changes."""
    built: list[ProfileCritic] = []

    def current() -> ProfileCritic:
        if not built or built[0].profile is not answerer.profile:
            built[:] = [
                ProfileCritic(answerer.profile, persona_prompt(answerer.persona), answerer.persona, answerer.grounding)
            ]
        return built[0]

    return current


def _persona_critics(answerer: Answerer) -> Callable[[str], ProfileCritic]:
    """Each persona's critic of the answerer's current profile (the board room's answers name
    their persona): its own instructions, so an echo of them is caught, and the same facts."""
    built: dict[str, ProfileCritic] = {}

    def for_persona(persona_id: str) -> ProfileCritic:
        found = built.get(persona_id)
        if found is None or found.profile is not answerer.profile:
            persona = current_personas().find(persona_id)
            instructions = persona.instructions if persona is not None else ""
            found = ProfileCritic(answerer.profile, instructions, persona_id, answerer.grounding)
            built[persona_id] = found
        return found

    return for_persona


@dataclass
class Session:
    id: str
    log: EventLog
    answerer: Answerer
    # The copilot's, or in practice mode (a persona with a voice: Nova) the interview's.
    pipeline: CopilotPipeline | PracticePipeline
    created_at: float = field(default_factory=time.time)
    last_activity: float = field(default_factory=time.monotonic)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    # The connection currently streaming audio (one at a time per session).
    audio_owner: object | None = None
    # The user's own microphone (``?source=user``): transcribed and labelled, never answered.
    # Made on its first audio, so sessions that never send it cost no second VAD or thread.
    user_voice: UserVoicePipeline | None = None
    # The connection currently streaming the user's microphone (one at a time, like audio_owner).
    user_audio_owner: object | None = None
    warm_task: asyncio.Task[None] | None = None
    # Typed questions to the advisors (firstword.board); None where no chat engine is configured.
    board: BoardRoom | None = None
    # Live connections on this node (owner's and observers'), and the task that cancels the
    # answer being written once nobody has been connected for the grace period.
    connections: int = 0
    orphan_task: asyncio.Task[None] | None = None
    # Answers written ahead for predicted questions (firstword.prefetch); None in practice mode
    # (Nova's questions are planned, not answered) or when switched off.
    prefetch: Prefetcher | None = None

    @property
    def practice(self) -> PracticePipeline | None:
        """The practice interview, in practice mode."""
        return self.pipeline if isinstance(self.pipeline, PracticePipeline) else None

    @property
    def mode(self) -> str:
        return "practice" if self.practice is not None else "copilot"

    def touch(self) -> None:
        self.last_activity = time.monotonic()


class SessionRegistry:
    def __init__(
        self, settings: Settings, engines: Engines, hub: Hub, store: Store | None, chat: ChatEngine | None = None
    ) -> None:
        self._chat = chat
        self._settings = settings
        self._engines = engines
        self._hub = hub
        self._store = store
        self._sessions: dict[str, Session] = {}
        self._reaper: asyncio.Task[None] | None = None
        # Every session's background generation passes this one door (prefetch.global_share).
        self.background_gate = BackgroundGate(settings.prefetch.global_share)
        # Every session's lookups are decided beside the loop by one child process
        # (prefetch.match_worker); it starts when the first prefetching session is ready.
        p = settings.prefetch
        self.match_worker = MatchWorker(wait_s=p.match_wait_s) if p.enabled and p.match_worker else None
        if p.enabled:
            # The matcher's classifier, for a lookup the loop decides itself (~30 ms once, here at
            # start-up rather than in a first session's start or lookup).
            intents.shipped()
        # One decoder for every session's local decodes: the engine's, or where the engine
        # streams by itself (Deepgram), its local fallback's.
        local = getattr(engines.stt, "fallback", None) if hasattr(engines.stt, "open_transcriber") else engines.stt
        if engines.decoder is None and local is not None and settings.capacity.shared_decoder:
            c = settings.capacity
            engines.decoder = DecodeScheduler(
                local, max_batch=c.max_batch, max_batch_audio_s=c.max_batch_audio_s,
                interim_backoff_ms=c.interim_backoff_ms, max_interim_delay_ms=c.max_interim_delay_ms,
            )
        if engines.decoder is not None and settings.capacity.llm_yield_to_speech_ms > 0 and hasattr(engines.llm, "speech_urgent"):
            engines.llm.speech_urgent = engines.decoder.urgent
            engines.llm.speech_yield_max_s = settings.capacity.llm_yield_to_speech_ms / 1000
        self.admission = Admission(
            settings.capacity,
            node_id=hub.node_id,
            base_url=settings.server.public_url or f"http://{settings.server.host}:{settings.server.port}",
            sessions=self.counts,
            decoder=self.decoder_load,
            background=self.background_gate.busy_total,
            background_cores=settings.llm.local.n_threads if settings.llm.engine == "local" else 0.0,
        )
        self._sampler: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._sessions)

    @property
    def hub(self) -> Hub:
        return self._hub

    @property
    def engines(self) -> Engines:
        return self._engines

    async def create(
        self, *, profile: Profile, persona: str | None = None, prefetch: bool | None = None
    ) -> tuple[Session, str]:
        """A new session served here, and its owner token (returned once, never stored).
        Raises ``NodeFull`` at ``limits.max_sessions``."""
        # Raises UnknownPersona with the valid names; an alias ("technical_advisor") becomes its id.
        persona_name = get_persona(persona or self._settings.answer.persona).id
        if len(self._sessions) >= self._settings.limits.max_sessions:
            raise NodeFull(f"this node serves its limit of {self._settings.limits.max_sessions} sessions", 60)
        self.admission.check()
        session_id = secrets.token_hex(8)
        owner_token = new_token("own")
        meta = SessionMeta(
            session_id=session_id,
            node_id=self._hub.node_id,
            owner_token_hash=token_hash(owner_token),
            persona=persona_name,
            created_at=time.time(),
        )
        await self._hub.register(meta)
        event_log = self._hub.create_log(session_id)
        if self._store is not None:
            store = self._store
            store.session_opened(
                SessionRecord(
                    session_id=session_id,
                    node_id=meta.node_id,
                    persona=persona_name,
                    owner_token_hash=meta.owner_token_hash,
                    created_at=meta.created_at,
                    profile=profile.to_dict(),
                )
            )
            event_log.add_listener(lambda event: store.append(session_id, event))
        answerer = Answerer(self._engines.llm, self._settings.answer, self._settings.llm, profile)
        answerer.persona = persona_name
        critic: AnswerCritic | None = None
        if self._settings.answer.critic:
            # After the store's listener: the store keeps the answer's text before the critic
            # may publish a retraction of it.
            critic = AnswerCritic(
                event_log.publish, _critic_for(answerer), critic_for_persona=_persona_critics(answerer)
            )
            event_log.add_listener(critic.listener)
        event_log.add_listener(LiveActions(event_log.publish).listener)
        pipeline: CopilotPipeline | PracticePipeline
        practice = get_persona(persona_name).voice is not None
        prefetcher: Prefetcher | None = None
        board_ref: list[BoardRoom] = []
        if not practice and (self._settings.prefetch.enabled if prefetch is None else prefetch):
            prefetcher = self._prefetcher(answerer, persona_name, board_ref)
            event_log.add_listener(prefetcher.listener)
        if practice:
            # A persona that speaks (Nova) interviews: practice mode.
            pipeline = PracticePipeline(
                event_log,
                self._settings,
                vad=self._engines.vad_factory(),
                stt=self._engines.stt,
                stt_decoder=self._engines.decoder,
                tts=self._engines.tts,
                profile=lambda: answerer.profile,
                barge_in_vad=self._engines.vad_factory() if self._engines.tts is not None else None,
            )
        else:
            pipeline = CopilotPipeline(
                event_log,
                self._settings,
                vad=self._engines.vad_factory(),
                stt=self._engines.stt,
                stt_decoder=self._engines.decoder,
                answers=answerer,
                prefetch=prefetcher,
            )
        session = Session(session_id, event_log, answerer, pipeline, created_at=meta.created_at)
        if self._chat is not None:
            session.board = BoardRoom(
                session_id=session_id,
                log=event_log,
                chat=self._chat,
                facts=lambda: answerer.grounding.facts,
                dossier_chars=self._settings.board.dossier_chars,
                allocate_turn=pipeline.allocate_turn,
                allocate_answer=pipeline.allocate_answer,
                critic=critic,
            )
            board_ref.append(session.board)
            session.board.prefetch = prefetcher
        session.prefetch = prefetcher
        self._sessions[session_id] = session
        session.warm_task = asyncio.get_running_loop().create_task(self._warm(session))
        return session, owner_token

    def _prefetcher(self, answerer: Answerer, persona_name: str, board: list[BoardRoom]) -> Prefetcher:
        """The session's prefetcher: questions typed to the session are answered by the answerer,
        questions to an advisor in the board room ("board:<id>") by the board's chat."""

        def generate(prediction: Prediction, who: str, history: Sequence[tuple[str, str]]) -> AsyncIterator[str]:
            if who.startswith("board:"):
                if not board:
                    raise NotPreparable("no board room in this session")
                # The advisor reads the conversation so far (the board's own history).
                return board[0].prepare(who.removeprefix("board:"), prediction.text)
            if prediction.answer:
                # A topic of the person's notes: its answer is that note, in their voice.
                return prepared_text(prediction.answer)
            own = None if prediction.standalone else prediction.text
            return answerer.stream(with_topic(prediction, history), priority=Priority.BACKGROUND, own=own)

        def predict(who: str, history: Sequence[tuple[str, str]]) -> list[Prediction]:
            config = self._settings.prefetch
            return predict_questions(
                answerer.profile, history, persona=who.removeprefix("board:"), limit=config.predictions,
                own_work=config.own_work, notes_topics=config.notes_topics,
            )

        # A session of an advisor that writes with the model alone is the board room's.
        advisor = current_personas().find(persona_name)
        start_as = f"board:{persona_name}" if self._chat is not None and advisor is not None and not advisor.grounded else persona_name
        return Prefetcher(
            persona=persona_name, start_as=start_as, generate=generate, predict=predict, gate=self.background_gate,
            config=self._settings.prefetch, handed_over=lambda question: answerer.grounding.handed_over(question),
            for_the_person=lambda live: answerer.grounding.for_the_person(live), matcher=self.match_worker,
        )

    async def _warm(self, session: Session) -> None:
        started = time.perf_counter()
        error: str | None = None
        try:
            if session.practice is not None:
                # Nova's words come from rules, not the model: her voice is what to warm (once
                # per process), not the model's prompt prefix (~18 s on 2 cores, seen by the
                # practice bench, competing with her first sentence's synthesis).
                if self._engines.tts is not None:
                    await self._engines.tts.load()
            else:
                await session.answerer.warm()
                board_persona = current_personas().find(session.answerer.persona)
                if session.board is not None and board_persona is not None and not board_persona.grounded:
                    # The advisor's own prefix (the dossier, then its instructions); the others
                    # share the dossier's tokens (firstword.board.prompt).
                    await session.board.warm(board_persona)
        except Exception as exc:  # the session still works, only its first answer is slower
            error = str(exc)
        session.log.publish(
            SessionReady(
                session_id=session.id,
                engines=self._engines.describe(),
                persona=session.answerer.persona,
                node=self._hub.node_id,
                warm_ms=round((time.perf_counter() - started) * 1000, 1),
                warm_error=error,
            )
        )
        session.ready.set()
        if session.prefetch is not None:
            session.prefetch.start()

    async def update_profile(self, session: Session, profile: Profile) -> None:
        session.ready.clear()
        started = time.perf_counter()
        if session.prefetch is not None:
            # Nothing written from the old profile may be shown, nor written while it changes.
            session.prefetch.suspend()
        await session.answerer.set_profile(profile)
        if session.prefetch is not None:
            session.prefetch.invalidate()
        if self._store is not None:
            self._store.profile_changed(session.id, profile.to_dict())
        session.log.publish(
            ProfileUpdated(warm_ms=round((time.perf_counter() - started) * 1000, 1), empty=profile.is_empty())
        )
        session.ready.set()

    def get(self, session_id: str) -> Session:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise SessionNotFound(session_id) from None

    def local(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def user_voice(self, session: Session) -> UserVoicePipeline | None:
        """The session's user-microphone pipeline, made on first use; None once it is closed."""
        if self._sessions.get(session.id) is not session:
            return None  # closed: a pipeline made now would never be closed
        if session.user_voice is None:
            session.user_voice = UserVoicePipeline(
                session.log,
                self._settings,
                # A VAD of its own: the model is stateful across chunks, one stream per instance.
                vad=self._engines.vad_factory(),
                stt=self._engines.stt,
                stt_decoder=self._engines.decoder,
            )
        return session.user_voice

    # -- connections -------------------------------------------------------------------------

    def connected(self, session: Session) -> None:
        session.connections += 1
        if session.orphan_task is not None:
            session.orphan_task.cancel()
            session.orphan_task = None

    def disconnected(self, session: Session) -> None:
        """A connection went away. Nothing is cancelled while anyone still watches: the answer
        being written is cancelled only once nobody, here or on another node, has been connected
        for ``server.disconnect_grace_s`` (a phone in a lift reconnects and misses nothing)."""
        session.connections -= 1
        if session.connections == 0 and session.id in self._sessions:
            session.orphan_task = asyncio.get_running_loop().create_task(self._cancel_if_orphaned(session))

    async def _cancel_if_orphaned(self, session: Session) -> None:
        await asyncio.sleep(self._settings.server.disconnect_grace_s)
        if session.connections == 0 and not await self._hub_watchers(session.id):
            session.pipeline.cancel_answers(CancelReason.DISCONNECTED)
            if session.board is not None:
                session.board.stop()

    async def _hub_watchers(self, session_id: str) -> int:
        try:
            return await self._hub.watchers_elsewhere(session_id)
        except Exception:  # the hub backend is down: nobody can be watching through it
            log.warning("could not count remote watchers of %s", session_id, exc_info=True)
            return 0

    # -- idle sessions -----------------------------------------------------------------------

    def start(self) -> None:
        self._reaper = asyncio.get_running_loop().create_task(self._reap_idle())
        self._sampler = asyncio.get_running_loop().create_task(self._sample_load())

    # -- load --------------------------------------------------------------------------------

    def counts(self) -> tuple[int, int]:
        """(sessions served here, those counting against capacity: used or connected lately)."""
        since = time.monotonic() - self._settings.capacity.active_window_s
        active = sum(1 for s in self._sessions.values() if s.connections > 0 or s.last_activity >= since)
        return len(self._sessions), active

    def decoder_load(self) -> DecoderLoad:
        decoder = self._engines.decoder
        if decoder is None:
            return DecoderLoad(0.0, 0)
        return DecoderLoad(decoder.busy_fraction(self._settings.capacity.load_window_s), decoder.queued)

    async def _sample_load(self) -> None:
        while True:
            await asyncio.sleep(self._settings.capacity.sample_interval_s)
            self.admission.sample()

    async def _reap_idle(self) -> None:
        timeout = self._settings.limits.idle_timeout_s
        while True:
            # Checked ten times per timeout (at most once a minute): a session lives at most
            # 10 % (or a minute) past its timeout.
            await asyncio.sleep(min(60.0, max(0.05, timeout / 10)))
            for session in await self.idle_sessions(time.monotonic() - timeout):
                log.info("closing session %s: idle for %.0f s", session.id, time.monotonic() - session.last_activity)
                await self.close(session.id, reason="idle")

    async def idle_sessions(self, since: float) -> list[Session]:
        """Sessions nobody has used since ``since`` (monotonic) and nobody watches."""
        idle = [s for s in self._sessions.values() if s.last_activity < since and s.connections == 0]
        return [s for s in idle if not await self._hub_watchers(s.id)]

    # -- end ---------------------------------------------------------------------------------

    async def close(self, session_id: str, reason: Literal["closed", "idle", "shutdown"] = "closed") -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        for task in (session.warm_task, session.orphan_task):
            if task is not None:
                task.cancel()
        if session.prefetch is not None:
            await session.prefetch.aclose()
        await session.pipeline.aclose()
        if session.board is not None:
            await session.board.aclose()
        if session.user_voice is not None:
            await session.user_voice.aclose()
        with contextlib.suppress(RuntimeError):
            session.log.publish(SessionClosed(session_id=session_id, reason=reason))
        self._hub.close_log(session_id)
        await self._hub.mark_closed(session_id)
        if self._store is not None:
            self._store.session_closed(session_id)

    async def close_all(self) -> None:
        for task in (self._reaper, self._sampler):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for session_id in list(self._sessions):
            await self.close(session_id, reason="shutdown")
        if self.match_worker is not None:
            self.match_worker.close()
