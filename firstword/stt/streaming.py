"""Streaming transcription of one session: interim decodes of the growing segment, finals on demand.

The engine decodes whole pieces of audio; streaming is re-decoding the open segment every
``interim_step_ms`` of new audio and stabilising successive hypotheses. Decode work is bounded:
at most one decode of a session runs at a time, and an interim due while one runs is skipped,
not queued (the next poll after it finishes decodes everything that arrived meanwhile).

A final (``transcribe_until``) waits for a running decode rather than cancelling it (a CTranslate2
call cannot be stopped half-way) and is cached by audio range, so the endpointer can ask early (at
the first short pause) and again when the turn is declared over, and the second answer is free.

Speech longer than ``max_segment_ms`` is cut at its quietest moment near the end and the piece is
delivered as a final of its own (``forced_cut``); the segment goes on from the cut, with the
piece's text as the decoder's prompt so the next piece continues the sentence.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from firstword.audio.buffer import AudioBuffer
from firstword.audio.format import SAMPLE_RATE, ms_to_samples
from firstword.config import SttConfig
from firstword.stt.base import Decoded, SpeechToTextEngine
from firstword.stt.scheduler import DecodeJob, DecodePriority, DecodeScheduler
from firstword.stt.stabilizer import TranscriptStabilizer, word_key

log = logging.getLogger(__name__)
_V = TypeVar("_V")

# A forced cut is looked for in this last part of an over-long segment, in windows of this size.
CUT_SEARCH_MS = 4000
CUT_WINDOW_MS = 100
# Where a commit at a closed segment looks for its quiet point: Whisper's segment ends come in
# 20-ms steps and tend to fall on the last word's end or a little before it.
COMMIT_SEARCH_BEFORE_MS = 100
COMMIT_SEARCH_AFTER_MS = 400
# The shared decoder's recent busy share, read by an interim's pacing, is over this window.
PACE_WINDOW_S = 2.0
# Decoded ranges remembered per session: a turn asks for one or two finals; more is history.
_CACHE_ENTRIES = 8


@dataclass(frozen=True)
class InterimTranscript:
    text: str
    stable: str
    unstable: str
    start_sample: int
    end_sample: int
    compute_ms: float


@dataclass(frozen=True)
class FinalTranscript:
    text: str
    start_sample: int
    end_sample: int
    compute_ms: float
    forced_cut: bool  # a piece cut from speech longer than max_segment_ms


def quietest_point(audio: np.ndarray, window: int) -> int:
    """Offset of the centre of the ``window``-sample stretch of ``audio`` with the least energy."""
    if len(audio) <= window:
        return len(audio) // 2
    energy = np.concatenate([[0.0], np.cumsum(audio.astype(np.float64) ** 2)])
    sums = energy[window:] - energy[:-window]
    # Among equally quiet stretches (digital silence) take the latest: the piece keeps the most.
    best = len(sums) - 1 - int(np.argmin(sums[::-1]))
    return best + window // 2


class StreamingTranscriber:
    def __init__(
        self,
        engine: SpeechToTextEngine,
        buffer: AudioBuffer,
        config: SttConfig,
        *,
        on_interim: Callable[[InterimTranscript], None],
        on_forced_final: Callable[[FinalTranscript], None],
        executor: concurrent.futures.Executor | None = None,
        decoder: DecodeScheduler | None = None,
    ) -> None:
        self._engine = engine
        # The node's shared decoder (firstword.stt.scheduler); without one (replays, tests that
        # step decodes inline) decodes run on ``executor``.
        self._decoder = decoder
        self._interim_job: DecodeJob | None = None
        self._pause_commits = config.pause_decode_commits
        self._buffer = buffer
        self._on_interim = on_interim
        self._on_forced_final = on_forced_final
        self._own_executor = executor is None
        # One worker per session: its decodes are sequential anyway, and a session cannot take
        # more than one thread from the others.
        self._executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="stt"
        )
        self._full_step = ms_to_samples(config.interim_step_ms)
        self._min_step = min(self._full_step, ms_to_samples(config.interim_min_step_ms)) or self._full_step
        self._max_duty = config.interim_max_duty
        self._fast_below_busy = config.interim_fast_below_busy
        self._step = self._min_step
        self._max_segment = min(
            ms_to_samples(config.max_segment_ms), int(engine.max_audio_s * SAMPLE_RATE)
        )
        self._commit_after = ms_to_samples(config.commit_segments_after_ms)
        self._commit_keep = ms_to_samples(config.commit_keep_ms)
        self._stabilizer = TranscriptStabilizer()
        self._lock = asyncio.Lock()  # held for every decode: never two of one session at once
        self._waiting = 0  # decodes holding or waiting for the lock; interims skip while > 0
        self._open = False
        self._closed = False
        self._epoch = 0  # bumped when the piece being decoded changes; stale interims are dropped
        self._segment = 0  # bumped by start_segment only
        self._start: int | None = None  # first sample of the current piece of the segment
        self._prompt: str | None = None
        self._last_interim_end = 0
        self._poll_task: asyncio.Task[None] | None = None  # the interim or cut poll() started
        self._finals: OrderedDict[tuple[int, int], asyncio.Task[FinalTranscript]] = OrderedDict()
        self._decoded: OrderedDict[tuple[int, int], Decoded] = OrderedDict()

    # -- segment life -------------------------------------------------------------------------

    def start_segment(self, start_sample: int, prompt: str | None = None) -> None:
        self._check_open()
        self._open = True
        # Cached ranges belong to the previous segment's prompt; running finals keep their task.
        self._finals.clear()
        self._decoded.clear()
        self._segment += 1
        self._begin_piece(start_sample, prompt)

    def end_segment(self) -> None:
        """No more interims for this segment; ``transcribe_until`` still decodes its audio."""
        self._open = False
        self._epoch += 1
        self._stabilizer.reset()

    @property
    def busy(self) -> bool:
        # The poll task counts from its creation: several frames may be appended (and polled)
        # before it first runs and takes the lock.
        polled = self._poll_task is not None and not self._poll_task.done()
        return polled or self._waiting > 0

    def poll(self) -> None:
        if not self._open or self._closed or self._start is None or self.busy:
            return
        end = self._buffer.end
        if end - self._start > self._max_segment:
            self._spawn(self._forced_cut(end))
        # The shared decoder's queue is looked at only once a step of audio is in: poll runs
        # every 20 ms frame of every speaking session.
        elif (new := end - self._last_interim_end) >= self._step and new >= self._step + self._interim_delay():
            self._last_interim_end = end
            self._spawn(self._interim(self._epoch, self._start, end))

    async def transcribe_until(self, end_sample: int) -> FinalTranscript:
        self._check_open()
        self._withdraw_interim()
        if self._start is None:
            raise RuntimeError("transcribe_until called before start_segment")
        # Over-long audio is cut into forced pieces first, as poll() would have done.
        while end_sample - self._start > self._max_segment:
            async with self._decoding():
                if end_sample - self._start > self._max_segment:
                    await self._cut_piece(end_sample)
        key = (self._start, end_sample)
        task = self._finals.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = asyncio.get_running_loop().create_task(
                self._final(*key, self._segment, self._prompt)
            )
            _remember(self._finals, key, task)
        # Shielded: a caller that gives up (a cancelled turn) leaves the decode to finish into
        # the cache, where the next caller for the same range finds it.
        return await asyncio.shield(task)

    async def transcribe_window(self, start: int, end: int, prompt: str | None) -> FinalTranscript:
        """Decode ``[start, end)`` as one piece with ``prompt`` as the text said before it.

        For a final that takes in earlier segments of a turn (``start`` before the current
        segment's), so Whisper hears them together rather than cut at every pause. A window that
        begins at the current piece, or is too long for one decode, is ``transcribe_until(end)``.
        """
        self._check_open()
        self._withdraw_interim()
        if self._start is None:
            raise RuntimeError("transcribe_window called before start_segment")
        if start >= self._start or end - start > self._max_segment:
            return await self.transcribe_until(end)
        key = (start, end)
        task = self._finals.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = asyncio.get_running_loop().create_task(self._window(start, end, prompt))
            _remember(self._finals, key, task)
        return await asyncio.shield(task)

    async def aclose(self) -> None:
        self._closed = True
        self._open = False
        self._epoch += 1
        pending = [t for t in (self._poll_task, *self._finals.values()) if t and not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._finals.clear()
        self._decoded.clear()
        if self._own_executor:
            # A decode already running in the worker finishes on its own; nothing waits for it.
            self._executor.shutdown(wait=False, cancel_futures=True)

    # -- decodes ------------------------------------------------------------------------------

    async def _interim(self, epoch: int, start: int, end: int) -> None:
        async with self._decoding():
            if epoch != self._epoch:
                return
            decoded = await self._decode(start, end, self._prompt, DecodePriority.INTERIM)
        if epoch != self._epoch:
            return  # the segment ended or was cut while decoding
        self._pace(decoded.compute_ms)
        stable, unstable = self._stabilizer.update(decoded.text)
        self._deliver_interim(InterimTranscript(decoded.text, stable, unstable, start, end, decoded.compute_ms))
        if self._commit_after and end - start >= self._commit_after and self._open and start == self._start:
            self._commit_closed(start, end, decoded, stable)

    def _pace(self, compute_ms: float) -> None:
        """The next interim's step from this one's decode time: a quick decode (a short piece, an
        idle decoder) is followed sooner, down to ``interim_min_step_ms``, so the decoder spends at
        most ``interim_max_duty`` of the time on this session's interims, unless the node's shared
        decoder is already busy (``interim_fast_below_busy``); never more than ``interim_step_ms``."""
        if self._min_step < self._full_step and self._max_duty > 0:
            wanted = ms_to_samples(int(compute_ms / self._max_duty))
            if self._decoder is not None and self._decoder.busy_fraction(PACE_WINDOW_S) > self._fast_below_busy:
                wanted = self._full_step  # the node's decoder is busy: the others' pauses first
            self._step = max(self._min_step, min(self._full_step, wanted))

    def _commit_closed(self, start: int, end: int, decoded: Decoded, stable: str) -> None:
        """Commit the last timed segment of ``decoded`` that is stable and leaves at least
        ``commit_keep_ms`` open: a forced final up to its end, and the piece goes on from there
        with its text as the prompt (as a max_segment_ms cut does, but at a segment Whisper
        closed, with words two interims agreed on, and without decoding again)."""
        stable_keys = [word_key(w) for w in stable.split()]
        for end_s, text in reversed(decoded.closed):
            cut = self._quiet_near(start + int(end_s * SAMPLE_RATE), end - self._commit_keep)
            if cut > end - self._commit_keep or cut <= start:
                continue
            keys = [word_key(w) for w in text.split()]
            if not keys or keys != stable_keys[: len(keys)]:
                continue
            self._begin_piece(cut, text)
            self._deliver_forced(FinalTranscript(text, start, cut, 0.0, forced_cut=True))
            return

    def _quiet_near(self, at: int, limit: int) -> int:
        """The quietest point just around a segment's end (Whisper's timestamps are 20-ms
        tokens, often a little early): a cut there does not split the last word."""
        lo, hi = at - ms_to_samples(COMMIT_SEARCH_BEFORE_MS), min(limit, at + ms_to_samples(COMMIT_SEARCH_AFTER_MS))
        audio = self._buffer.slice(lo, hi)
        window = ms_to_samples(CUT_WINDOW_MS)
        if hi - lo < window or len(audio) < hi - lo:
            return at
        return lo + quietest_point(audio, window)

    def _deliver_interim(self, interim: InterimTranscript) -> None:
        try:
            self._on_interim(interim)
        except Exception:
            log.exception("on_interim callback failed")

    async def _final(
        self, start: int, end: int, segment: int, prompt: str | None
    ) -> FinalTranscript:
        if end <= start:
            return FinalTranscript("", start, start, 0.0, forced_cut=False)
        async with self._decoding():
            if segment == self._segment and self._start is not None:
                if start < self._start < end:
                    # A forced cut landed inside the range while this waited: the part before
                    # the cut was delivered as a forced final, so this final is the rest.
                    start = self._start
                if start == self._start:
                    prompt = self._prompt  # set by a forced cut once its piece was decoded
            epoch = self._epoch
            decoded = await self._decode(start, end, prompt, DecodePriority.FINAL)
        if self._pause_commits != "off" and epoch == self._epoch and self._open and start == self._start:
            # Asked for while the segment is still open (a pause): the newest hypothesis of the
            # open piece, so it counts for the stable text as an interim would, and the words
            # said before the pause are held committed now rather than at the turn's final.
            self._last_interim_end = max(self._last_interim_end, end)
            settle = self._pause_commits == "all"
            stable, unstable = (self._stabilizer.settle if settle else self._stabilizer.update)(decoded.text)
            self._deliver_interim(InterimTranscript(decoded.text, stable, unstable, start, end, decoded.compute_ms))
        return FinalTranscript(decoded.text, start, end, decoded.compute_ms, forced_cut=False)

    async def _window(self, start: int, end: int, prompt: str | None) -> FinalTranscript:
        async with self._decoding():
            decoded = await self._decode(start, end, prompt, DecodePriority.FINAL)
        return FinalTranscript(decoded.text, start, end, decoded.compute_ms, forced_cut=False)

    async def _forced_cut(self, end: int) -> None:
        async with self._decoding():
            if self._start is not None and end - self._start > self._max_segment:
                await self._cut_piece(end)

    async def _cut_piece(self, end: int) -> None:
        """Decode [start, cut) as a forced final and continue the segment from the cut.

        Called with the decode lock held."""
        assert self._start is not None
        start = self._start
        cut = self._cut_point(start, end)
        # The segment moves on before the decode, so that polls meanwhile measure the new piece.
        self._begin_piece(cut, self._prompt)
        decoded = await self._decode(start, cut, self._prompt, DecodePriority.CUT)
        self._prompt = decoded.text or self._prompt
        self._deliver_forced(FinalTranscript(decoded.text, start, cut, decoded.compute_ms, forced_cut=True))

    def _deliver_forced(self, final: FinalTranscript) -> None:
        try:
            self._on_forced_final(final)
        except Exception:
            log.exception("on_forced_final callback failed")

    def _cut_point(self, start: int, end: int) -> int:
        # The cut lands in the last CUT_SEARCH_MS of the first max_segment samples, so the piece
        # is never longer than the engine takes, however late the cut is made.
        limit = min(end, start + self._max_segment)
        lo = max(start + self._max_segment // 2, limit - ms_to_samples(CUT_SEARCH_MS))
        audio = self._buffer.slice(lo, limit)
        if len(audio) < limit - lo:
            return limit
        return lo + quietest_point(audio, ms_to_samples(CUT_WINDOW_MS))

    async def _decode(self, start: int, end: int, prompt: str | None, priority: DecodePriority) -> Decoded:
        key = (start, end)
        cached = self._decoded.get(key)
        if cached is not None:
            return cached
        audio = self._buffer.slice(start, end)
        if self._decoder is not None:
            job = self._decoder.submit(audio, prompt, priority)
            if priority == DecodePriority.INTERIM:
                self._interim_job = job
            try:
                decoded = await job.future
            except asyncio.CancelledError:
                job.cancel()
                raise
            finally:
                if self._interim_job is job:
                    self._interim_job = None
        else:
            call = functools.partial(self._engine.decode, audio, prompt=prompt)
            decoded = await asyncio.get_running_loop().run_in_executor(self._executor, call)
        # An interim of exactly the range a final asks for is that final.
        _remember(self._decoded, key, decoded)
        return decoded

    # -- plumbing -----------------------------------------------------------------------------

    def _interim_delay(self) -> int:
        """Extra samples before the next interim while the node's decoder has a queue."""
        return ms_to_samples(self._decoder.interim_delay_ms()) if self._decoder is not None else 0

    def _withdraw_interim(self) -> None:
        """A final is wanted: this session's interim that has not started yet is dropped, so that
        the final does not wait behind it in the shared queue (it would hold the session's lock)."""
        job = self._interim_job
        if job is not None and job.cancel():
            self._interim_job = None

    def _begin_piece(self, start_sample: int, prompt: str | None) -> None:
        self._epoch += 1
        self._stabilizer.reset()
        self._start = start_sample
        self._prompt = prompt
        self._last_interim_end = start_sample

    def _decoding(self) -> _Decoding:
        return _Decoding(self)

    def _spawn(self, coro: Coroutine[object, object, None]) -> None:
        self._poll_task = asyncio.get_running_loop().create_task(coro)
        self._poll_task.add_done_callback(_log_failure)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the streaming transcriber is closed")


def _remember(cache: OrderedDict[tuple[int, int], _V], key: tuple[int, int], value: _V) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_ENTRIES:
        cache.popitem(last=False)


def _log_failure(task: asyncio.Task[None]) -> None:
    # An interim that fails is skipped (the next one retries); a final's failure goes to its caller.
    if not task.cancelled() and task.exception() is not None:
        log.error("STT decode failed", exc_info=task.exception())


class _Decoding:
    """Holds the session's decode lock, counting waiters so that poll() can skip while busy."""

    def __init__(self, owner: StreamingTranscriber) -> None:
        self._owner = owner

    async def __aenter__(self) -> None:
        self._owner._waiting += 1
        try:
            await self._owner._lock.acquire()
        except BaseException:
            self._owner._waiting -= 1
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._owner._lock.release()
        self._owner._waiting -= 1
