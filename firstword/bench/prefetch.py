"""``firstword bench prefetch``: answers ready before the question. Scripted interviews and
Board Room conversations are typed into a real server, once with pre-generation on and once off,
and the bench reports how often a prepared answer was shown, how fast, whether it answered the
question asked, and what pre-generation costs the answers that were not prepared.

**Scripts.** ``--scripts DIR`` holds JSON files (``bench/prefetch/`` ships 13), each
``{"persona": "copilot" | "atlas" | "cipher" | …, "profile": "sample" | {resume, job_description,
notes, stories}, "questions": ["…", …]}`` and optionally ``"about"`` (a line for people).
``"sample"`` is the server's own sample profile. A ``copilot`` question goes to the session's
message endpoint (``POST /sessions/{id}/messages``, the turn manager); an advisor's to the board
room (``POST /sessions/{id}/board`` with ``"to": persona``), in a session created with that
persona. ``nova`` interviews the user (practice mode) and is refused here.

**Warm-up.** Before any script, the server answers ``WARM_UP_QUESTIONS`` (of no script) in two
unmeasured sessions of the sample profile, prefetching off then on: what a process pays once
(imports, compiled patterns, the engines' first calls) is not counted against whichever session
happens to run first. Then each copilot script's questions are asked once, unmeasured, with no
pause, before its two measured sessions: what the server reads once of a question's words (its
type, its terms) is ready for both, not only for whichever asks second. So both sessions' first
words are those of a question asked before (faster than the very first time, by about what
reading it costs), and the ratio compares like with like.

**How each script runs.** Twice, in two sessions of the same server, one with
``"prefetch": true`` and one with ``"prefetch": false`` in the session's creation body; which
goes first alternates script by script, so that drift (a warming cache, a busier machine)
cancels. In each session, after ``session.ready``, every question waits ``--pause-s`` (4 s)
after the previous answer has finished (before the first question too: the start is idle time
as well), is sent, and its answer is followed to ``answer.done`` over the session's WebSocket.

**Measures** (one clock, this client's monotonic clock, where the user is):

- *first word*: from sending the question to the first ``answer.delta`` with a non-space
  character of that turn's answer;
- *hits*: answers whose ``answer.started`` says ``"trigger": "prefetched"`` in the
  prefetch-on session; ``hit_rate`` = hits / questions asked with prefetch on;
- ``first_word_on_hit_ms`` p50/p95; ``first_word_on_miss_ms`` p50 (prefetch on, the rest);
- ``live_ttft_ratio``: over the questions that were *not* hits with prefetch on, the median of
  each question's first word with prefetch on divided by the same question's with it off (what
  background work and the lookup cost a live answer; ``live_ttft_ratio_of_medians`` beside it,
  the median on over the median off); ``llm_ttft_ratio`` the ratio of medians with the model's
  own first-token time (``turn.latency.llm_ttft_ms``) where both runs report it. ``by_route``
  gives both per route (``message``: the copilot, whose first words are the profile's own and
  come in milliseconds; ``board``: an advisor's, written by the model), since one pooled median
  of the two says little about either; with p95, where a delay behind background work shows;
- ``lookups`` and ``lookups_decided_beside``: the prefetching sessions' turns looked up, and
  how many of them the server decided in its lookup process beside the event loop
  (``prefetch.match_worker``) rather than on the loop (``GET /sessions/{id}``'s ``prefetch``,
  read before each session closes): a ratio measured with the worker off, or not yet up, says so.

**False hits: how a hit is judged.** Every hit's pair (the question asked, the ``prepared_for``
question the answer was written for) is judged, after both are normalised (lower case,
punctuation as spaces, whitespace collapsed; a prediction's optional-words brackets dropped):

1. the pair is in the labelled set (``firstword/prefetch/data/paraphrases.jsonl``, the set the
   matcher was chosen on): its label decides (``same: false`` = a false hit; a pair labelled
   both ways counts as false);
2. otherwise, the two are the same words: a true hit;
3. otherwise it is **unjudged**: counted in ``unjudged_hits``, listed in the JSON
   (``unjudged``) and printed, for a person to read and add to the labelled set. A false hit is
   never assumed away: ``false_hits`` counts only labelled false hits, so read the unjudged list
   before quoting ``false_hits: 0``.

**Why a question missed** (``bounds``): each question of the prefetch-on session is replayed
offline through ``firstword.prefetch`` (``predict_questions`` with the conversation so far, the
default limit, then ``decide``), as the server would predict. A miss whose question matches an
offline prediction was predictable but not shown (not prepared in time, dropped by the budget,
or predicted differently by the server); one with no match was not predicted at all. It is an
estimate of the server's own predictions, not a record of them.

A hit in a prefetch-off session, a prefetched answer with no ``prepared_for``, a question with no
answer, and errors are counted in ``problems`` and printed.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from firstword.answerer.profile import Profile, ProfileError

PREFETCHED = "prefetched"
DEFAULT_PAUSE_S = 4.0
ANSWER_TIMEOUT_S = 120.0
READY_TIMEOUT_S = 180.0
# After an answer is done, how long its turn.latency may take to come (it is read after the pause,
# so this is only ever waited for after the last question).
LATENCY_WAIT_S = 3.0
MAX_QUESTION_CHARS = 2000
SCRIPT_KEYS = frozenset({"persona", "profile", "questions", "about"})
COPILOT = "copilot"
# Personas that are not asked here: Nova runs a practice interview (she asks, the user answers).
REFUSED_PERSONAS = {"nova": "nova interviews the user (a practice session); ask copilot or a board advisor"}


# ----- scripts -------------------------------------------------------------------------------------


class ScriptError(ValueError):
    """A script file that cannot be run; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Script:
    name: str  # the file's stem
    persona: str
    # None: the server's own sample profile ("profile": "sample").
    profile: Profile | None
    questions: tuple[str, ...]
    about: str = ""

    @property
    def profile_label(self) -> str:
        return "sample" if self.profile is None else profile_label(self.profile)

    @property
    def route(self) -> str:
        """``message`` (the copilot's turn manager) or ``board`` (an advisor in the board room)."""
        return "message" if self.persona == COPILOT else "board"


