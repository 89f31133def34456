"""Whether this node takes one more session, from what it measures.

A session is admitted while the node has room by count (``capacity.max_active_sessions``, the
number of live sessions measured to meet the latency goal on this machine) and the measured load
says the ones already here are not suffering: the speech decoder is not saturated and the CPU
not pegged. Full is said (``NodeFull`` → 503 with Retry-After), never suffered: a session that
has been admitted is never starved to make room.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from firstword.capacity.load import CpuMeter, NodeLoad
from firstword.config import CapacityConfig


class NodeFull(RuntimeError):
    """This node cannot take another session now; ``retry_after_s`` says when to try again."""

    def __init__(self, message: str, retry_after_s: int = 30) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class DecoderLoad:
    busy: float  # fraction of the recent window the decoder was busy
    queued: int  # decodes waiting now


class Admission:
    def __init__(
        self,
        config: CapacityConfig,
        *,
        node_id: str,
        base_url: str,
        sessions: Callable[[], tuple[int, int]],
        decoder: Callable[[], DecoderLoad],
        cpu: CpuMeter | None = None,
        background: Callable[[], float] | None = None,
        background_cores: float = 0.0,
    ) -> None:
        """``sessions`` gives (all sessions here, those counting against capacity).
        ``background`` gives the seconds spent so far on work that gives way to live work (answers
        written ahead), which takes up to ``background_cores`` cores while it runs (the local
        model's threads; 0 where the model runs elsewhere): that CPU is not load, since a live
        answer or a decode takes it back at once, so the CPU check leaves it out."""
        self._config = config
        self._node_id = node_id
        self.base_url = base_url
        self._sessions = sessions
        self._decoder = decoder
        self.cpu = cpu or CpuMeter(config.load_window_s, background=background)
        self._background_cores = background_cores
        self.configured = config.active_limit(os.cpu_count() or 1)
        # The decoder's busy share per active session, learned while sessions speak (sample()).
        self.decode_share: float | None = None

    @property
    def capacity(self) -> int:
        """Active sessions taken: the configured count, or fewer where the decoder's measured
        cost per session says that many would saturate it."""
        share = self.decode_share
        if share is None or share <= 0:
            return self.configured
        return max(1, min(self.configured, int(self._config.max_decode_busy / share)))

    def sample(self) -> None:
        """Called every capacity.sample_interval_s: CPU, and the decoder's cost per session while
        it is doing real work (an idle node teaches nothing)."""
        self.cpu.sample()
        _, active = self._sessions()
        busy = self._decoder().busy
        if active > 0 and busy >= self._config.learn_min_busy:
            observed = busy / active
            w = self._config.learn_weight
            self.decode_share = observed if self.decode_share is None else (1 - w) * self.decode_share + w * observed

    def snapshot(self) -> NodeLoad:
        total, active = self._sessions()
        decoder = self._decoder()
        reason = self._refusal(active, decoder)
        return NodeLoad(
            node_id=self._node_id,
            sessions=total,
            active_sessions=active,
            capacity=self.capacity,
            cpu_percent=round(self.cpu.percent, 1),
            decode_busy=round(decoder.busy, 3),
            decode_queue=decoder.queued,
            accepting=not reason,
            reason=reason,
            base_url=self.base_url,
            at=time.time(),
        )

    @property
    def foreground_cpu_percent(self) -> float:
        """The CPU the sessions' live work uses: all of it, less what background work took."""
        return max(0.0, self.cpu.percent - 100.0 * self._background_cores * self.cpu.background_share)

    def check(self) -> None:
        """Raise ``NodeFull`` when one more session would push the others past the goal."""
        load = self.snapshot()
        if not load.accepting:
            raise NodeFull(load.reason, self._config.retry_after_s)

    def _refusal(self, active: int, decoder: DecoderLoad) -> str:
        c = self._config
        if active >= self.capacity:
            return (
                f"this server is full: it serves {active} live sessions, the most it carries "
                f"within its latency goal (capacity: {self.capacity})"
            )
        if decoder.busy >= c.max_decode_busy:
            return (
                f"this server is busy: its speech decoder was busy {decoder.busy:.0%} of the last "
                f"{c.load_window_s:.0f} s (limit {c.max_decode_busy:.0%})"
            )
        cpu = self.foreground_cpu_percent
        if cpu >= c.max_cpu_percent:
            return f"this server is busy: CPU at {cpu:.0f}% of one core (limit {c.max_cpu_percent:.0f}%)"
        return ""
