"""In-process event log: gap-free sequence numbers, replay from any id, never blocked by a reader.

``publish`` is synchronous and O(subscribers): it appends to the log and to each subscriber's
queue. A subscriber that falls more than ``max_queue`` events behind is dropped with a reason and
may resubscribe from the last id it saw; the producer never waits for it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from firstword.events import Event


class SubscriberDropped(Exception):
    """The subscriber fell too far behind; it may resume with ``after=last_seq``."""

    def __init__(self, last_seq: int, reason: str) -> None:
        super().__init__(reason)
        self.last_seq = last_seq
        self.reason = reason


class ReplayGap(Exception):
    """The requested replay start is older than what the log still holds."""

    def __init__(self, after: int, oldest: int) -> None:
        super().__init__(f"events after {after} are no longer held (oldest kept is {oldest})")
        self.after = after
        self.oldest = oldest


class Subscription:
    def __init__(self, log: EventLog, max_queue: int) -> None:
        self._log = log
        self._queue: deque[Event] = deque()
        self._max_queue = max_queue
        self._wakeup = asyncio.Event()
        self._dropped: str | None = None
        self._closed = False
        self.last_seq = 0

    def _offer(self, event: Event) -> None:
        if self._dropped is not None or self._closed:
            return
        if len(self._queue) >= self._max_queue:
            self._dropped = f"subscriber fell more than {self._max_queue} events behind"
            self._queue.clear()
        else:
            self._queue.append(event)
        self._wakeup.set()

    def _end(self) -> None:
        self._closed = True
        self._wakeup.set()

    async def get(self) -> Event | None:
        """Next event, or None once the log is closed and drained."""
        while True:
            if self._queue:
                event = self._queue.popleft()
                self.last_seq = event.seq
                return event
            if self._dropped is not None:
                raise SubscriberDropped(self.last_seq, self._dropped)
            if self._closed or self._log.closed:
                return None
            self._wakeup.clear()
            await self._wakeup.wait()

    def close(self) -> None:
        self._log._unsubscribe(self)
        self._end()

    async def __aiter__(self) -> AsyncIterator[Event]:
        while (event := await self.get()) is not None:
            yield event


class EventLog:
    def __init__(
        self,
        session_id: str,
        *,
        replay_capacity: int = 20_000,
        subscriber_queue: int = 5_000,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.session_id = session_id
        self._events: deque[Event] = deque(maxlen=replay_capacity)
        self._subscribers: set[Subscription] = set()
        self._subscriber_queue = subscriber_queue
        self._wall_clock = wall_clock
        self._seq = 0
        self.closed = False
        self._listeners: list[Callable[[Event], None]] = []

    @property
    def last_seq(self) -> int:
        return self._seq

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Synchronous observers (metrics, tests); they must be fast and must not raise."""
        self._listeners.append(listener)

    def publish(self, type: str, data: dict[str, Any] | None = None, turn: int | None = None) -> Event:
        if self.closed:
            raise RuntimeError(f"session {self.session_id} is closed")
        self._seq += 1
        event = Event(type=str(type), data=data or {}, turn=turn, seq=self._seq, ts=self._wall_clock())
        self._events.append(event)
        for sub in tuple(self._subscribers):
            sub._offer(event)
        for listener in self._listeners:
            listener(event)
        return event

    def events_after(self, after: int) -> list[Event]:
        if not self._events:
            return []
        oldest = self._events[0].seq
        if after < oldest - 1:
            raise ReplayGap(after, oldest)
        start = max(0, after - oldest + 1)
        return [self._events[i] for i in range(start, len(self._events))]

    def subscribe(self, after: int = 0) -> Subscription:
        """Replay of events with seq > ``after`` then live ones, with nothing missed or doubled.

        Replay and registration happen in one synchronous step, so no publish can fall between.
        """
        if after > self._seq:
            after = self._seq
        sub = Subscription(self, self._subscriber_queue)
        backlog = self.events_after(after)
        # The replay may exceed the live-queue bound; it is history, so it is allowed in whole.
        sub._queue.extend(backlog)
        sub._max_queue += len(backlog)
        sub.last_seq = after
        if backlog:
            sub._wakeup.set()
        if self.closed:
            sub._end()
        else:
            self._subscribers.add(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def close(self) -> None:
        self.closed = True
        for sub in tuple(self._subscribers):
            sub._end()
        self._subscribers.clear()
