"""The checkable claims in a sentence, and whether the person's material supports each one.

A claim is something a listener would take as a fact about the speaker: a number (count, money,
percentage, duration, date), a name (employer, school, product), a technology, a job title. Each
is looked up in the evidence: the person's own material and the question. A number must be there
as a number ("four" and "4" are the same; "40 s" and "40 seconds" too), a name or technology as
words. The job description is the employer's text: it supports naming the company or the role,
never a claim about the speaker's own skills or numbers.

Hand-written because the checks must be exact and explainable ("no '40 %' in your profile"):
a model judging support would be slower than the answer it checks and could not cite its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources

from english_words import get_english_words_set


class ClaimKind(StrEnum):
    NUMBER = "number"
    NAME = "name"
    TECHNOLOGY = "technology"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class Claim:
    kind: ClaimKind
    text: str  # as written in the sentence
    # For a number: its value (years, counts, money, percentages alike).
    value: float | None = None


NUMBER_WORDS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1_000_000, "dozen": 12,
    "half": 0.5, "twice": 2, "double": 2, "triple": 3,
}
# "one" is left out: "one of", "the one", "no one" are seldom a count; "1" is still caught.
# Not the hours or minutes of a clock time ("22:00" says nothing about "22 hours"): those are
# checked as times.
_NUMBER = re.compile(
    r"(?<![\w.])(?<!\d:)(?P<cur>[$£€])?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?!:\d)\s?"
    r"(?P<suffix>k|m|bn|%|x)?(?![\w])",
    re.IGNORECASE,
)
# A time of day, a ratio or a score ("22:00", "1:4", "a 2:1 degree"): one claim, as a pair.
_CLOCK = re.compile(r"(?<![\w.:])(\d{1,4}):(\d{1,4})(?:\s?([ap])\.?m\b\.?)?(?![\w:]|\.\d)", re.IGNORECASE)
# A decade of life or of the calendar: "in my late 30s", "the 1990s".
_DECADE = re.compile(r"(?<![\w.])(\d*0)'?s\b")
# A span of years: "2016–2020", "from 2020 to present".
_YEAR_RANGE = re.compile(
    r"\b((?:19|20)\d\d)\s*(?:–|—|-|to|until|till)\s*((?:19|20)\d\d|present|now|today|date|current)\b",
    re.IGNORECASE,
)
# Number words said together are one number: "three hundred" is 300, "twenty-five" 25, "two
# thousand five hundred" 2 500 — not 3 and 100, which the person's "300 ms" would not support.
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_COMPOUND_PARTS = [w for w, v in NUMBER_WORDS.items() if float(v).is_integer() and w not in ("twice", "double", "triple", "dozen")]
_NUMBER_PHRASE = re.compile(
    r"\b(?:" + "|".join(_COMPOUND_PARTS) + r")(?:(?:[\s-]+|\s+and\s+)(?:" + "|".join(_COMPOUND_PARTS) + r"))*\b"
    r"|\b(?:" + "|".join(w for w in NUMBER_WORDS if w not in _COMPOUND_PARTS) + r")\b",
    re.IGNORECASE,
)


def _phrase_value(phrase: str) -> float:
    words = [w for w in re.split(r"[\s-]+", phrase.lower()) if w and w != "and"]
    if len(words) == 1:
        return float(NUMBER_WORDS[words[0]])
    total, current = 0.0, 0.0
    for word in words:
        value = NUMBER_WORDS[word]
        if word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0.0
        else:
            current += value
    return total + current


def _number_words(text: str) -> list[tuple[Claim, int, int]]:
    return [
        (Claim(ClaimKind.NUMBER, m.group(0), _phrase_value(m.group(0))), m.start(), m.end())
        for m in _NUMBER_PHRASE.finditer(text)
    ]
_PERCENT_WORD = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:per ?cent|percent)\b", re.IGNORECASE)

# Capitalised words that claim nothing: pronouns, days, months, greetings, generic acronyms.
GENERIC_CAPS = frozenset(
    """I I'm I've I'd I'll Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April May June July August September October November December Mr Mrs Ms Dr
    Thank Thanks Hello Hi Yes No OK Okay STAR API APIs UI UX CEO CTO CFO COO VP HR IT QA PR KPI
    KPIs OKR OKRs ROI SLA SLAs SLO SLOs MVP B2B B2C SaaS CI CD CI/CD DevOps AI ML NLP US USA UK EU
    English Agile Scrum Kanban Lean Q1 Q2 Q3 Q4 PhD MSc BSc BA MA MBA""".split()
)
# Role words that make a phrase a job title; a seniority word in front of one is a claim.
SENIORITY = ("senior", "junior", "lead", "principal", "staff", "head", "chief", "director", "vp",
             "vice president", "manager", "charge")
ROLES = (
    "engineer|developer|architect|manager|director|designer|nurse|teacher|analyst|consultant|"
    "scientist|officer|lead|head|representative|executive|administrator|specialist|coordinator|"
    "accountant|recruiter|researcher|product owner|tech lead|team lead|sister|matron|principal"
)
_TITLE = re.compile(
    rf"\b(?P<title>(?:(?:senior|junior|lead|principal|staff|head|chief|associate|assistant|deputy|"
    rf"charge)\s+)+(?:[a-z-]+\s+){{0,2}}(?:{ROLES}))\b",
    re.IGNORECASE,
)


@cache
def _dictionary() -> frozenset[str]:
    """Webster's entries as written: "salary" and "water", "Darren" only capitalised."""
    return frozenset(get_english_words_set(["web2"], lower=False))


