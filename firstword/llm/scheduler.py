"""Who gets the model next: priorities, pausing and pre-emption, shared by every LLM engine.

An engine has a fixed number of model slots (the local engine's contexts, an HTTP server's
parallel streams). ``ModelScheduler.acquire(priority)`` hands one out as a ``Lease``:

- waiters are served by priority (``Priority.LIVE`` first), then first come, first served;
- while a lease or waiter of a strictly higher priority exists, every lower-priority lease is
  *paused*: its worker stops between tokens (and between prefill chunks) until it may run again,
  so a background generation leaves the cores to a live answer instead of sharing them;
- when a waiter finds no free slot but a running lease of strictly lower priority, the lowest
  priority, most recently started such lease is *revoked*: its job stops at its next token, its
  consumer gets ``Preempted`` (retryable), and its slot goes to the waiter.

Hand-written because no library does this: asyncio's queues order waiters but cannot pause a
thread that is running a CPU-bound model, nor take its slot back; thread pools have no
priorities. The state is touched only on the event loop (``acquire``, ``release``); worker
threads only read a lease's ``threading.Event``s through ``Lease.wait_runnable``.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass, field

from firstword.llm.base import LlmError, Priority

__all__ = ["Lease", "ModelScheduler", "Preempted", "Priority"]

# How often a paused worker looks at its cancel flag and its revocation (it is woken at once when
# it may run again). A paused job that is cancelled frees its slot within this; 10 ms is less
# than one decode step of the bundled model (~11 ms on 2 cores), and 100 wake-ups a second of an
# idle thread cost nothing measurable.
PAUSE_POLL_S = 0.01


class Preempted(LlmError):
    """The request's model slot was taken back for higher-priority work; a retry may succeed."""

    def __init__(self, message: str = "the model was needed for higher-priority work") -> None:
        super().__init__(message, retryable=True)


