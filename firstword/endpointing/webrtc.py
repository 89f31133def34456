"""Google's WebRTC VAD (``webrtcvad-wheels``, module ``webrtcvad``) as a ``VoiceActivityModel``.

WebRTC's detector is a Gaussian mixture over six sub-band energies, written in C: no model file,
no ONNX runtime, ~20 us per 30-ms chunk against Silero's ~200 us per 32 ms (whisper_jfk.wav,
2 cores). It answers voiced or unvoiced for one 10, 20 or 30 ms frame of PCM16, adapts
its noise estimate from frame to frame and keeps calling frames voiced for a few frames after
speech (its hangover: up to 3 frames of 30 ms in mode 2), so one detector belongs to one stream.
A fresh detector also calls the first 90-180 ms of room noise voiced while its estimate settles
(at the start of most corpus recordings and of the endpointing benchmark's noise clips); the
turn policy's ``min_speech_ms`` for WebRTC (270) is longer than that.

A chunk is one 30-ms frame and its score is 1.0 (voiced) or 0.0. Graded scores were measured
too (the share of voiced 10-ms frames in a 30-ms chunk, or in a 20-ms one) with the endpointing
benchmark's rules: their best safe settings counted a chunk voiced only when all its frames
were, a binary score again, and against this one they ended turns 14-24 ms sooner at p50 but up
to 623 ms after the sources' annotated ends (468 here) and cut the four monologues 56-57 times
(52 here). With scores of 0 and 1, any threshold in (0, 1] reads them alike.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import numpy as np

from firstword.audio.format import SAMPLE_RATE, SAMPLE_WIDTH, float32_to_pcm16, ms_to_samples

# The longest frame WebRTC takes (10, 20 or 30 ms), so one C call per chunk; 30 ms is also
# close to Silero's 32-ms chunk, so the policy's durations round to about the same chunk counts.
FRAME_MS = 30
CHUNK_SAMPLES = ms_to_samples(FRAME_MS)
# 0 lets the most through as speech, 3 the least (WebRTC's "aggressiveness").
MODES = (0, 1, 2, 3)


class WebRtcVadError(RuntimeError):
    pass


def _detector_class() -> Any:
    try:
        module = import_module("webrtcvad")
    except ImportError as exc:
        raise WebRtcVadError(
            "endpointing.engine = 'webrtc' needs the webrtcvad module, which is not installed: "
            "pip install webrtcvad-wheels, or set endpointing.engine = 'silero'"
        ) from exc
    return module.Vad


class WebRtcVad:
    """Streaming WebRTC VAD: one ``speech_probability`` call per 30-ms chunk, in order."""

    name = "webrtc"
    chunk_samples: int = CHUNK_SAMPLES
    sample_rate: int = SAMPLE_RATE

    def __init__(self, mode: int) -> None:
        if isinstance(mode, bool) or mode not in MODES:
            raise ValueError(
                f"WebRTC VAD mode must be one of {MODES} (0: least, 3: most aggressive), "
                f"got {mode!r}"
            )
        self._detector_class = _detector_class()
        self.mode = mode
        self._vad = self._detector_class(mode)

    def reset(self) -> None:
        # The C detector has no reset call; a new one starts from its initial noise estimate.
        self._vad = self._detector_class(self.mode)

    def speech_probability(self, chunk: np.ndarray) -> float:
        if chunk.shape != (CHUNK_SAMPLES,):
            raise ValueError(
                f"WebRTC VAD scores chunks of {CHUNK_SAMPLES} samples ({FRAME_MS} ms at "
                f"{SAMPLE_RATE} Hz), got an array of shape {chunk.shape}"
            )
        pcm = float32_to_pcm16(chunk)
        return 1.0 if self._vad.is_speech(pcm, SAMPLE_RATE, len(pcm) // SAMPLE_WIDTH) else 0.0

    def score(self, samples: np.ndarray) -> np.ndarray:
        """Scores of every whole chunk of ``samples`` from a fresh detector (the streaming state
        is left untouched): ``result[k]`` is the score of ``samples[480k : 480(k+1)]``.

        A trailing partial chunk is not scored, as in streaming, where it would wait for more audio.
        """
        samples = np.asarray(samples, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"expected mono samples, got shape {samples.shape}")
        fresh = WebRtcVad(self.mode)
        n = len(samples) // CHUNK_SAMPLES
        chunks = samples[: n * CHUNK_SAMPLES].reshape(n, CHUNK_SAMPLES)
        return np.array([fresh.speech_probability(c) for c in chunks], dtype=np.float32)
