"""Feedback on one answer, by rules: every figure says how it was computed, every finding quotes
the candidate's own words (``Quote``: an exact span of the transcript, never paraphrased).

What is measured, and why each rule is what it is:

- **Pace**: words per minute over the answer's duration (all transcribed words). About 130-160
  wpm is a comfortable interview pace; below ``SLOW_WPM`` or above ``FAST_WPM`` is flagged.
  Without a duration there is no pace: it is never estimated.
- **Fillers** (``find_fillers``): hesitations (um, uh, er, erm, hmm: the words the STT normaliser
  drops as well), "you know" as a tag (not "do you know", "you know how …"), "I mean," with its
  comma, "sort of" / "kind of" as hedges (not "a kind of database", "what sort of"), "basically",
  "literally", and "like" only where it cannot be the verb or a comparison: set off by a comma
  ("it was, like, a mess"), after a hesitation ("um like"), or hedging a number ("like 20
  people"). "I like Python", "I'd like to", "looks like", "like many teams" are never counted.
  "Actually", "so", "well", "right" are not counted: in an answer they usually carry meaning (a
  contrast, a conclusion, a check).
- **STAR** (``find_star``): situation, task, action and result found by cue phrases
  (``STAR_CUES``), each with the words that showed it.
- **Specifics** (``find_specifics``): a figure (digits, a number word, a percentage, money,
  "doubled", "halved", "from X to Y"), quoted with its neighbours; a year or "two years ago" is
  a date, not a result, and does not count.
- **Own role**: "we" words against "I" words; see ``WE_HEAVY_MIN`` and ``WE_HEAVY_RATIO``. An
  answer to the opener ("tell me about yourself") with no "I" as subject (``I_SUBJECTS``; "my
  fellow Americans" is not one) is about something else: a quotation, a recital.
- **Relevance** (``relevance``): how much of the question the answer speaks to, with grounding's
  own words: the question's content words (``retrieval.content_tokens``: stemmed, without stop
  words or words that only say how to answer) each score 1 when the answer uses the word, and
  ``SYNONYM_WEIGHT`` (0.5) when it uses one of the same meaning from grounding's synonym table
  ("outage" for "incident"; not its rows of merely associated words, ``LOOSE_ROWS``). Coverage is the mean of these; relevance is coverage scaled so that
  ``FULL_COVERAGE`` (half the question's words) is 1.0, capped at 1.0: a good answer tells its
  own story and rarely repeats more than half of the question.
- **Suggestion**: the single most valuable change, by a fixed order (``SUGGESTION_ORDER``): what
  is said before how it is said (a missing result costs more than a few "um"s).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from firstword.grounding.retrieval import LOOSE_ROWS, SYNONYM_WEIGHT, SYNONYMS, content_tokens, tokens
from firstword.practice.plan import PlannedQuestion, QuestionKind

# ----- thresholds ------------------------------------------------------------------------------------

# Below one second a rate means nothing (one word would be 60 a minute): no pace is given.
MIN_TIMED_S = 1.0
SLOW_WPM = 110  # below this, listeners start to wait for the next word
FAST_WPM = 170  # above this, an interviewer taking notes falls behind
# About one filler every 12 seconds: the rate at which listeners notice them.
HIGH_FILLERS_PER_MINUTE = 5.0
# The same without a duration: per 100 words (about 40 s of speech at 150 wpm).
HIGH_FILLERS_PER_100_WORDS = 3.0
# Fewer words than this is not yet an answer (one short sentence): ask for more.
SHORT_ANSWER_WORDS = 15
# Longer than this (3 minutes, or about 450 words at 150 wpm) loses the listener.
LONG_ANSWER_S = 180.0
LONG_ANSWER_WORDS = 450
# Coverage of the question's words that counts as fully on topic (see the module's docstring).
FULL_COVERAGE = 0.5
# Below this relevance the answer shares almost nothing with the question.
LOW_RELEVANCE = 0.25
# "We" at least this often, and at least this many times as often as "I": the candidate's own
# part is hidden in the team's.
WE_HEAVY_MIN = 3
WE_HEAVY_RATIO = 2.0
# A quote is cut to this many words (after its cue): enough to recognise, short enough to read.
MAX_QUOTE_WORDS = 14
# A comma ends a quote once it holds this many words ("At the time, I was …" reads on).
MIN_CLAUSE_WORDS = 4

STAR_PARTS = ("situation", "task", "action", "result")


# ----- quotes ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quote:
    """The candidate's words: ``text == transcript[start:end]`` always."""

    text: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


