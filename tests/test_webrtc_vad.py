"""WebRTC VAD and the endpointer on real recordings (the shared speech corpus), beside Silero."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from pydantic import ValidationError

from firstword.audio.format import FRAME_SAMPLES, SAMPLE_RATE, ms_to_samples, samples_to_ms
from firstword.audio.recording import load_recording
from firstword.bench.endpointing import QUIET_GAIN_DB, noise_clips
from firstword.config import EndpointingConfig
from firstword.endpointing.base import EndpointEvent, SpeechEnded, SpeechStarted
from firstword.endpointing.endpointer import Endpointer, TurnPolicy
from firstword.endpointing.factory import create_vad_factory
from firstword.endpointing.webrtc import CHUNK_SAMPLES, WebRtcVad
from tests.conftest import corpus_dir

pytestmark = pytest.mark.engine

WEBRTC = EndpointingConfig(engine="webrtc")  # the shipped WebRTC defaults (mode 2, 270 ms min speech)
SILERO = EndpointingConfig()
# The feeder keeps feeding silence after a recording; so do these tests.
TRAILING_SILENCE = np.zeros(ms_to_samples(1500), np.float32)
# In mode 2 WebRTC keeps calling 30-ms frames voiced for up to 3 frames after speech (its
# hangover, kOverHangMax2AGG in WebRTC's vad_core.c), so its ends may come that much later than
# the 128 ms that test_silero_vad allows Silero.
HANGOVER_MS = 3 * 30
START_TOLERANCE_MS = 128
END_TOLERANCE_MS = 128 + HANGOVER_MS


@pytest.fixture(scope="module")
def manifest() -> dict[str, dict[str, str]]:
    lines = (corpus_dir() / "manifest.jsonl").read_text().splitlines()
    return {entry["file"]: entry for entry in map(json.loads, filter(str.strip, lines))}


def recording(name: str) -> np.ndarray:
    return load_recording(corpus_dir() / name)


def stream(samples: np.ndarray, config: EndpointingConfig = WEBRTC) -> list[EndpointEvent]:
    """Feed 20 ms frames, as the pipeline does, to an endpointer on a VAD from the factory."""
    ep = Endpointer(create_vad_factory(config)(), config)
    audio = np.concatenate([samples, TRAILING_SILENCE])
    events: list[EndpointEvent] = []
    for i in range(0, len(audio), FRAME_SAMPLES):
        events.extend(ep.push(audio[i : i + FRAME_SAMPLES]))
    return events


def segments(events: list[EndpointEvent]) -> list[tuple[int, int]]:
    """(first voiced sample, one past the last) per turn; the events must alternate start/end."""
    starts_and_ends = [e for e in events if isinstance(e, (SpeechStarted, SpeechEnded))]
    kinds = [type(e) for e in starts_and_ends]
    assert kinds == [SpeechStarted, SpeechEnded] * (len(kinds) // 2), kinds
    return [
        (s.speech_start_sample, e.speech_end_sample)
        for s, e in zip(starts_and_ends[::2], starts_and_ends[1::2], strict=True)
    ]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def lab_times(manifest: dict[str, dict[str, str]], name: str) -> tuple[float, float]:
    found = re.search(r"marks speech from ([\d.]+) s to ([\d.]+) s", manifest[name]["notes"])
    assert found, "the manifest notes quote the .lab times"
    start, end = (float(x) for x in found.groups())
    return start, end


# ----- the engine on its own ---------------------------------------------------------------------


def test_chunks_of_another_size_are_refused() -> None:
    vad = WebRtcVad(mode=2)
    assert vad.chunk_samples == CHUNK_SAMPLES == 480  # 30 ms at 16 kHz
    with pytest.raises(ValueError, match="480 samples"):
        vad.speech_probability(np.zeros(512, np.float32))
    with pytest.raises(ValueError, match="480 samples"):
        vad.speech_probability(np.zeros((2, 240), np.float32))
    with pytest.raises(ValueError, match="mono"):
        vad.score(np.zeros((2, 480), np.float32))


@pytest.mark.parametrize("mode", [-1, 4, True, 2.5])
def test_modes_outside_0_to_3_are_refused(mode: object) -> None:
    with pytest.raises(ValueError, match="0, 1, 2, 3"):
        WebRtcVad(mode)  # type: ignore[arg-type]


def test_config_refuses_a_mode_outside_0_to_3() -> None:
    with pytest.raises(ValidationError, match="webrtc_mode"):
        EndpointingConfig(engine="webrtc", webrtc_mode=4)


def test_streaming_equals_batch_and_reset_starts_over() -> None:
    samples = recording("speech_recognition_english.wav")
    vad = WebRtcVad(mode=2)
    chunks = samples[: len(samples) // CHUNK_SAMPLES * CHUNK_SAMPLES].reshape(-1, CHUNK_SAMPLES)
    streamed = np.array([vad.speech_probability(c) for c in chunks])
    vad.reset()
    again = np.array([vad.speech_probability(c) for c in chunks])
    np.testing.assert_array_equal(streamed, vad.score(samples))
    np.testing.assert_array_equal(streamed, again)
    assert set(streamed.tolist()) == {0.0, 1.0}  # both answers occur, and only those


def test_silence_scores_unvoiced() -> None:
    assert not WebRtcVad(mode=2).score(np.zeros(3 * SAMPLE_RATE, np.float32)).any()
    # Silence after speech: unvoiced once the hangover (HANGOVER_MS) is over.
    for clip in ("0870", "0920", "0930"):
        speech = recording(f"pocketsphinx_sense_and_sensibility_01_austen_64kb-{clip}.wav")
        scores = WebRtcVad(mode=2).score(np.concatenate([speech, TRAILING_SILENCE]))
        after = -(-(len(speech) + ms_to_samples(HANGOVER_MS)) // CHUNK_SAMPLES)
        assert scores[:after].any() and not scores[after:].any(), clip


def test_noise_opens_no_turn() -> None:
    """The endpointing benchmark's noise clips: white noise from -70 to -30 dBFS, pink, brown,
    clicks and mains hum. WebRTC calls stretches of some of them speech; min_speech_ms keeps
    them from opening a turn."""
    opened = {name: stream(clip) for name, clip in noise_clips().items()}
    assert {name: events for name, events in opened.items() if events} == {}


# ----- the endpointer driven by it, on real recordings ---------------------------------------------


def test_every_recording_opens_and_closes_a_turn_even_10_db_quieter(
    manifest: dict[str, dict[str, str]],
) -> None:
    # The hard cases must be in the corpus for this test to mean anything: whispered speech,
    # a single word, a quiet speaker with a cold.
    assert {"mfa_whisper2.wav", "mfa_common_voice_en_22058264.wav", "mfa_cold_corpus.wav"} <= manifest.keys()
    quiet = np.float32(10 ** (QUIET_GAIN_DB / 20))
    missing = []
    for name in manifest:
        audio = recording(name)
        for label, samples in (("as recorded", audio), (f"{QUIET_GAIN_DB:+.0f} dB", audio * quiet)):
            if not segments(stream(samples)):
                missing.append(f"{name} {label}")
    assert missing == []


@pytest.mark.parametrize("clip", ["0870", "0920", "0930"])
def test_sense_and_sensibility_boundaries_match_the_source_labels(
    clip: str, manifest: dict[str, dict[str, str]]
) -> None:
    name = f"pocketsphinx_sense_and_sensibility_01_austen_64kb-{clip}.wav"
    lab_start, lab_end = (t * 1000 for t in lab_times(manifest, name))
    found = segments(stream(recording(name)))
    assert len(found) == 1  # one sentence, read without a pause long enough to end a turn
    start, end = found[0]
    assert abs(samples_to_ms(start) - lab_start) <= START_TOLERANCE_MS
    assert abs(samples_to_ms(end) - lab_end) <= END_TOLERANCE_MS


def test_counted_words_are_one_turn_each_as_with_silero(manifest: dict[str, dict[str, str]]) -> None:
    """"one two three", with a pause after each word: a turn per word, and each WebRTC turn
    overlaps exactly one of Silero's (and the other way round)."""
    name = "speech_recognition_english.wav"
    words = manifest[name]["reference"].split()
    audio = recording(name)
    webrtc = segments(stream(audio))
    silero = segments(stream(audio, SILERO))
    assert len(webrtc) == len(words) == 3
    for ours in webrtc:
        assert sum(overlaps(ours, theirs) for theirs in silero) == 1
    for theirs in silero:
        assert sum(overlaps(ours, theirs) for ours in webrtc) == 1


def test_harvard_sentences_are_not_run_together(manifest: dict[str, dict[str, str]]) -> None:
    """Ten read sentences with pauses of 0.6-1.3 s between them: every sentence ends a turn, so
    there are at least as many turns as sentences; a sentence may also be cut where its reader
    pauses at a comma ("When you hear the bell, come quickly."), never elsewhere."""
    name = "joinly_OSR_us_000_0034_8k.wav"
    reference = manifest[name]["reference"]
    sentences = len(re.findall(r"[.?!]", reference))
    commas = reference.count(",")
    turns = segments(stream(recording(name)))
    assert sentences == 10
    assert sentences <= len(turns) <= sentences + commas


def test_streaming_endpointer_agrees_with_cached_scores() -> None:
    audio = np.concatenate([recording("mfa_common_voice_en_22058264.wav"), TRAILING_SILENCE])
    cached = TurnPolicy(WEBRTC).run(WebRtcVad(WEBRTC.webrtc_mode).score(audio), CHUNK_SAMPLES)
    assert cached == stream(audio[: len(audio) - len(TRAILING_SILENCE)])
    assert len(segments(cached)) == 1  # the single word "no"
