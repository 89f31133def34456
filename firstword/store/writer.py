"""The batched writer: the hub's side is an O(1) append to a buffer; a background task commits.

Policy:

* ``offer`` never awaits, never does I/O and never raises: it appends to a deque and, at most,
  wakes the task (when the buffer was empty, to start the time window, or when it reaches
  ``flush_events``).
* The task commits every ``flush_events`` ops or ``flush_ms`` after the oldest waiting op,
  whichever comes first: everything waiting (up to ``MAX_BATCH_OPS``) in one transaction. A
  kill -9 loses at most that window.
* A commit the database could not take for a passing reason (unreachable, locked) is retried
  with exponential backoff from ``retry_initial_ms`` to ``retry_max_ms``; its ops go back to the
  front of the buffer, so order is kept and nothing within the bound is lost. While it lasts a
  WARNING says so, at once and every ``WARN_EVERY_S``; an INFO line says when it is over.
* Past ``max_buffered_events`` buffered events, the oldest events are dropped and counted (an
  ERROR line says how many). Session records (opened, profile, closed) are never dropped: they
  are few, and without them the events that survive would have no session to belong to.
* A batch the database refuses for its content (a constraint, a value it cannot store) would be
  refused forever; it is retried op by op and the ops refused alone are dropped and logged, so
  one bad op cannot hold back the rest.

Counts in ``stats()`` are of ops: an event, a session opened, a profile, a session closed
(``dropped`` includes ops the database refused). ``offer`` must be called from the event loop's
thread, as the hub's listeners are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from firstword.store.base import WriterStats
from firstword.store.database import describe_error
from firstword.store.projection import AppendEvent, Op

log = logging.getLogger("firstword.store")

# One transaction never carries more than this: after an outage the backlog goes in chunks, so
# no single commit holds a lock (or a PostgreSQL snapshot) for long.
MAX_BATCH_OPS = 2_000
WARN_EVERY_S = 10.0
CLOSE_TIMEOUT_S = 10.0


@dataclass(slots=True)
class WriterPolicy:
    flush_events: int = 10
    flush_ms: int = 500
    max_buffered_events: int = 100_000
    retry_initial_ms: int = 200
    retry_max_ms: int = 5_000


@dataclass(slots=True)
class _Entry:
    n: int  # offer order: lets flush() know when everything it waits for is settled
    at: float  # monotonic time offered: the flush window counts from the oldest waiting op
    op: Op


Commit = Callable[[list[Op]], Awaitable[None]]


class BatchWriter:
    def __init__(
        self,
        commit: Commit,
        policy: WriterPolicy,
        *,
        is_transient: Callable[[BaseException], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._commit = commit
        self._policy = policy
        self._is_transient = is_transient
        self._clock = clock
        self._buffer: deque[_Entry] = deque()
        self._inflight: list[_Entry] = []
        self._buffered_events = 0  # events in the buffer and in flight
        self._next_n = 1
        self._wake = asyncio.Event()
        # Set after every attempt, successful or not: flush() waits on it.
        self._progress = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flush_waiters = 0
        # flush() asks for one attempt now, even in the middle of a backoff.
        self._retry_now = False
        self._closing = False
        self._closed = False
        self._late_warned = False
        # Counters (ops).
        self._written = 0
        self._dropped = 0  # to the buffer bound
        self._refused = 0  # refused by the database for their content
        self._failed_flushes = 0
        self._last_error: str | None = None
        # Outage bookkeeping, for the log lines.
        self._failures_in_row = 0
        self._outage_since: float | None = None
        self._last_warning_at: float | None = None
        self._recovered_events: int | None = None
        self._dropped_logged = 0
        self._drop_mark = 0  # drops counted at the last write before an outage
        self._last_drop_log_at: float | None = None
        self._last_refusal_log_at: float | None = None

    # ----- the hub's side: synchronous, O(1), never raises ------------------------------------

    def offer(self, op: Op) -> None:
        if self._closed:
            if not self._late_warned:
                self._late_warned = True
                log.warning("store: records offered after the store was closed are not written")
            return
        entry = _Entry(self._next_n, self._clock(), op)
        self._next_n += 1
        self._buffer.append(entry)
        if isinstance(op, AppendEvent):
            self._buffered_events += 1
            if self._buffered_events > self._policy.max_buffered_events:
                self._drop_oldest_event()
        size = len(self._buffer)
        if size == 1 or size == self._policy.flush_events:
            self._wake.set()

    def _drop_oldest_event(self) -> None:
        # Session records are skipped over; they are rare, so the first event is near the front.
        for i, entry in enumerate(self._buffer):
            if isinstance(entry.op, AppendEvent):
                del self._buffer[i]
                self._buffered_events -= 1
                self._dropped += 1
                return

    def stats(self) -> WriterStats:
        return WriterStats(
            buffered=len(self._buffer) + len(self._inflight),
            written=self._written,
            dropped=self._dropped + self._refused,
            failed_flushes=self._failed_flushes,
            last_error=self._last_error,
        )

    # ----- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="store-writer")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def flush(self) -> None:
        """Return once every op offered so far is written, or the next attempt fails."""
        target = self._next_n - 1
        if self._settled(target) or not self.running:
            return
        failures = self._failed_flushes
        self._flush_waiters += 1
        self._retry_now = True
        self._wake.set()
        try:
            while not self._settled(target) and self._failed_flushes == failures and self.running:
                self._progress.clear()
                await self._progress.wait()
        finally:
            self._flush_waiters -= 1

    async def aclose(self, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
        """Write everything buffered (waiting out an outage for at most ``timeout_s``), then stop;
        what could not be written is logged as lost."""
        if self._closed:
            return
        self._closing = True
        self._wake.set()
        task = self._task
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout_s)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._closed = True
        lost = len(self._buffer) + len(self._inflight)
        if lost:
            events = self._buffered_events
            reason = f"database unreachable: {self._last_error}" if self._last_error else "writer not started"
            log.error(
                "store: closing with %d records unwritten (%d events; %s); they are lost",
                lost,
                events,
                reason,
            )

    # ----- the task -----------------------------------------------------------------------------

    def _settled(self, target: int) -> bool:
        if self._inflight:
            return self._inflight[0].n > target
        return not self._buffer or self._buffer[0].n > target

    @property
    def _urgent(self) -> bool:
        return self._closing or self._flush_waiters > 0

    async def _run(self) -> None:
        try:
            await self._loop()
        finally:
            # Whatever ended the task, nobody must be left waiting in flush().
            self._progress.set()

    async def _loop(self) -> None:
        while True:
            await self._wait_for_batch()
            if not self._buffer:
                if self._closing:
                    return
                continue
            try:
                ok = await self._attempt()
            except Exception:
                log.exception("store: writer error")
                ok = False
            self._progress.set()
            self._report_drops()
            if not ok:
                await self._backoff()

    async def _wait_for_batch(self) -> None:
        flush_s = self._policy.flush_ms / 1000.0
        while True:
            timeout: float | None = None
            if self._buffer:
                if self._urgent or len(self._buffer) >= self._policy.flush_events:
                    return
                timeout = flush_s - (self._clock() - self._buffer[0].at)
                if timeout <= 0:
                    return
            elif self._closing:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    async def _attempt(self) -> bool:
        """Commit the oldest ops; False when the database is away (they stay buffered)."""
        self._retry_now = False
        count = min(len(self._buffer), MAX_BATCH_OPS)
        batch = [self._buffer.popleft() for _ in range(count)]
        self._inflight = batch
        try:
            await self._commit([e.op for e in batch])
        except Exception as exc:  # noqa: BLE001 - classified below: retried, or isolated op by op
            if self._is_transient(exc):
                self._requeue(batch)
                self._failed(exc)
                return False
            self._inflight = []
            return await self._one_by_one(batch)
        except BaseException:
            # Cancelled (aclose ran out of time): put the batch back so it is counted as lost.
            self._requeue(batch)
            raise
        self._inflight = []
        self._succeeded(batch)
        return True

    async def _one_by_one(self, batch: list[_Entry]) -> bool:
        refused: list[str] = []
        for i, entry in enumerate(batch):
            self._inflight = batch[i:]
            try:
                await self._commit([entry.op])
            except Exception as exc:  # noqa: BLE001 - as in _attempt
                if self._is_transient(exc):
                    self._requeue(batch[i:])
                    self._failed(exc)
                    return False
                refused.append(describe_error(exc))
                self._refused += 1
                if isinstance(entry.op, AppendEvent):
                    self._buffered_events -= 1
                continue
            except BaseException:
                self._requeue(batch[i:])
                raise
            self._succeeded([entry])
        self._inflight = []
        if refused:
            now = self._clock()
            if self._last_refusal_log_at is None or now - self._last_refusal_log_at >= WARN_EVERY_S:
                self._last_refusal_log_at = now
                log.error(
                    "store: the database refused %d of %d records, dropped (%d in all; first error: %s)",
                    len(refused),
                    len(batch),
                    self._refused,
                    refused[0],
                )
        return True

    def _requeue(self, entries: list[_Entry]) -> None:
        self._inflight = []
        self._buffer.extendleft(reversed(entries))
        while self._buffered_events > self._policy.max_buffered_events:
            before = self._dropped
            self._drop_oldest_event()
            if self._dropped == before:
                break

    def _succeeded(self, entries: list[_Entry]) -> None:
        self._written += len(entries)
        events = sum(1 for e in entries if isinstance(e.op, AppendEvent))
        self._buffered_events -= events
        if self._failures_in_row:
            self._failures_in_row = 0
            self._recovered_events = 0
        if self._recovered_events is not None:
            self._recovered_events += events
            if len(self._buffer) < self._policy.flush_events:
                # The backlog is in: say so once, with what it took and what it cost.
                since = self._outage_since
                took = f" after {self._clock() - since:.1f} s" if since is not None else ""
                lost = self._dropped - self._drop_mark
                lost_note = f" ({lost} older events were dropped at the bound)" if lost else ""
                log.info(
                    "store: database back%s; wrote %d buffered events%s",
                    took,
                    self._recovered_events,
                    lost_note,
                )
                self._recovered_events = None
                self._outage_since = None
                self._last_warning_at = None
        if self._recovered_events is None:
            self._drop_mark = self._dropped

    def _failed(self, exc: BaseException) -> None:
        self._failed_flushes += 1
        self._failures_in_row += 1
        self._recovered_events = None
        self._last_error = describe_error(exc)
        now = self._clock()
        if self._outage_since is None:
            self._outage_since = now
        if self._last_warning_at is None or now - self._last_warning_at >= WARN_EVERY_S:
            self._last_warning_at = now
            log.warning(
                "store: database unreachable (%s); %d events buffered (bound %d), retrying in %.3g s",
                self._last_error,
                self._buffered_events,
                self._policy.max_buffered_events,
                self._retry_delay_s(),
            )

    def _retry_delay_s(self) -> float:
        policy = self._policy
        exponent = max(0, self._failures_in_row - 1)
        delay_ms = min(policy.retry_max_ms, policy.retry_initial_ms * (2 ** min(exponent, 30)))
        return delay_ms / 1000.0

    async def _backoff(self) -> None:
        deadline = self._clock() + self._retry_delay_s()
        # A flush() asks for one immediate try; aclose() keeps the cadence (its own timeout
        # bounds it). Either way the loop always waits here after a failure: a commit that fails
        # without ever suspending must not spin the event loop.
        await asyncio.sleep(0)
        while not self._retry_now:
            remaining = deadline - self._clock()
            if remaining <= 0:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._wake.wait()

    def _report_drops(self) -> None:
        new = self._dropped - self._dropped_logged
        if new <= 0:
            return
        now = self._clock()
        if self._last_drop_log_at is not None and now - self._last_drop_log_at < WARN_EVERY_S:
            return
        self._last_drop_log_at = now
        self._dropped_logged = self._dropped
        log.error(
            "store: buffer bound of %d events reached; dropped the %d oldest (%d in all)",
            self._policy.max_buffered_events,
            new,
            self._dropped,
        )
