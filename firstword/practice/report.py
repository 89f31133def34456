"""The end-of-interview report: per competency, what the candidate showed, each point quoting
their own words with the sequence numbers (``seq``) of the transcript events they came from.

Nothing is claimed without a quote: a point is made only from a span of a final transcript
segment (a STAR part, a figure, a first-person sentence that names a competency, a reason given,
a question asked). What was *not* heard is listed apart as ``not_heard`` ("no result was heard
in the answer to behavioural-2"): a statement about the transcript, never about the person.

A poor transcript is not scored. ``assess_transcript`` says why in plain words when any of these
holds (each threshold is a named constant below, with its reason): too few words or seconds of
speech, too many unusable segments (empty, "[inaudible]", "(unintelligible)", a repeated-token
loop), or a low mean ``confidence`` where the STT gives one. The report then says so instead of
rating anything.

Input: one ``AnsweredQuestion`` per planned question that was asked, with its final transcript
segments as ``(seq, text)`` or ``(seq, text, confidence)`` (or ``Segment``) and the seconds the
answer took. Where the live transcript replaced earlier finals (``transcript.final.replaces``),
pass the replacing segments only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from firstword.practice.feedback import (
    HESITATION,
    MARKER,
    STAR_PARTS,
    AnswerFeedback,
    Quote,
    analyse_answer,
    quote,
    words,
)
from firstword.practice.plan import COMPETENCY_LABELS, Competency, PlannedQuestion, QuestionKind, cues_in

# ----- thresholds for "too poor to judge" --------------------------------------------------------

# Fewer words than this in the whole interview (hesitations and markers not counted) is less than
# one real answer: nothing to judge a competency on.
MIN_WORDS = 20
# Less speech than this in all (when durations are given) is shorter than one short answer.
MIN_SPEECH_S = 30.0
# More than this share of the segments unusable (empty, "[inaudible]", a loop): what is left is a
# patchwork, and quoting it would misrepresent the candidate.
MAX_UNUSABLE_SHARE = 0.3
# Below this mean confidence (0..1, where the STT gives one) the words themselves are doubtful.
MIN_MEAN_CONFIDENCE = 0.6
# A token or phrase of up to ``LOOP_NGRAM`` words said this many times in a row is a decoder loop
# ("thank you thank you thank you …"), not speech. Real speech in the shared corpus repeats a word
# four times ("some more words words words words", mfa_acoustic_corpus), so four is not enough.
LOOP_REPEATS = 5
LOOP_NGRAM = 4

# Rating of a competency (see ``_rating``): a full story with a figure, some evidence, or none.
RATINGS = ("clear", "partial", "not_shown")


@dataclass(frozen=True, slots=True)
class Segment:
    seq: int
    text: str
    confidence: float | None = None


@dataclass(frozen=True)
class AnsweredQuestion:
    question: PlannedQuestion
    segments: Sequence[Segment | tuple[int, str] | tuple[int, str, float | None]]
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class Point:
    """One thing the candidate showed, in their words: ``quote`` is a substring of the segment
    (or segments) ``seqs`` name, in the answer to ``question_id``."""

    statement: str
    quote: str
    seqs: tuple[int, ...]
    question_id: str

    def to_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "quote": self.quote, "seqs": list(self.seqs), "question_id": self.question_id}


@dataclass(frozen=True)
class CompetencyFinding:
    competency: Competency
    rating: str  # one of RATINGS
    points: tuple[Point, ...]
    not_heard: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return COMPETENCY_LABELS[self.competency]

    def to_json(self) -> dict[str, Any]:
        return {"competency": self.competency.value, "label": self.label, "rating": self.rating,
                "points": [p.to_json() for p in self.points], "not_heard": list(self.not_heard)}


@dataclass(frozen=True)
class TranscriptQuality:
    words: int
    speech_s: float | None
    segments: int
    unusable_seqs: tuple[int, ...]
    mean_confidence: float | None
    # Why the transcript cannot be judged, in plain words; empty when it can.
    problems: tuple[str, ...]

    @property
    def judgeable(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"words": self.words, "speech_s": self.speech_s, "segments": self.segments,
                "unusable_seqs": list(self.unusable_seqs), "mean_confidence": self.mean_confidence,
                "judgeable": self.judgeable, "problems": list(self.problems)}


@dataclass(frozen=True)
class AnswerReport:
    question: PlannedQuestion
    transcript: str  # the usable segments joined by newlines: what the offsets in feedback refer to
    seqs: tuple[int, ...]
    feedback: AnswerFeedback

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question.to_json(), "transcript": self.transcript, "seqs": list(self.seqs),
                "feedback": self.feedback.to_json()}


@dataclass(frozen=True)
class InterviewReport:
    quality: TranscriptQuality
    competencies: tuple[CompetencyFinding, ...] = ()
    answers: tuple[AnswerReport, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def judged(self) -> bool:
        return self.quality.judgeable

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict. When not judged, ``competencies`` and ``answers`` are empty and
        ``quality.problems`` says why."""
        return {
            "judged": self.judged,
            "quality": self.quality.to_json(),
            "competencies": [c.to_json() for c in self.competencies],
            "answers": [a.to_json() for a in self.answers],
            "notes": list(self.notes),
        }

    def to_markdown(self) -> str:
        q = self.quality
        lines = ["# Practice interview report", ""]
        heard = f"{q.words} word{'' if q.words == 1 else 's'}"
        if q.speech_s is not None:
            heard += f" over {_duration(q.speech_s)}"
        heard += f", {q.segments} transcript segment{'s' if q.segments != 1 else ''}"
        if q.unusable_seqs:
            heard += f" ({len(q.unusable_seqs)} unusable)"
        if q.mean_confidence is not None:
            heard += f", mean confidence {q.mean_confidence:.2f}"
        lines += [f"Heard: {heard}.", ""]
        if not self.judged:
            lines += ["## Not enough to judge", "",
                      "The transcript is too poor to judge this interview, so nothing is scored:", ""]
            lines += [f"- {p}" for p in q.problems]
            lines += ["", "Try again with the microphone closer, in a quieter room, and answer each question in full."]
            return "\n".join(lines) + "\n"
        lines += ["## What you showed, by competency", ""]
        for finding in self.competencies:
            lines += [f"### {finding.label}: {_RATING_WORDS[finding.rating]}", ""]
            for p in finding.points:
                seqs = ", ".join(str(s) for s in p.seqs)
                lines.append(f"- {p.statement}: \u201c{_md(p.quote)}\u201d (seq {seqs}, {p.question_id})")
            if not finding.points:
                lines.append("- Nothing in the transcript showed this yet.")
            for gap in finding.not_heard:
                lines.append(f"- Not heard: {gap}")
            lines.append("")
        lines += ["## Answer by answer", ""]
        for answer in self.answers:
            fb = answer.feedback
            lines += [f"### {answer.question.id}: {_md(answer.question.text)}", ""]
            keys = ("words_per_minute", "fillers_per_minute", "star", "specifics", "relevance")
            if answer.question.kind not in (QuestionKind.BEHAVIOURAL, QuestionKind.TECHNICAL):
                keys = ("words_per_minute", "fillers_per_minute")
            for key in keys:
                lines.append(f"- {_md(fb.explanations[key])}")
            if fb.fillers:
                said = ", ".join(f"\u201c{_md(f.quote.text)}\u201d" for f in fb.fillers[:8])
                lines.append(f"- Fillers heard: {said}{' …' if len(fb.fillers) > 8 else ''}")
            lines += [f"- Suggestion: {_md(fb.suggestion.text)}", ""]
        for note in self.notes:
            lines.append(f"_{_md(note)}_")
        return "\n".join(lines).rstrip() + "\n"


