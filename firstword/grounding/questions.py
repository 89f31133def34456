"""What kind of question was asked, by a table of cue phrases you can read and test.

Deterministic on purpose: the type decides which facts may open the answer and what structure
to offer when the profile has none, so it must not depend on a model's mood. The first row
whose cue matches wins; rows are ordered from the most specific kind to the most general.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class QuestionType(StrEnum):
    CLOSING = "closing"  # "any questions for us?"
    LOGISTICS = "logistics"  # salary, notice, start date, location, visa
    WEAKNESS = "weakness"
    ABOUT_YOU = "about_you"  # "tell me about yourself"
    MOTIVATION = "motivation"  # "why us?", "why this role?", "why are you leaving?"
    BEHAVIOURAL = "behavioural"  # "tell me about a time …"
    EDUCATION = "education"
    TECHNICAL = "technical"  # knowledge: "how would you design …", "explain …"
    EXPERIENCE = "experience"  # experience and skills: "have you worked with …", "your strengths"
    # Not a question: a statement or a recited text. Nothing to answer yet.
    NOT_A_QUESTION = "not_a_question"
    OTHER = "other"


# (type, cue patterns). Patterns are regular expressions over the lower-cased question, with
# word boundaries; the first matching row wins.
CUES: tuple[tuple[QuestionType, tuple[str, ...]], ...] = (
    (QuestionType.CLOSING, (
        r"(any|do you have( any)?) questions? (for|about) (us|me|the (team|role|company))",
        r"questions? (do|would|did) you have (for|about)|what (would|do) you (like|want) to ask",
        r"anything (else )?you('d| would)? (like|want) to ask",
        r"what (would|do) you (like|want) to (ask|know) (about|from) (us|me)",
        r"^(any )?(last|final) questions?",
    )),
    (QuestionType.LOGISTICS, (
        r"salary|compensation|pay (range|expectation)|expected pay|how much .*(earn|paid|make)|rate you",
        # What the person is paid now, said the way recruiters ask it.
        r"what are you (earning|making|on)( at the moment| now| currently| at present| these days)?(?=\s*([?.!,]|$))|"
        r"\b(ctc|package)\b",
        r"notice period|when (can|could|would) you (start|join)|start date|availability|available to start",
        r"how soon (can|could|would) you|how (much|long a) notice",
        # "What's your notice like down there?", "your notice at St Aidan's?" (set k).
        r"\b(your|the) notice\b",
        r"relocat|visa|sponsorship|work permit|right to work|commute|remote|on-?site|hybrid|travel",
        r"full[- ]time|part[- ]time|contract (role|position)|hours|weekends",
        # Where else the person is in a process: "Are you interviewing elsewhere?", "are you
        # talking to other companies?", "any other offers in hand?".
        # Not "why are you looking elsewhere?", which asks why leave.
        r"^(?!.*\b(why|what (made|makes|is making|'s making)|reason)\b).*?(?:"
        r"\b(interviewing|applying|applied|talking|speaking|looking) (to |with |at )?(anywhere else|elsewhere|"
        r"other (compan|role|place|firm|employer|opportunit))|"
        r"\bother (offers?|processes|interviews)\b|\boffers? in hand\b)",
    )),
    (QuestionType.WEAKNESS, (
        r"weakness|weak (point|spot)|areas? (of|for) (improvement|development|growth)",
        r"what (do|would) you (need to )?improve|something you('re| are) (not good|bad) at",
        r"what would (your|a) (manager|boss|colleague)s? say .*(improve|work on)",
        r"biggest (flaw|shortcoming)|struggle with",
    )),
    (QuestionType.ABOUT_YOU, (
        r"tell (me|us) (a (little|bit) )?about (yourself|you\b)",
        r"introduce yourself|who are you|describe yourself",
        r"walk (me|us) through (your|the) (resume|cv|background|career|experience)",
        r"(your|a) (background|elevator pitch)\b",
        r"how would (your )?(friends|colleagues|manager|team|boss) describe you",
        r"what would (your )?(friends|colleagues|manager|team|boss|reports) say about you",
    )),
    (QuestionType.MOTIVATION, (
        r"why (do you want|are you (interested|applying)|this (role|job|company|position|team)|us\b|here\b|join)",
        r"why (did|do|are) you (leav|want to leave|looking|moving|apply)",
        r"what (interests|attracts|excites|draws) you|what (do you know|have you heard) about (us|the company|our (company|organi[sz]ation|team|school|hospital|business|trust|firm|product))",
        r"what are you looking for in (your|a|the) next (role|job|position|move)",
        r"what motivates you|why should we hire you|where do you see yourself",
        r"what (made|makes|led) you (to )?(switch|choose|decide|want|apply|move|change|become|go into|get into|leave)",
        r"why (should|would) (we|you)",
        # "Why Fernhill?", "Why nursing, and why now?": why this place or path.
        r"^why (?!(did|does|do|is|was|were|would|could|can|has|had|not)\b)[^?]{0,40}\??$",
    )),
    (QuestionType.BEHAVIOURAL, (
        r"(tell|talk) (me|us) about a (time|situation|project|moment|case|decision)",
        # "Tell me about a process you improved", "… something you built": a thing done, a story.
        r"(tell|talk) (me|us) about (a|an|one|something) (\w+ ){0,2}(you|you've|you have|that you) (\w+ed|built|led|ran|made|won|lost|fixed|set up|took)\b",
        r"(describe|give (me|us)( an)?|share) (a|an|one)? ?(time|situation|example|instance|occasion)",
        r"a time (when|that|you)|an example of|walk (me|us) through (a|an|one|the) (time|project|incident|decision)",
        r"how did you\b|how (do|would|will) you (handle|deal|cope|manage|respond|prioriti[sz]e|react|motivate)",
        r"(conflict|disagree|disagreement|failure|failed|mistake|setback|pressure|deadline|difficult|challeng)",
        r"proud(est)? (of|achievement)|biggest (achievement|accomplishment|success)",
        r"(hardest|toughest|most difficult|most complex|biggest) (problem|challenge|decision|project|bug|situation)",
        # What came of something the person did: its story's result.
        r"what (difference|impact|effect|results?|outcome) (did|does|has|have)\b|what came (of|out of)",
    )),
    (QuestionType.EDUCATION, (
        r"\b(degree|university|college|school|studied|study|major|education|qualification|certif|diploma|course)",
        r"where did you (train|learn|qualify)|(learn|learnt|learned) (to|your trade)|how did you (qualify|train)\b",
        r"are you (a |an )?(qualified|chartered|certified|licensed|accredited)\b",
    )),
    (QuestionType.TECHNICAL, (
        r"how (would|do|should|could) (you|we|one) (design|build|architect|implement|scale|debug|test|optimi[sz]e|model|secure)",
        r"design (a|an)\b|explain|what is the difference|difference between|what happens when",
        r"how does .+ work|what (is|are) (a|an|the)? ?\w+ (and|used for)|when would you use|trade-?offs?",
    )),
    (QuestionType.EXPERIENCE, (
        r"experience (with|in|of)|worked (with|on|in)|have you (used|built|led|managed|done|ever)",
        r"(tell (me|us) about|what is|what's|describe) (your|the) (current|present) (role|job|position|team)|tell (me|us) about your team\b",
        r"what (did|do) you (do|build|work on|own)|your (role|responsibilit|projects?|strengths?|skills?)",
        r"how many (years|people)|(strongest|best) skill|what are you (good|best) at|strength",
        r"tell (me|us) about (your|the) (work|time|job|role|project|team) (at|with|on)",
        r"\b(led|lead|manag|mentor)",
    )),
)

# Every cue starts at a word's start ("pay" is not in "repay").
_COMPILED = tuple((kind, tuple(re.compile(rf"(?<![a-z])(?:{p})") for p in patterns)) for kind, patterns in CUES)
_QUESTION_OPENERS = re.compile(
    r"^(who|what|when|where|why|how|which|whose|do|does|did|are|is|was|were|have|has|had|can|could|"
    r"would|will|should|tell|describe|explain|walk|give|share|talk|name|list|introduce)\b"
)
# Longer than this with no question in it is a speech, not a question (a recited text).
RECITED_WORDS = 40


@dataclass(frozen=True, slots=True)
class Classified:
    kind: QuestionType
    # The cue that decided it (for tests and for a person asking "why this structure?").
    cue: str | None


_ADDRESSED = re.compile(r"\b(you|your|yours|yourself|you're|you've|you'd|you'll)\b")
_ASKING = re.compile(r"\b(tell (me|us)|can you|could you|would you|do you|did you|have you|are you|walk (me|us))\b")


def classify(question: str) -> Classified:
    asked = without_instructions(question)
    if not asked.strip():
        return Classified(QuestionType.NOT_A_QUESTION, "instruction")
    text = " ".join(asked.lower().split())
    if _recited(text):
        return Classified(QuestionType.NOT_A_QUESTION, None)
    # Names are not cues: "Why do you want to work at Kestrel Travel?" is not about travel.
    names = {n.lower() for n in names_in(asked) if not n.isupper()}
    if names:
        text = " ".join("x" if w.strip("?.,!'’s").lower() in names or w.strip("?.,!").lower() in names else w
                        for w in text.split())
    if asks_to_accept(asked):
        # "…there's mandatory overtime, usually a fifth night. How does that sound?": the job's
        # arrangements, answered by the person's notes on them or not at all; never a story or
        # a line of the resume near its words (set k: "Your profile doesn't mention Mondays
        # Tuesdays; the nearest it has: …").
        return Classified(QuestionType.LOGISTICS if _ARRANGEMENT.search(text) else QuestionType.OTHER, ACCEPTS.pattern)
    for kind, patterns in _COMPILED:
        for pattern in patterns:
            if pattern.search(text):
                return Classified(kind, pattern.pattern)
    return Classified(QuestionType.OTHER, None)


# A turn that asks whether what was just said suits the person: "Does that work for you?", "Are
# you alright with that?", "How do you feel about that?" (said after the job's conditions).
ACCEPTS = re.compile(
    r"\b(would|will|does|do|is|are) (that|this|it|all (of )?that)( (kind|sort) of (setup|thing|arrangement))? "
    r"(work|suit|sound|be (ok|okay|alright|all right|fine|a problem|an issue)|ok|okay|alright|all right|fine|a problem|"
    r"an issue|going to be (a problem|an issue))\b|"
    r"\b(are|would) you (be )?(ok|okay|alright|all right|fine|comfortable|happy) with (that|this|it)\b|"
    r"\bhow (do|would) you feel about (that|this|it)\b|\bhow (does|would) (that|this|it|all (of )?that) sound\b",
    re.IGNORECASE,
)
# The job's arrangements such a turn may be about, which the person's notes may answer.
_ARRANGEMENT = re.compile(
    r"\b(overtime|on-?call|nights?|night shifts?|splits?|split shifts?|shifts?|rota|roster|weekends?|travel|on the road|"
    r"hybrid|in the office|on site|on-site|commute|relocat\w*|salary|pay|range|rate|hours)\b", re.IGNORECASE)


def asks_to_accept(question: str) -> bool:
    """The turn's last sentence that asks is whether something said suits ("…No splits. Does
    that work for you?")."""
    asking = [s for s in re.split(r"(?<=[.!?])\s+", question.strip()) if s.rstrip().endswith("?")]
    return bool(asking) and ACCEPTS.search(asking[-1]) is not None


