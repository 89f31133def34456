"""Recordings (WAV, FLAC, OGG… at any rate and channel count) converted to 16 kHz mono float32."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile
import soxr

from firstword.audio.format import SAMPLE_RATE


class RecordingError(ValueError):
    pass


def load_recording(path: str | Path) -> np.ndarray:
    path = Path(path)
    if not path.is_file():
        raise RecordingError(f"no such recording: {path}")
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise RecordingError(f"cannot read {path} as audio: {exc}") from exc
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)


def voiced_mask(samples: np.ndarray, frame_ms: int = 10) -> np.ndarray:
    """Energy-based voiced/unvoiced decision per ``frame_ms`` frame, independent of any VAD model.

    Used to find ``speech_end`` (the last voiced sample) for latency measurements, so that the
    endpointer being measured is not also the judge. The threshold adapts to each recording:
    35 dB under its loudest frames, but never under 8 dB above its noise floor.
    """
    n = SAMPLE_RATE * frame_ms // 1000
    frames = len(samples) // n
    if frames == 0:
        return np.zeros(0, dtype=bool)
    rms = np.sqrt(np.mean(samples[: frames * n].reshape(frames, n) ** 2, axis=1) + 1e-12)
    db = 20 * np.log10(rms)
    floor = np.percentile(db, 10)
    peak = np.percentile(db, 99)
    threshold = max(peak - 35.0, floor + 8.0)
    return db > threshold


def last_voiced_sample(samples: np.ndarray, before: int | None = None, frame_ms: int = 10) -> int | None:
    """Absolute index one past the last voiced sample at or before ``before`` (None: no speech)."""
    mask = voiced_mask(samples, frame_ms)
    n = SAMPLE_RATE * frame_ms // 1000
    if before is not None:
        mask = mask[: max(0, before // n)]
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return None
    return int((idx[-1] + 1) * n)