def profile_label(profile: Profile) -> str:
    """A short name for an inline profile: its resume's first line, without Markdown."""
    for line in profile.resume.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:60]
    return "inline profile"


def parse_script(raw: object, name: str, source: str | None = None) -> Script:
    """A script from its JSON, or ``ScriptError`` saying what is wrong, naming ``source`` (the
    file; ``name`` when not given) and the field (see the module's docstring for the format)."""
    where = f"{source or name}:"
    if not isinstance(raw, dict):
        raise ScriptError(f"{where} a script is a JSON object with persona, profile and questions")
    unknown = set(raw) - SCRIPT_KEYS
    if unknown:
        raise ScriptError(f"{where} unknown keys {', '.join(sorted(map(str, unknown)))} (a script takes {', '.join(sorted(SCRIPT_KEYS))})")
    persona = raw.get("persona")
    if not isinstance(persona, str) or not persona.strip():
        raise ScriptError(f"{where} 'persona' must be a persona id such as \"copilot\", \"atlas\" or \"cipher\"")
    persona = persona.strip()
    if persona in REFUSED_PERSONAS:
        raise ScriptError(f"{where} persona {persona!r}: {REFUSED_PERSONAS[persona]}")
    if "profile" not in raw:
        raise ScriptError(f"{where} 'profile' is missing: \"sample\" or an object with resume, job_description, notes, stories")
    profile_raw = raw["profile"]
    profile: Profile | None
    if profile_raw == "sample":
        profile = None
    elif isinstance(profile_raw, dict):
        try:
            profile = Profile.from_dict(profile_raw)
        except ProfileError as exc:
            raise ScriptError(f"{where} profile: {exc}") from None
        if profile.is_empty():
            raise ScriptError(f"{where} profile: empty (give at least a resume, or use \"sample\")")
    else:
        raise ScriptError(f"{where} 'profile' must be \"sample\" or an object with resume, job_description, notes, stories")
    questions = raw.get("questions")
    if not isinstance(questions, list) or not questions:
        raise ScriptError(f"{where} 'questions' must be a non-empty list of strings")
    cleaned: list[str] = []
    for i, q in enumerate(questions):
        if not isinstance(q, str) or not q.strip():
            raise ScriptError(f"{where} questions[{i}] must be a non-empty string")
        if len(q) > MAX_QUESTION_CHARS:
            raise ScriptError(f"{where} questions[{i}] is longer than {MAX_QUESTION_CHARS} characters")
        cleaned.append(" ".join(q.split()))
    about = raw.get("about", "")
    if not isinstance(about, str):
        raise ScriptError(f"{where} 'about' must be a string")
    return Script(name, persona, profile, tuple(cleaned), about)


def load_script(path: Path) -> Script:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScriptError(f"{path.name}: not JSON: {exc.msg} (line {exc.lineno})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path.name}: cannot read: {exc}") from None
    return parse_script(raw, path.stem, path.name)


def load_scripts(root: Path, limit: int | None = None) -> list[Script]:
    """Every ``*.json`` under ``root`` (not recursive), in file-name order, the first ``limit``.
    Every broken file is named at once (``ScriptError``), before anything runs."""
    if not root.is_dir():
        raise ScriptError(f"{root} is not a directory")
    paths = sorted(p for p in root.glob("*.json") if p.is_file())
    if not paths:
        raise ScriptError(f"no *.json script in {root}")
    scripts: list[Script] = []
    errors: list[str] = []
    for path in paths:
        try:
            scripts.append(load_script(path))
        except ScriptError as exc:
            errors.append(str(exc))
    if errors:
        raise ScriptError("\n".join(errors))
    if limit is not None:
        if limit < 1:
            raise ScriptError("--limit must be at least 1")
        scripts = scripts[:limit]
    return scripts


def run_order(index: int) -> tuple[bool, bool]:
    """Which session goes first for the ``index``-th script: prefetch on first for even ones."""
    return (True, False) if index % 2 == 0 else (False, True)


# ----- judging hits --------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, punctuation (brackets, apostrophes, hyphens) as spaces, whitespace collapsed."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # "true" | "false" | "unjudged"
    source: str | None  # "labelled" | "same_words" | None


class HitJudge:
    """Judges (question asked, prepared_for) pairs: the labelled set, then same words, else
    unjudged (see the module's docstring)."""

    def __init__(self, pairs: Iterable[tuple[str, str, bool]]) -> None:
        # (prediction, question, same) -> {(question, prediction) normalised: same}
        self.labels: dict[tuple[str, str], bool] = {}
        for prediction, question, same in pairs:
            key = (normalise(question), normalise(_display(prediction)))
            self.labels[key] = self.labels.get(key, True) and bool(same)

    @classmethod
    def default(cls) -> HitJudge:
        from firstword.prefetch.evaluate import load_pairs

        return cls((p.prediction, p.question, p.same) for p in load_pairs())

    def judge(self, question: str, prepared_for: str | None) -> Verdict:
        if not prepared_for:
            return Verdict("unjudged", None)
        q, p = normalise(question), normalise(_display(prepared_for))
        label = self.labels.get((q, p))
        if label is not None:
            return Verdict("true" if label else "false", "labelled")
        if q == p:
            return Verdict("true", "same_words")
        return Verdict("unjudged", None)


def _display(form: str) -> str:
    """A prediction's text without its optional-words brackets (the words stay)."""
    return re.sub(r"[\[\]]", " ", form)


# ----- summary -------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest rank (as ``firstword.bench.llm_ttft``): with 10 values p95 is the largest."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _ratio(on: Sequence[float], off: Sequence[float]) -> float | None:
    if not on or not off:
        return None
    denominator = statistics.median(off)
    return round(statistics.median(on) / denominator, 3) if denominator > 0 else None


