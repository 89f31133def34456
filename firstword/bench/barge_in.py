"""``firstword bench barge-in``: the barge-in detector in simulated rooms, offline and repeatable.

Each recording of the corpus long enough to stand for a reply of Nova's (``NOVA_MIN_S``) is played
as her voice (sent as 22.05 kHz PCM16, as Piper's is) through ``Room``: a page that plays what
the server has sent and nothing more (on ``hold`` the server stops sending and the page plays
on what it holds, then falls silent; ``barge_in`` drops the rest), a loudspeaker whose echo
comes back attenuated, late and a little reverberant, and a microphone with noise. The runs:

- **echo**: her voice alone, at echo -10 and 0 dB (the browser's canceller leaves about -10; 0 is
  none at all), 40, 150 and 300 ms late, noise at -60 and -45 dBFS. Counted: runs where she was
  stopped (a false barge-in), runs with a hold, and the gap heard from holds (frames in which the
  page had run out of her audio before its end).
- **speech**: the next recording of the corpus (another speaker) talks over her 3 s in, at echo
  -10 dB and with no echo; and 0.75 s in (``early``: as in ``bench practice``, before her echo
  path has formed, when voice that follows her envelope is taken for echo). From the candidate's first voiced chunk (Silero >= 0.5): the hold
  (her frames stop: what ``bench practice`` calls ``barge_in_stop_ms``, less the network), when
  the page falls silent (what is heard), and the barge-in decision; and how many were stopped.
- **backchannel**: espeak-ng's "uh-huh", "mm-hm", "yeah", "okay", "right" over her at 3 s: false
  barge-ins, and the gap heard.
- **cough**: a broadband burst of 150/250 ms at -18 and -10 dBFS: holds and barge-ins.

Every ``--variant`` (detector settings, ``name=value,...`` of ``BargeInConfig``) runs over the
same rooms in the same process, so they compare as
ratios whatever the machine is doing; the numbers are audio time, not wall time, so the machine's
load changes nothing but how long the sweep takes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from firstword.audio.format import SAMPLE_RATE
from firstword.endpointing.barge_in import BargeInConfig, BargeInDetector, Decision

FRAME = 320  # the microphone's 20-ms frames
TTS_RATE = 22050  # her voice, as Piper's joe voice makes it
NOVA_MIN_S = 6.0  # a recording this long can stand for a reply of hers
NOVA_S = 8.0  # ... of which this much is played
USER_AT_S = 3.0  # the candidate (or the cough, the backchannel) starts this far into her reply
EARLY_AT_S = 0.75  # ... or, for the early barge-in, this far (the practice bench's)
RUN_AFTER_S = 3.0  # and the room runs this long after that
ECHO_DB = (-10.0, 0.0)
DELAYS_MS = (40.0, 150.0, 300.0)
NOISE_DB = (-60.0, -45.0)
BACKCHANNELS = ("uh-huh", "[[m@m'h@m]]", "yeah", "okay", "right")  # [[...]]: espeak phonemes, "mm-hm"
COUGHS = ((150.0, -18.0), (250.0, -18.0), (150.0, -10.0), (250.0, -10.0))


class Clock:
    """The detector's clock, advanced by the room a frame at a time."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def db_gain(db: float) -> float:
    return float(10 ** (db / 20))


