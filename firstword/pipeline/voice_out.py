"""Voice out: what Nova says, as audio down the owner's WebSocket, sentence by sentence, paced.

Synthesis is ~20x faster than speech (Piper's joe voice: real-time factor 0.05), so the audio of
a reply could all be sent at once. It is not: frames go out paced to playback with a small lead
(``lead_ms``), so that a barge-in stops her within that lead rather than after a reply the page
already holds in full, and so that "what was sent" stays close to "what was heard".

``voice.started`` (with the text and the rate) is published before the first frame, and each
frame is handed to the sink with that event's sequence number: the connection's writer sends the
event first (``server.streams``). ``voice.ended`` follows the last frame, with why it ended and
how much the page reported as played. Audio never enters the event log.

A hold (the candidate may be interrupting: ``BargeInDetector`` says ``hold``) pauses the frames
without ending the utterance, while the page plays on what it holds (at most the lead): a hold
resumed within the lead is never heard. ``resume`` goes on from the same sample, behind what the
page still holds; ``stop`` ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from firstword.events import Event, Payload, VoiceEnded, VoiceEndReason, VoiceStarted
from firstword.tts.base import BYTES_PER_SAMPLE, TtsEngine, TtsError, chunk_bytes, speakable, split_pcm
from firstword.critic.sentences import split

log = logging.getLogger("firstword.voice")


def _sentences(text: str) -> list[str]:
    """What a voice says of ``text``, sentence by sentence (the critic's cuts: ``firstword.tts.sentences``)."""
    return [s.text for s in split(speakable(text), final=True) if s.text.strip()]


class AudioSink(Protocol):
    """The one connection that plays Nova's voice (the owner's, opened with ``voice=1``)."""

    def send_audio(self, pcm: bytes, after_seq: int) -> bool:
        """Queue ``pcm`` to go out after event ``after_seq`` and before the next one; False once
        the connection is gone."""
        ...

    def drop_audio(self) -> None:
        """Forget frames queued and not yet sent (a barge-in: the rest must not play)."""
        ...


@dataclass(slots=True)
class Utterance:
    utterance_id: int
    answer_id: int | None
    text: str
    sample_rate: int
    sentences: list[str]
    started_seq: int = 0
    sent_bytes: int = 0
    # The sentence being sent (an index into ``sentences``): what a reconnect says again.
    sentence: int = 0
    heard_ms: float | None = None
    reason: VoiceEndReason | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def sent_ms(self) -> float:
        return self.sent_bytes / BYTES_PER_SAMPLE / self.sample_rate * 1000.0

    def unsaid(self) -> str:
        """The sentences not yet fully sent (the one being sent included)."""
        return " ".join(self.sentences[self.sentence :])


class VoiceOut:
    def __init__(
        self,
        publish: Callable[[Payload, int | None], Event],
        tts: TtsEngine,
        *,
        chunk_ms: int = 40,
        lead_ms: float = 250.0,
        clock: Callable[[], float] = time.monotonic,
        on_sent: Callable[[bytes, int, float], None] | None = None,
        last_seq: Callable[[], int] | None = None,
    ) -> None:
        self._publish = publish
        self._tts = tts
        self._chunk = chunk_bytes(tts.sample_rate, chunk_ms)
        self._lead_s = lead_ms / 1000.0
        self._clock = clock
        # Told of every frame sent, its rate and when it should be heard (the echo guard).
        self._on_sent = on_sent
        # The log's newest sequence number: a frame goes out after that event and before the
        # next (so after its voice.started, before its voice.ended, as it was made).
        self._last_seq = last_seq
        self.sink: AudioSink | None = None
        self._ids = 0
        self.current: Utterance | None = None
        self._task: asyncio.Task[None] | None = None
        self._resumed = asyncio.Event()
        self._resumed.set()
        # Audio made ahead of time (Nova's planned questions are known before she says them).
        self._cache: dict[str, list[bytes]] = {}
        self._cache_tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def sample_rate(self) -> int:
        return self._tts.sample_rate

    @property
    def speaking(self) -> bool:
        return self.current is not None and self.current.reason is None

    @property
    def audible(self) -> bool:
        """Some of what is being said has been sent (so may be playing)."""
        return self.speaking and self.current is not None and self.current.sent_bytes > 0

    @property
    def held(self) -> bool:
        return not self._resumed.is_set()

    # -- ahead of time -------------------------------------------------------------------

    def prepare(self, text: str) -> None:
        """Synthesize ``text``'s sentences now, in the background, for a later ``say``."""
        for sentence in _sentences(text):
            if sentence not in self._cache and sentence not in self._cache_tasks:
                task = asyncio.get_running_loop().create_task(self._render(sentence))
                self._cache_tasks[sentence] = task
                task.add_done_callback(lambda _t, s=sentence: self._cache_tasks.pop(s, None))

    async def _render(self, sentence: str) -> None:
        chunks: list[bytes] = []
        try:
            async with contextlib.aclosing(self._tts.synthesize(sentence)) as made:
                async for chunk in made:
                    chunks.append(chunk)
        except TtsError:
            log.warning("could not prepare %r", sentence[:40], exc_info=True)
            return
        self._cache[sentence] = chunks
        # Bounded: a plan is a dozen sentences; anything older is stale.
        while len(self._cache) > 32:
            self._cache.pop(next(iter(self._cache)))

    # -- speaking ------------------------------------------------------------------------

    def say(
        self,
        text: str,
        answer_id: int | None,
        turn: int | None = None,
        *,
        on_sentence: Callable[[Utterance, int], None] | None = None,
    ) -> Utterance | None:
        """Start saying ``text`` (stopping what is being said). None where there is no one to
        hear it (no connection asked for audio) or nothing to say. ``on_sentence`` is told as
        each sentence's first frame goes out (the text follows the voice)."""
        self.stop(VoiceEndReason.STOPPED)
        sentences = _sentences(text)
        if self.sink is None or not sentences:
            return None
        self._ids += 1
        utterance = Utterance(self._ids, answer_id, " ".join(sentences), self.sample_rate, sentences)
        self.current = utterance
        self._resumed.set()
        self._task = asyncio.get_running_loop().create_task(self._run(utterance, turn, on_sentence))
        return utterance

    def stop(self, reason: VoiceEndReason) -> None:
        """End what is being said now; its queued frames are dropped."""
        utterance = self.current
        if utterance is None or utterance.reason is not None:
            return
        utterance.reason = reason
        if self.sink is not None:
            self.sink.drop_audio()
        if self._task is not None:
            self._task.cancel()
        self._resumed.set()

    def hold(self) -> None:
        """Pause the frames (the candidate may be interrupting)."""
        if self.speaking:
            self._resumed.clear()

    def resume(self) -> None:
        self._resumed.set()

    def played(self, utterance_id: int, played_ms: float) -> None:
        """The page's report of how much of an utterance it has played."""
        utterance = self.current
        if utterance is not None and utterance.utterance_id == utterance_id and played_ms >= 0:
            utterance.heard_ms = min(float(played_ms), utterance.sent_ms)

    def detach(self, sink: AudioSink) -> Utterance | None:
        """The connection went away: the utterance it was hearing ends (``stopped``) and is
        returned, so what it did not hear can be said again on the next connection."""
        if self.sink is not sink:
            return None
        self.sink = None
        utterance = self.current
        if utterance is not None and utterance.reason is None:
            self.stop(VoiceEndReason.STOPPED)
            return utterance
        return None

    async def wait(self) -> VoiceEndReason | None:
        utterance = self.current
        if utterance is None:
            return None
        await utterance.done.wait()
        return utterance.reason

    async def aclose(self) -> None:
        self.stop(VoiceEndReason.STOPPED)
        tasks = [t for t in (self._task, *self._cache_tasks.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(
        self, utterance: Utterance, turn: int | None, on_sentence: Callable[[Utterance, int], None] | None
    ) -> None:
        started = self._publish(
            VoiceStarted(
                utterance_id=utterance.utterance_id,
                answer_id=utterance.answer_id,
                text=utterance.text,
                sample_rate=utterance.sample_rate,
            ),
            turn,
        )
        utterance.started_seq = started.seq
        t0: float | None = None
        # The sentences are rendered ahead, in order, while the ones before them play: otherwise
        # each sentence's synthesis is a silent gap inside the utterance (seconds, on a loaded
        # CPU), during which a barge-in has nothing of hers to stop.
        rendered: asyncio.Queue[tuple[int, bytes | None] | BaseException] = asyncio.Queue()
        renderer = asyncio.get_running_loop().create_task(self._render_ahead(utterance.sentences, rendered))
        try:
            index = -1
            first = False
            while True:
                item = await rendered.get()
                if isinstance(item, BaseException):
                    raise item
                at, chunk = item
                if chunk is None:
                    break
                if at != index:
                    index, first = at, True
                    utterance.sentence = index
                for piece in split_pcm(chunk, self._chunk):
                    if not self._resumed.is_set():
                        await self._resumed.wait()
                        # The page played on through a hold (a hold is not heard until its lead
                        # runs out): what comes next plays after what it still holds, or from now.
                        if t0 is not None:
                            t0 = max(self._clock(), t0 + utterance.sent_ms / 1000.0) - utterance.sent_ms / 1000.0
                    now = self._clock()
                    if t0 is None:
                        t0 = now - utterance.sent_ms / 1000.0
                    # Ahead of playback by at most the lead.
                    ahead = t0 + utterance.sent_ms / 1000.0 - now
                    if ahead < 0:
                        # The page ran out (synthesis fell behind): its playback goes on from now.
                        t0 = now - utterance.sent_ms / 1000.0
                    elif ahead > self._lead_s:
                        await asyncio.sleep(ahead - self._lead_s)
                    sink = self.sink
                    after = self._last_seq() if self._last_seq is not None else utterance.started_seq
                    if sink is None or not sink.send_audio(piece, after):
                        utterance.reason = VoiceEndReason.STOPPED
                        return
                    if first:
                        first = False
                        if on_sentence is not None:
                            on_sentence(utterance, index)
                    heard_at = t0 + utterance.sent_ms / 1000.0
                    if (sent_at := self._clock()) > heard_at:
                        # The page ran out while this piece was on its way: it plays from when it
                        # was sent, and what follows plays after it (reported with ``max`` alone, a
                        # piece could be placed a few microseconds into the one before it).
                        t0 += sent_at - heard_at
                        heard_at = sent_at
                    if self._on_sent is not None:
                        self._on_sent(piece, utterance.sample_rate, heard_at)
                    utterance.sent_bytes += len(piece)
            utterance.sentence = len(utterance.sentences)
            utterance.reason = VoiceEndReason.DONE
        except asyncio.CancelledError:
            if utterance.reason is None:
                utterance.reason = VoiceEndReason.STOPPED
        except TtsError as exc:
            log.warning("voice failed: %s", exc)
            utterance.reason = VoiceEndReason.ERROR
        finally:
            renderer.cancel()
            with contextlib.suppress(RuntimeError):  # the log closed with the session
                self._publish(
                    VoiceEnded(
                        utterance_id=utterance.utterance_id,
                        reason=utterance.reason or VoiceEndReason.STOPPED,
                        audio_ms=round(utterance.sent_ms, 1),
                        heard_ms=None if utterance.heard_ms is None else round(utterance.heard_ms, 1),
                    ),
                    turn,
                )
            utterance.done.set()

    async def _render_ahead(
        self, sentences: list[str], out: asyncio.Queue[tuple[int, bytes | None] | BaseException]
    ) -> None:
        try:
            for index, sentence in enumerate(sentences):
                async with contextlib.aclosing(self._chunks(sentence)) as chunks:
                    async for chunk in chunks:
                        out.put_nowait((index, chunk))
            out.put_nowait((len(sentences), None))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # the speaking task raises it
            out.put_nowait(exc)

    async def _chunks(self, sentence: str):  # type: ignore[no-untyped-def]
        cached = self._cache.get(sentence)
        if cached is None and sentence in self._cache_tasks:
            # Being prepared: its audio is nearly there, and a second synthesis would compete.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._cache_tasks[sentence])
            cached = self._cache.get(sentence)
        if cached is not None:
            for chunk in cached:
                yield chunk
            return
        # aclosing: leaving the loop early (a stop) must close the engine's generator now, not
        # when it is garbage-collected (espeak-ng's process would run on).
        async with contextlib.aclosing(self._tts.synthesize(sentence)) as chunks:
            async for chunk in chunks:
                yield chunk