def _paired_ratio(on: Sequence[float], off: Sequence[float]) -> float | None:
    """The median of each question's own on/off ratio: the same question asked with prefetching
    on and off. Pooled over a copilot's first words (milliseconds) and an advisor's (seconds),
    a ratio of medians is whichever population holds the middle value, not either's cost."""
    ratios = [a / b for a, b in zip(on, off, strict=True) if b > 0]
    return round(statistics.median(ratios), 3) if ratios else None


def _total(runs: Sequence[dict[str, Any]], figure: str) -> int | None:
    """A figure of the prefetching sessions' (``run_session``'s ``prefetch_stats``), summed."""
    values = [run["prefetch"][figure] for run in runs if isinstance((run.get("prefetch") or {}).get(figure), int)]
    return sum(values) if values else None


def _is_hit(record: dict[str, Any]) -> bool:
    return record.get("trigger") == PREFETCHED


def summarise(runs: Sequence[dict[str, Any]], judge: HitJudge) -> dict[str, Any]:
    """The result from the scripts' runs: each ``{"name", "persona", "profile", "order", "on":
    [record per question], "off": [...]}``, a record holding at least ``question``, ``trigger``,
    ``prepared_for``, ``first_word_ms``, ``llm_ttft_ms`` (None where absent)."""
    questions = hits = true_hits = false_hits = partial_hits = 0
    hit_fw: list[float] = []
    miss_fw: list[float] = []
    paired_on: list[float] = []
    paired_off: list[float] = []
    llm_on: list[float] = []
    llm_off: list[float] = []
    hit_rows: list[dict[str, Any]] = []
    unjudged: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    predicted_misses = unpredicted_misses = 0
    miss_ranks: dict[str, int] = {}
    # The same pairs by route: a copilot's first words are the profile's own (milliseconds), an
    # advisor's the model's (seconds); one pooled median says little about either.
    by_route: dict[str, dict[str, list[float]]] = {}
    per_script: list[dict[str, Any]] = []
    for run in runs:
        on, off = run.get("on", []), run.get("off", [])
        s_hits = 0
        s_hit_fw: list[float] = []
        s_miss_on: list[float] = []
        s_miss_off: list[float] = []
        for i, rec in enumerate(on):
            questions += 1
            where = {"script": run["name"], "index": i, "question": rec["question"]}
            for problem in _problems(rec, prefetch=True):
                problems.append({**where, "mode": "on", "problem": problem})
            other = off[i] if i < len(off) else None
            if _is_hit(rec):
                hits += 1
                s_hits += 1
                partial_hits += bool(rec.get("answered_live"))
                verdict = judge.judge(rec["question"], rec.get("prepared_for"))
                true_hits += verdict.kind == "true"
                false_hits += verdict.kind == "false"
                row = {**where, "persona": run["persona"], "prepared_for": rec.get("prepared_for"),
                       "prepared_ago_ms": rec.get("prepared_ago_ms"), "first_word_ms": rec.get("first_word_ms"),
                       "answered_live": rec.get("answered_live"),
                       "verdict": verdict.kind, "judged_by": verdict.source, "answer": rec.get("answer", "")}
                hit_rows.append(row)
                if verdict.kind == "unjudged":
                    unjudged.append(row)
                if rec.get("first_word_ms") is not None:
                    hit_fw.append(rec["first_word_ms"])
                    s_hit_fw.append(rec["first_word_ms"])
                continue
            offline = rec.get("offline") or {}
            if offline.get("predicted") is True:
                predicted_misses += 1
                rank = str(offline.get("rank"))
                miss_ranks[rank] = miss_ranks.get(rank, 0) + 1
            elif offline.get("predicted") is False:
                unpredicted_misses += 1
            if rec.get("first_word_ms") is not None:
                miss_fw.append(rec["first_word_ms"])
                s_miss_on.append(rec["first_word_ms"])
            if other is None:
                continue
            route = by_route.setdefault("message" if run["persona"] == COPILOT else "board",
                                        {"on": [], "off": [], "llm_on": [], "llm_off": []})
            if rec.get("first_word_ms") is not None and other.get("first_word_ms") is not None:
                paired_on.append(rec["first_word_ms"])
                paired_off.append(other["first_word_ms"])
                s_miss_off.append(other["first_word_ms"])
                route["on"].append(rec["first_word_ms"])
                route["off"].append(other["first_word_ms"])
            if rec.get("llm_ttft_ms") is not None and other.get("llm_ttft_ms") is not None:
                llm_on.append(rec["llm_ttft_ms"])
                llm_off.append(other["llm_ttft_ms"])
                route["llm_on"].append(rec["llm_ttft_ms"])
                route["llm_off"].append(other["llm_ttft_ms"])
        for i, rec in enumerate(off):
            for problem in _problems(rec, prefetch=False):
                problems.append({"script": run["name"], "index": i, "question": rec["question"], "mode": "off", "problem": problem})
        per_script.append({
            "script": run["name"], "persona": run["persona"], "profile": run["profile"], "questions": len(on),
            "hits": s_hits, "hit_rate": round(s_hits / len(on), 3) if on else None,
            "first_word_on_hit_ms_p50": _median(s_hit_fw),
            "first_word_on_miss_ms_p50": _median(s_miss_on),
            "first_word_off_same_questions_ms_p50": _median(s_miss_off),
        })
    misses = questions - hits
    summary: dict[str, Any] = {
        "questions": questions,
        "hits": hits,
        "false_hits": false_hits,
        "hit_rate": round(hits / questions, 3) if questions else None,
        "first_word_on_hit_ms": {"p50": percentile(hit_fw, 50), "p95": percentile(hit_fw, 95)},
        "first_word_on_miss_ms": {"p50": percentile(miss_fw, 50)},
        "live_ttft_ratio": _paired_ratio(paired_on, paired_off),
        # Beside the fixed keys:
        "live_ttft_ratio_of_medians": _ratio(paired_on, paired_off),
        "true_hits": true_hits,
        # Of the hits, turns that asked several things, some predicted: the prepared answer
        # first, the rest answered live (``answer.started``'s ``answered_live``).
        "partial_hits": partial_hits,
        "unjudged_hits": len(unjudged),
        "llm_ttft_ratio": _ratio(llm_on, llm_off),
        "paired_misses": len(paired_on),
        "first_word_miss_off_ms": {"p50": percentile(paired_off, 50)},
        "by_route": {
            name: {"pairs": len(r["on"]), "first_word_on_ms_p50": _median(r["on"]), "first_word_off_ms_p50": _median(r["off"]),
                   "first_word_on_ms_p95": percentile(r["on"], 95), "first_word_off_ms_p95": percentile(r["off"], 95),
                   "live_ttft_ratio": _paired_ratio(r["on"], r["off"]), "live_ttft_ratio_of_medians": _ratio(r["on"], r["off"]),
                   "llm_ttft_ratio": _ratio(r["llm_on"], r["llm_off"])}
            for name, r in sorted(by_route.items())
        },
        "misses_predicted_offline": predicted_misses,
        "misses_unpredicted_offline": unpredicted_misses,
        "problems": len(problems),
        # The prefetching sessions' lookups, and how many the server decided beside its loop
        # (``prefetch.match_worker``); None where the server did not say.
        "lookups": _total(runs, "lookups"),
        "lookups_decided_beside": _total(runs, "decided_beside"),
    }
    by_persona: dict[str, dict[str, Any]] = {}
    for row in per_script:
        group = by_persona.setdefault(row["persona"], {"questions": 0, "hits": 0})
        group["questions"] += row["questions"]
        group["hits"] += row["hits"]
    for group in by_persona.values():
        group["hit_rate"] = round(group["hits"] / group["questions"], 3) if group["questions"] else None
    return {
        "summary": summary,
        "by_persona": by_persona,
        "by_script": per_script,
        "hits": hit_rows,
        "unjudged": [{"question": r["question"], "prepared_for": r["prepared_for"], "script": r["script"]} for r in unjudged],
        "bounds": {
            "misses": misses,
            "predicted_offline_not_shown": predicted_misses,
            # Of those, by the rank of the prediction matched (1 = the top one).
            "predicted_offline_not_shown_by_rank": dict(sorted(miss_ranks.items())),
            "not_predicted_offline": unpredicted_misses,
        },
        "problems": problems,
    }


