"""One session's live transcription by Deepgram, behind the front end's ``Transcriber`` surface.

The front end appends audio to the session's ``AudioBuffer`` and calls ``poll()`` after each
frame; here a connection task sends what is new as PCM16 (linear16, 16 kHz mono) while a segment
is open or a final waits for audio, and turns Deepgram's ``Results`` into what the local
``StreamingTranscriber`` gives:

- interims: ``stable`` is the text of the segment's finalized results, ``unstable`` Deepgram's
  current interim (``is_final: false``) result;
- finals by audio range: words are kept with their sample range (Deepgram's stream seconds
  mapped back to the buffer's absolute sample index), and ``transcribe_until(end)`` /
  ``transcribe_window(start, end)`` answer with the finalized words whose middle lies in the
  range, after sending ``Finalize`` and waiting, at most ``stt.deepgram.finalize_timeout_ms``,
  for the results that cover ``end`` (past the wait, interim words fill in what is missing);
- forced finals: a segment whose finalized words run past ``stt.max_segment_ms`` is cut at the
  end of its last finalized word, as the local engine cuts at a quiet point.

Audio is only sent during segments (and for finals): the silence between turns is not billed,
and a ``KeepAlive`` keeps the connection open meanwhile. Stream time is therefore the audio sent,
not the session's: each stretch sent in one go (a "run") remembers where in the buffer it began.

Faults. A dropped connection (no close frame) is reopened, up to ``reconnect_attempts`` times
with a doubling backoff, and the audio from Deepgram's last final on is sent again. A refused key
(HTTP 401), Deepgram closing the stream with a close frame while a segment is open, or the
reconnects running out end Deepgram for the session: the error is logged, given to ``on_error``
and, when a fallback is configured, a local ``StreamingTranscriber`` over the same buffer takes
over from the current segment (decoding it from its start), so the turn still gets a transcript.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from firstword.audio.buffer import AudioBuffer
from firstword.audio.format import SAMPLE_RATE, float32_to_pcm16, ms_to_samples
from firstword.config import SttConfig
from firstword.stt.base import Transcriber
from firstword.stt.deepgram.live import (
    DeepgramClosed,
    DeepgramDropped,
    DeepgramError,
    DeepgramLive,
    DeepgramRefused,
    LiveConnection,
    Results,
    ServerError,
    SpeechHeard,
    StreamMetadata,
    UtteranceEnd,
)
from firstword.stt.streaming import FinalTranscript, InterimTranscript

log = logging.getLogger(__name__)

# Audio that arrives between polls (the front end polls only while the voice goes on) is sent
# at least this often, so Deepgram hears a pause as it happens rather than with the next word.
SEND_TICK_MS = 100
# Longest single audio message: a resend after a reconnect goes out in pieces of this size.
MAX_CHUNK_MS = 250
# A final result that ends this close to a range's end covers it: every final range ends
# FINAL_TAIL_MS (200 ms, speech.front_end) after the last voiced sample, so no word lies in its
# last 100 ms, and Deepgram's result ends are rounded to its own processing steps.
COVER_SLACK_MS = 100
# After CloseStream, Deepgram's last results and Metadata are waited for this long.
CLOSE_WAIT_S = 2.0
# Send times remembered (for the interims' latency): the last ~25 s at one message per 100 ms.
SENT_TIMES_KEPT = 256
# Deepgram's endpoints (speech_final, UtteranceEnd, SpeechStarted) remembered for reports.
ENDPOINTS_KEPT = 64


@dataclass(frozen=True, slots=True)
class DeepgramEndpoint:
    """Something Deepgram said about the speech, placed in the session's audio."""

    kind: Literal["speech_started", "speech_final", "utterance_end"]
    sample: int  # absolute sample index (the last word's end; SpeechStarted's timestamp)
    received_at: float  # this process's clock when the message arrived


@dataclass(frozen=True, slots=True)
class _Word:
    start: int  # absolute sample indices
    end: int
    text: str

    @property
    def middle(self) -> int:
        return (self.start + self.end) // 2