@cache
def _english() -> frozenset[str]:
    # (The entries already in lower case, most of them, are shared with ``_dictionary``.)
    return frozenset(w if w.islower() else w.lower() for w in _dictionary())


def is_common_word(word: str) -> bool:
    """Whether ``word`` (lower case, or a plural of one) is an entry of the dictionary written in
    lower case: "salary", "hours", not "noor" or "darren", which it lists only as names."""
    return word in _dictionary() or (word.endswith("s") and word[:-1] in _dictionary())


def is_english_word(word: str) -> bool:
    """Whether ``word`` (any case, any common inflection) is an ordinary English word."""
    words = _english()
    w = re.split(r"['’]", word.lower().strip("'’"))[0]  # "They're" → "they"
    if w in words:
        return True
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
                         ("es", ""), ("s", ""), ("er", ""), ("ly", ""), ("'s", ""), ("’s", "")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2 and (w[: -len(suffix)] + repl) in words:
            return True
    return False


def warm() -> None:
    """Loads the word lists the checks read (about half a second, once a process), so that the
    first sentence judged does not pay for it."""
    technologies()
    _english()
    _zipf("warm")


@cache
def technologies() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    text = (resources.files("firstword.critic") / "data" / "technologies.txt").read_text(encoding="utf-8")
    names = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    compiled = []
    for name in sorted(set(names), key=len, reverse=True):
        escaped = re.escape(name)
        # A name that is also an ordinary word ("Go", "Spring", "Epic") counts only as written,
        # capitalised; the others in any case ("postgres", "kafka").
        flags = 0 if all(is_english_word(w) for w in name.split()) else re.IGNORECASE
        compiled.append((name, name.lower(), re.compile(rf"(?<![\w.+#-]){escaped}(?![\w+#]|\.\w)", flags)))
    return tuple(compiled)


def _value(num: str, suffix: str | None) -> float:
    value = float(num.replace(",", ""))
    if suffix:
        s = suffix.lower()
        value *= {"k": 1e3, "m": 1e6, "bn": 1e9}.get(s, 1.0)
    return value


def numbers_in(text: str) -> list[Claim]:
    found: list[Claim] = []
    for m in _NUMBER.finditer(text):
        found.append(Claim(ClaimKind.NUMBER, m.group(0).strip(), _value(m.group("num"), m.group("suffix"))))
    found += [claim for claim, _, _ in _number_words(text)]
    for m in _DECADE.finditer(text):
        found.append(Claim(ClaimKind.NUMBER, m.group(0), float(m.group(1))))
    return found


def clock_times(text: str) -> set[tuple[int, int]]:
    """Times of day, ratios and scores, as pairs ("22:00" and "22:0" alike); a time without
    am or pm as either ("9:30" is 9:30 or 21:30)."""
    return {pair for m in _CLOCK.finditer(text) for pair in _clock_readings(m)}


