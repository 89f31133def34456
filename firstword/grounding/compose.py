"""The first words of an answer, made from the person's own material, in the first person.

Deterministic: the opening is the top fact rewritten by a few readable rules ("Northwind
Logistics (2021–now): led …" becomes "At Northwind Logistics I led …"), never paraphrased by a
model, so every name and number in it is the person's own. When nothing in the profile answers
the question, the answer says so plainly and offers a structure to fill instead of inventing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from firstword.grounding.facts import _DATED_LINE, DOCUMENT_TITLE, MONEY_LEAD, Fact, FactBase, Source, asks_them, is_title, pay_asked_for, role_title, story_title, to_ask
from firstword.grounding.private import all_kept_to_self, kept_to_self, words_given
from firstword.grounding.questions import (
    QuestionType,
    asks_to_accept,
    names_in,
    question_sentences,
    sentences_of,
    without_instructions,
)
from firstword.grounding.retrieval import (
    AHEAD,
    ASK_FOR,
    EXPECTED_SUM,
    CURRENT_RUNDOWN,
    FIRST_JOB,
    Scored,
    _names_employer,
    arrangements,
    asks_about_pay,
    asks_both_pays,
    asks_why_leaving,
    logistics_label,
    names_arrangement,
    note_pay_side,
    pay_side,
    tokens,
)

# Verbs a resume line starts with, in the past tense, that "I" can be put in front of. Regular
# "-ed" verbs are recognised by their ending; these are the irregular ones and the common
# present-tense ones of a current role.
IRREGULAR_PAST = frozenset(
    """led built ran made cut grew won drove wrote taught took set kept began brought bought
    chose found gave got held hired knew left lost met paid put rebuilt rewrote sold sent shipped
    dealt saw felt fed fought hung lent rode spoke stuck swept threw drew flew shook
    spent split stood taught told thought understood went oversaw undertook overcame""".split()
)
PRESENT_VERBS = frozenset(
    """lead build run manage own design develop teach write sell care coordinate maintain mentor
    support deliver plan create help handle oversee work drive ship buy negotiate prepare
    supervise train liaise organise organize administer advise assess conduct install inspect
    monitor operate perform provide recruit resolve serve triage translate treat analyse analyze
    assist collect cook prescribe coach apply calculate reconcile submit implement ensure""".split()
)
# Words a line may start with as a noun ("Report writing", "Answer bank") that are a verb
# when a preposition follows: "Buy flour …; report to the Head of Operations" had been said
# "I was report to the Head of Operations" (set h).
_VERB_BEFORE = re.compile(r"^(?:(?:report|answer|respond|reply)\s+(?:to|into|directly)|partner\s+with|team\s+up\s+with)\b", re.IGNORECASE)
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
# (Not "never done a full consolidation of a foreign sub": what the person has not done, set g's
# weak spot, is no advice.)
STYLE_NOTE = re.compile(r"^(keep|be|answer|use|avoid|don'?t|do not|always|never(?! (?:done|had|been|worked|used|led|managed|run|"
                        r"touched|seen|tried|needed|owned|built|handled|taught|driven|flown|held))|speak|sound|lead with)\b", re.I)
# A note's label that makes all of it the writer's reminders: "Reminders: they'll say "points" and
# "signal box" same as us mostly. Don't say "bro". …" (set v had said its first sentence).
_REMINDERS_LABEL = re.compile(r"^\W*(?:reminders?|remember|note to self|notes to self|don'?t forget|to ?dos?)\W*$", re.I)


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


def compose(
    question: str, kind: QuestionType, ranked: list[Scored], facts: FactBase, *, unnamed: list[str] | None = None,
    own: str | None = None,
) -> Composition:
    """The opening for ``question``. ``unnamed``: for a yes/no question, the words of what it asks
    about that the person's material never uses ("budget" in "Have you managed a food budget?"):
    the answer says the profile does not mention it before giving the nearest fact. ``own``: of
    a follow-up read with the question before it, its own words ("What would you do differently?"
    after the story was told asks the lesson alone)."""
    composition = _compose(question, kind, ranked, facts, unnamed or [], own)
    if unnamed and composition.grounded and kind not in (QuestionType.CLOSING, QuestionType.LOGISTICS):
        said = " ".join(unnamed)
        body = composition.opening
        if len(body.split()) + len(unnamed) + 6 > MAX_WORDS and (story := facts.by_id(composition.fact_ids[0])):
            if story.part == "story":
                body = _story(story, facts, brief=True)  # the gap said first: the task goes
        opening = f"Your profile doesn't mention {said}; the nearest it has: {body}"
        return Composition(opening, composition.fact_ids, composition.structure, composition.context)
    return composition


# The longest opening the composition writes (a whole STAR story); saying what the profile lacks
# first does not make it longer.
MAX_WORDS = 95


def _compose(
    question: str, kind: QuestionType, ranked: list[Scored], facts: FactBase, unnamed: list[str], own: str | None = None
) -> Composition:
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
    usable = [s for s in ranked if s.on_topic and _may_open(s.fact) and _fits(s, kind) and _line_may_open(s.fact, facts)
              and asked_so(s.fact, question) and (kind in _MATTERS or not _gives_only_for_its_line(s.fact))
              and (kind is QuestionType.CLOSING or not _only_questions(s.fact))]
    # A note written for another question (why join, a salary, what to ask) does not answer
    # this one.
    # The words a note has ready for this very question ('if "any leave planned?" -> …'): the
    # person's own answer to it, wherever its other words rank, whatever else the note is for.
    ready = next((s for s in usable if asked_so(s.fact, question, exactly=True)), None)
    usable = [s for s in usable if (not s.aside or kind is QuestionType.ABOUT_YOU) and s is not ready]
    if ready is not None:
        usable = [ready, *usable]
    # "How did you get started?", "What was your first job?": the first role itself (not the work
    # done in the previous one, "What did you do before Loopline?", which the lines below say).
    by_when = FIRST_JOB.search(question) is not None
    if kind is not QuestionType.ABOUT_YOU and not by_when and any(s.fact.part != "role" and s.fact.section != "header" for s in usable):
        # A role line or the headline says where or what title, not what was done: the work
        # done there answers better.
        plain = [s for s in usable if s.fact.part != "role" and s.fact.section != "header"]
        usable = plain + [s for s in usable if s not in plain]
    if kind is QuestionType.BEHAVIOURAL and usable and usable[0].fact.source is not Source.STORY and not by_when:
        # (Not "How did you get started in your career?": the first job, not a story whose users
        # "started onboarding", set s.)
        # "How did you work out what the food bank needed?": a story told about the same thing
        # as the top line (its title's words are in the line) has what was done and what came
        # of it; the line only names the work.
        story = next((s for s in usable if s.fact.part == "story" and (
            _tells(s.fact, usable[0].fact) or s.score >= STORY_RATIO * usable[0].score)), None)
        if story is not None:
            usable = [story] + [s for s in usable if s is not story]
    if kind is QuestionType.BEHAVIOURAL and usable and usable[0].fact.part == "story" and not _names_title(
            usable[0].fact, question) and (titled := next((s for s in usable[1:] if s.fact.part == "story" and _names_title(
                s.fact, question) and s.score >= STORY_RATIO * usable[0].score), None)):
        # "Tell us about a time you dealt with an angry or upset customer": the story titled
        # "Angry customer", not one whose telling says "upset customers" more often (set aa).
        usable = [titled] + [s for s in usable if s is not titled]
    if usable and usable[0].fact.part != "story" and (named := next(
            (s for s in usable if s.fact.part == "story" and _names_title(s.fact, question, least=2)), None)):
        # "Tell me about investigating a notifiable fall from a ladder." names the story by its
        # title: the story, not the resume line about the same fall.
        usable = [named] + [s for s in usable if s is not named]
    context = tuple(s.fact for s in ranked if _may_open(s.fact) or s.fact.source is Source.JOB)[:4]
    # Who the person is answers "tell me about yourself" whatever else the turn's words are near.
    if kind is QuestionType.ABOUT_YOU and (intro := _introduction(usable, facts)) is not None:
        return Composition(intro[0], intro[1], (), context)
    if not usable:
        return _not_covered(question, kind, facts, context, unnamed)
    top = usable[0].fact
    topics = _asked_arrangements(question) if kind is QuestionType.LOGISTICS else []
    if kind is QuestionType.LOGISTICS and top.source is Source.NOTES and "pay" not in topics:
        # The arrangement the question sentences ask, over one the lead named: "…that's within
        # the range, Andrew's got a bit of flex. Notice period, is that four weeks?" asks the
        # notice, not the pay (set p had said the pay note).
        asked_here = set(topics)
        if asked_here and not _arrangements_of(top) & asked_here and (better := next(
                (s for s in usable[1:6] if s.fact.source is Source.NOTES and _arrangements_of(s.fact) & asked_here), None)):
            usable = [better] + [s for s in usable if s is not better]
            top = better.fact
    if (
        kind in (QuestionType.EXPERIENCE, QuestionType.OTHER)
        and top.employer
        and (_names_employer(question, top.employer)
             or (CURRENT_RUNDOWN.search(question) and re.search(r"(now|present|current|today)\s*$", top.dates or "", re.I)))
    ):
        # "What did you do at Basketly?", "a quick rundown of what you're doing day to day": the
        # work there, in the resume's order (its first lines are the ones the person chose to
        # lead with), two of them (set k had said "I handle return-to-work interviews" first).
        there = sorted((s for s in usable if s.fact.employer == top.employer and s.fact.part != "role"
                        and s.fact.source is Source.RESUME), key=lambda s: _position_of(s.fact))
        if there:
            first = first_person(there[0].fact, facts)
            if len(there) > 1:
                again = first_person(there[1].fact, facts)
                again = re.sub(rf"^At {re.escape(top.employer)}:?\s+", "", again)
                return Composition(f"{first} {_upper_first(again)}", (there[0].fact.id, there[1].fact.id), (), context)
            return Composition(first, (there[0].fact.id,), (), context)
    if top.source is Source.STORY and kind in (QuestionType.BEHAVIOURAL, QuestionType.EXPERIENCE, QuestionType.OTHER) \
            and _asks_only_a_lesson(own if own is not None else question):
        # "…What would you do differently now?" after the story: its lesson, where the story
        # gives one ("Would do diff: check with the ward first"), not its first sentence again
        # (set x had prepared the situation as the answer); where it gives none, what to cover.
        whole = facts.by_id(":".join(top.id.split(":")[:2])) or top  # "story:3:result" is of "story:3"
        if (lesson := story_lesson(whole.text)) is None:
            return _not_covered(question, kind, facts, context, unnamed)
        return Composition(lesson, (whole.id,), (), context)
    opening = first_person(top, facts)
    used = [top.id]
    if (kind is QuestionType.LOGISTICS and top.source is Source.NOTES and asks_both_pays(question)
            and len(topics) < 2):  # with the notice too: below
        # "What are you earning at the moment, and what would make this work for you?": the note
        # of the pay had and the note of the pay wanted, in that order, where they are two.
        sides = {side: s.fact for s in reversed(usable[:6]) if s.fact.source is Source.NOTES and (side := note_pay_side(s.fact))}
        had, wanted = sides.get("had"), sides.get("wanted")
        if had is not None and wanted is not None:
            return Composition(f"{first_person(had, facts)} {first_person(wanted, facts)}", (had.id, wanted.id), (), context)
    asking = _questions_of(question) if kind is QuestionType.LOGISTICS and top.source is Source.NOTES else ""
    if asking and len(asked := topics) >= 2:
        # "What is your current cost-to-company and your expectation? And what is your notice
        # period?": the note of each arrangement asked, not the best one's alone (set n had
        # answered "1 month (30 days)." and left the pay unsaid).
        chosen = [top]
        covered = _arrangements_of(top)
        notes = [s.fact for s in usable[:6] if s.fact.source is Source.NOTES]
        for topic in asked:
            if topic in covered:
                continue
            found = [f for f in notes if f not in chosen and names_arrangement(f, topic)][:1]
            if topic == "pay" and asks_both_pays(asking):
                # "…your current package, and your expected salary?": the pay had and the pay
                # wanted, where the notes keep them apart.
                sides = [next((f for f in notes if note_pay_side(f) == side and f not in chosen), None) for side in ("had", "wanted")]
                if all(f is not None for f in sides):
                    found = [f for f in sides if f is not None]
            chosen += found
            for other in found:
                covered |= _arrangements_of(other)
        if len(chosen) > 1:
            # (Two notes of one that gives its own words to say say them once.)
            said = dict.fromkeys(first_person(f, facts) for f in chosen)
            return Composition(" ".join(said), tuple(f.id for f in chosen), (), context)
    if asking and asks_about_pay(question) and (side := pay_side(asking, asked=True)) is not None:
        # (Only of a turn about pay: "…are you interviewing anywhere else at the minute?" asks
        # nothing of the pay had, and had lost its notice note for saying "want", set e.)
        # "Money. What do you want?" of "Now €36.5k + night premium ≈ €40k. ask €48k.": the pay
        # wanted, not first the pay had (a number said first is the one negotiated from); "What
        # are you on at the moment?": the pay had (the ask, said unasked, would be said again
        # where the turn asks both and each is answered by its own prepared answer).
        said = re.split(r"(?<=[.!?])\s+", opening)
        kept = [x for x in said if pay_side(x) in (side, None)]
        if len(kept) < len(said) and any(pay_side(x) == side for x in kept):
            if side == "wanted" and (ask := ASK_FOR.match(kept[0])):
                kept[0] = f"I'd ask for {kept[0][ask.end():]}"  # "ask 68-70k." said aloud
            return Composition(_upper_first(" ".join(kept)), tuple(used), (), context)
    # A second fact joins the opening only where the question asks for a picture, not one
    # example: who you are, what you have done with something.
    # A question no cue placed ("How do you support new staff?") gets a second example only
    # when it is nearly as good a match as the first.
    pictured = kind in (QuestionType.ABOUT_YOU, QuestionType.EXPERIENCE) or (
        kind in (QuestionType.OTHER, QuestionType.TECHNICAL, QuestionType.BEHAVIOURAL, QuestionType.EDUCATION)
        and len(usable) > 1 and usable[1].score >= SECOND_RATIO * usable[0].score
    )
    if pictured and len(usable) > 1 and top.source is not Source.STORY:
        second = usable[1].fact
        if second.source is not Source.STORY and not _same_material(top, second) and (
                (second.follows or second.id) != (top.follows or top.id) or _note_says(top, facts) is None) and (
                not second.line_gives or second.line_gives != top.line_gives):
            opening = f"{opening} {first_person(second, facts)}"
            used.append(second.id)
    return Composition(opening, tuple(used), (), context)


def _arrangements_of(note: Fact) -> set[str]:
    return set(arrangements(f"{note.label or ''} {note.body}"))


def _asked_arrangements(question: str) -> list[str]:
    """The arrangements a turn's questions ask, pay among them where it is asked without its
    word ("What are you on at the moment, and what would you need to make the jump? And what's
    your notice?", set p: the notice alone had been found)."""
    asking = _questions_of(question)
    topics = arrangements(asking)
    return ["pay", *topics] if "pay" not in topics and asks_about_pay(question, asking) else topics


def _questions_of(turn: str) -> str:
    """The sentences of ``turn`` that ask, or all of it where none has a "?"."""
    return " ".join(question_sentences(turn)) or turn


# A behavioural question asks for a story: one this close to the best line's score is told instead.
STORY_RATIO = 0.6
# How close to the first fact's score a second must be to join the answer to an unplaced question.
SECOND_RATIO = 0.7

# (An address with a path, "linkedin.com/in/mateuszwrobel", and a handle, "X/Twitter: @LeratoReports":
# set u had said "I'm linkedin.com/in/mateuszwrobel." to "how was the weekend?".)
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.\w|https?://|www\.|\(\d{3}\)|\+\d[\d ]{7,}|\b\d{3}[- ]\d{3}[- ]\d{4}\b|"
                      r"\b[\w-]+\.(?:com|org|net|io|dev|me|co|app|ai|design|page|site)/\S|(?<![\w.])@[A-Za-z_]\w{2,}")


