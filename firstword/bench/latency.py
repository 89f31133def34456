"""``firstword bench latency``: end of speech → first word on screen, over real recordings.

Every recording in ``manifest.jsonl`` is played in real time (20 ms frames at wall-clock pace)
through the server's real WebSocket on loopback, followed by silence; the server runs in its own
process, as it would in use. All instants are this (the feeding) process's monotonic clock:

* ``speech_end``: when the frame holding the turn's last voiced sample was sent. The last voiced
  sample is judged after the run, independently of the endpointer under test: the median of an
  energy measure, Whisper's word timestamps and offline Silero (``bench.speech_end``).
* ``vad_end``: when the client received the turn's ``speech.ended`` that preceded its kept answer.
* ``first_word``: when the client received the first non-blank text of the turn's *kept* answer
  (an early answer that was shown and then cancelled as wrong does not count as a first word; one
  stopped because the next question's answer started does: it was the turn's answer).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from firstword.audio.format import SAMPLE_RATE
from firstword.audio.recording import load_recording
from firstword.bench.committed_lag import CommittedLag, TimedWord, record_lag
from firstword.bench.server_process import ServerProcess
from firstword.bench.speech_end import SpeechEndJudge, silero_regions, word_spans
from firstword.client import FirstwordClient, StreamRecord
from firstword.events import (
    AnswerCancelled,
    AnswerDelta,
    AnswerStarted,
    AnswerTrigger,
    CancelReason,
    EventType,
    SpeechEnded,
    TranscriptFinal,
    TurnLatency,
    standing_finals,
)
from firstword.stt.textnorm import corpus_wer


@dataclass
class TurnResult:
    file: str
    turn: int
    transcript: str
    answer_head: str
    trigger: str | None
    e2e_first_word_ms: float | None
    vad_to_first_word_ms: float | None
    endpoint_delay_ms: float | None
    stt_final_ms: float | None
    llm_ttft_ms: float | None
    speech_end_s: float
    # The judge's three estimates of speech_end (seconds into the recording).
    speech_end_estimates: dict[str, float | None]
    answers_cancelled: int
    # Early answers (speculative, interim) of this turn that were shown and then cancelled
    # because the speaker went on or the final transcript changed the question.
    early_cancelled_shown: int = 0


@dataclass
class FileResult:
    file: str
    reference: str | None
    finals: list[str]
    turns: list[TurnResult]
    early_kept: int
    early_cancelled: int
    errors: list[dict[str, Any]]
    timed_out: bool
    # Spoken word → committed on the client (bench.committed_lag), ms per committed word.
    committed_lag_ms: list[float] = field(default_factory=list)
    uncommitted_words: int = 0


def read_manifest(corpus_dir: Path) -> list[dict[str, Any]]:
    manifest = corpus_dir / "manifest.jsonl"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest} not found: a corpus directory needs a manifest.jsonl")
    entries = []
    for number, line in enumerate(manifest.read_text().splitlines(), 1):
        if not line.strip():
            continue
        entry = json.loads(line)
        if "file" not in entry:
            raise ValueError(f"{manifest}:{number}: each line needs a \"file\"")
        entries.append({"file": entry["file"], "reference": entry.get("reference")})
    return entries


# An answer cancelled for one of these reasons was wrong and is not the turn's answer.
WRONG_ANSWER = (CancelReason.SPEAKER_CONTINUED, CancelReason.TRANSCRIPT_CHANGED, CancelReason.ERROR)


def analyse(
    file: str, reference: str | None, judge: SpeechEndJudge, record: StreamRecord,
    words: list[TimedWord] | None = None,
) -> FileResult:
    by_turn: dict[int, list[Any]] = {}
    for received in record.events:
        if received.event.turn is not None:
            by_turn.setdefault(received.event.turn, []).append(received)
    finals = [t for e in standing_finals(r.event for r in record.events) if (t := e.payload(TranscriptFinal).text)]
    cancelled_early = 0
    started_trigger: dict[int, AnswerTrigger] = {}
    for r in record.of_type(EventType.ANSWER_STARTED):
        started = r.event.payload(AnswerStarted)
        started_trigger[started.answer_id] = started.trigger
    for r in record.of_type(EventType.ANSWER_CANCELLED):
        cancelled = r.event.payload(AnswerCancelled)
        trig = started_trigger.get(cancelled.answer_id)
        if trig != AnswerTrigger.FINAL and cancelled.reason in (
            CancelReason.SPEAKER_CONTINUED, CancelReason.TRANSCRIPT_CHANGED
        ):
            cancelled_early += 1
    turns: list[TurnResult] = []
    early_kept = 0
    for turn_id, events in sorted(by_turn.items()):
        turns_result = _turn(file, turn_id, events, judge, record)
        if turns_result is None:
            continue
        if turns_result.trigger in (AnswerTrigger.SPECULATIVE, AnswerTrigger.INTERIM):
            early_kept += 1
        turns.append(turns_result)
    lag = record_lag(words, record) if words else None
    return FileResult(
        file, reference, finals, turns, early_kept, cancelled_early, record.errors, record.timed_out,
        committed_lag_ms=lag.lags_ms if lag else [], uncommitted_words=lag.uncommitted if lag else 0,
    )


def _turn(
    file: str, turn_id: int, events: list[Any], judge: SpeechEndJudge, record: StreamRecord
) -> TurnResult | None:
    cancelled = {
        p.answer_id
        for r in events
        if r.event.type == EventType.ANSWER_CANCELLED
        and (p := r.event.payload(AnswerCancelled)).reason in WRONG_ANSWER
    }
    starts = [(r, r.event.payload(AnswerStarted)) for r in events if r.event.type == EventType.ANSWER_STARTED]
    early_shown = {p.answer_id for _, p in starts if p.trigger in (AnswerTrigger.SPECULATIVE, AnswerTrigger.INTERIM)}
    taken_back = {
        p.answer_id
        for r in events
        if r.event.type == EventType.ANSWER_CANCELLED
        and (p := r.event.payload(AnswerCancelled)).reason in (CancelReason.SPEAKER_CONTINUED, CancelReason.TRANSCRIPT_CHANGED)
    }
    early_cancelled_shown = len(early_shown & taken_back)
    kept = next(((r, p) for r, p in reversed(starts) if p.answer_id not in cancelled), None)
    transcript = " ".join(e.payload(TranscriptFinal).text for e in standing_finals(r.event for r in events)).strip()
    if not transcript and kept is None:
        return None  # noise that opened a turn but held no words
    ended = [r for r in events if r.event.type == EventType.SPEECH_ENDED]
    if kept is not None:
        ended = [r for r in ended if r.event.seq < kept[0].event.seq] or ended
    if not ended:
        return None
    vad = ended[-1]
    vad_payload = vad.event.payload(SpeechEnded)
    vad_sample = int(vad_payload.audio_ms * SAMPLE_RATE / 1000)
    judged = judge.before(vad_sample)
    if judged is not None:
        voiced_end = judged.sample
        estimates = {k: None if v is None else round(v / SAMPLE_RATE, 3) for k, v in judged.estimates.items()}
    else:  # no judge found speech before the endpoint: take the endpointer's own word for it
        voiced_end = int(vad_payload.speech_end_audio_ms * SAMPLE_RATE / 1000)
        estimates = {}
    speech_end_at = record.sent_at_sample(voiced_end)
    finals_before = [r for r in events if r.event.type == EventType.TRANSCRIPT_FINAL and r.event.seq > vad.event.seq]
    latency = next((r.event.payload(TurnLatency) for r in events if r.event.type == EventType.TURN_LATENCY), None)
    first_word_at = None
    answer_text = ""
    trigger = None
    if kept is not None:
        answer_id = kept[1].answer_id
        trigger = kept[1].trigger.value
        for r in events:
            if r.event.type == EventType.ANSWER_DELTA:
                delta = r.event.payload(AnswerDelta)
                if delta.answer_id != answer_id:
                    continue
                answer_text += delta.text
                if first_word_at is None and delta.text.strip():
                    first_word_at = r.at
    return TurnResult(
        file=file,
        turn=turn_id,
        transcript=transcript,
        answer_head=answer_text.strip()[:100],
        trigger=trigger,
        e2e_first_word_ms=_ms(first_word_at, speech_end_at),
        vad_to_first_word_ms=_ms(first_word_at, vad.at),
        endpoint_delay_ms=_ms(vad.at, speech_end_at),
        stt_final_ms=_ms(finals_before[0].at, speech_end_at) if finals_before else None,
        llm_ttft_ms=latency.llm_ttft_ms if latency is not None else None,
        speech_end_s=round(voiced_end / SAMPLE_RATE, 3),
        speech_end_estimates=estimates,
        answers_cancelled=latency.answers_cancelled if latency is not None else 0,
        early_cancelled_shown=early_cancelled_shown,
    )


def _ms(later: float | None, earlier: float | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier) * 1000, 1)


def percentiles(values: list[float | None]) -> dict[str, float | None]:
    clean = sorted(v for v in values if v is not None)
    if not clean:
        return {"p50": None, "p95": None, "n": 0}
    return {
        "p50": round(float(np.percentile(clean, 50)), 1),
        "p95": round(float(np.percentile(clean, 95)), 1),
        "mean": round(statistics.fmean(clean), 1),
        "max": round(clean[-1], 1),
        "n": len(clean),
    }


async def _stream_all(
    url: str, corpus_dir: Path, entries: list[dict[str, Any]], console: Console, realtime: bool
) -> list[tuple[np.ndarray, StreamRecord]]:
    client = FirstwordClient(url)
    results: list[tuple[np.ndarray, StreamRecord]] = []
    try:
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=console, transient=False,
        ) as progress:
            task = progress.add_task("feeding recordings in real time", total=len(entries))
            for entry in entries:
                progress.update(task, description=f"{entry['file'][:48]}")
                samples = load_recording(corpus_dir / entry["file"])
                session = await client.create_session()
                record = await client.stream(session, samples, realtime=realtime)
                await client.close_session(session)
                results.append((samples, record))
                progress.advance(task)
    finally:
        await client.aclose()
    return results


@dataclass
class OfflinePass:
    """What the model's ordinary path says about each file, computed after the server stopped."""

    judges: list[SpeechEndJudge]
    wer: dict[str, float | None]
    # Each file's spoken words with their end times (for the committed-text lag).
    words: list[list[TimedWord]] = field(default_factory=list)


