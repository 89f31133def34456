"""A client of the server's real transport: create a session, stream audio, collect events.

Used by ``firstword listen`` and by the latency benchmark. Every event is stamped with this
process's monotonic clock on receipt, and every audio frame on sending, so latencies are measured
on one clock, where the user is.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import websockets

from firstword.answerer.profile import Profile
from firstword.audio.feeder import FedFrame, fast_frames, frames_of, realtime_frames
from firstword.events import AnswerCancelled, AnswerDone, AnswerStarted, Event, EventType


@dataclass(frozen=True, slots=True)
class SessionHandle:
    session_id: str
    owner_token: str
    ws_url: str
    events_url: str


@dataclass(frozen=True, slots=True)
class Received:
    event: Event
    at: float  # client monotonic clock


@dataclass
class StreamRecord:
    frames: list[FedFrame] = field(default_factory=list)
    events: list[Received] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    audio_samples: int = 0  # samples of the recording itself, before the trailing silence
    timed_out: bool = False

    def of_type(self, *types: str) -> list[Received]:
        return [r for r in self.events if r.event.type in types]

    def sent_at_sample(self, sample: int) -> float:
        """Client clock when the frame holding ``sample`` was sent."""
        from firstword.audio.format import FRAME_SAMPLES

        index = min(len(self.frames) - 1, max(0, (sample - 1) // FRAME_SAMPLES))
        return self.frames[index].sent_at


class FirstwordClient:
    def __init__(self, base_url: str, *, timeout_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def health(self) -> dict[str, Any]:
        response = await self._http.get("/healthz")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    async def create_session(
        self, profile: Profile | None = None, persona: str | None = None, *, prefetch: bool | None = None
    ) -> SessionHandle:
        body: dict[str, Any] = {}
        if profile is not None:
            body["profile"] = profile.to_dict()
        if persona is not None:
            body["persona"] = persona
        if prefetch is not None:
            body["prefetch"] = prefetch
        response = await self._http.post("/sessions", json=body)
        if response.status_code != 201:
            raise RuntimeError(f"cannot create a session: {response.status_code} {response.text}")
        raw = response.json()
        return SessionHandle(raw["session_id"], raw["owner_token"], raw["ws_url"], raw["events_url"])

    async def close_session(self, session: SessionHandle) -> None:
        await self._http.delete(f"/sessions/{session.session_id}", params={"token": session.owner_token})

    async def stream(
        self,
        session: SessionHandle,
        samples: np.ndarray,
        *,
        realtime: bool = True,
        trailing_silence_ms: int = 3000,
        settle_timeout_s: float = 15.0,
        on_event: Callable[[Received], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> StreamRecord:
        """Send ``samples`` (then silence) as 20 ms frames; collect events until the session settles.

        Settled means: the session is ready, every started turn has its ``turn.latency`` report and
        no answer is still streaming — or ``settle_timeout_s`` passed after the audio ended.
        """
        record = StreamRecord(audio_samples=len(samples))
        frames = frames_of(samples, trailing_silence_ms)
        url = f"{session.ws_url}?token={session.owner_token}"
        async with websockets.connect(url, max_size=2**22, open_timeout=30) as ws:
            ready = asyncio.Event()
            settled = asyncio.Event()
            state = _Settle()

            async def receive() -> None:
                async for message in ws:
                    at = clock()
                    raw = json.loads(message)
                    if raw.get("seq") is None:
                        if raw.get("type") == EventType.ERROR:
                            record.errors.append(raw.get("data", {}))
                        continue
                    received = Received(Event.from_dict(raw), at)
                    record.events.append(received)
                    if received.event.type == EventType.SESSION_READY:
                        ready.set()
                    state.update(received.event)
                    if state.audio_done and state.settled():
                        settled.set()
                    if on_event is not None:
                        on_event(received)

            receiver = asyncio.create_task(receive())
            try:
                await asyncio.wait_for(ready.wait(), timeout=120)
                pace = realtime_frames if realtime else fast_frames
                async for frame in pace(frames, clock):
                    await ws.send(frame.pcm)
                    record.frames.append(frame)
                await ws.send(json.dumps({"type": "end"}))
                state.audio_done = True
                if state.settled():
                    settled.set()
                try:
                    await asyncio.wait_for(settled.wait(), timeout=settle_timeout_s)
                except TimeoutError:
                    record.timed_out = True
            finally:
                receiver.cancel()
                try:
                    await receiver
                except (asyncio.CancelledError, websockets.ConnectionClosed):
                    pass
        return record


@dataclass
class _Settle:
    audio_done: bool = False
    open_turns: set[int] = field(default_factory=set)
    open_answers: set[int] = field(default_factory=set)

    def update(self, event: Event) -> None:
        if event.type == EventType.SPEECH_STARTED and event.turn is not None:
            self.open_turns.add(event.turn)
        elif event.type == EventType.TURN_LATENCY and event.turn is not None:
            self.open_turns.discard(event.turn)
        elif event.type == EventType.ANSWER_STARTED:
            self.open_answers.add(event.payload(AnswerStarted).answer_id)
        elif event.type == EventType.ANSWER_DONE:
            self.open_answers.discard(event.payload(AnswerDone).answer_id)
        elif event.type == EventType.ANSWER_CANCELLED:
            self.open_answers.discard(event.payload(AnswerCancelled).answer_id)

    def settled(self) -> bool:
        return not self.open_turns and not self.open_answers