def quote(text: str, start: int, end: int) -> Quote | None:
    """``text[start:end]`` without surrounding spaces and trailing commas; None when empty."""
    while start < end and text[start] in " \t\n,;:—–-":
        start += 1
    while end > start and text[end - 1] in " \t\n,;:—–-":
        end -= 1
    return Quote(text[start:end], start, end) if end > start else None


_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")


@dataclass(frozen=True, slots=True)
class _Token:
    word: str  # lower-cased, curly apostrophes straightened
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(0).lower().replace("’", "'"), m.start(), m.end()) for m in _WORD.finditer(text)]


# A clause ends at a sentence's or line's end (not the dot of "3.5" or "Node.js", not the colon of
# "10:30"), or at a comma before a new clause.
_CLAUSE_END = re.compile(r"[!?;\n]|[.:](?!\w)|,\s+(?:but|and then|because|although|which)\b")
# A quote cut short does not end on one of these ("… and there was an").
_DANGLING = frozenset("a an the and or but of to in on at for with was were is are there that which we i it so as by from my our".split())


def _clause(text: str, start: int, max_words: int = MAX_QUOTE_WORDS) -> Quote | None:
    """From ``start`` to the end of its clause or line, at most ``max_words`` words; a comma
    ends it once it has ``MIN_CLAUSE_WORDS`` ("I paused the retry worker, I added …")."""
    m = _CLAUSE_END.search(text, start)
    end = m.start() if m else len(text)
    for comma in re.finditer(",", text[start:end]):
        if len(_WORD.findall(text, start, start + comma.start())) >= MIN_CLAUSE_WORDS:
            end = start + comma.start()
            break
    found = list(_WORD.finditer(text, start, end))
    if len(found) > max_words:
        found = found[:max_words]
        while len(found) > 3 and found[-1].group(0).lower() in _DANGLING:
            found.pop()
        end = found[-1].end()
    return quote(text, start, end)