def offline_pass(
    corpus_dir: Path,
    entries: list[dict[str, Any]],
    recordings: list[np.ndarray],
    console: Console,
    *,
    with_wer: bool = True,
) -> OfflinePass:
    """Speech-end judges for every file and the WER of Whisper's 30-s path, for comparison.

    The WER baseline is transcribed without word timestamps (they change how faster-whisper
    seeks through long files); the judge's word ends come from a second pass with them.
    """
    from firstword.config import load_settings
    from firstword.stt.whisper_ct2 import WhisperCt2Engine

    engine = WhisperCt2Engine(load_settings().stt)
    pairs: list[tuple[str, str]] = []
    per_file: dict[str, float | None] = {}
    judges: list[SpeechEndJudge] = []
    timed_words: list[list[TimedWord]] = []
    with console.status("offline pass: speech-end judge and the 30-s path's WER"):
        for entry, audio in zip(entries, recordings):
            timed = engine.decode_offline(audio, word_timestamps=True)
            judges.append(SpeechEndJudge(audio, word_spans(timed.word_times), silero_regions(audio)))
            timed_words.append([TimedWord(w, end) for w, (_, end) in zip(timed.words, timed.word_times)])
            if with_wer and entry["reference"] is not None:
                text = engine.decode_offline(audio).text
                pairs.append((entry["reference"], text))
                per_file[entry["file"]] = round(corpus_wer([(entry["reference"], text)]), 4)
    per_file["__corpus__"] = round(corpus_wer(pairs), 4) if pairs else None
    return OfflinePass(judges, per_file, timed_words)