def _clock_readings(m: re.Match[str]) -> set[tuple[int, int]]:
    hour, minute, half = int(m.group(1)), int(m.group(2)), (m.group(3) or "").lower()
    if half == "p" and hour < 12:
        return {(hour + 12, minute)}
    if half == "a" and hour == 12:
        return {(0, minute)}
    return {(hour, minute), (hour + 12, minute)} if not half and 1 <= hour < 12 else {(hour, minute)}


def year_ranges(text: str) -> set[tuple[int, str]]:
    """Spans of years, with "present", "now", "today" as one open end."""
    found = set()
    for m in _YEAR_RANGE.finditer(text):
        end = m.group(2).lower()
        found.add((int(m.group(1)), end if end[0].isdigit() else "present"))
    return found


def percent_values(text: str) -> set[float]:
    values = {_value(m.group("num"), None) for m in _NUMBER.finditer(text) if (m.group("suffix") or "") == "%"}
    return values | {float(m.group(1)) for m in _PERCENT_WORD.finditer(text)}


def _is_percent(claim: Claim, sentence: str) -> bool:
    return claim.text.endswith("%") or re.search(
        rf"{re.escape(claim.text)}\s*(?:per ?cent|percent)\b", sentence, re.IGNORECASE
    ) is not None


def number_values(text: str) -> set[float]:
    """Every number the text states, as values (a range "2018–2021" gives both years)."""
    values = {c.value for c in numbers_in(text) if c.value is not None}
    # "40 s to 300 ms" also says 0.3 s and 40000 ms: a claim may use either unit.
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s?(ms|milliseconds?|s|secs?|seconds?|minutes?|mins?|hours?|hrs?)\b", text, re.I):
        v, unit = float(m.group(1)), m.group(2).lower()
        if unit.startswith("m") and (unit == "ms" or unit.startswith("milli")):
            values.add(v / 1000)
        elif unit.startswith(("s", "sec")):
            values.add(v * 1000)
            values.add(v / 60)
        elif unit.startswith("min"):
            values.add(v * 60)
            values.add(v / 60)
        elif unit.startswith(("h", "hr")):
            values.add(v * 60)
    return values


def names_in(sentence: str) -> list[Claim]:
    """Capitalised words and runs of them that read as names (not the first word of the
    sentence when it is an ordinary word, not generic acronyms)."""
    sentence = sentence.replace("’", "'").replace("‘", "'")
    claims: list[Claim] = []
    tokens = list(re.finditer(r"[A-Za-z][\w&'’.-]*[\w]|[A-Z]", sentence))
    run: list[str] = []
    run_start = 0

    def close() -> None:
        if run:
            name = " ".join(run)
            if name not in GENERIC_CAPS:
                claims.append(Claim(ClaimKind.NAME, name))
        run.clear()

    for i, m in enumerate(tokens):
        word = m.group(0).rstrip(".")
        capital = word[:1].isupper()
        first = i == 0 or re.search(r"[.!?:;\"“‘'(]\s*$", sentence[: m.start()]) is not None
        if not capital or word in GENERIC_CAPS or (first and is_english_word(word)):
            close()
            continue
        # "of", "and", "&" may join a name ("University of Leeds", "Procter & Gamble").
        if run and sentence[tokens[i - 1].end() : m.start()].strip() not in ("", "of", "&", "and", "-"):
            close()
        if not run:
            run_start = m.start()
        run.append(word)
    close()
    del run_start
    return claims


def technologies_in(sentence: str) -> list[Claim]:
    found: list[Claim] = []
    taken: list[tuple[int, int]] = []
    lowered = sentence.lower()
    for _name, key, pattern in technologies():
        if key not in lowered:
            continue  # a plain substring test first: most sentences name no technology
        for m in pattern.finditer(sentence):
            if any(a <= m.start() < b for a, b in taken):
                continue  # inside a longer name already found ("Spring Boot" has "Spring")
            taken.append((m.start(), m.end()))
            found.append(Claim(ClaimKind.TECHNOLOGY, m.group(0)))
    return found