def _introduction(usable: list[Scored], facts: FactBase) -> tuple[str, tuple[str, ...]] | None:
    """"Tell me about yourself": who the person is (the name and headline at the top of the
    resume, said as one sentence, without contact details), then the first line that says what
    they do (the summary, or the current role), rather than the name alone or a contact line.
    Never a note or a story: "I'm Jake Morrison. Breeze Bros — Steve (owner) — Thurs 4pm at the
    yard" and "I'm Ciarán Doyle, Chef de Partie. Gaps, be honest — never done a full kitchen P&L"
    were what the blind sets' openers got when a note shared a word with the small talk before
    "tell us a bit about yourself"."""
    # A name and a headline, not a sentence: a resume that opens "Ten years of Go." is said as
    # what it is ("I have ten years of Go."), never "I'm Ten years of Go.".
    header = _name_and_headline(facts)
    if not header:
        return None
    pieces: list[str] = []
    used: list[str] = []
    for fact in header:
        said = [_spoken_name(p) for p in _header_parts(fact.body)]
        if said and len(pieces) < 4:
            pieces += said[: 4 - len(pieces)]
            used.append(fact.id)
    opening = _sentence(f"I'm {', '.join(pieces)}") if pieces else ""
    resume = [s.fact for s in usable if s.fact.source is Source.RESUME and s.fact.section != "header"
              and s.fact.id not in used and not _dates_alone(s.fact)]
    # The person's own summary first (what they chose to say about themselves), then a line of
    # the resume the question is nearest.
    summary = next((f for f in facts.of(Source.RESUME) if f.section == "summary" and not f.instruction_like), None)
    # Without a summary, a line of the work the question is nearest, or the role held now ("I've
    # been Senior Product Designer at Clinicly since 2022."); not a certificate or a list of
    # skills the question's words happened to be nearest.
    rest = (next((f for f in resume if f.section == "summary"), None) or summary
            or next((f for f in resume if f.section not in ("education", "skills")), None)
            or _current_role(facts))
    if rest is not None:
        opening = f"{opening} {first_person(rest, facts)}".strip()
        used.append(rest.id)
    return (opening, tuple(used)) if opening else None


def _current_role(facts: FactBase) -> Fact | None:
    """The role held now, where it is said as one ("I've been … since 2022")."""
    return next((f for f in facts.of(Source.RESUME) if f.part == "role" and f.employer and re.search(
        r"(now|present|current|today)\s*$", f.dates or "", re.I)
        and first_person(f, facts).startswith("I've been")), None)