@dataclass(frozen=True, slots=True)
class _Run:
    stream: int  # sample of the connection's stream where the run begins
    start: int  # absolute sample index of its first sample


class DeepgramTranscriber:
    def __init__(
        self,
        live: DeepgramLive,
        buffer: AudioBuffer,
        config: SttConfig,
        *,
        on_interim: Callable[[InterimTranscript], None],
        on_forced_final: Callable[[FinalTranscript], None],
        on_error: Callable[[str], None] | None = None,
        fallback: Callable[[], Transcriber] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._live = live
        self._dg = live.config
        self._buffer = buffer
        self._on_interim = on_interim
        self._on_forced_final = on_forced_final
        self._on_error = on_error
        self._fallback_factory = fallback
        self._clock = clock
        self._max_segment = ms_to_samples(config.max_segment_ms)
        self._slack = ms_to_samples(COVER_SLACK_MS)
        # segment
        self._open = False
        self._seg_start: int | None = None
        self._prompt: str | None = None
        self._segment = 0
        self._last_interim = ""
        # connection
        self._task: asyncio.Task[None] | None = None
        self._conn: LiveConnection | None = None
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()  # set (and replaced) whenever a final result arrives
        self._closed = False
        self._closing = False
        self._failed = False  # Deepgram given up for this session
        self._fallback: Transcriber | None = None
        # what was sent, on the current connection
        self._runs: list[_Run] = []
        self._run_streams: list[int] = []
        self._stream_pos = 0  # samples sent on this connection
        self._sent = 0  # absolute index one past the last sample sent
        self._sent_times: deque[tuple[int, float]] = deque(maxlen=SENT_TIMES_KEPT)
        self._last_sent_at = clock()
        self._finalize_sent_for = -1  # the end the last Finalize on this connection was for
        # what Deepgram said
        self._words: list[_Word] = []  # finalized, in order
        self._interim: list[_Word] = []  # the current interim result's words
        self._finalized = 0  # absolute sample the finalized results reach
        self._finalize_wanted = 0  # the furthest end a final waits for
        self._pending_finals = 0
        self.endpoints: deque[DeepgramEndpoint] = deque(maxlen=ENDPOINTS_KEPT)
        self.reconnects = 0

    # -- the Transcriber surface --------------------------------------------------------------

    @property
    def fallen_back(self) -> bool:
        """Deepgram was given up and the local engine transcribes this session."""
        return self._fallback is not None

    def start_segment(self, start_sample: int, prompt: str | None = None) -> None:
        self._check_open()
        self._open = True
        self._seg_start = start_sample
        self._prompt = prompt
        self._segment += 1
        self._last_interim = ""
        if self._fallback is not None:
            self._fallback.start_segment(start_sample, prompt)
            return
        self._ensure_running()
        self._wake.set()

    def end_segment(self) -> None:
        self._open = False
        self._last_interim = ""
        if self._fallback is not None:
            self._fallback.end_segment()

    def poll(self) -> None:
        if self._fallback is not None:
            self._fallback.poll()
        elif self._open and not self._closed:
            self._wake.set()

    async def transcribe_until(self, end_sample: int) -> FinalTranscript:
        self._check_open()
        if self._seg_start is None:
            raise RuntimeError("transcribe_until called before start_segment")
        if self._fallback is not None:
            return await self._fallback.transcribe_until(end_sample)
        return await self._final(self._seg_start, end_sample, None, until=True)

    async def transcribe_window(self, start: int, end: int, prompt: str | None) -> FinalTranscript:
        self._check_open()
        if self._seg_start is None:
            raise RuntimeError("transcribe_window called before start_segment")
        if self._fallback is not None:
            return await self._fallback.transcribe_window(start, end, prompt)
        return await self._final(start, end, prompt, until=False)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._closing = True
        self._open = False
        self._wake.set()
        self._notify()
        task = self._task
        if task is not None and not task.done():
            if self._conn is None:
                task.cancel()  # connecting or waiting to reconnect: nothing to close politely
            else:
                await asyncio.wait({task}, timeout=CLOSE_WAIT_S + 1)  # CloseStream, last results
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._fallback is not None:
            await self._fallback.aclose()

    # -- finals -------------------------------------------------------------------------------

    async def _final(self, start: int, end: int, prompt: str | None, *, until: bool) -> FinalTranscript:
        began = self._clock()
        segment = self._segment
        deadline = began + self._dg.finalize_timeout_ms / 1000
        self._pending_finals += 1
        self._finalize_wanted = max(self._finalize_wanted, end)
        try:
            self._ensure_running()
            self._wake.set()
            while not self._covered(end) and not self._closed and not self._failed:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    log.info("deepgram: no final for %.2f s of the stream within %d ms; using its interim",
                             end / SAMPLE_RATE, self._dg.finalize_timeout_ms)
                    break
                progress = self._progress
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(progress.wait(), remaining)
        finally:
            self._pending_finals -= 1
        if self._fallback is not None and not self._closed:
            # Deepgram was given up while this waited: the local engine decodes the range.
            if until:
                return await self._fallback.transcribe_until(end)
            return await self._fallback.transcribe_window(start, end, prompt)
        if until and segment == self._segment and self._seg_start is not None and start < self._seg_start < end:
            # A forced cut landed inside the range meanwhile: the part before it is delivered.
            start = self._seg_start
        words = self._words if self._covered(end) else [*self._words, *self._interim]
        text = _text(words, start, end)
        return FinalTranscript(text, start, end, (self._clock() - began) * 1000, forced_cut=False)

    def _covered(self, end: int) -> bool:
        return self._finalized + self._slack >= end

    # -- the connection -----------------------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._closed or self._failed or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.get_running_loop().create_task(self._run())
        self._task.add_done_callback(_log_failure)

    def _needs_stream(self) -> bool:
        return self._open or self._pending_finals > 0

    async def _run(self) -> None:
        """Connect, serve, and reconnect after drops, until closed or given up."""
        failures = 0
        while not self._closed and not self._failed:
            finalized_before = self._finalized
            try:
                async with self._live.connect() as conn:
                    self._begin_connection()
                    self._conn = conn
                    try:
                        await self._serve(conn)
                    finally:
                        self._conn = None
                return  # _serve returns only once closing
            except DeepgramRefused as exc:
                self._give_up(str(exc))
                return
            except DeepgramClosed as exc:
                if self._closing:
                    return
                if not self._needs_stream():
                    # Between turns: nothing is lost, the next segment opens a new stream.
                    log.info("deepgram: %s between turns; reopening with the next segment", exc)
                    return
                self._give_up(f"{exc} in the middle of an utterance")
                return
            except DeepgramDropped as exc:
                if self._closing:
                    return
                if self._finalized > finalized_before:
                    # The connection moved the resend point on: this is a new run of failures.
                    # (Interims alone do not count: a stream that drops before every final
                    # would be reopened for ever.)
                    failures = 0
                failures += 1
                if not self._needs_stream():
                    log.info("deepgram: %s between turns; reopening with the next segment", exc)
                    return
                if failures > self._dg.reconnect_attempts:
                    self._give_up(f"{exc}; {self._dg.reconnect_attempts} reconnects failed")
                    return
                delay_ms = self._dg.reconnect_backoff_ms * 2 ** (failures - 1)
                log.warning("deepgram: %s; reconnecting in %d ms (attempt %d of %d)",
                            exc, delay_ms, failures, self._dg.reconnect_attempts)
                self.reconnects += 1
                await asyncio.sleep(delay_ms / 1000)
            except DeepgramError as exc:  # the SDK missing (the factory checks it first)
                self._give_up(str(exc))
                return

    def _begin_connection(self) -> None:
        """A new stream starts at 0: resend from Deepgram's last final (within what is open)."""
        if self._runs:
            resume = max(self._finalized, self._runs[-1].start, self._buffer.start)
            self._sent = min(resume, self._sent)
        self._runs, self._run_streams = [], []
        self._stream_pos = 0
        self._interim = []
        self._finalize_sent_for = -1
        self._last_sent_at = self._clock()

    async def _serve(self, conn: LiveConnection) -> None:
        loop = asyncio.get_running_loop()
        reader = loop.create_task(self._read(conn))
        writer = loop.create_task(self._pump(conn))
        try:
            done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            if writer in done:
                writer.result()  # a failed send raises here
                # CloseStream is sent: Deepgram's last results and its Metadata may follow.
                await asyncio.wait({reader}, timeout=CLOSE_WAIT_S)
                return
            reader.result()  # a close or a drop raises here
            if not self._closing:
                raise DeepgramClosed(1000, "")  # closed without an error, and not asked to
        finally:
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)

    async def _pump(self, conn: LiveConnection) -> None:
        """Sends audio, Finalize and KeepAlive; CloseStream when the transcriber closes."""
        keepalive = self._dg.keepalive_ms / 1000
        while True:
            self._wake.clear()
            if self._closing:
                await conn.close_stream()
                return
            await self._send_audio(conn)
            if (self._pending_finals and self._finalize_wanted > self._finalized + self._slack
                    and self._sent >= self._finalize_wanted and self._finalize_sent_for < self._finalize_wanted):
                # Once per end asked for (and again on a new connection): the audio that keeps
                # coming while a final waits needs no Finalize of its own.
                self._finalize_sent_for = self._finalize_wanted
                await conn.finalize()
            if self._clock() - self._last_sent_at >= keepalive:
                self._last_sent_at = self._clock()
                await conn.keep_alive()
            timeout = SEND_TICK_MS / 1000 if self._needs_stream() else keepalive
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _send_audio(self, conn: LiveConnection) -> None:
        # A final's range is sent whole (it may reach back before the open segment's start);
        # then the open segment, skipping the unsent audio between segments.
        if self._pending_finals and self._finalize_wanted > self._sent:
            await self._send_range(conn, self._sent, min(self._finalize_wanted, self._buffer.end))
        if self._open and self._seg_start is not None:
            await self._send_range(conn, max(self._sent, self._seg_start), self._buffer.end)

    async def _send_range(self, conn: LiveConnection, start: int, end: int) -> None:
        start = max(start, self._buffer.start)
        if end <= start:
            return
        if not self._runs or start != self._sent:
            self._runs.append(_Run(self._stream_pos, start))
            self._run_streams.append(self._stream_pos)
        step = ms_to_samples(MAX_CHUNK_MS)
        while start < end:
            stop = min(end, start + step)
            pcm = float32_to_pcm16(self._buffer.slice(start, stop))
            # Counted before the await: a result may come back before send() returns.
            self._sent = stop
            self._stream_pos += stop - start
            await conn.send_audio(pcm)
            self._sent_times.append((stop, self._clock()))
            start = stop
        self._last_sent_at = self._clock()

    # -- what Deepgram says -------------------------------------------------------------------

    async def _read(self, conn: LiveConnection) -> None:
        async for message in conn.messages():
            if isinstance(message, Results):
                self._results(message)
            elif isinstance(message, UtteranceEnd):
                self._endpoint("utterance_end", message.last_word_end_s)
            elif isinstance(message, SpeechHeard):
                self._endpoint("speech_started", message.timestamp_s)
            elif isinstance(message, StreamMetadata):
                log.debug("deepgram: stream %s ended after %.1f s", message.request_id, message.duration_s)
            elif isinstance(message, ServerError):
                log.warning("deepgram: %s: %s", message.variant, self._live.scrub(message.description))

    def _results(self, result: Results) -> None:
        end = self._to_abs(result.end_s)
        words = [_Word(self._to_abs(w.start_s), self._to_abs(w.end_s), w.text) for w in result.words if w.text]
        if result.is_final:
            floor = self._finalized
            self._words.extend(w for w in words if w.middle >= floor)
            self._finalized = max(self._finalized, end)
            self._interim = []
            self._prune()
            self._cut_if_too_long()
            self._notify()
        else:
            self._interim = [w for w in words if w.middle >= self._finalized]
        if result.speech_final and words:
            self.endpoints.append(DeepgramEndpoint("speech_final", words[-1].end, self._clock()))
        self._emit_interim(end)

    def _endpoint(self, kind: Literal["speech_started", "utterance_end"], seconds: float) -> None:
        if self._runs:
            self.endpoints.append(DeepgramEndpoint(kind, self._to_abs(seconds), self._clock()))

    def _emit_interim(self, end: int) -> None:
        if not self._open or self._seg_start is None:
            return
        stable = _text(self._words, self._seg_start, None)
        unstable = _text(self._interim, self._seg_start, None)
        text = " ".join(t for t in (stable, unstable) if t)
        if not text or text == self._last_interim:
            return
        self._last_interim = text
        interim = InterimTranscript(text, stable, unstable, self._seg_start, max(end, self._seg_start),
                                    self._latency_ms(end))
        try:
            self._on_interim(interim)
        except Exception:
            log.exception("on_interim callback failed")

    def _cut_if_too_long(self) -> None:
        """A forced final of the open segment's finalized words once they pass max_segment.

        Not while a final waits: it is about to deliver those words itself."""
        if (not self._open or self._seg_start is None or self._pending_finals
                or self._finalized - self._seg_start <= self._max_segment):
            return
        start = self._seg_start
        piece = [w for w in self._words if w.middle >= start]
        if not piece or piece[-1].end <= start:
            return
        cut = piece[-1].end
        self._seg_start = cut
        self._last_interim = ""
        final = FinalTranscript(" ".join(w.text for w in piece), start, cut, 0.0, forced_cut=True)
        try:
            self._on_forced_final(final)
        except Exception:
            log.exception("on_forced_final callback failed")

    # -- giving up ----------------------------------------------------------------------------

    def _give_up(self, reason: str) -> None:
        if self._failed:
            return
        self._failed = True
        message = self._live.scrub(reason)
        if self._fallback_factory is not None:
            message += "; transcribing with the local engine from this segment on"
        log.warning("deepgram: %s", message)
        if self._fallback_factory is not None and not self._closed:
            fallback = self._fallback_factory()
            if self._seg_start is not None:
                fallback.start_segment(self._seg_start, self._prompt)
                if not self._open:
                    fallback.end_segment()
            self._fallback = fallback
        if self._on_error is not None:
            try:
                self._on_error(message)
            except Exception:
                log.exception("on_error callback failed")
        self._notify()

    # -- plumbing -----------------------------------------------------------------------------

    def _to_abs(self, seconds: float) -> int:
        """A time of this connection's stream as an absolute sample index of the buffer."""
        if not self._runs:
            return self._sent
        position = round(seconds * SAMPLE_RATE)
        i = max(0, bisect.bisect_right(self._run_streams, position) - 1)
        run = self._runs[i]
        return run.start + (position - run.stream)

    def _latency_ms(self, end: int) -> float:
        """Time since the audio up to ``end`` was sent: what the result cost (network and all)."""
        for stop, at in self._sent_times:
            if stop >= end:
                return (self._clock() - at) * 1000
        return 0.0

    def _prune(self) -> None:
        # Words of audio the buffer no longer holds cannot be asked for again.
        oldest = self._buffer.start
        if self._words and self._words[0].end < oldest:
            self._words = [w for w in self._words if w.end >= oldest]

    def _notify(self) -> None:
        self._progress.set()
        self._progress = asyncio.Event()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the Deepgram transcriber is closed")


def _text(words: list[_Word], start: int, end: int | None) -> str:
    return " ".join(w.text for w in words if w.middle >= start and (end is None or w.middle < end))


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        # The type only: an SDK exception's text quotes request headers (masked, but not ours).
        log.error("deepgram: the connection task failed (%s)", type(exc).__name__)
