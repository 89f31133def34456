"""Feeders turn a recording into a stream of PCM16 frames, paced at wall-clock speed or not at all.

Real-time pacing matters for honest latency: the compute competes with time, as it does live.
Pacing is scheduled against absolute deadlines (start + i * 20 ms) so a late frame is followed by
an early one rather than the whole stream drifting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import numpy as np

from firstword.audio.format import FRAME_MS, FRAME_SAMPLES, float32_to_pcm16


@dataclass(frozen=True, slots=True)
class FedFrame:
    index: int  # frame number from the start of the stream
    pcm: bytes
    sent_at: float  # the feeder's monotonic clock when the frame was handed over


def frames_of(samples: np.ndarray, trailing_silence_ms: int = 0) -> list[bytes]:
    pad = int(trailing_silence_ms / FRAME_MS) * FRAME_SAMPLES
    total = np.concatenate([samples, np.zeros(pad + (-len(samples)) % FRAME_SAMPLES, np.float32)])
    return [float32_to_pcm16(total[i : i + FRAME_SAMPLES]) for i in range(0, len(total), FRAME_SAMPLES)]


async def realtime_frames(
    frames: list[bytes], clock: Callable[[], float] = time.monotonic
) -> AsyncIterator[FedFrame]:
    start = clock()
    for i, pcm in enumerate(frames):
        deadline = start + i * FRAME_MS / 1000
        delay = deadline - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        yield FedFrame(i, pcm, clock())


async def fast_frames(frames: list[bytes], clock: Callable[[], float] = time.monotonic) -> AsyncIterator[FedFrame]:
    for i, pcm in enumerate(frames):
        yield FedFrame(i, pcm, clock())
        if i % 50 == 49:
            await asyncio.sleep(0)  # let the receiving side run