def summarise(results: list[FileResult], offline: dict[str, float | None]) -> dict[str, Any]:
    turns = [t for r in results for t in r.turns]
    pairs = [(r.reference, " ".join(r.finals)) for r in results if r.reference is not None]
    wer_streaming = round(corpus_wer(pairs), 4) if pairs else None
    answered = [t for t in turns if t.e2e_first_word_ms is not None]
    trig: dict[str, int] = {}
    for t in answered:
        trig[str(t.trigger)] = trig.get(str(t.trigger), 0) + 1
    return {
        "e2e_first_word_ms": percentiles([t.e2e_first_word_ms for t in turns]),
        "committed_lag_ms": _lag_summary([lag for r in results for lag in r.committed_lag_ms],
                                         sum(r.uncommitted_words for r in results)),
        "vad_to_first_word_ms": percentiles([t.vad_to_first_word_ms for t in turns]),
        "endpoint_delay_ms": percentiles([t.endpoint_delay_ms for t in turns]),
        "stt_final_ms": percentiles([t.stt_final_ms for t in turns]),
        "llm_ttft_ms": percentiles([t.llm_ttft_ms for t in turns]),
        "wer_streaming": wer_streaming,
        "wer_offline": offline.get("__corpus__"),
        "turns": len(turns),
        "answered_turns": len(answered),
        "early_kept": sum(r.early_kept for r in results),
        "early_cancelled": sum(r.early_cancelled for r in results),
        # Shown, then taken back: what makes a screen restless. Per turn is the figure to watch.
        "early_cancelled_shown": sum(t.early_cancelled_shown for t in turns),
        "early_cancelled_shown_per_turn": round(sum(t.early_cancelled_shown for t in turns) / len(turns), 3)
        if turns else None,
        "triggers": trig,
        "files": len(results),
        "timed_out_files": [r.file for r in results if r.timed_out],
        "client_errors": sum(len(r.errors) for r in results),
    }


