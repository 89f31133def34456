"""``firstword bench practice``: how fast Nova, the spoken mock interviewer, replies and stops.

Every recording in ``manifest.jsonl`` is a candidate's answer, played in real time (20 ms frames
at wall-clock pace) over the server's real WebSocket (``voice=1``: her audio comes back as binary
frames) against a server in its own process (``bench.server_process``) with the default embedded
engines, or against ``--url``. All instants are this (the feeding) process's monotonic clock.

The microphone streams without a break from the session being ready to closing, as a page's
does: a quiet noise floor (``SILENCE_DBFS``), and a recording when one is played. A simulated
page reports what it has "played" of her voice (``voice.played`` every ~260 ms, playback
starting when her first frame arrives).

Each recording is one candidate, so each gets its own interview (``{"persona": "nova"}``: the
sample profile, whose job description gives a plan of 7 questions): the interviewer adapts its
wait to the candidate's own pauses (``InterviewerWait`` is per session), and one speaker's long
pauses must not lengthen another's waits. Each interview still has several turns: the answer, the
answer given over her reply, and her reply to each (``--per-session`` 2 or 3 puts that many
recordings in one interview, as one candidate; at most 3, so the plan never runs out and every
reply is a follow-up or a next question, never the goodbye). After ``practice.start`` her greeting
and first question are let play out (``practice.listening``). Then for each recording:

1. **answer**: the recording is played; Nova decides the end of the answer
   (``practice.answer_ended``) and replies (``voice.started``, frames). Measured:

   - ``reply_first_audio_ms``: speech end → the first binary frame of her reply;
   - ``decision_to_first_audio_ms``: receipt of ``practice.answer_ended`` → that frame;
   - ``end_of_answer_wait_ms``: speech end → receipt of ``practice.answer_ended`` (and the
     server's own ``wait_ms``, the silence it waited, in audio time).

   ``speech end`` is when the frame holding the answer's last voiced sample was sent; the sample
   is judged offline, independently of the server (``bench.speech_end``: the median of an energy
   measure, Whisper's word ends and offline Silero), as in ``bench latency``, within the audio
   the decision's last ``user.transcript.final`` covers (its ``audio_end_ms``, on the stream's
   clock, which the microphone shares from its first frame). A decision taken while the
   recording still had speech to come is counted (``cut_off``): the interviewer interrupted the
   candidate.

2. **barge-in**: the same recording is played again over her reply, from 250 ms before its first
   voiced sample, starting 0.5 s after the first frame of her reply arrived (after its
   ``voice.started``; a follow-up's first frame can come a while later, as it is synthesized at
   the decision), so the candidate speaks up about 0.75 s into her audio. ``barge_in_stop_ms``:
   from when the frame holding the first voiced sample (judged like the end: median of energy,
   Whisper word starts and Silero regions) was sent to the receipt of the LAST audio frame of
   hers before her ``voice.ended``; counted only
   when that ``voice.ended`` says ``barge_in`` (any other reason, or none in time: null, counted
   in ``barge_in_not_stopped``; ``barge_in_not_tried`` counts recordings with no reply of hers to
   play over). Also kept: onset → ``voice.ended`` (the barge-in decision; the
   frames stop earlier, at the detector's ``hold``), and how much of her audio arrived after the
   onset. The interrupting speech then is the answer to her question: its end-of-answer decision
   and her reply to it are measured as in 1 and kept beside the turn (``barge_answer``), not in
   the summary's percentiles (they are answers that began over her voice).

Stages kept per turn, to explain the measures: ``end_of_answer_wait_ms`` = ``vad_end_lag_ms``
(the server's VAD end, from its final's ``audio_end_ms``, after the judged end) + the server's
``wait_ms`` (beside the wait its table gives the answer's last words, ``cue`` / ``cue_wait_ms``;
above it: a late pause transcript, or the adaptation to the speaker's pauses) + ``after_wait_ms``
(the final's decode, ``final_compute_ms``, the event loop and the transport); decision →
``voice.started`` → first frame, for a next question (prepared while the candidate answered) and
a follow-up (synthesized at the decision). For the barge-in, the
server's detector is replayed offline over the whole interview (``replay_session``): where it
decides by its acoustic rule alone (``replay_acoustic_stop_ms``), with the interim transcripts
it consults as the server does (``replay_stop_ms``), and the lag of the live stop behind that.

The TTS real-time factor (``tts_rtf``: synthesis time / audio duration, as the issue quotes
Piper's 0.05; under 1 is faster than said) is measured directly in this process after the server
has stopped, with the same engine (``create_tts(load_settings().tts)``), loaded and warmed, on the
first six of ``bench.tts.SENTENCES`` (Nova's kind of questions): summed synthesis time over summed
audio. It is not derived from the frames (they are paced to playback, so they say nothing about
how fast they were made).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import websockets
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from firstword.audio.format import FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE, float32_to_pcm16
from firstword.audio.recording import load_recording, voiced_mask
from firstword.bench.latency import offline_pass, percentiles, read_manifest
from firstword.bench.server_process import ServerProcess
from firstword.bench.speech_end import SpeechEndJudge
from firstword.client import FirstwordClient, SessionHandle
from firstword.config import load_settings
from firstword.endpointing.interviewer import InterviewerWait, cue_of
from firstword.events import EventType
from firstword.speech.front_end import FINAL_TAIL_MS

PER_SESSION = 1  # recordings a session (module doc); at most 3: two answers each, the plan has 7 questions
BARGE_DELAY_S = 0.5  # the interrupting playback starts this long after her reply's first frame
BARGE_PREROLL_S = 0.25  # ... from this long before the recording's first voiced sample
PLAYED_EVERY_FRAMES = 13  # the simulated page's voice.played: every ~260 ms
READY_TIMEOUT_S = 120.0
REPLY_TIMEOUT_S = 30.0  # after the answer's audio ends: decision, then her first frame
HOLD_GAP_S = 0.15  # a pause in her frames this long (they come every 40 ms) is a hold
CUT_OFF_MARGIN_S = 0.25  # judged speech this far past the decided answer's audio: a cut-off
SETTLE_S = 4.0  # quiet wanted after a cut-off (the longest wait is 3 s) before the next answer
# What the microphone sends when the candidate is silent: a quiet noise floor (-70 dBFS white
# noise), as a live microphone does, not exact zeros. (Silero, which the barge-in detector runs
# on the microphone only while she speaks, scores speech far lower after seconds of exact zeros
# than after any real floor: see the report of this bench.)
SILENCE_DBFS = -70.0
TTS_SENTENCES = 6  # of bench.tts.SENTENCES, for tts_rtf
REPLAY_S = 12.0  # the detector's replay looks this long past the onset for its barge-in

TARGETS = {  # p50 / p95 goals (ms), shown beside the results
    "reply_first_audio_ms": (1500.0, None),
    "decision_to_first_audio_ms": (250.0, None),
    "end_of_answer_wait_ms": (None, None),
    "barge_in_stop_ms": (200.0, 400.0),
}


# ----- what the judge says about a recording ---------------------------------------------------


def first_voiced(judge: SpeechEndJudge, after: int = 0) -> int | None:
    """The judged first voiced sample at or after ``after``: the median of the energy mask's first
    voiced 10-ms frame, the first Whisper word and the first Silero region that end after it."""
    n = SAMPLE_RATE // 100
    mask = voiced_mask(judge.audio)
    idx = np.flatnonzero(mask[after // n :])
    estimates = [
        int((idx[0] + after // n) * n) if len(idx) else None,
        next((max(s.start, after) for s in judge.words if s.end > after), None),
        next((max(s.start, after) for s in judge.silero if s.end > after), None),
    ]
    found = [v for v in estimates if v is not None]
    return int(statistics.median(found)) if found else None


# ----- the microphone and the connection -------------------------------------------------------


@dataclass
class Playback:
    """One recording (from sample ``offset``) going up the microphone."""

    frames: list[bytes]
    offset: int
    sent_at: list[float] = field(default_factory=list)
    started_item: int = 0  # the link's item count when it was queued
    stream_frame0: int | None = None  # the microphone stream's frame number of its first frame
    done: asyncio.Event = field(default_factory=asyncio.Event)
    stopped: bool = False

    def sent_at_sample(self, sample: int) -> float | None:
        """Client clock when the frame holding recording sample ``sample`` was sent (None: not yet)."""
        index = max(0, (sample - self.offset) // FRAME_SAMPLES)
        return self.sent_at[index] if index < len(self.sent_at) else None

    def position_at(self, at: float) -> int:
        """The recording sample one past the last one sent at or before ``at``."""
        sent = sum(1 for t in self.sent_at if t <= at)
        return self.offset + sent * FRAME_SAMPLES

    def recording_sample(self, stream_ms: float) -> int | None:
        """The recording sample at ``stream_ms`` of the microphone stream as the server counts it
        (from the connection's first frame: events' ``audio_start_ms`` / ``audio_end_ms``)."""
        if self.stream_frame0 is None:
            return None
        return self.offset + int(round(stream_ms * SAMPLE_RATE / 1000)) - self.stream_frame0 * FRAME_SAMPLES


@dataclass(slots=True)
class Item:
    at: float  # client clock on receipt
    event: dict[str, Any] | None  # a text frame (an event, or a connection error)
    audio: int = 0  # bytes of a binary frame (her voice)


class Link:
    """The owner's WebSocket with ``voice=1``: everything received, in order, stamped; and the
    microphone, one 20-ms frame every 20 ms of wall clock, silence unless a recording plays."""

    def __init__(self, ws: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.ws = ws
        self.clock = clock
        self.items: list[Item] = []
        self.errors: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self._queue: deque[Playback] = deque()
        self._current: Playback | None = None
        # The simulated page's playback of her current utterance.
        self._utterance: int | None = None
        self._rate = 22_050
        self._received_bytes = 0
        self._first_frame_at: float | None = None
        # Her audio, per utterance: (receipt of its first frame, PCM), for the detector's replay.
        self.voice: dict[int, tuple[float, bytearray]] = {}
        # Every microphone frame as sent (client clock, PCM): the detector's replay hears them.
        self.sent: list[tuple[float, bytes]] = []
        rng = np.random.default_rng(0)
        floor = rng.standard_normal(FRAME_SAMPLES * 50) * 32768 * 10 ** (SILENCE_DBFS / 20)
        self._silence = [floor[i : i + FRAME_SAMPLES].astype("<i2").tobytes()
                         for i in range(0, len(floor), FRAME_SAMPLES)]

    # -- receiving --

    async def receive(self) -> None:
        async for message in self.ws:
            at = self.clock()
            if isinstance(message, bytes):
                self.items.append(Item(at, None, len(message)))
                if self._first_frame_at is None:
                    self._first_frame_at = at
                self._received_bytes += len(message)
                if self._utterance is not None:
                    self.voice.setdefault(self._utterance, (at, bytearray()))[1].extend(message)
            else:
                raw = json.loads(message)
                if raw.get("seq") is None:
                    self.errors.append(raw.get("data", {}))
                self.items.append(Item(at, raw))
                kind, data = raw.get("type"), raw.get("data") or {}
                if kind == EventType.VOICE_STARTED:
                    self._utterance, self._rate = data.get("utterance_id"), int(data.get("sample_rate") or 22_050)
                    self._received_bytes, self._first_frame_at = 0, None
                elif kind == EventType.VOICE_ENDED and data.get("utterance_id") == self._utterance:
                    await self._report_played()
                    self._utterance = None
            self._changed.set()

    async def _report_played(self) -> None:
        if self._utterance is None or self._first_frame_at is None:
            return
        received_ms = self._received_bytes / 2 / self._rate * 1000.0
        played = min(received_ms, (self.clock() - self._first_frame_at) * 1000.0)
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.ws.send(json.dumps({"type": "voice.played", "utterance_id": self._utterance,
                                           "played_ms": round(played, 1)}))

    async def wait_for(self, find: Callable[[], int | None], timeout: float) -> int | None:
        """The index ``find`` returns once it returns one, or None after ``timeout`` seconds."""
        deadline = self.clock() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - self.clock()
            if remaining <= 0:
                return None
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def find(self, start: int, kind: str, where: Callable[[dict[str, Any]], bool] | None = None) -> int | None:
        for i in range(start, len(self.items)):
            event = self.items[i].event
            if event is not None and event.get("type") == kind and (where is None or where(event.get("data") or {})):
                return i
        return None

    def first_audio(self, start: int) -> int | None:
        return next((i for i in range(start, len(self.items)) if self.items[i].event is None), None)

    def data(self, i: int) -> dict[str, Any]:
        return (self.items[i].event or {}).get("data") or {}

    # -- the microphone --

    def play(self, samples: np.ndarray, offset: int = 0) -> Playback:
        audio = samples[offset:]
        audio = np.concatenate([audio, np.zeros((-len(audio)) % FRAME_SAMPLES, np.float32)])
        frames = [float32_to_pcm16(audio[i : i + FRAME_SAMPLES]) for i in range(0, len(audio), FRAME_SAMPLES)]
        playback = Playback(frames, offset, started_item=len(self.items))
        self._queue.append(playback)
        return playback

    def stop_playing(self) -> None:
        """Cut the recording playing now (what is left of it is silence)."""
        if self._current is not None:
            self._current.stopped = True
            self._current.done.set()
            self._current = None

    async def microphone(self) -> None:
        """Start it once the session is ready: the server counts stream time from the first frame."""
        start = self.clock()
        i = 0
        while True:
            delay = start + i * FRAME_MS / 1000 - self.clock()
            if delay > 0:
                await asyncio.sleep(delay)
            if self._current is None and self._queue:
                self._current = self._queue.popleft()
            current = self._current
            at = self.clock()
            if current is not None:
                if not current.sent_at:
                    current.stream_frame0 = i
                pcm = current.frames[len(current.sent_at)]
                current.sent_at.append(at)
                if len(current.sent_at) == len(current.frames):
                    current.done.set()
                    self._current = None
            else:
                pcm = self._silence[i % len(self._silence)]
            self.sent.append((at, pcm))
            await self.ws.send(pcm)
            if i % PLAYED_EVERY_FRAMES == 0 and self._utterance is not None:
                await self._report_played()
            i += 1


# ----- one turn --------------------------------------------------------------------------------


def _ms(later: float | None, earlier: float | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier) * 1000, 1)


async def _answer(link: Link, playback: Playback, judge: SpeechEndJudge, timeout_extra: float) -> dict[str, Any]:
    """The end-of-answer decision on ``playback`` and the first audio of her reply to it."""
    out: dict[str, Any] = {
        "reply_first_audio_ms": None, "decision_to_first_audio_ms": None, "end_of_answer_wait_ms": None,
        "server_wait_ms": None, "by": None, "transcript": None, "cut_off": False, "reply_text": None,
        "reply_followup": None, "reply_reason": None, "decision_to_voice_started_ms": None,
        "voice_started_to_first_audio_ms": None, "speech_end_s": None, "speech_end_estimates": {},
        "speech_end_from": None, "final_end_s": None, "vad_end_lag_ms": None, "after_wait_ms": None,
        "speech_end_to_final_ms": None, "final_compute_ms": None, "cue": None, "cue_wait_ms": None,
        "error": None,
    }
    length = len(playback.frames) * FRAME_SAMPLES / SAMPLE_RATE
    ended = await link.wait_for(lambda: link.find(playback.started_item, EventType.PRACTICE_ANSWER_ENDED),
                                length + timeout_extra)
    if ended is None:
        out["error"] = "no practice.answer_ended"
        return out
    decided_at = link.items[ended].at
    data = link.data(ended)
    out.update(by=data.get("by"), server_wait_ms=data.get("wait_ms"), transcript=data.get("text"))
    if data.get("text"):
        # The wait the interviewer's table gives the answer's last words (before any adaptation to
        # the speaker's pauses): the server's wait_ms above it is a late pause transcript, or that
        # adaptation.
        policy = InterviewerWait(load_settings().endpointing.interviewer)
        out["cue"] = cue_of(data["text"])
        out["cue_wait_ms"] = policy.base_ms(out["cue"])
    seqs = set(data.get("source_seqs") or [])
    finals = [i for i in range(playback.started_item, ended) if (e := link.items[i].event) is not None
              and e.get("type") == EventType.USER_TRANSCRIPT_FINAL and e.get("seq") in seqs]
    # The speech the decision is about ends inside the audio its last final transcribed (the
    # server's speech end plus FINAL_TAIL_MS): the judged last voiced sample up to there. Without
    # a usable final, up to where the recording was when the decision arrived (speech that came
    # back between the server's end and that moment would be taken for the end).
    position = playback.position_at(decided_at)
    out["position_at_decision_s"] = round(position / SAMPLE_RATE, 3)
    limit, out["speech_end_from"] = position, "receipt"
    server_end: int | None = None
    if finals:
        final_end = playback.recording_sample(float(link.data(finals[-1]).get("audio_end_ms") or 0.0))
        out["final_end_s"] = None if final_end is None else round(final_end / SAMPLE_RATE, 3)
        if final_end is not None and playback.offset < final_end <= position + FRAME_SAMPLES:
            limit, out["speech_end_from"] = final_end, "final"
            server_end = final_end - int(FINAL_TAIL_MS * SAMPLE_RATE / 1000)
    judged = judge.before(limit)
    if judged is None:
        out["error"] = "no speech judged before the decision"
        return out
    overall = judge.before(len(judge.audio))
    # Speech still to come in the recording: the interviewer ended the answer while the
    # candidate had more to say.
    out["cut_off"] = overall is not None and overall.sample - limit > CUT_OFF_MARGIN_S * SAMPLE_RATE
    out["speech_end_s"] = round(judged.sample / SAMPLE_RATE, 3)
    out["speech_end_estimates"] = {
        k: None if v is None else round(v / SAMPLE_RATE, 3) for k, v in judged.estimates.items()}
    speech_end_at = playback.sent_at_sample(max(judged.sample - 1, playback.offset))
    out["end_of_answer_wait_ms"] = _ms(decided_at, speech_end_at)
    if server_end is not None:
        # Where the server's VAD put the end, after the judged one (audio time).
        out["vad_end_lag_ms"] = round((server_end - judged.sample) * 1000 / SAMPLE_RATE, 1)
        if out["end_of_answer_wait_ms"] is not None and out["server_wait_ms"] is not None:
            # What remains once the silence was waited: the final's decode, loop lag, transport.
            out["after_wait_ms"] = round(
                out["end_of_answer_wait_ms"] - out["vad_end_lag_ms"] - out["server_wait_ms"], 1)
    if finals:
        out["speech_end_to_final_ms"] = _ms(link.items[finals[-1]].at, speech_end_at)
        out["final_compute_ms"] = link.data(finals[-1]).get("compute_ms")
    started = await link.wait_for(lambda: link.find(ended, EventType.VOICE_STARTED), REPLY_TIMEOUT_S)
    if started is None:
        out["error"] = "no voice.started after the decision"
        return out
    out["reply_text"] = link.data(started).get("text")
    question = link.find(ended, EventType.PRACTICE_QUESTION)
    if question is not None and question < started:
        out["reply_followup"] = link.data(question).get("followup")
        out["reply_reason"] = link.data(question).get("reason")
    first = await link.wait_for(lambda: link.first_audio(started), REPLY_TIMEOUT_S)
    if first is None:
        out["error"] = "no audio after voice.started"
        return out
    first_at = link.items[first].at
    out["reply_first_audio_ms"] = _ms(first_at, speech_end_at)
    out["decision_to_first_audio_ms"] = _ms(first_at, decided_at)
    out["decision_to_voice_started_ms"] = _ms(link.items[started].at, decided_at)
    out["voice_started_to_first_audio_ms"] = _ms(first_at, link.items[started].at)
    out["_voice_started"] = started
    return out


async def _barge_in(
    link: Link, samples: np.ndarray, judge: SpeechEndJudge, started: int
) -> tuple[dict[str, Any], Playback | None]:
    """Play the recording over her utterance (its ``voice.started`` at item ``started``)."""
    out: dict[str, Any] = {"barge_in_stop_ms": None, "barge_in_reason": None, "barge_in_decision_ms": None,
                           "barge_in_audio_after_onset_ms": None, "barge_in_onset_s": None, "her_audio_ms": None,
                           "onset_into_her_audio_ms": None}
    utterance = link.data(started).get("utterance_id")
    rate = int(link.data(started).get("sample_rate") or 22_050)
    onset = first_voiced(judge)
    if onset is None:
        out["barge_in_reason"] = "no speech in the recording"
        return out, None
    offset = max(0, onset - int(BARGE_PREROLL_S * SAMPLE_RATE))
    # While she is audibly speaking: from her first frame (a follow-up is synthesized at the
    # decision, so its first frame may come a while after its voice.started).
    first = await link.wait_for(lambda: link.first_audio(started), REPLY_TIMEOUT_S)
    begin = link.items[first if first is not None else started].at
    await asyncio.sleep(max(0.0, begin + BARGE_DELAY_S - link.clock()))
    link.stop_playing()  # the answer's own trailing silence, if any is left
    playback = link.play(samples, offset)
    out["barge_in_onset_s"] = round(onset / SAMPLE_RATE, 3)
    ended = await link.wait_for(
        lambda: link.find(started, EventType.VOICE_ENDED, lambda d: d.get("utterance_id") == utterance),
        len(playback.frames) * FRAME_MS / 1000 + REPLY_TIMEOUT_S)
    if ended is None:
        out["barge_in_reason"] = "no voice.ended"
        return out, playback
    reason = link.data(ended).get("reason")
    out["barge_in_reason"] = reason
    out["her_audio_ms"] = link.data(ended).get("audio_ms")  # her utterance as sent (all of it: not stopped)
    onset_at = playback.sent_at_sample(onset)
    if onset_at is None:  # she finished before the candidate's speech was even sent
        return out, playback
    if first is not None:  # how far into her utterance (received) the candidate spoke up
        out["onset_into_her_audio_ms"] = _ms(onset_at, link.items[first].at)
    frames = [i for i in range(started, ended) if link.items[i].event is None]
    after = [i for i in frames if link.items[i].at >= onset_at]
    out["barge_in_audio_after_onset_ms"] = round(sum(link.items[i].audio for i in after) / 2 / rate * 1000, 1)
    out["barge_in_decision_ms"] = _ms(link.items[ended].at, onset_at)
    if reason == "barge_in" and frames:
        out["barge_in_stop_ms"] = _ms(link.items[frames[-1]].at, onset_at)
    # Her frames as they came: a gap while she was speaking is a hold (the detector paused her),
    # its end a resume. And the candidate's words the server heard meanwhile (a held stretch
    # whose quick transcript reads as a backchannel resumes her).
    gaps = [(link.items[a].at, link.items[b].at) for a, b in zip(frames, frames[1:])
            if link.items[b].at - link.items[a].at >= HOLD_GAP_S]
    out["live_holds_ms"] = [[_ms(a, onset_at), _ms(b, onset_at)] for a, b in gaps if b >= onset_at]
    out["interims_ms"] = [[_ms(link.items[i].at, onset_at), link.data(i).get("text")]
                          for i in range(started, ended) if (e := link.items[i].event) is not None
                          and e.get("type") == EventType.USER_TRANSCRIPT_INTERIM and link.items[i].at >= onset_at]
    # What the replay of the detector needs (after the run).
    out["_target"] = {"utterance": utterance, "onset_at": onset_at,
                      "stop_at": link.items[frames[-1]].at if reason == "barge_in" and frames else None}
    return out, playback


async def _listening(link: Link, since: int, timeout: float, settle: bool) -> bool:
    """Wait until she listens: a ``practice.listening`` after her latest ``voice.started``
    (after item ``since``); with ``settle``, and nothing new for ``SETTLE_S``."""

    def listening() -> int | None:
        voices = [i for i in range(since, len(link.items))
                  if (e := link.items[i].event) is not None and e.get("type") == EventType.VOICE_STARTED]
        return link.find(voices[-1] if voices else since, EventType.PRACTICE_LISTENING)

    deadline = link.clock() + timeout
    while True:
        found = await link.wait_for(listening, max(0.0, deadline - link.clock()))
        if found is None:
            return False
        if not settle:
            return True
        count = len(link.items)
        await asyncio.sleep(SETTLE_S)
        newer = [i for i in range(count, len(link.items)) if (e := link.items[i].event) is not None
                 and e.get("type") in (EventType.VOICE_STARTED, EventType.PRACTICE_ANSWER_ENDED)]
        if not newer:
            return True


async def _recording_turn(
    link: Link, entry: dict[str, Any], samples: np.ndarray, judge: SpeechEndJudge, session_no: int, more: bool
) -> dict[str, Any]:
    """One recording: the answer, then the barge-in over her reply (module doc). With ``more``
    (another recording follows in this interview), until she listens again."""
    asked = [i for i, it in enumerate(link.items) if it.event is not None
             and it.event.get("type") == EventType.VOICE_STARTED]
    turn: dict[str, Any] = {"file": entry["file"], "session": session_no,
                            "question": link.data(asked[-1]).get("text") if asked else None}
    playback = link.play(samples)
    answer = await _answer(link, playback, judge, REPLY_TIMEOUT_S)
    started = answer.pop("_voice_started", None)
    turn.update(answer)
    barge_answer: dict[str, Any] | None = None
    if started is not None and answer["cut_off"]:
        # She replied while the recording still had speech to come: it barges in on that reply
        # by itself. Measure the deliberate barge-in on her next reply instead.
        await playback.done.wait()
        started = await link.wait_for(lambda: _voice_after(link, playback), REPLY_TIMEOUT_S)
    if started is None:
        turn.update({"barge_in_stop_ms": None, "barge_in_reason": "no reply to interrupt",
                     "barge_in_decision_ms": None, "barge_in_audio_after_onset_ms": None, "barge_in_onset_s": None})
    else:
        barge, barge_playback = await _barge_in(link, samples, judge, started)
        turn.update(barge)
        if barge_playback is not None:
            barge_answer = await _answer(link, barge_playback, judge, REPLY_TIMEOUT_S)
            barge_answer.pop("_voice_started", None)
            await barge_playback.done.wait()
    turn["barge_answer"] = barge_answer
    cut = bool(answer["cut_off"] or (barge_answer is not None and barge_answer["cut_off"]))
    turn["listening_again"] = (
        await _listening(link, playback.started_item, REPLY_TIMEOUT_S + 20, settle=cut) if more else None)
    return turn


def _voice_after(link: Link, playback: Playback) -> int | None:
    """Her first ``voice.started`` received after ``playback`` ended."""
    end = playback.sent_at[-1] if playback.sent_at else 0.0
    return next((i for i in range(playback.started_item, len(link.items))
                 if (e := link.items[i].event) is not None and e.get("type") == EventType.VOICE_STARTED
                 and link.items[i].at > end), None)


async def _create(client: FirstwordClient) -> SessionHandle:
    """A practice session with the sample profile; waits out the node's creation rate limit (a
    long run against one ``--url`` creates more sessions than its burst)."""
    for _ in range(20):
        try:
            return await client.create_session(persona="nova")
        except RuntimeError as exc:
            if ": 429 " not in str(exc):
                raise
            await asyncio.sleep(3.5)
    return await client.create_session(persona="nova")


async def _session(
    client: FirstwordClient,
    session_no: int,
    chunk: list[tuple[dict[str, Any], np.ndarray, SpeechEndJudge]],
    on_turn: Callable[[dict[str, Any]], None],
) -> list[dict[str, Any]]:
    session = await _create(client)
    turns: list[dict[str, Any]] = []
    try:
        url = f"{session.ws_url}?token={session.owner_token}&voice=1"
        async with websockets.connect(url, max_size=2**22, open_timeout=30) as ws:
            link = Link(ws)
            receiver = asyncio.create_task(link.receive())
            microphone: asyncio.Task[None] | None = None
            try:
                ready = await link.wait_for(lambda: link.find(0, EventType.SESSION_READY), READY_TIMEOUT_S)
                if ready is None:
                    raise RuntimeError("the session never became ready")
                microphone = asyncio.create_task(link.microphone())
                await ws.send(json.dumps({"type": "practice.start"}))
                start_at = link.clock()
                if link.find(0, EventType.PRACTICE_PLAN) is None and await link.wait_for(
                        lambda: link.find(0, EventType.PRACTICE_PLAN), 30) is None:
                    raise RuntimeError("no practice.plan: is the session a practice interview (persona nova)?")
                if not await _listening(link, 0, READY_TIMEOUT_S, settle=False):
                    raise RuntimeError("Nova never finished asking her first question")
                # How soon she is heard after "start" (her greeting is not prepared ahead).
                greeted = link.find(0, EventType.VOICE_STARTED)
                first = link.first_audio(greeted) if greeted is not None else None
                greeting = {
                    "start_to_first_audio_ms": None if first is None else _ms(link.items[first].at, start_at),
                    "start_to_voice_started_ms": None if greeted is None else _ms(link.items[greeted].at, start_at),
                    "session_warm_ms": link.data(ready).get("warm_ms"),
                }
                for n, (entry, samples, judge) in enumerate(chunk, 1):
                    turn = await _recording_turn(link, entry, samples, judge, session_no, more=n < len(chunk))
                    if n == 1:
                        turn.update(greeting)
                    turns.append(turn)
                    on_turn(turn)
                    if turn["listening_again"] is False:
                        break  # the interview is stuck: the rest goes to a new session
            finally:
                for task in (microphone, receiver):
                    if task is None:
                        continue
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                        await task
            trace = Trace.of(link)
            for turn in turns:
                turn["_trace"] = trace
            if link.errors:
                for turn in turns:
                    turn.setdefault("connection_errors", link.errors)
    finally:
        with contextlib.suppress(Exception):
            await client.close_session(session)
    return turns


async def _stream_all(
    url: str, items: list[tuple[dict[str, Any], np.ndarray, SpeechEndJudge]], console: Console, per_session: int
) -> list[dict[str, Any]]:
    client = FirstwordClient(url)
    results: list[dict[str, Any]] = []
    try:
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=console, transient=False,
        ) as progress:
            task = progress.add_task("practice interviews in real time", total=len(items))
            rest = list(items)
            session_no = 0
            while rest:
                session_no += 1
                chunk = rest[:per_session]
                progress.update(task, description=f"session {session_no}: {chunk[0][0]['file'][:40]}")
                try:
                    turns = await _session(client, session_no, chunk, lambda _t: progress.advance(task))
                except Exception as exc:  # noqa: BLE001 - recorded, and the run goes on
                    console.print(f"[red]session {session_no} failed: {exc!r}")
                    turns = []
                if not turns:
                    # Not even one turn: record the first recording as failed and go on.
                    entry = chunk[0][0]
                    results.append({"file": entry["file"], "session": session_no, "error": "session failed",
                                    "reply_first_audio_ms": None, "decision_to_first_audio_ms": None,
                                    "end_of_answer_wait_ms": None, "barge_in_stop_ms": None,
                                    "barge_in_reason": None, "cut_off": False, "barge_answer": None})
                    progress.advance(task)
                    rest = rest[1:]
                    continue
                results.extend(turns)
                rest = rest[len(turns):]
    finally:
        await client.aclose()
    return results


# ----- after the run: the barge-in detector replayed, TTS speed ---------------------------------


@dataclass
class Trace:
    """One interview as the client saw it: what the microphone sent, her utterances (when their
    ``voice.started`` / ``voice.ended`` arrived) and her audio as it came."""

    sent: list[tuple[float, bytes]]
    utterances: list[dict[str, Any]]
    voice: dict[int, tuple[float, bytes]]
    interims: list[tuple[float, str]]  # the candidate's user.transcript.interim texts, as received

    @classmethod
    def of(cls, link: Link) -> Trace:
        utterances: list[dict[str, Any]] = []
        interims: list[tuple[float, str]] = []
        open_: dict[int, dict[str, Any]] = {}
        for item in link.items:
            kind = (item.event or {}).get("type")
            data = (item.event or {}).get("data") or {}
            if kind == EventType.USER_TRANSCRIPT_INTERIM:
                interims.append((item.at, str(data.get("text") or "")))
            elif kind == EventType.VOICE_STARTED:
                open_[data["utterance_id"]] = {"id": data["utterance_id"], "started_at": item.at,
                                               "rate": int(data.get("sample_rate") or 22_050)}
            elif kind == EventType.VOICE_ENDED and data.get("utterance_id") in open_:
                utterance = open_.pop(data["utterance_id"])
                utterances.append({**utterance, "ended_at": item.at})
        voice = {k: (at, bytes(pcm)) for k, (at, pcm) in link.voice.items()}
        return cls(list(link.sent), utterances, voice, interims)


def replay_session(
    trace: Trace, targets: dict[int, dict[str, Any]], *, transcripts: bool = True
) -> dict[int, dict[str, Any]]:
    """The server's barge-in detector replayed offline over a whole interview.

    ``BargeInDetector`` (its default configuration, a Silero VAD of its own, as a practice
    session builds it) hears what the server's did, in order, on a virtual clock: the
    microphone's frames while she spoke (from her ``voice.started`` to her ``voice.ended``, as
    received), her audio noted as it is sent (``practice.voice_lead_ms`` ahead of playing, from
    her first frame), ``reset`` at each of her utterances; a hold pauses her audio, a resume goes
    on, a barge-in ends the utterance. The detector carries state from one utterance to the next
    (its VAD, the noise floor, the echo path), so only the whole interview replays it faithfully.

    With ``transcripts``, the candidate's interim transcripts are given to ``note_transcript``
    while she is held, when they arrived, as the practice pipeline does (backchannel words resume
    her; any other word is a barge-in); without, the detector's acoustic rule alone decides.

    For each interrupted utterance in ``targets`` (its onset's send time, the live stop): where
    it holds first (``replay_hold_ms``), holds for good (``replay_stop_ms``: the hold the
    barge-in follows) and decides ``barge_in``, after the onset on the frames' send times; and
    ``hold_lag_ms``, the live stop minus the send time of the frame that decided that hold: the
    server's runtime and transport."""
    from firstword.endpointing.barge_in import BargeInDetector, Decision
    from firstword.endpointing.factory import create_vad_factory

    settings = load_settings()
    lead = settings.practice.voice_lead_ms / 1000
    clock = [0.0]
    detector = BargeInDetector(vad=create_vad_factory(settings.endpointing)(), clock=lambda: clock[0])
    results: dict[int, dict[str, Any]] = {}
    interims = deque(trace.interims if transcripts else [])
    k = 0  # index into the microphone's frames
    for n, utterance in enumerate(trace.utterances):
        first_at, her = trace.voice.get(utterance["id"], (None, b""))
        rate = utterance["rate"]
        piece = int(rate * 0.04) * 2  # VoiceOut's 40-ms chunks
        target = targets.get(utterance["id"])
        out = {"replay_hold_ms": None, "replay_stop_ms": None, "replay_barge_in_ms": None,
               "replay_resume_ms": None, "hold_lag_ms": None}
        stop_sent_at: float | None = None
        detector.reset()
        sent, held = 0, False
        while k < len(trace.sent) and trace.sent[k][0] < utterance["started_at"]:
            k += 1
        until = utterance["ended_at"]
        if target is not None:
            # The live decision arrives a little after the frame that made it: the rule is
            # followed on past her voice.ended (not into her next utterance).
            following = trace.utterances[n + 1]["started_at"] if n + 1 < len(trace.utterances) else math.inf
            until = min(following, target["onset_at"] + REPLAY_S)
        while k < len(trace.sent) and trace.sent[k][0] <= until:
            at, pcm = trace.sent[k]
            k += 1
            clock[0] = at
            while first_at is not None and not held and sent < len(her) and first_at + sent / 2 / rate <= at + lead:
                detector.note_playback(her[sent : sent + piece], rate, first_at + sent / 2 / rate)
                sent += piece
            decisions: list[Decision] = []
            while interims and interims[0][0] <= at:
                text = interims.popleft()[1]
                if held and (decision := detector.note_transcript(text)) is not None:
                    decisions.append(decision)
            decisions += detector.feed_pcm(pcm, at=at)
            ms = None if target is None else _ms(at, target["onset_at"])
            for decision in decisions:
                if decision is Decision.HOLD:
                    held = True
                    detector.pause_playback()
                    if out["replay_hold_ms"] is None:
                        out["replay_hold_ms"] = ms
                    out["replay_stop_ms"], stop_sent_at = ms, at
                elif decision is Decision.RESUME:
                    held = False
                    detector.resume_playback()
                    if out["replay_resume_ms"] is None:
                        out["replay_resume_ms"] = ms
                elif decision is Decision.BARGE_IN:
                    detector.stop_playback()
                    out["replay_barge_in_ms"] = ms
            if out["replay_barge_in_ms"] is not None:
                break
        if target is not None:
            if out["replay_barge_in_ms"] is None:
                out["replay_stop_ms"] = None  # never stopped for good
            elif target["stop_at"] is not None and stop_sent_at is not None:
                out["hold_lag_ms"] = _ms(target["stop_at"], stop_sent_at)
            results[utterance["id"]] = out
    return results


def replay_all(turns: list[dict[str, Any]]) -> None:
    """``replay_session`` for each interview; its figures go into each turn (whose ``_trace`` and
    ``_target`` are dropped)."""
    traces: dict[int, tuple[Trace, list[dict[str, Any]]]] = {}
    for turn in turns:
        trace = turn.pop("_trace", None)
        if trace is not None:
            traces.setdefault(id(trace), (trace, []))[1].append(turn)
    empty = {"replay_hold_ms": None, "replay_stop_ms": None, "replay_barge_in_ms": None,
             "replay_resume_ms": None, "hold_lag_ms": None, "replay_acoustic_stop_ms": None}
    for trace, its_turns in traces.values():
        targets = {t["_target"]["utterance"]: t["_target"] for t in its_turns if t.get("_target")}
        results = replay_session(trace, targets) if targets else {}
        acoustic = replay_session(trace, targets, transcripts=False) if targets else {}
        for turn in its_turns:
            target = turn.pop("_target", None)
            if target is None or target["utterance"] not in results:
                turn.update(empty)
                continue
            turn.update(results[target["utterance"]])
            turn["replay_acoustic_stop_ms"] = acoustic[target["utterance"]]["replay_stop_ms"]
    for turn in turns:
        turn.pop("_target", None)
        for key, value in empty.items():
            turn.setdefault(key, value)


def measure_tts_rtf() -> dict[str, Any]:
    """Synthesis time over audio duration (the real-time factor), with the server's engine, loaded and warm."""
    from firstword.bench.tts import SENTENCES, _say
    from firstword.config import load_settings
    from firstword.tts.factory import create_tts

    async def measure() -> dict[str, Any]:
        engine = create_tts(load_settings().tts)
        await engine.load()
        try:
            await _say(engine, "Thank you. Let's warm up.")
            samples = [await _say(engine, text) for text in SENTENCES[:TTS_SENTENCES]]
        finally:
            await engine.aclose()
        audio_s = sum(s["audio_s"] for s in samples)
        synth_s = sum(s["done_ms"] for s in samples) / 1000
        return {
            "engine": engine.name,
            "sentences": len(samples),
            "audio_s": round(audio_s, 2),
            "synthesis_s": round(synth_s, 3),
            "tts_rtf": round(synth_s / audio_s, 3) if audio_s else None,
            "first_audio_ms_median": round(statistics.median(s["first_audio_ms"] for s in samples), 1),
        }

    return asyncio.run(measure())


STAGES = (  # shown under the targets: what each measure is made of
    ("the interview's start", ("session_warm_ms", "start_to_voice_started_ms", "start_to_first_audio_ms")),
    ("end of answer", ("vad_end_lag_ms", "server_wait_ms", "cue_wait_ms", "after_wait_ms", "final_compute_ms")),
    ("her reply", ("decision_to_voice_started_ms", "voice_started_to_first_audio_ms",
                   "decision_to_first_audio_ms.next_question", "decision_to_first_audio_ms.followup")),
    ("barge-in", ("replay_hold_ms", "replay_acoustic_stop_ms", "replay_stop_ms", "hold_lag_ms",
                  "replay_barge_in_ms", "barge_in_decision_ms", "barge_in_audio_after_onset_ms")),
    ("answers given over her voice", ("barge_answer.reply_first_audio_ms", "barge_answer.decision_to_first_audio_ms",
                                      "barge_answer.end_of_answer_wait_ms")),
)


def summarise(turns: list[dict[str, Any]], tts: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The summary (the fixed shape, plus counts) and fuller statistics (p50, p95, mean, max, n)."""
    stats = {k: percentiles([t.get(k) for t in turns]) for k in TARGETS}
    for k in ("start_to_first_audio_ms", "start_to_voice_started_ms", "session_warm_ms",
              "vad_end_lag_ms", "server_wait_ms", "cue_wait_ms", "after_wait_ms", "speech_end_to_final_ms",
              "final_compute_ms", "decision_to_voice_started_ms", "voice_started_to_first_audio_ms",
              "replay_hold_ms", "replay_stop_ms", "replay_acoustic_stop_ms", "hold_lag_ms", "replay_barge_in_ms",
              "barge_in_decision_ms", "barge_in_audio_after_onset_ms"):
        stats[k] = percentiles([t.get(k) for t in turns])
    for kind, followup in (("followup", True), ("next_question", False)):
        stats[f"decision_to_first_audio_ms.{kind}"] = percentiles(
            [t.get("decision_to_first_audio_ms") for t in turns if t.get("reply_followup") is followup])
    barged = [t["barge_answer"] for t in turns if t.get("barge_answer")]
    for k in ("reply_first_audio_ms", "decision_to_first_audio_ms", "end_of_answer_wait_ms"):
        stats[f"barge_answer.{k}"] = percentiles([b.get(k) for b in barged])
    reasons: dict[str, int] = {}
    for t in turns:
        reasons[str(t.get("barge_in_reason"))] = reasons.get(str(t.get("barge_in_reason")), 0) + 1
    summary = {
        "turns": len(turns),
        "reply_first_audio_ms": {k: stats["reply_first_audio_ms"][k] for k in ("p50", "p95")},
        "decision_to_first_audio_ms": {k: stats["decision_to_first_audio_ms"][k] for k in ("p50", "p95")},
        "end_of_answer_wait_ms": {"p50": stats["end_of_answer_wait_ms"]["p50"]},
        "barge_in_stop_ms": {k: stats["barge_in_stop_ms"][k] for k in ("p50", "p95")},
        "tts_rtf": tts.get("tts_rtf"),
        # Counts: turns whose reply came with audio; barge-ins she did not stop for (null
        # barge_in_stop_ms, reasons below); decisions taken while the candidate still had speech
        # to come (answers and answers given over her voice).
        "replied_with_audio": sum(1 for t in turns if t.get("reply_first_audio_ms") is not None),
        "barge_in_not_stopped": sum(1 for t in turns if t.get("barge_in_stop_ms") is None and _barged(t)),
        # No barge-in was tried: no reply of hers to interrupt (the answer never ended, or its
        # remainder was not heard), or a recording the judge finds no speech in.
        "barge_in_not_tried": sum(1 for t in turns if not _barged(t)),
        "barge_in_reasons": reasons,
        "cut_offs": sum(1 for t in turns if t.get("cut_off")) + sum(1 for b in barged if b.get("cut_off")),
    }
    return summary, stats


def _barged(turn: dict[str, Any]) -> bool:
    """Whether the recording was played over her voice (whatever came of it)."""
    return turn.get("barge_in_reason") not in (None, "no reply to interrupt", "no speech in the recording")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def print_summary(console: Console, summary: dict[str, Any], stats: dict[str, Any], turns: list[dict[str, Any]],
                  tts: dict[str, Any]) -> None:
    table = Table(title="Nova, practice mode (ms, client clock, answers played in real time over the WebSocket)")
    for col in ("metric", "p50", "p95", "n", "target p50 / p95"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for key, (t50, t95) in TARGETS.items():
        p = stats[key]
        verdict = ""
        if t50 is not None or t95 is not None:
            ok = (t50 is None or (p["p50"] is not None and p["p50"] <= t50)) and (
                t95 is None or (p["p95"] is not None and p["p95"] <= t95))
            target = " / ".join("—" if t is None else f"≤ {t:.0f}" for t in (t50, t95))
            verdict = f"{target} {'[green]met[/]' if ok else '[red]missed[/]'}"
        table.add_row(f"[bold]{key}[/]", _fmt(p["p50"]), _fmt(p["p95"]), str(p["n"]), verdict)
    for title, keys in STAGES:
        table.add_row(f"[dim]{title}[/]", "", "", "", "")
        for key in keys:
            p = stats[key]
            table.add_row(f"  {escape(key)}", _fmt(p["p50"]), _fmt(p["p95"]), str(p["n"]), "")
    console.print(table)
    console.print(
        f"turns {summary['turns']} · replied with audio {summary['replied_with_audio']} · barge-in reasons "
        f"{summary['barge_in_reasons']} (not stopped: {summary['barge_in_not_stopped']}, not tried: "
        f"{summary['barge_in_not_tried']}) · cut-offs "
        f"{summary['cut_offs']} · TTS {tts.get('engine')}: synthesis time / audio = {summary['tts_rtf']} "
        f"({tts.get('sentences')} sentences in this process, first audio median {tts.get('first_audio_ms_median')} ms)"
    )
    per = Table(title="per recording (ms)")
    for col in ("file", "reply", "dec→audio", "wait", "srv wait", "cue", "stop", "barge", "Nova's reply"):
        per.add_column(col, overflow="fold",
                       justify="left" if col in ("file", "cue", "barge", "Nova's reply") else "right")
    for t in turns:
        per.add_row(escape(t["file"][:24]), _fmt(t.get("reply_first_audio_ms")),
                    _fmt(t.get("decision_to_first_audio_ms")),
                    _fmt(t.get("end_of_answer_wait_ms")), _fmt(t.get("server_wait_ms")), str(t.get("cue")),
                    _fmt(t.get("barge_in_stop_ms")), str(t.get("barge_in_reason")),
                    escape((t.get("reply_text") or t.get("error") or "")[:40]))
    console.print(per)


def _code_fingerprint() -> dict[str, str]:
    """Short hashes of the modules the measures depend on (they change; say which ran)."""
    import hashlib

    import firstword

    root = Path(firstword.__file__).parent
    names = ("pipeline/practice.py", "pipeline/voice_out.py", "endpointing/barge_in.py",
             "endpointing/interviewer.py", "speech/front_end.py", "config.py")
    return {n: hashlib.sha1((root / n).read_bytes()).hexdigest()[:12] for n in names if (root / n).is_file()}


def run(
    corpus_dir: Path,
    json_out: Path | None,
    *,
    url: str | None = None,
    limit: int | None = None,
    per_session: int = PER_SESSION,
    console: Console | None = None,
) -> dict[str, Any]:
    console = console or Console()
    entries = read_manifest(corpus_dir)[: limit or None]
    started = time.time()
    recordings = [load_recording(corpus_dir / e["file"]) for e in entries]
    # The judges first (Whisper word times, Silero): before the server runs, so nothing competes.
    judges = offline_pass(corpus_dir, entries, recordings, console, with_wer=False).judges
    items = list(zip(entries, recordings, judges))
    if url is None:
        with console.status("starting the server (embedded engines) on loopback"):
            server = ServerProcess().__enter__()
        try:
            turns = asyncio.run(_stream_all(server.url, items, console, per_session))
        finally:
            server.__exit__()
    else:
        turns = asyncio.run(_stream_all(url, items, console, per_session))
    # After the server has stopped (nothing competes): the detector replayed, the voice's speed.
    with console.status("replaying the barge-in detector offline"):
        replay_all(turns)
    with console.status("TTS speed with the server's engine"):
        tts = measure_tts_rtf()
    summary, stats = summarise(turns, tts)
    out = {
        "summary": summary,
        "turns": turns,
        "stats": stats,
        "tts": tts,
        "meta": {
            "corpus": str(corpus_dir),
            "files": len(entries),
            "per_session": per_session,
            "barge_delay_s": BARGE_DELAY_S,
            "barge_preroll_s": BARGE_PREROLL_S,
            "server": url or "started by the bench (embedded engines)",
            "code": _code_fingerprint(),
            "cpu_count": os.cpu_count(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "duration_s": round(time.time() - started, 1),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        },
    }
    print_summary(console, summary, stats, turns, tts)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(out, indent=2))
        console.print(f"wrote {json_out}")
    return out
