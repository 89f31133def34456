"""Replay a recording through the live pipeline's endpointer and streaming transcriber, offline.

The finals the live pipeline would publish depend on where the endpointer cuts segments and on
which audio and prompt each decode gets, not on the clock, as long as a decode finishes within
the pause that asked for it (``end_silence_ms - prefetch_silence_ms`` of headroom, ~3x a typical
decode). So the replay feeds 20-ms frames as fast as possible and runs every decode inline, as if
it took no time: the same segments and finals as a real-time run, in seconds instead of minutes.
No LLM runs; the turn manager gets answers that end at once.
"""

from __future__ import annotations

import asyncio

import numpy as np

from firstword.audio.format import FRAME_SAMPLES
from firstword.config import Settings
from firstword.endpointing.base import VoiceActivityModel
from firstword.events import TranscriptFinal, standing_finals
from firstword.hub.log import EventLog
from firstword.pipeline.copilot import CopilotPipeline
from firstword.stt.base import SpeechToTextEngine
from firstword.testing import InlineExecutor, no_answers


async def replay_finals(
    audio: np.ndarray, settings: Settings, vad: VoiceActivityModel, stt: SpeechToTextEngine
) -> list[str]:
    """The ``transcript.final`` texts the live pipeline would publish for ``audio``, in order."""
    log = EventLog("replay", replay_capacity=1_000_000)
    pipeline = CopilotPipeline(
        log, settings, vad=vad, stt=stt, answers=no_answers(), stt_executor=InlineExecutor()
    )
    try:
        for start in range(0, len(audio), FRAME_SAMPLES):
            pipeline.feed(audio[start : start + FRAME_SAMPLES])
            # Let the tasks the frame started (decodes, answers) run before the next frame.
            for _ in range(3):
                await asyncio.sleep(0)
        await pipeline.end_of_audio()
    finally:
        await pipeline.aclose()
    return [t for e in standing_finals(log.events_after(0)) if (t := e.payload(TranscriptFinal).text)]