def _matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches within one line: a quote never joins two transcript segments (see ``report``)."""
    for m in pattern.finditer(text):
        if "\n" not in m.group(0):
            yield m


# ----- words and fillers --------------------------------------------------------------------------

# Hesitations: the words the STT's text normaliser drops (``stt.textnorm``), with their spellings.
HESITATION = re.compile(r"^(?:u+m+|u+h+|u+h+m+|e+r+m+|e+r+|h+m+|m{2,}|mhm)$")
# Transcription markers of speech that was not understood: not words of the candidate.
MARKER = re.compile(r"\[[^\]]*\]|\([^)]*(?:inaudible|unintelligible|crosstalk|indistinct|noise|silence)[^)]*\)|<[^>]*>", re.I)
_DETERMINERS = frozenset(
    "a an the this that what which any some every each one same no these those my your our their his her its "
    "another other particular different right wrong all".split()
)
# After these, "you know" is a real question or statement ("do you know", "if you know").
_KNOW_ASKERS = frozenset("do did does don't didn't if as would you'd what might may will to i we they so".split())
# After "you know" these make it a real verb ("you know how it is", "you know the system").
_KNOW_OBJECTS = frozenset(
    "how what that where why when who which if whether about the a an it him her them me this those these my "
    "your our their anything something someone everything".split()
)
# Before these, "like" is the verb or a comparison ("I like", "would like", "looks like").
_LIKE_NOT_FILLER = frozenset(
    "i you we they he she who would i'd you'd we'd they'd don't didn't doesn't do did does to really also "
    "something anything nothing look looks looked feel feels felt seem seems seemed more less exactly just "
    "much sounds sounded".split()
)
NUMBER_WORDS = frozenset(
    """two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
    eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands
    million millions billion dozen dozens half twice doubled tripled halved zero percent""".split()
)


@dataclass(frozen=True, slots=True)
class Filler:
    kind: str  # "um", "you know", "like", "sort of", …: what was counted (lower-cased)
    quote: Quote


def words(text: str) -> int:
    """Words said: markers such as "[inaudible]" are not words."""
    return len(_WORD.findall(MARKER.sub(" ", text)))


def content_words(text: str) -> int:
    """Words said other than hesitations: "um uh um" is not an answer."""
    return sum(1 for t in _tokens(MARKER.sub(" ", text)) if not HESITATION.match(t.word))


def find_fillers(text: str) -> list[Filler]:
    """Every filler of the transcript, in order (see the module's docstring for the rules)."""
    toks = _tokens(text)
    out: list[Filler] = []

    def gap(i: int) -> str:
        """The text between token i-1 and token i ("" before the first)."""
        return text[toks[i - 1].end: toks[i].start] if i > 0 else ""

    def add(kind: str, first: int, last: int) -> None:
        q = quote(text, toks[first].start, toks[last].end)
        if q is not None and "\n" not in q.text:
            out.append(Filler(kind, q))

    i = 0
    while i < len(toks):
        w = toks[i].word
        prev = toks[i - 1].word if i > 0 and not re.search(r"[.!?\n]", gap(i)) else None
        nxt = toks[i + 1].word if i + 1 < len(toks) else None
        after = gap(i + 1) if i + 1 < len(toks) else ""
        if HESITATION.match(w):
            add(w, i, i)
        elif w in ("yknow", "y'know", "ya'know"):
            add("you know", i, i)
        elif w == "you" and nxt == "know" and prev not in _KNOW_ASKERS:
            beyond = toks[i + 2].word if i + 2 < len(toks) else None
            tail = gap(i + 2) if i + 2 < len(toks) else ""
            if beyond is None or re.search(r"[,.!?;\n—–-]", tail) or beyond not in _KNOW_OBJECTS:
                add("you know", i, i + 1)
                i += 2
                continue
        elif w == "i" and nxt == "mean" and i + 2 < len(toks) and gap(i + 2).lstrip().startswith(","):
            add("i mean", i, i + 1)
            i += 2
            continue
        elif w in ("sort", "kind") and nxt == "of" and "," not in after and prev not in _DETERMINERS:
            add(f"{w} of", i, i + 1)
            i += 2
            continue
        elif w in ("sorta", "kinda") and prev not in _DETERMINERS:
            add(w, i, i)
        elif w in ("basically", "literally"):
            add(w, i, i)
        elif w == "like" and prev not in _LIKE_NOT_FILLER:
            comma_after = after.lstrip().startswith(",")
            after_hesitation = prev is not None and HESITATION.match(prev) is not None
            before_number = nxt is not None and (nxt[0].isdigit() or nxt in NUMBER_WORDS) and not comma_after
            if comma_after or after_hesitation or (before_number and prev is not None):
                add("like", i, i)
        i += 1
    return out


# ----- STAR -----------------------------------------------------------------------------------------

# Cue phrases per part, lower-case regular expressions matched at word boundaries. "I" + a past
# tense verb is an action; the verbs that say what the speaker felt or wanted are not.
_NOT_ACTIONS = (
    "wanted|needed|liked|loved|enjoyed|felt|hoped|seemed|used|supposed|was|were|had|guessed|thought|believed|"
    "realised|realized|started|noticed|learned|learnt|hated|preferred|expected|assumed|wondered|worried|"
    "joined|moved|graduated|studied|worked"
)
STAR_CUES: dict[str, tuple[str, ...]] = {
    "situation": (
        r"at the time", r"back (?:in|then|when)", r"a (?:few|couple of) (?:years|months|weeks) ago",
        r"last (?:year|month|quarter|spring|summer|autumn|fall|winter)", r"in (?:19|20)\d\d",
        r"when i (?:was|joined|started|worked|first)", r"while i was", r"i was working (?:at|as|on|in)",
        r"(?:at|in) my (?:last|previous|current|old|first) (?:job|role|company|team|position|hospital|school|ward|workplace)",
        r"the (?:situation|context|background|problem|issue|challenge) was", r"there (?:was|were) (?:a|an|this|some)\b",
        r"we (?:had|were facing|were dealing with) (?:a|an|this)\b", r"our (?:team|system|service|ward|unit|product|company|client) (?:was|had)",
        r"one (?:time|day|night|shift|morning|evening)", r"i was (?:a|an|the) \w+(?: \w+)? (?:at|in|on)\b",
    ),
    "task": (
        r"my (?:task|job|role|goal|responsibility|aim|brief) (?:was|there was)", r"i was (?:responsible|asked|tasked|given|in charge|supposed)",
        r"i (?:needed|had|wanted) to", r"i was the (?:one|lead|owner|person)", r"the (?:goal|aim|task|objective|target|ask) was",
        r"we (?:needed|had) to", r"it was (?:up to me|my job)", r"i had to make sure",
    ),
    "action": (
        rf"i (?:then |first |also |quickly |personally |eventually |immediately |finally |just )?(?!(?:{_NOT_ACTIONS})\b)[a-z]+ed\b",
        r"i (?:then |first |also |quickly |personally |eventually |immediately |finally )?(?:built|wrote|made|ran|led|set up|took|spoke|met|sat down|got|went|brought|found|put|kept|began|chose|drew|told|gave|did|dug|sent|rewrote|broke|paid|sold|taught|caught|split|cut|hired|fixed|called|asked|rang|bought|drove|held|sought|thought through)\b",
        r"my approach was", r"what i did (?:was|first)", r"i decided", r"i started (?:by|to|with|on)",
        r"i(?:'ve| have) (?:\w+ed|built|written|made|led|run)\b",
    ),
    "result": (
        r"as a result", r"the (?:result|outcome|upshot|impact) was", r"in the end", r"at the end of the day", r"resulted in",
        r"(?:which|that|this) (?:meant|led to|cut|saved|reduced|increased|improved|brought|got|halved|doubled)",
        r"(?:we|i|it|they|the team) (?:ended up|managed to|succeeded|hit (?:the|our)|met (?:the|our)|shipped|launched|delivered|saved|reduced|increased|improved|doubled|halved|won|passed|recovered|went live)",
        r"(?:dropped|fell|rose|grew|went|came) (?:down |up )?from\b", r"since then", r"afterwards", r"ever since",
        r"(?:was|were|got) (?:praised|recognised|recognized|promoted|adopted|rolled out|thanked)", r"the feedback was",
        r"(?:no|zero) (?:more |further )?(?:complaints|incidents|outages|errors|falls|double charges|escalations)",
        r"it worked\b", r"(?:went|was) (?:really )?well\b",
    ),
}
# "I did not", "I didn't": what was not done is not an action (nor a result).
_STAR = {part: re.compile(r"\b(?:" + "|".join(cues) + r")(?!n['’]t|\s+not\b)", re.IGNORECASE) for part, cues in STAR_CUES.items()}


def find_star(text: str) -> dict[str, tuple[Quote, ...]]:
    """Each STAR part with the candidate's words that showed it (empty: not heard), in order."""
    found: dict[str, tuple[Quote, ...]] = {}
    for part in STAR_PARTS:
        quotes: list[Quote] = []
        for m in _matches(_STAR[part], text):
            q = _clause(text, m.start())
            if q is not None and not any(q.start < other.end and other.start < q.end for other in quotes):
                quotes.append(q)
        found[part] = tuple(quotes)
    return found


# ----- specifics ------------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?:[£$€]\s?\d(?:[\d,.]*\d)?(?:\s?(?:k|m|bn|million|billion|thousand)\b)?"
    r"|\b\d{1,2}:\d\d\b"
    r"|\b\d(?:[\d,.]*\d)?(?:\s?(?:%|percent\b|per ?cent\b|x\b|k\b|ms\b|s\b|m\b|bn\b))?"
    r"|\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b"
    r"|\bone (?=(?:hour|day|week|month|year|minute|second|person|customer|patient|client|percent)s?\b))",
    re.IGNORECASE,
)
# A year ("in 2019") or an age ("two years ago") dates the story; it is not its result.
_DATE = re.compile(r"^(?:19|20)\d\d$")
_AGO = re.compile(r"^\s*(?:\w+\s+)?(?:years?|months?|weeks?|days?)\s+ago\b", re.IGNORECASE)
_FROM_TO = re.compile(r"\bfrom\s+\S+(?:\s+\S+){0,3}?\s+to\s+\S+(?:\s+(?:ms|s|seconds|minutes|hours|days|%|percent))?", re.IGNORECASE)