def _lag_summary(lags: list[float], uncommitted: int) -> dict[str, float | int | None]:
    return CommittedLag(lags, uncommitted).summary()


def print_summary(console: Console, summary: dict[str, Any], results: list[FileResult]) -> None:
    table = Table(title="firstword latency (ms, client clock, real-time feed over WebSocket)")
    for col in ("metric", "p50", "p95", "n"):
        table.add_column(col, justify="right" if col != "metric" else "left")
    for key in ("e2e_first_word_ms", "vad_to_first_word_ms", "endpoint_delay_ms", "stt_final_ms", "llm_ttft_ms"):
        p = summary[key]
        table.add_row(key, _fmt(p.get("p50")), _fmt(p.get("p95")), str(p.get("n", 0)))
    lag = summary["committed_lag_ms"]
    table.add_row("committed_lag_ms (p50 / p90 / max)", _fmt(lag.get("p50")), f"{_fmt(lag.get('p90'))} / {_fmt(lag.get('max'))}",
                  str(lag.get("n", 0)))
    console.print(table)
    console.print(
        f"WER streaming {summary['wer_streaming']}  offline {summary['wer_offline']}  · turns {summary['turns']} "
        f"(answered {summary['answered_turns']}) · early kept {summary['early_kept']} · early answers shown then "
        f"cancelled {summary['early_cancelled_shown']} ({summary['early_cancelled_shown_per_turn']} per turn) · "
        f"triggers {summary['triggers']}"
    )
    per_file = Table(title="per turn")
    for col in ("file", "turn", "e2e", "vad→word", "trigger", "shown+cancelled", "transcript"):
        per_file.add_column(col, overflow="fold")
    for r in results:
        for t in r.turns:
            per_file.add_row(r.file[:28], str(t.turn), _fmt(t.e2e_first_word_ms), _fmt(t.vad_to_first_word_ms),
                             str(t.trigger), str(t.early_cancelled_shown), t.transcript[:60])
    console.print(per_file)


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


@dataclass(frozen=True, slots=True)
class Variant:
    """A named server configuration to compare: ``name:section.field=value,...``."""

    name: str
    settings: dict[str, str]

    @property
    def env(self) -> dict[str, str]:
        return {"FIRSTWORD_" + key.upper().replace(".", "__"): value for key, value in self.settings.items()}


def parse_variant(text: str) -> Variant:
    """``today:endpointing.turn_end.policy=semantic`` -> Variant("today", {...}); a bare name with
    no settings is the defaults."""
    name, _, rest = text.partition(":")
    if not name.strip():
        raise ValueError(f"variant {text!r} needs a name before ':'")
    settings: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"variant {text!r}: {item!r} is not section.field=value")
        settings[key.strip()] = value.strip()
    return Variant(name.strip(), settings)