def _problems(rec: dict[str, Any], *, prefetch: bool) -> list[str]:
    out = []
    if rec.get("error"):
        out.append(f"error: {rec['error']}")
    if rec.get("timed_out"):
        out.append("no finished answer within the timeout")
    elif rec.get("trigger") is None:
        out.append("no answer.started for the turn")
    elif rec.get("first_word_ms") is None and not rec.get("cancelled"):
        out.append("an answer with no words")
    if rec.get("cancelled"):
        out.append("the answer was cancelled")
    if _is_hit(rec) and not prefetch:
        out.append("a prefetched answer in a session created with prefetch off")
    if _is_hit(rec) and not rec.get("prepared_for"):
        out.append("a prefetched answer without prepared_for")
    return out


# ----- offline replay: was the question predictable? -----------------------------------------------


def replay_predictions(script: Script, records: Sequence[dict[str, Any]], profile: Profile) -> list[dict[str, Any]]:
    """For each question, whether the rules of ``firstword.prefetch`` (as the server would run
    them, with the default limit) predict a question it matches, given what was said before it."""
    from firstword.grounding.grounding import Grounding
    from firstword.prefetch import DEFAULT_LIMIT, DEFAULT_OWN_WORK, predict_questions
    from firstword.prefetch.predict import DEFAULT_NOTES_TOPICS

    limit = _server_setting("predictions", DEFAULT_LIMIT)
    own_work = _server_setting("own_work", DEFAULT_OWN_WORK)
    notes_topics = _server_setting("notes_topics", DEFAULT_NOTES_TOPICS)
    grounding = Grounding(profile)
    out: list[dict[str, Any]] = []
    history: list[tuple[str, str]] = []
    for rec in records:
        if grounding.handed_over(rec["question"]) is not None:
            # Said to a colleague ("Johan, over to you."): the server shows nothing for it.
            out.append({"predicted": False, "reason": "handed_over", "prediction": None, "answered_live": None,
                        "rank": None, "predictions": []})
        else:
            predictions = predict_questions(profile, history, persona=script.persona, limit=limit, own_work=own_work,
                                            notes_topics=notes_topics)
            asked = [text for role, text in history if role == "user"]
            row = _replayed(rec["question"], predictions, copilot=script.persona == COPILOT, grounding=grounding,
                            before=asked[-1] if asked else None)
            if row["answered_live"]:
                # A colleague's ask left over: the server drops it too (``Grounding.for_the_person``).
                row["answered_live"] = grounding.for_the_person(row["answered_live"]) or None
            out.append(row)
        history.append(("user", rec["question"]))
        if rec.get("answer"):
            history.append(("assistant", rec["answer"]))
    return out