def find_specifics(text: str) -> list[Quote]:
    """Figures and measured outcomes, each quoted with up to three words either side (within its
    sentence), in order; overlapping ones merged."""
    spans: list[tuple[int, int]] = []
    for m in _matches(_NUMBER, text):
        token = m.group(0).strip()
        if _DATE.match(token) or _AGO.match(text[m.end():]):
            continue
        spans.append(_around(text, m.start(), m.end()))
    for m in _matches(_FROM_TO, text):
        if re.search(r"\d|" + "|".join(NUMBER_WORDS), m.group(0), re.IGNORECASE):
            spans.append((m.start(), m.end()))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return [q for s, e in merged if (q := quote(text, s, e)) is not None]


# Where a figure's context stops: a sentence's or clause's end, not the "." of "3.5" or the ","
# of "12,000" or the ":" of "10:30".
_CONTEXT_STOP = re.compile(r"[!?;\n]|[.,:](?!\d)")


def _around(text: str, start: int, end: int, context: int = 3) -> tuple[int, int]:
    """The span widened by up to ``context`` words each side, not past a sentence's end."""
    left_limit = max((m.end() for m in _CONTEXT_STOP.finditer(text, 0, start)), default=0)
    right = _CONTEXT_STOP.search(text, end)
    right_limit = right.start() if right else len(text)
    before = list(_WORD.finditer(text, left_limit, start))[-context:]
    after = list(_WORD.finditer(text, end, right_limit))[:context]
    while after and after[-1].group(0).lower() in _DANGLING:
        after.pop()
    return (before[0].start() if before else start), (after[-1].end() if after else end)


