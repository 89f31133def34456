"""Questions about the person's own work, predicted from the dossier: one per story and per
achievement on the resume ("You got the pages down from 55 a week to 18. Walk me through how you
did that.").

The tables of ``patterns`` predict the questions every interview asks; most of what a technical
round or a hiring manager asks is about this person's own work instead, in words no table holds
(the held-out scripts of ``bench/prefetch-heldout`` miss mostly on these). Such a question names
the piece of work (its numbers, its product, its rare words) and asks to hear it; the answer is
that piece of work, in the person's own words. So each story and each resume achievement is a
prediction that the matcher reads by its *anchors* (``match.Anchors``) instead of by its
wording: the words that tell it from the person's other work.

A bullet that a story tells at greater length (they share anchors that nothing else has) is not
predicted on its own: the two would make every question about either ambiguous, and the story
is the fuller answer.

The job description's conditions are predicted the same way (``conditions``): a line that says
where or when the work is done ("Hybrid: two days a week in the Amsterdam office"), which an
interviewer states and then asks whether it suits ("We're hybrid, two days in the office. Does
that work for you?").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from firstword.answerer.profile import Profile
from firstword.grounding.facts import Fact, FactBase, Source
from firstword.grounding.questions import names_in
from firstword.prefetch import match
from firstword.prefetch.match import Anchors

# Below the follow-ups to the answer just given and the common questions: these rank last, but a
# copilot answer takes ~2 ms, so all of them are written in a pause (``prefetch.prepared_per_pause``).
OWN_WORK_SCORE = 0.2
# At most this many pieces of work (stories first, then the resume's achievements in order): a
# question is checked against each, and a long resume's oldest bullets are rarely asked about.
MAX_ITEMS = 16
# Resume sections whose bullets are pieces of work (``facts.SECTION_WORDS``).
_WORK_SECTIONS = frozenset({"experience", "projects", "achievements", ""})
# Shared by two pieces of work, and nothing else: a bullet a story tells at length.
_SAME_WORK_SHARED = 2
# A bullet's first words say what it is about ("Cut monthly AWS spend by ~$38k through …").
HEADLINE_WORDS = 8

# Words of any piece of work that name none: they never tell one from another.
_GENERIC = match.read("""
    team teams work worked working led lead leading built build building managed manage managing improved
    improve improving reduced reduce reducing increased increase cut cutting new year years month months
    week day days time first second using use used via across within per over under project projects
    company business process processes role staff people customer customers client clients system systems
    result task action situation delivered deliver ran run running created create set up made make help
    helped support supported including responsible across main also around about approx approximately
    percent resume cv after before look looking looked
    """).content
_NUMBER = re.compile(r"^\d")
# A year says when a piece of work happened, not which: "There's a gap on the CV there, 2022 …
# What was that?" had named the one story of 2022 (set u). It counts towards naming, with a
# word of what the work is about.
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_MONTHS = frozenset(t for w in ("jan january feb february mar march apr april jun june jul july aug august sep sept "
                                "september oct october nov november dec december").split() for t in match.read(w).content)


# Words this frequent in English (``wordfreq``'s Zipf scale: "because" 6.0, "came" 5.5, "team"
# 5.7; "bus" 4.8, "museum" 4.7) name no piece of work, whatever list above leaves them out: "Can
# you talk me through how that came about? … because nothing works first time" had named the
# story "The bus that never came" by "came" and "because" (set ab), asked about another.
EVERYDAY_ZIPF = 5.5


def _everyday(text: str) -> frozenset[str]:
    """The terms (as ``match.read`` gives them) of the words of ``text`` that most English says."""
    from wordfreq import zipf_frequency

    words = {w for w in re.findall(r"[a-z]+", text.lower()) if zipf_frequency(w, "en") >= EVERYDAY_ZIPF}
    return frozenset(match.read(" ".join(sorted(words))).content) if words else frozenset()


@dataclass(frozen=True, slots=True)
class Item:
    """One piece of the person's own work, as predicted."""

    fact: Fact
    question: str  # what is shown and answered
    terms: frozenset[str]


def items(profile: Profile) -> list[Item]:
    """The stories and the resume's achievements, stories first, each with its terms."""
    return _items(FactBase.from_profile(profile))


def _items(facts: FactBase) -> list[Item]:
    found: list[Item] = []
    for fact in facts.retrievable():
        if fact.source is Source.STORY and fact.part == "story":
            title = fact.title or fact.text.split(". ")[0]
            question = f"Tell me about {_lower_first(title.rstrip('.'))}."
        elif (fact.source is Source.RESUME and fact.part is None and fact.label is None
              and fact.section in _WORK_SECTIONS and _achievement(fact.body)):
            question = f"Tell me more about this: {fact.body.rstrip('.')}."
        else:
            continue
        # "@third" (someone else: "his", "the President's") stays: a question may say it too.
        terms = frozenset(match.read(fact.text).content)
        if terms:
            found.append(Item(fact, question, terms))
    return sorted(found, key=lambda item: item.fact.source is not Source.STORY)  # stable: each in its order