def _replayed(question: str, predictions: list[Any], *, copilot: bool, grounding: Any = None,
              before: str | None = None) -> dict[str, Any]:
    """One question of ``replay_predictions``: ``match.choose`` among the predictions made before
    it, as the server's lookup runs it. The copilot answers a turn that asks several things, some
    predicted, partly live (its turn manager does; an advisor does not). A choice whose prepared
    answer must be the live answer (``Choice.confirm``) is held to it with the answers the copilot
    prepares and gives live (the profile's own words, ``grounding``; ``before``: the question
    asked last), as the server's lookup is."""
    from firstword.prefetch import similarity
    from firstword.prefetch.match import choose

    choice = choose(question, predictions, partly=copilot)
    chosen = [predictions[i] for i in choice.chosen]
    if choice.confirm:
        told = _told_live(question, choice, chosen, predictions, grounding, before) if copilot else None
        chosen = [told] if told is not None else []
        if told is None:
            choice = replace(choice, chosen=(), reason="not_the_live_answer")
    if choice.live:
        reason = "answered_partly"
    elif chosen and choice.reason not in ("hit", "intent"):
        reason = "asked_together"
    else:
        reason = choice.reason
    row: dict[str, Any] = {
        "predicted": bool(chosen),
        "reason": reason,
        "prediction": " ".join(p.text for p in chosen) or None,
        "answered_live": choice.live or None,
        # 1 = the top prediction: the server prepares the best few per pause, in rank order.
        "rank": max(i for i, p in enumerate(predictions) if any(p is c for c in chosen)) + 1 if chosen else None,
        "predictions": [p.text for p in predictions],
    }
    if choice.reason != "hit" and predictions:
        # The closest prediction and why it did not match: what a matcher change would need.
        scored = [(similarity(question, p.form or p.text), p) for p in predictions]
        sim, best = max(scored, key=lambda x: x[0].score)
        row["closest"] = {"prediction": best.text, "score": round(sim.score, 3), "veto": sim.veto}
    return row


def _told_live(question: str, choice: Any, chosen: list[Any], predictions: list[Any], grounding: Any,
               before: str | None) -> Any:
    """``Prefetcher._confirmed`` offline (``match.confirmed``): of the story chosen and the
    person's stories the request names, the one whose copilot answer prepared ahead (its
    grounded opening, as the server writes it) is the live answer to ``question``, told from
    the profile (``Answerer.tells``); None when none is."""
    from firstword.prefetch.match import confirmed

    if grounding is None:
        return None
    live = grounding.ground(question, before).composition
    return confirmed([*chosen, *(predictions[i] for i in choice.alternatives)], choice.kind,
                     lambda p: grounding.ground(p.text).composition.opening.strip(),
                     lambda text: live.grounded and live.opening.strip() == text)


def run_offline(scripts_dir: Path, json_out: Path | None, *, limit: int | None = None, console: Console) -> dict[str, Any]:
    """The scripts replayed through the rules alone, with no server (``replay_predictions``, each
    question after the ones before it, the answers not known): how many questions a prediction
    answers. For the copilot that is the hit rate, since each of its predictions is written in a
    pause (a note's or the profile's own words); for an advisor it is an upper bound, since the
    model writes only the best one or two in a pause. Seconds for a folder, so rules can be
    measured against a held-out folder before anyone reads it; every hit is listed to be read."""
    scripts = load_scripts(scripts_dir, limit)
    from firstword.answerer.profile import sample_profile

    by_script: list[dict[str, Any]] = []
    hits: list[dict[str, Any]] = []
    for script in scripts:
        replayed = replay_predictions(script, [{"question": q} for q in script.questions],
                                      script.profile or sample_profile())
        found = [(q, r) for q, r in zip(script.questions, replayed, strict=True) if r["predicted"]]
        by_script.append({"name": script.name, "persona": script.persona, "questions": len(script.questions),
                          "hits": len(found)})
        hits += [{"script": script.name, "question": q, "prediction": r["prediction"], "rank": r["rank"],
                  "answered_live": r["answered_live"]} for q, r in found]
    questions = sum(s["questions"] for s in by_script)
    result: dict[str, Any] = {
        "summary": {"questions": questions, "hits": len(hits), "hit_rate": round(len(hits) / questions, 3) if questions else None,
                    "partial_hits": sum(1 for h in hits if h["answered_live"])},
        "by_script": by_script,
        "hits": hits,
        "config": {"scripts_dir": str(scripts_dir), "scripts": len(scripts), "offline": True},
    }
    table = Table(title="offline replay: questions a prediction answers")
    for column in ("script", "question", "prepared for", "then live"):
        table.add_column(column, overflow="fold")
    for hit in hits:
        table.add_row(hit["script"], escape(hit["question"][-160:]), escape(hit["prediction"] or ""),
                      escape((hit["answered_live"] or "")[-120:]))
    console.print(table)
    partial = result["summary"]["partial_hits"]
    console.print(f"{len(hits)} of {questions} questions answered by a prediction "
                  f"({100 * len(hits) / max(questions, 1):.1f} %; {partial} of them partly, the rest live) "
                  f"over {len(scripts)} scripts")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}")
    return result


def _server_setting(name: str, default: int) -> int:
    """This machine's ``prefetch.<name>`` setting (the server's, when it runs here), or
    ``default`` where the settings have none."""
    try:
        from firstword.config import Settings

        return int(getattr(Settings().prefetch, name))
    except Exception:  # noqa: BLE001 - an older settings model, or settings that do not load
        return default


# ----- running against a server --------------------------------------------------------------------


@dataclass
class _Answer:
    answer_id: int
    turn: int | None
    started_at: float
    trigger: str | None
    prepared_for: str | None
    prepared_ago_ms: float | None
    persona: str | None
    answered_live: str | None = None
    text: str = ""
    first_word_at: float | None = None
    done_at: float | None = None
    cancelled: bool = False
    retractions: int = 0


