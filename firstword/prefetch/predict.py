"""The questions likely to come next, from the dossier and what has been said: by rules, so the
same input always gives the same predictions, each saying where it came from.

- At the start (nothing asked yet): the openers of an interview ("Tell me about yourself") or
  of a Board Room session, and, in an interview, the questions the job description's stated
  requirements call for (``jd_questions``: "How do you handle on-call?" from "experience with
  on-call and incidents", "Tell me about your experience with Kubernetes." from a requirement
  naming it). Requirements are read by the practice interview's parser
  (``plan.parse_requirements``), tools and practices by its tables.
- After a question: the follow-ups of ``patterns`` for the type (``questions.classify``) of the
  *topic* question (the latest one that was not itself a follow-up, so "what was your role?"
  leads on to "what would you do differently?" about the same story) and of the latest question
  (a run of logistics goes on: "salary?" → "when could you start?"); a story's follow-ups after
  any question about past work (at ``PAST_WORK_FACTOR``); in the Board Room, the founder's
  follow-ups for every advisor and for this one. Plus, in an interview, the JD questions not yet
  asked, the openers not yet asked (at ``LATER_OPENER_FACTOR``), the questions of almost every
  interview (``patterns.INTERVIEW_COMMON``, at ``COMMON_FACTOR``) and the closing question (its
  weight growing with the turns).
- After those, in an interview: the pieces of the person's own work (``own_work``) and the
  topics of their notes (``notes``), each matched by what a question names of it.
- Each prediction carries what matching needs besides its text: its other forms (``also``), the
  requirement a JD question came from (``context``) and the dossier's names (``names``); see
  ``match.context_of``.

Scores are the table's priors (see ``patterns``), not measured probabilities: they rank. Ties are
broken by the text, so the order is total. A candidate that an asked question matches
(``match.similarity`` at ``match.THRESHOLD``) is never predicted; of two candidates that match
each other, only the higher-ranked is kept (two near-identical predictions would make every
question that asks either one ambiguous, and neither would ever be shown).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from firstword.answerer.profile import Profile
from firstword.grounding.questions import QuestionType, classify, names_in
from firstword.practice.plan import (
    MAX_JD_CHARS,
    PRACTICES,
    TOOLS,
    Requirement,
    detect_language,
    parse_requirements,
    role_and_company,
)
from firstword.prefetch import match, patterns
from firstword.prefetch import notes as note_items
from firstword.prefetch import own_work as own_work_items
from firstword.prefetch.patterns import Row

DEFAULT_LIMIT = 48
# Pieces of the person's own work predicted besides the ``limit`` (``own_work``).
DEFAULT_OWN_WORK = 16
# Topics of the person's notes predicted besides those (``notes``).
DEFAULT_NOTES_TOPICS = note_items.MAX_TOPICS
# JD questions: a stated requirement's (in a requirements section or a "Looking for:" list)
# against a responsibility's or a sentence of prose; each later one a little less, so the JD's
# own order ranks them, down to the floor.
JD_PRIMARY_WEIGHT = 0.55
JD_OTHER_WEIGHT = 0.4
JD_DECAY = 0.02
JD_FLOOR = 0.15
# An opener not asked at the start is still asked sometimes later, less often.
LATER_OPENER_FACTOR = 0.5
# A question about what the candidate did ("how did you build it", "the retries you built").
_PAST_WORK = re.compile(
    r"\b(did|were|have|had) you\b|\bwas (it|that|this|your)\b|"
    r"\byou (\w+ed|built|led|made|ran|wrote|took|found|drove|chose|won|lost|sold|taught|set up|brought|began|got)\b"
)
# A story's follow-ups after a question about past work of another type, below the type's own.
PAST_WORK_FACTOR = 0.6
# How many of the latest questions a story's follow-ups still follow.
STORY_REACH = 3
Q_STORY = frozenset({QuestionType.BEHAVIOURAL})
# The questions of almost every interview (``patterns.INTERVIEW_COMMON``), below the follow-ups to
# the answer just given.
COMMON_FACTOR = 0.7
# The closing question: unlikely early, likelier every turn, never above the follow-ups' top.
CLOSING_PER_TURN = 0.04
CLOSING_MAX = 0.5

Turn = tuple[str, str]  # (role, text): "user" asks, "assistant" answers


@dataclass(frozen=True, slots=True)
class Prediction:
    text: str  # the question as shown and answered
    # Where it came from: "pattern:<row id>", "opening:<row id>", "common:<row id>", "closing",
    # "job_description:<the requirement, exactly as in the JD>", or (``own_work``) a piece of the
    # person's own work, "own_work:<fact id>", or a condition of the job, "condition:<fact id>".
    source: str
    # Its type as the grounding will read it (``questions.classify`` of ``text``).
    kind: QuestionType
    score: float
    # ``text`` with optional words in brackets, as matching reads it ("" when it has none).
    form: str = ""
    # Other forms of the same question (``patterns.Row.also``, slots filled).
    also: tuple[str, ...] = ()
    # Text whose words are context to the matcher (``match.context_of``): a JD question's
    # requirement ("How do you handle on-call for data systems?").
    context: str = ""
    # The names of the person's own material (employers, products; not the company applied to),
    # context where a question writes them as names ("Why are you leaving Northwind?").
    names: str = ""
    # A piece of the person's own work (``own_work``) is matched by what a question names of it,
    # not by its wording (``match.anchored_similarity``).
    anchors: match.Anchors | None = None
    # The answer itself, where it is known when the prediction is made (a topic of the person's
    # notes is answered by that note: ``notes``); "" for one the answerer writes.
    answer: str = ""
    # What matching reads of it, read once when it is made (in idle time), not on the way to a
    # live first word: the words each of its forms needs said (``match.may_ask``), and the terms
    # of its ``context`` and ``names`` (``match.context_of``).
    required: tuple[frozenset[str], ...] = field(init=False, compare=False, repr=False)
    context_terms: frozenset[str] = field(init=False, compare=False, repr=False)
    name_terms: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "required", () if self.anchors is not None else match.required_of(self))
        object.__setattr__(self, "context_terms", match.topic_terms(self.context))
        object.__setattr__(self, "name_terms", match.topic_terms(self.names))

    @property
    def standalone(self) -> bool:
        """Its answer does not depend on the question before it (a follow-up's does: see
        ``prefetcher.with_topic``), so it may answer one part of a turn that asks two things."""
        if not self.source.startswith("pattern:"):
            return True
        return self.source.removeprefix("pattern:") in patterns.STANDALONE_FOLLOW_UPS


class _Dossier:
    """What the predictions read from the profile, worked out once per call."""

    def __init__(self, profile: Profile) -> None:
        jd = profile.job_description or ""
        if len(jd) > MAX_JD_CHARS:
            jd = jd[:MAX_JD_CHARS]
        self.jd = jd if jd.strip() and detect_language(jd).english else ""
        self.own = "\n".join([profile.resume, profile.notes, *profile.stories])

    @cached_property
    def company(self) -> str | None:
        return role_and_company(self.jd, self.own)[1] if self.jd else None

    @cached_property
    def names(self) -> str:
        """The names the person's own material uses (employers, products): a question that names
        one ("Why are you leaving Northwind?") says what the context already says. Not the
        company applied to: "Why did you apply to Northbridge?" asks why that company, which is
        another question than "Why did you apply for this role?" (rows name it by {company})."""
        company = set((self.company or "").split())
        return " ".join(n for n in dict.fromkeys(names_in(self.own[:4000])) if n not in company)

    @cached_property
    def requirements(self) -> tuple[Requirement, ...]:
        """Stated requirements first, each group in JD order (``sorted`` is stable). The title
        line is not a requirement ("… - Tallis Analytics" asks nothing about analytics)."""
        if not self.jd:
            return ()
        title = next((line.strip() for line in self.jd.splitlines() if line.strip()), "")
        found = [r for r in parse_requirements(self.jd) if r.text.strip() not in title]
        return tuple(sorted(found, key=lambda r: not r.primary))


_TOOL_PATTERNS = tuple((t, re.compile(t.pattern) if t.exact else re.compile(t.pattern, re.IGNORECASE)) for t in TOOLS)
_PRACTICE_PATTERNS = tuple((p, re.compile(p.pattern, re.IGNORECASE)) for p in PRACTICES)
_JD_PATTERNS = tuple((row, re.compile(row.pattern)) for row in patterns.JD_ROWS)


def tools_named(text: str) -> list[str]:
    """The tools ``text`` names, in the order it names them."""
    found = [(m.start(), tool.name) for tool, pattern in _TOOL_PATTERNS if (m := pattern.search(text))]
    return [name for _, name in sorted(found)]


def jd_questions(profile: Profile) -> list[Prediction]:
    """The questions the job description's requirements call for, best first (see the module's
    docstring), each with the requirement it came from."""
    return list(_jd_questions(_Dossier(profile)))


def _jd_questions(dossier: _Dossier) -> Iterator[Prediction]:
    seen: set[str] = set()
    index = 0
    for req in dossier.requirements:
        lowered = req.text.lower()
        forms = [patterns.SKILL_FORM.format(skill=name) for name in tools_named(req.text)]
        forms += [patterns.SKILL_FORM.format(skill=p.name) for p, pattern in _PRACTICE_PATTERNS if pattern.search(req.text)]
        forms += [row.form for row, pattern in _JD_PATTERNS if pattern.search(lowered)]
        for cue in (req.cue, *req.also):
            if cue is not None:
                forms.append(patterns.COMPETENCY_FORMS.get(cue.topic) or _first_sentence(cue.question))
        for form in forms:
            if "{served}" in form:
                served = _SERVED.search(lowered)
                form = form.format(served=served.group(1) if served else "customer")
            if form in seen:
                continue
            seen.add(form)
            base = JD_PRIMARY_WEIGHT if req.primary else JD_OTHER_WEIGHT
            score = max(JD_FLOOR, round(base - JD_DECAY * index, 4))
            index += 1
            yield _prediction(form, f"job_description:{req.text}", score, patterns.JD_ALSO.get(form, ()), req.text,
                              dossier.names)


# Who the work is for, as the requirement names them ("cares for patients"), for the
# customer-focus question.
_SERVED = re.compile(r"\b(patient|customer|client|user|student|pupil|guest|resident|member)s?\b")


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.?!])\s+", text.strip(), maxsplit=1)[0]


def _prediction(form: str, source: str, score: float, also: tuple[str, ...] = (), context: str = "",
                names: str = "") -> Prediction:
    text = match.display_text(form)
    return Prediction(text, source, classify(text).kind, score, form if form != text else "", also, context, names)


def _fill_form(form: str, slots: dict[str, str | None]) -> str | None:
    """``form`` with its slots filled, or None when a slot has no value. A company's name is
    filled with all but its first word optional: people say "Northbridge" for "Northbridge
    Health System" (shown and answered in full, as optional words are)."""
    names = re.findall(r"\{(\w+)\}", form)
    if any(not slots.get(n) for n in names):
        return None
    values = {n: slots[n] for n in names}
    if values.get("company"):
        values["company"] = _short_name(str(values["company"]))
    return form.format(**values)


