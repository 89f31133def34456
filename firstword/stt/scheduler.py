"""One speech decoder for every session: decodes queued by what they decide, run one at a time.

Every session's transcriber used to own a worker thread, so on a busy node the decodes of
different sessions ran side by side, each on all cores, and a pause's transcript (which decides
the first word of an answer) could wait behind three other sessions' interims. Here all decodes
of the node go through one queue served by one thread:

- ``FINAL`` (a pause's transcript, a turn's final) before ``CUT`` (a piece of over-long speech)
  before ``INTERIM``; first come, first served within a priority;
- interims of different sessions that wait together run as one batch where the engine can
  batch (``decode_batch``): CTranslate2 takes a batch of mel windows, and a batch of several
  short pieces costs less than decoding them one after another (``firstword bench stt-batch``);
- a session's interim that has not started yet is withdrawn when that session asks for a
  final (``DecodeJob.cancel``): its final must not wait behind its own interim;
- interims thin out under load before anything else degrades: ``interim_delay_ms`` grows with
  the queue, and the transcriber waits that much more audio before its next interim;
- ``urgent`` is set while a final or a cut waits or runs: the local model's continuations (an
  answer already showing its first words) pause for it, so the decode that decides another
  session's first word gets the cores (``firstword.llm.llama_local``).

Hand-written because no library does this: a thread pool has no priorities, and asyncio's
priority queue does not batch or withdraw. One thread is enough: the CTranslate2 model runs
one call at a time on all its ``cpu_threads`` anyway (see ``whisper_ct2``).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from firstword.audio.format import SAMPLE_RATE
from firstword.stt.base import Decoded, SpeechToTextEngine

log = logging.getLogger(__name__)

# Busy intervals remembered for busy_fraction: at most one a decode, a minute of them is plenty.
_BUSY_KEPT = 4096


class DecodePriority(IntEnum):
    FINAL = 0
    CUT = 1
    INTERIM = 2


@dataclass(eq=False)
class DecodeJob:
    priority: DecodePriority
    seq: int
    audio: np.ndarray
    prompt: str | None
    future: asyncio.Future[Decoded]
    loop: asyncio.AbstractEventLoop
    queued_at: float
    started: bool = False
    # Time from queued to started (set by the worker), for the queue-wait figures.
    waited_ms: float = 0.0
    _cancelled: bool = field(default=False, repr=False)

    def __lt__(self, other: DecodeJob) -> bool:
        return (self.priority, self.seq) < (other.priority, other.seq)

    def cancel(self) -> bool:
        """Withdraw the job if it has not started; True when withdrawn. Call on the loop."""
        if self.started:
            return False
        self._cancelled = True
        self.future.cancel()
        return True

    @property
    def withdrawn(self) -> bool:
        return self._cancelled or self.future.cancelled()


class DecodeScheduler:
    def __init__(
        self,
        engine: SpeechToTextEngine,
        *,
        max_batch: int = 1,
        max_batch_audio_s: float = 0.0,
        interim_backoff_ms: int = 200,
        max_interim_delay_ms: int = 1600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        # Batches only where the engine has them (WhisperCt2Engine.decode_batch).
        self._decode_batch = getattr(engine, "decode_batch", None)
        self._max_batch = max(1, max_batch) if self._decode_batch is not None else 1
        # Padded samples a batch may hold (pieces x longest); 0 is no limit.
        self._max_batch_samples = int(max_batch_audio_s * SAMPLE_RATE)
        self._backoff_ms = interim_backoff_ms
        self._max_delay_ms = max_interim_delay_ms
        self._clock = clock
        self._heap: list[DecodeJob] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._running_since: float | None = None
        self._busy: deque[tuple[float, float]] = deque(maxlen=_BUSY_KEPT)
        # Set while a FINAL or CUT job waits or runs (read by the LLM's worker between tokens).
        self.urgent = threading.Event()
        self.batches = 0  # decode calls that ran more than one job
        self.decodes = 0  # jobs decoded
        self.busy_total_s = 0.0  # wall seconds spent decoding since start
        # The same by what the decode was for (a batch counts for its first job's priority), so
        # a node's decoder time can be put down to interims, finals and cuts.
        self.busy_by_priority_s: dict[str, float] = {p.name.lower(): 0.0 for p in DecodePriority}
        self.waited_ms_total = 0.0  # queue wait summed over jobs
        # Recent queue waits by priority: a final's wait is time added to someone's first word.
        self._waits: dict[str, deque[float]] = {p.name.lower(): deque(maxlen=_BUSY_KEPT) for p in DecodePriority}
        self._thread = threading.Thread(target=self._run, name="stt-decoder", daemon=True)
        self._thread.start()

    @property
    def engine(self) -> SpeechToTextEngine:
        return self._engine

    # -- on the event loop ----------------------------------------------------------------------

    def submit(self, audio: np.ndarray, prompt: str | None, priority: DecodePriority) -> DecodeJob:
        loop = asyncio.get_running_loop()
        job = DecodeJob(
            priority, next(self._seq), audio, prompt, loop.create_future(), loop, self._clock()
        )
        with self._cond:
            if self._closed:
                raise RuntimeError("the speech decoder is closed")
            heapq.heappush(self._heap, job)
            if priority < DecodePriority.INTERIM:
                self.urgent.set()
            self._cond.notify()
        return job

    async def decode(self, audio: np.ndarray, prompt: str | None, priority: DecodePriority) -> Decoded:
        job = self.submit(audio, prompt, priority)
        try:
            return await job.future
        except asyncio.CancelledError:
            job.cancel()  # the caller gave up: a job not started yet is dropped
            raise

    @property
    def queued(self) -> int:
        """Decodes waiting (not started)."""
        with self._cond:
            return sum(1 for job in self._heap if not job.withdrawn)

    def interim_delay_ms(self) -> int:
        """Extra audio a session waits for before its next interim, for the decodes queued now."""
        return min(self._max_delay_ms, self.queued * self._backoff_ms)

    def busy_fraction(self, window_s: float) -> float:
        """Share of the last ``window_s`` the decoder spent decoding."""
        now = self._clock()
        since = now - window_s
        with self._cond:
            spans = list(self._busy)
            running = self._running_since
        busy = sum(max(0.0, end - max(start, since)) for start, end in spans if end > since)
        if running is not None:
            busy += now - max(running, since)
        return min(1.0, busy / window_s) if window_s > 0 else 0.0

    def stats(self) -> dict[str, object]:
        return {
            "decodes": self.decodes,
            "batches": self.batches,
            "busy_s": round(self.busy_total_s, 3),
            "busy_s_by_priority": {k: round(v, 3) for k, v in self.busy_by_priority_s.items()},
            "mean_wait_ms": round(self.waited_ms_total / self.decodes, 1) if self.decodes else 0.0,
            "wait_ms_by_priority": self.wait_summary(),
            "queued": self.queued,
        }

    def wait_summary(self) -> dict[str, dict[str, float | int]]:
        """Queue wait (queued → started) of the recent decodes of each priority: count, p50,
        p95, max in ms."""
        with self._cond:
            waits = {kind: list(kept) for kind, kept in self._waits.items()}
        return {kind: _summary(values) for kind, values in waits.items()}

    def close(self) -> None:
        """Stop the worker after the decode in progress; queued jobs are cancelled."""
        with self._cond:
            self._closed = True
            pending, self._heap = self._heap, []
            self._cond.notify_all()
        for job in pending:
            try:
                job.loop.call_soon_threadsafe(_cancel, job.future)
            except RuntimeError:  # its event loop has closed
                pass
        self._thread.join(timeout=5.0)

    # -- on the worker thread -------------------------------------------------------------------

    def _take(self) -> list[DecodeJob] | None:
        with self._cond:
            while True:
                while self._heap and self._heap[0].withdrawn:
                    heapq.heappop(self._heap)
                if self._heap:
                    break
                if self._closed:
                    return None
                self._cond.wait()
            first = heapq.heappop(self._heap)
            jobs = [first]
            if first.priority == DecodePriority.INTERIM:
                longest = len(first.audio)
                while len(jobs) < self._max_batch and self._heap:
                    job = self._heap[0]
                    if job.withdrawn:
                        heapq.heappop(self._heap)
                        continue
                    padded = (len(jobs) + 1) * max(longest, len(job.audio))
                    if self._max_batch_samples and padded > self._max_batch_samples:
                        break  # it waits for the next call, after any final that comes meanwhile
                    heapq.heappop(self._heap)
                    jobs.append(job)
                    longest = max(longest, len(job.audio))
            now = self._clock()
            for job in jobs:
                job.started = True
                job.waited_ms = (now - job.queued_at) * 1000.0
            self._running_since = now
            return jobs

    def _run(self) -> None:
        while True:
            jobs = self._take()
            if jobs is None:
                return
            try:
                if len(jobs) == 1:
                    results: list[Decoded | BaseException] = [
                        self._engine.decode(jobs[0].audio, prompt=jobs[0].prompt)
                    ]
                else:
                    assert self._decode_batch is not None
                    results = list(self._decode_batch([(j.audio, j.prompt) for j in jobs]))
                    self.batches += 1
            except BaseException as exc:  # handed to every caller of the failed call
                results = [exc] * len(jobs)
            finally:
                with self._cond:
                    start = self._running_since
                    self._running_since = None
                    if start is not None:
                        end = self._clock()
                        self._busy.append((start, end))
                        self.busy_total_s += end - start
                        self.busy_by_priority_s[jobs[0].priority.name.lower()] += end - start
                    self.decodes += len(jobs)
                    self.waited_ms_total += sum(j.waited_ms for j in jobs)
                    for job in jobs:
                        self._waits[job.priority.name.lower()].append(job.waited_ms)
                    if not any(j.priority < DecodePriority.INTERIM and not j.withdrawn for j in self._heap):
                        self.urgent.clear()
            for job, result in zip(jobs, results, strict=True):
                try:
                    job.loop.call_soon_threadsafe(_settle, job.future, result)
                except RuntimeError:  # its event loop has closed: nobody waits any more
                    pass


def _summary(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    p50, p95, top = np.percentile(values, [50, 95, 100])
    return {"n": len(values), "p50": round(float(p50), 1), "p95": round(float(p95), 1), "max": round(float(top), 1)}


def _settle(future: asyncio.Future[Decoded], result: Decoded | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


def _cancel(future: asyncio.Future[Decoded]) -> None:
    if not future.done():
        future.cancel()
