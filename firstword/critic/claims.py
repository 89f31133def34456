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
from functools import cache
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
_NUMBER = re.compile(
    r"(?<![\w.])(?P<cur>[$£€])?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<suffix>k|m|bn|%|x)?(?![\w])",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
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
def _english() -> frozenset[str]:
    return frozenset(get_english_words_set(["web2"], lower=True))


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


@cache
def technologies() -> tuple[tuple[str, re.Pattern[str]], ...]:
    text = (resources.files("firstword.critic") / "data" / "technologies.txt").read_text(encoding="utf-8")
    names = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    compiled = []
    for name in sorted(set(names), key=len, reverse=True):
        escaped = re.escape(name)
        # A name that is also an ordinary word ("Go", "Spring", "Epic") counts only as written,
        # capitalised; the others in any case ("postgres", "kafka").
        flags = 0 if all(is_english_word(w) for w in name.split()) else re.IGNORECASE
        compiled.append((name, re.compile(rf"(?<![\w.+#-]){escaped}(?![\w+#]|\.\w)", flags)))
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
    for m in _NUMBER_WORD.finditer(text):
        found.append(Claim(ClaimKind.NUMBER, m.group(0), float(NUMBER_WORDS[m.group(1).lower()])))
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
    for name, pattern in technologies():
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

    @property
    def person_lower(self) -> str:
        return self.person.lower()


@dataclass(frozen=True, slots=True)
class Unsupported:
    claim: Claim
    looked_for: str


def check(sentence: str, evidence: Evidence) -> list[Unsupported]:
    """The claims of ``sentence`` that the evidence does not support."""
    misses: list[Unsupported] = []
    person = evidence.person_lower
    everything = f"{person}\n{evidence.employer.lower()}"
    values = _values(evidence.person)
    percents = _percents(evidence.person)
    contexts = _contexts(evidence.person)
    for claim, around in numbers_with_context(sentence):
        if claim.value is None:
            continue
        # A percentage is its own kind of number: "40 s" does not support "40 %".
        pool = percents if _is_percent(claim, sentence) else values
        if not _supported_number(claim.value, pool):
            misses.append(Unsupported(claim, f"the number {claim.text!r}"))
        elif around and not _is_year(claim.value) and not _context_matches(claim.value, around, contexts):
            # The same number counting something else: "30 minutes" does not support "30-year-old".
            misses.append(Unsupported(claim, f"{claim.text!r} {' '.join(sorted(around))}s"))
    techs = technologies_in(sentence)
    tech_spans = {t.text.lower() for t in techs}
    experience = EXPERIENCE_CLAIM.search(sentence) is not None
    # Naming the employer's stack ("how the team runs Kafka") is fine; claiming it is not.
    tech_pool = person if experience else everything
    for claim in techs:
        if not _has_words(tech_pool, claim.text.lower()):
            misses.append(Unsupported(claim, f"the technology {claim.text!r}"))
    # In a claim of one's own experience, a name must be in one's own material: "I specialise in
    # ECMO" is not supported by the job description asking for ECMO.
    names_pool = person if experience else everything
    for claim in names_in(sentence):
        lowered = claim.text.lower()
        if lowered in tech_spans or any(lowered in t or t in lowered for t in tech_spans):
            continue  # judged as a technology above
        if _has_words(names_pool, lowered) or all(_has_words(names_pool, part) for part in lowered.split() if len(part) > 2):
            continue
        misses.append(Unsupported(claim, f"the name {claim.text!r}"))
    for claim in titles_in(sentence):
        seniority = [w for w in claim.text.lower().split() if w in SENIORITY]
        if all(_has_words(person, w) for w in seniority) or _has_words(person, claim.text.lower()):
            continue
        misses.append(Unsupported(claim, f"the title {claim.text!r}"))
    claimed = {m.claim.text.lower() for m in misses}
    if not misses and SPECIFIC["on"]:
        strange = specific_words_missing(sentence, person, evidence.employer.lower() if not experience else "")
        # One strange, rarer detail is enough in a claim of one's own experience ("I've sold
        # into the healthcare market"); elsewhere it takes two, as one odd word is often talk.
        rarer = [w for w in strange if _zipf(w) < SPECIFIC["exp_zipf"]]
        if len(strange) >= SPECIFIC["min"] or (experience and rarer):
            misses.append(
                Unsupported(Claim(ClaimKind.NAME, ", ".join(strange)), f"details {', '.join(repr(w) for w in strange[:4])}")
            )
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


# A sentence that states what the speaker did or knows ("I've used", "I specialise in").
EXPERIENCE_CLAIM = re.compile(
    r"\b(i|i've|i'd|i'm|we|we've|my)\b.{0,40}\b(have|had|used|use|using|worked|work|led|lead|managed|"
    r"manage|built|build|ran|run|specialis|specializ|expert|experience|experienced|know|trained|"
    r"certified|qualified|did|done|handled|delivered|implemented|designed|developed|taught|sold|"
    r"been|was|joined|spent|doing|responsible|in charge)",
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
    return re.search(rf"(?<![\w]){re.escape(root)}", haystack) is not None


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
    found += [
        (Claim(ClaimKind.NUMBER, m.group(0), float(NUMBER_WORDS[m.group(1).lower()])), m.start(), m.end())
        for m in _NUMBER_WORD.finditer(text)
    ]
    return found


@cache
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


@cache
def _values(text: str) -> frozenset[float]:
    return frozenset(number_values(text))


@cache
def _percents(text: str) -> frozenset[float]:
    return frozenset(percent_values(text))


def _supported_number(value: float, values: frozenset[float]) -> bool:
    return any(abs(value - v) <= 1e-9 * max(1.0, abs(v)) for v in values)


def _has_words(haystack: str, needle: str) -> bool:
    if not needle:
        return True
    return re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", haystack) is not None