_RATING_WORDS = {"clear": "shown clearly", "partial": "partly shown", "not_shown": "not shown yet"}


# ----- quality ---------------------------------------------------------------------------------------


def _segments(raw: Iterable[Segment | tuple[Any, ...]]) -> list[Segment]:
    out = []
    for item in raw:
        if isinstance(item, Segment):
            out.append(item)
        else:
            seq, text, *rest = item
            out.append(Segment(int(seq), str(text or ""), float(rest[0]) if rest and rest[0] is not None else None))
    return out


def unusable(text: str) -> bool:
    """An empty segment, one of markers only ("[inaudible]", "(unintelligible)"), or a loop."""
    if words(text) == 0:
        return True
    if re.fullmatch(r"\W*(?:inaudible|unintelligible|indistinct|crosstalk)\W*", text.strip(), re.IGNORECASE):
        return True
    return looped(text)


def looped(text: str) -> bool:
    """A run of one token or phrase (up to ``LOOP_NGRAM`` words) ``LOOP_REPEATS`` times in a row."""
    toks = re.findall(r"[a-z0-9']+", MARKER.sub(" ", text.lower()))
    for n in range(1, LOOP_NGRAM + 1):
        for start in range(len(toks) - n * LOOP_REPEATS + 1):
            gram = toks[start: start + n]
            if all(toks[start + k * n: start + (k + 1) * n] == gram for k in range(1, LOOP_REPEATS)):
                return True
    return False