def room_impulse(seed: int, rt60: float = 0.25) -> np.ndarray:
    """A direct path and a short, quiet reverberant tail (a laptop in a room)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(0.2 * SAMPLE_RATE)) / SAMPLE_RATE
    h = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60) * 0.05
    h[0] = 1.0
    return (h / np.sqrt((h**2).sum())).astype(np.float32)


class Room:
    """Nova's playback, the echo path, the candidate and the noise, frame by frame (module doc).

    The integrator's side is the practice pipeline's: her audio is sent ``lead_s`` ahead of what
    plays, in 100-ms pieces; ``hold`` stops sending, ``resume`` sends again, ``barge_in`` stops
    her and drops what the page holds (``stop_playback``)."""

    def __init__(
        self,
        nova: np.ndarray,  # her reply, 16 kHz (sent to the detector as 22.05 kHz PCM16)
        *,
        user: np.ndarray | None = None,
        user_at_s: float = 0.0,
        echo_db: float = -10.0,
        delay_ms: float = 80.0,
        noise_db: float = -60.0,
        seed: int = 0,
        config: BargeInConfig | None = None,
        transcript: str | None = None,
        lead_s: float = 0.2,
    ) -> None:
        import soxr

        self.clock = Clock()
        self.detector = BargeInDetector(config, clock=self.clock)
        self.nova16 = nova.astype(np.float32)
        self.nova22 = soxr.resample(nova, SAMPLE_RATE, TTS_RATE).astype(np.float32)
        self.user = user
        self.user_at = int(user_at_s * SAMPLE_RATE)
        self.echo_gain = db_gain(echo_db)
        self.delay = int(delay_ms * SAMPLE_RATE / 1000)
        self.noise = db_gain(noise_db)
        self.rng = np.random.default_rng(seed)
        self.rir = room_impulse(seed)
        self.transcript = transcript
        self.lead_s = lead_s
        self.played = np.zeros(0, np.float32)  # what left the loudspeaker, 16 kHz, frame by frame
        self.pos = 0  # her samples (16 kHz) played so far
        self.sent22 = 0  # her samples (22.05 kHz) sent so far
        self.paused = False  # held: nothing more is sent
        self.stopped = False
        self.frames = 0
        self.decisions: list[tuple[float, str]] = []
        # Frames in which the page had run out of her audio before its end (a hold heard as a gap).
        self.gaps = 0
        self.dry_at: float | None = None  # when the page first ran out of her audio early

    def _send_ahead(self) -> None:
        while (
            not self.stopped
            and self.sent22 < len(self.nova22)
            and self.sent22 / TTS_RATE <= self.pos / SAMPLE_RATE + self.lead_s
        ):
            piece = self.nova22[self.sent22 : self.sent22 + TTS_RATE // 10]
            self.detector.note_playback((np.clip(piece, -1, 1) * 32767).astype("<i2").tobytes(), TTS_RATE)
            self.sent22 += len(piece)

    def step(self) -> list[Decision]:
        out = np.zeros(FRAME, np.float32)
        if not self.stopped:
            if not self.paused:
                self._send_ahead()
            sent16 = min(len(self.nova16), int(self.sent22 * SAMPLE_RATE / TTS_RATE))
            take = max(0, min(FRAME, sent16 - self.pos))
            out[:take] = self.nova16[self.pos : self.pos + take]
            self.pos += take
            if take < FRAME and self.pos < len(self.nova16):
                self.gaps += 1
                if self.dry_at is None:
                    self.dry_at = round((self.frames + 1) * FRAME / SAMPLE_RATE, 3)
        self.played = np.concatenate([self.played, out])
        start = self.frames * FRAME
        end = start + FRAME
        self.frames += 1
        self.clock.t += FRAME / SAMPLE_RATE
        # The echo: what played `delay` ago, through the room, attenuated.
        lo = max(0, start - self.delay - len(self.rir))
        src = self.played[lo : max(lo, end - self.delay)]
        echo = np.convolve(src, self.rir)[: len(src)][-(FRAME):] if len(src) else np.zeros(0)
        mic = np.zeros(FRAME, np.float32)
        if len(echo):
            mic[FRAME - len(echo) :] += self.echo_gain * echo
        if self.user is not None and end > self.user_at:
            a = max(start, self.user_at) - self.user_at
            b = end - self.user_at
            seg = self.user[a:b]
            mic[FRAME - (b - a) : FRAME - (b - a) + len(seg)] += seg
        mic += (self.rng.standard_normal(FRAME) * self.noise).astype(np.float32)
        pcm = (np.clip(mic, -1, 1) * 32767).astype("<i2").tobytes()
        decisions = self.detector.feed_pcm(pcm)
        for d in decisions:
            self.act(d)
        return decisions

    def act(self, d: Decision) -> None:
        """What the integrator does with a decision."""
        self.decisions.append((round(self.frames * FRAME / SAMPLE_RATE, 3), d.value))
        if d is Decision.HOLD:
            self.paused = True
            if self.transcript is not None:
                follow = self.detector.note_transcript(self.transcript)
                if follow is not None:
                    self.act(follow)
        elif d is Decision.RESUME:
            self.paused = False
        elif d is Decision.BARGE_IN:
            self.stopped = True
            self.detector.stop_playback()

    def run(self, seconds: float) -> list[tuple[float, str]]:
        for _ in range(int(seconds * SAMPLE_RATE / FRAME)):
            self.step()
        return self.decisions


def voice_onset_s(x: np.ndarray) -> float | None:
    """The first 32-ms chunk Silero scores >= 0.5, in seconds (None: no voice)."""
    from firstword.endpointing.silero import score_array

    voiced = np.nonzero(score_array(x) >= 0.5)[0]
    return None if len(voiced) == 0 else float(voiced[0] * 512 / SAMPLE_RATE)


def cough(ms: float, seed: int, level_db: float) -> np.ndarray:
    """A cough: a broadband noise burst (250 Hz-4 kHz), 10 ms attack, 70 ms decay."""
    rng = np.random.default_rng(seed)
    n = int(ms * SAMPLE_RATE / 1000)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    spectrum[(f < 250) | (f > 4000)] = 0
    x = np.fft.irfft(spectrum, n)
    t = np.arange(n) / SAMPLE_RATE
    x *= np.minimum(t / 0.01, 1.0) * np.exp(-t / 0.07)
    return (x / np.sqrt(np.mean(x**2)) * db_gain(level_db)).astype(np.float32)


def espeak(text: str, directory: Path) -> np.ndarray:
    from firstword.audio.recording import load_recording

    path = directory / "say.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True, capture_output=True)
    return load_recording(path)


@dataclass(frozen=True, slots=True)
class Voices:
    novas: list[tuple[str, np.ndarray]]  # (file, her reply)
    candidates: list[tuple[str, np.ndarray, float]]  # (file, speech, onset s), one per nova
    backchannels: list[tuple[str, np.ndarray]]


def load_voices(corpus: Path, limit: int | None = None) -> Voices:
    from firstword.audio.recording import load_recording

    files = [json.loads(line)["file"] for line in (corpus / "manifest.jsonl").read_text().splitlines() if line.strip()]
    audio = {f: load_recording(corpus / f) for f in files}
    novas = [(f, x[: int(NOVA_S * SAMPLE_RATE)]) for f, x in audio.items() if len(x) >= NOVA_MIN_S * SAMPLE_RATE]
    novas = novas[:limit] if limit else novas
    candidates = []
    for i, (f, _) in enumerate(novas):
        other = files[(files.index(f) + 1) % len(files)]
        onset = voice_onset_s(audio[other])
        if onset is not None:
            candidates.append((other, audio[other], onset))
    backchannels: list[tuple[str, np.ndarray]] = []
    if shutil.which("espeak-ng") is not None:
        with tempfile.TemporaryDirectory() as tmp:
            backchannels = [(w, espeak(w, Path(tmp))) for w in BACKCHANNELS]
    return Voices(novas, candidates, backchannels)


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] * 1000, 1)


def sweep(voices: Voices, config: BargeInConfig, tick: Callable[[], None] = lambda: None) -> dict[str, Any]:
    """One detector configuration over every room (module doc); times in ms, audio time."""
    run_s = USER_AT_S + RUN_AFTER_S
    gap_s = FRAME / SAMPLE_RATE
    echo = {"runs": 0, "stopped": 0, "held": 0, "gap_ms": []}
    for i, (_, nova) in enumerate(voices.novas):
        for echo_db in ECHO_DB:
            for delay in DELAYS_MS:
                for noise in NOISE_DB:
                    room = Room(nova, echo_db=echo_db, delay_ms=delay, noise_db=noise, seed=i, config=config)
                    kinds = [d for _, d in room.run(len(nova) / SAMPLE_RATE + 1.0)]
                    echo["runs"] += 1
                    echo["stopped"] += "barge_in" in kinds
                    echo["held"] += "hold" in kinds
                    echo["gap_ms"].append(room.gaps * gap_s)
                    tick()
    speech = {"runs": 0, "stopped": 0, "hold_ms": [], "heard_stop_ms": [], "barge_in_ms": []}
    early = {"runs": 0, "stopped": 0, "hold_ms": [], "heard_stop_ms": [], "barge_in_ms": []}
    # Wall time per 32-ms chunk of a double-talk room (echo path, Silero, decisions), in seconds.
    cost: list[float] = []
    for i, ((_, nova), (_, user, onset)) in enumerate(zip(voices.novas, voices.candidates)):
        for user_at, echo_db, into in ((USER_AT_S, -10.0, speech), (USER_AT_S, -100.0, speech),
                                       (EARLY_AT_S, -10.0, early), (EARLY_AT_S, -100.0, early)):
            room = Room(nova, user=user, user_at_s=user_at, echo_db=echo_db, delay_ms=DELAYS_MS[i % 3],
                        seed=100 + i, config=config)
            started = time.perf_counter()
            decisions = room.run(user_at + RUN_AFTER_S)
            cost.append((time.perf_counter() - started) / ((user_at + RUN_AFTER_S) * SAMPLE_RATE / 512))
            into["runs"] += 1
            at = user_at + onset
            holds = [t for t, d in decisions if d == "hold" and t >= at - 0.05]
            barges = [t for t, d in decisions if d == "barge_in"]
            if barges:
                into["stopped"] += 1
                into["barge_in_ms"].append(barges[0] - at)
                heard = min(barges[0], room.dry_at) if room.dry_at is not None else barges[0]
                into["heard_stop_ms"].append(heard - at)
            if holds:
                into["hold_ms"].append(holds[0] - at)
            tick()
    backchannel = {"runs": 0, "stopped": 0, "gap_ms": []}
    for i, (_, nova) in enumerate(voices.novas):
        for _, said in voices.backchannels:
            for echo_db in (-10.0, -100.0):
                room = Room(nova, user=said, user_at_s=USER_AT_S, echo_db=echo_db, seed=200 + i, config=config)
                kinds = [d for _, d in room.run(run_s)]
                backchannel["runs"] += 1
                backchannel["stopped"] += "barge_in" in kinds
                backchannel["gap_ms"].append(room.gaps * gap_s)
        tick()
    coughs = {"runs": 0, "stopped": 0, "held": 0, "gap_ms": []}
    for i, (_, nova) in enumerate(voices.novas):
        for ms, level in COUGHS:
            room = Room(nova, user=cough(ms, i, level), user_at_s=USER_AT_S, echo_db=-10.0, seed=300 + i,
                        config=config)
            kinds = [d for _, d in room.run(run_s)]
            coughs["runs"] += 1
            coughs["stopped"] += "barge_in" in kinds
            coughs["held"] += "hold" in kinds
            coughs["gap_ms"].append(room.gaps * gap_s)
        tick()

    def dist(values: list[float]) -> dict[str, float | None]:
        return {"p50": _pct(values, 50), "p95": _pct(values, 95), "max": _pct(values, 100)}

    return {
        "cost_ms_per_chunk": dist(cost),
        "echo": {**{k: v for k, v in echo.items() if k != "gap_ms"}, "gap_ms": dist(echo["gap_ms"])},
        **{name: {"runs": r["runs"], "stopped": r["stopped"], "hold_ms": dist(r["hold_ms"]),
                  "heard_stop_ms": dist(r["heard_stop_ms"]), "barge_in_ms": dist(r["barge_in_ms"])}
           for name, r in (("speech", speech), ("early", early))},
        "backchannel": {"runs": backchannel["runs"], "stopped": backchannel["stopped"],
                        "gap_ms": dist(backchannel["gap_ms"])},
        "cough": {**{k: v for k, v in coughs.items() if k != "gap_ms"}, "gap_ms": dist(coughs["gap_ms"])},
    }


def parse_variant(text: str) -> dict[str, float]:
    """``"hold_ms=96,echo_ncc_settling=0.7"`` → the ``BargeInConfig`` fields it sets."""
    fields = set(BargeInConfig.__dataclass_fields__)
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in fields or not value:
            raise ValueError(f"{part!r}: expected name=value with a name of BargeInConfig ({', '.join(sorted(fields))})")
        out[name] = float(value)
    return out


def run(corpus: Path, json_out: Path | None, *, variants: Sequence[str], limit: int | None = None,
        console: Console | None = None) -> dict[str, Any]:
    console = console or Console()
    voices = load_voices(corpus, limit)
    if not voices.backchannels:
        console.print("[yellow]espeak-ng is not installed: the backchannel runs are skipped[/]")
    per_variant = len(voices.novas) * (len(ECHO_DB) * len(DELAYS_MS) * len(NOISE_DB)) + 4 * len(voices.candidates)
    per_variant += 2 * len(voices.novas)
    results: dict[str, Any] = {"corpus": str(corpus), "voices": len(voices.novas), "variants": {}}
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("barge-in rooms", total=per_variant * len(variants))
        for variant in variants:
            config = BargeInConfig(**parse_variant(variant))  # type: ignore[arg-type]
            results["variants"][variant or "defaults"] = sweep(voices, config, lambda: progress.advance(task))
    table = Table(title=f"barge-in over {len(voices.novas)} voices as Nova (ms of audio; runs counted)")
    table.add_column("measure")
    names = list(results["variants"])
    for name in names:
        table.add_column(name or "defaults", justify="right")

    def cells(get: Callable[[dict[str, Any]], Any]) -> list[str]:
        return [str(get(results["variants"][n])) for n in names]

    rows: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        ("her echo alone: stopped / held / runs", lambda r: f"{r['echo']['stopped']} / {r['echo']['held']} / {r['echo']['runs']}"),
        ("  gap heard p95 / max", lambda r: f"{r['echo']['gap_ms']['p95']} / {r['echo']['gap_ms']['max']}"),
    ]
    for key, label in (("speech", "speech at 3 s"), ("early", "speech at 0.75 s")):
        rows += [
            (f"{label}: stopped / runs", lambda r, k=key: f"{r[k]['stopped']} / {r[k]['runs']}"),
            ("  frames stop p50 / p95", lambda r, k=key: f"{r[k]['hold_ms']['p50']} / {r[k]['hold_ms']['p95']}"),
            ("  heard stop p50 / p95", lambda r, k=key: f"{r[k]['heard_stop_ms']['p50']} / {r[k]['heard_stop_ms']['p95']}"),
            ("  barge-in p50 / p95", lambda r, k=key: f"{r[k]['barge_in_ms']['p50']} / {r[k]['barge_in_ms']['p95']}"),
        ]
    rows += [
        ("mm-hm etc.: stopped / runs", lambda r: f"{r['backchannel']['stopped']} / {r['backchannel']['runs']}"),
        ("  gap heard p50 / max", lambda r: f"{r['backchannel']['gap_ms']['p50']} / {r['backchannel']['gap_ms']['max']}"),
        ("coughs: stopped / held / runs", lambda r: f"{r['cough']['stopped']} / {r['cough']['held']} / {r['cough']['runs']}"),
        ("cost per 32-ms chunk p50 / p95 (ms)",
         lambda r: f"{r['cost_ms_per_chunk']['p50']} / {r['cost_ms_per_chunk']['p95']}"),
    ]
    for label, get in rows:
        table.add_row(label, *cells(get))
    console.print(table)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(results, indent=2))
        console.print(f"wrote {json_out}")
    return results
