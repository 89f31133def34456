"""What one client may take of a node: sessions created per address, and audio per connection.

A token bucket is written here rather than taken from a library: both uses need a check that
never waits (refuse now, say when to retry), fractional costs (seconds of audio) and a clock the
tests can drive; the rate-limit libraries we looked at either sleep until allowed (aiolimiter)
or count whole hits in windows (limits).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from firstword.config import LimitsConfig

Clock = Callable[[], float]


@dataclass
class TokenBucket:
    """``capacity`` in hand at most, refilled at ``rate`` per second."""

    capacity: float
    rate: float
    clock: Clock = time.monotonic
    tokens: float = field(init=False)
    _at: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self._at = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self, cost: float = 1.0) -> bool:
        self._refill()
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True

    def retry_after(self, cost: float = 1.0) -> float:
        """Seconds until ``cost`` would be taken."""
        self._refill()
        return max(0.0, (cost - self.tokens) / self.rate)


class CreationLimiter:
    """Sessions created per client address; the least recently seen addresses are forgotten
    past ``max_clients`` so that a scan of many addresses cannot grow it without bound."""

    def __init__(self, config: LimitsConfig, clock: Clock = time.monotonic, max_clients: int = 10_000) -> None:
        self._config = config
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def admit(self, client: str) -> float | None:
        """None when ``client`` may create a session now; otherwise the seconds to wait."""
        bucket = self._buckets.pop(client, None)
        if bucket is None:
            bucket = TokenBucket(self._config.create_burst, 1.0 / self._config.create_interval_s, self._clock)
        self._buckets[client] = bucket
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)
        return None if bucket.take() else bucket.retry_after()


class AudioPacer:
    """One connection's audio, taken at up to ``audio_speed`` x real time after a burst.

    ``admit`` says whether a frame is taken; a refused frame is dropped by the caller, never
    queued. ``should_warn`` limits the errors sent back to one a second."""

    def __init__(self, config: LimitsConfig, clock: Clock = time.monotonic) -> None:
        self._bucket = TokenBucket(config.audio_burst_s, config.audio_speed, clock) if config.audio_speed > 0 else None
        self._clock = clock
        self._warned_at: float | None = None
        self.refused_s = 0.0

    def admit(self, seconds: float) -> bool:
        if self._bucket is None or self._bucket.take(seconds):
            return True
        self.refused_s += seconds
        return False

    def should_warn(self) -> bool:
        now = self._clock()
        if self._warned_at is not None and now - self._warned_at < 1.0:
            return False
        self._warned_at = now
        return True