def _dates_alone(fact: Fact) -> bool:
    """A line that is only a span of dates ("*Jan 2020 – Present*"), said as "I worked on …", or
    a role's heading that was not read as one ("Admissions Counselor — Mount Carmel College,
    Dayton, OH | Jul 2021 – present", said "I worked on Admissions Counselor — …")."""
    heading = re.search(r"\s[|—–]\s|,.*,", fact.body) is not None  # "Title — Employer, Town | dates"
    if heading and fact.part != "role" and _DATED_LINE.search(fact.body):
        return True
    return not re.search(r"[A-Za-z]{3,}", re.sub(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|"
                                                 r"\b(?:present|now|current|today)\b", "", fact.body, flags=re.I))


def _name_and_headline(facts: FactBase) -> list[Fact]:
    """The header lines said in "I'm …": the name line, and a headline after it ("Registered
    Electrician"), never the contact line's other pieces: a town and postcode, a registration
    number, a driving licence ("I'm Maricel Dela Cruz, PSW, Hamilton, ON L8V", set k: a place
    and a number nobody says to introduce themselves). Those stand just before the first phone
    number or e-mail address, or after it."""
    header = [f for f in facts.of(Source.RESUME) if f.section == "header"]
    said: list[Fact] = []
    for at, fact in enumerate(header):
        if _is_contact(fact) or len(said) == 2:
            break
        after = header[at + 1] if at + 1 < len(header) else None
        if said and (after is None or _is_contact(after) or len(re.findall(r"\d", fact.body)) >= 2):
            break  # a piece of the contact line, or a line of numbers
        if DOCUMENT_TITLE.match(fact.body):
            continue  # "CURRICULUM VITAE" (set q: "I'm Curriculum Vitae, Brian Otieno Ochieng")
        if not fact.employer and not fact.instruction_like and fact.part != "employer" and not _is_sentence(fact.body):
            said.append(fact)
    return said


def _is_contact(fact: Fact) -> bool:
    return bool(_CONTACT.search(fact.body)) or not _header_parts(fact.body)


def _is_sentence(text: str) -> bool:
    # (Not a name line that ends on its letters: "JASLEEN KAUR GILL, C.E.T.", set u, whose town
    # line had been said as the name instead: "I'm Brandon, MB R7A 5Y9 (relocating …)".)
    ended = text.rstrip().endswith((".", "!", "?")) and not re.search(r"(?:\b[A-Za-z]\.){2,}$|\b(?:Jr|Sr|Eng|Esq)\.$", text.rstrip())
    return ended or len(text.split()) > 12


def _spoken_name(piece: str) -> str:
    """"HANNAH OKAFOR" as said: "Hannah Okafor" (a heading's capitals are layout, not a name's)."""
    words = piece.split()
    # Letters after the name are kept as written, and do not keep the name from being said:
    # "SAMUEL (SAM) WHITAKER BE(Hons) MIRSE" is "Samuel (Sam) Whitaker BE(Hons) MIRSE" (set v).
    after = len(words)
    # So is a nickname written as said: "KEABETSWE MOLOI (Kea)" is "Keabetswe Moloi (Kea)" (set t).
    while after > 2 and (_DEGREE_AFTER.match(words[after - 1]) or re.fullmatch(r"\([A-Z][a-z]+\)", words[after - 1])):
        after -= 1
    name, letters = words[:after], words[after:]
    if " ".join(name).isupper() and 1 < len(name) <= 4 and all(w.strip("()").isalpha() for w in name):
        # A registration after the name stays as written: "PRIYA MENON RN" is "Priya Menon RN".
        # So does one in brackets: "ADAEZE CHIOMA OKONKWO (ACA)" is "… Okonkwo (ACA)" (set p), not a
        # nickname: "MICHAEL (MICK) TRAN" is "Michael (Mick) Tran"; "LUCÍA" is "Lucía" (set v).
        said = [w if w.strip("(),") in _POST_NOMINALS else re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), w)
                for w in name]
        return " ".join(said + letters)
    return piece


# A degree or membership written after a name: "BE(Hons)", "BSc(Hons)", "MIRSE", "MIET", "CEng".
_DEGREE_AFTER = re.compile(r"^(?:[A-Z][A-Za-z]{0,4}\((?:Hons|Hon|Dist)\)|(?:A?M|F|C)I[A-Z][A-Za-z]{1,6}|CEng|IEng|MEng|BEng)[,.]?$")


# Letters after a name on a resume's first line (a heading's capitals are kept for these).
_POST_NOMINALS = frozenset(
    "RN RGN RPN RMN RVN PSW CPA ACA ACCA CIMA CFA MBA PHD PE PENG CENG MCSP MPHARM RPHT CPT MAAT MCIPS CIPD BSN MSN NP "
    "LPN CNA EMT RD RDH DDS DMD MD DO JD LLB LLM CA CMA CISSP PMP FCCA FCA ACMA CIA CISA RM RSCN RVT OT PT SLP".split())


def _position_of(fact: Fact) -> int:
    tail = fact.id.rsplit(":", 1)[1]
    return int(tail) if tail.isdigit() else 0


_DOMAIN = re.compile(r"^[\w.-]+\.(?:com|org|net|io|dev|me|co|uk|app|ai|design|page|site)\b(?:/\S*)?$", re.I)


def _header_parts(body: str) -> list[str]:
    """The pieces of a name or headline line, without contact details (nobody says their
    e-mail, phone number or GitHub address aloud)."""
    parts = [p.strip() for p in re.split(r"\s+[—–|·•-]\s+|,\s+|\s*\|\s*|\s+·\s+", body) if p.strip()]
    return [p for p in parts if not _CONTACT.search(p) and not _DOMAIN.match(p) and "linkedin" not in p.lower()
            and not (len(re.findall(r"\d", p)) >= 7 and len(re.findall(r"[A-Za-z]", p)) <= 3)]  # a phone number


# Words of a note's condition that say who asks and how, not what: "if he asks straight", "if it
# comes up", "if timing Q", "only explain if THEY ask, short".
_CONDITION_FRAME = frozenset(tokens("asked ask asks they she he it comes come up question q straight directly outright "
                                    "short briefly about pushed push brought raised other stuff thing things anything something"))
_SHORT_FORMS = {"yrs": "years", "yr": "year", "wks": "weeks", "mths": "months", "q's": "questions", "w/": "with"}


def asked_so(fact: Fact, question: str, *, exactly: bool = False) -> bool:
    """Whether ``question`` is the one a note's line has its words ready for (``Fact.asked_if``):
    at least half of what the condition names is said ('if "how long will you stay?" -> …' is
    "How long do you see yourself sticking around?"). The words are the person's answer to that
    question only: set y's 'if she asks about the van -> …' had been said to a question about
    hours."""
    named = _condition_names(fact.asked_if) if fact.asked_if else frozenset()
    if not named:
        return not exactly
    said = len(named & set(tokens(question)))
    # ``exactly``: every word it names is said, of a sentence that gives the words.
    return said == len(named) and bool(kept_to_self(fact.body, fact.label) or fact.line_gives) if exactly else 2 * said >= len(named)


@lru_cache(maxsize=4096)
def _condition_names(condition: str) -> frozenset[str]:
    """What a note's condition names ("if timing Q" → {"time"}), read once per note: every
    question of the session is checked against it."""
    spelled = " ".join(_SHORT_FORMS.get(w.lower(), w) for w in condition.replace('"', " ").split())
    return frozenset(t for t in tokens(spelled) if t not in _CONDITION_FRAME)


# The questions a private line's words answer from any of its sentences (``Fact.line_gives``): an
# arrangement ("Travel 30-35% -> OK BUT Papá … PRIVATE -> say "happy with 30%…"") or a reason
# ("PRIVATE: leaving RNCM partly b/c … Say "ready for a concert house…""). Not a turn that shares
# a word with the line's other sentences ("And he's still with you? Or he left?", set v).
_MATTERS = (QuestionType.LOGISTICS, QuestionType.MOTIVATION)


def _gives_only_for_its_line(fact: Fact) -> bool:
    return bool(fact.line_gives) and not kept_to_self(fact.body, fact.label)


def _only_questions(fact: Fact) -> bool:
    """A note that is only what the person means to find out ("team structure: pastry sous chef?
    how many CDPs?"): asked at the end, never an answer to anything else (set v had said "I'm a
    pastry sous chef? how many CDPs?" to "what are you not so good at?"). Not "notice — 1
    month??": a number is the person's answer, unsure."""
    if fact.source is not Source.NOTES:
        return False
    said = [x for x in re.split(r"(?<=[.!?])\s+", fact.body.strip()) if x.strip()]
    if not said or re.search(r"\d", fact.body) or not all(x.rstrip().endswith("?") for x in said):
        return False
    # One sentence is a question only as one is asked ("HR = pay during stoppage?" is; "Guest
    # week the week after next?" and "ROW_NUMBER dedupe, tie-break on txn_id?" are the person's
    # answer, unsure).
    return len(said) > 1 or _ASKS.match(said[0]) is not None or " = " in said[0]


_ASKS = re.compile(r"^\W*(?:how|what|who|whom|whose|why|when|where|which|is|are|do|does|did|can|could|will|would|should|"
                   r"any|has|have)\b", re.IGNORECASE)


