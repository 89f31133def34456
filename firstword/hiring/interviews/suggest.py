"""Suggested ratings by explicit rules, each point cited from the transcript by sequence number.

For each competency of the interview plan:

1. **Find the question.** The interviewer utterance sharing the most content words with the
   plan's question, if it shares at least ``QUESTION_MATCH`` (half) of them; interviewers
   paraphrase, but a question with fewer shared words is as likely another question.
2. **Take the answer.** The candidate's utterances after it, up to the next plan question found
   (follow-ups such as "and then?" stay inside). At least ``MIN_ANSWER_WORDS`` words, and at
   least one of the competency's terms (lexicon terms, words of its question and anchors): an
   answer that never touches the competency is not rated by rule.
3. **Recognise STAR elements**, sentence by sentence, by the cue patterns below: a concrete
   *situation or task* (a time, a place, "there was", "my task was"); an *action in the first
   person* ("I called", "I rewrote"; not "I would", not only "we"); a *result* ("as a result",
   "reduced", "resolved"); a *measurable* result (a result sentence holding a number or a
   quantity word); and *hypothetical* talk ("I would", "I always", "you should").
4. **Level** (the default anchors are written to the same ladder):
   own action present: 3; with a result: 4; with a measurable result: 5; one lower if no
   concrete situation was told (the story cannot be placed). No own action but a situation, or
   only "we" actions: 2. Only hypothetical or general talk: 1. Nothing recognised: no suggestion.

Every element that sets the level is quoted with its sequence number; with no evidence there is
no suggestion, only the reason. A suggestion is advice to the rater and is never stored as a
score: the rater's own rating is the score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from firstword.hiring.interviews.quality import is_lost, words
from firstword.hiring.interviews.transcript import Utterance
from firstword.hiring.service.competencies import LEXICON

QUESTION_MATCH = 0.5
# About 10-15 seconds of speech: shorter than that is an acknowledgement, not an answer.
MIN_ANSWER_WORDS = 25
MAX_QUOTE_CHARS = 240
# Quotes per STAR element: enough to show it, few enough to read.
MAX_QUOTES_PER_ELEMENT = 2
STEM = 6

_STOP = frozenset("""
a about above after again against all also am an and any are as at be because been before being between both
but by can could did do does doing down during each few for from further had has have having he her here
hers him his how i if in into is it its just me more most my no nor not now of off on once only or other our
ours out over own same she should so some such than that the their theirs them then there these they this
those through to too under until up very was we were what when where which while who whom why will with
would you your yours tell time describe walk through something someone did what how make made sure about
example give thing things really just like know think well yeah okay right going get got
""".split())

_VERBS_IRREGULAR = (
    "did|made|wrote|rewrote|built|took|went|spoke|ran|led|set|met|sent|told|found|chose|began|gave|got|kept|put|"
    "brought|sat|drew|broke|taught|spent|sought|split|read|won|paid|held|cut|caught|dug|fed|fought|hid|left|let|"
    "lent|rang|rode|sold|shut|stood|swapped|threw|undertook|withdrew|overcame|oversaw"
)
# -ed words after "I" that are states or wishes, not actions.
_NOT_ACTIONS = ("wanted", "liked", "hoped", "believed", "needed", "seemed", "loved", "hated", "guessed",
                "assumed", "supposed", "felt", "thought", "learned", "used to", "enjoyed", "preferred")
_ACTION_AFTER = rf"(?:(?:then|also|just|first|finally|immediately|personally|quickly)\s+)?(?:\w+ed|{_VERBS_IRREGULAR})\b"

PATTERNS: dict[str, re.Pattern[str]] = {
    "hypothetical": re.compile(
        r"\b(i would|i'd|i will|i'll|i always|i usually|i normally|i generally|i tend to|you should|you would|"
        r"you need to|you have to|in general|generally|typically|ideally)\b", re.IGNORECASE),
    "situation": re.compile(
        r"\b(when i was|while i was|at my (last|previous|old|current|first) (job|company|role|employer|team)|"
        r"last (year|month|week|quarter|spring|summer|autumn|fall|winter)|(a|one) (time|day|morning|week) |"
        r"there was|there were|we had|i was (working|responsible|asked|leading|in charge|on)|"
        r"my (task|job|role|goal|responsibility) was|the (goal|problem|issue|challenge|situation|task) was|"
        r"in (19|20)\d\d|back in|years? ago|months? ago)", re.IGNORECASE),
    "own action": re.compile(rf"\bi\s+(?!(?:{'|'.join(_NOT_ACTIONS)})\b){_ACTION_AFTER}", re.IGNORECASE),
    "we action": re.compile(rf"\bwe\s+{_ACTION_AFTER}", re.IGNORECASE),
    "result": re.compile(
        r"\b(as a result|result(ed|s)?|in the end|eventually|outcome|which (meant|led)|reduced|increased|improved|"
        r"saved|dropped|fell|rose|grew|doubled|halved|resolved|solved|fixed|shipped|launched|delivered|renewed|"
        r"retained|went from|went (down|up)|no longer|since then|succeeded|worked out)\b", re.IGNORECASE),
    "quantity": re.compile(
        r"\d|%|\b(percent|per cent|half|halved|doubled|twice|two|three|four|five|six|seven|eight|nine|ten|"
        r"eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|hours?|days?|weeks?|minutes?)\b",
        re.IGNORECASE),
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

RULE = ("own action in the first person: 3; with a result: 4; with a measurable result: 5; one lower "
        "without a concrete situation. A situation or 'we' actions without the candidate's own: 2. "
        "Only hypothetical or general talk: 1. Nothing recognised: no suggestion.")


def stems(text: str) -> set[str]:
    return {w.lower()[:STEM] for w in words(text) if len(w) > 2 and w.lower() not in _STOP}


def _lexicon_terms(competency: str) -> set[str]:
    for entry in LEXICON:
        if entry.name.lower() == competency.strip().lower():
            return {s for term in entry.terms for s in stems(term)}
    return set()


@dataclass(frozen=True)
class Sentence:
    seq: int
    text: str


def _sentences(utterances: Iterable[Utterance]) -> list[Sentence]:
    return [Sentence(u.seq, part.strip()) for u in utterances for part in _SENTENCE.split(u.text) if part.strip()]


def _quote(text: str) -> str:
    return text if len(text) <= MAX_QUOTE_CHARS else text[: MAX_QUOTE_CHARS - 1].rstrip() + "…"


def locate_question(utterances: list[Utterance], question: str) -> int | None:
    """Index of the interviewer utterance that asks ``question``, or None."""
    wanted = stems(question)
    if not wanted:
        return None
    best, best_share = None, 0.0
    for index, utterance in enumerate(utterances):
        if utterance.speaker != "interviewer":
            continue
        share = len(stems(utterance.text) & wanted) / len(wanted)
        if share > best_share:
            best, best_share = index, share
    return best if best_share >= QUESTION_MATCH else None


def _elements(sentences: list[Sentence]) -> dict[str, list[Sentence]]:
    found: dict[str, list[Sentence]] = {name: [] for name in ("hypothetical", "situation", "own action", "we action",
                                                                 "result", "measurable result")}
    for sentence in sentences:
        for name in ("hypothetical", "situation", "own action", "we action", "result"):
            if PATTERNS[name].search(sentence.text):
                found[name].append(sentence)
        if PATTERNS["result"].search(sentence.text) and PATTERNS["quantity"].search(sentence.text):
            found["measurable result"].append(sentence)
    # A sentence that only says what one would do is not an action or a situation of the story.
    hypothetical = {id(s) for s in found["hypothetical"]}
    for name in ("situation", "own action", "we action", "result", "measurable result"):
        found[name] = [s for s in found[name] if id(s) not in hypothetical]
    return found


def level_from(found: dict[str, list[Sentence]]) -> tuple[int, list[str]] | None:
    """The level and the elements that set it, by ``RULE``."""
    has = {name: bool(found[name]) for name in found}
    if has["own action"]:
        used = ["own action"]
        level = 3
        if has["measurable result"]:
            level, used = 5, [*used, "measurable result"]
        elif has["result"]:
            level, used = 4, [*used, "result"]
        if has["situation"]:
            used.insert(0, "situation")
        else:
            level -= 1
        return level, used
    if has["situation"] or has["we action"]:
        return 2, [name for name in ("situation", "we action") if has[name]]
    if has["hypothetical"]:
        return 1, ["hypothetical"]
    return None


def _why(level: int, used: list[str], found: dict[str, list[Sentence]]) -> str:
    cited = "; ".join(
        f"{name} (seq {', '.join(str(q) for q in dict.fromkeys(s.seq for s in found[name][:MAX_QUOTES_PER_ELEMENT]))})"
        for name in used
    )
    missing = [n for n in ("situation", "own action", "result", "measurable result") if not found[n]]
    tail = f"; not found: {', '.join(missing)}" if missing else ""
    return f"found {cited}{tail} → {level} (the rule: {RULE})"


def suggest_one(
    utterances: list[Utterance], competency: str, question: str, anchors: dict[str, str], next_questions: list[int]
) -> dict[str, Any]:
    """One competency's suggestion (or its absence, with the reason)."""
    out: dict[str, Any] = {"competency": competency, "question": question, "question_seq": None,
                           "answer_seqs": [], "matched_terms": [], "suggestion": None, "reason": None}
    start = locate_question(utterances, question)
    if start is None:
        out["reason"] = "the plan's question was not found among the interviewer's utterances"
        return out
    out["question_seq"] = utterances[start].seq
    end = min([i for i in next_questions if i > start], default=len(utterances))
    answer = [u for u in utterances[start + 1 : end] if u.speaker == "candidate" and not is_lost(u.text)]
    out["answer_seqs"] = [u.seq for u in answer]
    said = " ".join(u.text for u in answer)
    if len(words(said)) < MIN_ANSWER_WORDS:
        out["reason"] = f"the answer has {len(words(said))} words (at least {MIN_ANSWER_WORDS} are needed)"
        return out
    keywords = _lexicon_terms(competency) | stems(competency) | stems(question) | stems(" ".join(anchors.values()))
    matched = sorted(keywords & stems(said))
    out["matched_terms"] = matched
    if not matched:
        out["reason"] = "the answer uses none of the competency's terms; it may answer another question"
        return out
    found = _elements(_sentences(answer))
    decided = level_from(found)
    if decided is None:
        out["reason"] = "no situation, action, result or hypothetical statement was recognised in the answer"
        return out
    level, used = decided
    evidence = [
        {"seq": s.seq, "quote": _quote(s.text), "shows": name}
        for name in used for s in found[name][:MAX_QUOTES_PER_ELEMENT]
    ]
    out["suggestion"] = {
        "rating": level, "evidence": evidence, "why": _why(level, used, found),
        "anchor": anchors.get(str(level)),
    }
    return out


def suggest_all(utterances: list[Utterance], plan: list[dict[str, str]],
                anchors_for: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """One entry per plan question, in the plan's order (each entry named by its competency)."""
    located = [locate_question(utterances, entry["question"]) for entry in plan]
    positions = [i for i in located if i is not None]
    return [
        suggest_one(utterances, entry["competency"], entry["question"],
                    anchors_for.get(entry["competency"], {}), positions)
        for entry in plan
    ]
