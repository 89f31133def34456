"""A node's load as others read it: sessions, CPU and the speech decoder's backlog."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class NodeLoad:
    """One node's load at ``at`` (seconds since the epoch), as published for placement."""

    node_id: str
    # Sessions served here, and how many of them count against capacity (open and not idle).
    sessions: int
    active_sessions: int
    # Active sessions this node takes within the latency goal (capacity.max_active_sessions).
    capacity: int
    # The process's CPU over the last window, 100 = one core busy.
    cpu_percent: float
    # Fraction of the last window the speech decoder was busy, and decodes waiting now.
    decode_busy: float
    decode_queue: int
    accepting: bool
    # Why it does not take one more session ("" while accepting).
    reason: str
    # Where clients reach this node (server.public_url or host:port).
    base_url: str
    at: float

    @property
    def headroom(self) -> int:
        """Sessions it would still take (0 when not accepting)."""
        return max(0, self.capacity - self.active_sessions) if self.accepting else 0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> NodeLoad:
        return cls(**json.loads(text))


class CpuMeter:
    """This process's CPU use over a sliding window, from ``time.process_time`` samples.

    Written here rather than taken from psutil: the process's own CPU clock is all admission
    needs, and it is in the standard library. ``sample`` is called about once a second by the
    registry's load task; the window holds the last ``window_s`` of samples.
    """

    def __init__(
        self,
        window_s: float = 10.0,
        *,
        wall: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.process_time,
        background: Callable[[], float] | None = None,
    ) -> None:
        """``background``: seconds of wall time spent so far on work that gives way to live work
        (answers written ahead, ``prefetch.BackgroundGate.busy_total``)."""
        self._window_s = window_s
        self._wall = wall
        self._cpu = cpu
        self._background = background
        self._samples: deque[tuple[float, float, float]] = deque()
        self.sample()

    def sample(self) -> None:
        now = self._wall()
        self._samples.append((now, self._cpu(), self._background() if self._background else 0.0))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self._window_s:
            self._samples.popleft()

    @property
    def percent(self) -> float:
        """CPU seconds per wall second over the window, in percent of one core."""
        if len(self._samples) < 2:
            return 0.0
        (w0, c0, _), (w1, c1, _) = self._samples[0], self._samples[-1]
        return 100.0 * (c1 - c0) / (w1 - w0) if w1 > w0 else 0.0

    @property
    def background_share(self) -> float:
        """The share of the window's wall time that background work ran, 0 to 1."""
        if len(self._samples) < 2:
            return 0.0
        (w0, _, b0), (w1, _, b1) = self._samples[0], self._samples[-1]
        return min(1.0, max(0.0, (b1 - b0) / (w1 - w0))) if w1 > w0 else 0.0