# Words that never name a company alone ("The Helio Group" is not called "The").
_GENERIC_FIRST = frozenset("the a an new first united national american global general royal".split())


def _short_name(name: str) -> str:
    words = name.split()
    keep = 2 if len(words) > 2 and words[0].lower() in _GENERIC_FIRST else 1
    if len(words) <= keep:
        return name
    return f"{' '.join(words[:keep])} [{' '.join(words[keep:])}]"


def _fill(row: Row, slots: dict[str, str | None]) -> tuple[str, tuple[str, ...]] | None:
    """The row's form and its other forms with their slots filled, or None when the form's own
    slot has no value (another form with an empty slot is left out)."""
    form = _fill_form(row.form, slots)
    if form is None:
        return None
    return form, tuple(f for f in (_fill_form(a, slots) for a in row.also) if f is not None)


def _asked(history: Sequence[Turn]) -> list[str]:
    return [text for role, text in history if role == "user" and text.strip()]


def _matches(question: str, form: str) -> bool:
    return match.similarity(question, form).score >= match.THRESHOLD


def _asks(question: str, prediction: Prediction) -> bool:
    """``question`` asks ``prediction`` in any of its forms."""
    return any(_matches(question, form) for form in match.forms_of(prediction))


def _topic(asked: list[str], follow_ups: Sequence[Row]) -> str:
    """The latest question that is not itself one of the follow-ups: the story, design or
    decision the follow-ups are about."""
    plain = [row.form for row in follow_ups if "{" not in row.form]
    for question in reversed(asked):
        if not any(_matches(question, form) for form in plain):
            return question
    return asked[-1]