_Key = tuple[str, str, str, tuple[str, ...]]


def _key(profile: Profile) -> _Key:
    return profile.resume, profile.job_description, profile.notes, tuple(profile.stories)


def anchored(profile: Profile) -> list[tuple[Item, Anchors]]:
    """Each piece of work with what a question must say to ask about it (``match.Anchors``), at
    most ``MAX_ITEMS``; bullets a story already tells are left out (the module's docstring).
    Worked out once per profile (~5 ms: the profile's facts are split again), not after every
    answer."""
    return list(_anchored(_key(profile)))


@lru_cache(maxsize=64)
def _anchored(key: _Key) -> tuple[tuple[Item, Anchors], ...]:
    facts = FactBase.from_profile(Profile(key[0], key[1], key[2], list(key[3])))
    found = _items(facts)
    # An employer's name tells a piece of work from the others only where it is what the work is
    # about: "What's the fleet at Ironstone?" asks about the workplace, not the story of cutting
    # its trucks' service time that happened there (set r).
    employers = frozenset(t for f in facts.facts if f.employer for t in match.read(f.employer).content)
    # (Not "1": "one" is said in passing as often as counted, "Everyone's had one. Something that
    # went wrong on farm…" named a story of "1 farm assistant", set o; "seven days to five" does
    # name a close shortened from 7 to 5 days.)
    specific = {item.fact.id: frozenset(t for t in item.terms - _GENERIC - _everyday(item.fact.text)
                                        if not t.startswith("@") and t != "1")
                for item in found}
    spread = Counter(t for terms in specific.values() for t in terms)
    kept: list[tuple[Item, Anchors]] = []
    stories = [i for i in found if i.fact.source is Source.STORY]
    for item in found:
        own = specific[item.fact.id]
        if item.fact.source is Source.RESUME and any(
            len({t for t in own & specific[s.fact.id] if spread[t] == 2}) >= _SAME_WORK_SHARED for s in stories
        ):
            continue
        about = own & (_headline_terms(item) | (_names(item.fact.text) - employers))
        # (A date in a title says when, not which: "SPEAKING UP - DONEGAL FUEL (Jan 2023)" had
        # been named by "I see an LPC in 2023 with a retest", set w.)
        strong = frozenset(t for t in own if len(t) >= 2 and not _YEAR.match(t) and t not in _MONTHS
                           and (t in about or _NUMBER.match(t)))
        if not strong:
            continue  # nothing tells it from the rest: every question about it would be ambiguous
        negated = match.read(item.fact.title or item.fact.body).negated
        title = frozenset(match.read(item.fact.title).content) if item.fact.title else frozenset()
        kept.append((item, Anchors(item.terms, own, strong, negated=negated, title=title)))
        if len(kept) == MAX_ITEMS:
            break
    return tuple(kept)


def _headline_terms(item: Item) -> frozenset[str]:
    """What the piece of work is about: a story's title, a bullet's first words ("Cut monthly AWS
    spend by ~$38k …")."""
    headline = item.fact.title if item.fact.source is Source.STORY and item.fact.title else " ".join(
        item.fact.body.split()[:HEADLINE_WORDS])
    return frozenset(match.read(headline).content)


def _names(text: str) -> frozenset[str]:
    said = names_in(text)
    return frozenset(match.read(" ".join(said)).content) if said else frozenset()


# The conditions of a job that an interviewer states and then asks whether they suit: where and
# when the work is done, and what it takes to get there.
_CONDITION = re.compile(
    r"\b(hybrid|remote|(in|from|at) the office|office[- ]based|office days?|on[- ]?site|in[- ]person|travel\w*|"
    r"shifts?|weekends?|on[- ]?call|overtime|nights?|relocat\w*|commut\w*|rota|rotations?|bank holidays?|"
    r"evenings?|days? a week|based in|driving licen[cs]e|probation|hours|"
    # The days the work falls on ("Tuesday to Friday, one Saturday morning a month", "four-day
    # week"; sets q, s).
    r"(mon|tues|wednes|thurs|fri|satur|sun)days?|weekdays|(four|five|six|4|5|6)[- ]day (week|weeks|roster)|full[- ]time|part[- ]time)\b",
    re.IGNORECASE,
)
# Words of a job description's line that name nothing of the condition.
_NOT_CONDITION = match.read("role team company candidate successful position job will must").content
MAX_CONDITIONS = 6
MAX_CONDITION_WORDS = 25
# "Willingness to travel 30–40%" is asked as "travel 30–40%": the grounding reads the words of
# the question, and would say the profile never mentions "willingness".
_WILLING = re.compile(
    r"^(?:(?:must be |be )?(?:willing(?:ness)?|ability|able|prepared|happy|open|available|flexib\w+)\s+to|"
    r"must be (?:willing|able|prepared) to)\s+",
    re.IGNORECASE,
)
# A requirement of experience ("experience with on-call and incidents") is a skill asked about,
# not a condition to accept.
_SKILL = re.compile(r"\b(experience|experienced|knowledge|proficien\w*|familiar\w*|track record|skills?)\b", re.IGNORECASE)