def _line_may_open(fact: Fact, facts: FactBase) -> bool:
    """A labelled note's later sentence opens only where its line's first may: "WEAK SPOT: never
    done a full consolidation of a foreign sub. Parent did it." is not "Parent did it." alone."""
    if fact.follows is None:
        return True
    first = facts.by_id(fact.follows)
    return first is None or (_may_open(first) and not _gives_only_for_its_line(first))


def _may_open(fact: Fact) -> bool:
    """Facts about the person may open an answer: not the job description (it is the
    employer's), not a note about how to answer, not contact details (nobody says their
    e-mail address in an interview)."""
    if fact.source is Source.JOB or _CONTACT.search(fact.text):
        return False
    if fact.source is Source.NOTES and (STYLE_NOTE.match(fact.body) or STYLE_NOTE.match(fact.label or "")
                                        or _REMINDERS_LABEL.match(fact.label or "")
                                        or (all_kept_to_self(fact.body, fact.label) and not fact.line_gives)):
        return False  # "Avoid: …", "Keep answers short": advice to oneself, not words to say
    if fact.source is Source.NOTES and _ABOUT_THE_INTERVIEW.match(fact.label or ""):
        # "Panel: Nadia Haddad (Pharmacy Ops Manager), Kevin Lau …" said as the answer to "tell
        # us about your background" (a long turn that named them, set i).
        return False
    if fact.source is Source.NOTES and _ABOUT_THE_PEOPLE.search(fact.body):
        # "Declan Keane = partner, ex-barrister, apparently blunt, likes short answers", "GM
        # Patrick Dubois (French, ex-F&B) maybe joins": who is interviewing, never the answer to
        # what they ask (set q had said both, to "How are you?" and to "any questions for Nadia?").
        return False
    if (fact.source is Source.NOTES and _INTERVIEW_ARRANGED.search(fact.text) and _WHEN.search(fact.text)
            and len(fact.text.split()) <= 30 and not re.search(r"\d\s?k\b|[$£€₹]\s?\d", fact.text, re.IGNORECASE)):
        # "Tech round Thurs 3pm ET, Google Meet.", "Interview Tues 10:30 AT INVERNESS STATION -
        # Fiona Grant …": when and where the interview is, which answers nothing asked in it
        # (sets k, l: said as the opening of "what's holding up the last sixteen screens?").
        return False
    return True


_INTERVIEW_ARRANGED = re.compile(
    r"\b(interview|round|final|screen|screening|call|calling|ringing|phoning|panel|chat|teams|zoom|google meet|meet link|"
    r"video call)\b|"
    # "Wed 10am - Lisa Nguyen (owner, OT) + Ben …": a day and a time first.
    r"^\W*(mon|tues?|wed|thu|thurs|fri|sat|sun)\w*\.?\s+\d|"
    # "BAYVIEW - Thurs 10:00 - Daniel Kwan (owner, RDT) + Marisol (ceramics).": a day and a time
    # with who will be there (set w had said it to "This is Marisol, she runs our ceramics bench").
    r"\b(mon|tues?|wed|thu|thurs|fri|sat|sun)\w*\.?\s+\d{1,2}(?::\d{2}|\s?(?:am|pm))\b(?=.*\((?:[^()]*\b(?:mgr|manager|director|"
    r"head|lead|partner|hr|owner|founder|chief|supervisor|recruiter|principal|senior|sr|ceo|cto|coo|gm)\b[^()]*)\))",
    re.IGNORECASE)
_WHEN = re.compile(
    r"\b(mon|tues?|wed|thu|thurs|fri|sat|sun)(day|s)?\b|\b\d{1,2}(:\d{2})?\s?(am|pm)\b|\b\d{1,2}:\d{2}\b|"
    # How long, on what: "60 min, Teams" (set j: the end of a note on the interview, said as the
    # answer to "what was your own role in that, as distinct from the wider team's?").
    r"\b\d+\s?(min|mins|minutes|hrs?|hours?)\b(?=.*\b(teams|zoom|google meet|meet|skype|webex|video|phone)\b)", re.IGNORECASE)


# A person's name as a note writes one: "Declan Keane", "Johan van der Merwe", "Niamh Ó Súilleabháin".
_PERSON = r"(?-i:[A-Z][\w'’.-]+(?:\s+(?:van|der|de|da|du|von|le|la|di|del|bin|binti|Ó|Ní|Mac|[A-Z][\w'’.-]+)){1,3})"
# A note on who interviews: a name with their role after "=" or in brackets, a panel, someone who
# "maybe joins" ("Dana Whitfield (Claims Mgr) + Rick Serrano (Sr Field Adj, ex-roofer like me)").
_ROLE = (r"(?:mgr|manager|director|head|lead|partner|hr|hrbp|ceo|cto|coo|cfo|gm|owner|founder|chief|supervisor|supv|"
         r"recruiter|principal|assoc\w*|senior|sr|dept|department|pm|dir|exec|producer|prod)")
_ROLE_IN_BRACKETS = rf"\((?:[^()]*\b{_ROLE}\b[^()]*)\)"
_ABOUT_THE_PEOPLE = re.compile(
    r"^\W*(?:panel|interviewers?|interviewing)\b(?:\s+\w+)?\s*[=:]|"
    rf"^\W*(?-i:[A-Z]{{2,4}}\s+)?{_PERSON}\s*(?:=\s*(?:[\w&/-]+\s+){{0,3}}?{_ROLE}\b|{_ROLE_IN_BRACKETS})|"
    # "Mathieu (loc lead) + Rebecca Lin (narrative dir.) + Sanjay (exec prod)" (set y)
    rf"^\W*(?-i:[A-Z][a-z]{{2,}})\s*{_ROLE_IN_BRACKETS}\s*(?:[+&,/]|and\b)|"
    # "Reporter 26 yrs herself, reputation: blunt, hates long answers." (set y)
    r"\b(?:her|him)self\b.*\breputation\b|\breputation\s*[:=-]|\bhates (?:long|fluff|waffle|rambling)\b|"
    # "PM = Gary Holroyd. Senior eng = Emma (surname?)": the role first (set r).
    rf"^\W*(?:[\w&/-]+\s+){{0,2}}?{_ROLE}\b\s*=\s*{_PERSON}|"
    rf"\b(?:interview|round|call|panel)\b.*{_PERSON}\s*{_ROLE_IN_BRACKETS}|"
    r"\b(?:maybe|prob(?:ably)?) joins\b|\b(?:might|may|will) (?:also )?join (?:us|the call|later|halfway|in)\b|\bsitting in\b|"
    # "Rick = ex-mechanic. ppl say he's blunt, hates fluff.", "Marco = artist/owner, trad + neo
    # trad": a first name alone, then what they are (set x had said both to them).
    # (Not "Start = asap, she said March ok": an arrangement's word.)
    r"^\W*(?!(?:start|notice|salary|pay|rate|commute|hours|visa|location|availability|budget|bonus|relocation|travel|"
    r"benefits|holidays?|leave|shifts?|roster|contract|package|offer|ask|why|weakness|strengths?)\b)"
    rf"(?-i:[A-Z][a-z]{{2,}})\s*=\s*(?:(?:[\w&/+-]+\s+){{0,3}}?(?:{_ROLE}|ex-\w+|\w+/{_ROLE})\b|"
    r".*\b(?:he|she)(?:'s|'ll| is| was| will| might| may| likes| hates| wants)\b)|"
    # "Marco is a trad guy, he'll go straight for healed lines."
    r"^\W*(?-i:[A-Z][a-z]{2,}) (?:is|'s) (?:a|an|the|very|super|quite|really) [^.!?]*\b(?:he|she)(?:'s|'ll| is| will| might| may)\b",
    re.IGNORECASE,
)


# Labels of a note about the interview itself, not about the person.
_ABOUT_THE_INTERVIEW = re.compile(
    r"^\W*(panel|round|rounds|format|interviewers?|agenda|venue|room|dress|parking|directions|"
    r"interview (time|date|location|format))\b", re.IGNORECASE)


# Question types a fact may open only if it carries the type's marker: a weakness, a reason to
# join, a salary or a date must be one the person wrote, not a line that happens to share words.
MARKED_ONLY = frozenset({QuestionType.WEAKNESS, QuestionType.MOTIVATION, QuestionType.LOGISTICS, QuestionType.CLOSING})


# A note that asks rather than tells: "how many pages/week really", "is there a sign-on bonus?"
# (not one that ends in "??", which doubts what it tells: "NSW Health L1 yr3 ~ $84k??").
_THEIR_QUESTION = re.compile(
    r"^\W*(how (many|much|often|long|big)|is there|are there|do they|does (it|the|this|that)|will (they|there|i)|"
    r"who (is|are|does|will|would)|who's)\b", re.IGNORECASE)


def _fits(scored: Scored, kind: QuestionType) -> bool:
    if kind in MARKED_ONLY and not scored.marked:
        return False
    # "Questions to ask: …" is for the end of an interview, not an answer to anything else; so is
    # a note that is itself a question of the person's ("on-call: how many pages/week really,
    # compensation", set n: it had answered "…is that fine? Then: notice period").
    fact = scored.fact
    asks = to_ask(fact) or (fact.source is Source.NOTES and _THEIR_QUESTION.match(fact.body) is not None)
    if kind is not QuestionType.LOGISTICS and logistics_label(fact):
        return False  # "Notice period: 8 weeks." answers when, not "your most pressured period"
    return kind is QuestionType.CLOSING or not asks


