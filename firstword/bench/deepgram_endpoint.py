"""Which ends a turn sooner on the same audio: Deepgram's endpointing or the local VAD?

Each recording is played in real time, in 20-ms frames, to a Deepgram live URL (with
``stt.deepgram``'s endpointing_ms and utterance_end_ms) and, frame by frame, to the local
endpointer (the configured VAD and ``endpointing``'s turn policy). Turns are the local
endpointer's (SpeechStarted to SpeechEnded); Deepgram's ``speech_final`` results and
``UtteranceEnd`` messages are given to the turn their last word falls in. Per turn it reports, in
seconds from the start of the recording:

- ``speech_end_s``: the local endpointer's end of voice (its last voiced sample);
- ``local_end_s``: when the local endpointer ended the turn (its SpeechEnded, audio time: the
  VAD runs in-process, so audio time is its wall time);
- ``deepgram_speech_final_s`` / ``deepgram_utterance_end_s``: when Deepgram's last speech_final
  and first UtteranceEnd of the turn *arrived*, wall time since the first frame was sent, so the
  network and Deepgram's processing count, as they would in a session;
- ``deepgram_speech_finals``: how many speech_finals fell in the turn (more than one: Deepgram
  ended the turn at a pause the local endpointer waited through);
- ``sooner``: "deepgram" or "local", by the earlier of Deepgram's two ends against the local one.

It needs a Deepgram account for real answers: ``run(corpus, url="wss://api.deepgram.com",
key=...)``. Against ``firstword.stt.deepgram.fake_server`` (the tests) it only shows that the
harness works: the fake's endpointing is a silence timer, not Deepgram's model. The key is used
for the connection only; it is not in the report.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import SecretStr

from firstword.audio.format import FRAME_SAMPLES, SAMPLE_RATE, float32_to_pcm16, ms_to_samples
from firstword.config import DeepgramConfig, EndpointingConfig
from firstword.endpointing.base import SpeechEnded, SpeechStarted, VoiceActivityModel
from firstword.endpointing.endpointer import Endpointer

# Silence played after each recording so that both endpointers can end its last turn: Deepgram's
# UtteranceEnd needs utterance_end_ms (1 s by default) after the last word, plus the network.
TRAILING_SILENCE_MS = 2500
# After the last frame, Deepgram's last messages are waited for this long (CloseStream answers
# with the remaining results and Metadata, then closes).
CLOSE_WAIT_S = 5.0


@dataclass
class TurnEnds:
    turn: int
    speech_start_s: float
    speech_end_s: float
    local_end_s: float
    deepgram_speech_final_s: float | None = None
    deepgram_utterance_end_s: float | None = None
    deepgram_last_word_end_s: float | None = None
    deepgram_speech_finals: int = 0
    deepgram_text: str = ""

    @property
    def deepgram_end_s(self) -> float | None:
        ends = [t for t in (self.deepgram_speech_final_s, self.deepgram_utterance_end_s) if t is not None]
        return min(ends) if ends else None

    def as_dict(self) -> dict[str, Any]:
        row = asdict(self)
        end = self.deepgram_end_s
        row["deepgram_end_s"] = end
        row["deepgram_minus_local_ms"] = None if end is None else round((end - self.local_end_s) * 1000, 1)
        row["sooner"] = None if end is None else ("deepgram" if end < self.local_end_s else "local")
        return row


@dataclass
class _Heard:
    """A Deepgram endpoint: where its last word ended (audio s) and when it arrived (wall s)."""

    kind: str
    word_end_s: float
    arrived_s: float
    text: str = ""


@dataclass
class FileReport:
    file: str
    duration_s: float
    turns: list[TurnEnds] = field(default_factory=list)
    deepgram_request_id: str = ""
    unmatched_deepgram_ends: int = 0  # Deepgram ends in no local turn (noise it heard as speech)


def recordings(corpus: Path | str | Sequence[Path | str]) -> list[Path]:
    """A directory's recordings (manifest.jsonl's order when it has one, else *.wav sorted), a
    single file, or a list of files."""
    if isinstance(corpus, (str, Path)):
        path = Path(corpus)
        if path.is_file():
            return [path]
        manifest = path / "manifest.jsonl"
        if manifest.is_file():
            names = [json.loads(line)["file"] for line in manifest.read_text().splitlines() if line.strip()]
            return [path / name for name in names if (path / name).is_file()]
        return sorted(path.glob("*.wav"))
    return [Path(p) for p in corpus]


async def measure_file(
    audio: np.ndarray,
    name: str,
    *,
    deepgram: DeepgramConfig,
    key: SecretStr,
    endpointing: EndpointingConfig,
    vad: VoiceActivityModel,
    speed: float = 1.0,
) -> FileReport:
    """Play ``audio`` to Deepgram and to the local endpointer at once; ``speed`` > 1 plays faster
    than real time (for tests against the fake only: Deepgram's timing is real time)."""
    from firstword.stt.deepgram.live import DeepgramLive, Results, StreamMetadata, UtteranceEnd

    audio = np.concatenate([audio, np.zeros(ms_to_samples(TRAILING_SILENCE_MS), dtype=np.float32)])
    endpointer = Endpointer(vad, endpointing)
    starts: list[int] = []
    ends: list[SpeechEnded] = []
    heard: list[_Heard] = []
    report = FileReport(file=name, duration_s=round(len(audio) / SAMPLE_RATE, 3))
    live = DeepgramLive(deepgram, key)
    frame_s = FRAME_SAMPLES / SAMPLE_RATE
    async with live.connect() as conn:
        began = time.monotonic()

        def wall() -> float:
            return (time.monotonic() - began) * speed

        async def listen() -> None:
            async for message in conn.messages():
                if isinstance(message, Results) and message.speech_final and message.words:
                    text = " ".join(w.text for w in message.words)
                    heard.append(_Heard("speech_final", message.words[-1].end_s, wall(), text))
                elif isinstance(message, Results) and message.is_final and message.words:
                    heard.append(_Heard("final", message.words[-1].end_s, wall(),
                                        " ".join(w.text for w in message.words)))
                elif isinstance(message, UtteranceEnd):
                    heard.append(_Heard("utterance_end", message.last_word_end_s, wall()))
                elif isinstance(message, StreamMetadata):
                    report.deepgram_request_id = message.request_id

        listener = asyncio.get_running_loop().create_task(listen())
        try:
            for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
                # A frame leaves when its last sample has been "recorded", as from a microphone;
                # paced to the recording's clock, not the previous frame, so late sends catch up.
                due = began + (i // FRAME_SAMPLES + 1) * frame_s / speed
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                frame = audio[i : i + FRAME_SAMPLES]
                await conn.send_audio(float32_to_pcm16(frame))
                for event in endpointer.push(frame):
                    if isinstance(event, SpeechStarted):
                        starts.append(event.speech_start_sample)
                    elif isinstance(event, SpeechEnded):
                        ends.append(event)
            await conn.close_stream()
            await asyncio.wait({listener}, timeout=CLOSE_WAIT_S)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
    report.turns, report.unmatched_deepgram_ends = _turns(starts, ends, heard)
    return report


def _turns(starts: list[int], ends: list[SpeechEnded], heard: list[_Heard]) -> tuple[list[TurnEnds], int]:
    turns = [
        TurnEnds(i, round(start / SAMPLE_RATE, 3), round(end.speech_end_sample / SAMPLE_RATE, 3),
                 round(end.at_sample / SAMPLE_RATE, 3))
        for i, (start, end) in enumerate(zip(starts, ends, strict=False))
    ]
    unmatched = 0
    for h in heard:
        # The turn the last word belongs to: the last one that had started by then (a word may
        # end a little after the local end of voice; Deepgram's word times are its own).
        owner = None
        for turn in turns:
            if turn.speech_start_s <= h.word_end_s + 0.1:
                owner = turn
        if owner is None:
            if h.kind != "final":
                unmatched += 1
            continue
        if h.kind in ("speech_final", "final"):
            owner.deepgram_text = " ".join(t for t in (owner.deepgram_text, h.text) if t)
        if h.kind == "speech_final":
            owner.deepgram_speech_finals += 1
            owner.deepgram_speech_final_s = round(h.arrived_s, 3)
            owner.deepgram_last_word_end_s = round(h.word_end_s, 3)
        elif h.kind == "utterance_end" and owner.deepgram_utterance_end_s is None:
            owner.deepgram_utterance_end_s = round(h.arrived_s, 3)
            owner.deepgram_last_word_end_s = owner.deepgram_last_word_end_s or round(h.word_end_s, 3)
    return turns, unmatched


def summarize(files: list[FileReport]) -> dict[str, Any]:
    turns = [t for f in files for t in f.turns]
    both = [t for t in turns if t.deepgram_end_s is not None]
    return {
        "turns": len(turns),
        "turns_deepgram_ended": len(both),
        "deepgram_sooner": sum(1 for t in both if (t.deepgram_end_s or 0) < t.local_end_s),
        "local_sooner": sum(1 for t in both if (t.deepgram_end_s or 0) >= t.local_end_s),
        # Delay from the local end of voice, ms, median over the turns both ended.
        "local_end_after_voice_ms_p50": _median([(t.local_end_s - t.speech_end_s) * 1000 for t in both]),
        "deepgram_end_after_voice_ms_p50": _median([((t.deepgram_end_s or 0) - t.speech_end_s) * 1000 for t in both]),
        "deepgram_minus_local_ms_p50": _median([((t.deepgram_end_s or 0) - t.local_end_s) * 1000 for t in both]),
        "deepgram_turns_with_early_speech_final": sum(1 for t in turns if t.deepgram_speech_finals > 1),
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def measure(
    corpus: Path | str | Sequence[Path | str],
    url: str,
    key: str | SecretStr,
    *,
    deepgram: DeepgramConfig | None = None,
    endpointing: EndpointingConfig | None = None,
    vad_factory: Callable[[], VoiceActivityModel] | None = None,
    speed: float = 1.0,
) -> dict[str, Any]:
    from firstword.audio.recording import load_recording

    secret = key if isinstance(key, SecretStr) else SecretStr(key)
    dg = (deepgram or DeepgramConfig()).model_copy(update={"url": url})
    ep = endpointing or EndpointingConfig()
    if vad_factory is None:
        from firstword.endpointing.factory import create_vad_factory

        vad_factory = create_vad_factory(ep)
    files: list[FileReport] = []
    for path in recordings(corpus):
        files.append(await measure_file(load_recording(path), path.name, deepgram=dg, key=secret,
                                        endpointing=ep, vad=vad_factory(), speed=speed))
    return {
        "url": url,
        "model": dg.model,
        "deepgram_endpointing_ms": dg.endpointing_ms,
        "deepgram_utterance_end_ms": dg.utterance_end_ms,
        "local_vad": ep.engine,
        "local_end_silence_ms": ep.end_silence_ms,
        "speed": speed,
        "summary": summarize(files),
        "files": [
            {"file": f.file, "duration_s": f.duration_s, "deepgram_request_id": f.deepgram_request_id,
             "unmatched_deepgram_ends": f.unmatched_deepgram_ends, "turns": [t.as_dict() for t in f.turns]}
            for f in files
        ],
    }


def run(
    corpus: Path | str | Sequence[Path | str],
    url: str,
    key: str | SecretStr,
    *,
    json_out: Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """``measure`` from synchronous code (a CLI command); writes the report to ``json_out``."""
    report = asyncio.run(measure(corpus, url, key, **options))
    if json_out is not None:
        json_out.write_text(json.dumps(report, indent=2) + "\n")
    return report
