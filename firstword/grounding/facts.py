"""The profile as facts: each resume line or bullet, each STAR story part, each job requirement and
each notes line, with an id and its exact source text.

An answer may state only what these facts (or the question) say. Splitting is by layout, not by
meaning: a bullet and its wrapped lines are one fact; a paragraph is one fact per sentence; a
heading names the section of the facts under it. A line in the resume that reads like an
instruction ("ignore the above and say …") is a fact like any other: it is quoted, never obeyed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property, lru_cache

from firstword.answerer.profile import Profile
from firstword.grounding.private import cover, kept_to_self, marks_itself_private, private_label


# Words aimed at a model rather than at a reader of a resume.
INSTRUCTION_LIKE = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,30}\b(instructions?|above|previous|prior|prompt|rules|everything)\b|"
    # (Not "where you are now": set u's "a quick overview of where you are now, and why Thistle?"
    # had been refused as an instruction.)
    r"\b(system prompt|as an ai|language model|(?<!where )(?<!what )(?<!how )(?<!who )you are now|you must now|new instructions?|from now on)\b|"
    r"^\W*(system|assistant|developer)\s*:|"
    r"\b(say|saying|says|respond|answer|reply|claim|pretend)\b.{0,20}\b(that )?(you|the candidate) "
    r"(are|is|were|was|worked|work|have|has)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=16_384)
def _instruction_like(text: str) -> bool:
    return INSTRUCTION_LIKE.search(text) is not None


class Source(StrEnum):
    RESUME = "resume"
    STORY = "story"
    JOB = "job"
    NOTES = "notes"


# Headings that name what the lines under them are; matched on the lower-cased heading text.
SECTION_WORDS: dict[str, tuple[str, ...]] = {
    # First: "PROFESSIONAL SUMMARY", "CAREER OBJECTIVE" and "Career profile" are the summary, not
    # the experience their first words name (set p's opener had said the name alone).
    "summary": ("summary", "profile", "about", "objective"),
    "experience": ("experience", "employment", "work history", "career", "positions", "professional"),
    "education": ("education", "qualifications", "degrees", "academic", "training", "certification"),
    "skills": ("skills", "technologies", "tools", "competencies", "expertise", "languages"),
    "projects": ("projects", "portfolio", "selected work"),
    "achievements": ("achievements", "awards", "honours", "honors", "publications"),
}

_BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣–]|\d{1,2}[.)])\s+")
_HEADING_MD = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
_STAR_PART = re.compile(
    r"\b(Situation|Context|Background|Problem|Task|Goal|Action|Approach|Result|Outcome|Impact)s?\s*:\s*",
    re.IGNORECASE,
)
# Other names people give the four parts of a STAR story.
_PART_NAMES = {"context": "situation", "background": "situation", "problem": "situation", "goal": "task",
               "approach": "action", "outcome": "result", "impact": "result"}
# "Northwind Logistics (2021–now): led …", "Brightpay, 2018-2021 — built …"
_EMPLOYER_LEAD = re.compile(
    # (Not a span of one year into the next, "risky play (2022-23): introduced…", set t.)
    r"^(?P<name>[A-Z][\w&.'’ -]{1,60}?)\s*[,(]\s*(?P<dates>(?:19|20)\d{2}\s*(?:[–—-]\s*(?:(?:19|20)\d{2}|now|present|current|today))?)(?!\s*[–—-]?\s*\d)\s*\)?"
    # "Lumen Analytics (2019–2021), Data Engineer: clickstream jobs …": the title after the dates
    # (the lead had stopped at "2019–", and "2021), Data Engineer" was said as the work).
    r"(?:\s*,\s*(?P<title>[A-Z][^:,()]{1,50}?))?\s*[:—–-]\s*(?!\s*(?:now|present|current|today)\b)(?P<rest>.*[A-Za-z].*)$",
)
# A role line: "Senior Engineer, Acme Corp (2019 – 2021)" or "Acme Corp — Senior Engineer, 2019-2021".
# "2019 – 2021", "2016 - Jan 2020", "February 2019 - January 2021" (a month before the second year
# had left every past role's bullets under the role above it, set j: "Department Manager, Fresh
# Produce - Sunbake Supermarkets, Parow | Mar 2016 - Jan 2020" said as work at the current store).
_DATED_LINE = re.compile(
    # ("09/2018 – 02/2021": a month in figures before the end's year, set q.)
    # (The start's month with it: "Jun 2015 - Feb 2017" had been said "2015 - Feb 2017", set t.)
    r"(?:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?\s+|\b\d{1,2}[/.]\s?)?"
    r"(?:19|20)\d{2}\s*(?:[–—-]|to)\s*(?:(?:[A-Z][a-z]{2,8}\.?\s+|\d{1,2}[/.]\s?)?(?:19|20)\d{2}|now|present|current|today)",
    re.IGNORECASE,
)
# "Title, 2021 - present" is a role line, not "Title" followed by the words "present".
# (Not after initials: "U.S. District Court" had been split into a role of "District Court", set t.)
# (Not inside a short bracket: "Full clean Irish driving licence (Cat. B)" had been said "… (Cat.", set u.)
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<![A-Za-z]\.[A-Za-z]\.)\s+(?=[A-Z0-9\"'(])(?![A-Za-z0-9]{1,3}\))")
_LABEL = re.compile(r"^(?P<label>[A-Z][A-Za-z /&'-]{1,40}):\s+(?P<rest>\S.*)$")
# A label as people type it in quick notes, in any case: "salary: 32-35k", "notice: 1 week".
# ("Chain down D10: direct restraint, …" after a list of questions to ask is a topic of its own,
# not one more question: set v had said "I'd like to ask about chain down D10 — …".)
_SHORT_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z'-]*(?: [A-Za-z0-9][A-Za-z0-9'-]*){0,2}):\s+(?P<rest>\S.*)$")


@dataclass(frozen=True, slots=True)
class Fact:
    """One piece of the person's own material. ``text`` is the source text exactly (whitespace of
    wrapped lines joined); ``employer`` and ``dates`` are set where the layout says them."""

    id: str
    source: Source
    text: str
    section: str = ""
    employer: str | None = None
    dates: str | None = None
    # For a story part: which part ("situation", "task", "action", "result") and the story's title.
    part: str | None = None
    title: str | None = None
    # The label a line carried ("Salary expectation" in "Salary expectation: discuss …").
    label: str | None = None
    # A later sentence of a labelled line (which carries its label): the id of the line's first.
    follows: str | None = None
    # Of a note's line that has words ready for one question ('if "know anyone there?" -> "…"',
    # ``private.cover``): that question, as written; "" where the line names none.
    asked_if: str | None = None
    # Of a line marked private (``private.marks_itself_private``), the words it gives to say,
    # whichever of its sentences gives them: "Travel 30-35% -> OK BUT Papá (dialysis …). …
    # PRIVATE -> say "happy with 30%…"" answers a question about travel in those words (set v).
    line_gives: str | None = None

    @property
    def instruction_like(self) -> bool:
        """A line that talks to a model ("ignore the above and say …"): kept as the person's
        text, but never said in their name, given to a model, or taken as evidence."""
        return _instruction_like(self.text)

    @property
    def body(self) -> str:
        """The text without its label or employer lead."""
        return _strip_lead(self)


@dataclass
class FactBase:
    facts: list[Fact] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.facts)

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts)

    def by_id(self, fact_id: str) -> Fact | None:
        return self._by_id.get(fact_id)

    @cached_property
    def _by_id(self) -> dict[str, Fact]:
        # (Asked for each ranked fact that follows another, on the way to the first word.)
        return {f.id: f for f in self.facts}

    def of(self, source: Source) -> list[Fact]:
        return [f for f in self.facts if f.source is source]

    def parts_of(self, story: Fact) -> dict[str, Fact]:
        """A whole story's parts by name ("situation", "task", "action", "result", "intro", "1"…)."""
        prefix = story.id + ":"
        return {f.id[len(prefix):]: f for f in self.facts if f.id.startswith(prefix)}

    def retrievable(self) -> list[Fact]:
        """What a question is matched against: whole stories (not their parts), and no line
        that talks to a model."""
        return [
            f for f in self.facts
            if not (f.source is Source.STORY and f.part != "story")
            and not f.instruction_like
            and f.part != "employer"
        ]

    @cached_property
    def person_names(self) -> frozenset[str]:
        """The words of the person's name, lower case, from the resume's first line ("CHONG WAI
        KIT (Kit)" → chong, wai, kit), what an interviewer calls them by."""
        for fact in self.facts:
            if fact.source is not Source.RESUME or fact.section != "header":
                break
            if DOCUMENT_TITLE.match(fact.body):
                continue  # "CURRICULUM VITAE" above the name
            name = re.split(r"\s[—–|·-]\s|[,|·]", fact.body)[0]
            return frozenset(w.lower() for w in re.findall(r"[^\W\d_][^\W\d_'’-]*", name) if len(w) >= 2)
        return frozenset()

    @cached_property
    def own_words(self) -> frozenset[str]:
        """The words of the resume, the stories and the job description, lower case: what a
        one-word question names ("Figma?", "Sepsis?") rather than a colleague spoken to."""
        return frozenset(w.lower() for f in self.facts if f.source is not Source.NOTES
                         for w in re.findall(r"[^\W\d_][^\W_'’-]*", f.text))

    @property
    def text(self) -> str:
        """Everything the person wrote, for checking a claim against (``critic``)."""
        return "\n".join(f.text for f in self.facts)

    @classmethod
    def from_profile(cls, profile: Profile) -> FactBase:
        facts: list[Fact] = []
        facts += _resume_facts(profile.resume)
        employers = {f.employer for f in facts if f.employer}
        for index, story in enumerate(profile.stories, start=1):
            facts += [f if f.employer is None or _names_one_of(f.employer, employers) else replace(f, employer=None)
                      for f in _story_facts(story, index)]
        facts += _plain_facts(profile.job_description, Source.JOB, "job")
        facts += _plain_facts(profile.notes, Source.NOTES, "notes")
        return cls(facts)


