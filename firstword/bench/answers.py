"""``firstword bench answers``: is the first word true? Typed interview questions over several
profiles, asked through the real HTTP + SSE API, each answer scored for what a candidate would
be saying aloud.

Per answer (scored here, independently of the critic, by plain string checks):

* **grounded**: it names one of the question's ``expects`` phrases (from the profile); for a
  question the profile cannot answer (``expects`` empty), it says so and invents nothing;
* **invented numbers**: its standing text (retracted sentences struck out) states a number that
  is in neither the profile nor the question; ``invented_numbers_raw`` counts the text as it was
  first shown;
* **echo**: it repeats the instructions or the profile's labels;
* **empty**: no text at all.

Times are this client's monotonic clock: first word = the first answer.delta with a non-space
character, from sending the question; a retraction's delay is from the delta that completed the
sentence to the answer.retracted event. The critic's precision and recall come from the labelled
sentences in ``bench/critic/labelled.jsonl`` (see ``firstword critic eval``).
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from firstword.answerer.personas import PERSONAS
from firstword.answerer.profile import Profile, load_profile_dir
from firstword.events import (
    AnswerCorrected,
    AnswerDelta,
    AnswerDone,
    AnswerRetracted,
    AnswerStarted,
    Event,
    EventType,
    TurnLatency,
)

# How long after an answer's end to wait before the next question, so a retraction of its last
# sentence is not racing the next answer (the critic's own deadline is 500 ms).
SETTLE_S = 0.6
ANSWER_TIMEOUT_S = 60.0

NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "hundred": 100, "thousand": 1000, "million": 1_000_000,
}
_DIGITS = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")
_WORDS = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
# Wording of the instructions and layout of a profile that no spoken answer contains.
ECHO_MARKERS = (
    "candidate resume", "job description:", "candidate notes", "candidate stories", "(star)",
    "the interviewer just asked", "in the first person", "two or three short sentences",
    "lead with the point", "no preamble", "facts:", "answer so far", "question:",
)
# How an answer says the profile has nothing for a question (for questions with no expects).
NOT_COVERED = re.compile(
    r"nothing in your profile|your profile (has|does not|doesn't|lists) no|not in your profile|"
    r"profile (does not|doesn't) (cover|say|mention)|no (resume|profile)|nothing (of yours|to answer)|"
    r"not a question",
    re.IGNORECASE,
)


def numbers(text: str) -> set[float]:
    found = {float(m.group(0).replace(",", "")) for m in _DIGITS.finditer(text)}
    found |= {float(NUMBER_WORDS[m.group(1).lower()]) for m in _WORDS.finditer(text)}
    return found


@dataclass
class Question:
    profile: str
    question: str
    expects: list[str]


@dataclass
class AnswerRecord:
    answer_id: int
    started_at: float
    deltas: list[tuple[float, int]] = field(default_factory=list)  # (receipt, text length after it)
    text: str = ""
    first_word_at: float | None = None
    done_at: float | None = None
    cancelled: bool = False
    retractions: list[tuple[float, AnswerRetracted]] = field(default_factory=list)
    corrections: list[AnswerCorrected] = field(default_factory=list)

    def standing_text(self) -> str:
        """The answer with retracted sentences cut out, corrections in their place."""
        text = self.text.lstrip()
        pieces, cursor = [], 0
        for _, r in sorted(self.retractions, key=lambda x: x[1].start):
            if r.start < cursor or r.end > len(text):
                continue
            pieces.append(text[cursor : r.start])
            fix = next((c for c in self.corrections if c.start == r.start and c.end == r.end), None)
            if fix is not None:
                pieces.append(fix.text + " ")
            cursor = r.end
        pieces.append(text[cursor:])
        return "".join(pieces).strip()

    def retraction_delays_ms(self) -> list[float]:
        delays = []
        for at, r in self.retractions:
            completed = next((t for t, length in self.deltas if length >= r.end), self.done_at)
            if completed is not None:
                delays.append((at - completed) * 1000.0)
        return delays


class SessionReader:
    """Follows one session's SSE stream and files each event by answer and turn."""

    def __init__(self) -> None:
        self.turn_answers: dict[int, list[int]] = {}
        self.answers: dict[int, AnswerRecord] = {}
        self.latency: dict[int, TurnLatency] = {}
        self.ready = asyncio.Event()
        self.changed = asyncio.Event()

    def take(self, event: Event, at: float) -> None:
        kind = event.type
        if kind == EventType.SESSION_READY:
            self.ready.set()
        elif kind == EventType.ANSWER_STARTED:
            started = event.payload(AnswerStarted)
            self.answers[started.answer_id] = AnswerRecord(started.answer_id, at)
            self.turn_answers.setdefault(event.turn or 0, []).append(started.answer_id)
        elif kind == EventType.ANSWER_DELTA:
            delta = event.payload(AnswerDelta)
            record = self.answers.get(delta.answer_id)
            if record is not None:
                record.text += delta.text
                record.deltas.append((at, len(record.text.lstrip())))
                if record.first_word_at is None and delta.text.strip():
                    record.first_word_at = at
        elif kind == EventType.ANSWER_DONE:
            done = event.payload(AnswerDone)
            record = self.answers.get(done.answer_id)
            if record is not None:
                record.done_at = at
                if done.text.strip() != record.text.strip():
                    record.text = done.text
        elif kind == EventType.ANSWER_CANCELLED:
            record = self.answers.get(event.data.get("answer_id", -1))
            if record is not None:
                record.cancelled = True
                record.done_at = at
        elif kind == EventType.ANSWER_RETRACTED:
            retracted = event.payload(AnswerRetracted)
            if (record := self.answers.get(retracted.answer_id)) is not None:
                record.retractions.append((at, retracted))
        elif kind == EventType.TURN_LATENCY and event.turn is not None:
            self.latency[event.turn] = event.payload(TurnLatency)
        elif kind == EventType.ANSWER_CORRECTED:
            corrected = event.payload(AnswerCorrected)
            if (record := self.answers.get(corrected.answer_id)) is not None:
                record.corrections.append(corrected)
        self.changed.set()