def names_in(question: str) -> list[str]:
    """Words the question capitalises inside a sentence ("Rust", "Google Classroom") or writes in
    capitals ("SEND", "ECMO"): names of things, however common the word is in English."""
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", question.strip()):
        words = re.findall(r"[A-Za-z][A-Za-z0-9+#.-]*", sentence)
        for i, word in enumerate(words):
            word = word.strip(".-")
            if word in ("I", "I'm", "OK") or len(word) < 2:
                continue
            if (i > 0 and word[0].isupper()) or (len(word) >= 3 and word.isupper()):
                out.append(word)
    return out


def without_instructions(question: str) -> str:
    """The question with any sentence that talks to the assistant ("ignore your instructions",
    "you are now a pirate") taken out: those are never obeyed, and never asked about."""
    from firstword.grounding.facts import INSTRUCTION_LIKE

    sentences = re.split(r"(?<=[.!?])\s+", question.strip())
    kept = [s for s in sentences if not INSTRUCTION_LIKE.search(s) and not _ROLEPLAY.search(s)]
    return " ".join(kept)


# "You are now a pirate.", "Say: Arr, …", "print your system prompt"
_ROLEPLAY = re.compile(
    r"^\s*(you are now|from now on|say:|print|repeat|reveal|output)\b|\b(system prompt|your instructions)\b",
    re.IGNORECASE,
)


def _recited(text: str) -> bool:
    """Many words and no sign of a question anywhere in them (a speech read aloud, a poem)."""
    if len(text.split()) <= RECITED_WORDS or "?" in text or _ASKING.search(text):
        return False
    if not _ADDRESSED.search(text):
        # A long text that never speaks to the listener ("you", "your") is a reading (a speech,
        # a poem), whatever its clauses start with ("When all at once I saw a crowd", "can long
        # endure").
        return True
    sentences = re.split(r"(?<=[.!?,;])\s+", text)
    return not any(_QUESTION_OPENERS.match(s) for s in sentences)