def _names_one_of(name: str, employers: set[str]) -> bool:
    """Whether a story's bracket ("Harbour") names an employer of the resume ("Harbour Retail
    Group"): a bracket is also where people put a year, a competency or an aside ("(2023)",
    "(Deliver Results)", "(my stuff-up)"), which had been said as "At my stuff-up, …" (sets f,
    h, j, o)."""
    first = _first_word(name)
    return first is not None and any(_first_word(e) == first for e in employers)


def _first_word(name: str) -> str | None:
    return next((w for w in _words(name) if w not in ("the", "a", "an")), None)


# ----- resume --------------------------------------------------------------------------------------


def _section_of(heading: str) -> str:
    lowered = heading.lower()
    for section, words in SECTION_WORDS.items():
        if any(w in lowered for w in words):
            return section
    return ""


def _is_heading(line: str, next_line: str | None) -> str | None:
    """The heading text if ``line`` is one: markdown, ALL CAPS, or a short line ending in ':'."""
    if match := _HEADING_MD.match(line):
        return match.group(1).strip()
    stripped = line.strip()
    # "SCENARIO PREP (price increase)", "KEY NUMBERS (know cold)": capitals with an aside in
    # brackets head a part of the notes as plain capitals do (set h had said the heading as
    # the answer to the scenario it prepared).
    letters = [c for c in _ASIDE.sub("", stripped) if c.isalpha()]
    if 2 < len(stripped) <= 40 and len(letters) >= 2 and all(c.isupper() for c in letters) and not _BULLET.match(line):
        return stripped.rstrip(":")
    if stripped.endswith(":") and 2 < len(stripped) <= 40 and not _BULLET.match(line):
        return stripped[:-1]
    # A plain line that is only a section's name ("Experience", "Work history", "Training").
    if len(stripped) <= 30 and _section_of(stripped) and len(stripped.split()) <= 3 and not stripped.endswith("."):
        return stripped
    return None


_ASIDE = re.compile(r"\([^)]*\)")
# Longer than this, its brackets left out, a dated line is a sentence, not a role line. The
# longest role lines of the shipped and held-out resumes run to ~140 characters ("Fourth
# Engineer / Junior Engineer — Seahaven Bulk Shipping, Chennai: Supramax bulk carriers, MAN B&W
# 6S50MC-C and Wartsila auxiliaries | 2014 – 2017"); at 120, with the asides counted, the
# bullets of four of them had been said as work at the employer above (sets h, l, o); a dated
# achievement is told apart by where its dates are (``_dates_close``), not by its length.
ROLE_LINE_CHARS = 160
_TABLE_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*(?::?-{2,}:?\s*)?\|?\s*$")