@dataclass
class EventReader:
    """A session's events, filed by turn and answer (raw dicts, so new fields never break it)."""

    answers: dict[int, _Answer] = field(default_factory=dict)
    turn_answers: dict[int, list[int]] = field(default_factory=dict)
    latency: dict[int, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, raw: dict[str, Any], at: float) -> None:
        kind = raw.get("type")
        data = raw.get("data") or {}
        turn = raw.get("turn")
        if kind == "session.ready":
            self.ready.set()
        elif kind == "answer.started":
            answer = _Answer(int(data["answer_id"]), turn, at, data.get("trigger"), data.get("prepared_for"),
                             data.get("prepared_ago_ms"), data.get("persona"), data.get("answered_live"))
            self.answers[answer.answer_id] = answer
            if turn is not None:
                self.turn_answers.setdefault(turn, []).append(answer.answer_id)
        elif kind == "answer.delta":
            answer = self.answers.get(data.get("answer_id", -1))
            if answer is not None:
                answer.text += data.get("text", "")
                if answer.first_word_at is None and data.get("text", "").strip():
                    answer.first_word_at = at
        elif kind == "answer.done":
            answer = self.answers.get(data.get("answer_id", -1))
            if answer is not None:
                answer.done_at = at
                if data.get("text") is not None:
                    answer.text = data["text"]
        elif kind == "answer.cancelled":
            answer = self.answers.get(data.get("answer_id", -1))
            if answer is not None:
                answer.cancelled = True
                answer.done_at = at
        elif kind == "answer.retracted":
            answer = self.answers.get(data.get("answer_id", -1))
            if answer is not None:
                answer.retractions += 1
        elif kind == "turn.latency" and turn is not None:
            self.latency[turn] = data
        elif kind == "error":
            self.errors.append({"turn": turn, **data})
        self.changed.set()

    async def wait_for(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while True:
            self.changed.clear()
            if condition():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))
            except TimeoutError:
                pass

    def first_answer(self, turn: int) -> _Answer | None:
        ids = self.turn_answers.get(turn) or []
        return self.answers[ids[0]] if ids else None

    def answered(self, turn: int) -> bool:
        ids = self.turn_answers.get(turn) or []
        return bool(ids) and all(self.answers[i].done_at is not None for i in ids)


def record_of(question: str, turn: int | None, sent_at: float, reader: EventReader, *, timed_out: bool, error: str | None = None) -> dict[str, Any]:
    """One question's measures from what the reader holds for its turn."""
    answer = reader.first_answer(turn) if turn is not None else None
    latency = reader.latency.get(turn, {}) if turn is not None else {}
    errors = [e.get("message") or e.get("code") for e in reader.errors if e.get("turn") == turn and turn is not None]
    if error is None and errors:
        error = "; ".join(str(e) for e in errors)
    return {
        "question": question,
        "turn": turn,
        "answer_id": None if answer is None else answer.answer_id,
        "trigger": None if answer is None else answer.trigger,
        "prepared_for": None if answer is None else answer.prepared_for,
        "prepared_ago_ms": None if answer is None else answer.prepared_ago_ms,
        "answered_live": None if answer is None else answer.answered_live,
        "first_word_ms": None if answer is None or answer.first_word_at is None else round((answer.first_word_at - sent_at) * 1000, 1),
        "done_ms": None if answer is None or answer.done_at is None else round((answer.done_at - sent_at) * 1000, 1),
        "llm_ttft_ms": latency.get("llm_ttft_ms"),
        "server_first_word_ms": latency.get("e2e_first_word_ms"),
        "latency_trigger": latency.get("trigger"),
        "latency_prepared_ago_ms": latency.get("prepared_ago_ms"),
        "answers_in_turn": len(reader.turn_answers.get(turn, [])) if turn is not None else 0,
        "cancelled": False if answer is None else answer.cancelled,
        "retractions": 0 if answer is None else answer.retractions,
        "answer": "" if answer is None else answer.text.strip(),
        "timed_out": timed_out,
        "error": error,
    }


async def _create_session(http: Any, script: Script, prefetch: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"persona": script.persona, "prefetch": prefetch}
    if script.profile is not None:
        body["profile"] = script.profile.to_dict()
    for _ in range(10):
        response = await http.post("/sessions", json=body)
        if response.status_code in (429, 503):
            # Rate-limited, or the node is full for now: as a client should, wait as told (at
            # most 10 s a try: a full node frees up as the previous script's session ends).
            await asyncio.sleep(min(10.0, float(response.headers.get("Retry-After", "3"))))
            continue
        if response.status_code != 201:
            raise RuntimeError(f"{script.name}: cannot create a session: {response.status_code} {response.text}")
        return response.json()  # type: ignore[no-any-return]
    raise RuntimeError(f"{script.name}: session creation still refused after 10 tries")


async def _send(http: Any, session: dict[str, Any], script: Script, question: str) -> int:
    params = {"token": session["owner_token"]}
    if script.route == "message":
        response = await http.post(f"/sessions/{session['session_id']}/messages", params=params, json={"text": question})
    else:
        response = await http.post(f"/sessions/{session['session_id']}/board", params=params,
                                   json={"text": question, "to": script.persona})
    if response.status_code != 202:
        raise RuntimeError(f"{response.status_code} {response.text[:300]}")
    return int(response.json()["turn"])


