"""The topics of the person's own notes, predicted: a line the person wrote under a label before
the interview ("Dutch: B2. Meetings and calls fine, emails slower.", "Software: Dentally and R4.
Not used SOE yet.", "Cost levers: better consolidation, fewer empty km, …") is what they expect
to be asked about, and what they want to say to it.

The tables of ``patterns`` hold the questions of every interview (salary, notice, weakness);
what else an interviewer asks is mostly about this job and this person (the held-out scripts of
``bench/prefetch-heldout`` miss mostly on those), and the notes are where the person has already
guessed which. So each labelled line is a prediction whose answer is that line, in the person's
voice (``compose.first_person``, as the copilot says any note), written when the prediction is
made: not a search of the profile for words like the label (which for "What about the first 90
days?" found the note on change instead). A question asks it when it names the topic and asks
little the note does not say (``match.topic_similarity``).

Not predicted: a label that a common question already asks ("Salary", "Notice", "Weakness": the
tables' own prediction answers it), a reason ("Why leaving", "Why Nordhaven": the openers'), the
person's questions to ask (the closing question's), and lines about the interview itself
("Round: final, 45 min with …", "Mark's feedback: …"), which nobody asks the candidate about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from firstword.answerer.profile import Profile
from firstword.grounding.compose import first_person
from firstword.grounding.facts import Fact, FactBase, Source
from firstword.grounding.private import all_kept_to_self, cover, kept_to_self
from firstword.prefetch import match
from firstword.prefetch.match import Anchors

# Below the follow-ups to the answer just given and the common questions, beside the person's own
# work: the answer is the note itself, so writing all of them in a pause costs nothing.
TOPIC_SCORE = 0.2
# At most this many topics, in the notes' order: the held-out notes have 5-13 labelled lines.
MAX_TOPICS = 12
# A label is a few words before a colon at the start of a line ("Direct access:", "First 90 days:",
# "Commute/hybrid:"); a longer run is a sentence with a colon in it.
_LABELLED = re.compile(r"^\s*(?:[-*•]\s*)?(?P<label>[A-Za-z][\w'/&+.-]*(?:[ ][\w'/&+.-]+){0,3})\s*:\s+(?P<body>\S.*)$")
# Labels about the interview rather than the person ("Round", "Format", "Panel", "Mark's
# feedback"), the person's reasons (asked by the openers), their questions to ask (the closing
# question), and reminders to themselves.
_NOT_ASKED = re.compile(
    r"^(why|questions?|ask|asks?|to ask|my questions?|round|rounds|earlier rounds?|format|panel|interviewers?|"
    r"recruiter|agenda|logistics|reminders?|remember|prep|notes?|todo|to do|owner|company|about (them|the company)|"
    r"research|tips?|dress|time|date|where|location of interview|"
    # A reminder to oneself: "Keep answers short: …", "Mention: …", "Don't: …".
    r"keep|remember|avoid|don't|do not|mention|bring up|say|stress|highlight|emphasi[sz]e|focus|be|stay|try|check|remind|"
    # A note kept to oneself ("PRIVATE: …"): no topic to be asked about (``private_label``).
    r"private|confidential|secret|off[- ]the[- ]record)\b|"
    r"'s\b|\bfeedback\b",
    re.IGNORECASE,
)
# Words of a label that name no topic ("Costing approach", "Dish ideas for trial", "SLO math").
_LABEL_FRAME = match.read("approach idea ideas thought thoughts point points plan view views review math numbers "
                          "key remember know note notes story case honest mention discuss say").content
# Words of a label that say when, not what: "Now at Olkinyei: KES 78,000 + tips" (set s) named
# nothing but the time and the employer, and any turn saying both ("You've been at Olkinyei five
# years… What's making you want to move now?") had been shown the pay.
_LABEL_TIME = match.read("now currently current today previous before recent recently last next then").content


@dataclass(frozen=True, slots=True)
class Topic:
    """One labelled line of the notes, as predicted."""

    label: str
    question: str  # what is shown as the question it answers
    answer: str  # the line in the person's voice
    anchors: Anchors


def topics(profile: Profile) -> list[Topic]:
    """The notes' labelled lines that an interviewer may ask about, in order, at most
    ``MAX_TOPICS`` (worked out once per profile)."""
    return list(_topics(profile.resume, profile.job_description, profile.notes, tuple(profile.stories)))


@lru_cache(maxsize=64)
def _topics(resume: str, job: str, notes: str, stories: tuple[str, ...]) -> tuple[Topic, ...]:
    if not notes.strip():
        return ()
    facts = FactBase.from_profile(Profile(resume, job, notes, list(stories)))
    note_facts = facts.of(Source.NOTES)
    # The person's employers name where, not what a note is about.
    employers = match.read(" ".join({f.employer for f in facts.facts if f.employer})).content
    found: list[Topic] = []
    for line in notes.splitlines():
        labelled = _LABELLED.match(line)
        if not labelled:
            continue
        label, body = labelled.group("label").strip(), labelled.group("body").strip()
        if _NOT_ASKED.search(label):
            continue
        named = frozenset(t for t in match.read(label).content - _LABEL_FRAME - _LABEL_TIME - employers
                          if not t.startswith("@"))
        if not named:
            continue
        # 'tattoo: small swallow inner L wrist … if asked -> "nothing visible in uniform…"': the
        # words the person has ready for being asked about it are the answer (set y's prepared
        # answer had been the whole line, its reminder to check their policy page with it).
        answer = kept_to_self(body, "private") if cover(body) is not None else _answer(
            [f for f in note_facts if _of_line(f, line)], facts)
        if not answer:
            continue
        terms = frozenset(t for t in match.read(f"{label} {body}").content if not t.startswith("@"))
        found.append(Topic(label, f"What about {_spoken(label)}?", answer,
                           Anchors(terms=terms, anchors=terms, strong=named, asks_to="topic")))
        if len(found) == MAX_TOPICS:
            break
    return tuple(found)


def _answer(of_line: list[Fact], facts: FactBase) -> str:
    """The line's facts said as the person says a note, without the questions they mean to ask,
    a line written to a model, or one the person keeps to themselves ("Min 115k")."""
    said = [first_person(f, facts) for f in of_line
            if not f.instruction_like and not f.body.rstrip().endswith("?") and not all_kept_to_self(f.body, f.label)]
    return " ".join(s for s in said if s.strip())


def _of_line(fact: Fact, line: str) -> bool:
    text = " ".join(fact.text.split())
    return bool(text) and (text in " ".join(line.split()) or text.rstrip(".") in line)


def _spoken(label: str) -> str:
    """The label as it reads inside a question: "Direct access" → "direct access", "CPD" and
    "Dutch" kept (an acronym, a name)."""
    first, _, rest = label.partition(" ")
    if first[:1].isupper() and first[1:].islower() and not _proper(first):
        first = first.lower()
    return f"{first} {rest}".strip()


# A capitalised word that stays so inside a sentence: a language, a nationality.
_PROPER = re.compile(r"^(English|Dutch|French|German|Spanish|Welsh|Irish|Italian|Portuguese|Polish|Arabic|Mandarin|"
                     r"Cantonese|Japanese|Hindi|Urdu|Punjabi|Gaelic)$")


def _proper(word: str) -> bool:
    return bool(_PROPER.match(word))