async def follow(http: httpx.AsyncClient, session: dict[str, Any], reader: SessionReader) -> None:
    params = {"token": session["owner_token"]}
    async with http.stream("GET", f"/sessions/{session['session_id']}/events", params=params, timeout=None) as r:
        async for line in r.aiter_lines():
            if line.startswith("data:"):
                raw = json.loads(line[5:])
                if raw.get("seq") is not None:
                    reader.take(Event.from_dict(raw), time.monotonic())


async def ask(http: httpx.AsyncClient, session: dict[str, Any], reader: SessionReader, question: str) -> tuple[float, AnswerRecord | None]:
    """Send a typed question; wait for its answer to end (and the critic's last word on it)."""
    sent, record, _ = await ask_turn(http, session, reader, question)
    return sent, record


async def ask_turn(
    http: httpx.AsyncClient, session: dict[str, Any], reader: SessionReader, question: str
) -> tuple[float, AnswerRecord | None, int]:
    sent = time.monotonic()
    response = await http.post(
        f"/sessions/{session['session_id']}/messages", params={"token": session["owner_token"]}, json={"text": question}
    )
    response.raise_for_status()
    turn = int(response.json()["turn"])
    deadline = sent + ANSWER_TIMEOUT_S
    while time.monotonic() < deadline:
        ids = reader.turn_answers.get(turn, [])
        records = [reader.answers[i] for i in ids]
        if records and all(r.done_at is not None for r in records):
            await asyncio.sleep(SETTLE_S)
            return sent, records[-1], turn
        reader.changed.clear()
        try:
            await asyncio.wait_for(reader.changed.wait(), 1.0)
        except TimeoutError:
            pass
    ids = reader.turn_answers.get(turn, [])
    return sent, (reader.answers[ids[-1]] if ids else None), turn