def _title_below(role: Fact, facts: FactBase) -> str | None:
    """"2019 - present   The Granary, York" over "Head Chef": the title is the next line."""
    items = facts.of(Source.RESUME)
    at = next((i for i, f in enumerate(items) if f.id == role.id), None)
    if at is None or at + 1 >= len(items):
        return None
    below = items[at + 1]
    if below.employer == role.employer and len(below.text.split()) <= 6 and role_title(
        replace(below, part="role", employer=None)
    ) == below.text.strip():
        return below.text.strip()
    return None


def _tells(story: Fact, line: Fact) -> bool:
    """Whether a story is the whole of what a line names: most of its title's words are in it."""
    return _names_title(story, line.text)


def _names_title(story: Fact, text: str, least: int = 1) -> bool:
    title = {w for w in re.findall(r"[a-z]{4,}", story_title(story).lower())}
    words = set(re.findall(r"[a-z]{4,}", text.lower()))
    return bool(title) and len(title & words) >= max(least, round(len(title) * 2 / 3))


def _same_material(a: Fact, b: Fact) -> bool:
    if a.employer and a.employer == b.employer:
        return True
    words_a = set(re.findall(r"[a-z]{4,}", a.text.lower()))
    words_b = set(re.findall(r"[a-z]{4,}", b.text.lower()))
    # The second would mostly say the first again.
    return bool(words_b) and len(words_b & words_a) / len(words_b) > 0.5


# ----- first person ----------------------------------------------------------------------------


def _note_says(fact: Fact, facts: FactBase) -> str | None:
    """The words a labelled note gives to say for itself: "Commute: Vernon -> Kamloops = 1h40 each
    way + 12-hr shifts = NO WAY. Trev's basement suite … Say "I've got a place lined up in
    Kamloops for shift blocks"" is said in those words, whichever of its sentences was found (set
    v had said "…= NO WAY." to a panel in Kamloops)."""
    if fact.label is None:
        return None
    note = fact.follows or fact.id
    sentences = [other for other in facts.of(Source.NOTES) if (other.follows or other.id) == note]
    if words_given(fact.body) is None and any(_UPFRONT.search(other.body) for other in sentences):
        # "6 months non-solicit … Be upfront if asked. Say I will respect it fully": the
        # note's facts are to be said, and the words it gives with them.
        return None
    return next((words for other in sentences if (words := words_given(other.body)) is not None), None)


_UPFRONT = re.compile(r"\bbe (?:upfront|up front|honest|open|straight|transparent|direct)\b", re.I)


# A condition of the writer's on when to say a line: "… if it comes up", "… if asked".
_WHEN_TO_SAY = re.compile(r"[\s,(]+(?:only )?(?:if|when) (?:it comes up|asked|they ask|pushed|needed)\W*$", re.IGNORECASE)


def first_person(fact: Fact, facts: FactBase) -> str:
    if fact.source is Source.STORY and fact.part == "story":
        return _story(fact, facts)
    if fact.part == "role" and (title := role_title(fact) or _title_below(fact, facts)) and fact.employer:
        current = bool(re.search(r"(now|present|current|today)\s*$", fact.dates or "", re.I))
        start = re.match(r"\s*(?:[A-Za-z]{3,9}\.?\s+|\d{1,2}[/.]\s?)?((?:19|20)\d{2})", fact.dates or "")
        if current and start:
            return _sentence(f"I've been {title} at {fact.employer} since {start.group(1)}")
        return _sentence(f"I was {title} at {fact.employer}" + (f", {fact.dates}" if fact.dates else ""))
    body = fact.body.strip()
    if fact.source is Source.NOTES and (given := _note_says(fact, facts)) is not None:
        return _sentence(given)
    if fact.source is Source.NOTES:
        body = EXPECTED_SUM.sub("I'm looking for ", kept_to_self(body, fact.label) or fact.line_gives or "")
        # "$$ - now $37.50 + $180/wk on-call": the money signs are the writer's label, not words.
        body = MONEY_LEAD.sub("", body, count=1) or body
    if fact.source is Source.RESUME and fact.employer and (italic := re.fullmatch(r"\*([^*].*?[^*])\*\.?", body)):
        # A line in italics under a role says what the employer is ("*EASA Part-145 MRO with line
        # station and two-bay hangar*"), not work done (set p had "I worked on *EASA Part-145 …*").
        return _sentence(f"{fact.employer}: {italic.group(1).strip().rstrip('.')}")
    label = (fact.label or "").lower()
    if label in LIST_LABELS:
        return _sentence(f"{LIST_LABELS[label]} {body}")
    if to_ask(fact):
        # "Question to ask them: how the unit supports staff …" said aloud; "Qs: support for new
        # WMs?", "Qs: is Jo staying on the ward" too.
        if re.match(r"(how|what|whether|why|who|where|when|which|if)\b", body, re.I):
            return _sentence(f"I'd like to ask {_lower_first(body)}")
        if re.match(r"(is|are|was|were|do|does|did|can|could|will|would|should|has|have)\b", body, re.I):
            return _sentence(f"I'd like to ask — {body[:1].upper()}{body[1:]}")
        return _sentence(f"I'd like to ask about {_lower_first(body)}")
    if fact.label and fact.source is Source.RESUME and label not in LIST_LABELS:
        # Any length of label: "Product sales influenced in territory: about Rs 3.2 crore" had
        # been said "I worked on about Rs 3.2 crore…" without it (set m).
        if _verb_led(body) and len(label.split()) <= 4:
            # "Sepsis champion: audited …" said aloud: "As sepsis champion, I audited …".
            return _sentence(f"As {label}, I {body[0].lower()}{body[1:]}")
        # "Largest deal: $1.2M …" said aloud: "My largest deal — $1.2M …".
        return _sentence(f"My {label} — {body}")
    if fact.source is Source.RESUME and fact.section == "header" and not fact.employer and not _is_sentence(body):
        if _HELD_DOCUMENT.search(body):
            # "Full UK driving licence, own car" in the contact line is what the person has, said
            # as written (set p had "I'm Full UK driving licence, own car").
            return _sentence(body)
        if not _names_the_person(body, facts):
            # A headline or the town of the contact line, said as one says them: set j had "I'm
            # Kuils River, Cape Town.", set q "I'm Registered Social Worker, Social Work England."
            if _headline_titled(body):
                return _sentence(f"I'm {_headline_article(body)} {body}")
            if _PLACE.match(body) and not _NOT_A_PLACE.search(body):
                return _sentence(f"I'm based in {body}")
        return _sentence(_header(body))
    if fact.source is Source.RESUME and fact.section == "education":
        return _sentence(f"My education: {body}")
    clauses = [c.strip() for c in re.split(r";\s+", body) if c.strip()]
    if fact.source is Source.NOTES and clauses and ((ask := ASK_FOR.match(clauses[0])) or pay_asked_for(fact)):
        # "ask R44k. min R40k" is the pay the person will ask for, not a question to ask them;
        # so is "Ask: 4,100." (its label says what the sum is: not "4,100." alone, set ac).
        # ("Ask ~$32 if it comes up": when to say it is the writer's, set v.)
        clauses[0] = f"I'd ask for {_WHEN_TO_SAY.sub('', clauses[0][ask.end() if ask else 0:])}"
        return _sentence("; ".join(clauses))
    if fact.source is Source.NOTES and clauses and _imperative(clauses[0]):
        # A note to self ("Discuss range after …") said aloud: "I'd like to discuss range …".
        clauses[0] = f"I'd like to {_lower_first(clauses[0])}"
        return _sentence("; ".join(clauses))
    current = bool(re.search(r"(now|present|current|today)\s*$", fact.dates or "", re.I))
    if fact.section == "skills" and not fact.label and "," in body and not _has_verb(body):
        return _sentence(f"I work with {_lower_first(body)}")
    said = _clauses(clauses, employer=fact.employer, current=current)
    if fact.employer and _FREELANCE.match(fact.employer):
        # "Brand designer - self-employed | 2016 - 2018": not "At self-employed I worked on …".
        said = f"As a freelancer, {said}" if said.startswith(("I ", "I'm ", "I've ")) else f"As a freelancer: {said}"
    elif fact.employer and fact.employer.lower() not in said.lower():
        said = f"At {fact.employer} {said}" if said.startswith(("I ", "I'm ", "I've ")) else f"At {fact.employer}: {said}"
    return _sentence(said)


_FREELANCE = re.compile(r"^\W*(self[- ]?employed|freelance\w*|independent( contractor| consultant)?|sole trader)\W*$", re.IGNORECASE)


IMPERATIVE_VERBS = frozenset(
    """discuss mention ask say talk negotiate explain focus highlight emphasise emphasize stress
    point bring share offer propose suggest clarify confirm""".split()
)


def _imperative(clause: str) -> bool:
    match = _WORD.match(clause)
    return match is not None and match.group(0).lower() in IMPERATIVE_VERBS


# Words that make a noun phrase a role the person held ("on-call lead for 18 months").
_ROLE_NOUNS = (r"lead|leader|manager|head|owner|engineer|developer|designer|nurse|teacher|analyst|"
               r"consultant|director|officer|coordinator|mentor|member|chair|captain|representative|champion|"
               r"assessor|specialist|trainer|deputy")
ROLE_WORDS = re.compile(rf"\b({_ROLE_NOUNS})\b", re.I)