# ----- own role -------------------------------------------------------------------------------------

I_WORDS = frozenset("i i'm i've i'd i'll me my myself mine".split())
# "I" as the one who does or is something: "my" alone is not enough ("my fellow Americans").
I_SUBJECTS = frozenset("i i'm i've i'd i'll".split())
# An answer to "tell me about yourself" with fewer "I"s than this is not about the speaker: even a
# one-sentence one says who they are ("I'm Alex, a backend engineer with six years of Python").
ABOUT_ME_MIN_I = 1
WE_WORDS = frozenset("we we're we've we'd we'll us our ours ourselves".split())


@dataclass(frozen=True, slots=True)
class OwnRole:
    i_count: int
    we_count: int
    i_subjects: int  # "I", "I'm", "I've", …: the speaker as the one who acts or is
    # The first thing the candidate said "we" did, quoted (the follow-up asks about it).
    we_quote: Quote | None

    @property
    def we_heavy(self) -> bool:
        return self.we_count >= WE_HEAVY_MIN and self.we_count >= WE_HEAVY_RATIO * self.i_count


def own_role(text: str) -> OwnRole:
    toks = _tokens(text)
    i_count = sum(1 for t in toks if t.word in I_WORDS)
    we_count = sum(1 for t in toks if t.word in WE_WORDS)
    # What "we" did ("we rolled back the release"), else the first "we" at all; at most eight
    # words: enough to recognise, short enough to say back.
    did = next(_matches(_WE_DID, text), None)
    first_we = next((t for t in toks if t.word in ("we", "we've", "we'd", "we'll", "we're")), None)
    start = did.start() if did is not None else first_we.start if first_we is not None else None
    we_quote = _clause(text, start, 8) if start is not None else None
    i_subjects = sum(1 for t in toks if t.word in I_SUBJECTS)
    return OwnRole(i_count, we_count, i_subjects, we_quote)


_WE_DID = re.compile(
    rf"\bwe (?:then |first |also |quickly |just |eventually |finally )?(?:(?!(?:{_NOT_ACTIONS})\b)[a-z]+ed|built|wrote|made|"
    r"ran|led|set up|took|got|went|brought|found|put|kept|began|chose|did|sent|rewrote|broke|cut|hired|fixed|called)\b",
    re.IGNORECASE,
)