@dataclass(eq=False)
class Lease:
    """One model slot, held from ``acquire`` until ``release``.

    ``runnable`` is set while the holder may compute and cleared while it is paused; ``revoked``
    is set once the slot has been taken back (for good).
    """

    priority: Priority
    # Grant order: among leases of the same priority, the highest was started last.
    seq: int
    runnable: threading.Event = field(default_factory=threading.Event)
    revoked: threading.Event = field(default_factory=threading.Event)
    released: bool = False
    # Seconds the holder spent waiting in wait_runnable(_async) while paused (written by it).
    paused_s: float = 0.0
    _wakers: list[asyncio.Future[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.runnable.set()

    def wait_runnable(self, cancel: threading.Event, *, poll_s: float = PAUSE_POLL_S) -> bool:
        """For a worker thread, between tokens: wait while paused.

        Returns True when the worker may go on, False when it must stop: ``cancel`` is set or the
        lease was revoked (``revoked`` tells which). Waits in slices of ``poll_s`` so that it
        notices either while paused.
        """
        if not self.runnable.is_set():
            started = time.perf_counter()
            while not (cancel.is_set() or self.revoked.is_set()):
                if self.runnable.wait(poll_s):
                    break
            self.paused_s += time.perf_counter() - started
        return not (cancel.is_set() or self.revoked.is_set())

    async def wait_runnable_async(self) -> bool:
        """For a coroutine (an HTTP stream's reader): wait while paused.

        Returns False once the lease is revoked; cancellation is the task's own. Must run on the
        loop that drives the scheduler.
        """
        if not self.runnable.is_set():
            started = time.perf_counter()
            try:
                while not (self.runnable.is_set() or self.revoked.is_set()):
                    waker: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                    self._wakers.append(waker)
                    try:
                        await waker
                    finally:
                        if waker in self._wakers:
                            self._wakers.remove(waker)
            finally:
                self.paused_s += time.perf_counter() - started
        return not self.revoked.is_set()

    def _pause(self) -> None:
        self.runnable.clear()

    def _resume(self) -> None:
        self.runnable.set()
        self._wake()

    def _revoke(self) -> None:
        self.revoked.set()
        # Wakes a paused holder at once; wait_runnable then sees the revocation.
        self.runnable.set()
        self._wake()

    def _wake(self) -> None:
        for waker in self._wakers:
            if not waker.done():
                waker.set_result(None)
        self._wakers.clear()


@dataclass(eq=False)
class _Waiter:
    priority: Priority
    seq: int
    future: asyncio.Future[Lease]


class ModelScheduler:
    """``capacity`` model slots handed out by priority; see the module docstring."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"a model scheduler needs at least one slot, got {capacity}")
        self.capacity = capacity
        self._running: list[Lease] = []
        # Sorted by (priority, seq): the head is served first.
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._closed: str | None = None
        # For tests and metrics: leases granted, revoked (pre-empted) and paused (each pause of
        # a running lease counts once, however long it lasts).
        self.granted = 0
        self.preemptions = 0
        self.pauses = 0

    @property
    def running(self) -> list[Lease]:
        return list(self._running)

    @property
    def waiting(self) -> list[Priority]:
        return [w.priority for w in self._waiters]

    async def acquire(self, priority: Priority) -> Lease:
        """A slot for work at ``priority``; waits (by priority, then FIFO) while none is free.

        Raises ``LlmError`` once the scheduler is closed.
        """
        if self._closed is not None:
            raise LlmError(self._closed)
        waiter = _Waiter(priority, next(self._seq), asyncio.get_running_loop().create_future())
        index = 0
        while index < len(self._waiters) and (self._waiters[index].priority <= priority):
            index += 1
        self._waiters.insert(index, waiter)
        self._rebalance()
        try:
            return await waiter.future
        except BaseException:
            # Cancelled while waiting, or just after being granted (the grant and the
            # cancellation can land in the same loop iteration): give the slot back.
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            future = waiter.future
            if future.done() and not future.cancelled() and future.exception() is None:
                self.release(future.result())
            else:
                self._rebalance()
            raise

    def release(self, lease: Lease) -> None:
        """Give the slot back (idempotent); the next waiter by priority gets it."""
        if lease.released:
            return
        lease.released = True
        if lease in self._running:
            self._running.remove(lease)
        self._rebalance()

    def close(self, reason: str = "the LLM engine is closed") -> None:
        """Fail every waiter and every later acquire with ``LlmError(reason)``."""
        self._closed = reason
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.set_exception(LlmError(reason))
        self._waiters.clear()

    def _rebalance(self) -> None:
        # 1. Free slots go to the head of the queue.
        while self._waiters and len(self._running) < self.capacity:
            waiter = self._waiters.pop(0)
            if waiter.future.done():  # cancelled while queued
                continue
            lease = Lease(waiter.priority, next(self._seq))
            self._running.append(lease)
            self.granted += 1
            waiter.future.set_result(lease)

        # 2. Waiters still without a slot take one back from strictly lower priorities. A lease
        # already revoked is on its way out: its slot is counted for the first waiter in line.
        freeing = sum(1 for lease in self._running if lease.revoked.is_set())
        for waiter in self._waiters:
            if freeing:
                freeing -= 1
                continue
            victims = [
                lease
                for lease in self._running
                if not lease.revoked.is_set() and lease.priority > waiter.priority
            ]
            if not victims:
                break  # the waiters behind this one have no higher priority
            victim = max(victims, key=lambda lease: (lease.priority, lease.seq))
            victim._revoke()
            self.preemptions += 1

        # 3. Pause every lease below the highest priority that is running or waiting.
        live = [lease.priority for lease in self._running if not lease.revoked.is_set()]
        live += [waiter.priority for waiter in self._waiters]
        top = min(live, default=None)
        for lease in self._running:
            if lease.revoked.is_set():
                continue
            if top is not None and lease.priority > top:
                if lease.runnable.is_set():
                    lease._pause()
                    self.pauses += 1
            elif not lease.runnable.is_set():
                lease._resume()
