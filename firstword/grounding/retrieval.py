"""The facts that answer a question: BM25 over the profile's facts, a synonym table, and a prior
per question type.

Lexical rather than embeddings: on this project's labelled questions the two find the same facts
(see README, "Grounding"), and BM25 costs ~0.1 ms a query with no model to load, where
all-MiniLM-L6-v2 needs sentence-transformers and torch (hundreds of MB) and ~10 ms a query on two
cores. Profiles are small (tens to a few hundred facts), so the index is rebuilt whenever the
profile changes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rank_bm25 import BM25Okapi

from firstword.grounding.facts import Fact, FactBase, Source
from firstword.grounding.questions import QuestionType

_STEM = snowballstemmer.stemmer("english")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9]+)*")

STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your yours yourself tell us me please give describe walk talk ask asked question questions
    like kind sort thing things really actually time times example situation instance occasion
    moment ever""".split()
)
# Words that say what to do with a topic, not what the topic is: a fact sharing only these with
# the question is near it, not about it ("design a rate limiter" vs "designed idempotent retries").
GENERIC = frozenset(
    _w
    for _w in """design build work use handle approach manage improve explain make do did go get
    want like think know new way best good role job team company experience experienced career
    time deal area part kind thing day give example""".split()

)

# Words an interviewer says and the words a profile uses for the same thing. Each row is one
# meaning; a query word pulls in the rest of its row (at a lower weight than the word itself).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("latency", "performance", "speed", "fast", "faster", "slow", "p95", "p99", "milliseconds", "ms"),
    ("lead", "led", "leading", "manage", "managed", "manager", "mentor", "mentoring", "team", "people",
     "charge", "coordinate", "coordinating", "supervise", "supervisor", "supervised", "coach", "coaching"),
    ("language", "languages", "stack", "skills", "skill", "programming", "technologies", "tools", "frameworks"),
    ("team", "colleagues", "shift", "shifts", "staff", "crew", "together", "collaborate", "collaboration"),
    ("conflict", "disagreement", "disagree", "argument", "tension", "pushback", "stakeholder"),
    ("failure", "fail", "failed", "mistake", "error", "outage", "incident", "setback", "wrong"),
    ("incident", "on-call", "oncall", "outage", "pager", "postmortem", "runbook", "reliability"),
    ("weakness", "improve", "improvement", "struggle", "used", "learning", "overcome"),
    ("salary", "compensation", "pay", "range", "money", "package", "expectation", "expectations"),
    ("start", "notice", "available", "availability", "join", "period"),
    ("relocate", "relocation", "move", "remote", "location", "onsite", "hybrid", "visa"),
    ("education", "degree", "study", "studied", "university", "college", "school", "bsc", "msc",
     "qualification", "certification", "certified", "course"),
    ("customer", "client", "patient", "user", "clinician", "stakeholder"),
    ("sales", "revenue", "quota", "deal", "pipeline", "account", "accounts"),
    ("teach", "teacher", "teaching", "lesson", "classroom", "student", "students", "pupils"),
    ("design", "designer", "ux", "ui", "prototype", "research", "figma"),
    ("nurse", "nursing", "ward", "patient", "care", "clinical"),
    ("health", "healthcare", "medical", "clinical", "hospital", "hospitals", "patients", "nhs"),
    ("negotiation", "negotiate", "negotiated", "discount", "deal", "contract", "procurement"),
    ("scale", "scaling", "throughput", "load", "traffic", "capacity"),
    ("database", "sql", "postgresql", "postgres", "mysql", "ledger"),
    ("streaming", "stream", "real-time", "realtime", "kafka", "events", "event"),
    ("pressure", "deadline", "deadlines", "urgent", "tight"),
    ("proud", "achievement", "accomplishment", "success", "impact", "result", "results"),
    ("why", "motivation", "mission", "enjoy", "interest", "interested", "passion", "excite"),
)

# How much each kind of fact counts for each kind of question (1.0 = as BM25 scores it). A fact
# about the job description never *opens* an answer (it is not about the person: see compose),
# but it can help the model continue a motivation or closing answer.
PRIORS: dict[QuestionType, dict[Source, float]] = {
    QuestionType.BEHAVIOURAL: {Source.STORY: 1.6, Source.RESUME: 1.0, Source.NOTES: 0.8, Source.JOB: 0.3},
    QuestionType.EXPERIENCE: {Source.RESUME: 1.4, Source.STORY: 1.1, Source.NOTES: 0.8, Source.JOB: 0.3},
    QuestionType.MOTIVATION: {Source.NOTES: 1.8, Source.JOB: 1.0, Source.RESUME: 0.7, Source.STORY: 0.6},
    QuestionType.WEAKNESS: {Source.NOTES: 1.8, Source.STORY: 1.0, Source.RESUME: 0.6, Source.JOB: 0.2},
    QuestionType.LOGISTICS: {Source.NOTES: 2.0, Source.RESUME: 0.5, Source.STORY: 0.2, Source.JOB: 0.6},
    QuestionType.EDUCATION: {Source.RESUME: 1.4, Source.NOTES: 1.0, Source.STORY: 0.4, Source.JOB: 0.2},
    QuestionType.ABOUT_YOU: {Source.RESUME: 1.5, Source.NOTES: 1.0, Source.STORY: 0.8, Source.JOB: 0.2},
    QuestionType.TECHNICAL: {Source.RESUME: 1.3, Source.STORY: 1.2, Source.NOTES: 0.7, Source.JOB: 0.4},
    QuestionType.CLOSING: {Source.NOTES: 1.5, Source.JOB: 1.2, Source.RESUME: 0.4, Source.STORY: 0.3},
    QuestionType.OTHER: {Source.RESUME: 1.2, Source.STORY: 1.1, Source.NOTES: 1.0, Source.JOB: 0.4},
    QuestionType.NOT_A_QUESTION: {},
}