# ----- relevance ------------------------------------------------------------------------------------


# Words Nova's question templates use to ask, not to name the topic ("This role *asks* for …",
# "how did it *end*?", "what went *wrong*"): an answer is not less relevant for not saying them.
QUESTION_SCAFFOLD = frozenset(
    "asks involves uses end ended turn turned happen happened going wrong differently step along way start little "
    "brings".split()
)


# Grounding's synonym rows that say the same thing in other words ("outage" and "incident"); the
# rows of associated words (``LOOSE_ROWS``: "team" and "lead", "change" and "moved") would let an
# answer about anything look relevant, so they do not count here.
_SAME_MEANING: dict[str, set[str]] = {}
for _row in SYNONYMS:
    if _row[0] in LOOSE_ROWS:
        continue
    _stems = {t for w in _row for t in tokens(w)}
    for _s in _stems:
        _SAME_MEANING.setdefault(_s, set()).update(_stems - {_s})


@dataclass(frozen=True, slots=True)
class Relevance:
    score: float  # 0..1
    coverage: float  # the mean credit of the question's content words
    matched: tuple[str, ...]  # the question's words the answer spoke to (as the question said them)
    missing: tuple[str, ...]  # the question's words it did not

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "coverage": self.coverage, "matched": list(self.matched), "missing": list(self.missing)}


def relevance(question: str, answer: str) -> Relevance:
    """See the module's docstring: coverage of the question's content words (1 for the word,
    ``SYNONYM_WEIGHT`` for a synonym), scaled by ``FULL_COVERAGE``, capped at 1."""
    said: dict[str, str] = {}  # stem -> the word as the question said it (first time)
    for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9+#'’-]*", question):
        if word.lower() in QUESTION_SCAFFOLD:
            continue
        for stem in content_tokens(word):
            said.setdefault(stem, word.strip("'’-").lower())
    if not said:
        return Relevance(1.0, 1.0, (), ())
    heard = set(tokens(answer))
    matched, missing, total = [], [], 0.0
    for stem, word in said.items():
        credit = 1.0 if stem in heard else SYNONYM_WEIGHT if _SAME_MEANING.get(stem, set()) & heard else 0.0
        total += credit
        (matched if credit > 0 else missing).append(word)
    coverage = total / len(said)
    score = min(1.0, coverage / FULL_COVERAGE)
    return Relevance(round(score, 2), round(coverage, 3), tuple(matched), tuple(missing))


# ----- the feedback ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    code: str
    text: str


# The order suggestions are chosen in: the first that applies is given (see ``_suggest``).
SUGGESTION_ORDER = (
    "say_more", "about_you", "give_an_example", "own_role", "answer_the_question", "add_action", "add_result", "add_number",
    "fewer_fillers", "pace", "tighten", "reflect", "ask_a_question", "keep_it_up",
)
# Kinds of question answered with a story (STAR, a number, the candidate's own part).
STORY_KINDS = frozenset({QuestionKind.BEHAVIOURAL, QuestionKind.TECHNICAL})