def titles_in(sentence: str) -> list[Claim]:
    return [Claim(ClaimKind.TITLE, m.group("title")) for m in _TITLE.finditer(sentence)]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a claim may rest on. ``person`` is the person's own material and the question;
    ``employer`` is the job description (names only)."""

    person: str
    employer: str = ""
    # The person's own material alone, without the question (None: ``person`` is all of it).
    # The question may name anything; it is no evidence that the person has done it.
    own: str | None = None

    @property
    def person_lower(self) -> str:
        return self.person.lower()

    @property
    def own_lower(self) -> str:
        return (self.person if self.own is None else self.own).lower()


@dataclass(frozen=True, slots=True)
class Unsupported:
    claim: Claim
    looked_for: str
    # ``looked_for`` says all there is to say (not only what is missing from the profile).
    complete: bool = False


def _counted(sentence: str, number: str) -> str:
    """The word after ``number`` in ``sentence`` as written ("40 nurses at Google" → "nurses"),
    for a reason a person reads; the check itself compares stems."""
    at = sentence.find(number)
    if at < 0:
        return ""
    return " ".join(re.findall(r"[A-Za-z][\w'-]*", sentence[at + len(number):])[:1])


def check(sentence: str, evidence: Evidence) -> list[Unsupported]:
    """The claims of ``sentence`` that the evidence does not support."""
    misses: list[Unsupported] = []
    person = evidence.person_lower
    everything = f"{person}\n{evidence.employer.lower()}"
    # The person's material and the question read apart: the material's numbers are read once
    # a profile, not once a question.
    material, question = _parts(evidence)
    values = _values(material) | _values(question)
    percents = _percents(material) | _percents(question)
    contexts = _merged_contexts(material, question)
    for claim, around in numbers_with_context(sentence):
        if claim.value is None:
            continue
        # A percentage is its own kind of number: "40 s" does not support "40 %".
        pool = percents if _is_percent(claim, sentence) else values
        if not _supported_number(claim.value, pool):
            misses.append(Unsupported(claim, f"the number {claim.text!r}"))
        elif around and not _is_year(claim.value) and not _context_matches(claim.value, around, contexts):
            # The same number counting something else: "30 minutes" does not support "30-year-old".
            misses.append(Unsupported(claim, f"{claim.text!r} {_counted(sentence, claim.text)}".rstrip()))
    if ":" in sentence:
        known_times = _times(material) | _times(question)
        for m in _CLOCK.finditer(sentence):
            if not _clock_readings(m) & known_times:
                misses.append(Unsupported(Claim(ClaimKind.NUMBER, m.group(0)), f"the number {m.group(0)!r}"))
    # Each year may be in the profile and the span still new: "2016–present" from "2016–2020"
    # and "2020–present" moves a job's dates.
    for start, end in sorted(year_ranges(sentence) - _ranges(material) - _ranges(question)):
        misses.append(Unsupported(Claim(ClaimKind.NUMBER, f"{start}–{end}"), f"the dates '{start}–{end}'"))
    techs = technologies_in(sentence)
    tech_spans = {t.text.lower() for t in techs}
    experience = EXPERIENCE_CLAIM.search(sentence) is not None
    # "I've used Django" to "Have you used Django?": said as done, not denied or wished for, a
    # claim must rest on the person's own material; the question only lets it be named.
    asserted = experience and HEDGED.search(sentence) is None
    own = evidence.own_lower if asserted else person
    # Naming the employer's stack ("how the team runs Kafka") is fine; claiming it is not.
    tech_pool = own if experience else everything
    for claim in techs:
        if not _has_words(tech_pool, claim.text.lower()):
            named = _named_only(claim.text, evidence, everything)
            misses.append(Unsupported(claim, f"the technology {claim.text!r}{named}", bool(named)))
    # In a claim of one's own experience, a name must be in one's own material: "I specialise in
    # ECMO" is not supported by the job description asking for ECMO.
    names_pool = own if experience else everything
    for claim in names_in(sentence):
        lowered = claim.text.lower()
        if lowered in tech_spans or any(lowered in t or t in lowered for t in tech_spans):
            continue  # judged as a technology above
        if _has_words(names_pool, lowered) or all(_has_words(names_pool, part) for part in lowered.split() if len(part) > 2):
            continue
        named = _named_only(claim.text, evidence, everything)
        misses.append(Unsupported(claim, f"the name {claim.text!r}{named}", bool(named)))
    for claim in titles_in(sentence):
        seniority = [w for w in claim.text.lower().split() if w in SENIORITY]
        if all(_has_words(person, w) for w in seniority) or _has_words(person, claim.text.lower()):
            continue
        misses.append(Unsupported(claim, f"the title {claim.text!r}"))
    claimed = {m.claim.text.lower() for m in misses}
    if not misses and SPECIFIC["on"]:
        strange = specific_words_missing(sentence, own, evidence.employer.lower() if not experience else "")
        # One strange, rarer detail is enough in a claim of one's own experience ("I've sold
        # into the healthcare market"); elsewhere it takes two, as one odd word is often talk.
        rarer = [w for w in strange if _zipf(w) < SPECIFIC["exp_zipf"]]
        if len(strange) >= SPECIFIC["min"] or (experience and rarer):
            misses.append(
                Unsupported(Claim(ClaimKind.NAME, ", ".join(strange)), f"details {', '.join(repr(w) for w in strange[:4])}")
            )
    if not misses and evidence.own is not None and ABOUT_EMPLOYER.match(sentence) and not FIRST_PERSON.search(sentence):
        misses += employer_claims(sentence, evidence)
    if asserted and evidence.own is not None:
        misses += relation_changes(sentence, evidence.own)
    for term in rare_terms(sentence) if experience and RARE_TERMS else ():
        if term in claimed or any(term in c for c in claimed):
            continue
        if _has_stem(person, term):
            continue
        # The employer's words may be named ("your ECMO service"), not claimed as one's own.
        if not experience and _has_stem(evidence.employer.lower(), term):
            continue
        misses.append(Unsupported(Claim(ClaimKind.TECHNOLOGY, term), f"the term {term!r}"))
    return misses


# A sentence that describes the employer, in the present ("The hospital has …", "They are
# looking for …"): what it says must be in the job description (or the question), not merely in
# the person's own material ("The hospital is known for elderly care" from a resume line).
ABOUT_EMPLOYER = re.compile(
    r"^\W*(?:(?:the|your|this) (?:hospital|company|school|trust|organi[sz]ation|business|firm|practice|"
    r"department|studio|agency|startup|employer|academy|college|university|role|job|position|post|vacancy)"
    r"(?:'s)? (?:is|are|has|have|offers|provides|specialises|specializes|needs|requires|wants|runs|uses)\b|"
    r"they(?:'re| are) (?:looking|hiring|seeking|searching|known|famous|recognised|recognized|"
    r"one of|a |an )|they (?:have|need|require|want|offer|use|run) )",
    re.IGNORECASE,
)
FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|we|we're|we've|our|us)\b", re.IGNORECASE)


def employer_claims(sentence: str, evidence: Evidence) -> list[Unsupported]:
    """What a sentence about the employer names that the job description and the question do not."""
    pool = f"{evidence.employer.lower()}\n{_parts(evidence)[1].lower()}"
    found = [
        Unsupported(t, f"the technology {t.text!r} in what the employer does: not in the job description", True)
        for t in technologies_in(sentence) if not _has_words(pool, t.text.lower())
    ]
    strange = specific_words_missing(sentence, pool, "")
    if not found and len(strange) >= SPECIFIC["min"]:
        said = ", ".join(repr(w) for w in strange[:4])
        found.append(Unsupported(
            Claim(ClaimKind.NAME, ", ".join(strange)), f"details {said} about the employer: not in the job description", True
        ))
    return found


def _named_only(text: str, evidence: Evidence, everything: str) -> str:
    """Why a name that the question or the job description does contain is still a miss."""
    lowered = text.lower()
    if _has_words(everything, lowered) and not _has_words(evidence.own_lower, lowered):
        return " as your own experience: only the question or the job names it"
    return ""


# A sentence that states what the speaker did or knows ("I've used", "I specialise in").
EXPERIENCE_CLAIM = re.compile(
    r"\b(i|i've|i'd|i'm|we|we've|my)\b.{0,40}\b(have|had|used|use|using|worked|work|led|lead|managed|"
    r"manage|built|build|ran|run|specialis|specializ|expert|experience|experienced|know|trained|"
    r"certified|qualified|did|done|handled|delivered|implemented|designed|developed|taught|sold|"
    r"been|was|joined|spent|doing|responsible|in charge)",
    re.IGNORECASE,
)
# A claim denied, wished for or put as a condition: "I haven't used Django", "I'd love to learn
# Django", "if I had to".
HEDGED = re.compile(
    r"\b(not|never|no|none|neither|nor|would|could|might|may|will|want|wants|wish|hope|love to|"
    r"like to|learn|learning|keen|eager|if|whether)\b|n't\b|'ll\b|\bi'd\b",
    re.IGNORECASE,
)
# Words of praise and personality that claim nothing checkable: a sentence made of them is talk,
# not an invented fact ("a proactive and efficient leader", "passionate about innovation").
SOFT_WORDS = frozenset(
    """passion passionate exceptional proven track record delivering deliver commitment committed
    expertise proactive efficient perfectionist talented creativity creative adaptability adaptable
    collaborate collaborative collaboration motivated motivate motivation boundaries innovative
    innovation dedicated dedication driven detail oriented overthink overthinking burnout resilient
    resilience empathy empathetic listener communicator communication organised organized reliable
    hardworking enthusiastic enthusiasm curious curiosity ambitious ambition proud pride inclusive
    accessible ethical imperative scenario ninja techie tinker seamless impactful strategic
    excellence excellent outstanding remarkable exciting excited thrive thriving mindset genuinely
    genuine truly incredibly deeply valuable meaningful rewarding fulfilling opportunity opportunities
    effectiveness effective unclear ensuring ensure flexible flexibility versatile holistic
    proponent buck boundaries pushing talented risks patience patient kindness integrity honesty
    trustworthy supportive supporting diverse diversity growth mentor mentoring""".split()
)
# Below this Zipf frequency (wordfreq: 3 = once per million words) a word names something
# specific (a drug, a tool, a procedure), which the person's material must contain to be said.
RARE_ZIPF = 3.3
RARE_TERMS = False
SPECIFIC = {"on": True, "zipf": 4.7, "min": 2, "exp_zipf": 4.0}


@cache
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


# Units said in full where a profile writes them short ("300 ms" said "three hundred milliseconds").
SPELLED_UNITS = frozenset(
    "milliseconds millisecond seconds second minutes minute hours hour percent kilometres kilometers "
    "kilograms megabytes gigabytes terabytes".split()
)


def specific_words_missing(sentence: str, person: str, employer: str) -> list[str]:
    """Words of the sentence that name specific things (less common than ``SPECIFIC['zipf']``)
    and appear in neither the person's material nor, unless the sentence claims experience, the
    job description."""
    from wordfreq import zipf_frequency

    missing = []
    for m in re.finditer(r"(?<![\w'’-])([a-zA-Z][a-z]{3,})(?![\w'’])", sentence):
        word = m.group(1).lower()
        if word in _CONTEXT_STOP or word in SOFT_WORDS or not 0 < zipf_frequency(word, "en") < SPECIFIC["zipf"]:
            continue
        if word in NUMBER_WORDS or word in SPELLED_UNITS:
            continue  # a number said in words is judged as a number; "milliseconds" is "ms"
        if _has_stem(person, word) or (employer and _has_stem(employer, word)):
            continue
        missing.append(word)
    return missing


def rare_terms(sentence: str) -> list[str]:
    """Lower-case specific words of the sentence: rare in English, not stop words, not names."""
    from wordfreq import zipf_frequency

    terms = []
    for m in re.finditer(r"(?<![\w'’-])([a-z][a-z-]{3,})(?![\w'’])", sentence):
        word = m.group(1).strip("-")
        if len(word) < 4 or "-" in word and all(is_english_word(p) for p in word.split("-") if p):
            continue
        if zipf_frequency(word, "en") < RARE_ZIPF and zipf_frequency(word, "en") > 0:
            terms.append(word)
    return terms


def _has_stem(haystack: str, term: str) -> bool:
    """Whether ``term``, or a word sharing its first letters (inflections), is in ``haystack``."""
    root = term[: max(4, len(term) - 3)]
    return root in haystack and _word_start(root).search(haystack) is not None


# Words around a number that say what it counts, reduced to one form ("secs" and "seconds" alike).
UNITS = {
    "s": "second", "sec": "second", "secs": "second", "seconds": "second", "second": "second",
    "ms": "millisecond", "milliseconds": "millisecond", "millisecond": "millisecond",
    "min": "minute", "mins": "minute", "minutes": "minute", "minute": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hours": "hour", "hour": "hour",
    "yr": "year", "yrs": "year", "years": "year", "year": "year", "yo": "year",
    "months": "month", "month": "month", "weeks": "week", "week": "week", "days": "day", "day": "day",
    "%": "percent", "percent": "percent", "per": "percent",
}
_CONTEXT_WORD = re.compile(r"[a-z%][a-z'%]*")
CONTEXT_SPAN = 4
_CONTEXT_STOP = frozenset(
    "a an the of to in on at for with from by and or as is are was were be been am i my me we our "
    "you your it its this that these those have has had do did not so than over about around nearly "
    "almost more less up down per cent just only some".split()
) - {"per"}


def _stem_word(word: str) -> str:
    word = word.strip("'-")
    if word in UNITS:
        return UNITS[word]
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def numbers_with_context(text: str) -> list[tuple[Claim, frozenset[str]]]:
    """Each number with what it counts: the content words right after and right before it, in
    the same clause ("40 s", "a team of four", "9 years in ICU"), reduced to one form."""
    out = []
    lowered = text.lower()
    for claim, start, end in _numbers_at(text):
        unit: set[str] = set()
        after = re.match(r"[\s-]*([a-z%][a-z'%]*)(?:\s+([a-z%][a-z'%]*))?", lowered[end : end + 40])
        if after:
            words = [w for w in after.groups() if w and w not in _CONTEXT_STOP]
            if words:
                unit.add(_stem_word(words[0]))
        before = re.search(r"([a-z%][a-z'%]*)(?:\s+[a-z'%]+){0,2}[\s$£€-]*$", lowered[max(0, start - 40) : start])
        if before and before.group(1) not in _CONTEXT_STOP:
            unit.add(_stem_word(before.group(1)))
        elif before:
            prior = [w for w in re.findall(r"[a-z%][a-z'%]*", before.group(0)) if w not in _CONTEXT_STOP]
            if prior:
                unit.add(_stem_word(prior[-1]))
        out.append((claim, frozenset(unit)))
    return out


def _numbers_at(text: str) -> list[tuple[Claim, int, int]]:
    found = [
        (Claim(ClaimKind.NUMBER, m.group(0).strip(), _value(m.group("num"), m.group("suffix"))), m.start(), m.end())
        for m in _NUMBER.finditer(text)
    ]
    found += _number_words(text)
    found += [(Claim(ClaimKind.NUMBER, m.group(0), float(m.group(1))), m.start(), m.end()) for m in _DECADE.finditer(text)]
    return found


@lru_cache(maxsize=512)  # a profile's material and recent questions
def _contexts(text: str) -> dict[float, frozenset[str] | None]:
    """For each number the evidence states, the words it is stated with (None: once with none)."""
    merged: dict[float, set[str] | None] = {}
    for claim, unit in numbers_with_context(text):
        if claim.value is None:
            continue
        if not unit:
            merged[claim.value] = None
        elif merged.get(claim.value, set()) is not None:
            merged.setdefault(claim.value, set()).update(unit)  # type: ignore[union-attr]
    return {v: (None if units is None else frozenset(units)) for v, units in merged.items()}


def _context_matches(value: float, unit: frozenset[str], contexts: dict[float, frozenset[str] | None]) -> bool:
    for known, units in contexts.items():
        if abs(known - value) <= 1e-9 * max(1.0, abs(known)):
            # An occurrence with nothing after it ("a team of four.") counts whatever follows.
            if units is None or unit & units:
                return True
    # A unit converted ("0.3 s" for "300 ms") has no occurrence of its own in the evidence.
    return not any(abs(known - value) <= 1e-9 * max(1.0, abs(known)) for known in contexts)


def _is_year(value: float) -> bool:
    return value.is_integer() and 1950 <= value <= 2100


@lru_cache(maxsize=512)  # a profile's material and recent questions
def _values(text: str) -> frozenset[float]:
    return frozenset(number_values(text))


def _parts(evidence: Evidence) -> tuple[str, str]:
    """The person's own material and the question, as ``Evidence.person`` joins them."""
    if evidence.own is not None and evidence.person.startswith(evidence.own):
        return evidence.own, evidence.person[len(evidence.own) :]
    return evidence.person, ""