def _starts_segment(text: str, at: int) -> bool:
    """Whether ``at`` starts the line or a segment of it, where a word is capitalised as a start
    ("Full-time | Hybrid (3 days in office)", "…, no evenings; One Saturday a month")."""
    before = text[:at].rstrip()
    return not before or before[-1] in "|·•;:("


def conditions(profile: Profile) -> list[tuple[Item, Anchors]]:
    """The job description's lines that state a condition of the job (``_CONDITION``), each as
    a prediction whose question asks whether it suits, at most ``MAX_CONDITIONS`` (once per
    profile)."""
    return list(_conditions(_key(profile)))


@lru_cache(maxsize=64)
def _conditions(key: _Key) -> tuple[tuple[Item, Anchors], ...]:
    found: list[tuple[Item, Anchors]] = []
    # Not the title line ("Junior Engineer — Kestrel Travel, Bristol"), nor a list of duties
    # ("lead shifts as nurse in charge; line-manage a team …"): a condition is stated in a line.
    for fact in FactBase.from_profile(Profile(key[0], key[1], key[2], list(key[3]))).of(Source.JOB)[1:]:
        # A condition is a common word: "Kestrel Travel" is a name.
        keywords = [m.group(0) for m in _CONDITION.finditer(fact.text)
                    if not m.group(0)[0].isupper() or _starts_segment(fact.text, m.start())]
        # A list of duties is several clauses in a line; a line of conditions may be too
        # ("Four-day week, Tuesday to Friday, no evenings; one Saturday morning a month"): each of
        # its clauses then states a condition.
        clauses = [c for c in re.split(r"\s*;\s*", fact.text) if c.strip()]
        listed = len(clauses) > 1 and not all(_CONDITION.search(c) for c in clauses)
        if (not keywords or fact.instruction_like or _SKILL.search(fact.text) or listed
                or len(fact.text.split()) > MAX_CONDITION_WORDS):
            continue
        terms = frozenset(match.read(fact.text).content)
        strong = frozenset(match.read(" ".join(keywords)).content) & terms
        if not strong:
            continue
        stated = _WILLING.sub("", fact.body.strip().rstrip(".")) or fact.body
        item = Item(fact, f"Would this work for you: {stated}?", terms)
        named = frozenset(t for t in terms - _NOT_CONDITION if not t.startswith("@"))
        found.append((item, Anchors(terms=terms, anchors=named, strong=strong, asks_to="accept")))
        if len(found) == MAX_CONDITIONS:
            break
    return tuple(found)


# A resume line that did something: a verb and a measure, or a past-tense verb first ("Led the
# move to …", "Cut pages from 55 to 18 …"), not a list of skills or duties alone.
_PAST_FIRST = re.compile(r"^\W*[A-Z]?[a-z]+ed\b|^\W*(Built|Led|Ran|Won|Cut|Set|Made|Took|Drove|Wrote|Grew|Rebuilt|Brought|Began)\b")


_DONE = re.compile(r"\b[a-z]{3,}(?:ed|ing)\b|\b(built|led|ran|won|cut|set|made|took|drove|wrote|grew|rebuilt|brought|"
                   r"own|run|lead|manage|mentor|deliver|sell|sold)\b", re.IGNORECASE)
_ROLE_DATES = re.compile(
    r"\b(19|20)\d{2}\s*(?:[–—-]|to)\s*(?:(?:19|20)\d{2}|now|present|current|today)|\((?:[A-Z][a-z]{2,8}\s+)?(19|20)\d{2}",
    re.IGNORECASE,
)


def _achievement(text: str) -> bool:
    if len(text.split()) < 5 or _ROLE_DATES.search(text):
        return False  # a role line ("Product Designer — Fernway Bank (Mar 2019 – Dec 2021)")
    # A measure with something done ("Closed $2.3M in new ARR", "… cutting overspend from 9% to
    # 3%"), not a title with a date ("Second in Science Department from September 2021").
    return bool(_PAST_FIRST.match(text)) or bool(re.search(r"\d", text)) and bool(_DONE.search(text))


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first == "A" or len(first) > 1 and first[1:].islower():
        return text[0].lower() + text[1:]
    return text