def load_questions(root: Path) -> dict[str, list[Question]]:
    """Questions per profile folder: its own questions.jsonl, and any in ``root/questions.jsonl``
    (asked of every profile, or of the one named by a "profile" key)."""
    shared = _read_jsonl(root / "questions.jsonl") if (root / "questions.jsonl").is_file() else []
    out: dict[str, list[Question]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        rows = _read_jsonl(folder / "questions.jsonl") if (folder / "questions.jsonl").is_file() else []
        rows += [r for r in shared if r.get("profile") in (None, folder.name)]
        questions = [Question(folder.name, str(r["question"]), [str(e) for e in r.get("expects") or []]) for r in rows]
        if questions:
            out[folder.name] = questions
    return out


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: not JSON: {exc.msg}") from None
    return rows


def profile_text(profile: Profile) -> str:
    return "\n".join([profile.resume, profile.job_description, profile.notes, *profile.stories])


def labels_of(profile: Profile) -> list[str]:
    text = "\n".join([profile.resume, profile.notes])
    return sorted({m.group(1).strip().lower() for m in re.finditer(r"^\s*(?:[-*]\s*)?([A-Z][\w /&'-]{2,30}):", text, re.M)})


def score(question: Question, profile: Profile, record: AnswerRecord | None) -> dict[str, Any]:
    text = record.text.strip() if record is not None else ""
    standing = record.standing_text() if record is not None else ""
    lowered = standing.lower()
    evidence = numbers(profile_text(profile) + "\n" + question.question)
    persona = PERSONAS.get("copilot", "").lower()
    markers = list(ECHO_MARKERS) + [f"{label}:" for label in labels_of(profile)]
    echo = any(m in lowered for m in markers) or _shares_run(lowered, persona, 6)
    invented = sorted(numbers(standing) - evidence)
    invented_raw = sorted(numbers(text) - evidence)
    if question.expects:
        grounded = any(e.lower() in lowered for e in question.expects)
    else:
        grounded = bool(NOT_COVERED.search(standing)) and not invented
    return {
        "profile": question.profile,
        "question": question.question,
        "answer": standing,
        "shown": text,
        "retracted": [record.text.lstrip()[r.start : r.end] for _, r in record.retractions] if record else [],
        "grounded": grounded,
        "echo": echo,
        "invented_numbers": invented,
        "invented_numbers_raw": invented_raw,
        "empty": not text,
        "first_word_ms": None,  # set by the caller, who knows when the question was sent
    }


def _shares_run(text: str, source: str, n: int) -> bool:
    words, src = re.findall(r"[a-z']+", text), re.findall(r"[a-z']+", source)
    grams = {tuple(src[i : i + n]) for i in range(len(src) - n + 1)}
    return any(tuple(words[i : i + n]) in grams for i in range(len(words) - n + 1))


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


async def run_async(root: Path, url: str, console: Console) -> dict[str, Any]:
    per_profile = load_questions(root)
    if not per_profile:
        raise SystemExit(f"no profile folder with a questions.jsonl under {root}")
    answers: list[dict[str, Any]] = []
    first_words: list[float] = []
    retraction_ms: list[float] = []
    total = sum(len(q) for q in per_profile.values())
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("asking", total=total)
            for name, questions in per_profile.items():
                profile = load_profile_dir(root / name)
                created = await http.post("/sessions", json={"profile": profile.to_dict()})
                created.raise_for_status()
                session = created.json()
                reader = SessionReader()
                follower = asyncio.create_task(follow(http, session, reader))
                try:
                    await asyncio.wait_for(reader.ready.wait(), 120)
                    for q in questions:
                        progress.update(task, description=f"{name}: {q.question[:40]}")
                        sent, record = await ask(http, session, reader, q.question)
                        row = score(q, profile, record)
                        if record is not None and record.first_word_at is not None:
                            row["first_word_ms"] = round((record.first_word_at - sent) * 1000.0, 1)
                            first_words.append(row["first_word_ms"])
                        if record is not None:
                            retraction_ms += record.retraction_delays_ms()
                        answers.append(row)
                        progress.advance(task)
                finally:
                    follower.cancel()
                    await http.delete(f"/sessions/{session['session_id']}", params={"token": session["owner_token"]})
    return {"answers": answers, "first_word_ms": first_words, "retraction_ms": retraction_ms}


def summarise(collected: dict[str, Any], critic: dict[str, Any] | None) -> dict[str, Any]:
    answers = collected["answers"]
    first_words = collected["first_word_ms"]
    retraction = collected["retraction_ms"]
    return {
        "summary": {
            "questions": len(answers),
            "echo": sum(a["echo"] for a in answers),
            "grounded": sum(a["grounded"] for a in answers),
            "invented_numbers": sum(bool(a["invented_numbers"]) for a in answers),
            "invented_numbers_raw": sum(bool(a["invented_numbers_raw"]) for a in answers),
            "empty": sum(a["empty"] for a in answers),
            "first_word_ms": {"p50": _pct(first_words, 0.5), "p95": _pct(first_words, 0.95)},
            "critic": {
                "precision": None if critic is None else critic["precision"],
                "recall": None if critic is None else critic["recall"],
                "retraction_ms": {"p50": _pct(retraction, 0.5), "p95": _pct(retraction, 0.95)},
                "retractions": len(retraction),
                "labelled": None if critic is None else critic["sentences"],
            },
        },
        "answers": answers,
    }


def table(result: dict[str, Any]) -> Table:
    answers = result["answers"]
    out = Table(title="answers: truth first, then speed")
    for col in ("profile", "questions", "grounded", "invented nos.", "(raw)", "echo", "empty", "first word p50"):
        out.add_column(col, justify="right")
    by: dict[str, list[dict[str, Any]]] = {}
    for a in answers:
        by.setdefault(a["profile"], []).append(a)
    rows = [*by.items(), ("all", answers)]
    for name, group in rows:
        n = len(group)
        fw = [a["first_word_ms"] for a in group if a["first_word_ms"] is not None]
        out.add_row(
            name, str(n),
            f"{sum(a['grounded'] for a in group) / n:.0%}",
            f"{sum(bool(a['invented_numbers']) for a in group) / n:.0%}",
            f"{sum(bool(a['invented_numbers_raw']) for a in group) / n:.0%}",
            str(sum(a["echo"] for a in group)),
            str(sum(a["empty"] for a in group)),
            "–" if not fw else f"{statistics.median(fw):.0f} ms",
        )
    return out


def run(root: Path, json_out: Path | None, *, url: str | None, console: Console) -> dict[str, Any]:
    from firstword.bench.server_process import ServerProcess
    from firstword.critic.evaluate import default_labelled, evaluate

    if url is None:
        with console.status("starting a server with the bundled engines"):
            server = ServerProcess().__enter__()
        try:
            collected = asyncio.run(run_async(root, server.url, console))
        finally:
            server.__exit__()
    else:
        collected = asyncio.run(run_async(root, url, console))
    labelled = default_labelled()
    critic = evaluate(labelled) if labelled is not None else None
    if critic is None:
        console.print("[yellow]no labelled critic set found (bench/critic/labelled.jsonl): precision/recall left empty[/]")
    result = summarise(collected, critic)
    console.print(table(result))
    s = result["summary"]
    console.print(
        f"first word p50 {s['first_word_ms']['p50']} ms, p95 {s['first_word_ms']['p95']} ms · "
        f"critic precision {s['critic']['precision']}, recall {s['critic']['recall']}, "
        f"retraction p50 {s['critic']['retraction_ms']['p50']} ms, p95 {s['critic']['retraction_ms']['p95']} ms "
        f"({s['critic']['retractions']} retractions)"
    )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        console.print(f"wrote {json_out}")
    return result