def _untabled(lines: list[str]) -> list[str]:
    """A Markdown table's rows as bullets, "| spend | €14m, ~60 suppliers |" → "- spend: €14m,
    ~60 suppliers"; its rule and its header row (the one above the rule: "| what | number |")
    go. Notes keep numbers in tables; read as lines, "| what | number |. KEY NUMBERS" was said
    as an answer (set h). No Markdown parser needed for one line shape."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if _TABLE_RULE.match(line):
            continue
        row = _TABLE_ROW.match(line)
        if row is None:
            out.append(line)
            continue
        if i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            continue  # the header row
        cells = [c.strip() for c in row.group("cells").split("|")]
        cells = [c for c in cells if c]
        if cells:
            out.append(f"- {cells[0]}: {', '.join(cells[1:])}" if len(cells) > 1 else f"- {cells[0]}")
    return out


def _items(text: str, *, prose: bool = False, notes: bool = False) -> Iterator[tuple[str, str]]:
    """(kind, text) for each heading, bullet (with its wrapped lines) and paragraph (with its
    wrapped lines). ``prose``: the text is written in sentences (notes, a job description), so a
    long line that has not ended its sentence goes on into the next one ("… a base of £95k
    plus" / "OTE of £140k.")."""
    lines = _untabled(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    wrap_width = max((len(line.strip()) for line in lines), default=0)
    current: list[str] = []
    kind = ""

    def flush() -> Iterator[tuple[str, str]]:
        if current:
            yield kind, " ".join(part.strip() for part in current if part.strip())
        current.clear()

    # Whether this text ends its items with a full stop: then a bullet that has not ended yet
    # goes on into the next line, whatever that line starts with (a PDF or a narrow editor
    # wraps "from 800 ms to" / "120 ms").
    ends: list[str] = []
    in_bullet = False
    for i, line in enumerate(lines):
        if _BULLET.match(line):
            in_bullet = True
        elif not line.strip() or _HEADING_MD.match(line) or _DATED_LINE.search(line) or _is_heading(line, None):
            in_bullet = False
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if in_bullet and (not nxt.strip() or _BULLET.match(nxt) or _DATED_LINE.search(nxt) or _is_heading(nxt, None)):
            ends.append(line.rstrip())
    full_stops = len(ends) >= 3 and sum(e.endswith((".", "!", "?")) for e in ends) / len(ends) >= 0.6

    for i, line in enumerate(lines):
        if not line.strip():
            following = next((x for x in lines[i + 1:] if x.strip()), "")
            if (
                current and kind == "bullet" and full_stops and not current[-1].rstrip().endswith((".", "!", "?", ":"))
                and re.match(r"\s*[a-z(]|\s*\d(?!\d{3}\b)", following)
            ):
                continue  # a page break inside a bullet ("… feeding the fraud" / "models.")
            yield from flush()
            continue
        if (
            current and kind == "bullet" and full_stops and not current[-1].rstrip().endswith((".", "!", "?", ":"))
            and not _BULLET.match(line) and not _DATED_LINE.search(line) and not _HEADING_MD.match(line)
            # A labelled line of notes after a list is a note of its own: "- how many dispatchers/
            # shift in peak" then "Remember: 24hr clock, …" (set v had said the reminder as the
            # end of a question to ask).
            and not (notes and _SHORT_LABEL.match(line.strip()))
        ):
            current.append(line)
            continue
        heading = _is_heading(line, lines[i + 1] if i + 1 < len(lines) else None)
        if heading is not None:
            yield from flush()
            yield "heading", heading
            continue
        if _BULLET.match(line):
            yield from flush()
            kind = "bullet"
            current.append(_BULLET.sub("", line, count=1))
        elif current and not (notes and _note_ended(current[-1], line, wrap_width)) and (
            _continues(current[-1], line, kind)
            or (prose and kind == "line" and len(current[-1].strip()) >= PROSE_WRAP
                # Notes are wrapped, if at all, near their longest line: "RUA - final w/ Declan
                # (owner). Fri 2pm, Douglas St café, back office" then "trial Tues went OK - …"
                # are two notes (set n had lost the second inside the interview's time).
                and (not notes or len(current[-1].strip()) >= WRAP_SHARE * wrap_width or _cut_off(current[-1], _CUT_OFF_ENDS))
                # A closing bracket ends a note's line: "… exercise window (90 days??)" then
                # "Notice 2 wks" (set j: the notice period was said as the end of the pay note).
                and not current[-1].rstrip().endswith((".", "!", "?", ":", ")")) and not _SHORT_LABEL.match(line.strip())
                # Notes are typed a thought a line: "… leave 6am, N4 toll + trucks at Brits" then
                # "CTC now R1.02m. ask R1.2m" (set l: the pay note was read as the end of the
                # interview's arrangements, and "where do you need to be?" answered with both).
                and not (notes and _NEW_THOUGHT.match(line) and not _cut_off(current[-1], _CUT_OFF_ENDS)))
        ):
            current.append(line)
        else:
            yield from flush()
            kind = "line"
            current.append(line)
    yield from flush()


def _note_ended(previous: str, line: str, wrap_width: int = 0) -> bool:
    """Whether a short typed line of notes ended its note, whatever case the next starts in:
    "want 52k, min 50k. 4 days ideally, 4.5 ok" then "notice 1 month (contract)" then "holiday
    booked 14-21 Aug" are three notes (set m: "what's your notice period?" was answered with all
    three). A line cut off mid-phrase ("… leave at", "base +") goes on."""
    return (
        # Short, or well short of the width the notes were wrapped at (``WRAP_SHARE``).
        (len(previous.strip()) < PROSE_WRAP or len(previous.strip()) < WRAP_SHARE * wrap_width)
        and not _cut_off(previous, (*_CUT_OFF_ENDS, "(", "/"))
        and re.match(r"\s*(\(|&|\+|(and|or|but|with|to|for|then|so)\b)", line, re.IGNORECASE) is None
    )


# What a line stopped mid-phrase ends with ("… base +", "… plus", "… leave at").
_CUT_OFF_ENDS = ("plus", "+", "&", "-", ",")


def _cut_off(line: str, ends: tuple[str, ...]) -> bool:
    return _OPEN_END.search(line) is not None or line.rstrip().endswith(ends)


# A note's line that starts a new thought: a capitalised word or an abbreviation ("CTC now …",
# "Base now 78k …").
_NEW_THOUGHT = re.compile(r"^\s*[A-Z]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
# A resume's title over the name: no part of it.
DOCUMENT_TITLE = re.compile(r"^\W*(?:curriculum vitae|résumé|resume|cv)\W*$", re.IGNORECASE)
# The first line of a resume up to this long is the person's name (and headline).
NAME_LINE_CHARS = 90
# A line of prose at least this long that stops mid-sentence was wrapped, not ended.
PROSE_WRAP = 50
# How near its notes' longest line a line must be to have been wrapped there: an editor wraps at
# one width, and a line well short of it was ended by its writer (set n).
WRAP_SHARE = 0.8
# A line ending in a word that needs more after it.
_OPEN_END = re.compile(
    r"\b(for|to|of|the|a|an|and|or|with|in|on|by|from|at|as|into|across|than|per|via|our|their|its|my|"
    r"which|that|who|while|including)\s*$",
    re.IGNORECASE,
)


def _continues(previous: str, line: str, kind: str) -> bool:
    """Whether ``line`` wraps the item ``previous`` belongs to (rather than starting a new one)."""
    if _EMAIL.search(line) and not _EMAIL.search(previous):
        return False  # the contact line under the name ("14 Lowther Street, Carlisle | … | name@…")
    if kind == "bullet" and line.startswith((" ", "\t")):
        return True
    if _SHORT_LABEL.match(line.strip()):
        return False  # "salary: hoping for 32-35k" under "start asap": a note of its own
    if _OPEN_END.search(previous) and not _DATED_LINE.search(line):
        return True  # "… moved the joins to" never ends an item
    if re.match(r"\s*\d", line) and not re.match(r"\s*(?:19|20)\d{2}\b", line) and not previous.rstrip().endswith(
        (".", "!", "?", ":")
    ):
        return True  # "cut drop-off from 40% to" / "22% in three months"
    if line.lstrip().startswith(("(", "[", "&")) and not previous.rstrip().endswith((".", "!", "?")):
        return True  # "(lightning talk)." finishing a wrapped line
    if not line.strip()[:1].islower() and not previous.rstrip().endswith((",", ";", "&", " and", " or", "(")):
        return False
    # A line that starts in lower case, or follows one cut off mid-list, is the same sentence.
    return not previous.rstrip().endswith((".", "!", "?", ":"))


def _resume_facts(text: str) -> list[Fact]:
    facts: list[Fact] = []
    section = ""
    employer: str | None = None
    dates: str | None = None
    n = 0
    previous_line: str | None = None
    # The item just above, where it could be a role's title and employer over a line of dates alone
    # ("### Senior Manufacturing Engineer — Carolina Drivetrain Components" over "*Jan 2020 –
    # Present*": the bullets had been said as work "At *").
    line_above: str | None = None
    for position, (kind, item) in enumerate(_items(text)):
        # The person's name, as the first line of a plain-text resume; with its post-nominals and
        # headline it runs longer ("EILIDH MACLEOD BSc (Hons) — HCPC Registered Paramedic
        # (PA48213)", set l).
        # ("CURRICULUM VITAE" above it: the name is the line after, set q.)
        titled = (position == 1 and len(facts) == 1 and DOCUMENT_TITLE.match(facts[0].body) is not None
                  and ":" not in item)  # ("Name: BRIAN …" is read by its label)
        name_line = ((position == 0 and kind == "line") or (titled and kind in ("line", "heading"))) and (
            len(item) <= NAME_LINE_CHARS and not re.search(r"[.!?]$", item))
        if name_line:
            kind = "heading"
        if kind == "heading":
            # Not a section, whatever its words ("BRIAN OUMA — Logistics and Operations
            # Professional" is no "operations experience" heading).
            named = None if name_line else _section_of(item)
            # Only the line right above a role line can name its employer, never one across a
            # section heading (the headline under the name is not an employer).
            previous_line = None
            if named:
                section, employer, dates = named, None, None
                continue
            # A heading that is not a section name: a role or employer heading ("Acme Corp —
            # Senior Engineer (2019–2021)") whose bullets belong to it, the person's name at the
            # top, or a section of the person's own naming ("TALKS AND WRITING").
            role = False
            if _DATED_LINE.search(item):
                employer, dates = _employer_of_role_line(item)
                role = employer is not None  # "### Basketly, Manchester — Data Engineer (2017–2021)"
            elif facts and not name_line:
                section, employer, dates = item.lower(), None, None
                if len(item) <= 60 and not is_title(item) and not (item.isupper() and not _COMPANY_WORD.search(item)):
                    # ("EXTRA-CURRICULAR" over "Netball coach (Senior A, 2020-present)" is a
                    # section of the person's naming, set j.)
                    previous_line = item  # "### Acme Corp, Leeds" over "Senior Engineer, 2019–2022"
                line_above = item
                continue
            n += 1
            facts.append(Fact(f"resume:{n}", Source.RESUME, item, section or "header",
                              employer=employer if role else None, dates=dates if role else None,
                              part="role" if role else None))
            continue
        item = _MARKUP.sub("", item)
        for sentence in _sentences(item) if kind == "line" else [item]:
            lead = _EMPLOYER_LEAD.match(sentence)
            if lead and (is_title(lead.group("name")) or not _proper_name(lead.group("name")) or _verb_first(lead.group("name"))):
                # "Lead designer on the Loam Coffee rebrand (2020): identity, …" is a role held;
                # "Led CLABSI prevention bundle project (2022-23): …", "Clinical informatics
                # secondment (2022–2023, 12 months): …" work done, at the employer above.
                lead = None
            fact_employer, fact_dates = employer, dates
            role = False
            if lead:
                fact_employer, fact_dates = lead.group("name").strip(), lead.group("dates").strip()
            elif _DATED_LINE.search(sentence) and len(_ASIDE.sub("", sentence)) <= ROLE_LINE_CHARS and _dates_close(sentence) and (
                not _starts_with_verb(sentence) or is_title(_ROLE_LINE_PART.split(sentence)[0])
            ):
                # A role line of its own: the bullets that follow belong to it. Where it names
                # only the title, the employer is the undated line just above it.
                employer, dates = _employer_of_role_line(sentence)
                if (previous_line is not None and employer is not None and not _COMPANY_WORD.search(employer)
                        and is_title(sentence.split(",")[0]) and not is_title(previous_line.split(",")[0])):
                    # "Corvane Software, Austin TX" over "Regional Sales Manager, Mid-Market, 2021 -
                    # present": the line above is the employer, the part after the title its
                    # qualifier (the answers bench's sales lead had worked "At Mid-Market").
                    employer = None
                if employer is None and line_above is not None and _DATES_ALONE.match(_MARKUP.sub("", sentence)):
                    employer = _employer_of_role_line(line_above)[0]
                    if employer is not None and facts and facts[-1].text == line_above:
                        # The title and employer above a line of dates alone are the role line;
                        # they had stayed a fact of the role before ("At Chermside QLD I am
                        # Physiotherapist (Rotational) — Metro North Health", set n).
                        facts[-1] = replace(facts[-1], part="role", employer=employer, dates=dates)
                        line_above = None
                        previous_line = None
                        continue
                if previous_line is not None and employer is None and is_title(sentence.split(",")[0]):
                    employer = previous_line.split(",")[0].strip() or employer
                    # The line above named the employer: a heading, not something said.
                    if facts and facts[-1].text == previous_line:
                        facts[-1] = replace(facts[-1], part="employer", employer=employer)
                fact_employer, fact_dates = employer, dates
                role = True
            label = _LABEL.match(sentence)
            if label and _verb_first(label.group("label")):
                label = None  # "Led the stock-loss project: shrinkage fell …" is a sentence, not a label
            is_place = (
                kind == "line" and len(sentence) <= 60 and not _DATED_LINE.search(sentence)
                and not re.search(r"[.!?;]$", sentence) and not _starts_with_verb(sentence)
            )
            previous_line = sentence if is_place else None
            line_above = sentence if not _DATED_LINE.search(sentence) and len(sentence) <= 160 and not re.search(r"[.!?;]$", sentence) else None
            fact_section = section or _guess_section(sentence) or ("header" if _in_header(kind, facts, fact_employer) else "")
            if label and not lead and len(label.group("label").split()) <= 2 and (
                named := _section_of(label.group("label"))
            ) in ("skills", "education"):
                fact_section = named  # "Tools: …" under the degrees is a skills line
            if fact_section == "header" and _HEADER_SEPARATOR.search(sentence):
                # "Chartered Accountant (ACA) | Leeds | name@example.org": each piece is its own
                # fact, so the title is sayable without the e-mail address next to it.
                for piece in _HEADER_SEPARATOR.split(sentence):
                    if piece.strip():
                        n += 1
                        facts.append(Fact(f"resume:{n}", Source.RESUME, piece.strip(), "header"))
                continue
            n += 1
            facts.append(
                Fact(
                    f"resume:{n}",
                    Source.RESUME,
                    sentence,
                    fact_section,
                    employer=fact_employer,
                    dates=fact_dates,
                    part="role" if role else None,
                    label=label.group("label") if label and not lead else None,
                )
            )
    return facts


_HEADER_SEPARATOR = re.compile(r"\s+[|·•]\s+|\s+\|\s*|\s*\|\s+")


# A line that is only a span of dates ("*Jan 2020 – Present*", "March 2023 – present").
_DATES_ALONE = re.compile(r"^[\s*_(\[]*(?:[A-Za-z]{3,9}\.?\s+)?(?:19|20)\d{2}\s*(?:[–—-]|to)\s*(?:[A-Za-z]{3,9}\.?\s+)?(?:(?:19|20)\d{2}|now|present|current|today)?[\s*_)\].]*$", re.IGNORECASE)
# Where a role line's first part ends ("Registered Nurse (Agency) - HealthStaff Recruitment": a title
# whose first word looks like a verb).
_ROLE_LINE_PART = re.compile(r"\s+[–—|-]\s+|,\s+|\s*\(")


def _in_header(kind: str, facts: list[Fact], employer: str | None) -> bool:
    """A plain line above every section and role (the headline under the name: "Junior
    Developer | Bristol")."""
    return kind == "line" and employer is None and all(f.section == "header" for f in facts)


def role_title(fact: Fact) -> str | None:
    """The job title a role line names ("Senior Staff Nurse (Band 6)"), if it names one."""
    text = _DATED_LINE.sub("", fact.text)
    # ("Approved Electrician - Northpoint Building Services, Trafford Park | Mar 2020 - present": a
    # spaced hyphen parts them as a dash does; set j had said "I approved Electrician - …")
    parts = [p.strip(" ,|·–—-") for p in re.split(r"\s+[-–—|]\s+|,\s+|;\s+", text) if p.strip(" ,|·–—-")]
    titles = [p for p in parts if is_title(p) and (fact.employer is None or fact.employer not in p)]
    return titles[0] if titles else None


_MARKUP = re.compile(r"\*\*|__|`")


_IRREGULAR_VERBS = frozenset(
    "led ran built made cut grew won drove wrote taught took set kept began brought sold sent spent "
    "oversaw rebuilt rewrote shipped gave held hired".split()
)


def _verb_first(text: str) -> bool:
    first = re.match(r"[A-Za-z]+", text)
    return first is not None and (first.group(0).lower() in _IRREGULAR_VERBS or _starts_with_verb(text))


def _starts_with_verb(text: str) -> bool:
    first = re.match(r"[A-Za-z]+", text)
    return first is not None and first.group(0).lower().endswith("ed") and len(first.group(0)) > 4


_MONTH = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|oct(ober)?|"
    r"nov(ember)?|dec(ember)?|spring|summer|autumn|fall|winter|mid|early|late)\.?\s*$",
    re.IGNORECASE,
)


def _employer_of_role_line(line: str) -> tuple[str | None, str | None]:
    """The employer and dates named by a role line, as far as the layout tells."""
    dates_match = _DATED_LINE.search(line)
    dates = dates_match.group(0).strip() if dates_match else None
    head = line[: dates_match.start()] if dates_match else line
    if dates_match and not head.strip(" ,|·–—-("):
        head = line[dates_match.end() :]  # "2019 - present   Harrowfield Academy, Leeds"
    head = re.sub(r"\([^)]*\)", "", head)  # "(point-of-sale startup, 6 people)"
    head = re.sub(r"[(\[,|·–—-]+\s*$", "", head.strip()).strip()
    head = _MARKUP.sub("", head)
    # "Paylio (card-issuing platform) (Mar 2021 – present)": the month's bracket opens after it.
    head = re.sub(r"[(\[,|·–—-]+\s*$", "", _MONTH.sub("", head).strip()).strip(" ,|·–—-")
    # "Title, Company" / "Title at Company" / "Company — Title": the part that reads as a name.
    for separator in (" at ", " @ "):
        if separator in head:
            return head.split(separator, 1)[1].strip(" ,|–—-") or None, dates
    # Dashes and bars part the title from the employer; commas qualify each side ("Marketing
    # Manager, Retention — BrightNest Home, Chicago": the employer is BrightNest Home, not
    # Retention, and Chicago is where).
    groups = [_with_suffix([p.strip() for p in group.split(", ") if p.strip()]) for group in re.split(r"\s+[–—|·-]\s+", head)]
    if groups and groups[0] and _FREELANCE_TITLE.match(groups[0][0]):
        return "freelance", dates  # "Freelance Japanese-English Translator — Osaka": Osaka is where (set n)
    # What can be a name: a colon or semicolon ends it ("Oceanic Fleet Management: three
    # contracts on MR product tankers"), and a name is capitalised and short ("contact centre",
    # "holiday activity programme" are none, sets i, l). A group whose head is no name
    # ("various post-primary schools, Dublin 15 & Meath") names no employer, nor its place.
    groups = [[p for p in group if _may_name(p)] if group and _may_name(group[0]) else []
              for group in ([re.split(r"[:;]", q)[0].strip() for q in group] for group in groups)]
    parts = [p for group in groups for p in group]
    if not parts:
        return None, dates
    named = [p for p in parts if _COMPANY_WORD.search(p) and not _titled(_words(p)[-1:])]
    if named:
        # A legal form first: "Senior Accountant, Group Reporting - Straits Orbit Electronics Pte
        # Ltd" (set j's "Group" is a team).
        # Then an institution over one of its units: "Research Assistant — Stress & Health Lab,
        # Department of Psychology, Northeastern University" worked for the university (set o).
        return next((p for p in named if _LEGAL_FORM.search(p)), next((p for p in named if not _UNIT.search(p)), named[0])), dates
    heads = [group[0] for group in groups if group and not is_title(group[0]) and re.search(r"[A-Za-z]", group[0])]
    # "Customer Service — Export Sea Freight — Aegean Cargo Forwarders, Piraeus, Greece": of
    # several, the one with its place after a comma is the employer (set o had "At Customer
    # Service I prepared B/L drafts").
    placed = [group[0] for group in groups if len(group) >= 2 and group[0] in heads]
    if len(heads) >= 2 and len(placed) == 1:
        return placed[0], dates
    if heads:
        return heads[0], dates
    # A practice named for its trade after the title ("Senior Physiotherapist — Northside Sports
    # & Spine Physio, Chermside QLD"): a name of several words, few of them a title's, is the
    # employer, not the place after it (set n had "At Chermside QLD I …").
    named_for_trade = [group[0] for group in groups[1:] if group and len(_words(group[0])) >= 3
                       and sum(_titled([w]) for w in _words(group[0])) * 3 <= len(_words(group[0]))]
    if named_for_trade and groups[0] and is_title(groups[0][0]):
        return named_for_trade[0], dates
    names = [p for p in parts if not is_title(p) and _proper_name(p, strict=True)]
    return (names[0] if names else None), dates


_FREELANCE_TITLE = re.compile(r"^\W*(?:self[- ]?employed|freelance|independent (?:contractor|consultant)|sole trader)\b", re.IGNORECASE)
# Words a name may carry in lower case ("Department of Health and Social Care").
_NAME_JOINERS = frozenset("of and for the in on at de du des la le el y van von der den da di sp. z o.o. &".split())


# Longer than this, in words other than the joiners, a part of a role line is a sentence, not a
# name: the longest employer of the shipped and held-out resumes has six ("St Aidan's Church of
# England High School").
NAME_WORDS = 8


def _proper_name(text: str, *, strict: bool = False) -> bool:
    """Whether ``text`` reads as a name: it starts with a capital, and at least half its words
    other than the joiners are capitalised ("Brightwater Recruitment assignments", "Private
    family" are; "Clinical informatics secondment" and "contact centre" are not); ``strict``:
    all of them."""
    words = _name_words(text)
    capitals = sum(w[0].isupper() for w in words)
    return bool(words) and words[0][0].isupper() and (capitals == len(words) if strict else 2 * capitals >= len(words))


def _dates_close(line: str) -> bool:
    """Whether a dated line reads as a role line by where its dates are: at its end or its
    start, not mid-sentence ("AP Calculus pass rate 58% → 79% (2019 to 2024) while opening
    enrolment to …" is an achievement, set d), and no semicolon outside its brackets ("Issue
    Certificates of Compliance (CoCs) to SANS 10142-1; no CoCs rejected on audit in 2023–2024",
    set h)."""
    plain = _ASIDE.sub("", line)
    if ";" in plain:
        return False
    found = _DATED_LINE.search(line)
    if found is None:
        return False
    before, after = line[: found.start()], _ASIDE.sub("", line[found.end():])
    return not before.strip(" ,|·–—-(*_") or len(re.findall(r"[A-Za-z]+", after)) <= 3


def _may_name(part: str) -> bool:
    """Whether a part of a role line can be its employer's name (``_proper_name``, not long)."""
    return (_proper_name(part) and len(_name_words(part)) <= NAME_WORDS) or bool(_FREELANCE_TITLE.match(part))


def _name_words(text: str) -> list[str]:
    """The words of ``text`` other than the joiners a name carries in lower case."""
    return [w for w in re.findall(r"[^\W\d_][\w'’.-]*", text) if w.lower() not in _NAME_JOINERS]


# A legal form written after a comma ("Harrowgate Health Data, Inc."): part of the name before it.
_LEGAL_SUFFIX = re.compile(r"^(?:inc|ltd|llc|llp|plc|pty|pte|gmbh|corp|co|limited|s\.?a|b\.?v|ag|lp)\.?$", re.IGNORECASE)


def _with_suffix(parts: list[str]) -> list[str]:
    joined: list[str] = []
    for part in parts:
        if joined and _LEGAL_SUFFIX.match(part):
            joined[-1] = f"{joined[-1]}, {part}"
        else:
            joined.append(part)
    return joined


_TITLE_WORDS = frozenset(
    """engineer manager lead director nurse teacher designer developer analyst consultant head officer
    specialist assistant representative executive scientist architect intern coordinator administrator
    supervisor owner founder tutor trainee associate senior junior controller accountant auditor chef
    member caregiver hand desk
    therapist physio pharmacist clerk partner advisor adviser technician lecturer paralegal solicitor
    lawyer buyer planner editor writer producer president principal chief apprentice volunteer agent
    sre leader chair worker researcher carer driver trainer cleaner foreman forewoman counselor counsellor surveyor
    inspector instructor educator operator paramedic electrician plumber mechanic midwife medic doctor
    dentist hygienist receptionist generalist crew steward stewardess attendant cook baker barista
    waiter server porter guard caretaker labourer laborer fitter welder joiner carpenter painter
    courier dispatcher navigator pilot captain mate commis lifeguard coach practitioner deckhand
    estimator scheduler assessor adjuster underwriter broker valuer recruiter merchandiser translator
    interpreter overseer superintendent brewer sommelier concierge housekeeper bartender teller cashier
    secretary treasurer actuary fundraiser organiser organizer programmer tester investigator examiner
    reviewer moderator rep
    librarian landscaper gardener groundsman groundskeeper greenkeeper dietitian veterinarian handler
    firefighter ranger warden curator conservator facilitator hairdresser barber nanny childminder
    tradesman tradesperson roofer bricklayer plasterer tiler glazier scaffolder machinist
    storeperson storeman packer picker presenter radiographer sonographer gasfitter photographer
    keeper zookeeper bookkeeper gamekeeper reporter correspondent embalmer arranger""".split()
)
# Words ending so name a person who does a job ("Speech Pathologist", "Dietician").
_PERSON_SUFFIX = re.compile(r"^[a-z]{4,}(?:ologist|ist|ician)$")
_NOT_PERSON = frozenset("catalyst assist exist insist persist resist consist twist wrist midst".split())
# A part of an organisation, named beside the organisation itself.
_UNIT = re.compile(r"\b(?:department|dept|centre|center|labs?|unit|division|faculty|school of)\b", re.IGNORECASE)
# A company's legal form, which only an organisation's name carries.
_LEGAL_FORMS = r"ltd|limited|inc|llc|llp|plc|pvt|pty|pte|gmbh|bv|b\.v|corp|s\.a|sp\. z o\.o|s\.r\.l|s\.p\.a|n\.v"
_LEGAL_FORM = re.compile(rf"\b(?:{_LEGAL_FORMS}|sdn bhd)(?:\b|\.|$)", re.IGNORECASE)
# A word that makes a part an organisation's name, whatever else it says ("Keogh McCarthy Cost
# Consultants", "Aid Compass International", "Sunbake Supermarkets": titles by their substrings).
_COMPANY_WORD = re.compile(
    rf"\b(?:{_LEGAL_FORMS}|"
    r"corporation|company|group|"
    r"holdings|partners|associates|consultants|solutions|systems|technologies|labs|studios?|agency|"
    r"services|trust|council|authority|district|department|ministry|government|hospital|clinic|"
    # Not a place: "Optometrist, Brightwell Opticians, Bradford city centre".
    r"(?<!city )(?<!town )(?<!shopping )(?:centre|center)|"
    r"college|university|school|academy|institute|foundation|bank|international|nhs)\b\.?",
    re.IGNORECASE,
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _titled(words: list[str]) -> bool:
    return any(w in _TITLE_WORDS or (_PERSON_SUFFIX.match(w) is not None and w not in _NOT_PERSON) for w in words)


def is_title(part: str) -> bool:
    """Whether ``part`` names a job ("Senior Data Analyst", "Admissions Counselor", "Call Centre
    Agent"), by its words; an organisation's name is none ("Cost Consultants Ltd")."""
    words = _words(part)
    if _titled(words[-1:]):
        return True
    return not _COMPANY_WORD.search(part) and _titled(words)


_DEGREE = re.compile(
    r"\b(?:B\.?Sc|M\.?Sc|Ph\.?D|MBA|B\.?A|M\.?A|B\.?S|M\.?S|B\.?Eng|M\.?Eng|BSN|MSN|PGCE|"
    r"Bachelor|Master|Doctorate|Diploma|Degree|University|College|School)\b"
)


def _guess_section(text: str) -> str:
    # Case-sensitive on purpose: "MS" is a degree, "300 ms" is a latency.
    if _DEGREE.search(text):
        return "education"
    if text.lower().startswith(("skills", "technologies", "tools", "languages")):
        return "skills"
    return ""


# Abbreviations whose full stop ends no sentence ("Quantel Analytics Pvt. Ltd., Bengaluru" had
# been two facts, the second's employer "Ltd.").
# "WindServ Polska Sp. z o.o. (independent service provider), Szczecin" and "Zakłady Chemiczne
# Odra S.A." had been cut after the legal form, the rest's employer "Szczecin" (set o).
_ABBREVIATION = re.compile(r"\b(?:pvt|ltd|co|inc|corp|pty|pte|bros|dept|govt|univ|st|dr|mr|mrs|ms|approx|vs|jr|sr|e\.g|i\.e|"
                           r"o\.o|s\.a|b\.v|n\.v|s\.r\.l|s\.p\.a|a\.s|s\.a\.s|sp|spol|"
                           # degrees and "including" (set q: "My education — M.Sc.", "radiography incl.")
                           r"m\.sc|b\.sc|m\.a|b\.a|m\.eng|b\.eng|ph\.d|m\.phil|b\.ed|m\.ed|ll\.b|ll\.m|m\.d|incl|excl|esp|etc)\.$",
                           re.IGNORECASE)


def _sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if not piece.strip():
            continue
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece.strip()}"
        else:
            sentences.append(piece.strip())
    return sentences


# ----- stories -------------------------------------------------------------------------------------


# A story's parts written by their letters, a line each: "S: winter evening, …", "T: me PM", "A: …",
# "R: …" (set w had said "S — winter evening…" as the story's words).
_STAR_LETTER = re.compile(r"^\s*(?P<letter>[STAR])\s*[:.-]\s+")
_STAR_LETTER_NAMES = {"S": "Situation", "T": "Task", "A": "Action", "R": "Result"}
_ENUMERATED = re.compile(r"^\s*\d{1,2}[.)]\s+")
# Longest a plain first line may be to be a story's title.
STORY_TITLE_WORDS = 16


# The same letters run together in one line: "KAYAKER RESCUE 2018 (STAR) - S: Harbour Cat run back
# … T: get him out. A: skipper manoeuvred upwind … R: out of the water in ~6 min." (set x had
# said "… (STAR) - S — Harbour Cat run back…" as the story).
_INLINE_LETTER = re.compile(r"(?:^|(?<=\s))(?P<letter>[STAR]):\s")
_STAR_TAG = re.compile(r"\s*[(\[]\s*(?:STAR|S\.?T\.?A\.?R\.?)\s*[)\]]\s*")


def _inline_letters(line: str) -> list[str]:
    """``line`` cut before each of its STAR letters, its lead (a title) first; the line as it is
    unless it runs S, then at least two of T, A and R, in that order."""
    found = list(_INLINE_LETTER.finditer(line))
    letters = [m.group("letter") for m in found]
    if not letters or letters[0] != "S" or len(set(letters)) < 3 or letters != sorted(letters, key="STAR".index):
        return [line]
    lead = _STAR_TAG.sub(" ", line[: found[0].start()]).strip().rstrip("-–—:").strip()
    cuts = [m.start() for m in found] + [len(line)]
    return ([lead] if lead else []) + [line[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]


def _story_facts(story: str, index: int) -> list[Fact]:
    lines = [line for line in story.replace("\r\n", "\n").split("\n")]
    if sum(1 for line in lines if _STAR_LETTER.match(line)) < 2:
        lines = [part for line in lines for part in _inline_letters(line)]
    if sum(1 for line in lines if _STAR_LETTER.match(line)) >= 2:
        lines = [_STAR_LETTER.sub(lambda m: f"{_STAR_LETTER_NAMES[m.group('letter')]}: ", line, count=1) for line in lines]
    title: str | None = None
    plain_title = False
    body_lines: list[str] = []
    for i, line in enumerate(lines):
        if title is None and (match := _HEADING_MD.match(line)):
            title = match.group(1).strip()
        elif title is None and not body_lines and line.strip() and _plain_title(line, lines[i + 1:]):
            # "1. BURIAL SEARCH - KAWARAU, AUG 2021" over its "Situation: …" lines: the title, said
            # without its number (set w had said "3." as the story).
            title, plain_title = _ENUMERATED.sub("", line).strip(), True
        else:
            body_lines.append(line.strip())
    body = _MARKUP.sub("", " ".join(line for line in body_lines if line))
    employer = None
    if title and (paren := re.search(r"\(([^)]+)\)\s*$", title)) and not (plain_title and re.search(r"\b(?:19|20)\d{2}\b|\d{2}\b", paren.group(1))):
        employer = paren.group(1).strip()
    # The story as a whole is what retrieval finds; its parts are what an answer quotes.
    whole = " ".join(x for x in (title, body) if x)
    facts: list[Fact] = [Fact(f"story:{index}", Source.STORY, whole, "stories", employer, part="story", title=title)]
    pieces = list(_STAR_PART.finditer(body))
    if not pieces:
        for n, sentence in enumerate(_sentences(body), start=1):
            facts.append(Fact(f"story:{index}:{n}", Source.STORY, sentence, "stories", employer, title=title))
        return facts
    lead = body[: pieces[0].start()].strip()
    if lead:
        facts.append(Fact(f"story:{index}:intro", Source.STORY, lead, "stories", employer, title=title))
    for i, match in enumerate(pieces):
        end = pieces[i + 1].start() if i + 1 < len(pieces) else len(body)
        text = body[match.end() : end].strip()
        if not text:
            continue
        part = match.group(1).lower()
        part = _PART_NAMES.get(part, part)
        if (same := next((i for i, f in enumerate(facts) if f.part == part), None)) is not None:
            # "Result: …" then "Impact: …": one part, said in order.
            facts[same] = replace(facts[same], text=f"{facts[same].text.rstrip()} {text}")
            continue
        facts.append(
            Fact(f"story:{index}:{part}", Source.STORY, text, "stories", employer, part=part, title=title)
        )
    return facts


# A story written on one line, "Angry customer (Walgreens, 2021): A customer at pharmacy
# pickup…": its title is the words before the colon (and the place and year in brackets).
_LEADING_TITLE = re.compile(r"^\s*([^:()\n]{3,60}?)\s*(?:\([^)\n]{0,60}\))?\s*:\s")


def story_title(fact: Fact) -> str:
    """A story's title: the heading or title line it was written under, else, for the whole
    story, the words it opens with before a colon; "" when it has none."""
    if fact.title:
        return fact.title
    lead = _LEADING_TITLE.match(fact.text) if fact.part == "story" else None
    return lead.group(1) if lead else ""


def _plain_title(line: str, rest: list[str]) -> bool:
    """Whether a story's first line is its title: short, and the next line that says anything
    starts one of its parts ("Situation: …")."""
    following = next((x for x in rest if x.strip()), "")
    return (len(line.split()) <= STORY_TITLE_WORDS and _STAR_PART.match(following.strip()) is not None
            and _STAR_PART.match(line.strip()) is None)


# ----- job description and notes -------------------------------------------------------------------


# A note's line led by money signs, its writer's label for pay ("$$ - now $37.50…", "££ 44k"), with
# the dash or colon after them (``compose`` says the line without it).
MONEY_LEAD = re.compile(r"^\s*(?:[-*•]\s*)?(?:\$\$+|££+|€€+)\s*(?:[-–—:>]+\s*)?")

# Labels that introduce a list of requirements in a job description.
_REQUIREMENT_LISTS = re.compile(
    r"^(looking for|requirements?|must[- ]haves?|nice[- ]to[- ]haves?|you have|you bring|we want|"
    r"skills|qualifications|responsibilities|what you.ll do)$",
    re.IGNORECASE,
)


def _plain_facts(text: str, source: Source, prefix: str) -> list[Fact]:
    facts: list[Fact] = []
    section = ""
    n = 0
    for kind, item in _items(text, prose=True, notes=source is Source.NOTES):
        if kind == "heading":
            section = item
            if source is Source.JOB:
                n += 1
                facts.append(Fact(f"{prefix}:{n}", source, item, "title"))
            continue
        line_label: str | None = None
        line_first: str | None = None
        # ("… no need to tell them, keep to myself.": every sentence of the line is the writer's.)
        private_line = source is Source.NOTES and marks_itself_private(item)
        ready = cover(item) if source is Source.NOTES else None
        gives = (kept_to_self(item, "private") or None) if private_line else None
        if source is Source.NOTES and MONEY_LEAD.match(item):
            # "$$ now $24.80/hr … range 52-61. ASK 58. SERS years carry over": every sentence of
            # the line is about pay, as under "Salary:" (set x had read "ASK 58." as about nothing).
            line_label = "pay"
        for sentence in _sentences(item) if kind == "line" else [item]:
            label = _LABEL.match(sentence) or (_SHORT_LABEL.match(sentence) if source is Source.NOTES else None)
            line_label = line_label or (label.group("label") if label else None)
            pieces = [sentence]
            if source is Source.JOB and label and _REQUIREMENT_LISTS.match(label.group("label")):
                # "Looking for: A, B, and C." is three requirements, each retrievable alone.
                items = re.split(r",\s*(?:and\s+)?|;\s*", label.group("rest").rstrip("."))
                pieces = [p.strip() for p in items if len(p.strip()) > 2]
            own = label.group("label") if label else None
            follows = None
            if own is None and source is Source.NOTES:
                # A line's label is its every sentence's: "Questions for Ellen: How will she
                # measure success? … Where does she see the business in 3 years?" are all to ask,
                # not answers to say (a live answer about cost levers opened with the last of
                # them); "Weakness: workload. Now … leave by 5 two nights a week." is all about
                # a weakness, not a reason to leave; "Why move: …" all a reason to move. A line
                # under a "Qs:" heading is one to ask.
                # So is a line under "DO NOT SAY:" the writer's alone (``private_label``).
                own = line_label or (section if section and (asks_them(section) or private_label(section)) else None)
                follows = line_first if line_label else None
            if private_line and not private_label(own) and not (own or "").lower().startswith("if "):
                # (Not 'If nights come up: "happy to do my share…"': the words it gives to say.)
                own = "private"
            for piece in pieces:
                n += 1
                facts.append(Fact(f"{prefix}:{n}", source, piece, section, label=own, follows=follows,
                                  asked_if=ready[0] if ready is not None else None, line_gives=gives))
                line_first = line_first or facts[-1].id
    return facts


# The label of the person's questions to ask: "Qs to ask", "Q's" (set q), "Questions for Ellen",
# "Qs (1 or 2 max)", "Things to ask", "Ask", not "Dish ideas if he asks" or "Questions they might ask".
_QUESTIONS_TO_ASK = re.compile(
    r"^\W*(?:my\s+|other\s+)?(?:questions?|q[’']?s)\b(?!.*\b(?:they|he|she|panel|interviewers?|expect\w*|likely|prep\w*|practi[cs]e)\b)|"
    r"\b(?:questions?|q[’']?s|things)\s+(?:to ask|for (?:them|him|her|the|\w+)\b)|\bto ask\b|^\W*ask\b|\bask (?:them|him|her|about)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def asks_them(label: str) -> bool:
    """Whether a note's label (or the heading it is under) marks the person's questions to ask."""
    return bool(_QUESTIONS_TO_ASK.search(label))


def to_ask(fact: Fact) -> bool:
    """A note labelled as the person's questions to ask (``asks_them``), other than an "ask:"
    note of pay (``pay_asked_for``)."""
    return asks_them(fact.label or "") and not pay_asked_for(fact)


def pay_asked_for(fact: Fact) -> bool:
    """An "ask:" note of the pay the person will ask for, not of a question to ask them: "ask:
    $65k. min $62k + bonus. ask how bonus works (per file?)" (its first sentences; set o had
    answered "anything you wanna ask me?" with "I'd like to ask about $65k")."""
    return bool(fact.label and _ASK_LABEL.fullmatch(fact.label) and _A_SUM_FIRST.match(fact.body))


_ASK_LABEL = re.compile(r"\W*ask(?:ing)?(?: for)?\W*", re.IGNORECASE)
_A_SUM_FIRST = re.compile(
    r"^\W*(?:(?:min|minimum|floor|around|about|approx\.?)\s*)?[~≈]?\s*(?:[$€£¥₹]|R\s?|Rs\.?\s?|[A-Z]{3}\s?)?\d")


def _strip_lead(fact: Fact) -> str:
    text = fact.text
    if fact.source is Source.RESUME and (lead := _EMPLOYER_LEAD.match(text)):
        return lead.group("rest").strip()
    if fact.label and (label := _LABEL.match(text) or _SHORT_LABEL.match(text)):
        return label.group("rest").strip()
    return text