def assess_transcript(answers: Sequence[AnsweredQuestion]) -> TranscriptQuality:
    segs = [s for a in answers for s in _segments(a.segments)]
    bad = tuple(s.seq for s in segs if unusable(s.text))
    usable_text = [s.text for s in segs if s.seq not in bad]
    n_words = sum(1 for t in usable_text for w in re.findall(r"[A-Za-z0-9']+", MARKER.sub(" ", t)) if not HESITATION.match(w.lower()))
    durations = [a.duration_s for a in answers if a.duration_s is not None and 0 <= a.duration_s < math.inf]
    speech_s = round(sum(durations), 1) if durations else None
    confidences = [s.confidence for s in segs if s.confidence is not None and math.isfinite(s.confidence)]
    mean_conf = round(sum(confidences) / len(confidences), 3) if confidences else None
    problems = []
    if n_words < MIN_WORDS:
        problems.append(f"Only {n_words} clear word{' was' if n_words == 1 else 's were'} heard in the answers; at least {MIN_WORDS} are needed to judge anything.")
    if speech_s is not None and speech_s < MIN_SPEECH_S:
        problems.append(f"Only {speech_s:g} s of answers were heard; at least {MIN_SPEECH_S:g} s are needed.")
    if segs and len(bad) / len(segs) > MAX_UNUSABLE_SHARE:
        problems.append(
            f"{len(bad)} of {len(segs)} transcript segments could not be understood (empty, inaudible or repeating "
            f"itself); more than {MAX_UNUSABLE_SHARE:.0%} makes the rest unreliable."
        )
    if mean_conf is not None and mean_conf < MIN_MEAN_CONFIDENCE:
        problems.append(f"The speech recogniser's mean confidence was {mean_conf:.2f}, below {MIN_MEAN_CONFIDENCE:g}: the words themselves are doubtful.")
    if not segs:
        problems = [f"No answers were heard; at least {MIN_WORDS} words are needed to judge anything."]
    return TranscriptQuality(n_words, speech_s, len(segs), bad, mean_conf, tuple(problems))


# ----- the report ------------------------------------------------------------------------------------

_STAR_STATEMENTS = {
    "situation": "Set the scene",
    "task": "Said what you were responsible for",
    "action": "Said what you did",
    "result": "Said how it turned out",
}
_NOT_HEARD = {"action": "what you did yourself", "result": "how it turned out", "figure": "a figure or measured outcome"}
_I_SENTENCE = re.compile(r"\b(?:I|I'm|I've|I'd|my|me)\b", re.IGNORECASE)
_REASON = re.compile(
    r"\b(?:because|I want|I'd love|I would love|I'm (?:excited|keen|drawn|interested)|excit\w*|interest\w*|"
    r"mission|enjoy\w*|passion\w*|drawn to|appeal\w*|care about|motivat\w*)\b",
    re.IGNORECASE,
)
_ASKED = re.compile(r"[^.!?\n]*\?")