def _merged_contexts(material: str, question: str) -> dict[float, frozenset[str] | None]:
    first, second = _contexts(material), _contexts(question)
    if not second:
        return first
    merged = dict(first)
    for value, units in second.items():
        known = merged.get(value, frozenset())
        merged[value] = None if units is None or known is None else known | units
    return merged


@lru_cache(maxsize=512)  # a profile's material and recent questions
def _times(text: str) -> frozenset[tuple[int, int]]:
    return frozenset(clock_times(text))


@lru_cache(maxsize=512)  # a profile's material and recent questions
def _ranges(text: str) -> frozenset[tuple[int, str]]:
    return frozenset(year_ranges(text))


@lru_cache(maxsize=512)  # a profile's material and recent questions
def _percents(text: str) -> frozenset[float]:
    return frozenset(percent_values(text))


def _supported_number(value: float, values: frozenset[float]) -> bool:
    return any(abs(value - v) <= 1e-9 * max(1.0, abs(v)) for v in values)


def _has_words(haystack: str, needle: str) -> bool:
    if not needle:
        return True
    return needle in haystack and _whole_word(needle).search(haystack) is not None


@lru_cache(maxsize=4096)
def _word_start(root: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(root)}")


@lru_cache(maxsize=4096)
def _whole_word(needle: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(needle)}(?![\w])")