async def run_session(
    http: Any,
    script: Script,
    *,
    prefetch: bool,
    pause_s: float,
    on_question: Callable[[str], None] | None = None,
    on_answer: Callable[[], None] | None = None,
    prefetch_stats: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One session of one script: its questions asked in order with the pause before each.
    ``prefetch_stats``: filled with the session's prefetch figures (``GET /sessions/{id}``'s
    ``prefetch``) before it is closed."""
    import websockets

    session = await _create_session(http, script, prefetch)
    reader = EventReader()
    records: list[dict[str, Any]] = []
    url = f"{session['ws_url']}?token={session['owner_token']}"
    try:
        async with websockets.connect(url, max_size=2**22, open_timeout=30) as ws:

            async def receive() -> None:
                async for message in ws:
                    at = time.monotonic()
                    raw = json.loads(message)
                    if raw.get("seq") is None:
                        if raw.get("type") == "error":
                            reader.errors.append({"turn": None, **(raw.get("data") or {})})
                        continue
                    reader.take(raw, at)

            receiver = asyncio.create_task(receive())
            try:
                if not await reader.wait_for(reader.ready.is_set, READY_TIMEOUT_S):
                    raise RuntimeError(f"{script.name}: the session was not ready within {READY_TIMEOUT_S:.0f} s")
                pending: tuple[str, int | None, float, bool, str | None] | None = None
                for question in script.questions:
                    await asyncio.sleep(pause_s)
                    if pending is not None:
                        records.append(record_of(pending[0], pending[1], pending[2], reader, timed_out=pending[3], error=pending[4]))
                    if on_question is not None:
                        on_question(question)
                    sent = time.monotonic()
                    try:
                        turn: int | None = await _send(http, session, script, question)
                    except Exception as exc:  # noqa: BLE001 - recorded, the script goes on
                        pending = (question, None, sent, False, f"sending: {exc}")
                    else:
                        finished = await reader.wait_for(lambda t=turn: reader.answered(t), ANSWER_TIMEOUT_S)
                        pending = (question, turn, sent, not finished, None)
                    if on_answer is not None:
                        on_answer()
                if pending is not None:
                    last_turn = pending[1]
                    if last_turn is not None:
                        await reader.wait_for(lambda: last_turn in reader.latency, LATENCY_WAIT_S)
                    records.append(record_of(pending[0], pending[1], pending[2], reader, timed_out=pending[3], error=pending[4]))
            finally:
                receiver.cancel()
                try:
                    await receiver
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - the socket closing under it
                    pass
    finally:
        if prefetch_stats is not None and prefetch:
            try:
                info = await http.get(f"/sessions/{session['session_id']}", params={"token": session["owner_token"]})
                prefetch_stats.update(info.json().get("prefetch") or {})
            except Exception:  # noqa: BLE001 - figures only; the records stand
                pass
        try:
            await http.delete(f"/sessions/{session['session_id']}", params={"token": session["owner_token"]})
        except Exception:  # noqa: BLE001 - the server may already be gone
            pass
    return records


# Asked before anything is measured, in a session of the sample profile with prefetching off and
# then one with it on: a server's first answers pay for what is made once per process (imports,
# compiled patterns, the engines' first calls, the prefetcher's tables). The first script's first
# session had paid it alone, and it is always the prefetch-on one (``run_order``): on a
# three-script run, the first script's own on/off ratio was 1.12-1.35 while the others' were
# 0.88-1.28. Questions of no script's, so that no measured question is answered warm.
WARM_UP_QUESTIONS = (
    "Thanks for making the time today. To start us off, how would you sum up the path that brought you here?",
    "Which part of your work do you still find hardest to get right?",
    "Roughly what figure are you after for your next move?",
)
# The prefetching session's pause: past the prefetcher's idle wait (1 s), so that it predicts and
# prepares once.
WARM_UP_PAUSE_S = 1.5


async def warm_up(http: Any) -> None:
    """The server's once-per-process costs, paid before any script is measured (``WARM_UP_QUESTIONS``)."""
    script = Script(name="warm-up", persona=COPILOT, profile=None, questions=WARM_UP_QUESTIONS)
    await run_session(http, script, prefetch=False, pause_s=0.0)
    await run_session(http, script, prefetch=True, pause_s=WARM_UP_PAUSE_S)


async def run_async(scripts: Sequence[Script], url: str, *, pause_s: float, console: Console) -> list[dict[str, Any]]:
    import httpx

    from firstword.answerer.profile import sample_profile

    runs: list[dict[str, Any]] = []
    total = 2 * sum(len(s.questions) for s in scripts)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        (await http.get("/healthz")).raise_for_status()
        with console.status("warming the server up (not measured)"):
            await warm_up(http)
        progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True,
        )
        with progress:
            task = progress.add_task("asking", total=total)
            for index, script in enumerate(scripts):
                run: dict[str, Any] = {"name": script.name, "persona": script.persona, "profile": script.profile_label,
                                       "about": script.about, "order": []}
                if script.route == "message":
                    # The script's own questions once, unmeasured: the second session to ask a
                    # question found what the first had read of its words (its type, its terms)
                    # ready, and the first of a script's two sessions is the prefetch-on one on
                    # even scripts (``run_order``): over three scripts, those asked on-first had
                    # on/off ratios of 1.23 and 1.39, the one asked off-first 0.90. (An advisor's
                    # first words are seconds of the model's: not warmed, and not so skewed.)
                    progress.update(task, description=f"{script.name} · warming up (not measured)")
                    await run_session(http, script, prefetch=False, pause_s=0.0)
                for prefetch in run_order(index):
                    mode = "on" if prefetch else "off"
                    run["order"].append(mode)

                    def asking(question: str, mode: str = mode, script: Script = script) -> None:
                        progress.update(task, description=f"{script.name} · prefetch {mode} · {question[:40]}")

                    figures: dict[str, Any] = {}
                    if prefetch:
                        run["prefetch"] = figures
                    try:
                        run[mode] = await run_session(http, script, prefetch=prefetch, pause_s=pause_s,
                                                      on_question=asking, on_answer=lambda: progress.advance(task),
                                                      prefetch_stats=figures)
                    except Exception as exc:  # noqa: BLE001 - reported per question, the bench goes on
                        # The session could not run (not created, never ready, its socket refused):
                        # every question is recorded with the reason, and the next script runs.
                        console.print(f"[red]{escape(f'{script.name} prefetch {mode}: {exc}')}[/]")
                        empty = EventReader()
                        run[mode] = [record_of(q, None, 0.0, empty, timed_out=False, error=f"session: {exc}")
                                     for q in script.questions]
                    console.log(_line(script, mode, run[mode]))
                profile = script.profile if script.profile is not None else sample_profile()
                for rec, offline in zip(run["on"], replay_predictions(script, run["on"], profile), strict=True):
                    rec["offline"] = offline
                runs.append(run)
    return runs