def build_report(answers: Sequence[AnsweredQuestion]) -> InterviewReport:
    """The report for the answers given (in the order they were asked)."""
    quality = assess_transcript(answers)
    if not quality.judgeable:
        return InterviewReport(quality)
    points: dict[Competency, list[Point]] = {}
    not_heard: dict[Competency, list[str]] = {}
    asked: list[Competency] = []
    reports: list[AnswerReport] = []
    full_stories: set[Competency] = set()
    bad = set(quality.unusable_seqs)
    story_competencies = {a.question.competency for a in answers
                          if a.question.kind in (QuestionKind.BEHAVIOURAL, QuestionKind.TECHNICAL)}
    for answer in answers:
        q = answer.question
        if q.competency not in asked:
            asked.append(q.competency)
        segs = [s for s in _segments(answer.segments) if s.seq not in bad]
        text, spans = _joined(segs)
        fb = analyse_answer(q, text, answer.duration_s)
        reports.append(AnswerReport(q, text, tuple(s.seq for s in segs), fb))

        def point(statement: str, qt: Quote | None, competency: Competency = q.competency) -> None:
            if qt is None:
                return
            seqs = tuple(seq for seq, (start, end) in spans if start < qt.end and qt.start < end)
            points.setdefault(competency, []).append(Point(statement, qt.text, seqs, q.id))

        if q.kind in (QuestionKind.BEHAVIOURAL, QuestionKind.TECHNICAL):
            for part in STAR_PARTS:
                if fb.star[part]:
                    point(_STAR_STATEMENTS[part], fb.star[part][0])
            if fb.specifics:
                point("Gave a figure", fb.specifics[0])
            if fb.star["action"] and fb.star["result"] and fb.specifics:
                full_stories.add(q.competency)
            if q.kind is QuestionKind.BEHAVIOURAL and words(text) > 0:
                missing = [_NOT_HEARD[p] for p in ("action", "result") if not fb.star[p]]
                if not fb.specifics:
                    missing.append(_NOT_HEARD["figure"])
                if missing:
                    not_heard.setdefault(q.competency, []).append(f"{'; '.join(missing)} (in the answer to {q.id}).")
        elif q.kind is QuestionKind.MOTIVATION:
            m = next((m for m in _REASON.finditer(text) if "\n" not in m.group(0)), None)
            if m is not None:
                point("Gave a reason for wanting the role", _sentence_at(text, m.start()))
        elif q.kind is QuestionKind.OPENER:
            first = next(((a, b) for a, b in _sentence_spans(text) if _I_SENTENCE.search(text[a:b]) and words(text[a:b]) >= 6), None)
            if first is not None:
                point("Summed up your background", quote(text, *first))
        elif q.kind is QuestionKind.CLOSING:
            for m in _ASKED.finditer(text):
                point("Asked a question", quote(text, m.start(), m.end()))
        # Any first-person sentence of any answer that names a competency's cue ("I mentored two
        # new starters"): evidence for that competency, wherever it was said.
        for s_start, s_end in _sentence_spans(text):
            sentence = text[s_start:s_end]
            if not _I_SENTENCE.search(sentence):
                continue
            for cue in cues_in(sentence):
                if cue.competency in (q.competency, Competency.CUSTOMER_FOCUS):
                    # Its own question's points say it; "customers" in a sentence is not care for them.
                    continue
                if any(p.question_id == q.id and p.statement.startswith("Spoke about") for p in points.get(cue.competency, [])):
                    break
                point(f"Spoke about {cue.topic}", quote(text, s_start, s_end), cue.competency)
                break

    findings = []
    # The competencies a story was asked for, then any other with quoted evidence (the opener's
    # "communication" and the motivation questions are listed only when something showed them).
    for competency in [*asked, *[c for c in points if c not in asked]]:
        if competency not in story_competencies and not points.get(competency):
            continue
        if any(f.competency is competency for f in findings):
            continue
        found = tuple(_dedupe(points.get(competency, [])))
        findings.append(CompetencyFinding(competency, _rating(competency, found, full_stories), found,
                                          tuple(not_heard.get(competency, []))))
    notes = ("Points quote the final transcript; seq numbers are the transcript events they came from.",)
    return InterviewReport(quality, tuple(findings), tuple(reports), notes)


def _rating(competency: Competency, points: tuple[Point, ...], full_stories: set[Competency]) -> str:
    """``clear``: a story for this competency with an action, a result and a figure; ``partial``:
    any quoted evidence at all; ``not_shown``: none."""
    if competency in full_stories:
        return "clear"
    return "partial" if points else "not_shown"


def _joined(segs: list[Segment]) -> tuple[str, list[tuple[int, tuple[int, int]]]]:
    """The segments' texts joined by newlines (so no quote joins two segments), with each
    segment's span in the joined text."""
    parts, spans, at = [], [], 0
    for s in segs:
        text = s.text  # kept exactly: a newline inside a segment only ends quotes sooner
        spans.append((s.seq, (at, at + len(text))))
        parts.append(text)
        at += len(text) + 1
    return "\n".join(parts), spans


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    out = []
    for m in re.finditer(r"[^.!?\n]+[.!?]?", text):
        q = quote(text, m.start(), m.end())
        if q is not None and words(q.text) >= 3:
            out.append((q.start, q.end))
    return out


def _sentence_at(text: str, at: int) -> Quote | None:
    start = max(text.rfind(c, 0, at) for c in ".!?\n") + 1
    ends = [i for c in ".!?\n" if (i := text.find(c, at)) >= 0]
    end = min(ends) if ends else len(text)
    return quote(text, start, end)


def _dedupe(points: list[Point]) -> list[Point]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in points:
        if (p.quote, p.question_id) not in seen:
            seen.add((p.quote, p.question_id))
            out.append(p)
    return out


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _md(text: str) -> str:
    """Text safe inside Markdown: the candidate's words never become formatting."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)

