"""One session's event log in memory: gap-free sequence numbers, replay from any id, fan-out to
readers that can never slow the producer.

``publish`` is synchronous and O(readers): it appends to the log and offers the event to each
reader's queue. Readers are served by their own tasks (a WebSocket or SSE connection each), so a
slow or frozen reader only grows its own queue, and that queue is bounded:

- a lagging reader gets *coalesced* deltas: an ``answer.delta`` offered while the reader's queue
  already ends with a delta of the same answer is merged into it (same text, one frame, the later
  sequence number, ``data.coalesced = [first_seq, last_seq]``), so a reader catching up sends
  fewer, larger frames and its queue grows only with other event types;
- past ``max_queue`` events or ``max_bytes`` of JSON it is dropped with a reason; its memory is
  freed at once and it may resubscribe from the last id it received.

Hand-written rather than built on a broker client because the fan-out sits on the token path:
it must be synchronous, allocation-light and never await.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable

from firstword.events import Event, EventType, Payload


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


def _size(event: Event) -> int:
    return len(event.to_json())


# Offered to an idle SSE reader every heartbeat interval: a comment line, no id, not in the log.
HEARTBEAT = Event(type="heartbeat", _json="", _sse=b": ping\n\n")


def coalesce(first: Event, second: Event) -> Event:
    """Two consecutive deltas of one answer as one event (``second``'s sequence number)."""
    start = (first.data.get("coalesced") or [first.seq])[0]
    data = {**second.data, "text": first.data["text"] + second.data["text"], "coalesced": [start, second.seq]}
    return Event(type=second.type, data=data, turn=second.turn, seq=second.seq, ts=second.ts)


class Subscription:
    def __init__(self, log: EventLog, max_queue: int, max_bytes: int) -> None:
        self._log = log
        self._queue: deque[Event] = deque()
        self._bytes = 0
        self._max_queue = max_queue
        self._max_bytes = max_bytes
        self._wakeup = asyncio.Event()
        self._dropped: str | None = None
        self._closed = False
        self.last_seq = 0
        self.end_reason: str | None = None
        # Set once the subscription can give nothing more (dropped, closed, log closed), so a
        # sender blocked on a frozen socket can be woken and give up.
        self.ended = asyncio.Event()

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def queued_bytes(self) -> int:
        return self._bytes

    def _offer(self, event: Event) -> None:
        if self._dropped is not None or self._closed:
            return
        queue = self._queue
        if queue and event.type == EventType.ANSWER_DELTA and "text" in event.data:
            last = queue[-1]
            if (
                last.type == EventType.ANSWER_DELTA
                and "text" in last.data
                and last.data.get("answer_id") == event.data.get("answer_id")
            ):
                merged = coalesce(last, event)
                queue[-1] = merged
                self._bytes += _size(merged) - _size(last)
                self._check_bounds()
                return
        queue.append(event)
        self._bytes += _size(event)
        self._check_bounds()
        self._wakeup.set()

    def _check_bounds(self) -> None:
        # One event is never "behind", however large (a long answer's answer.done).
        if len(self._queue) > self._max_queue or (self._bytes > self._max_bytes and len(self._queue) > 1):
            self._dropped = (
                f"reader fell more than {self._max_queue} events or {self._max_bytes} bytes "
                f"behind; resume after event {self.last_seq}"
            )
            self._queue.clear()
            self._bytes = 0
            # Nothing more is offered to a dropped reader, so its writer's frozen socket costs the
            # producer nothing either.
            self._log._unsubscribe(self)
            self._wakeup.set()
            self.ended.set()

    def _end(self) -> None:
        self._closed = True
        self._wakeup.set()
        self.ended.set()

    def _take(self) -> Event:
        event = self._queue.popleft()
        if event is not HEARTBEAT:
            self._bytes -= _size(event)
            self.last_seq = event.seq
        return event

    def heartbeat(self) -> None:
        """Have an idle reader's writer send a heartbeat (only SSE writers ask for these)."""
        if not self._queue and self._dropped is None and not self._closed:
            self._queue.append(HEARTBEAT)
            self._wakeup.set()

    @property
    def idle(self) -> bool:
        return not self._queue

    async def _ready(self) -> bool:
        """Wait until an event is queued; False once nothing more will come."""
        while not self._queue:
            if self._dropped is not None:
                raise SubscriberDropped(self.last_seq, self._dropped)
            if self._closed or self._log.closed:
                return False
            self._wakeup.clear()
            await self._wakeup.wait()
        return True

    async def get(self) -> Event | None:
        """Next event, or None once the log is closed and drained."""
        if not await self._ready():
            return None
        return self._take()

    async def get_batch(self, max_events: int = 256) -> list[Event]:
        """Every queued event (up to ``max_events``) at once; [] once nothing more will come.

        A sender writes a batch in one frame, so a reader that fell behind catches up in a few
        writes instead of one per event.
        """
        if not await self._ready():
            return []
        batch = [self._take()]
        while self._queue and len(batch) < max_events:
            batch.append(self._take())
        return batch

    def close(self) -> None:
        self._log._unsubscribe(self)
        self._end()

    def end(self, reason: str) -> None:
        """Stop this reader from outside (its access was revoked): it drains nothing more."""
        self.end_reason = reason
        self._queue.clear()
        self._bytes = 0
        self.close()

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
        subscriber_bytes: int = 1_000_000,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.session_id = session_id
        self._events: deque[Event] = deque(maxlen=replay_capacity)
        self._subscribers: set[Subscription] = set()
        self._subscriber_queue = subscriber_queue
        self._subscriber_bytes = subscriber_bytes
        self._wall_clock = wall_clock
        self._seq = 0
        self.closed = False
        self._listeners: list[Callable[[Event], None]] = []

    @property
    def last_seq(self) -> int:
        return self._seq

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Synchronous observers (store, mirror, metrics); they must be fast and must not raise."""
        self._listeners.append(listener)

    def publish(self, payload: Payload, turn: int | None = None) -> Event:
        """Append an event made of ``payload`` (its model names the type) and offer it to every
        reader. ``turn`` is the question it belongs to (None for session events)."""
        if self.closed:
            raise RuntimeError(f"session {self.session_id} is closed")
        event = Event(
            type=payload.event_type.value,
            data=payload.to_data(),
            turn=turn,
            seq=self._seq + 1,
            ts=self._wall_clock(),
        )
        self._deliver(event)
        return event

    def append(self, event: Event) -> None:
        """Add an event that already has its sequence number (a mirror of another node's log).

        Events must come in order; one at or below ``last_seq`` is ignored (a re-read).
        """
        if self.closed or event.seq <= self._seq:
            return
        if self._events and event.seq != self._seq + 1:
            raise ValueError(f"event {event.seq} does not follow {self._seq} in {self.session_id}")
        self._deliver(event)

    def _deliver(self, event: Event) -> None:
        self._seq = event.seq
        self._events.append(event)
        # Listeners first: the copy to other nodes is woken before this node's readers, so it is
        # on its way while they are served rather than after (the loop runs wakeups in order).
        for listener in self._listeners:
            listener(event)
        for sub in tuple(self._subscribers):
            sub._offer(event)

    @property
    def oldest_seq(self) -> int | None:
        return self._events[0].seq if self._events else None

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
        backlog = self.events_after(after)
        backlog_bytes = sum(_size(e) for e in backlog)
        # The replay may exceed the live bounds; it is history, so it is allowed in whole.
        sub = Subscription(
            self, self._subscriber_queue + len(backlog), self._subscriber_bytes + backlog_bytes
        )
        sub._queue.extend(backlog)
        sub._bytes = backlog_bytes
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