@dataclass(frozen=True)
class AnswerFeedback:
    question_id: str
    question: str
    kind: QuestionKind
    words: int
    duration_s: float | None
    words_per_minute: float | None
    fillers: tuple[Filler, ...]
    fillers_per_minute: float | None
    star: dict[str, tuple[Quote, ...]]
    specifics: tuple[Quote, ...]
    own_role: OwnRole
    # None for the opener, motivation and closing questions (see ``analyse_answer``).
    relevance: Relevance | None
    suggestion: Suggestion
    # How each figure was computed, in words, by figure name.
    explanations: dict[str, str] = field(default_factory=dict)

    @property
    def star_present(self) -> tuple[str, ...]:
        return tuple(p for p in STAR_PARTS if self.star.get(p))

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict of every figure, quote and explanation."""
        return {
            "question_id": self.question_id,
            "question": self.question,
            "kind": self.kind.value,
            "words": self.words,
            "duration_s": self.duration_s,
            "words_per_minute": self.words_per_minute,
            "fillers": [{"kind": f.kind, "quote": f.quote.to_json()} for f in self.fillers],
            "fillers_per_minute": self.fillers_per_minute,
            "star": {p: [q.to_json() for q in self.star.get(p, ())] for p in STAR_PARTS},
            "specifics": [q.to_json() for q in self.specifics],
            "own_role": {
                "i": self.own_role.i_count, "we": self.own_role.we_count, "we_heavy": self.own_role.we_heavy,
                "we_quote": self.own_role.we_quote.to_json() if self.own_role.we_quote else None,
            },
            "relevance": self.relevance.to_json() if self.relevance is not None else None,
            "suggestion": {"code": self.suggestion.code, "text": self.suggestion.text},
            "explanations": dict(self.explanations),
        }


def analyse_answer(question: PlannedQuestion, transcript: str, duration_s: float | None = None) -> AnswerFeedback:
    """Feedback on ``transcript`` (the candidate's answer to ``question``), ``duration_s`` the
    seconds they spoke for (None when unknown: no pace is given then)."""
    if duration_s is not None and not (MIN_TIMED_S <= duration_s < math.inf):  # also NaN
        duration_s = None
    n_words = words(transcript)
    fillers = tuple(find_fillers(transcript))
    star = find_star(transcript)
    specifics = tuple(find_specifics(transcript))
    role = own_role(transcript)
    # Only a story or a technical answer is about the question's words; "tell me about yourself"
    # or "why us?" names nothing a good answer must contain.
    rel = relevance(question.text, transcript) if question.kind in STORY_KINDS else None
    explanations: dict[str, str] = {}

    wpm = fpm = None
    if duration_s is not None:
        wpm = round(n_words / (duration_s / 60.0), 1)
        fpm = round(len(fillers) / (duration_s / 60.0), 1)
        pace = "slow" if wpm < SLOW_WPM else "fast" if wpm > FAST_WPM else "comfortable"
        explanations["words_per_minute"] = (
            f"{n_words} words in {duration_s:.1f} s = {wpm:g} words a minute ({pace}: {SLOW_WPM}-{FAST_WPM} is a "
            "comfortable interview pace)."
        )
        explanations["fillers_per_minute"] = (
            f"{len(fillers)} fillers in {duration_s:.1f} s = {fpm:g} a minute (more than "
            f"{HIGH_FILLERS_PER_MINUTE:g} a minute is noticeable)."
        )
    else:
        explanations["words_per_minute"] = f"{n_words} words; no duration was given, so no pace."
        explanations["fillers_per_minute"] = f"{len(fillers)} fillers in {n_words} words; no duration was given."
    explanations["fillers"] = (
        "Counted: um, uh, er, erm, hmm; 'you know' as a tag; 'I mean,'; 'sort of' and 'kind of' as hedges; "
        "'basically'; 'literally'; 'like' only set off by commas, after a hesitation or before a number."
    )
    present = [p for p in STAR_PARTS if star[p]]
    absent = [p for p in STAR_PARTS if not star[p]]
    explanations["star"] = (
        f"{len(present)} of 4 STAR parts heard by their cue phrases"
        + (f": {', '.join(present)}" if present else "")
        + (f"; not heard: {', '.join(absent)}." if absent else ".")
    )
    explanations["specifics"] = (
        f"{len(specifics)} figure(s) or measured outcome(s) heard." if specifics
        else "No figure or measured outcome heard (a year or 'two years ago' does not count)."
    )
    explanations["own_role"] = (
        f"'I' words {role.i_count}, 'we' words {role.we_count}; flagged when 'we' is at least {WE_HEAVY_MIN} and at "
        f"least {WE_HEAVY_RATIO:g} times 'I'."
    )
    if rel is None:
        explanations["relevance"] = f"Relevance is not measured for {question.kind.value} questions: their words say nothing a good answer must repeat."
    else:
        explanations["relevance"] = (
            f"The answer speaks to {len(rel.matched)} of the question's {len(rel.matched) + len(rel.missing)} content "
            f"words (a synonym counts {SYNONYM_WEIGHT:g}); coverage {rel.coverage:.2f}, scaled so that "
            f"{FULL_COVERAGE:g} is 1.0: relevance {rel.score:.2f}."
        )
    suggestion = _suggest(question, n_words, content_words(transcript), duration_s, wpm, fillers, star, specifics, role, rel,
                          asked_back="?" in transcript)
    return AnswerFeedback(
        question.id, question.text, question.kind, n_words, duration_s, wpm, fillers, fpm, star, specifics, role, rel,
        suggestion, explanations,
    )


def _suggest(
    question: PlannedQuestion, n_words: int, n_content: int, duration_s: float | None, wpm: float | None,
    fillers: tuple[Filler, ...], star: dict[str, tuple[Quote, ...]], specifics: tuple[Quote, ...], role: OwnRole,
    rel: Relevance | None,
    *,
    asked_back: bool = False,
) -> Suggestion:
    """The first rule of ``SUGGESTION_ORDER`` that applies."""
    story = question.kind in STORY_KINDS
    behavioural = question.kind is QuestionKind.BEHAVIOURAL
    if question.kind is QuestionKind.CLOSING and asked_back:
        # "Do you have any questions for me?" answered with one: that is the answer.
        return Suggestion("keep_it_up", "A good closing: a question about the role shows interest.")
    if question.kind is QuestionKind.CLOSING and n_content < SHORT_ANSWER_WORDS:
        return Suggestion("ask_a_question",
                          "Have one or two questions ready for the end: about the team, the first months, or how success is measured.")
    if n_content < SHORT_ANSWER_WORDS:
        return Suggestion("say_more", "Say more: give a full answer of at least a few sentences, with one concrete example.")
    if question.kind is QuestionKind.OPENER and role.i_subjects < ABOUT_ME_MIN_I:
        # A quotation, a recital or an answer to another question: nothing in it is about them.
        return Suggestion("about_you", "Talk about yourself: who you are, what you've done, and why this role, "
                                       "in your own words with 'I'.")
    if behavioural and sum(1 for p in ("situation", "action", "result") if star[p]) <= 1 and not (star["action"] and star["result"]):
        return Suggestion("give_an_example", "Tell one specific story: where you were, what you did, and how it turned out.")
    if story and role.we_heavy:
        return Suggestion("own_role", "Say what you did yourself: use 'I' for your own part, and 'we' only for the team's.")
    if rel is not None and rel.score < LOW_RELEVANCE and rel.missing:
        # Lexical: a story told in quite other words scores low too, hence "tie it back", not "wrong".
        asked = ", ".join(rel.missing[:4])
        return Suggestion("answer_the_question",
                          f"Tie your answer to the question: it asked about {asked}; say how your story shows that.")
    if behavioural and not star["action"]:
        return Suggestion("add_action", "Say what you did, step by step: the actions are what the interviewer scores.")
    if behavioural and not star["result"]:
        return Suggestion("add_result", "End with the result: what changed because of what you did.")
    if story and not specifics:
        return Suggestion("add_number", "Put a number on the result: time saved, people helped, errors cut, money.")
    heavy_fillers = (
        len(fillers) / (duration_s / 60.0) > HIGH_FILLERS_PER_MINUTE if duration_s
        else n_words > 0 and 100.0 * len(fillers) / n_words > HIGH_FILLERS_PER_100_WORDS
    )
    if heavy_fillers:
        kinds = sorted({f.kind for f in fillers}, key=lambda k: -sum(1 for f in fillers if f.kind == k))
        return Suggestion("fewer_fillers", f"Swap fillers for a short pause: you said {', '.join(repr(k) for k in kinds[:3])} often.")
    if wpm is not None and (wpm < SLOW_WPM or wpm > FAST_WPM):
        return Suggestion("pace", "Slow down a little: pause after each part of the story." if wpm > FAST_WPM
                          else "Pick up the pace a little: shorter sentences help.")
    if (duration_s is not None and duration_s > LONG_ANSWER_S) or n_words > LONG_ANSWER_WORDS:
        return Suggestion("tighten", "Tighten it: aim for about two minutes, and lead with the result.")
    if behavioural:
        return Suggestion("reflect", "A strong story: next time, close with what you learned or would do differently.")
    return Suggestion("keep_it_up", "Nothing major to change: keep this length and directness.")