# A clause that starts with a job title ("Lead designer for the onboarding squad").
TITLE_LED = re.compile(
    # "Head of …", but "Lead teams of 3–6 associates" is a verb (said "I am lead teams of …").
    r"^(lead|senior|junior|principal|staff|head|chief|deputy|assistant|associate)\s+(?:of\b|(\w+\s+)?"
    r"(designer|engineer|developer|nurse|teacher|manager|analyst|consultant|architect|scientist|"
    r"researcher|accountant|officer)\b)",
    re.IGNORECASE,
)


def _clauses(clauses: list[str], *, employer: str | None, current: bool = False) -> str:
    """Clauses of one line as one first-person sentence: "led X; cut Y" → "I led X, and cut Y".

    A clause that is a noun phrase stays the person's words: the first one under an employer is
    the work they did there ("I worked on a payments ledger"), a role is one they held ("I was
    on-call lead for 18 months")."""
    out: list[str] = []
    results: list[str] = []
    for i, clause in enumerate(clauses):
        if i and employer is not None and _RESULT.search(clause) and not _verb_led(clause):
            # "…for 14 services; paging volume down from ~55 to ~18 pages/week", "…section
            # scored 96% in the last audit": what came of it, said after a dash, not "and I
            # worked on paging volume down…" (64 openings of the shipped and held-out sets).
            results.append(clause)
            continue
        years = re.match(r"^(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\+?\s+years?\b", clause, re.I)
        if _SOMEONE_IS.match(clause) or _PASSIVE.match(clause):
            # "Aoife Breen = H&S / crane coordinator" is who someone else is, and "bought by a
            # beverage group last year" what was done to the employer: as written (set t had "I
            # was Aoife Breen = …" and "I bought by a beverage group").
            said = _upper_first(clause) if i == 0 else clause
        elif TITLE_LED.match(clause) or (i == 0 and _role_led(clause)):
            # "Nurse in charge of a 16-bed ICU", "Registered nurse with 9 years …": a role, said
            # as one ("I'm a registered nurse …"), not a verb ("I registered nurse …").
            if employer is None and not current:
                said = f"I'm {_article(clause)}{_lower_first(clause)}"
            else:
                said = f"{'I am' if current else 'I was'} {_lower_first(clause)}"
        elif _STATE_LED.match(clause):
            # "Experienced in running procurement …", "Skilled in …": how the person is, said
            # "I'm experienced in …", not "I experienced in …" (set l).
            said = f"I'm {_lower_first(clause)}"
        elif _PART_OF.match(clause):
            # "Involved in the recovery of a capsized kayaker": "I was involved in …", not "I
            # involved in …" (set x).
            held = re.sub(r"^(?:was|been)\s+", "", _lower_first(clause), flags=re.IGNORECASE)
            said = f"{'I was' if i == 0 else 'was'} {held}"
        elif (adverb := _ADVERB_FIRST.match(clause)) and (
                (gerund := _GERUND.match(rest := clause[adverb.end():])) or _verb_led(rest)):
            # "Currently run two sites…", "currently running a $6.8M fit-out": "I currently run…",
            # "I'm currently running…", not "I worked on currently running…" (set g).
            subject = "I'm" if gerund else "I"
            said = f"{subject} {adverb.group(1).lower()} {_lower_first(rest)}"
        elif (adverb := _ADVERB_FIRST.match(clause)) and adverb.group(1).lower() == "currently" and _HELD.search(clause):
            # "Currently buddy/supervisor to a first-year apprentice."
            said = f"I'm {_lower_first(clause)}"
        elif _verb_led(clause):
            # "I led X, and cut Y": the subject is not repeated after a clause that has it. The
            # verb is lower-cased whatever its frequency ("Rebuilt" began the line, not a name).
            verb = clause[0].lower() + clause[1:]
            if _DONE_TO.match(clause):
                verb = f"was {verb}"  # "Promoted to wine steward in 2017" (set s had "I promoted to…")
            said = verb if out and out[-1].startswith("I ") else f"I {verb}"
        elif years:
            said = f"I have {_lower_first(clause)}"
        elif re.search(r"\b(I|I'm|I've|my)\b", clause):
            said = _upper_first(clause) if i == 0 else clause  # already in the first person
        elif ROLE_WORDS.search(clause) and len(clause.split()) <= 8:
            said = f"I was {_lower_first(clause)}"
        elif re.match(r"one of\b", clause, re.IGNORECASE):
            # "One of 4 iOS engineers on …": "I was one of …", not "I worked on one of …".
            said = f"{'I am' if current else 'I was'} {_lower_first(clause)}"
        elif employer is not None and not _has_verb(clause) and (
                _HELD.search(" ".join(clause.split()[:4])) and not _HELD_DOES.search(clause)):
            # "Trial team member on 4 jury trials and 2 arbitration hearings — …", "Practice
            # educator since 2022 — mentored …": a role held, however long the line goes on.
            held = "I've been" if current and re.search(r"\bsince (?:19|20)\d{2}\b", clause) else "I am" if current else "I was"
            said = f"{held} {_article(clause)}{_lower_first(clause)}"
        elif employer is not None and not _has_verb(clause):
            said = f"I worked on {_lower_first(clause)}"
        else:
            said = _upper_first(clause) if i == 0 else clause
        out.append(said)
    said = out[0] if len(out) == 1 else ", ".join(out[:-1]) + ", and " + _lower_first_pronoun(out[-1])
    return " — ".join([said, *results])


# A clause that says what came of the work rather than naming it: a figure first ("approx. 110
# applications a year", "zero allergen incidents since 2022"), a change ("hygiene revenue up 22%",
# "down from 6.8% to 4.9%"), or a verb of its own after its subject ("section scored 96%",
# "store achieved 104% of budget", "all completed placements on schedule").
_RESULT = re.compile(
    r"^(?:~|approx\.?\s|c\.\s|\d|(?:zero|no|none|all|both|every|nearly|almost|over|under|about|around|up to|"
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b)|"
    r"\b(?:down|up|fell|rose|dropped|grew|reduced|increased|cut)\s+(?:from|to|by)\b|\b(?:up|down)\s+~?\d|"
    r"\b(?:achieved|scored|passed|completed|rated|ranked|signs? off|sent back)\b",
    re.IGNORECASE,
)


_SOMEONE_IS = re.compile(r"^[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}\s*(?:=|->|→)")
_PASSIVE = re.compile(r"^(?:\w+ed|" + "|".join(sorted(IRREGULAR_PAST)) + r")\s+by\b(?!\s+\d)", re.IGNORECASE)
_GERUND = re.compile(r"[a-z]{3,}ing\b", re.IGNORECASE)
_ADVERB_FIRST = re.compile(r"^(currently|now|also|still|regularly|often|usually|occasionally|personally)\s+", re.IGNORECASE)
# "Involved in the recovery…", "Part of the out-of-hours rota": what the person was, not a verb.
_PART_OF = re.compile(r"(?:was |been )?(?:involved|engaged|part of|responsible for|in charge of)\b", re.IGNORECASE)
_STATE_LED = re.compile(r"^(?:highly |very )?(experienced|skilled|qualified|certified|licensed|trained|proficient|"
                        r"fluent|passionate|comfortable|confident|used)\s+(in|with|at|as|about|to)\b", re.IGNORECASE)


_ROLE_NOUN = re.compile(
    r"^(?:[A-Za-z-]+\s+){0,2}?(nurse|teacher|engineer|developer|designer|manager|analyst|consultant|"
    r"director|officer|coordinator|accountant|architect|scientist|lawyer|solicitor|pharmacist|"
    r"therapist|technician|paramedic|midwife|chef|lecturer|professional|practitioner|leader|specialist)\b(?!s)|"
    # A summary's title, a few words in, before what it has ("HCPC-registered physiotherapist
    # with three and a half years'…", "Licensed air-conditioning and refrigeration technician
    # with 9 years…", "Approved Electrician with nine years…": said "I hCPC-registered …", "I
    # licensed …", "I approved Electrician …" as if their first word were a verb).
    r"^(?:(?!(?:to|as|a|an|the|for|from|at|by|on|into|over|under|of|with)\b)[A-Za-z'-]+\s+){0,4}?(?:\w*(?:nurse|therapist|physio|electrician|plumber|technician|worker|assistant|"
    r"clerk|driver|operator|supervisor|hygienist|receptionist|administrator|bookkeeper|surveyor|adviser|advisor|"
    r"agent|writer|researcher|cook|carer|buyer|planner|controller|auditor|mechanic|pathologist|dietitian|"
    r"paralegal|counsel+or|representative|executive|editor|journalist|librarian|attendant|engineer|developer|"
    r"designer|manager|analyst|consultant|officer|coordinator|accountant|chef|specialist|leader|teacher|"
    # ("Licensed counselling psychologist with 8 years' experience…": set v had "I licensed …".)
    r"psychologist|psychiatrist|physician|surgeon|dentist|radiographer|optometrist|audiologist|dispatcher|"
    r"architect|lawyer|solicitor|pharmacist|midwife|paramedic|lecturer|practitioner|director|scientist|tuner|"
    r"investigator|underwriter|broker|interpreter|translator|keeper|baker|sommelier|trainer|instructor|machinist))"
    r"(?=\s+(?:with|of|in|and|who|for|specialising|specializing)\b|\s*[,(.;]|\s*$)",
    re.IGNORECASE,
)