def run(
    corpus_dir: Path,
    json_out: Path | None,
    *,
    url: str | None = None,
    limit: int | None = None,
    realtime: bool = True,
    wer_offline: bool = True,
    console: Console | None = None,
    variants: list[Variant] | None = None,
    plot: Path | None = None,
) -> dict[str, Any]:
    """One pass over the corpus per variant (default: the server as configured), each on a
    server of its own started in turn; the speech-end judges and the offline WER are computed
    once, after the last server has stopped."""
    console = console or Console()
    entries = read_manifest(corpus_dir)[: limit or None]
    started = time.time()
    if url is not None and variants:
        raise ValueError("variants start servers of their own: not with --url")
    runs: list[tuple[Variant, list[tuple[np.ndarray, StreamRecord]]]] = []
    for variant in variants or [Variant("default", {})]:
        if url is None:
            with console.status(f"starting the server ({variant.name}) on loopback"):
                server = ServerProcess(env=variant.env).__enter__()
            try:
                streamed = asyncio.run(_stream_all(server.url, corpus_dir, entries, console, realtime))
            finally:
                server.__exit__()
        else:
            streamed = asyncio.run(_stream_all(url, corpus_dir, entries, console, realtime))
        runs.append((variant, streamed))
    # The offline pass runs after the server has stopped so it does not compete for the CPU.
    recordings = [samples for samples, _ in runs[0][1]]
    offline_result = offline_pass(corpus_dir, entries, recordings, console, with_wer=wer_offline)
    offline = offline_result.wer
    reports = []
    for variant, streamed in runs:
        results = [
            analyse(entry["file"], entry["reference"], judge, record, words)
            for entry, judge, words, (_, record) in zip(entries, offline_result.judges, offline_result.words, streamed)
        ]
        summary = summarise(results, offline)
        if len(runs) > 1:
            console.rule(f"variant {variant.name} {variant.settings or '(defaults)'}")
        print_summary(console, summary, results)
        reports.append({
            "name": variant.name,
            "settings": variant.settings,
            "summary": summary,
            "turns": [asdict(t) for r in results for t in r.turns],
            "files": [
                {"file": r.file, "finals": r.finals, "wer_offline": offline.get(r.file),
                 "wer_streaming": round(corpus_wer([(r.reference, " ".join(r.finals))]), 4) if r.reference else None,
                 "committed_lag_ms": _lag_summary(r.committed_lag_ms, r.uncommitted_words),
                 "errors": r.errors, "timed_out": r.timed_out}
                for r in results
            ],
        })
    out = {
        # The first variant's figures stay where a single run has always put them.
        "summary": reports[0]["summary"],
        "turns": reports[0]["turns"],
        "files": reports[0]["files"],
        **({"variants": reports} if len(reports) > 1 else {}),
        "meta": {
            "corpus": str(corpus_dir),
            "realtime": realtime,
            "cpu_count": os.cpu_count(),
            "duration_s": round(time.time() - started, 1),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        },
    }
    if len(reports) > 1:
        compare = Table(title="variants (same corpus, same run, one after the other)")
        for col in ("variant", "e2e p50", "e2e p95", "endpoint p50", "shown+cancelled / turn", "answered",
                    "committed lag p50 / p90"):
            compare.add_column(col, justify="left" if col == "variant" else "right")
        for r in reports:
            s = r["summary"]
            lag = s["committed_lag_ms"]
            compare.add_row(r["name"], _fmt(s["e2e_first_word_ms"].get("p50")), _fmt(s["e2e_first_word_ms"].get("p95")),
                            _fmt(s["endpoint_delay_ms"].get("p50")), str(s["early_cancelled_shown_per_turn"]),
                            f"{s['answered_turns']}/{s['turns']}", f"{_fmt(lag.get('p50'))} / {_fmt(lag.get('p90'))}")
        console.print(compare)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(out, indent=2))
        console.print(f"wrote {json_out}")
    if plot is not None:
        from firstword.bench.plots import latency_plot

        latency_plot(reports, plot, title=f"{corpus_dir.name}: {len(entries)} recordings in real time")
        console.print(f"wrote {plot}")
    return out