# Words that mark a fact as belonging to a question type whatever else it says.
# A marker is a word (its plural and -ed/-ing forms match too) or, ending in "*", a stem.
TYPE_MARKERS: dict[QuestionType, tuple[str, ...]] = {
    QuestionType.WEAKNESS: ("weakness", "improv*", "used to", "working on", "struggle"),
    QuestionType.MOTIVATION: ("why", "mission", "enjoy", "excit*", "passion*", "motivat*", "interest*"),
    QuestionType.CLOSING: ("ask", "question", "curious", "would like to know"),
}
# A motivation question asks why join or why leave; the note that answers one does not answer
# the other.
MOTIVATION_TOPICS: dict[str, tuple[str, ...]] = {
    "leave": ("leav*", "quit", "move", "moving on", "looking to move", "change jobs"),
    "join": ("why", "mission", "enjoy", "excit*", "passion*", "motivat*", "interest*", "draw*", "attract*"),
}
# A logistics question is about one thing; only a fact about the same thing answers it (the
# salary note does not answer "when can you start?").
LOGISTICS_TOPICS: dict[str, tuple[str, ...]] = {
    "pay": ("salary", "compensation", "pay", "rate", "range", "package", "money", "earn", "band", "ote", "base"),
    "start": ("start", "notice", "available", "availability", "join", "begin", "week"),
    "place": ("relocat*", "remote", "on-site", "onsite", "hybrid", "office", "commute", "travel", "location", "move"),
    "permit": ("visa", "sponsor*", "permit", "right to work", "citizen*"),
    "hours": ("full-time", "full time", "part-time", "part time", "hour", "contract"),
}
# The weight of a synonym relative to the word the interviewer said.
SYNONYM_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Scored:
    fact: Fact
    score: float
    # The query terms (stemmed) the fact matched, for "why this fact?".
    matched: tuple[str, ...]
    # Whether the fact is about what was asked, not only near it: it shares a word the
    # interviewer said, or carries the question type's marker. Only such a fact opens an answer.
    on_topic: bool
    # It carries the marker of the question's type ("Weakness:", "Why us:", a salary figure).
    marked: bool = False


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return _STEM.stemWord(word)


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS]


_GENERIC_STEMS = frozenset(_stem(w) for w in GENERIC)
_SYNONYM_INDEX: dict[str, set[str]] = {}
for _row in SYNONYMS:
    _stems = {_stem(w) for w in _row}
    for _s in _stems:
        _SYNONYM_INDEX.setdefault(_s, set()).update(_stems)


def expand(query: list[str]) -> dict[str, float]:
    """Query terms with weights: the words said count 1, their synonyms ``SYNONYM_WEIGHT``."""
    weights: dict[str, float] = {}
    for term in query:
        weights[term] = 1.0
    for term in query:
        for synonym in _SYNONYM_INDEX.get(term, ()):
            weights.setdefault(synonym, SYNONYM_WEIGHT)
    return weights


def _document(fact: Fact) -> str:
    # What a fact is about includes its context: the story a part belongs to, the employer of a
    # bullet, the section and label of a line.
    context = " ".join(x for x in (fact.title, fact.employer, fact.section, fact.label) if x)
    return f"{fact.text} {context}"


