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

from firstword.grounding.facts import Fact, FactBase, Source, asks_them, pay_asked_for, to_ask
from firstword.grounding.private import CURRENCY_SIGNS, kept_to_self, says_a_sum
from firstword.grounding.questions import (
    QuestionType,
    asking_sentences,
    asks_to_accept,
    focus,
    is_request,
    last_asked,
    names_in as _names_in,
    question_sentences,
    sentence_weights,
)

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
    moment ever many much""".split()
)
# Words that say what to do with a topic, not what the topic is: a fact sharing only these with
# the question is near it, not about it ("design a rate limiter" vs "designed idempotent retries").
# "Would you do anything differently?" names no topic (set s had answered it with a note "IRISH
# DIFFERENCES").
GENERIC = frozenset(
    _w
    for _w in """design build work use handle approach manage improve explain make do did go get
    want like think know new way best good role job company experience experienced career
    time deal area part kind thing day give example
    different differently difference""".split()

)

# Words an interviewer says and the words a profile uses for the same thing. Each row is one
# meaning; a query word pulls in the rest of its row (at a lower weight than the word itself).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("latency", "performance", "speed", "fast", "faster", "slow", "p95", "p99", "milliseconds", "ms"),
    ("lead", "led", "leading", "manage", "managed", "manager", "mentor", "mentoring", "team", "people",
     "charge", "coordinate", "coordinating", "supervise", "supervisor", "supervised", "coach", "coaching"),
    ("language", "languages", "stack", "skills", "skill", "programming", "technologies", "tools", "frameworks",
     "software", "systems", "platforms", "applications"),
    ("team", "colleagues", "shift", "shifts", "staff", "crew", "together", "collaborate", "collaboration"),
    ("conflict", "disagreement", "disagree", "argument", "argue", "clash", "tension", "pushback", "stakeholder"),
    ("failure", "fail", "failed", "mistake", "error", "outage", "incident", "setback", "wrong", "bug", "missed"),
    ("incident", "on-call", "oncall", "outage", "pager", "postmortem", "runbook", "reliability"),
    # Whoever the job serves, unhappy with it (a story of "a difficult customer", sets g, h, s).
    ("complaint", "complained", "complaining", "complain", "angry", "upset", "unhappy", "irate", "hostile", "furious",
     "rude", "shouting", "shouted", "dissatisfied", "aggressive", "abusive"),
    ("customer", "customers", "client", "clients", "guest", "guests", "patient", "patients", "caller", "callers",
     "resident", "residents", "neighbour", "neighbor", "public", "diner", "diners", "passenger", "passengers"),
    ("weakness", "improve", "improvement", "struggle", "used", "learning", "overcome"),
    ("salary", "compensation", "pay", "range", "money", "package", "expectation", "expectations"),
    ("start", "notice", "available", "availability", "join", "period"),
    ("relocate", "relocation", "move", "remote", "location", "onsite", "hybrid", "visa"),
    ("degree", "bsc", "msc", "university", "college", "bachelor", "master", "phd"),
    ("education", "study", "studied", "school", "qualification", "qualified", "certification", "certified",
     "course", "training", "trained"),
    ("customer", "client", "patient", "user", "clinician", "stakeholder"),
    ("sales", "revenue", "quota", "deal", "pipeline", "account", "accounts"),
    ("teach", "teacher", "teaching", "lesson", "classroom", "student", "students", "pupils"),
    ("design", "designer", "ux", "ui", "prototype", "research", "figma"),
    ("nurse", "nursing", "ward", "patient", "care", "clinical"),
    ("health", "healthcare", "medical", "clinical", "hospital", "hospitals", "patients", "nhs"),
    ("negotiation", "negotiate", "negotiated", "discount", "deal", "contract", "procurement"),
    ("scale", "scaling", "throughput", "load", "traffic", "capacity"),
    ("cloud", "aws", "gcp", "azure", "google cloud"),
    ("crm", "salesforce", "hubspot", "pipedrive", "dynamics"),
    ("methodology", "methodologies", "meddic", "meddpicc", "bant", "sandler"),
    ("mentor", "mentored", "mentoring", "coach", "coached", "coaching", "onboarded"),
    ("biggest", "largest", "greatest", "highest", "record"),
    ("database", "databases", "sql", "postgresql", "postgres", "mysql", "sqlite", "mongodb", "redis", "oracle"),
    ("streaming", "stream", "real-time", "realtime", "kafka", "events", "event"),
    ("pressure", "deadline", "deadlines", "urgent", "tight"),
    ("proud", "achievement", "accomplishment", "success", "impact", "result", "results"),
    ("why", "motivation", "mission", "enjoy", "interest", "interested", "passion", "excite"),
    # Interview vocabulary and the words resumes use for the same work.
    ("develop", "mentor", "mentored", "coach", "coached", "train", "trained", "onboard", "onboarded",
     "grow", "junior", "juniors", "graduates", "apprentices", "newly", "students"),
    ("improve", "improved", "optimise", "optimize", "streamline", "automate", "automated", "faster",
     "reduce", "reduced", "cut", "simplify", "fix", "fixed"),
    ("launch", "launched", "ship", "shipped", "release", "released", "rollout", "roll", "live", "deliver",
     "delivered"),
    ("budget", "budgets", "cost", "costs", "spend", "savings", "saved", "margin", "p&l", "finance"),
    ("hire", "hired", "hiring", "recruit", "recruited", "recruitment", "interviewed", "interviewing"),
    ("communicate", "communication", "present", "presented", "presentation", "explain", "explained",
     "report", "reported", "writing", "wrote"),
    ("quality", "standard", "standards", "audit", "audited", "compliance", "compliant", "regulation",
     "regulatory", "inspection", "safety", "governance"),
    ("change", "transformation", "migration", "migrated", "move", "moved", "switch", "rollout", "adopted"),
    ("growth", "grew", "grow", "increase", "increased", "raised", "rose", "doubled", "expand", "expanded"),
    ("feedback", "review", "reviews", "appraisal", "one-to-one", "one-to-ones", "1:1", "retrospective"),
    ("plan", "planning", "roadmap", "strategy", "strategic", "prioritise", "prioritize", "priorities", "okrs"),
    ("data", "analytics", "metrics", "dashboard", "dashboards", "reporting", "insight", "insights", "sql"),
    ("process", "processes", "workflow", "procedure", "procedures", "checklist", "protocol", "pathway"),
    ("difficult", "angry", "upset", "complaint", "complained", "aggressive", "unhappy", "challenging"),
)

# Rows whose words are associated rather than the same thing ("team" and "shift", "sales" and
# "account"): they help rank, but a fact that shares only such a word with the question is near
# it, not about it. The other rows are the same thing in other words ("databases" and
# "PostgreSQL", "mistake" and "bug"), and a fact naming one of them is about the question.
LOOSE_ROWS = frozenset({"lead", "team", "weakness", "start", "sales", "design", "nurse", "health",
                        "negotiation", "proud", "why", "develop", "improve", "launch", "budget", "hire",
                        "communicate", "quality", "change", "growth", "feedback", "plan", "data", "process",
                        "difficult", "biggest"})

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
    QuestionType.WEAKNESS: ("weakness", "weak spot", "improv*", "used to", "working on", "struggle", "hard to",
                            "tend to", "too much", "over-*", "not good at", "less good at",
                            # A note labelled "Weak: I talk fast on radio when stressed…" (set m).
                            r"re:^\W*weak\b"),
    QuestionType.MOTIVATION: ("why", "mission", "enjoy", "excit*", "passion*", "motivat*", "interest*"),
    QuestionType.CLOSING: ("ask", "question", "curious", "would like to know"),
}
# A motivation question asks why join or why leave; the note that answers one does not answer
# the other.
MOTIVATION_TOPICS: dict[str, tuple[str, ...]] = {
    # (Not the leave one takes: "Gold exam Nov - ask if they pay fees + study leave", set s.)
    "leave": (r"re:(?<![\w])(?<!study )(?<!annual )(?<!sick )(?<!parental )(?<!maternity )(?<!paternity )"
              # (nor the days of it left: "8 days leave left -> offset", set z)
              r"(?<!compassionate )(?<!unpaid )(?<!shore )(?<!on )(?<!days )(?<!day )(?<!wks )(?<!weeks )"
              r"leav\w*\b(?! (?:during|days?|balance|allowance|entitlement|policy|left|owed|accrued|booked)\b)"
              # (nor leaving for the interview: "Road from Talek bad after rain, leave early", set s)
              r"(?! (?:early|by|at|home|the house|before|around|for (?:the|work|it))\b)"
              # (nor at a time: "4hr drive, leave 5:30!!", set v)
              r"(?! ?\d)",
              # (Not "Move to Mackay?? Kel says yes…", a question to oneself of where to live: set v.)
              "quit", r"re:(?<![\w])move(s|es|ed|ing)?(?![\w])(?! to [\w' ]{1,30}\?)", "moving on", "looking to move", "change jobs",
              # "Okay, so why are you looking? What's not working where you are now?" (set o);
              # "And what's got you looking?" (set p)
              r"re:\bwhy (are|were) you (looking|on the market)\b|"
              r"\b(got|has|gets|have) you looking\b(?! (at|into) (?!the moment\b|the minute\b|present\b))"),
    "join": ("why", "mission", "enjoy", "excit*", "passion*", "motivat*", "interest*", "draw*", "attract*",
             "want to", "because", "keen"),
    # Where the person sees themselves: "5 yrs: herd mgr → 2IC/ farm mgr → contract milking w/
    # Jamie one day" (set o had said "Nothing covers"), "long term: own practice".
    "ahead": (r"re:(?<![\w])(\d+|few|five|ten)\s*(-\s*\d+\s*)?(yrs?|years?)\b", "long-term", "long term", "future", "goal*",
              "one day", "eventually", "ambition*", "aspir*", "career plan*"),
}
# A note of the notice or the start, whatever else it says ("…want to give 2 wks proper, not leave them hanging").
_NOTICE_NOTE = re.compile(r"^\W*(notice|start|availability|kündigungsfrist)\b")
# A leaving said not to happen: "not leaving in 18 months", "won't leave mid-project".
_NOT_LEAVING = re.compile(r"\b(not|never|won'?t|wouldn'?t|don'?t|no plans? to)\s+(be\s+)?leav")
# "Where do you see yourself in three to five years?", "Where do you want to be in five years?"
AHEAD = re.compile(r"\bwhere (do|would) you (see yourself|want to be|like to be|hope to be)\b|\b(five|5|ten|10|few) years'? (time|from now)\b|"
                   r"\bin (three|five|ten|3|5|10|a few|the next few)( to (five|ten|5|10))? years\b|\bcareer goals?\b|\blong[- ]term goals?\b",
                   re.IGNORECASE)
# A logistics question is about one thing; only a fact about the same thing answers it (the
# salary note does not answer "when can you start?").
# A sum of money, as a note writes it (lower case): "$24.50/hr", "£41k", "32-35k", "now GBP 36.5k",
# "CTC now R620k", "KSh 180,000", "S$5,200", "14.5 LPA".
_MONEY = (r"[" + CURRENCY_SIGNS + r"]\s?\d|\b\d{1,3}(\.\d+)?k\b|\b(gbp|eur|usd|aud|nzd|cad|sgd|inr|zar|kes|ksh|aed|php|ngn|rs\.?)\s?\d|"
              r"\br\s?\d{2,}|\blpa\b")
LOGISTICS_TOPICS: dict[str, tuple[str, ...]] = {
    # ("base" as in base salary, not "62m3 tank base", set r.)
    "pay": ("salary", "compensation", "pay", "rate", "range", "package", "money", "earn", "band", "ote",
            r"re:\bbase\b(?=\s*(salary|pay|rate|wage|only|plus|and comm\w*|is|of|was|\+|[$£€₹]|\d))|\b(on|of|plus) base\b",
            "ctc", "lpa", "wage", "hourly", "cost-to-company", "cost to company",
            # a figure of money: "around £48,000", "hoping for 32-35k", "now GBP 36.5k" (set k)
            "re:" + _MONEY,
            # what the person will ask for, written as a bare range: "ask 88-90. floor 82" (set g)
            r"re:\bask(ing)?( for)? \d[\d.,]*(k\b|\s?[-–]\s?\d[\d.,]*k?\b| (base|basic|gross)\b)|"
            # or as a labelled sum in thousands: "Ask: 4,100. Minimum 3,800" (set ac)
            r"\bask(ing)?( for)?: \d{1,3}(,\d{3})+\b"),
    # ("…what is your expectation if you join us?" is no question of when: set p.)
    "start": ("start", "notice", "available", "availability", r"re:(?<!if you )(?<!when you )(?<!once you )\bjoin\b",
              "begin", "week",
              # The notice in the words of the person's own country, as their notes write it
              # ("Aviso prévio 30 days", set v; "1 month (opzegtermijn)", set o).
              "aviso pr*", "preaviso", "opzegtermijn", "kündigungsfrist", "préavis"),
    "place": ("relocat*", "remote", "on-site", "onsite", "hybrid", "office", "commute", "travel", "location", "move"),
    "permit": ("visa", "sponsor*", "permit", "right to work", "citizen*",
               # "are you legally entitled to work in Canada?" (set o)
               "entitled to work", "eligible to work", r"re:\bauthori[sz]ed to work\b", r"re:\bwork authori[sz]ation\b"),
    # Other processes the person is in ("Other processes: agency (final rd next wk), …").
    # (Not "offers", "final round": a note says those of the company and of this interview.)
    "elsewhere": ("elsewhere", "anywhere else", "anyone else", "other places", "other process*", "other offer*", "other interview*", "other compan*",
                  "offer in hand", "offers in hand", "interviewing with", "one other", "final round at",
                  # "also chatting to Hutchinson Electrical … 2nd chat next wk" (set k)
                  r"re:\balso (chatting|talking|speaking|interviewing|applied|applying|in process|in the running|"
                  r"(a |my )?(2nd|second|final|3rd|third) (interview|round|chat|stage))\b"),
    "hours": ("full-time", "full time", "part-time", "part time", "hour", "contract",
              # when the work is done: "the rotations include weekends, bank holidays and on-call"
              "weekend*", "shift*", "rota*", "roster*", "overtime", "night*", "on-call", "bank holiday*"),
    # Split shifts, asked about by name: "No splits - I hate splits. Does that work for you?"
    # ("NO SPLITS. doing 2 a week now", set k); not "a custom split of the tests".
    "splits": (r"re:\bsplits\b|\bsplit shifts?\b",),
}
# A note of the pay asked (had or wanted) over one that says no side: "Need R30k minimum" answers
# "What are your salary expectations?" over "Quayside R22,500 + service charge …" (set i), which
# shares more of the words ("pay", "money") of a turn about pay. 1.0 had left that pay had on top.
PAY_SIDE_WEIGHT = 5.0
# How much a fact about another employer counts when the question names one ("at Basketly").
OTHER_EMPLOYER_WEIGHT = 0.3
# How much a resume's summary line counts against the lines and stories that show the same thing.
SUMMARY_WEIGHT = 0.6
# The weight of a synonym relative to the word the interviewer said.
SYNONYM_WEIGHT = 0.5
# A sum or figure the question quotes ("the budget, 1.9 million", "that 91 percent") points at the
# one line that writes it more surely than any two words do: in set n, "…1.9 million — you had
# the full responsibility for this, or the account manager?" opened with another budget's line
# that shared "account". Twice a word's weight puts the quoted figure's line first there.
FIGURE_WEIGHT = 2.0
_FIGURE = re.compile(r"^(?:\d{3,}|\d+(?:\.\d+)?[km]|\d+\.\d+)$")  # not "40" (mg), "22" (a ward), a clock's "58"
# Stems of one word family the stemmer left apart ("disagre"/"disagr", "organis"/"organising"):
# the shorter at least this long, weighted nearly as the word itself.
FAMILY_PREFIX = 6
FAMILY_WEIGHT = 0.9


class _SmallCorpusBM25(BM25Okapi):
    """BM25 whose idf never reaches zero: log(1 + (N - n + 0.5) / (n + 0.5)) (as Lucene has it).
    BM25Okapi's log((N - n + 0.5) / (n + 0.5)) is zero or below for a word in half the facts or
    more, so a profile of two or three facts (a resume line and a story) retrieved nothing."""

    def _calc_idf(self, nd: dict[str, int]) -> None:
        for word, freq in nd.items():
            self.idf[word] = math.log(1.0 + (self.corpus_size - freq + 0.5) / (freq + 0.5))
        self.average_idf = sum(self.idf.values()) / len(self.idf) if self.idf else 0.0


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
    # A note written for another kind of question (a reason to join, a weakness, a salary, a
    # question to ask) than the one asked: it may not open or join the answer's first words
    # unless nothing else is about the question.
    aside: bool = False


# Question types a note's own label may answer (the others have markers of their own).
_LABEL_ANSWERS = frozenset({QuestionType.EXPERIENCE, QuestionType.OTHER, QuestionType.TECHNICAL, QuestionType.BEHAVIOURAL})
# Words of a label that name no topic ("Qs", "Notes", "Stories", "Why").
_LABEL_FRAME = frozenset({"note", "notes", "qs", "questions", "stories", "story", "why", "ask", "todo", "bring",
                          "remember", "mention", "say", "tell", "dont", "don't", "prep", "misc", "other"})
# A note of the job's arrangements ("Days off: would like a Sunday sometimes") is no answer to a
# question that says the word in passing ("What do you cook on your day off?").
_ARRANGEMENT_LABEL = re.compile(
    r"\b(days?( off)?|hours|shifts?|commute|transport|travel|parking|dress|schedule|roster|rota|availab\w*|"
    r"holidays?|leave|notice|salary|pay|rate|money|start|visa|location)\b",
    re.IGNORECASE,
)
# Label words at most: a longer one is a sentence with a colon.
LABEL_TOPIC_WORDS = 3


def _label_named(label: str | None, weights: dict[str, float]) -> bool:
    """Whether every word of a short note label ("Fatigue", "Night shifts") is said, whole, where
    the turn asks (weight 1: the asking sentence or the one before it)."""
    if not label or asks_them(label) or _ARRANGEMENT_LABEL.search(label) or _WHY_LABEL.match(label):
        return False  # "Why Shelfwise:" answers why join (its own rule), not every turn naming the company
    # A topic is a common noun: "Fatigue", "Food cost"; a name in a label ("Pravaha", "NWAS") is
    # said in many turns that ask something else.
    said = re.findall(r"[A-Za-z']+", label)
    if any(w[0].isupper() and (w.isupper() or i > 0) for i, w in enumerate(said)):
        return False
    # A generic word ("Working on it", "Strengths") is in many turns that ask something else.
    words = [w for w in (x.lower() for x in said)
             if len(w) >= 4 and w not in _LABEL_FRAME and w not in _GENERIC_SAID and _stem(w) not in _GENERIC_STEMS]
    if not words or len(label.split()) > LABEL_TOPIC_WORDS:
        return False
    return all(weights.get(_stem(w), 0.0) >= 1.0 for w in words)


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return _STEM.stemWord(word)


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in _words(text) if w not in STOPWORDS]


def _words(text: str) -> list[str]:
    """Lower-cased words without their contractions' tails ("what's" → "what", not "what", "s"),
    "on-call" as one word (its "call" is not the "called the GP" of a story)."""
    text = _FIRST_AID.sub("firstaid", _ON_CALL.sub("oncall", _CONTRACTION.sub("", text.lower())))
    text = _FIRST_DAYS.sub(" firstdays ", text)
    text = _amounts(text)
    return [w for w in _TOKEN.findall(text) if len(w) > 1 or w.isdigit()]


# A sum as a resume writes it and as an interviewer says it are one word: "€1.9m" and "1.9
# million", "410k", "410,000" and "410 thousand", "R1.2m" and "1.2 million" (set n: "the budget,
# 1.9 million — you had the full responsibility for this?" found nothing of "€1.9m production
# budget").
_MILLION = re.compile(r"(\d+(?:\.\d+)?)\s*(?:million|mil|mn)\b")
_THOUSAND = re.compile(r"(\d+(?:\.\d+)?)\s*thousand\b|\b(\d{1,3}),000\b(?![,.]\d)")
_CURRENCY_LETTERS = re.compile(r"\b(?:r|rs|kes|inr|sgd|aud|nzd|cad|usd|eur|gbp|chf|zar)(?=\d)")


def _amounts(text: str) -> str:
    if not any(c.isdigit() for c in text):
        return text
    text = _MILLION.sub(r"\1m", text)
    text = _THOUSAND.sub(lambda m: f"{m.group(1) or m.group(2)}k", text)
    return _CURRENCY_LETTERS.sub("", text)


_ON_CALL = re.compile(r"\bon[- ]?call\b")
# The first days of a job are one thing, however long ("your first 90 days", "first month
# shadowing each outlet", "the first couple of weeks"): not the 90 of "payment terms from 30 to 90
# days", which had answered "What would you do in your first ninety days?" (set i).
_FIRST_DAYS = re.compile(
    r"\b(?:first|opening|initial)\s+(?:(?:few|couple(?: of)?|\d+|thirty|sixty|ninety|hundred|one|two|three|"
    r"four|six|twelve)[\s-]+)?(?:days?|weeks?|months?)\b")
# "First aid" is one thing: its "first" is not the "first" of "your first week" (set n had opened
# "Your first week — what do you do with him?" with "Occupational First Aid").
_FIRST_AID = re.compile(r"\bfirst[- ]aid(?:er)?\b")


_CONTRACTION = re.compile(r"n['’]t\b|['’](?:s|t|re|ve|d|ll|m)\b")


_GENERIC_STEMS = frozenset(_stem(w) for w in GENERIC)
# Words of a lesson asked that name no topic of its own: "…I see an LPC in 2023 with a retest.
# Tell me what happened. What would you do differently next time?" is about the retest, not a
# story whose "next option Belfast" says "next" (set w).
_NAMES_NO_TOPIC = re.compile(r"\b(?:the )?next time\b", re.IGNORECASE)
# A lesson asked after the story it is about names nothing ("…a time you changed how you work to
# make a service more accessible? What did you learn from it?": set s had found no story for it).
_LESSON_STEMS = frozenset(_stem(w) for w in ("learn", "learned", "learnt", "lesson", "lessons"))
# The generic words as said ("design", "designed", "designing" but not "designers", "build" but
# not "builder"): the stem alone would also silence the noun.
_GENERIC_SAID = frozenset(
    f for w in GENERIC for f in (w, w + "s", w + "ed", w + "d", w + "ing", w[:-1] + "ing", w + "es")
) | frozenset("built made did done went got knew thought worked working".split())


def content_tokens(text: str) -> list[str]:
    """The stems of the words that say what the question is about (not stop words, not words
    that say what to do with a topic). "Deal with" is a way of asking; "your biggest deal" is a
    topic."""
    text = re.sub(r"\b(deal|deals|dealt|dealing) with\b", "handle", text, flags=re.IGNORECASE)
    return [_stem(w) for w in _words(text) if w not in STOPWORDS and (w not in _GENERIC_SAID or w in _TOPIC_NOUNS)]


# Generic words that are topics as nouns ("a deal", "deals").
_TOPIC_NOUNS = frozenset({"deal", "deals"})
# Rows that name the kind of story a behavioural question asks for.
STORY_TOPICS = ("conflict", "failure", "pressure")
_TOPIC_ROWS = [frozenset(_stem(w) for w in row if w != "stakeholder") for row in SYNONYMS if row[0] in STORY_TOPICS]
_SYNONYM_INDEX: dict[str, set[str]] = {}
_STRICT_INDEX: dict[str, set[str]] = {}
for _row in SYNONYMS:
    _stems = {_stem(w) for w in _row}
    for _s in _stems:
        _SYNONYM_INDEX.setdefault(_s, set()).update(_stems)
        if _row[0] not in LOOSE_ROWS:
            _STRICT_INDEX.setdefault(_s, set()).update(_stems)


def expand(query: list[str]) -> dict[str, float]:
    """Query terms with weights: the words said count 1, their synonyms ``SYNONYM_WEIGHT``."""
    weights: dict[str, float] = {}
    for term in query:
        weights[term] = 1.0
    for term in query:
        for synonym in _SYNONYM_INDEX.get(term, ()):
            weights.setdefault(synonym, SYNONYM_WEIGHT)
    return weights


def weighted_terms(question: str) -> dict[str, float]:
    """``expand`` of the question's words, each at the weight of the sentence that says it
    (``questions.sentence_weights``: the chat before a question counts less than the question)."""
    weights: dict[str, float] = {}
    for sentence, weight in sentence_weights(question):
        if weight <= 0:
            continue
        for term, w in expand(tokens(sentence)).items():
            weights[term] = max(weights.get(term, 0.0), w * weight)
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
        self._job_text = "\n".join(f.text.lower() for f in facts if f.source is Source.JOB)
        # BM25Okapi rejects an empty corpus; an empty profile simply retrieves nothing.
        self._bm25 = _SmallCorpusBM25(self._docs) if any(self._docs) else None
        self._vocabulary = frozenset(t for doc in self._docs for t in doc)
        self._by_prefix: dict[str, list[str]] = {}
        for word in self._vocabulary:
            if len(word) >= FAMILY_PREFIX:
                self._by_prefix.setdefault(word[:FAMILY_PREFIX], []).append(word)
        self._families: dict[str, frozenset[str]] = {}
        self._person_vocabulary = frozenset(
            t for f, doc in zip(self._facts, self._docs, strict=True) if f.source is not Source.JOB for t in doc
        )

    def search(self, question: str, kind: QuestionType, k: int = 5, *, follows: str | None = None) -> list[Scored]:
        """The ``k`` facts that best answer ``question``. ``follows``: for a follow-up ("Looking
        back on it, what would you do differently?"), the question it follows, whose asking part
        decides what is on topic as much as the follow-up's own does (``question`` holds both)."""
        if self._bm25 is None or kind is QuestionType.NOT_A_QUESTION:
            return []
        # "Your current role" asks about the work of today (``current_asked`` below), not about
        # the word: "RTITB licences: Counterbalance, Reach, PPT - current" opened the answer to
        # "…where you're at now and what you're doing day to day?" (set k).
        current_asked = CURRENT.search(question) is not None
        worded = _CURRENT_WORD.sub(" ", question) if current_asked else question
        # "How did you get started?" asks for the earliest job (``first_job`` below), not for
        # the words: a story whose IPA "started failing" and was "getting complaints" had
        # answered it (set t).
        first_job_asked = FIRST_JOB.search(question) is not None
        if first_job_asked:
            worded = FIRST_JOB.sub(" ", worded)
        weights = self._variants(weighted_terms(worded))
        weights = {t: w * FIGURE_WEIGHT if _FIGURE.match(t) else w for t, w in weights.items()}
        # What decides whether a fact is about the question is what the question asks, which
        # is its last sentence when it has several ("The role includes X. Have you done Y?").
        asking = self.asked_part(worded)
        # Not a name said in passing before the question ("I'm Dana, and you've got Marcus from
        # sales"): what the person is asked about is in the sentences that ask.
        absent = self._absent_specifics(asking_sentences(asking), kind)
        if follows is not None and asking != worded:
            # "Looking back on it…" names words the profile has ("back"), so its own sentence
            # would decide alone, and the story just told was no longer on topic.
            asking = f"{self.asked_part(follows)} {asking}"
        else:
            asking = self._pointed_at(worded, asking)
        said = tokens(asking)
        # A question that names something the profile lacks ("paediatric intensive care") is
        # still about what it shares with the profile ("intensive care"): such a fact may open,
        # after the answer says what is missing (``missing``). One that shares nothing is not
        # covered ("experience with ECMO").
        absent_stems = {_stem(p) for w in absent for p in re.split(r"[-.]", w.lower()) if p}
        present_content = set(content_tokens(asking)) - absent_stems
        # A word said, or a word of the same meaning (the synonym table): "databases" is
        # answered by "PostgreSQL", "a team" by "ran shifts of 5 baristas".
        content = content_tokens(asking)
        about = self._variants({t: 1.0 for t in content} | {s: SYNONYM_WEIGHT for t in content for s in _STRICT_INDEX.get(t, ())})
        about_terms = set(content) | {t for t in about if t not in _GENERIC_STEMS}
        # Every word of the question, said or in other words (loose rows too): "How many people
        # do you manage?" is about "Manage a team of 6 accountants".
        every = [{t} | self._family(t) | _SYNONYM_INDEX.get(t, set()) for t in said]
        achievement = ACHIEVEMENT.search(question) is not None
        metrics_asked = METRICS_ASKED.search(question) is not None
        # "How many people do you manage?", "How big is your team?": a line that counts people.
        headcount = HEADCOUNT_ASKED.search(question) is not None
        # "What did you do at Basketly?": only the work done there (or a line that names it).
        named_employer = self._employer_named(question)
        # A behavioural question names what kind of story it wants ("a conflict", "a mistake",
        # "under pressure"): only a fact about that kind of thing, in any of its words, is on topic.
        topic_rows = [
            self._variants({w: 1.0 for w in row}).keys()
            for row in _TOPIC_ROWS if kind is QuestionType.BEHAVIOURAL and any(t in row for t in said)
        ]
        # What the turn names by a code of letters and digits ("You ran the Section 189A at
        # Kgotso in 2020. Take us through how you got through that…"): a fact that says it is
        # what "that" is, whatever the asking sentence's own words find (set l had opened with
        # a line on a wellness programme, for the "well" of "what didn't go well"). Two digits at
        # least: "F2F" and "B2B" are words.
        codes = {t for t in tokens(question) if re.search(r"\d{2}", t) and re.search(r"[a-z]", t)}
        # "What are your salary expectations?" is not "what are you on now?" (nor the other way).
        # (Of a turn about pay: "…are you interviewing anywhere else at the minute?" is not.)
        pay_asked = pay_side(question, asked=True) if kind is QuestionType.LOGISTICS and asks_about_pay(question) else None
        # Asked in a sentence with a question mark, not only stated ("We pay mileage … right now").
        pay_in_asking = pay_asked is not None and asks_about_pay(question, " ".join(question_sentences(question)) or question)

        # "What was your first job?", "How did you get started?": the earliest employer.
        first_job = self._earliest_employer() if first_job_asked else None
        # "What did you do before Loopline?", "your previous role": the employer before the latest.
        if first_job is None and PREVIOUS_JOB.search(question):
            first_job = self._previous_employer()
        scores = [0.0] * len(self._facts)
        for term, weight in weights.items():
            for i, value in enumerate(self._bm25.get_scores([term])):
                scores[i] += weight * max(0.0, float(value))
        priors = PRIORS.get(kind, {})
        markers = _markers(kind, question)
        # Pay among what is asked (a question of no one arrangement asks them all).
        pay_in_question = "salary" in markers
        asked_lower = question.lower()
        ranked: list[Scored] = []
        for i, fact in enumerate(self._facts):
            prior = priors.get(fact.source, 1.0)
            lowered = f"{fact.label or ''} {fact.text}".lower()
            marked = bool(markers) and any(_marker(m).search(lowered) for m in markers)
            if marked and kind in OWN_WORDS_KINDS and fact.source is not Source.NOTES and not (
                fact.label and any(_marker(m).search(fact.label.lower()) for m in markers)
            ):
                # A salary, a notice period, a reason to join, a weakness are the person's notes
                # (or a line labelled as one): "grew revenue to £2M" in a resume is not a salary,
                # "improved conversion" is not a weakness, "interest rates" not a reason to join.
                marked = False
            if (pay_in_question and marked and fact.source is Source.NOTES and _PAY_FIGURE.search(fact.text)
                    and not says_a_sum(kept_to_self(fact.body, fact.label))):
                # The only pay it says is kept back ("Floor R33k + svc charge", set s): it says no pay.
                marked = False
            if pay_in_question and marked and fact.source is Source.NOTES and not fact.label and _THEIR_RANGE.match(fact.body):
                # "Ad £27-31k." is what the job pays, not what the person is on or wants (set v had
                # said it to "…what are you on just now, and what would you be looking for?").
                marked = False
            if kind is QuestionType.CLOSING:
                # Under "Qs:" or "Questions for Ellen:" whatever its words; "Liffey might ask me
                # to stay", "haven't asked", "Dish ideas if he asks": the word, not a question
                # the person means to ask.
                marked = _to_ask(fact)
            why = why_topic(fact.label) if kind is QuestionType.MOTIVATION and fact.source is Source.NOTES else None
            if why is not None:
                # "Why Tilly: …" answers why join whatever its words ("I was a freelancer"), and
                # "Why switch: …" why leave; neither answers the other ("want to hand over
                # properly" is not why the person wants the job).
                # (And neither says where the person sees themselves in five years.)
                marked = why == _MOTIVE.get(id(markers))
            if marked and markers is MOTIVATION_TOPICS["join"] and re.search(r"(?<![\w])(leav\w*|quit\w*)", lowered):
                marked = False  # "I'm leaving because …" is why they go, not why they come
            if marked and markers is MOTIVATION_TOPICS["leave"] and (_NOTICE_NOTE.match(lowered.strip()) or _NOT_LEAVING.search(lowered)):
                # "Notice 2 wks but it's AC season, … not leave them hanging", "FE1s — … but not
                # leaving in 18 months": no reason to go (set q had said both to "why leave?").
                marked = False
            # "lashing q -> trailers: …", "tunnel oven q -> …": the answer the person prepared for
            # a question about something else, not a reason to leave or an arrangement ("…check
            # tensioners after leaving…" had been said as why the person leaves, set x).
            other_question = (kind in (QuestionType.MOTIVATION, QuestionType.LOGISTICS) and fact.source is Source.NOTES
                              and _prepared_for_other(fact.body, question))
            if other_question:
                marked = False
            score = scores[i] * prior + (2.0 * prior if marked else 0.0)
            if other_question:
                score *= ASIDE_WEIGHT
            if kind is QuestionType.EDUCATION and fact.section == "education":
                score += 3.0
            elif kind is QuestionType.EDUCATION and fact.source is Source.RESUME:
                score *= SUMMARY_WEIGHT  # "mentored newly qualified nurses" is work, not training had
            if kind is QuestionType.ABOUT_YOU and fact.source is Source.RESUME:
                # The top of a resume is who the person is: a small, fading head start.
                score += 1.5 * math.exp(-_position(fact) / 3)
            if first_job and fact.employer and fact.employer == first_job and fact.part != "employer":
                score += 2.5
            # Dated to now, or said so: "Currently responsible for monthly consolidation…",
            # "currently running a $6.8M fit-out" (before a finished project of the same job).
            says_now = fact.source is not Source.NOTES and _CURRENTLY.search(fact.text) is not None
            is_current = bool(fact.dates and re.search(r"(now|present|current|today)\s*$", fact.dates, re.I)) or says_now
            if current_asked and is_current:
                score += (3.0 if says_now else 2.0) * prior
            if fact.section == "header" and kind is not QuestionType.ABOUT_YOU:
                score *= SUMMARY_WEIGHT  # the headline names a title; the lines below show it
            if fact.section == "summary" and kind is not QuestionType.ABOUT_YOU:
                # "Known for fixing slow processes" says what the person thinks of their work; the
                # line or story that shows it (where, how much) answers better.
                score *= SUMMARY_WEIGHT
            if kind is QuestionType.LOGISTICS and not marked:
                continue  # near the words but about another arrangement
            # A topic the person prepared, named where the turn asks: "Fatigue: no kids, blackout
            # curtains, no screens 1hr before early start" answers "…fatigue's a much bigger deal.
            # What do you do to manage it now?" over a line that shares "roster" and "days", whatever
            # else the note touches on (set m).
            labelled = fact.source is Source.NOTES and kind in _LABEL_ANSWERS and _label_named(fact.label, weights)
            aside = (fact.source is Source.NOTES and bool(note_kinds(fact)) and kind not in note_kinds(fact)
                     and not labelled)
            if aside and kind is not QuestionType.ABOUT_YOU:
                score *= ASIDE_WEIGHT
            elif labelled:
                score += 3.0 * prior
                marked = True
            if headcount and HEADCOUNT.search(fact.text):
                score += 2.0 * prior
                marked = True
            if metrics_asked and fact.source is not Source.NOTES and METRIC.search(fact.text):
                score += 1.5 * prior
                marked = True
            if achievement and (fact.part == "story" or (fact.source is Source.RESUME and METRIC.search(fact.text))):
                # "Your biggest achievement": a story, or a line with a measured result.
                score += 1.5 * prior + (1.0 if METRIC.search(fact.text) else 0.0)
                marked = True
            if kind is QuestionType.LOGISTICS and fact.label and any(_marker(m).search(fact.label.lower()) for m in markers):
                # "Salary: …" is the note about pay; "band" in another is not. "Availability:"
                # says when in the week as often as when to start: it counts only asked so
                # ("availability: days Mon-Fri…" is not the answer to "what is your notice
                # period?" beside "2 weeks notice…", set k).
                label = fact.label.lower()
                strong = any(_marker(m).search(label) for m in markers if m not in _WEAK_LABELS)
                if strong or any(_marker(m).search(label) and _marker(m).search(asked_lower) for m in markers):
                    score += 3.0 * prior
            if why is not None:
                score = score + 3.0 * prior if marked else score * ASIDE_WEIGHT
            elif markers is _AHEAD_MARKERS and _looks_ahead(fact):
                score += 3.0 * prior  # "5 yrs: …", "Long term: …" is the note about it
            if pay_asked is not None and marked and (side := note_pay_side(fact)) is not None:
                if side != pay_asked:
                    # "€41,500 now, no bonus." read aloud as the salary the person expects is the
                    # worst number to say in a negotiation (9 of the 10 profiles of set i did).
                    marked = False
                    score *= ASIDE_WEIGHT
                else:
                    # "Need R30k minimum" over "Quayside R22,500 + service"; only of a turn about
                    # pay ("your expectations around the roster" is not: "Start mid-July ideally").
                    score += (PAY_SIDE_WEIGHT if pay_in_question else 1.0) * prior
            elif pay_in_asking and marked and fact.source is Source.NOTES and _says_both_pays(fact):
                # "$$ - on £35k + van. floor £38k. ask £40k" answers either (set r).
                score += (PAY_SIDE_WEIGHT if pay_in_question else 1.0) * prior
            if kind is QuestionType.LOGISTICS and marked and fact.source is Source.NOTES and (
                    _other_arrangement(fact, markers) or _NUMBERS_LABEL.match(fact.label or "")):
                # (And "my numbers: … 14 porters on shift." is what the person achieved, not
                # whether a rotating shift pattern suits them, set x.)
                # "Visa: … Salary well above threshold." is the note about the visa.
                marked = False
                score *= ASIDE_WEIGHT
            elif (kind is QuestionType.LOGISTICS and marked and fact.source is Source.NOTES and not pay_in_question
                  and pay_side(fact.body) is not None and _PAY_FIGURE.search(fact.body)):
                # "Currently $24.50/hr plus shift differential, ~$56k with overtime" is what the
                # person earns, not whether mandatory overtime suits them.
                marked = False
                score *= ASIDE_WEIGHT
            if fact.follows is not None:
                # "Weakness: I over-polish prototypes. I now timebox …": of a note's sentences
                # alike, its first; "Salary: 41.5k now. Want 46-47k." still answers "what are you
                # looking for?" with the second.
                score *= FOLLOWING_WEIGHT
            if score <= 0:
                continue
            matched = tuple(t for t in weights if t in self._docs[i])
            if kind is QuestionType.CLOSING and to_ask(fact):
                score += 3.0  # the person's own note of what to ask
            if (
                named_employer
                and kind in (QuestionType.EXPERIENCE, QuestionType.OTHER, QuestionType.BEHAVIOURAL, QuestionType.TECHNICAL)
                and fact.employer != named_employer
                and not _names_employer(fact.text, named_employer)
            ):
                score *= OTHER_EMPLOYER_WEIGHT
                on_topic = False
            elif topic_rows and not all(any(t in self._docs[i] for t in row) for row in topic_rows) and not (
                    codes.intersection(self._docs[i])):
                # "A conflict in your team": a fact about the team but not a conflict is not it.
                on_topic = False
            else:
                doc = self._docs[i]
                # The note on the pay wanted answers "what are you looking for" whatever else the
                # question names ("…anything about the package that'd be a dealbreaker?").
                # So does the person's list of questions the closing question, whoever the turn
                # names before it ("…meet Angela, she's the ops manager. Any questions for me?").
                shares = not absent or any(t in doc for t in present_content) or (
                    marked and pay_asked is not None and note_pay_side(fact) == pay_asked) or (
                    marked and kind is QuestionType.CLOSING)
                on_topic = shares and (
                    marked
                    or any(t in doc for t in about_terms)
                    or (len(every) >= 2 and all(any(t in doc for t in row) for row in every))
                    or (current_asked and is_current)
                    or bool(codes.intersection(doc))
                    or (first_job is not None and fact.employer == first_job)
                    or (kind in (QuestionType.ABOUT_YOU, QuestionType.EDUCATION) and score > 0)
                )
            ranked.append(Scored(fact, round(score, 4), matched, on_topic, marked, aside))
        ranked.sort(key=lambda s: -s.score)
        return ranked[:k]


    def _variants(self, weights: dict[str, float]) -> dict[str, float]:
        """Query terms plus the profile's words of the same family that the stemmer split
        ("disagreed" → disagre, "disagreement" → disagr): one stem starts the other and the
        shorter has at least ``FAMILY_PREFIX`` letters."""
        out = dict(weights)
        for term, weight in weights.items():
            for word in self._family(term):
                if word != term:
                    out[word] = max(out.get(word, 0.0), FAMILY_WEIGHT * weight)
        return out

    def _family(self, term: str) -> frozenset[str]:
        """The profile's stems that start ``term`` or that ``term`` starts (both at least
        ``FAMILY_PREFIX`` letters), cached per term."""
        if len(term) < FAMILY_PREFIX:
            return frozenset()
        if (found := self._families.get(term)) is None:
            longer = {w for w in self._by_prefix.get(term[:FAMILY_PREFIX], ()) if w.startswith(term)}
            shorter = {term[:k] for k in range(FAMILY_PREFIX, len(term)) if term[:k] in self._vocabulary}
            found = self._families[term] = frozenset(longer | shorter)
        return found

    def unnamed(self, question: str, kind: QuestionType | None = None) -> list[str]:
        """For a yes/no question about having done or had something ("Have you managed a food
        budget?", "Do you have a computer science degree?"): the words of that thing the
        person's own material never uses, in any form or in other words. Empty when the head of
        what is asked (its last word) is in the material."""
        asking = _asking_part(question).strip()
        strict = False
        if YES_NO.match(asking) and not is_request(asking):
            # ("Can you start by telling me about yourself?" asks for something, not whether:
            # the shipped screen had opened "Your profile doesn't mention telling".)
            obj = asking[YES_NO.match(asking).end():]
        elif (cue := OBJECT_CUE.search(asking)) is not None:
            obj = asking[cue.end():]  # "What's your experience with *Snowflake*?"
            # "How do you use customer research?" may be answered in other words ("customer
            # interviews"): only a name or a rare word the profile lacks counts there.
            strict = cue.group(0).lower().startswith("how")
        elif kind is QuestionType.EDUCATION and (cue := EDUCATION_OBJECT.search(asking)) is not None:
            obj = asking[cue.start():]  # "What did you study at *university*?"
        else:
            return []
        # The thing asked about ends where a clause about it starts ("a family *who* are upset").
        # ("…laptops *worth* two point five million shillings": what they cost is the scene's.)
        obj = re.split(r"\b(?:who|that|which|where|when|whose|you|you've|you're|you'd|i|we|they|he|she|it|if|because|so|while|and how|"
                       r"worth|costing|totall?ing|valued at|around|roughly|approximately)\b",
                       obj, maxsplit=1, flags=re.IGNORECASE)[0]
        words = re.findall(r"[A-Za-z][A-Za-z0-9+#'-]*", obj)
        verbs = {m.group(1).lower() for m in QUESTION_VERB.finditer(asking)}
        lead = next((w.lower() for w in words if w.lower() not in ("ever", "ever", "previously", "already")), "")
        if lead.endswith("ed") or lead in _PARTICIPLES:
            verbs.add(lead)  # "Have you *managed* franchise stores?": what was done, not the thing
        content = [w for w in words if w.lower() not in STOPWORDS and w.lower() not in verbs and w.lower() not in CURRENCIES
                   and _stem(w.lower()) not in _GENERIC_STEMS and w.lower() not in YES_NO_FILLER]
        if not content:
            return []

        def present(word: str) -> bool:
            said = _ON_CALL.sub("oncall", word.lower())  # one word, as the index has it
            parts = [p for p in re.split(r"[-']", said) if p and p not in STOPWORDS] or [said]
            for part in parts:  # "full-time": each part, as the index splits it
                term = _stem(part)
                near = {term} | self._family(term) | _STRICT_INDEX.get(term, set())
                if not any(t in self._person_vocabulary for t in near):
                    return False
            return True

        from wordfreq import zipf_frequency

        missing = [w for w in content if not present(w)]
        # The head of what is asked ("a food *budget*"), or a word specific enough to be the
        # point ("*franchise* stores"), that the person never wrote.
        names = set(_names_in(asking))
        if (content[-1] in missing and not strict) or any(
            zipf_frequency(w.lower(), "en") < UNNAMED_ZIPF or w in names for w in missing
        ):
            # Said as the question put it: from the first word missing to the last, with the
            # words that qualify it ("a *food* budget", "across *time* zones").
            first, last = words.index(missing[0]), words.index(missing[-1])
            while first > 0 and words[first - 1].lower() not in _FUNCTION_WORDS and words[first - 1].lower() not in verbs:
                first -= 1
            return words[first : last + 1]
        return []

    def asked_part(self, question: str) -> str:
        """What decides whether a fact is about the question: its asking sentence, or the whole
        question when that sentence names nothing the profile has ("The unit is full and ED are
        calling. How do you prioritise?": what it is about is in the sentences before)."""
        asking = _asking_part(question)
        return asking if self._named_anywhere(tokens(_NAMES_NO_TOPIC.sub(" ", asking))) else question

    @staticmethod
    def _pointed_at(question: str, asking: str) -> str:
        """``asking`` with the sentence before it where it points back at what that sentence
        named: "The flour contract — the four hundred and ten thousand. How did you arrive at
        that number?" (set h had answered with another note of numbers). What it is about, not
        what it names that the profile lacks: that is the asking sentence's alone."""
        if asking == question or not _POINTER.search(asking):
            return asking
        said = [s for s in re.split(r"(?<=[.!?])\s+", question[: question.rfind(asking)].strip()) if s.strip()]
        return f"{said[-1]} {asking}" if said else asking

    def missing(self, question: str, kind: QuestionType) -> list[str]:
        """The specific words of the question the person's material never uses (see
        ``_absent_specifics``), for an answer to say before the nearest fact."""
        return self._absent_specifics(asking_sentences(self.asked_part(question)), kind)

    def _named_anywhere(self, said: list[str]) -> bool:
        return any(t not in _GENERIC_STEMS and t not in _LESSON_STEMS and t in self._vocabulary for t in said)

    def _employer_named(self, question: str) -> str | None:
        """The person's employer the question names ("at Basketly", "your time at Riverside")."""
        lowered = question.lower()
        for employer in sorted({f.employer for f in self._facts if f.employer}, key=len, reverse=True):
            first = re.split(r"[\s,]+", employer.strip())[0]
            # By its first word only as a name is written, or as "the county" points at it: "we're
            # a DEIS school" names no employer "School …" (set r, whose resume line had put the
            # title first).
            if employer.lower() in lowered or (
                len(first) >= 4 and first.lower() not in STOPWORDS and first[:1].isupper() and (
                    re.search(rf"(?<![\w]){re.escape(first)}(?![\w])", question)
                    or re.search(rf"\bthe {re.escape(first.lower())}(?![\w])", lowered))
            ):
                return employer
        return None

    def _previous_employer(self) -> str | None:
        starts: dict[str, int] = {}
        for fact in self._facts:
            if fact.employer and fact.dates and (year := re.search(r"(?:19|20)\d{2}", fact.dates)):
                starts[fact.employer] = max(starts.get(fact.employer, 0), int(year.group(0)))
        ordered = sorted(starts, key=lambda e: -starts[e])
        return ordered[1] if len(ordered) > 1 else None

    def _earliest_employer(self) -> str | None:
        dated = []
        for fact in self._facts:
            if fact.employer and fact.dates and (year := re.search(r"(?:19|20)\d{2}", fact.dates)):
                dated.append((int(year.group(0)), fact.employer))
        return min(dated)[1] if dated else None

    def _absent_specifics(self, question: str, kind: QuestionType | None = None) -> list[str]:
        """Specific words of the question (rare in English: "ECMO", "paediatric", "Terraform";
        or a name: "Rust", "SEND", "Google") that appear nowhere in the profile: it asks about
        something the person never wrote. A "why us?" question may name what only the job
        description names (the employer)."""
        text = self._all_text
        names = set(_names_in(question))
        job = self._job_text if kind in (QuestionType.MOTIVATION, QuestionType.CLOSING) else ""
        # The verb right after "you" is what the person is asked to do ("how do you
        # prioritise?", "would you delegate?"), not a thing they must have named.
        asked_verbs = {m.group(1).lower() for m in QUESTION_VERB.finditer(question)}
        right_to_work = kind is QuestionType.LOGISTICS and "permit" in arrangements(question)
        missing = []
        for word in re.findall(r"[A-Za-z][A-Za-z0-9+#.-]{2,}|[A-Za-z][A-Za-z0-9+#.-]*\d[A-Za-z0-9+#.-]*", _CONTRACTION.sub("", question)):
            lowered = word.lower().strip(".-")
            if lowered in STOPWORDS or lowered in asked_verbs or lowered in FRAME_NOUNS or lowered in CURRENCIES or (word not in names and _ordinary(lowered)):
                continue
            if job and re.search(rf"(?<![\w]){re.escape(lowered)}", job):
                continue
            if right_to_work and word.rstrip(".-") in names:
                # The country of "…legally entitled to work in Canada?" is the job's, nothing the
                # person lacks: the note on the right to work answers it (set o had said "Nothing
                # covers Canada" beside "citizen (yes)").
                continue
            if re.fullmatch(r"[A-Z0-9]{2,}s", word):
                lowered = lowered[:-1]  # "BPMHs" is the profile's "BPMH" (set i), as "APIs" its "API"
            stem = _stem(lowered)
            root = stem if len(stem) >= 4 else lowered[:4]
            if re.search(rf"(?<![\w]){re.escape(root)}", text) or re.search(rf"(?<![\w]){re.escape(lowered)}", text):
                continue
            # "Granary" (stem "granari"), "pushback" where the profile says "disagreement": the
            # same word in another form, or the same thing in other words, is not absent.
            near = {stem} | self._family(stem) | _STRICT_INDEX.get(stem, set())
            if any(t in self._person_vocabulary for t in near):
                continue
            missing.append(word.rstrip(".-"))  # "…had you stumped." lacks "stumped", not "stumped."
        return missing


def _names_employer(text: str, employer: str) -> bool:
    first = re.split(r"[\s,]+", employer.strip())[0]
    return employer.lower() in text.lower() or (
        len(first) >= 4 and re.search(rf"(?<![\w]){re.escape(first.lower())}(?![\w])", text.lower()) is not None
    )


def _ordinary(word: str) -> bool:
    """A common word, or a form of one ("proudest", "prioritising"): a way of asking, not the
    name of something the person must have done."""
    from wordfreq import zipf_frequency

    if zipf_frequency(word, "en") >= ABSENT_ZIPF:
        return True
    for suffix, repl in (("est", ""), ("er", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("s", ""),
                         ("es", ""), ("ies", "y"), ("ly", ""), ("iest", "y")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if zipf_frequency(word[: -len(suffix)] + repl, "en") >= ABSENT_ZIPF + 0.5:
                return True
    return False


# Question kinds whose answer is what the person wrote down for it (their notes, or a line
# labelled for it), not a resume line or story that happens to share a marker word.
OWN_WORDS_KINDS = frozenset({QuestionType.LOGISTICS, QuestionType.WEAKNESS, QuestionType.MOTIVATION, QuestionType.CLOSING})
# "Your biggest achievement", "what are you proudest of", and "your biggest strength", "what are
# you best at", "why should we hire you": the strongest result, whatever its words. A strength is
# shown by what it achieved, and no profile has a line saying "my strength".
ACHIEVEMENT = re.compile(
    r"\b(biggest|greatest|best|proudest|main|key) (achievement|accomplishment|success|result|win)s?\b|"
    r"\bproud(est)? of\b|\bachievements?\b|\bmost (valuable|important|impactful|significant) (thing|work|contribution|project)|"
    r"\bstrengths?\b|\bwhat (are|is) you (best|good|strongest) at\b|\bwhy should (we|I) hire you\b|"
    r"\bwhat (do|would|can) you bring\b",
    re.IGNORECASE,
)
# "What metrics have you moved?": a line or story with a measured result.
METRICS_ASKED = re.compile(r"\b(metrics?|kpis?|numbers|measurable|quantif\w+|by how much)\b", re.IGNORECASE)
HEADCOUNT_ASKED = re.compile(
    r"\bhow (many|big|large)\b.{0,40}\b(manag\w*|lead|led|supervis\w*|team|report to you|direct reports)\b|"
    r"\bteam size\b|\bsize of (your|the) team\b",
    re.IGNORECASE,
)
# A line that counts people: "a team of 6", "45 staff", "coordinating up to 11 nurses".
HEADCOUNT = re.compile(
    r"\b(team|brigade|squad|crew|department|staff|group|rota) of (up to |about |around )?\d+|"
    r"\b\d+\+?\s+(\w+[\s-]){0,2}(people|staff|employees|engineers|developers|designers|nurses|teachers|"
    r"accountants|analysts|managers|reports|agents|reps|volunteers|baristas|chefs|assistants|apprentices|"
    r"physiotherapists|doctors|consultants|associates|colleagues|members|pharmacists|technicians)\b",
    re.IGNORECASE,
)
# A measured result: a percentage, an amount of money, "from X to Y".
METRIC = re.compile(r"\d\s?%|[£$€]\s?\d|\bfrom \S+ (?:\S+ ){0,3}to \S+|\b\d+(?:\.\d+)?\s?(?:x|k|m|bn)\b", re.I)
# A note written for one kind of question counts this much for the others.
ASIDE_WEIGHT = 0.5

# A note that says which question it answers: "lashing q -> …", "ID verification q: …", "GP
# scenario -> …".
_FOR_QUESTION = re.compile(r"^\W*(?P<topic>[\w'’ /&+-]{2,40}?)\s+(?:q|qs|question|scenario)\s*(?:->|→|=>|:|[-–—])\s", re.IGNORECASE)


def _prepared_for_other(body: str, question: str) -> bool:
    """Whether a note is the answer prepared for a question (``_FOR_QUESTION``) whose words
    ``question`` does not say."""
    match = _FOR_QUESTION.match(body)
    if match is None:
        return False
    named = set(tokens(match.group("topic")))
    return bool(named) and not named & set(tokens(question))
# A later sentence of a labelled line counts this much: a tie goes to the line's first sentence
# (the designer's weakness, bench/answers), a clear lead does not (a salary line's "Want 46-47k"
# for "where are you looking to be?", set i).
FOLLOWING_WEIGHT = 0.8


# Not "ask 88-90" nor "ask for R44k": the pay the person will ask for (set g, read again in m).
# "ask R44k", "ask for 68-70k", "ask 195 base": the sum the person will ask for (said so by
# ``compose``), never a question to ask them.
# ("Ask ~$32 if it comes up", "ask around $90k": the sum said roughly; set v had read it as a
# question to ask them, and said "Posting $29.70-33.65." as the pay the person wants.)
_SUM_ASKED = (r"(?:ing)?(?: for)?\s+(?=(?:[~≈]\s?|(?:around|approx\.?|roughly)\s+(?=[$£€₹]|\d[\d,.]*\s?[kK]\b))?"
              r"(?:[$£€₹]|[A-Z]{1,3}\$?\s?\d|R\s?\d|\d))")
# ("SAY £30k" is the same, set v: what the person will say they want.)
ASK_FOR = re.compile(rf"^(?:ask|say){_SUM_ASKED}", re.IGNORECASE)
# "Expected S$16,500", "Expectation: 70k": the pay the person wants, written as a noun (said "I
# expected S$16,500", in the past, in set t). At the start of a sentence of a note.
# (A sum of money: "Expected 70 people" is no pay.)
EXPECTED_SUM = re.compile(r"(?:(?<=^)|(?<=[.!?;]\s))(?i:expect(?:ed|ing|ation))\s*[:=]?\s*"
                          r"(?=(?:[A-Z]{1,3})?[$£€₹]|[A-Z]{1,3}\s?\d|R\s?\d|\d[\d,.]*\s?(?:k|K|m|LPA)\b|\d{1,3}(?:,\d{3})+\b|\d{4,}\b)")
_ASKING = re.compile(
    rf"^\W*ask\b(?!{_SUM_ASKED})|\b(i would|i'd|i'll|i will|to) ask\b|"
    r"\bcurious\b|\bwould like to know\b|\bwonder",
    re.IGNORECASE,
)


_WHY_LABEL = re.compile(r"^\W*(?:my\s+)?why\b(?P<rest>.*)$", re.IGNORECASE)
_WHY_LEAVE = re.compile(r"\b(leav\w*|left|mov\w*|switch\w*|chang\w*|quit\w*|look\w*|go|going|out|exit\w*|now)\b", re.IGNORECASE)


# Pay wanted, and pay had: in a question ("What are you looking for?", "What are you on now?")
# and in a note ("Want 46-47k", "€41,500 now, no bonus").
_PAY_WANTED_ASKED = re.compile(
    r"\b(expect\w*|looking (for|to be|to get|at)|want\w*|would you need|need to (move|make the move)|hoping|target\w*|"
    r"aim\w*|ask(ing)? for|(where|what) would you (need|like|want)|thinking|"
    # "…And what are you after?", "what would make this work for you?" (sets k, m)
    r"(what|where) (are|would) you (be )?after|what would (make|it take|get)|"
    # "Range is fifty-two to sixty-one. Where do you need to be?" (set x)
    r"where (do|would) you (need|want|like) to (be|sit|land|come in)|"
    # "The range is sixty-four to seventy-six. Where do you see yourself?" (set y; the turn talks money)
    r"where (do|would) you see yourself(?= ?[?.!]|$)|"
    # "What sort of figure did you have in mind?" (set p)
    r"(figure|number|ballpark)\b.{0,20}\bin mind)\b", re.IGNORECASE)
_PAY_HAD_ASKED = re.compile(r"\b(current\w*|now|at the moment|at the minute|earning|making|last drawn|on at present|at present)\b|"
                            r"\bwhat are you on\b", re.IGNORECASE)
_PAY_WANTED = re.compile(
    # (Not the "min" of "changeover 45 -> 18 min": minutes, after a plain number, set x; "45k min"
    # is the least.)
    r"\b(want\w*|expect\w*|aim\w*|looking for|need\w*|(?<!\d\s)(?<!\d)min|minimum|target\w*|hoping|ask(ing)? for|ideally|"
    r"go below|floor|walk away|would take|would accept)\b|"
    # "Salary: now $58.5k + OT. ask 68-70k" (set j, twice): what the person will ask for.
    # ("ASK R38k basic", "ask KES 135k": set s)
    r"\b(ask|say)(ing)?\s+(?=(?:[~≈]\s?)?(?:[$£€₹]|R|Rs\.?|[A-Z]{3}\s?)?\s?\d)", re.IGNORECASE)
# ("$$ - on £35k + van. floor £38k. ask £40k": "on £35k" is the pay had, set r.)
_PAY_HAD = re.compile(r"\b(now|current\w*|at the moment|last drawn|on about|earning|at present)\b|"
                      r"\bon\s+(about\s+|around\s+|roughly\s+|~\s*)?([$£€₹]|R(?=\d))\s?\d", re.IGNORECASE)


# A note of the job's advertised pay: "Ad £27-31k.", "posting $29.70-33.65", "JD says 62-71".
# (A band or scale only as a range of sums: "Band 7 is set by Agenda for Change" names the band.)
_THEIR_RANGE = re.compile(r"^\W*(?:the |their )?(?:(?:ad|advert|advertised|posting|posted|jd|job ad|listing)\b"
                          r"\s*(?:says|said|is|=|:|-)?\s*[~≈]?\s*(?:[$£€₹]|R\s?\d|\d)|"
                          r"(?:range|band|scale)\b\s*(?:says|is|=|:|-)?\s*[$£€₹]?\s?\d[\d.,]*\s?[kK]?\s*(?:-|–|to)\s*[$£€₹]?\s?\d)",
                          re.IGNORECASE)

# The label of a note's list of the person's results: "my numbers", "stats", "wins".
_NUMBERS_LABEL = re.compile(r"^\W*(?:my |key |big |the )?(?:numbers|stats|statistics|metrics|wins|results|achievements|"
                            r"figures|kpis?)\W*$", re.IGNORECASE)

# Topic words that label a note about another thing as often ("Availability: weekends only").
_WEAK_LABELS = frozenset({"available", "availability", "week", "join", "begin"})


def _other_arrangement(fact: Fact, markers: tuple[str, ...]) -> bool:
    """A note labelled for one arrangement ("Visa: …") asked about another (its pay)."""
    label = (fact.label or "").lower()
    if not label or any(_marker(m).search(label) for m in markers):
        return False
    return any(_marker(m).search(label) for words in LOGISTICS_TOPICS.values() for m in words if m not in _SOFT_PAY)


def asks_both_pays(question: str) -> bool:
    """"What are you on now, and what would you be looking for?": the pay had and the pay wanted,
    asked in one sentence."""
    # Any of its question sentences: "…what are you at right now, and what are you looking for?
    # And is that base, or does that include any bonus?" asked both before its last (set o).
    return any(_PAY_HAD_ASKED.search(said) is not None and (
        _PAY_WANTED_ASKED.search(said) is not None or re.search(r"\bwhat would (make|it take|get)\b", said, re.I) is not None)
        for said in question_sentences(question) or [question])


def asks_about_pay(question: str, asking: str | None = None) -> bool:
    """Whether a turn (``asking``: those of its sentences) asks about pay at all: its
    arrangements name it, it asks what the person is on ("What are you on at the moment?"), or
    what they expect where the turn talks money ("The range is ninety-five to one-ten … Where
    are you at in terms of expectations?"); "now" or "at the minute" alone do not."""
    said = question if asking is None else asking
    return ("pay" in arrangements(said) or _PAY_HAD_PHRASE.search(said) is not None
            or (_PAY_WANTED_ASKED.search(said) is not None and _PAY_CONTEXT.search(question) is not None))


_PAY_HAD_PHRASE = re.compile(r"\bwhat are you (on|earning|making|paid|getting)\b|\bearning\b|\blast drawn\b|"
                             r"\bwhat(?:'re| are) they paying you\b|"
                             # "…B2B or umowa o pracę, and what are your expectations?" (set u); not "…
                             # your expectations around the roster"
                             r"\bwhat are your expectations(?=\s*(?:[?.!]|$))", re.IGNORECASE)
_PAY_CONTEXT = re.compile(r"\b(salary|pay|money|wages?|range|package|comp|compensation|ctc|band|scale|remuneration)\b",
                          re.IGNORECASE)


def pay_side(text: str, *, asked: bool = False) -> str | None:
    """"wanted" or "had" where ``text`` (a question when ``asked``, else a note) is about only one
    of the pay the person wants and the pay they have; None where it says both or neither."""
    wanted = (_PAY_WANTED_ASKED if asked else _PAY_WANTED).search(text) is not None
    had = (_PAY_HAD_ASKED if asked else _PAY_HAD).search(text) is not None
    return ("wanted" if wanted else "had") if wanted != had else None


def _labelled_text(fact: Fact) -> str:
    """A note's words with its label, which belongs to the note's first sentence only."""
    return f"{fact.label}: {fact.body}" if fact.label and fact.follows is None else fact.body


def _says_both_pays(fact: Fact) -> bool:
    text = _labelled_text(fact)
    return _PAY_FIGURE.search(text) is not None and _PAY_HAD.search(text) is not None and _PAY_WANTED.search(text) is not None


def note_pay_side(fact: Fact) -> str | None:
    """``pay_side`` of a note with its label, which may be what says which pay it is
    ("current: R585k CTC + bonus … want R780k CTC" says both, set n); the label is of the
    note's first sentence ("comp now: $162k base …" heads "ask 195 base", which is wanted)."""
    if pay_asked_for(fact):
        return "wanted"  # "ask: $65k" (set o: the pay had alone had answered both)
    return pay_side(_labelled_text(fact))


def why_topic(label: str | None) -> str | None:
    """What a "Why …" label gives the reason for: "leave" ("Why leaving bureau", "why moving",
    "Why switch") or "join" ("Why them", "Why Tilly"); None for a bare "Why" and any other label."""
    match = _WHY_LABEL.match(label or "")
    if match is None or not match.group("rest").strip():
        return None  # a bare "Why:" often gives both ("8 yrs, ready for sous. Hotel = same menu forever.")
    return "leave" if _WHY_LEAVE.search(match.group("rest")) else "join"


def asks_why_leaving(question: str) -> bool:
    """A motivation question about leaving ("Why are you leaving?", "What's prompting the move?")."""
    lowered = question.lower()
    return any(_marker(w).search(lowered) for w in MOTIVATION_TOPICS["leave"])


def _to_ask(fact: Fact) -> bool:
    """A fact the person means to ask at the end: labelled so, under such a heading, or said so."""
    return to_ask(fact) or bool(_ASKING.search(fact.body))


def note_kinds(fact: Fact) -> frozenset[QuestionType]:
    """The kinds of question a note was written for, by its label and words: "Why Fernhill: …"
    is a reason to join, "Notice period: …" an arrangement, "I would ask …" or a line under "Qs
    for them:" a closing question (whatever else its questions mention: a shift pattern)."""
    if pay_asked_for(fact):
        return frozenset({QuestionType.LOGISTICS})  # "ask: $65k. min $62k …" is the pay wanted
    if fact.source is Source.NOTES and asks_them(fact.label or ""):
        return frozenset({QuestionType.CLOSING})
    if _looks_ahead(fact):
        return frozenset({QuestionType.MOTIVATION})
    if fact.label and (by_label := _note_kinds(fact.label.lower())):
        # "Weakness: … leave by 5 two nights a week": what the label says it is for, not a word of it.
        return by_label
    return _note_kinds(f"{fact.label or ''} {fact.text}".lower())


@lru_cache(maxsize=4096)
def _note_kinds(lowered: str) -> frozenset[QuestionType]:
    kinds = set()
    if lowered.strip().startswith("why"):
        return frozenset({QuestionType.MOTIVATION})  # "Why Fathom Pay: …"
    if any(_marker(m).search(lowered) for words in LOGISTICS_TOPICS.values() for m in words if m not in _SOFT_PAY):
        kinds.add(QuestionType.LOGISTICS)
    if any(_marker(m).search(lowered) for m in TYPE_MARKERS[QuestionType.WEAKNESS]):
        kinds.add(QuestionType.WEAKNESS)
    if any(_marker(m).search(lowered) for m in (*MOTIVATION_TOPICS["join"], *MOTIVATION_TOPICS["leave"])):
        kinds.add(QuestionType.MOTIVATION)
    if re.search(r"\b(i would|i'd|i'll|i will|to) ask\b|\bquestions? (to ask|for them|for the)", lowered):
        kinds.add(QuestionType.CLOSING)
    return frozenset(kinds)


# Pay words that are ordinary words too ("a wide range of", "the base of"): not enough to call a
# note a salary note.
_SOFT_PAY = frozenset({"range", "rate", "base", "band", "package", "money", "earn", "pay"})

# "Your current role", "where you are now".
_PAY_FIGURE = re.compile(_MONEY, re.IGNORECASE)
_CURRENTLY = re.compile(r"\bcurrently\b", re.IGNORECASE)
_CURRENT_WORD = re.compile(r"\b(current|currently|present)\b", re.IGNORECASE)
# "Your current role", "what do you do now": the work at the employer of today.
CURRENT = re.compile(
    r"\b(current|present|now|these days|today)\b.{0,20}\b(role|job|position|team|employer|work|company)|"
    r"\b(role|job|position|team|employer|work) (now|today|at the moment)|what do you do (now|today|at the moment)|"
    # "…a quick rundown of where you're at now and what you're doing day to day?" (set k)
    r"\b(your|doing|do) day[- ]to[- ]day\b|\b(typical|normal|usual) (day|week|shift)\b|\bwhere (you're|you are) at (now|at the moment|currently)\b|"
    r"\bwhat (you're|you are) doing (now|at the moment|these days|currently)\b",
    re.IGNORECASE,
)
# A rundown of the work of today, asked as a whole ("where you're at now and what you're doing
# day to day", "tell me about your current role"): what the person leads their current role with.
CURRENT_RUNDOWN = re.compile(
    r"\b(your|doing|do|what) day[- ]to[- ]day\b|\bwhere (you're|you are) at (now|at the moment|currently)\b|"
    r"\bwhat (you're|you are) doing (now|at the moment|these days|currently)\b|what do you do (now|today|at the moment)|"
    r"\b(tell|talk) (me|us) (about|through) your (current|present) (role|job|position)\b",
    re.IGNORECASE,
)
# A question answered yes or no about having something.
YES_NO = re.compile(r"^(have you|do you have|did you have|are you|were you|can you|do you (?:use|speak|hold|know))\b", re.I)
# Below this Zipf frequency a word is specific enough that its absence means the profile does
# not have what was asked ("franchise" 4.3, "treasury" 4.2; "large" 5.4 is not).
UNNAMED_ZIPF = 4.5
# An education question that names a kind of study: "at university", "your degree", "A-levels".
EDUCATION_OBJECT = re.compile(
    r"\b(university|college|degree|masters?|master's|phd|doctorate|a-levels?|gcses?|diploma|bachelor'?s?|mba)\b",
    re.IGNORECASE,
)
_PARTICIPLES = frozenset("led run built made done taught sold written grown won driven held taken given been thought".split())
_FUNCTION_WORDS = frozenset(
    "a an the any your my our their his her its of with across in on to for and or at by from into as some "
    "no other before ever".split()
)
# What an experience question asks about follows these: "your experience *with* X", "familiar with X".
OBJECT_CUE = re.compile(
    r"\b(?:experience (?:with|in|of|selling|managing|leading|using|running|working)|familiar with|"
    r"worked (?:with|in|on)|background in|know about|"
    r"how (?:would|do|did|will|could) you (?:manage|handle|run|use|set up|lead|approach|deal with|work with)"
    r"(?: (?:a|an|the|your|our|this))?)\b",
    re.IGNORECASE,
)
YES_NO_FILLER = frozenset(
    """any ever experience experienced done worked work used before previously anyone anything someone
    something everyone everything anybody somebody other others across within into onto between among
    around without per via kind sort type lot lots quick brief short sense idea picture""".split()
)
# The frame of a request, not a thing asked about: "Can you give me a quick rundown of where
# you're at now?" (set k had "Your profile doesn't mention rundown").
FRAME_NOUNS = frozenset("rundown overview summary snapshot breakdown flavour flavor walkthrough run-through".split())
# The money a scene is priced in ("…laptops for a new project office, around two point five
# million shillings") is no skill the person lacks (set k had said "doesn't mention shillings").
CURRENCIES = frozenset(
    """dollars dollar euros euro pounds pound quid shillings shilling rand rands rupees rupee naira cedis
    pesos peso yen yuan francs franc krona kronor krone kroner dirhams dirham riyals ringgit baht rupiah
    zloty zlotys lira reais""".split()
)
YES_NO_FILLER = YES_NO_FILLER | FRAME_NOUNS
QUESTION_VERB = re.compile(
    r"\b(?:do|did|would|will|could|can|should|might) you (?:usually |normally |ever |best |then |first )?([a-z]+)\b",
    re.IGNORECASE,
)
# Below this Zipf frequency a question's word names something specific (a procedure, a tool, a
# qualification) rather than asking about it: "ECMO" (2.1), "paediatric" (2.6), "Terraform" (2.0),
# "insurers" (3.4); "deadline" (3.9) and "customer" (4.6) are ordinary.
ABSENT_ZIPF = 3.5


@lru_cache(maxsize=512)
@lru_cache(maxsize=None)
def arrangements(text: str, skip: tuple[str, ...] = ("week", "move")) -> list[str]:
    """The arrangements (``LOGISTICS_TOPICS``: pay, start, place, …) ``text`` names, in the
    table's order, not by the words in ``skip``: by default "week" alone names no start date
    ("2 days a week in the office"), "move" no place ("make the move", "if we move fast")."""
    lowered = text.lower()
    return [topic for topic, words in LOGISTICS_TOPICS.items()
            if any(_marker(w).search(lowered) for w in words if w not in skip)]


def names_arrangement(fact: Fact, topic: str) -> bool:
    """Whether a note is about ``topic`` by what it leads with: its label or its first words
    ("Notice 1 month", "notice: 4 wks"), or, for pay, a sum of money had or wanted ("S$6,800/m
    + AWS", "$$ now $84k. ask $100k");
    not a note that says "visa" or "compensation" in passing ("Hanoi e-visa typo …", "How many
    pages/week really, compensation")."""
    # "Notice 1 month", not "Bali offsite … Hanoi e-visa typo"; a labelled note by its label.
    lead = fact.label or " ".join(fact.body.split()[:2])
    if topic in arrangements(lead):
        return True
    return topic == "pay" and _PAY_FIGURE.search(fact.body) is not None and (
        _PAY_HAD.search(fact.body) is not None or _PAY_WANTED.search(fact.body) is not None)


@lru_cache(maxsize=1024)
def _marker(marker: str) -> re.Pattern[str]:
    # Cached: every fact is tested against every marker of the question's type (~400 000 calls
    # over the held-out scripts, 1.5 s of their 10 s grounding under the profiler).
    if marker.startswith("re:"):
        return re.compile(marker[3:])
    if marker.endswith("*"):
        return re.compile(rf"(?<![\w]){re.escape(marker[:-1])}\w*")
    return re.compile(rf"(?<![\w]){re.escape(marker)}(s|es|ed|ing)?(?![\w])")


PREVIOUS_JOB = re.compile(
    r"\b(previous|last|prior) (job|role|position|employer)\b|\bbefore (your current|this|joining|you joined|\w+ing into)\b|"
    r"\bwhat did you do before\b",
    re.IGNORECASE,
)
FIRST_JOB = re.compile(
    # ("…enabling works start in March" is no question of the person's start.)
    r"\b(first (job|role|position|design job|post)|get started|got started|you (first )?start(ed)? (out|in)|start(ed)? out|start(ed)? your career|"
    r"earliest|began your career|beginning of your career)\b",
    re.IGNORECASE,
)


# A demonstrative before a noun, after a preposition, points at what the sentence before named
# ("arrive at that number", "in that situation"); not "something that got out the door", "is
# that something you've done", "that you …".
_POINTER = re.compile(
    r"\b(?:at|on|in|with|about|for|from|of|into|behind|after|during|over|under)\s+(?:that|this|those|these)\s+(?!(?:i|you|we|they|he|she|it|is|was|are|were|would|will|could|can|did|do|"
    r"does|has|have|had|role|job|position|company|team|week|year|month|morning|afternoon|time|kind|sort|type)\b)[a-z]{3,}",
    re.IGNORECASE,
)


def _asking_part(question: str) -> str:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", question.strip()) if s.strip()]
    if len(sentences) <= 1:
        asked = question
    else:
        asking = [s for s in sentences if s.rstrip().endswith("?")]
        requests = [i for i, s in enumerate(sentences) if is_request(s)]
        if not asking and requests:
            # Where none has a "?": the last request and what follows it ("…Take us through how
            # you got through that without a strike. And be honest about what didn't go well."
            # asks about the first, set l, whose "well" alone had found the line on a wellness
            # programme; "…Step by step, from the requisition." goes on with the request).
            asking = [" ".join(sentences[requests[-1]:])]
        asked = asking[-1] if asking else sentences[-1]
    if len(asked.split()) > LONG_SENTENCE_WORDS:
        # One long spoken sentence ("so, um, … what I'm asking is how would you keep …"): the
        # question is its last "how would you …", the rest is the lead-up.
        starts = list(ASKING_START.finditer(asked))
        if starts:
            return asked[starts[-1].start():]
    return asked


# A spoken sentence longer than this is a question with a lead-up.
LONG_SENTENCE_WORDS = 30
ASKING_START = re.compile(
    r"\b(?:(?:how|what|why|which|when|where|who)(?:'s| (?:would|do|did|could|can|will|should|have|are|is|was|were))"
    r" you|(?:can|could|would|will|do|did|have|are) you)\b",
    re.IGNORECASE,
)


def logistics_label(fact: Fact) -> bool:
    """A line labelled as an arrangement ("Salary: …", "Notice period: …"): it answers a question
    about that arrangement and nothing else (not "your most pressured period", not "anything to
    ask us?")."""
    label = (fact.label or "").lower()
    if not label or label.startswith("why"):
        return False  # "Why Fathom Pay:" is a reason to join that names the employer
    return any(_marker(m).search(label) for words in LOGISTICS_TOPICS.values() for m in words
               if m not in _SOFT_PAY or label.split()[0].startswith(m))


def _looks_ahead(fact: Fact) -> bool:
    """A note about where the person sees themselves, by its label or the few words before its
    colon ("5 yrs: herd mgr → 2IC → contract milking"; not "… 11 yrs service" in passing)."""
    lead = fact.label or ((m := _LEAD_LABEL.match(fact.text)) and m.group(1)) or ""
    return bool(lead) and any(_marker(m).search(lead.lower()) for m in MOTIVATION_TOPICS["ahead"])


_LEAD_LABEL = re.compile(r"^\W*([\w' -]{1,16}):\s")
_AHEAD_MARKERS = (*MOTIVATION_TOPICS["ahead"], *MOTIVATION_TOPICS["join"])
# The reason a "Why …" note must give to answer a question of these markers ("Why Wardly: … I
# want to build those tools" says where the person wants to be, too).
_MOTIVE = {id(MOTIVATION_TOPICS["leave"]): "leave", id(MOTIVATION_TOPICS["join"]): "join", id(_AHEAD_MARKERS): "join"}


def _markers(kind: QuestionType, question: str) -> tuple[str, ...]:
    if kind is QuestionType.MOTIVATION:
        if asks_why_leaving(question):
            return MOTIVATION_TOPICS["leave"]
        # Where the person sees themselves: a note that says so, or else why they want the job
        # ("I want to build those tools" answers it too).
        return _AHEAD_MARKERS if AHEAD.search(question) else MOTIVATION_TOPICS["join"]
    if kind is QuestionType.LOGISTICS:
        # "…on the road two or three days a week. Is that going to be a problem?" is not about
        # when to start.
        accepting = asks_to_accept(question)
        # Nor is "…gross a month, … six weeks on, two off. Where would you need to be?" (set s:
        # answered with the notice note): "week" alone names no start date.
        topics = arrangements(question, skip=("week",))
        if "pay" not in topics and _PAY_HAD_PHRASE.search(question):
            topics = [*topics, "pay"]  # "What are you on now?" names no arrangement's word (set r)
        asked = [LOGISTICS_TOPICS[topic] for topic in topics]
        if not asked and accepting:
            return ()  # whether a condition suits, of no arrangement the notes could name
        return tuple(w for words in asked for w in words) or tuple(
            w for words in LOGISTICS_TOPICS.values() for w in words
        )
    return TYPE_MARKERS.get(kind, ())


def _position(fact: Fact) -> int:
    try:
        return int(fact.id.rsplit(":", 1)[1])
    except ValueError:
        return 0