def predict_questions(
    profile: Profile,
    history: Sequence[Turn],
    *,
    persona: str,
    limit: int = DEFAULT_LIMIT,
    own_work: int = DEFAULT_OWN_WORK,
    notes_topics: int = DEFAULT_NOTES_TOPICS,
) -> list[Prediction]:
    """The ``limit`` likeliest next questions, best first (see the module's docstring), then, in
    an interview, up to ``own_work`` pieces of the person's own work not yet asked about
    (``own_work``) and up to ``notes_topics`` topics of the person's notes (``notes``).
    ``history``: what has been said, in order, as (role, text); ``persona``: the
    persona id that answers ("copilot" and "nova" are interviews, any other an advisor)."""
    if limit <= 0:
        return []
    dossier = _Dossier(profile)
    asked = _asked(history)
    interview = persona in patterns.INTERVIEW_PERSONAS
    candidates: list[Prediction] = []

    def add(rows: Sequence[Row], prefix: str, factor: float, slots: dict[str, str | None]) -> None:
        for row in rows:
            filled = _fill(row, slots)
            if filled is not None:
                form, also = filled
                score = round(row.weight * factor, 4)
                candidates.append(_prediction(form, f"{prefix}:{row.id}", score, also, context=row.qualifiers,
                                              names=dossier.names))

    if interview:
        slots: dict[str, str | None] = {"company": dossier.company, "skill": None}
        if asked:
            topic = _topic(asked, patterns.INTERVIEW_FOLLOW_UPS)
            # The topic's follow-ups, and the last question's own: a run of logistics or of
            # motivation goes on from its latest question ("salary?" → "when could you start?").
            kinds = {classify(topic).kind, classify(asked[-1]).kind}
            slots["skill"] = next(iter(tools_named(topic)), None)
            # A follow-up restates the question it follows ("your role on that migration").
            rows = [r for r in patterns.INTERVIEW_FOLLOW_UPS if kinds & r.after]
            add(rows, "pattern", 1.0, slots)
            # The story of the last few questions, if any, even after a question of another kind
            # ("How's your relationship with her now?" → "What would you do differently?").
            recent = asked[-STORY_REACH:]
            if any(_PAST_WORK.search(q.lower()) or classify(q).kind in Q_STORY for q in recent):
                # Any question about what was done ("how did you build it?") is a story to dig
                # into, whatever its type.
                stories = [r for r in patterns.INTERVIEW_FOLLOW_UPS if Q_STORY & r.after and r not in rows]
                add(stories, "pattern", PAST_WORK_FACTOR, slots)
            add(patterns.INTERVIEW_OPENERS, "opening", LATER_OPENER_FACTOR, slots)
            closing = min(CLOSING_MAX, patterns.CLOSING.weight + CLOSING_PER_TURN * len(asked))
            candidates.append(_prediction(patterns.CLOSING.form, "closing", round(closing, 4), patterns.CLOSING.also))
        else:
            add(patterns.INTERVIEW_OPENERS, "opening", 1.0, slots)
        add(patterns.INTERVIEW_COMMON, "common", COMMON_FACTOR, slots)
        candidates.extend(_jd_questions(dossier))
    else:
        advisor_rows = (*patterns.ADVISOR_FOLLOW_UPS, *patterns.PERSONA_FOLLOW_UPS.get(persona, ()))
        if asked:
            add(advisor_rows, "pattern", 1.0, {"company": dossier.company, "skill": None})
        else:
            add(patterns.ADVISOR_OPENERS, "opening", 1.0, {})

    candidates.sort(key=lambda p: (-p.score, p.text, p.source))
    kept: list[Prediction] = []
    for candidate in candidates:
        form = candidate.form or candidate.text
        if any(_asks(question, candidate) for question in asked):
            continue
        if any(_asks(candidate.text, other) or _matches(other.text, form) for other in kept):
            continue
        kept.append(candidate)
        if len(kept) == limit:
            break
    if interview and own_work > 0:
        kept += _own_work(profile, asked, own_work)
    if interview and notes_topics > 0:
        kept += _note_topics(profile, asked, candidates, notes_topics)
    return kept