class Retriever:
    def __init__(self, facts: FactBase) -> None:
        self._facts = facts.retrievable()
        self._docs = [tokens(_document(f)) for f in self._facts]
        self._all_text = "\n".join(
            f.text.lower() for f in facts if f.source is not Source.JOB and not f.instruction_like
        )
        # BM25Okapi rejects an empty corpus; an empty profile simply retrieves nothing.
        self._bm25 = BM25Okapi(self._docs) if any(self._docs) else None

    def search(self, question: str, kind: QuestionType, k: int = 5) -> list[Scored]:
        if self._bm25 is None or kind is QuestionType.NOT_A_QUESTION:
            return []
        weights = expand(tokens(question))
        # What decides whether a fact is about the question is what the question asks, which
        # is its last sentence when it has several ("The role includes X. Have you done Y?").
        said = tokens(_asking_part(question))
        absent = self._absent_specifics(_asking_part(question))
        # "What was your first job?", "How did you get started?": the earliest employer.
        first_job = self._earliest_employer() if FIRST_JOB.search(question) else None
        scores = [0.0] * len(self._facts)
        for term, weight in weights.items():
            for i, value in enumerate(self._bm25.get_scores([term])):
                scores[i] += weight * max(0.0, float(value))
        priors = PRIORS.get(kind, {})
        markers = _markers(kind, question)
        ranked: list[Scored] = []
        for i, fact in enumerate(self._facts):
            prior = priors.get(fact.source, 1.0)
            lowered = f"{fact.label or ''} {fact.text}".lower()
            marked = bool(markers) and any(_marker(m).search(lowered) for m in markers)
            score = scores[i] * prior + (2.0 * prior if marked else 0.0)
            if kind is QuestionType.EDUCATION and fact.section == "education":
                score += 3.0
            if kind is QuestionType.ABOUT_YOU and fact.source is Source.RESUME:
                # The top of a resume is who the person is: a small, fading head start.
                score += 1.5 * math.exp(-_position(fact) / 3)
            if kind is QuestionType.LOGISTICS and not marked:
                continue  # near the words but about another arrangement
            if score <= 0:
                continue
            matched = tuple(t for t in weights if t in self._docs[i])
            if kind is QuestionType.CLOSING and re.search(r"\b(question|ask)", (fact.label or "").lower()):
                score += 3.0  # the person's own note of what to ask
            on_topic = not absent and (
                marked
                or any(t in self._docs[i] for t in said if t not in _GENERIC_STEMS)
                or (kind in (QuestionType.ABOUT_YOU, QuestionType.EDUCATION) and score > 0)
            )
            if first_job and fact.employer and fact.employer == first_job:
                score += 2.5
            ranked.append(Scored(fact, round(score, 4), matched, on_topic, marked))
        ranked.sort(key=lambda s: -s.score)
        return ranked[:k]


    def _earliest_employer(self) -> str | None:
        dated = []
        for fact in self._facts:
            if fact.employer and fact.dates and (year := re.search(r"(?:19|20)\d{2}", fact.dates)):
                dated.append((int(year.group(0)), fact.employer))
        return min(dated)[1] if dated else None

    def _absent_specifics(self, question: str) -> list[str]:
        """Specific words of the question (rare in English: "ECMO", "paediatric", "Terraform")
        that appear nowhere in the profile: it asks about something the person never wrote."""
        from wordfreq import zipf_frequency

        text = self._all_text
        missing = []
        for word in re.findall(r"[A-Za-z][A-Za-z+#.-]{2,}", question):
            lowered = word.lower().strip(".-")
            if lowered in STOPWORDS or zipf_frequency(lowered, "en") >= ABSENT_ZIPF:
                continue
            root = _stem(lowered)
            root = root if len(root) >= 4 else lowered[:4]
            if re.search(rf"(?<![\w]){re.escape(root)}", text) is None:
                missing.append(word)
        return missing


# Below this Zipf frequency a question's word names something specific (a procedure, a tool, a
# qualification) rather than asking about it: "ECMO" (2.1), "paediatric" (2.6), "Terraform" (2.0),
# "insurers" (3.4); "deadline" (3.9) and "customer" (4.6) are ordinary.
ABSENT_ZIPF = 3.5


@lru_cache(maxsize=512)
def _marker(marker: str) -> re.Pattern[str]:
    if marker.endswith("*"):
        return re.compile(rf"(?<![\w]){re.escape(marker[:-1])}\w*")
    return re.compile(rf"(?<![\w]){re.escape(marker)}(s|es|ed|ing)?(?![\w])")


FIRST_JOB = re.compile(
    r"\b(first (job|role|position|design job|post)|get started|got started|start(ed)? (out|your career|in)|"
    r"earliest|began your career|beginning of your career)\b",
    re.IGNORECASE,
)


def _asking_part(question: str) -> str:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", question.strip()) if s.strip()]
    if len(sentences) <= 1:
        return question
    asking = [s for s in sentences if s.rstrip().endswith("?")]
    return asking[-1] if asking else sentences[-1]


def _markers(kind: QuestionType, question: str) -> tuple[str, ...]:
    if kind is QuestionType.MOTIVATION:
        lowered = question.lower()
        leaving = any(_marker(w).search(lowered) for w in MOTIVATION_TOPICS["leave"])
        return MOTIVATION_TOPICS["leave" if leaving else "join"]
    if kind is QuestionType.LOGISTICS:
        lowered = question.lower()
        asked = [words for words in LOGISTICS_TOPICS.values() if any(_marker(w).search(lowered) for w in words)]
        return tuple(w for words in asked for w in words) or tuple(
            w for words in LOGISTICS_TOPICS.values() for w in words
        )
    return TYPE_MARKERS.get(kind, ())


def _position(fact: Fact) -> int:
    try:
        return int(fact.id.rsplit(":", 1)[1])
    except ValueError:
        return 0
