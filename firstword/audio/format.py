"""The one audio format inside firstword: PCM 16-bit little-endian, 16 kHz, mono."""

from __future__ import annotations

import json

import numpy as np

from firstword.events.wire import ErrorCode

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2
CHANNELS = 1
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * SAMPLE_WIDTH
SUPPORTED_SAMPLE_RATES = (SAMPLE_RATE,)


class AudioFormatError(ValueError):
    """Bytes that cannot be PCM16 audio for this session; ``code`` is a stable machine name."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Containers and encodings people send by mistake instead of raw PCM.
_CONTAINER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"RIFF", "a WAV (RIFF) file"),
    (b"fLaC", "a FLAC file"),
    (b"OggS", "an Ogg file"),
    (b"ID3", "an MP3 file"),
    (b"\x1aE\xdf\xa3", "a WebM/Matroska file"),
)


def validate_pcm16(data: bytes, *, max_bytes: int) -> None:
    """Reject bytes that cannot be raw PCM16 mono frames, with a message a client can act on."""
    if not data:
        raise AudioFormatError(ErrorCode.EMPTY_FRAME, "empty binary frame: send PCM16 audio samples")
    if len(data) > max_bytes:
        raise AudioFormatError(
            ErrorCode.FRAME_TOO_LARGE,
            f"binary frame of {len(data)} bytes exceeds the limit of {max_bytes} bytes; "
            f"send audio in frames of {FRAME_MS} ms ({FRAME_BYTES} bytes)",
        )
    for magic, what in _CONTAINER_MAGIC:
        if data.startswith(magic):
            raise AudioFormatError(
                ErrorCode.NOT_PCM,
                f"binary frame looks like {what}; send raw PCM16 little-endian 16 kHz mono samples",
            )
    if data[:1] in (b"{", b"[") and _is_json(data):
        raise AudioFormatError(
            ErrorCode.NOT_PCM, "binary frame holds JSON; send control messages as WebSocket text frames"
        )
    if len(data) >= 64 and _looks_like_text(data):
        raise AudioFormatError(
            ErrorCode.NOT_PCM, "binary frame looks like text, not PCM16 audio samples"
        )
    if len(data) % SAMPLE_WIDTH:
        raise AudioFormatError(
            ErrorCode.ODD_LENGTH,
            f"binary frame of {len(data)} bytes is not a whole number of 16-bit samples",
        )


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def _looks_like_text(data: bytes) -> bool:
    # Real PCM (even near-silence) has bytes outside printable ASCII: the low byte of small
    # negative samples is 0xFF, of small positive ones below 0x20. All-printable is text.
    sample = data[:4096]
    printable = sum(1 for b in sample if 0x20 <= b < 0x7F or b in (0x09, 0x0A, 0x0D))
    return printable == len(sample)


def pcm16_to_float32(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def float32_to_pcm16(samples: np.ndarray) -> bytes:
    clipped = np.clip(samples, -1.0, 32767.0 / 32768.0)
    return (clipped * 32768.0).astype("<i2").tobytes()


def ms_to_samples(ms: float) -> int:
    return int(round(ms * SAMPLE_RATE / 1000))


def samples_to_ms(samples: int) -> float:
    return samples * 1000.0 / SAMPLE_RATE