# What a person did to a thing, in classes that are not interchangeable: the profile's own line
# about the same thing settles which one they did. Claiming the first class where the profile
# gives only the second changes the fact ("led" the rollout they "helped" with; "import" for the
# "export" they wrote). (claimed, what the profile may say instead, both ways?)
RELATIONS: tuple[tuple[frozenset[str], frozenset[str], bool], ...] = (
    (frozenset("led lead leading managed manage managing ran run running headed founded owned owning "
               "directed supervised oversaw spearheaded".split()),
     frozenset("joined helped helping supported supporting assisted assisting contributed contributing member "
               "participated".split()), False),
    (frozenset("import imported importing imports".split()),
     frozenset("export exported exporting exports".split()), True),
    (frozenset("won win winning".split()), frozenset("lost lose losing".split()), True),
    (frozenset("hired hiring".split()), frozenset("fired firing".split()), True),
    (frozenset("promoted".split()), frozenset("demoted".split()), True),
)
_RELATION_OBJECT_SPAN = 6
# Above this Zipf frequency a word ("team", "work") is too common to tell which line of the
# profile a sentence is about.
_RELATION_ZIPF = 5.0


def relation_changes(sentence: str, own: str) -> list[Unsupported]:
    """Words saying what the person did to something, where the profile's lines about that same
    thing say they did something else (see ``RELATIONS``)."""
    words = re.findall(r"[a-z0-9][a-z0-9+#'-]*", sentence.lower())
    found: list[Unsupported] = []
    for i, word in enumerate(words):
        for claimed, other, both in RELATIONS:
            for said, instead in ((claimed, other), (other, claimed) if both else (frozenset(), frozenset())):
                if word not in said:
                    continue
                objects = [
                    w for w in words[i + 1 : i + 1 + _RELATION_OBJECT_SPAN]
                    if len(w) >= 3 and w not in _CONTEXT_STOP and w not in said and w not in instead
                    and _zipf(w) < _RELATION_ZIPF
                ]
                lines = [line for line in _own_lines(own) if any(_same_word(o, line[1]) for o in objects)]
                if not lines or any(line[1] & said for line in lines):
                    continue
                contrary = next((line for line in lines if line[1] & instead), None)
                if contrary is not None:
                    what = sorted(contrary[1] & instead)[0]
                    found.append(Unsupported(
                        Claim(ClaimKind.NAME, word),
                        f"{word!r} where your profile says {what!r} ({contrary[0][:60]!r})",
                        complete=True,
                    ))
    return found


def _same_word(word: str, line_words: frozenset[str]) -> bool:
    root = word[: max(4, len(word) - 3)]
    return word in line_words or any(w.startswith(root) for w in line_words if len(w) >= len(root))


@lru_cache(maxsize=512)  # a profile's material and recent questions
def _own_lines(own: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The person's material in clauses, each with its words (lower case)."""
    out = []
    for line in re.split(r"\n|;|(?<=[.!?])\s+", own):
        line = line.strip(" -*•\t")
        if line:
            out.append((line, frozenset(re.findall(r"[a-z0-9][a-z0-9+#'-]*", line.lower()))))
    return tuple(out)
