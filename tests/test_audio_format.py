import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firstword.audio.buffer import AudioBuffer
from firstword.audio.format import (
    FRAME_BYTES,
    AudioFormatError,
    float32_to_pcm16,
    pcm16_to_float32,
    validate_pcm16,
)


def test_real_pcm_passes_including_silence():
    validate_pcm16(b"\x00\x00" * 320, max_bytes=64000)
    noise = (np.random.default_rng(1).normal(0, 0.01, 320)).astype(np.float32)
    validate_pcm16(float32_to_pcm16(noise), max_bytes=64000)


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "empty_frame"),
        (b"\x00" * 641, "odd_length"),
        (b"\x00" * 70000, "frame_too_large"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 100, "not_pcm"),
        (json.dumps({"type": "start"}).encode(), "not_pcm"),
        (b"hello this is definitely a text message sent as binary by mistake!!", "not_pcm"),
    ],
)
def test_bad_frames_get_clear_codes(data, code):
    with pytest.raises(AudioFormatError) as info:
        validate_pcm16(data, max_bytes=64000)
    assert info.value.code == code
    assert info.value.message


@given(st.lists(st.integers(-32768, 32767), min_size=1, max_size=400))
def test_pcm_round_trip(values):
    raw = np.array(values, dtype="<i2").tobytes()
    assert float32_to_pcm16(pcm16_to_float32(raw)) == raw


@given(st.lists(st.integers(1, 5000), min_size=1, max_size=40))
def test_buffer_slices_match_a_plain_array(sizes):
    buf = AudioBuffer(capacity_s=0.5)  # 8000 samples: wraps often
    everything = np.zeros(0, dtype=np.float32)
    counter = 0
    for n in sizes:
        chunk = np.arange(counter, counter + n, dtype=np.float32)
        counter += n
        buf.append(chunk)
        everything = np.concatenate([everything, chunk])
    end = buf.end
    start = max(buf.start, end - 3000)
    assert np.array_equal(buf.slice(start, end), everything[start:end])
    assert buf.end == len(everything)
    assert FRAME_BYTES == 640
