"""The first words of an answer, made from the person's own material, in the first person.

Deterministic: the opening is the top fact rewritten by a few readable rules ("Northwind
Logistics (2021–now): led …" becomes "At Northwind Logistics I led …"), never paraphrased by a
model, so every name and number in it is the person's own. When nothing in the profile answers
the question, the answer says so plainly and offers a structure to fill instead of inventing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from firstword.grounding.facts import INSTRUCTION_LIKE, Fact, FactBase, Source, role_title
from firstword.grounding.questions import QuestionType, without_instructions
from firstword.grounding.retrieval import Scored

# Verbs a resume line starts with, in the past tense, that "I" can be put in front of. Regular
# "-ed" verbs are recognised by their ending; these are the irregular ones and the common
# present-tense ones of a current role.
IRREGULAR_PAST = frozenset(
    """led built ran made cut grew won drove wrote taught took set kept began brought bought
    chose found gave got held hired knew left lost met paid put rebuilt rewrote sold sent shipped
    spent split stood taught told thought understood went oversaw undertook overcame""".split()
)
PRESENT_VERBS = frozenset(
    """lead build run manage own design develop teach write sell care coordinate maintain mentor
    support deliver plan create help handle oversee work drive ship""".split()
)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
# Labels that name a list of skills or tools, and how to say them in the first person.
LIST_LABELS = {
    "skills": "I work with",
    "technical skills": "I work with",
    "technologies": "I work with",
    "tools": "I use",
    "stack": "I work with",
    "languages": "I speak",
    "certifications": "I hold",
    "certificates": "I hold",
}
# Notes that tell the copilot how to answer rather than say something about the person.
STYLE_NOTE = re.compile(r"^(keep|be|answer|use|avoid|don'?t|do not|always|never|speak|sound|lead with)\b", re.I)


@dataclass(frozen=True, slots=True)
class Composition:
    """The grounded start of an answer."""

    # What to show first: the person's own facts in the first person, or a plain statement that
    # the profile does not cover the question.
    opening: str
    # The facts the opening was made of (empty when the profile had nothing).
    fact_ids: tuple[str, ...] = ()
    # When nothing answers: the headings of an answer to fill in.
    structure: tuple[str, ...] = ()
    # Facts the model may continue from (the opening's and the next best ones).
    context: tuple[Fact, ...] = field(default_factory=tuple)

    @property
    def grounded(self) -> bool:
        return bool(self.fact_ids)


def compose(question: str, kind: QuestionType, ranked: list[Scored], facts: FactBase) -> Composition:
    if kind is QuestionType.NOT_A_QUESTION:
        if not without_instructions(question).strip():
            return Composition(
                "That was an instruction to the assistant, not a question, so there is nothing to "
                "answer; it was not followed."
            )
        return Composition(
            "That sounded like a statement or a reading, not a question, so there is nothing to "
            "answer yet."
        )
    usable = [s for s in ranked if s.on_topic and _may_open(s.fact) and _fits(s, kind)]
    if kind is not QuestionType.ABOUT_YOU and any(s.fact.part != "role" for s in usable):
        # A role line says where, not what: the work done there answers better.
        usable = [s for s in usable if s.fact.part != "role"] + [s for s in usable if s.fact.part == "role"]
    context = tuple(s.fact for s in ranked if _may_open(s.fact) or s.fact.source is Source.JOB)[:4]
    if not usable:
        return _not_covered(question, kind, facts, context)
    top = usable[0].fact
    opening = first_person(top, facts)
    used = [top.id]
    # A second fact joins the opening only where the question asks for a picture, not one
    # example: who you are, what you have done with something.
    if kind in (QuestionType.ABOUT_YOU, QuestionType.EXPERIENCE) and len(usable) > 1:
        second = usable[1].fact
        if second.source is not Source.STORY and not _same_material(top, second):
            opening = f"{opening} {first_person(second, facts)}"
            used.append(second.id)
    return Composition(opening, tuple(used), (), context)


_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.\w|https?://|www\.|\(\d{3}\)|\+\d[\d ]{7,}|\b\d{3}[- ]\d{3}[- ]\d{4}\b")


def _may_open(fact: Fact) -> bool:
    """Facts about the person may open an answer: not the job description (it is the
    employer's), not a note about how to answer, not contact details (nobody says their
    e-mail address in an interview)."""
    if fact.source is Source.JOB or _CONTACT.search(fact.text):
        return False
    if fact.source is Source.NOTES and (STYLE_NOTE.match(fact.body) or STYLE_NOTE.match(fact.label or "")):
        return False  # "Avoid: …", "Keep answers short": advice to oneself, not words to say
    return True


# Question types a fact may open only if it carries the type's marker: a weakness, a reason to
# join, a salary or a date must be one the person wrote, not a line that happens to share words.
MARKED_ONLY = frozenset({QuestionType.WEAKNESS, QuestionType.MOTIVATION, QuestionType.LOGISTICS})
_ASK_LABEL = re.compile(r"\b(question|ask)", re.IGNORECASE)


def _fits(scored: Scored, kind: QuestionType) -> bool:
    if kind in MARKED_ONLY and not scored.marked:
        return False
    # "Questions to ask: …" is for the end of an interview, not an answer to anything else.
    asks = _ASK_LABEL.search(scored.fact.label or "") is not None
    return kind is QuestionType.CLOSING or not asks


def _same_material(a: Fact, b: Fact) -> bool:
    if a.employer and a.employer == b.employer:
        return True
    words_a = set(re.findall(r"[a-z]{4,}", a.text.lower()))
    words_b = set(re.findall(r"[a-z]{4,}", b.text.lower()))
    # The second would mostly say the first again.
    return bool(words_b) and len(words_b & words_a) / len(words_b) > 0.5


# ----- first person ----------------------------------------------------------------------------


def first_person(fact: Fact, facts: FactBase) -> str:
    if fact.source is Source.STORY and fact.part == "story":
        return _story(fact, facts)
    if fact.part == "role" and (title := role_title(fact)) and fact.employer:
        current = bool(re.search(r"(now|present|current|today)\s*$", fact.dates or "", re.I))
        start = re.match(r"\s*((?:19|20)\d{2})", fact.dates or "")
        if current and start:
            return _sentence(f"I've been {title} at {fact.employer} since {start.group(1)}")
        return _sentence(f"I was {title} at {fact.employer}" + (f", {fact.dates}" if fact.dates else ""))
    body = fact.body.strip()
    label = (fact.label or "").lower()
    if label in LIST_LABELS:
        return _sentence(f"{LIST_LABELS[label]} {body}")
    if fact.label and fact.source is Source.RESUME and label not in LIST_LABELS and len(label.split()) <= 4:
        if _verb_led(body):
            # "Sepsis champion: audited …" said aloud: "As sepsis champion, I audited …".
            return _sentence(f"As {label}, I {body[0].lower()}{body[1:]}")
        # "Largest deal: $1.2M …" said aloud: "My largest deal — $1.2M …".
        return _sentence(f"My {label} — {body}")
    if fact.source is Source.RESUME and fact.section == "header" and not fact.employer:
        return _sentence(_header(body))
    if fact.source is Source.RESUME and fact.section == "education":
        return _sentence(f"My education: {body}")
    clauses = [c.strip() for c in re.split(r";\s+", body) if c.strip()]
    if fact.source is Source.NOTES and clauses and _imperative(clauses[0]):
        # A note to self ("Discuss range after …") said aloud: "I'd like to discuss range …".
        clauses[0] = f"I'd like to {_lower_first(clauses[0])}"
        return _sentence("; ".join(clauses))
    current = bool(re.search(r"(now|present|current|today)\s*$", fact.dates or "", re.I))
    if fact.section == "skills" and not fact.label and "," in body and not _has_verb(body):
        return _sentence(f"I work with {_lower_first(body)}")
    said = _clauses(clauses, employer=fact.employer, current=current)
    if fact.employer and fact.employer.lower() not in said.lower():
        said = f"At {fact.employer} {said}" if said.startswith("I ") else f"At {fact.employer}: {said}"
    return _sentence(said)


IMPERATIVE_VERBS = frozenset(
    """discuss mention ask say talk negotiate explain focus highlight emphasise emphasize stress
    point bring share offer propose suggest clarify confirm""".split()
)


def _imperative(clause: str) -> bool:
    match = _WORD.match(clause)
    return match is not None and match.group(0).lower() in IMPERATIVE_VERBS


# Words that make a noun phrase a role the person held ("on-call lead for 18 months").
ROLE_WORDS = re.compile(
    r"\b(lead|leader|manager|head|owner|engineer|developer|designer|nurse|teacher|analyst|"
    r"consultant|director|officer|coordinator|mentor|member|chair|captain|representative|champion)\b",
    re.I,
)


# A clause that starts with a job title ("Lead designer for the onboarding squad").
TITLE_LED = re.compile(
    r"^(lead|senior|junior|principal|staff|head|chief|deputy|assistant|associate)\s+(\w+\s+)?"
    r"(designer|engineer|developer|nurse|teacher|manager|analyst|consultant|architect|scientist|"
    r"researcher|accountant|officer|of)\b",
    re.IGNORECASE,
)


def _clauses(clauses: list[str], *, employer: str | None, current: bool = False) -> str:
    """Clauses of one line as one first-person sentence: "led X; cut Y" → "I led X, and cut Y".

    A clause that is a noun phrase stays the person's words: the first one under an employer is
    the work they did there ("I worked on a payments ledger"), a role is one they held ("I was
    on-call lead for 18 months")."""
    out: list[str] = []
    for i, clause in enumerate(clauses):
        years = re.match(r"^(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\+?\s+years?\b", clause, re.I)
        if TITLE_LED.match(clause):
            said = f"{'I am' if current else 'I was'} {_lower_first(clause)}"
        elif _verb_led(clause):
            # "I led X, and cut Y": the subject is not repeated after a clause that has it. The
            # verb is lower-cased whatever its frequency ("Rebuilt" began the line, not a name).
            verb = clause[0].lower() + clause[1:]
            said = verb if out and out[-1].startswith("I ") else f"I {verb}"
        elif years:
            said = f"I have {_lower_first(clause)}"
        elif re.search(r"\b(I|I'm|I've|my)\b", clause):
            said = _upper_first(clause) if i == 0 else clause  # already in the first person
        elif ROLE_WORDS.search(clause) and len(clause.split()) <= 8:
            said = f"I was {_lower_first(clause)}"
        elif employer is not None and not _has_verb(clause):
            said = f"I worked on {_lower_first(clause)}"
        else:
            said = _upper_first(clause) if i == 0 else clause
        out.append(said)
    if len(out) == 1:
        return out[0]
    return ", ".join(out[:-1]) + ", and " + _lower_first_pronoun(out[-1])


def _lower_first_pronoun(text: str) -> str:
    return text if text.startswith("I ") else _lower_first(text)


_FINITE = re.compile(
    r"\b(is|are|was|were|use|uses|used|has|have|had|runs|ran|grew|rose|fell|went|became|reached|"
    r"took|takes|made|makes|helped|helps|won|cut|saved|led|built)\b",
    re.IGNORECASE,
)


def _has_verb(clause: str) -> bool:
    """Whether the clause says something happen ("40 volunteers use it weekly"), rather than
    naming a thing ("payments ledger on PostgreSQL")."""
    return _FINITE.search(clause) is not None


def _verb_led(clause: str) -> bool:
    match = _WORD.match(clause)
    if match is None:
        return False
    word = match.group(0).lower()
    return word in IRREGULAR_PAST or word in PRESENT_VERBS or (word.endswith("ed") and len(word) > 4)


def _header(body: str) -> str:
    """"Alex Morgan — Backend Engineer" → "I'm Alex Morgan, Backend Engineer"."""
    parts = [p.strip() for p in re.split(r"\s+[—–|-]\s+|,\s+", body) if p.strip()]
    if len(parts) >= 2:
        return f"I'm {parts[0]}, {', '.join(parts[1:])}"
    return f"I'm {body}"


def _story(story: Fact, facts: FactBase) -> str:
    """A STAR story in the person's own words, glued in the first person."""
    parts = facts.parts_of(story)
    sentences: list[str] = []
    situation = parts.get("situation") or parts.get("intro") or parts.get("1")
    task = parts.get("task")
    action = parts.get("action")
    result = parts.get("result")
    where = f"At {story.employer}, " if story.employer else ""
    if situation is not None:
        text = _trim(situation.text)
        sentences.append(where + (_lower_first(text) if where else _upper_first(text)))
        where = ""
    if task is not None:
        text = _trim(task.text)
        sentences.append(f"{where}I had to {_lower_first(text)}" if _base_verb(text) else f"{where}The task: {_lower_first(text)}")
        where = ""
    if action is not None:
        text = _trim(action.text)
        sentences.append(f"I {_lower_first(text)}" if _verb_led(text) else f"My approach: {_lower_first(text)}")
    if result is not None:
        sentences.append(f"The result: {_lower_first(_trim(result.text))}")
    if not sentences:  # a story with no STAR parts: its sentences as written
        rest = [f.text for key, f in parts.items() if key.isdigit()]
        return " ".join(_sentence(s) for s in rest) or _sentence(story.text)
    return " ".join(_sentence(s) for s in sentences)


def _base_verb(text: str) -> bool:
    match = _WORD.match(text)
    return match is not None and not match.group(0)[0].isupper() or (
        match is not None and match.group(0).lower() in PRESENT_VERBS | {"make", "stop", "fix", "get", "find", "reduce", "improve", "cut", "move", "keep", "bring", "launch"}
    )


# ----- when the profile has nothing -------------------------------------------------------------

# What an answer covers when the profile has nothing for it, as plain phrases (no "Situation:"
# labels: the answer is read aloud, and the critic would rightly call labels an echo).
STRUCTURES: dict[QuestionType, tuple[str, ...]] = {
    QuestionType.BEHAVIOURAL: (
        "where and when it happened",
        "what you had to achieve",
        "what you did yourself",
        "what changed, with a figure you can stand behind",
    ),
    QuestionType.TECHNICAL: (
        "the requirements and the scale you assume",
        "your approach and its main trade-off",
        "how you would test and operate it",
        "where you have done something similar",
    ),
    QuestionType.MOTIVATION: (
        "what draws you to this team's work",
        "the experience you would bring to it",
        "what you want to learn or build next",
    ),
    QuestionType.WEAKNESS: (
        "a real weakness that is not central to the role",
        "a time it cost you something",
        "what you do about it now",
    ),
    QuestionType.LOGISTICS: ("the fact itself if you know it", "otherwise what you need to know first"),
    QuestionType.EDUCATION: ("your degree or training, where and when", "what from it you still use"),
    QuestionType.ABOUT_YOU: ("who you are now", "a result you are proud of", "why this role next"),
    QuestionType.CLOSING: ("what success looks like in the first months", "what the team is proud of"),
    QuestionType.EXPERIENCE: ("where you did it", "what you did yourself", "what came of it"),
    QuestionType.OTHER: ("your direct answer", "an example from your own work"),
}

_TOPIC_WORDS = {
    QuestionType.WEAKNESS: "a weakness",
    QuestionType.MOTIVATION: "why you want this role",
    QuestionType.EDUCATION: "your education",
    QuestionType.CLOSING: "questions to ask",
}


def _not_covered(question: str, kind: QuestionType, facts: FactBase, context: tuple[Fact, ...]) -> Composition:
    structure = STRUCTURES.get(kind, STRUCTURES[QuestionType.OTHER])
    if not facts.retrievable() or all(f.source is Source.JOB for f in facts.retrievable()):
        what = "Your profile has no resume, notes or stories yet"
        if facts.of(Source.JOB):
            what += " (only the job description)"
        opening = (
            f"{what}, so nothing of yours answers this; once you add them, answers will be built "
            f"from them. Meanwhile, cover"
        )
    else:
        # A question that talks to a model ("forget everything above…") is not quoted back.
        quotable = INSTRUCTION_LIKE.search(question) is None
        about = _TOPIC_WORDS.get(kind) or (f"“{_short(question)}”" if quotable else "this question")
        opening = f"Nothing in your profile covers {about}, so here is what to cover rather than a guess"
    if kind is QuestionType.CLOSING and (job := facts.of(Source.JOB)):
        asks = [_lower_first(_trim(f.body)) for f in job if f.label][:2]
        if asks:
            structure = (f"how the team works on {' and '.join(asks)}", *structure)
    if not opening.endswith("."):
        opening = f"{opening}: {'; '.join(structure)}."
    return Composition(opening, (), structure, context)


# ----- text helpers -----------------------------------------------------------------------------


def _short(question: str, words: int = 12) -> str:
    """The question as quoted back: what it asks (its last sentence), shortened, without end marks
    that would read as a sentence of their own."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", question.strip()) if s.strip()]
    asking = [s for s in sentences if s.rstrip().endswith("?")] or sentences or [question]
    parts = re.sub(r"[.!?…]+", "", asking[-1]).split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _trim(text: str) -> str:
    return text.strip().rstrip(".;,")


def _lower_first(text: str) -> str:
    if not text:
        return text
    first = _WORD.match(text)
    if first is None or first.start() != 0:
        return text
    word = first.group(0)
    if word == "I" or word.startswith(("I'", "I’")):
        return text
    # Keep proper nouns and acronyms: "Kafka", "API", "PostgreSQL" stay as they are.
    if word.isupper() and len(word) > 1 or any(c.isupper() for c in word[1:]):
        return text
    if word.lower() not in _COMMON_START and not _ordinary(word):
        return text
    return text[0].lower() + text[1:]


def _ordinary(word: str) -> bool:
    """A common English word capitalised only because it began a line ("Keep", "Delivered"),
    not a name ("Kafka", "Leeds"): frequent in English, and a dictionary word."""
    from wordfreq import zipf_frequency

    from firstword.critic.claims import is_english_word, technologies_in

    lowered = word.lower()
    return (
        zipf_frequency(lowered, "en") >= 3.8
        and is_english_word(lowered)
        and lowered not in _PLACES
        and not technologies_in(word)
    )


# Frequent words that are names when capitalised.
_PLACES = frozenset("london paris york bristol leeds manchester china india america europe may june".split())


# Capitalised only because they start the line: lower-cased when they move into a sentence.
_COMMON_START = frozenset(
    """led built ran made cut grew won drove wrote taught took set kept designed delivered managed
    owned created reduced increased improved launched introduced mentored supervised developed
    streamed moved migrated stop make delivery the a an retries our my we i this that it their
    idempotency payments payment patients patient customers students staff one two three four five
    six seven eight nine ten eleven twelve over more""".split()
) | PRESENT_VERBS


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _sentence(text: str) -> str:
    # A colon inside a line ("led the KS3 redesign: wrote 18 units") reads as a label when said;
    # a dash says the same.
    text = re.sub(r"(?<=\w):\s+(?=\S)", " — ", text.strip()).rstrip(":;,")
    if not text:
        return text
    text = _upper_first(text)
    return text if text[-1] in ".!?" else text + "."