def _role_led(clause: str) -> bool:
    """A clause that names a role in its first three words ("Registered nurse with …", "Nurse in
    charge of …"), rather than starting with what was done ("Managed nurses …")."""
    match = _ROLE_NOUN.match(clause)
    if match is None:
        return False
    first = _WORD.match(clause)
    # "Led engineers …" is a verb; "Registered nurse" and "Qualified teacher" are adjectives.
    return first is not None and first.group(0).lower() not in IRREGULAR_PAST | PRESENT_VERBS


def _article(clause: str) -> str:
    first = _WORD.match(clause)
    # ("Currently senior accountant at …" is "I'm currently senior accountant", not "a currently".)
    if first is None or first.group(0).lower() in ("the", "a", "an", "currently", "presently", "now", "also", "still"):
        return ""
    word = first.group(0)
    if word.isupper() and len(word) > 1:
        # An acronym is read by its letters: "a CNC machinist", "an NHS band 6 nurse" (set u had
        # "I'm CNC machinist").
        return "an " if word[0] in "AEFHILMNORSX" else "a "
    return "an " if word[0].lower() in "aeiou" else "a "


def _lower_first_pronoun(text: str) -> str:
    return text if text.startswith("I ") else _lower_first(text)


_FINITE = re.compile(
    r"\b(is|are|was|were|use|uses|used|has|have|had|runs|ran|grew|rose|fell|went|became|reached|"
    r"took|takes|made|makes|helped|helps|won|cut|saved|led|built|dropped|doubled|halved|increased|"
    r"decreased|improved|reduced|fell|falls|rises|came|comes)\b",
    re.IGNORECASE,
)


def _has_verb(clause: str) -> bool:
    """Whether the clause says something happen ("40 volunteers use it weekly"), rather than
    naming a thing ("payments ledger on PostgreSQL")."""
    return _FINITE.search(clause) is not None


# A role held, named in a bullet's first words under an employer ("Analytics partner to
# merchandising …", "HR partner for …"); not one who does something ("supervisor signs off …").
_HELD_NOUNS = rf"\b({_ROLE_NOUNS}|partner|supervisor|educator)\b"
_HELD = re.compile(_HELD_NOUNS, re.IGNORECASE)
_HELD_DOES = re.compile(_HELD_NOUNS + r"\s+[a-z]+s\b", re.IGNORECASE)
# Verbs that follow another with "and" at a line's start: "Test and certify new installations",
# "Read and make recommendations on ~1,100 applications" (said "I worked on test and certify …").
_SECOND_VERB = re.compile(
    r"^[A-Za-z]+\s+and\s+(?:certify|make|review|approve|sign|report|maintain|update|monitor|deliver|train|mentor|"
    r"coach|assess|test|fix|install|commission|document|track|present|negotiate|write|run|manage|lead|support)\b",
    re.IGNORECASE,
)


# Words in "-ed" that name a standing before a name in capitals: "Chartered Institute of
# Bankers (CIBN) — …", "Registered Environmental Health Practitioner with …", "Advanced Fire
# Fighting, Medical First Aid …" (set p had said "I chartered Institute of Bankers").
_STANDING = re.compile(r"^(?:chartered|registered|advanced|certified|qualified|accredited|licensed|licenced)\s+[A-Z]", re.IGNORECASE)


# Verbs a line starts with that something was done to the person: "Promoted to…", "Appointed as…".
_DONE_TO = re.compile(r"^(?:promoted|appointed|elected|nominated|shortlisted|seconded|headhunted)"
                      r"(?= (?:to|as|into|onto|in|by|for|from|within|after|twice|again)\b)", re.IGNORECASE)


def _verb_led(clause: str) -> bool:
    match = _WORD.match(clause)
    if match is None:
        return False
    word = match.group(0).lower()
    if _STANDING.match(clause) and clause.split()[1][:1].isupper():
        return False
    return (word in IRREGULAR_PAST or word in PRESENT_VERBS or (word.endswith("ed") and len(word) > 4)
            or _VERB_BEFORE.match(clause) is not None or _SECOND_VERB.match(clause) is not None)


_HELD_DOCUMENT = re.compile(r"\b(?:licen[cs]e|own car|own vehicle|visa|citizen(?:ship)?|permit|passport|DBS|PVG|clearance)\b",
                            re.IGNORECASE)


# A town as a contact line writes it: "Kuils River, Cape Town", "Dunshaughlin, Co. Meath",
# "Brampton, ON", "Horfield, Bristol BS7", "Brisbane QLD 4000", "London (Walthamstow)"; not a
# title-cased line of one group ("Physical Sciences Educator (FET)").
_PLACE_WORD = r"(?:[A-ZÀ-Ý][\w'’.-]*[a-zà-ÿ][\w'’.-]*)"
_PLACE_CODE = r"(?:[A-Z]\d[A-Z](?:\s?\d[A-Z]\d)?|[A-Z]{1,2}\d[A-Z0-9]?(?:\s?\d[A-Z]{2})?|[A-Z]{2,3}|\d{1,6})"
_PLACE_GROUP = rf"(?:(?:{_PLACE_WORD}(?:\s+{_PLACE_WORD}){{0,2}}|{_PLACE_CODE})(?:\s+{_PLACE_CODE}){{0,2}})"
_PLACE = re.compile(
    rf"^(?:(?:\d+\s+)?{_PLACE_GROUP}(?:,\s*{_PLACE_GROUP})+|{_PLACE_WORD}(?:\s+{_PLACE_WORD})?(?:\s+{_PLACE_CODE}){{1,2}}|"
    rf"{_PLACE_WORD})\s*(?:\([^)]*\))?$"
)
# Capitalised words of a contact line that name no place: "NZ Resident", "KISM Registered Member".
_NOT_A_PLACE = re.compile(r"\b(?:resident|member|registered|registration|national|citizen|candidate|holder|certified|"
                          r"accredited|licensed|chartered|reg|no|portfolio|available|open|statement|profile)\b\.?",
                          re.IGNORECASE)
# The first piece of a headline: "Registered Social Worker — Social Work England", "UX Writer / Content Designer".
_HEADLINE_PIECE = re.compile(r"\s+[—–|/-]\s+|\s*[(,]")


def _names_the_person(body: str, facts: FactBase) -> bool:
    words = [w.lower() for w in re.findall(r"[^\W\d_][^\W\d_'’-]*", re.split(r"\s[—–|·-]\s|[,|·(]", body)[0])]
    return bool(words) and sum(w in facts.person_names for w in words) * 2 >= len(words)


def _headline_titled(body: str) -> bool:
    """A headline whose first piece ends in a job's name ("Registered Social Worker — …"; not
    "Bus Driver Accreditation")."""
    words = _HEADLINE_PIECE.split(body)[0].split()
    return bool(words) and is_title(words[-1])


def _headline_article(phrase: str) -> str:
    """"a" or "an" as the phrase is said: "an HPCSA…", "a UX…" (letters named), "an Event…"."""
    first = re.match(r"[\w'’.]+", phrase)
    word = first.group(0) if first else phrase
    if len(word) >= 2 and word.isupper():
        return "an" if word[0] in "AEFHILMNORSX" else "a"
    return "an" if re.match(r"[aeio]|u(?![nr]i|s[eu])|h(?:onou?r|our)", word, re.IGNORECASE) else "a"


def _header(body: str) -> str:
    """"Alex Morgan — Backend Engineer" → "I'm Alex Morgan, Backend Engineer"."""
    parts = [p.strip() for p in re.split(r"\s+[—–|-]\s+|,\s+", body) if p.strip()]
    if len(parts) >= 2:
        return f"I'm {parts[0]}, {', '.join(parts[1:])}"
    return f"I'm {body}"


def _story(story: Fact, facts: FactBase, *, brief: bool = False) -> str:
    """A STAR story in the person's own words, glued in the first person (``brief``: without its
    task, which the situation and action usually imply)."""
    parts = facts.parts_of(story)
    sentences: list[str] = []
    situation = parts.get("situation") or parts.get("intro") or parts.get("1")
    task = None if brief else parts.get("task")
    action = parts.get("action")
    result = parts.get("result")
    where = f"At {story.employer}, " if story.employer else ""
    if story.employer and situation_mentions(parts, story.employer):
        where = ""  # "At Halcyon Retail, Halcyon Retail had …": the story names it itself
    if situation is not None:
        text = _trim(_without_asides(situation.text))
        sentences.append(where + (_lower_first(text) if where else _upper_first(text)))
        where = ""
    if task is not None:
        text = _trim(_without_asides(task.text))
        sentences.append(f"{where}I had to {_lower_first(text)}" if _base_verb(text) else f"{where}The task: {_lower_first(text)}")
        where = ""
    if action is not None:
        text = _trim(_without_asides(action.text))
        sentences.append(f"I {_lower_first(text)}" if _verb_led(text) else f"My approach: {_lower_first(text)}")
    if result is not None:
        sentences.append(f"The result: {_lower_first(_trim(_without_asides(result.text)))}")
    if not sentences:  # a story with no STAR parts: its sentences as written
        rest = [f.text for key, f in parts.items() if key.isdigit()]
        return " ".join(_sentence(s) for s in rest) or _sentence(story.text)
    return " ".join(_sentence(s) for s in sentences)


