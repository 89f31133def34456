"""The benchmark's speech-end judge against the end-of-speech times the corpus sources annotate."""

from __future__ import annotations

import numpy as np
import pytest

from firstword.audio.format import SAMPLE_RATE
from firstword.audio.recording import load_recording
from firstword.bench.endpointing import REFERENCE_SPEECH_END_S
from firstword.bench.speech_end import Span, SpeechEndJudge, silero_regions, word_spans
from firstword.config import SttConfig
from firstword.stt.whisper_ct2 import WhisperCt2Engine
from tests.conftest import corpus_dir


def test_median_of_three_ignores_one_estimate_gone_wrong():
    audio = np.zeros(SAMPLE_RATE * 4, np.float32)
    audio[SAMPLE_RATE : 2 * SAMPLE_RATE] = 0.3  # "speech" from 1 s to 2 s by energy
    words = [Span(SAMPLE_RATE, int(2.05 * SAMPLE_RATE))]
    silero = [Span(SAMPLE_RATE, int(3.5 * SAMPLE_RATE))]  # wrong: calls noise speech
    judged = SpeechEndJudge(audio, words, silero).before(4 * SAMPLE_RATE)
    assert judged is not None
    assert judged.sample == int(2.05 * SAMPLE_RATE)
    # Only what lies before the limit counts: a turn ending at 1.5 s is judged on its own audio.
    assert SpeechEndJudge(audio, words, silero).before(int(1.5 * SAMPLE_RATE)).sample <= int(1.5 * SAMPLE_RATE)
    assert SpeechEndJudge(np.zeros(SAMPLE_RATE, np.float32), [], []).before(SAMPLE_RATE) is None


@pytest.mark.engine
@pytest.mark.parametrize("name", sorted(REFERENCE_SPEECH_END_S))
def test_judge_agrees_with_annotated_speech_end(name: str) -> None:
    audio = load_recording(corpus_dir() / name)
    engine = WhisperCt2Engine(SttConfig())
    words = engine.decode_offline(audio, word_timestamps=True).word_times
    judge = SpeechEndJudge(audio, word_spans(words), silero_regions(audio))
    judged = judge.before(len(audio))
    assert judged is not None
    assert abs(judged.seconds - REFERENCE_SPEECH_END_S[name]) <= 0.2, judged.estimates