def _note_topics(profile: Profile, asked: list[str], tables: list[Prediction], limit: int) -> list[Prediction]:
    """The topics of the person's notes (``notes``) not yet asked about, other than those a
    table's question asks by name ("Salary", "Notice", "Weakness": its answer is the table's,
    whether or not it ranks among the predictions kept)."""
    said = [match.read(form).content for p in tables for form in match.forms_of(p)]
    found: list[Prediction] = []
    for topic in note_items.topics(profile):
        if any(topic.anchors.strong <= terms for terms in said):
            continue
        if any(match.topic_similarity(question, topic.anchors).score >= match.THRESHOLD for question in asked):
            continue
        found.append(Prediction(topic.question, f"notes:{topic.label}", classify(topic.question).kind,
                                note_items.TOPIC_SCORE, anchors=topic.anchors, answer=topic.answer))
        if len(found) == limit:
            break
    return found


def _own_work(profile: Profile, asked: list[str], limit: int) -> list[Prediction]:
    """The pieces of the person's own work no question so far has asked about."""
    found: list[Prediction] = []
    for item, anchors in [*own_work_items.anchored(profile)[:limit], *own_work_items.conditions(profile)]:
        if any(match.anchored_similarity(question, anchors).score >= match.THRESHOLD for question in asked):
            continue
        source = "condition" if anchors.asks_to == "accept" else "own_work"
        found.append(Prediction(item.question, f"{source}:{item.fact.id}", classify(item.question).kind,
                                own_work_items.OWN_WORK_SCORE, anchors=anchors))
    return found