# A story's aside to its writer, in brackets: "(NOT the Zone 2 thing. never the Zone 2 thing.)",
# "(use THIS one for 'someone you know')", "(keep details confidential)" (set w had said them).
_STORY_ASIDE = re.compile(r"\s*[(\[](?=[^()\[\]]*(?:\b(?-i:NOT)\b|\bnever\b|\bdon'?t\b|\bdo not\b|\buse this\b|"
                          r"\bkeep (?:\w+ )?(?:confidential|private|quiet|to myself)\b|\bcareful\b))[^()\[\]]*[)\]]", re.IGNORECASE)


def _without_asides(text: str) -> str:
    return _STORY_ASIDE.sub("", text).strip()


def situation_mentions(parts: dict[str, Fact], name: str) -> bool:
    first = parts.get("situation") or parts.get("intro") or parts.get("1")
    return first is not None and name.lower() in first.text.lower()


# A task's first word that starts no verb phrase: "T: me PM, 2 yrs on type" is no "I had to me PM…" (set w).
_NOT_A_VERB = frozenset("me my i we our us the a an his her their them it its this that these those".split())


def _base_verb(text: str) -> bool:
    match = _WORD.match(text)
    if match is not None and match.group(0).lower() in _NOT_A_VERB:
        return False
    if re.match(r"[\w'’]+\.\s", text):
        return False  # "supt. asked transportation for options": an abbreviation, no verb (set x)
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

# "Why are you leaving?" with nothing in the profile about it: not the structure of why join.
_LEAVING = (
    "what you want more of that your current role cannot give",
    "what you are moving towards, not away from",
    "nothing against your current employer",
)

_AHEAD_STRUCTURE = (
    "the work you want to be doing",
    "what you want to have learned or taken on",
    "how this role is a step towards it",
)

# "And what did you learn from that?", "…would you do anything differently?" with no story of it
# in the profile: what the person took from it, not the parts of a story (set q).
_LESSON = re.compile(r"\b(learn\w*|lessons?|differently|(do|change) anything|take ?aways?|take away from)\b", re.IGNORECASE)
# (Not "Describe a time you had to challenge… What happened and what did you learn?": the story first.)
_STORY_NOUNS = r"a time|an example|a situation|an occasion|an instance"
_STORY_ASKED = re.compile(rf"\b({_STORY_NOUNS})\b", re.IGNORECASE)


def _asks_a_lesson(question: str) -> bool:
    """Whether the turn's last ask is for a lesson, not for a story with its lesson after it
    (a follow-up is read after the question it follows: the sentence right before is its own)."""
    sentences = sentences_of(question)
    at = next((i for i in range(len(sentences) - 1, -1, -1) if _LESSON.search(sentences[i])), None)
    return at is not None and not any(_STORY_ASKED.search(s) for s in sentences[max(at - 1, 0): at + 1])


# Where a story says what its writer took from it: "Would do diff: check with the ward first",
# "Diff next time: grab the thermal protective aid before…", "Lesson: …", "-> always follow the
# verification procedure even if it loses the job".
_STORY_LESSON = re.compile(
    r"(?:^|(?<=[.;!?)])\s+|\s[-–—]\s+|\(\s*)(?P<label>(?:would|i'?d|i would) do diff\w*|diff\w*(?: next time)?|"
    r"(?:what )?i'?d do differently|(?:do )?differently(?: now| next time)?|next time|lessons?(?: learn[et]d?)?|"
    r"(?:what )?i learn(?:ed|t)|learn(?:ed|t|ings?)|take-?aways?|reflection|looking back)\s*[:=–—-]+\s*"
    r"(?P<text>[^.!?\n()]{4,})"
    r"|(?:->|→)\s*(?P<rule>(?:always|never|now i|i now|i always|i never)\b[^.!?\n()]{4,})",
    re.IGNORECASE,
)


# A turn that asks only what the person took from the story just told: "Fair enough. What would
# you do differently now?", "Looking back, is there anything you'd have done differently?".
_ONLY_A_LESSON = re.compile(
    r"^(?:(?:and|so|okay|ok|right|fair enough|looking back(?: on (?:that|it|this))?|with hindsight|in hindsight|now|then)\W+)*"
    r"(?:what would you (?:do|have done|change) differently|"
    r"(?:would|is there anything) you(?:'d| would)? (?:do|have done|change) (?:anything )?differently|"
    r"what did you learn(?: from (?:that|it|this|all that))?|what(?:'s| was| is) the (?:lesson|takeaway|learning)|"
    r"what did you take away(?: from (?:that|it|this))?)\b[^?]*\?\s*$",
    re.IGNORECASE,
)


def _asks_only_a_lesson(turn: str) -> bool:
    """Whether the turn's only ask is for the lesson of what was just told (``_ONLY_A_LESSON``),
    not a story with its lesson ("Tell me about a time … What did you learn?") nor a lesson
    beside another ask."""
    asking = question_sentences(turn)
    return (len(asking) == 1 and _ONLY_A_LESSON.match(asking[0].strip()) is not None
            and _STORY_REQUEST.search(turn) is None)


# A story asked for in the same turn: "Tell us about a time something you tried didn't work. What
# did you learn from it?" wants the story first.
_STORY_REQUEST = re.compile(rf"\b(?:{_STORY_NOUNS}|tell (?:me|us) about|"
                            r"walk (?:me|us) through|talk (?:me|us) through|describe|give (?:me|us))\b", re.IGNORECASE)


def story_lesson(story: str) -> str | None:
    """What a story says its writer would do differently or learned, said as theirs, or None."""
    match = _STORY_LESSON.search(story)
    if match is None:
        return None
    if match.group("rule"):
        return _sentence(f"What I took from it: {_lower_first(match.group('rule').strip())}")
    label, text = match.group("label").lower(), match.group("text").strip(" ,;-–—")
    differently = re.search(r"diff|next time", label) is not None
    return _sentence(f"{'What I would do differently' if differently else 'What I took from it'}: {_lower_first(text)}")


_LESSON_STRUCTURE = (
    "what you learned",
    "what you do differently now because of it",
    "where you have done that since",
)

_ACCEPT_STRUCTURE = (
    "a plain yes, or what would have to change",
    "where you have worked that way before",
)

_TOPIC_WORDS = {
    QuestionType.WEAKNESS: "a weakness",
    QuestionType.MOTIVATION: "why you want this role",
    QuestionType.EDUCATION: "your education",
    QuestionType.CLOSING: "questions to ask",
}


def _not_covered(
    question: str, kind: QuestionType, facts: FactBase, context: tuple[Fact, ...], unnamed: list[str]
) -> Composition:
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
        # The names the profile never uses ("Terraform"), where the question asks about any; a common
        # word is not made into one ("covers summarise"). Otherwise not the question quoted back:
        # it is on screen above the answer already, and an answer that does not repeat it stays
        # true, word for word, when the speaker goes on after a pause ("How do you prioritise, |
        # when everything is urgent?"), so the turn manager need not take it back
        # (firstword.turns.manager, ``_stands``).
        # Only a sentence that asks names things: in "my fellow American asked not…" (a speech,
        # no "?") "American" is no skill the profile lacks.
        asking = " ".join(question_sentences(question))
        names = set(names_in(asking))
        missing = [word for word in unnamed if word in names]
        about = _TOPIC_WORDS.get(kind) or (" ".join(missing) if missing else "this")
        if kind is QuestionType.MOTIVATION and asks_why_leaving(question):
            about, structure = "why you are moving on", _LEAVING
        elif kind in (QuestionType.OTHER, QuestionType.LOGISTICS) and asks_to_accept(question):
            about, structure = "whether this suits you", _ACCEPT_STRUCTURE
        elif kind in (QuestionType.BEHAVIOURAL, QuestionType.EXPERIENCE, QuestionType.OTHER) and _asks_a_lesson(question):
            about, structure = "what you took from it", _LESSON_STRUCTURE
        elif kind is QuestionType.MOTIVATION and AHEAD.search(question):
            # "Where do you see yourself in five years?" is not "why do you want this role?" (set k).
            about, structure = "where you want to be in a few years", _AHEAD_STRUCTURE
        opening = f"Nothing in your profile covers {about}, so here is what to cover rather than a guess"
    if kind is QuestionType.CLOSING and (job := facts.of(Source.JOB)):
        asks = [_lower_first(_trim(f.body)) for f in job if f.label][:2]
        if asks:
            structure = (f"how the team works on {' and '.join(asks)}", *structure)
    if not opening.endswith("."):
        opening = f"{opening}: {'; '.join(structure)}."
    return Composition(opening, (), structure, context)


# ----- text helpers -----------------------------------------------------------------------------


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
    if _NATIONALITY.match(word):
        return text  # "I'm a British translator", not "british"
    return text[0].lower() + text[1:]


_NATIONALITY = re.compile(
    r"^(?:British|English|Irish|Scottish|Welsh|American|Canadian|Australian|French|German|Dutch|Spanish|Italian|Polish|"
    r"Portuguese|Brazilian|Japanese|Chinese|Indian|Kenyan|Nigerian|Filipino|Mexican|Argentin(?:e|ian)|Chilean|Austrian|"
    r"Swiss|Swedish|Norwegian|Danish|Finnish|Greek|Turkish|Arabic|Korean|Vietnamese|Thai|Malaysian|Singaporean|"
    r"European|African|Asian|Latin|Welsh-speaking|Bilingual)$")


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
    text = re.sub(r"\s{2,}", " ", text)  # "2013             NVQ Level 3": a column's gap, not a pause
    if not text:
        return text
    text = _upper_first(text)
    return text if text[-1] in ".!?" else text + "."