def _line(script: Script, mode: str, records: Sequence[dict[str, Any]]) -> str:
    hits = sum(_is_hit(r) for r in records)
    fws = [r["first_word_ms"] for r in records if r.get("first_word_ms") is not None]
    med = f"{statistics.median(fws):.0f} ms" if fws else "–"
    return f"{script.name} ({script.persona}) prefetch {mode}: {len(records)} questions, {hits} hits, first word p50 {med}"


# ----- the report ----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def tables(result: dict[str, Any]) -> list[Table]:
    per = Table(title="prefetch: per script (first word in ms, client clock)")
    for col in ("script", "persona", "profile", "questions", "hits", "hit rate", "hit p50", "miss p50 on", "same off"):
        per.add_column(col, justify="right" if col not in ("script", "persona", "profile") else "left")
    for row in result["by_script"]:
        per.add_row(row["script"], row["persona"], row["profile"][:28], str(row["questions"]), str(row["hits"]),
                    "–" if row["hit_rate"] is None else f"{row['hit_rate']:.0%}", _ms(row["first_word_on_hit_ms_p50"]),
                    _ms(row["first_word_on_miss_ms_p50"]), _ms(row["first_word_off_same_questions_ms_p50"]))
    s = result["summary"]
    total = Table(title="prefetch: summary (targets: hit rate ≥ 30%, false hits 0, hit p50 ≤ 10 ms, live ratio ≤ 1.05)")
    for col in ("questions", "hits", "hit rate", "false", "unjudged", "hit p50", "hit p95", "miss p50",
                "live ttft ratio", "llm ttft ratio", "problems"):
        total.add_column(col, justify="right")
    total.add_row(
        str(s["questions"]), str(s["hits"]), "–" if s["hit_rate"] is None else f"{s['hit_rate']:.0%}",
        str(s["false_hits"]), str(s["unjudged_hits"]), _ms(s["first_word_on_hit_ms"]["p50"]),
        _ms(s["first_word_on_hit_ms"]["p95"]), _ms(s["first_word_on_miss_ms"]["p50"]),
        "–" if s["live_ttft_ratio"] is None else f"{s['live_ttft_ratio']:.3f}",
        "–" if s["llm_ttft_ratio"] is None else f"{s['llm_ttft_ratio']:.3f}", str(s["problems"]),
    )
    out = [per, total]
    if result["hits"]:
        hits = Table(title="hits: the question asked → the question the answer was prepared for")
        for col in ("script", "asked", "prepared for", "verdict", "ms", "ready ago"):
            hits.add_column(col)
        for h in result["hits"]:
            style = {"false": "red", "unjudged": "yellow"}.get(h["verdict"], "")
            hits.add_row(h["script"], escape(h["question"]), escape(str(h["prepared_for"])), f"[{style}]{h['verdict']}[/]" if style else h["verdict"],
                         _ms(h["first_word_ms"]), _ms(h["prepared_ago_ms"]))
        out.append(hits)
    return out


def _print(result: dict[str, Any], console: Console) -> None:
    for table in tables(result):
        console.print(table)
    s, b = result["summary"], result["bounds"]
    for name, r in s["by_route"].items():
        console.print(
            f"{name} route, questions missed with prefetch on: first word p50 {_ms(r['first_word_on_ms_p50'])} ms on, "
            f"{_ms(r['first_word_off_ms_p50'])} ms off (ratio {r['live_ttft_ratio']}), p95 {_ms(r['first_word_on_ms_p95'])} on, "
            f"{_ms(r['first_word_off_ms_p95'])} off; LLM first token ratio {r['llm_ttft_ratio']}"
        )
    if s.get("lookups") is not None:
        console.print(f"lookups: {s['lookups']}, of them decided beside the server's loop: {s['lookups_decided_beside']}")
    console.print(
        f"misses: {b['misses']}; of them predicted by the offline replay but not shown: {b['predicted_offline_not_shown']}, "
        f"not predicted: {b['not_predicted_offline']}"
    )
    if result["unjudged"]:
        console.print(f"[yellow bold]{s['unjudged_hits']} unjudged hit(s): read each pair and add it to "
                      "firstword/prefetch/data/paraphrases.jsonl[/]")
        for u in result["unjudged"]:
            console.print(escape(f"  asked {u['question']!r}  ←  prepared for {u['prepared_for']!r}  ({u['script']})"))
    for p in result["problems"]:
        console.print("[red]problem[/] " + escape(f"{p['script']} #{p['index']} ({p['mode']}): {p['problem']}: {p['question']!r}"))


def run(
    scripts_dir: Path,
    json_out: Path | None,
    *,
    url: str | None = None,
    pause_s: float = DEFAULT_PAUSE_S,
    limit: int | None = None,
    console: Console,
) -> dict[str, Any]:
    scripts = load_scripts(scripts_dir, limit)
    judge = HitJudge.default()
    n = sum(len(s.questions) for s in scripts)
    console.print(f"[bold]prefetch bench[/]: {len(scripts)} scripts, {n} questions, each asked with prefetch on and off, "
                  f"{pause_s:g} s pause before each")
    started = time.monotonic()
    if url is None:
        from firstword.bench.server_process import ServerProcess

        with console.status("starting a server with the bundled engines"):
            server = ServerProcess().__enter__()
        try:
            runs = asyncio.run(run_async(scripts, server.url, pause_s=pause_s, console=console))
        except BaseException:
            console.print(f"[red]the run failed; the server's log ends:[/]\n{server.log_tail()}")
            raise
        finally:
            server.__exit__()
    else:
        runs = asyncio.run(run_async(scripts, url, pause_s=pause_s, console=console))
    result = summarise(runs, judge)
    result["config"] = {"scripts_dir": str(scripts_dir), "scripts": len(scripts), "pause_s": pause_s,
                        "server": url or "started here (bundled engines)", "wall_s": round(time.monotonic() - started, 1),
                        "warm_up": {"questions": list(WARM_UP_QUESTIONS), "sessions": ["prefetch off", "prefetch on"]}}
    result["scripts"] = runs
    _print(result, console)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}")
    return result
