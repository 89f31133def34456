"""What kind of question was asked, by a table of cue phrases you can read and test.

Deterministic on purpose: the type decides which facts may open the answer and what structure
to offer when the profile has none, so it must not depend on a model's mood. The first row
whose cue matches wins; rows are ordered from the most specific kind to the most general.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


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
        # "Do you have any question to us?" in second-language English (set n).
        # "…any questions for Tom or me?" (set q: a name reads as "x" here).
        r"(any|do you have( any| some)?) questions? (for|about|to) (us|me|x( (or|and) (me|x))?|(me|us) (or|and) x|"
        r"the (team|role|company|panel|practice|school|job|position))",
        # "…have you any questions for either of us?" (set w: said "I'm Nikhil Rao.")
        r"have you (any|some) questions( for (us|me|either of us|both of us|the (two|both) of us))?\W*$",
        # "That's everything from us. Have you got any questions?" (set q), not "…before we start?"
        r"(have you got|do you have|you got|got) any questions\W*$",
        r"questions? (do|would|did) you have (for|about)|what (would|do) you (like|want) to ask",
        r"anything (else )?you('d| would)? (like|want|wanted) to ask",
        # "Alright, anything you wanna ask me?" (set o).
        r"(anything|what do) (else )?you (wanna|want to) ask",
        # ("What do you wanna know about us?", set x.)
        r"what (would|do) you (like|want|wanna) to (ask|know) (about|from) (us|me)",
        r"what do you (wanna|want to) know (about|from) (us|me)",
        # "Alright. What have you got for me?" at the end of a terse screen (set x).
        r"^\W*(?:(?:alright|all right|right|okay|ok|so|now|over to you)\W+)*what (have you got|you got|'ve you got) for (me|us)\W*$",
        # "Any last questions?", not "Last question from me. If you join, what would you do…?"
        r"^(any )?(last|final) questions?(?! from (me|us))",
        # "What questions have you got for me?" (set l).
        r"what questions (have you got|do you have|have you) (for|about)",
        r"what can i (answer|tell you)( for you)?\b",
        # "Any questions you have for me?" (set m).
        r"(any|what) questions (that )?you (have|('ve|have) got) (for|about) (us|me)",
    )),
    (QuestionType.LOGISTICS, (
        # Not a construction contract's "compensation events" (set l: "How did you get to an
        # agreed figure on the compensation events?" was answered with the pay note).
        r"salary|\bcomp\b(?! time)|(landing|land|be|sit|sitting) on base\b|base salary|compensation(?! events?)|pay (range|expectation)|expected pay|how much .*(earn|paid|make)|rate you",
        # What the person is paid now, said the way recruiters ask it.
        r"what are you (earning|making|on)( at the moment| at the minute| now| currently| at present| these days)?"
        r"( hourly| an hour| per hour| a year| per year| annually)?(?=\s*([?.!,]|and\b|$))|"
        # "What are you earning at Northstar right now", "what are you on at the moment with
        # Kavanagh's" (set t): where, before or after when.
        r"what are you (earning|on)( (at|with) [\w'’&.-]+( [\w'’&.-]+){0,2}?)?( right now| at the moment| at the minute| now| currently| at present| these days)"
        r"( (at|with) [\w'’&.-]+( [\w'’&.-]+){0,2}?)?(?=\s*([?.!,]|and\b|$))|"
        # "Money-wise — what are you on now and what are you after?" (set g); "what sort of
        # figure did you have in mind?" (set p)
        r"\b(money|pay|salary)[- ]wise\b|\b(figure|ballpark)\b.{0,20}\bin mind\b|"
        # (Not a news package: "I watched your Ekurhuleni tender package… Tell us how that story
        # started", set u.)
        r"\b(ctc|cost[- ]to[- ]company)\b|\b(the|your|a|our|this|that|current|salary|pay|remuneration|total|benefits|overall|"
        r"present|existing|compensation|whole|full) package\b|"
        # "…B2B or umowa o pracę, and what are your expectations?" (set u)
        r"\bwhat are your expectations(?=\s*([?.!]|$))",
        # "Range is fifty-two to sixty-one. Where do you need to be?" (set x; "… Where do you see
        # yourself?" is ``_RANGE_THEN_WHERE``, read before the asking sentence alone decides)
        r"\b(range|band|scale)\b[^?]*[.,;]\s*where (do|would) you (need|want|like) to (be|sit|land|come in)\b",
        r"notice period|when (can|could|would) you (start|join)|start date|availability|available to start|"
        # "…the next intake starts on the third of March. Any reason you couldn't start then?"
        r"(any reason|anything stopping|anything that would stop) you (couldn'?t|could not|can'?t|from) start",
        # "…when would you realistically be able to start?", "What notice are you having to
        # give?", "And notice with ASB — four weeks, is it?" (set l).
        r"when (can|could|would) you (\w+ ){0,2}(be able to )?(start|join)|what notice\b|^\W*(and )?notice (with|at|to|for)\b",
        r"how soon (can|could|would) you|how (much|long a) notice",
        # "And when would you be free, if it came to it?" (set u)
        r"when (would|could|will|can) you be (free|available)\b",
        # "What's your notice like down there?", "your notice at St Aidan's?" (set k).
        r"\b(your|the) notice\b",
        # "And notice is what, a month?"; "Money. What do you want?" (set n): the topic said
        # alone, then the ask.
        # (After a full stop the cue starts at the space: every cue starts at a word's start.)
        r"(^|(?<=[.?!])\s+)\W*(and |so )?notice (is|was)\b|\bnotice (is|was) what\b|"
        # ("Money talk. We're thinking seventy-two to eighty-five… Where are you at now?", set t)
        r"(^|(?<=[.?!])\s+)((ok(ay)?|right|now|and|so),?\s+)?(money|pay|wages)( talk)?\s*[.?!:]|\blet'?s talk (money|pay|salary)\b",
        # "And in terms of pay, the ad says forty-eight to fifty-five an hour. Where are you at?" (set q)
        r"\bin terms of (pay|salary|money|remuneration|wages)\b",
        # ("…more hybrids and even a few electric vehicles on our book. How comfortable are you
        # assessing those?" is about cars, not hybrid working: set m.)
        r"relocat|visa|sponsorship|work permit|right to work|commute|remote|on-?site|hybrid(?!s)|travel",
        # "are you legally entitled to work in Canada?", "you're an Australian citizen, or…" (set q)
        r"\b(legally )?(entitled|eligible|authori[sz]ed|allowed) to work\b|\b(are you|you'?re|you are) (a|an) (\w+ ){0,2}citizen\b",
        # The job's hours, not "take me through the first two hours" of an incident (set m).
        r"full[- ]time|part[- ]time|contract (role|position)|(working|work|office|shift|contracted|opening|core|your) hours|"
        r"hours (a|per|each) (week|day|month)|how many hours|what hours|weekends",
        # Where else the person is in a process: "Are you interviewing elsewhere?", "are you
        # talking to other companies?", "any other offers in hand?".
        # Not "why are you looking elsewhere?", which asks why leave.
        r"^(?!.*\b(why|what (made|makes|is making|'s making)|reason)\b).*?(?:"
        # ("Are you talking to anyone else at the moment?", "Are you in any other processes?": set u)
        r"\b(interviewing|applying|applied|talking|speaking|looking) (to |with |at )?(anywhere else|anyone else|elsewhere|"
        r"other (compan|role|place|firm|employer|opportunit))|"
        r"\bother (offers?|process(es)?|interviews)\b|\boffers? in hand\b)",
    )),
    (QuestionType.WEAKNESS, (
        r"weakness|weak (point|spot)|areas? (of|for) (improvement|development|growth)",
        r"what (do|would) you (need to )?improve|something you('re| are) (not good|bad) at|"
        # "one area where you feel you still need to develop", "the thing you most need to work
        # on" (set m).
        r"(you|you'd|you would) (still |most |really )?need to (develop|work on|get better at|improve)",
        r"what would (your|a) (manager|boss|colleague)s? say .*(improve|work on)",
        r"biggest (flaw|shortcoming)|struggle with",
        r"(colleagues|people|others|your team) (find|found) (difficult|hard|frustrating) (about|in) (working with )?you",
    )),
    (QuestionType.ABOUT_YOU, (
        r"tell(ing)? (me|us) ((a )?(little|bit|little bit|wee bit|bit more|little more) |briefly |quickly |more )?about (yourself|you\b)",
        # "Who are you?", not "who are you ringing?" (set p).
        r"introduce yourself|who are you\W*$|who are you\?|describe yourself|(intro|introduction) (to|of) yourself|"
        r"(quick|short|brief) (intro|introduction)\b",
        r"(walk|take|talk) (me|us) through (your|the) (resume|cv|background|career|experience)",
        # "…could you tell us a bit about your experience so far and why you've applied?" (set q)
        r"(tell|talk) (me|us) (a (little )?bit |a little |briefly )?about your (experience|background|career) (so far|to date)\b",
        # "a quick overview of your background", "a whistle-stop tour of your background", "your
        # career to date", "What's your story?" (the blind sets' openers).
        r"(overview|tour|rundown|summary) of (your|the) (background|career|experience|cv|resume)",
        # "…a quick overview of where you are now, and why Thistle?", "…telling us a bit about
        # where you are now, at Calder Valley" (sets u, p)
        r"(overview|rundown|summary|(tell|telling) (me|us) (a (little )?bit |a little )?about) (of )?where you are now\b",
        r"your (career|story|journey) (to date|so far)|what'?s your story|(start|begin) with your story|"
        # "…give me the version of your story that isn't on the resume" (set m); "how you ended
        # up in wine", "how'd you end up in the trade".
        r"version of your story|(tell|give) (me|us) your story|how(?:'d| did)? you (?:ended|end) up (?:in|as|being|doing)\b",
        r"(give|tell) (me|us) (the|a|your) (short|quick|potted|two-minute) version\b|"
        r"(short|quick|potted|two-minute) version of (your|how you)\b",
        # "…a quick overview of your background?", not "Your background's mainly rooms. How much
        # F&B have you done?" nor "high eighties isn't crazy for someone with your background".
        r"(about|through|of|on|over) (your|a) background\b|^(and )?(your )?background\?|elevator pitch\b",
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
        r"why (should|would) we|why should you|why would you (want|wish|like|join|leave|move|choose|pick|come|apply|consider|go|be (interested|keen|happy))",
        # "What's got you thinking about coming over to the adviser side?", "why mining, and why
        # now?" (set l).
        r"what'?s (got|getting|making|made) you (thinking|think|want|look|consider)|\bwhy now\b",
        # "…and what's prompting the move?" (set q)
        r"what'?s (prompting|behind|driving|triggering) (the|this|your|a) (move|change|switch|search|decision to (leave|move))",
        # "Why Fernhill?", "Why nursing, and why now?": why this place or path.
        r"^why (?!(did|does|do|is|was|were|would|could|can|has|had|not)\b)[^?]{0,40}\??$",
    )),
    (QuestionType.BEHAVIOURAL, (
        r"(tell|talk) (me|us) about a (time|situation|project|moment|case|decision)",
        # "Tell me about a process you improved", "… something you built": a thing done, a story.
        # "…tell me about a really tricky service call you've had" (set q)
        r"(tell|talk) (me|us) about (a|an|one|something) (\w+ ){0,4}(you|you've|you have|that you) (\w+ed|built|led|ran|made|won|lost|fixed|"
        r"set up|took|had|faced|seen|done|handled)\b",
        # "…and the leadership doesn't agree with you — did you have this situation? What happened?"
        r"\b(did|have) you (ever )?(had|have) (this|that|such a|a similar) (situation|experience)\b",
        r"(describe|give (me|us)( an)?|share) (a|an|one)? ?(time|situation|example|instance|occasion)",
        r"a time (when|that|you)|an example of|walk (me|us) through (a|an|one|the) (time|project|incident|decision)",
        r"how did you\b|how (do|would|will) you (handle|deal|cope|manage|respond|prioriti[sz]e|react|motivate)",
        r"(conflict|disagree|disagreement|failure|failed|mistake|setback|pressure|deadline|difficult|challeng)",
        # "Tell us about a stuff-up." (set o), "a cock-up", "a screw-up".
        r"\b(stuff|screw|cock|balls|slip|mess)[- ]?ups?\b",
        r"proud(est)? (of|achievement)|biggest (achievement|accomplishment|success)",
        r"(hardest|toughest|most difficult|most complex|biggest) (problem|challenge|decision|project|bug|situation)",
        # What came of something the person did: its story's result.
        r"what (difference|impact|effect|results?|outcome) (did|does|has|have)\b|what came (of|out of)",
    )),
    (QuestionType.EDUCATION, (
        # Not "you're certifying on both the Bus and the 737?", work done (set p).
        r"\b(degree|university|college|school|studied|study|major|education|qualification|certif(?!ying\b)|diploma|course)",
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


# Where a sentence of a turn ends (each reader of a turn's sentences splits it the same way).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_ADDRESSED = re.compile(r"\b(you|your|yours|yourself|you're|you've|you'd|you'll)\b")
# "Maybe start by walking us through how the app is put together today." (set l: a request
# without a question mark, after a long welcome, had been read as a speech).
_ASKING = re.compile(r"\b(tell(ing)? (me|us)|can you|could you|would you|do you|did you|have you|are you|"
                     r"walk(ing)? (me|us)|talk(ing)? (me|us) through|tak(e|ing) (me|us) through|start by|give (me|us))\b")


# The cue of a turn that asks nothing but small talk.
SMALL_TALK = "small talk"


# The interviewer saying how the interview will run: "I'll run through a few bits", "we'll ask you
# about your CV", "I'll tell you about the job".
_PLAN_SAID = (r"(?:i|we)(?:'ll| will| just| want| wanna|'m going to| am going to|'re going to| are going to| thought)\b[^?]*?"
              r"\b(?:run through|go through|go over|ask you|a few (?:questions|bits|things)|tell you (?:a bit|about)|"
              r"start (?:with|by|off)|take (?:some )?notes|kick off|put you forward|"
              # ("…we'll both be taking notes and scoring, and we'll leave time at the end for your
              # questions. Should be about an hour. Sound good?", set v)
              r"(?:be )?taking (?:some )?notes|leave (?:some |a bit of )?time|talk about the)\b")


# The interviewers saying who they are, asking nothing: "Kia ora Ben, come on through. I'm Sarah
# Lockwood, Chief Officer …, and this is Mere Tipene from our crewing team.", "Denise. Rick
# Hanlon. Have a seat." (set x had answered both from the resume).
_INTRODUCTION = re.compile(r"\b(?:I'?m|I am|my name is|this is|meet) (?-i:[A-Z])|\bthanks? (?:you )?for coming\b|"
                           r"\bcome (?:on )?(?:in|through|on back)\b|\b(?:have|take|grab) a seat\b|\bkia ora\b|"
                           r"\bnice to meet you\b|\bgood to meet you\b|\bwelcome\b", re.IGNORECASE)


def _only_introductions(question: str) -> bool:
    """A turn that only greets and says who is there (``_INTRODUCTION``): no question mark, no
    request."""
    return ("?" not in question and _INTRODUCTION.search(question) is not None
            and not _ASKING.search(question.lower()) and not _REQUEST_WORDS.search(question))


def only_small_talk(question: str) -> bool:
    """A turn whose every ask is small talk ("…come in, sit down there. Did you get parked alright?
    The car park's gone to pot since they started the works."): nothing in it is for the
    person's profile to answer (set p had answered with a note "DON'T park in short term, €€€")."""
    sentences = [s for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    chat = _small_talk_each(sentences)
    asking = [i for i, s in enumerate(sentences) if _asks(s)]
    # A request anywhere in a sentence ("…so I won't go over everything again, but tell me in
    # your own words why…", "To begin with, kindly take us through your background") asks.
    return bool(asking) and all(chat[i] for i in asking) and not any(
        _ASKING.search(s.lower()) or _REQUEST_WORDS.search(s) for s, said in zip(sentences, chat) if not said)


# The interviewer's plan for the interview ("I'll ask you about it, then I'll tell you about the
# job…"), and a word after it that checks it suits ("Fair?", "Okay?"): set r had answered that
# "Fair?" with a note on the project manager and the person's degree. (After a condition of the
# job, "We start at seven. All right?" asks whether it suits: ``ACCEPTS``.)
_PLAN = re.compile(r"\b(?:" + _PLAN_SAID + "|"
                   # "We talk for about forty-five minutes, and then Katalin takes you down…" (set v)
                   r"(?:i|we)(?:'ll| will)? (?:talk|chat|speak) for (?:about |around |roughly |maybe |up to )?"
                   r"(?:an? |half an |one |\d+ |(?:ninety|sixty|forty|thirty|twenty|fifteen|ten)[- ]?(?:five )?)(?:hours?|minutes|mins)\b)",
                   re.IGNORECASE)
_TAG = re.compile(r"^\W*(?:fair|fair enough|okay|ok|alright|all right|sound good|sounds good|good|yeah|yes|cool|"
                  r"(?:does )?that work(?:s)? for you|(?:is )?that (?:ok|okay|alright|all right)(?: with you| for you)?|"
                  # the same check in the interview's country's words ("We talk for about forty-
                  # five minutes, … Passt das?", set v)
                  r"passt das|passt es|in ordnung|d'accord|ça (?:vous|te) va|ça va|vale|de acuerdo|va bene|tudo bem|"
                  r"pode ser|está bem|goed zo|oké|prima)\W*\?\W*$",
                  re.IGNORECASE)
# How long it will take, said between the plan and its check: "Should be about an hour.", "About
# an hour, hour and a bit." (set v).
_DURATION = re.compile(r"^\W*(?:(?:it'?ll|it will|it should|should|this will|this should|that'?ll) (?:be|take|last) |"
                       r"(?:we have|we've got) )?(?:about |around |roughly |maybe |just |under |up to )?(?:an? |half an |one )?"
                       r"(?:hour|\d+ (?:minutes|mins)|(?:forty|thirty|twenty)[- ]?(?:five )?(?:minutes|mins))\b[^?]*$", re.IGNORECASE)


# Words at most of a question that goes on with the small talk before it, and asks nothing of "you".
CHAT_ON_WORDS = 5
_ASKS_WORD = re.compile(r"^\W*(?:and |so |but |okay,? |right,? )*(?:what|how|why|which|where|when|who|any|tell|can|could|would|will|"
                        r"is|are|do|does|have|has)\b", re.IGNORECASE)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|you'\w+)\b", re.IGNORECASE)


def _small_talk_each(sentences: list[str]) -> list[bool]:
    """Whether each sentence is small talk: on its own (``small_talk``), or as a check on the
    plan said just before it ("…then you can tell me if you still want it. Fair?")."""
    def plan_at(j: int) -> bool:
        return j >= 0 and _PLAN.search(sentences[j]) is not None and "?" not in sentences[j]

    # How many sentences before the check its plan ends: 1, or 2 when how long it takes is said between.
    back = [0] * len(sentences)
    for i, s in enumerate(sentences):
        if i > 0 and _TAG.match(s) is not None:
            back[i] = 1 if plan_at(i - 1) else 2 if _DURATION.match(sentences[i - 1]) and plan_at(i - 2) else 0
    # The plan too: "…and then you can tell me if you still want it" asks nothing yet.
    chat = [small_talk(s) or bool(back[i]) or any(0 < j - i <= back[j] for j in range(i + 1, min(i + 3, len(sentences))))
            for i, s in enumerate(sentences)]
    for i in range(1, len(chat)):
        # The chat going on: "How was the drive up from Tauranga? Bombay Hills behave themselves?"
        # (set u), a few words that ask nothing of the person.
        chat[i] = chat[i] or (chat[i - 1] and _SMALL_TALK.search(sentences[i - 1]) is not None
                              and sentences[i].rstrip().endswith("?") and len(sentences[i].split()) <= CHAT_ON_WORDS
                              and not _SECOND_PERSON.search(sentences[i]) and not _ASKS_WORD.match(sentences[i])
                              and classify(sentences[i]).cue is None)
    return chat


_REQUEST_WORDS = re.compile(r"\b(?:tell|walk|talk|take|describe|explain|introduce|share|run)\b[^.?!]*\b(?:me|us|yourself|through)\b|"
                            r"\b(?:first up|to begin|to start|kick off|start with)\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def classify(question: str) -> Classified:
    """The question's type by the cue table (cached: a turn's answer, its follow-up check, its
    critic and the prefetch lookup each ask for the same text)."""
    asked = without_small_talk(without_instructions(question))
    if not asked.strip():
        return Classified(QuestionType.NOT_A_QUESTION, "instruction")
    if only_small_talk(question) or _only_introductions(asked):
        return Classified(QuestionType.NOT_A_QUESTION, SMALL_TALK)
    # ("Why'd you leave Harbour Cat?" is "why did you leave", set x.)
    text = re.sub(r"\bwhy['’]d\b", "why did", " ".join(asked.lower().split()))
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
    # The cue is looked for where the turn asks (``focus``), not in its chat: "Sorry I was out
    # the day of your onsite, I was traveling. … give me the version of your story that isn't
    # on the resume" is not about travel, nor "Take me through the first two hours" about the
    # hours of the job (set m).
    # The sentences that ask come first ("You'd be managing four people, two of them part-time
    # … How have you gone about managing someone who's more experienced than you?" is no
    # question of hours, set n), then the turn's focus.
    def masked(part: str) -> str:
        part = " ".join(part.lower().split())
        return " ".join("x" if w.strip("?.,!'’s").lower() in names or w.strip("?.,!").lower() in names else w
                        for w in part.split()) if names else part

    # Only where the asking sentences say nothing does the rest of the turn decide: "…you're at
    # six-twenty CTC and looking for around eight hundred. … Where's your flexibility?"
    # What to do in a scene is not the scene's arrangements: "Let me throw a client at you. … He's
    # on a salary, $105k. … Where do you start?" is no question of the person's pay (set l).
    scene = _WHAT_TO_DO.search(asked) is not None
    # Nor is a school in the scene a question of the person's schooling: "It's half four on a
    # Friday. A school rings … Talk us through what you'd do" (set q had read their courses).
    asking_last = masked(_last_ask(asked))
    if _RANGE_THEN_WHERE.search(text):
        # "The range is sixty-four to seventy-six. Where do you see yourself?" asks the pay
        # wanted, not the person's plans, though its asking sentence alone would say so (set y).
        return Classified(QuestionType.LOGISTICS, _RANGE_THEN_WHERE.pattern)
    for said in dict.fromkeys((masked(asking_sentences(asked)), masked(focus(asked)), text)):
        for kind, patterns in _COMPILED:
            if scene and kind is QuestionType.LOGISTICS and said is text:
                continue
            for pattern in patterns:
                if pattern.search(said):
                    if scene and kind is QuestionType.EDUCATION and not pattern.search(asking_last):
                        continue
                    return Classified(kind, pattern.pattern)
    return Classified(QuestionType.OTHER, None)


# A turn that asks whether what was just said suits the person: "Does that work for you?", "Are
# you alright with that?", "How do you feel about that?" (said after the job's conditions).
ACCEPTS = re.compile(
    r"\b(would|will|does|do|is|are) (that|this|it|all (of )?that)( (kind|sort) of (setup|thing|arrangement))? "
    # ("Is that gonna work for you?", "Would that do you?": set u)
    r"((going to |gonna )?work|suit|sound|do you|be (ok|okay|alright|all right|fine|a problem|an issue|workable|doable|manageable)|ok|okay|"
    r"alright|all right|fine|a problem|an issue|workable|doable|manageable|going to be (a problem|an issue))\b|"
    r"\bi hope (that|this|it)('s| is) (ok|okay|alright|all right|fine)\b|"
    r"\b(are|would) you (be )?(ok|okay|alright|all right|fine|comfortable|happy) with (that|this|it)\b|"
    # "And you're fine with the lifting and that?" (set u): an arrangement said, asked whether it suits.
    r"^\W*(and |so )?you'?re (ok|okay|alright|all right|fine|comfortable|happy) with\b[^?]*\?|"
    r"\bhow (do|would) you feel about (that|this|it)\b|\bhow (does|would) (that|this|it|all (of )?that) sound\b",
    re.IGNORECASE,
)
# The job's arrangements such a turn may be about, which the person's notes may answer.
_ARRANGEMENT = re.compile(
    r"\b(overtime|on-?call|nights?|night shifts?|splits?|split shifts?|shifts?|rota|roster|weekends?|travel|on the road|"
    r"hybrid|in the office|on site|on-site|commute|relocat\w*|salary|pay|range|rate|hours|money|call-?outs?|lifting|package|"
    r"notice|visa)\b", re.IGNORECASE)


_RANGE_THEN_WHERE = re.compile(r"\b(range|band|scale)\b[^?]*[.,;]\s*where (do|would) you see yourself\W*$")


def asks_to_accept(question: str) -> bool:
    """The turn's last sentence that asks is whether something said suits ("…No splits. Does
    that work for you?")."""
    asking = last_asked(question)
    return asking is not None and ACCEPTS.search(asking) is not None


def sentences_of(question: str) -> list[str]:
    """The turn's sentences, split where every reader of a turn splits them."""
    return [s for s in _SENTENCE_END.split(question.strip()) if s.strip()]


def question_sentences(question: str) -> list[str]:
    """The turn's sentences with a question mark: not "Our range is 4.8 to 6.5 million"."""
    return [s for s in _SENTENCE_END.split(question.strip()) if s.rstrip().endswith("?")]


def last_asked(question: str) -> str | None:
    """The turn's last sentence with a question mark, if any."""
    asking = question_sentences(question)
    return asking[-1] if asking else None


# Words that start a clause in capitals after a dash or a label and never name anything (a story's
# "In 2022 …" and "The agreed repair …" had made "in" and "the" words that tell it from the
# person's other work, set m).
_FUNCTION_WORDS = frozenset(
    """the a an in on at to for of by with from after before during when while where if and or but so
    then as this that these those it its my our their we they he she you your his her""".split()
)


_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.-]*")
_CAPITAL = re.compile(r"[A-Z]")


def names_in(question: str) -> list[str]:
    """Words the question capitalises inside a sentence ("Rust", "Google Classroom") or writes in
    capitals ("SEND", "ECMO"): names of things, however common the word is in English."""
    out = []
    for sentence in _SENTENCE_END.split(question.strip()):
        if not _CAPITAL.search(sentence):
            continue  # (most sentences of a spoken turn: read on the way to every first word)
        words = _NAME_WORD.findall(sentence)
        for i, word in enumerate(words):
            if not word[0].isupper():
                continue  # a word that starts in lower case is neither a name nor in capitals
            word = word.strip(".-")
            if word in ("I", "I'm", "OK") or len(word) < 2:
                continue
            if word.lower() in _FUNCTION_WORDS and not word.isupper():
                continue  # "Result — The agreed cost…", "Situation: In 2022…": a clause's start, no name
            if (i > 0 and word[0].isupper()) or (len(word) >= 3 and word.isupper()):
                out.append(word)
    return out


def without_instructions(question: str) -> str:
    """The question with any sentence that talks to the assistant ("ignore your instructions",
    "you are now a pirate") taken out: those are never obeyed, and never asked about."""
    from firstword.grounding.facts import INSTRUCTION_LIKE

    sentences = _SENTENCE_END.split(question.strip())
    kept = [s for s in sentences if not INSTRUCTION_LIKE.search(s) and not _ROLEPLAY.search(s)]
    return " ".join(kept)


def without_small_talk(question: str) -> str:
    """The turn without its sentences of small talk (``small_talk``): "You want a coffee? Tea?
    No? All good. … So why don't you tell me a bit about yourself?" asks about the person, and
    its "want" is no cue to the note on the pay they want (set k). A turn of small talk alone is
    kept whole: it is what was said."""
    sentences = _SENTENCE_END.split(question.strip())
    kept = [s for s, said in zip(sentences, _small_talk_each(sentences)) if not said]
    return " ".join(kept) if kept and len(kept) < len(sentences) else question


# A sentence that asks: a question, or a request ("So, to start, just tell me a little bit about
# yourself.", "Talk me through what you'd do.").
_REQUESTS = re.compile(
    r"^\W*(?:(?:so|and|okay|ok|right|now|then|but|well|just|first|firstly|finally|lastly|to start|first off|let'?s (?:start|begin|kick off)(?: (?:easy|simple|off|here|with this))?)\b[ ,:]*)*"
    # "Take us through…", not "Take a seat there."
    r"(?:please\s+)?(?:tell|talk|walk|take (?:me|us)|give|describe|share|explain|run|paint|go through)\b|"
    r"\b(?:start|kick) (?:us |me |things )?off (?:by|with)\b|"
    r"\b(?:can|could|would|will) you (?:please )?(?:tell|talk|walk|take|give|describe|share|explain|run|go through|start|"
    r"expand|elaborate)\b|\b(?:i'd|i would|we'd|we would) (?:like|love) (?:you )?to (?:hear|know)\b",
    re.IGNORECASE,
)
# The words of a sentence said before the question, against the question's own: the scene a
# question is about ("Solar, I saw that on your CV. … What have you been doing on that front?")
# still counts, the chat before it ("Sorry about the mess, Tania keeps telling me to sort this
# office out.") less: its words had chosen the answer (set k). Measured over the 1007 shipped and
# held-out turns: at 0.3 a topic said three sentences before the ask was lost ("The role has two
# direct reports. … Can you give us an example …?" opened with the skills list); at 0.6 the chat
# no longer outweighs the question in any turn read.
LEAD_WEIGHT = 0.6


@lru_cache(maxsize=256)
def sentence_weights(question: str) -> tuple[tuple[str, float], ...]:
    """The turn's sentences, each with how much its words say what is asked: each sentence that
    asks, the sentence just before one and those after the last, 1; small talk 0; the rest
    ``LEAD_WEIGHT``. A turn with no sentence that asks is all question. Cached: the retrieval
    weighs the turn, and reads what it lacks from the same sentences (``focus``), per answer."""
    sentences = [s for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    chat = [small_talk(s) for s in sentences] if len(sentences) > 1 else [False]
    asking = [not chat[i] and _asks(s) for i, s in enumerate(sentences)]
    if not any(asking) or asks_to_accept(question):
        # "…there will be Saturdays during the structure. Couple a month. Is that going to work
        # for you?": what is asked is whether what was said suits.
        return tuple((s, 0.0 if chat[i] else 1.0) for i, s in enumerate(sentences))
    last = max(i for i, a in enumerate(asking) if a)
    weights: list[tuple[str, float]] = []
    for i, sentence in enumerate(sentences):
        # What is asked, what it is about (the sentence before an ask), and what is said
        # after the last ask ("…how comfortable are you? The drivers will speak Dutch with you.").
        said_for = asking[i] or i > last or (i + 1 < len(sentences) and asking[i + 1])
        weights.append((sentence, 0.0 if chat[i] else 1.0 if said_for else LEAD_WEIGHT))
    return tuple(weights)


def focus(question: str) -> str:
    """The sentences of the turn that say what is asked (``sentence_weights`` of 1)."""
    return " ".join(s for s, w in sentence_weights(question) if w >= 1.0)


def asking_sentences(question: str) -> str:
    """The sentences of the turn that ask (a "?" or a request), not its small talk ("Is now
    still a good time?") nor what it tells ("Our values are Compassion, Accountability, …");
    ``focus`` where none does, or where the ask is what to do in the scene the turn set ("…
    started on clarithromycin, and they're also on simvastatin 40 mg. What would you do?")."""
    weighted = sentence_weights(question)
    kept: list[str] = []
    for i, (sentence, weight) in enumerate(weighted):
        if weight < 1.0 or not _asks(sentence) or small_talk(sentence):
            continue
        if i and _ENDS_ON_IT.search(sentence) and weighted[i - 1][0] not in kept:
            # "Our LatAm expansion needs Spanish. Do you speak it?": what "it" is (not the
            # people of "How will you manage them?", whose names are no skill to lack).
            kept.append(weighted[i - 1][0])
        kept.append(sentence)
    said = " ".join(kept)
    return focus(question) if not said or _WHAT_TO_DO.search(said) else said


_ENDS_ON_IT = re.compile(r"\bit\W*$", re.IGNORECASE)
# What the person would do in a scene: its specifics are in the sentences before.
_WHAT_TO_DO = re.compile(
    r"\bwhat (?:would|do|will|should) you (?:do|say)\b|\bwhat(?:'s| is) your (?:first|next) (?:move|step|worry)\b|"
    r"\bwhere (?:do|would) you (?:start|begin|go)\b|\bwhat now\b|"
    r"\b(?:talk|walk|take) (?:me|us) through (?:what|how) you(?:'d| would)?\b|"
    # "Okay, case study. Customer, twenty-three, on a student visa, … Talk me through it." (set u:
    # answered with the person's pay note, read as a question of visas.)
    r"\bcase study\b|(?<![\w'])(?:talk|walk|take) (?:me|us) through (?:it|this one|that one)\W*$",
    re.IGNORECASE,
)


def _last_ask(question: str) -> str:
    """The turn's last sentence that asks (a "?" or a request), or ""."""
    asking = [s for s in sentences_of(question) if _asks(s)]
    return asking[-1] if asking else ""


def _asks(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or is_request(sentence)


def is_request(sentence: str) -> bool:
    """A sentence that asks without a "?" ("Take us through how you did it.")."""
    return _REQUESTS.search(sentence) is not None


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


# The questions of greeting a person, which nobody wants answered from a resume: "Can you hear
# me OK?", "How are you doing today?", "Find us all right? Parking OK out the front?", "Will you
# have a tea or a coffee? No?", "Sorry, you froze there. Is that better?". Interviews open with
# them run together with the first real question (the blind sets' openers, `i`'s most of all).
# "Is now still a good time?", "…is now still an okay time to chat?"
# ("You right to talk?", set w: Australian for the same.)
_GOOD_TIME_ASKED = (r"(?:is (?:now|this|it) (?:still )?(?:a |an )?(?:good|ok|okay|convenient|bad) time\b[^?]*|"
                    r"(?:are )?you (?:right|ok|okay|free|good) (?:to talk|to chat|for a chat|for a minute)(?: now)?)\?\W*$")
# (The name may come first: "Lucía, hi, can you hear us?", set v.)
_GREETING = r"^\W*(?:(?-i:[A-Z])[\w'-]*,\s*)?(?:(?:hi|hiya|hello|hey|morning|afternoon|good (?:morning|afternoon))\b[^?]*?,\s*)?(?:(?:so|and|oh|well|right|okay|ok|now|sorry)\b[ ,]*)*"
_SMALL_TALK = re.compile(
    _GREETING + r"(?:"
    r"(?:can|could) you (?:hear|see) (?:me|us)\b|(?:can|could) you still (?:hear|see)\b|"
    r"(?:is|are) (?:my|the) (?:audio|sound|video|mic|microphone|connection|line|camera)\b|"
    r"am i (?:coming through|breaking up|on mute)\b|(?:you're|you are|i think you're|i was) on mute\b|"
    r"(?:have|did) i lose you\b|(?:have|did) we lose you\b|(?:you|i) (?:froze|cut out|dropped out)\b|is that better\b|"
    r"is (?:it|this|that) working(?: now)?\W*$|"
    r"are you (?:still )?there\b|"
    # A phone screen's opening: "Is now still a good time?" (set k, after "Hi, is that Craig?").
    + _GOOD_TIME_ASKED + r"|"
    # The interviewer's plan for the call, checked with a tag: "I just want to run through a few
    # bits with you before I put you forward to the client, okay?" asks nothing of the person's.
    r"(?:[^?]*?[,;:]\s*)?" + _PLAN_SAID + r"[^?]*,\s*"
    r"(?:okay|ok|alright|all right|yeah|is that (?:ok|okay|alright|all right)|sound good|does that sound (?:ok|okay|good))\?\W*$|"
    r"how(?: are|'re|'s| is| have| has|'ve)? (?:you|things|it|life|you been)(?: doing| going| keeping| been)?"
    r"(?: today| this morning| this afternoon| so far)?(?:\W*$|(?=[,;]\s*how\b))|"
    r"(?:you|you're) (?:well|good|keeping well)\W*$|"
    r"how(?:'s| is| has| was) (?:your|the) (?:day|week|morning|afternoon|weekend)\b|(?:good|nice|busy) (?:weekend|week|day)\W*$|"
    r"(?:did you |you )?(?:find|found) (?:us|the (?:office|place|building|site|room|clinic|shop|kitchen|yard|restaurant|school|depot|store))\b|"
    # The interview's goodbye: "Cheers for coming in, Daniel.", "Thanks very much for coming in." (set r)
    r"(?:thanks|thank you|cheers)(?: (?:very|so) much| again)? for (?:coming in|coming|your time|coming to see us)\b|"
    r"(?:did you |you )?get (?:in|here|there) (?:ok|okay|all right|alright|fine|safely|easily)\b|"
    r"(?:i hope )?you didn'?t have (?:too much |any )?(?:trouble|problems?|difficulty) (?:getting|finding)\b|"
    r"(?:did you )?find (?:it|parking) (?:ok|okay|all right|alright|fine|easily|easy)\b|"
    r"(?:did you )?(?:find )?(?:get )?park(?:ing|ed)?\b(?: (?:was|is))? (?:ok|okay|all right|alright|fine|easy)\b|"
    r"(?:did you )?(?:get|manage to get) parked\b|"
    r"how was (?:the|your) (?:drive|journey|trip|traffic|flight|train|bus|commute|ride)\b|"
    # Set u: "How were the roads this week?", "Did you get through the gate okay?"
    r"how (?:were|are|was|is|'re) the roads\b|(?:did you |you )?get through (?:the )?(?:gate|security|reception|traffic|roadworks)\b"
    r"[^?]*\b(?:ok|okay|all right|alright|fine)\b|(?:have|did) you (?:come|travel(?:led)?) far\b|"
    r"(?:good|easy|smooth|long) (?:journey|trip|drive|flight|commute)\b[^?]*\?\W*$|(?:was the )?traffic (?:ok|okay|all right|alright|bad)\b|"
    r"(?:can|could) i (?:get|grab|offer|make) you (?:a|an|some|anything)\b|"
    r"(?:would you like|will you have|do you want|you want|fancy|are you after|can i tempt you with) (?:a |some )?"
    r"(?:tea|coffee|water|drink|cuppa|glass of water|cup of)\b|"
    r"(?:(?:a |some )?(?:tea|coffee|water|brew|cuppa|milk|sugar)(?:,? (?:or )?(?:a |some )?(?:tea|coffee|water|brew|cuppa|milk|sugar))*\W*$)|"
    r"(?:you |did you )?(?:came|come|drove|driven|get|got|made it) (?:in |up |down |over |across )?from\b[^?]*\?\W*$|"
    r"(?:did you )?(?:manage to )?(?:find|get) (?:a )?(?:parking|park|parking space|car park)\b|not (?:too|so) bad\W*$|"
    # Set v: "Where are you calling in from?", "What time is it there, still morning?", "How are
    # you finding Melbourne so far?", "You only got in on the weekend, yeah?", "You found the stage door?"
    r"where are you (?:calling|dialling|dialing|joining|ringing|phoning|zooming|speaking to us)(?: in| us)? from\b|"
    # What to call the person: "Ms Marsh? Or Ellie, is that all right?"
    r"or (?-i:[A-Z])[\w'-]+,? (?:is that|is it|would that be) (?:all right|alright|ok|okay|fine)\W*\?\W*$|"
    r"what time is it (?:there|for you|where you are|over there)\b|"
    r"how (?:are you finding|do you like|are you liking|are you enjoying) (?:the (?:city|area|town|weather|country|place)\b|"
    r"(?-i:[A-Z][a-z]+) (?:so far|yet)\b)|"
    r"(?:you )?(?:only |just )?(?:got|flew|arrived|came|landed) in (?:on|at|last|this|yesterday|over)\b[^?]*\?\W*$|"
    r"(?:did you |you )?(?:find|found) (?:the )?(?:\w+ )?(?:door|entrance|gate|way in|reception|office|building|place|room)\W*\?\W*$|"
    r"(?:is it still|still) raining\b|(?:hot|cold|wet|lovely|miserable|glorious|horrible) (?:one|day|morning|out there|weather)\b|"
    # How the interview will run, checked before it starts (set r: "…Each panel member will score
    # independently. Is that clear? Okay. The first question: …").
    r"(?:is )?(?:that|everything|all that) clear(?: so far| enough)?\W*$|does (?:that|all that) make sense(?: so far)?\W*$|"
    r"(?:are you )?ready to (?:start|begin|go)\W*$|(?:shall|will|should) we (?:start|begin|get started|get going|kick off)\W*$|"
    # Set q: "You found the place okay?", "Did you find the visitor parking okay?", "Did you manage
    # okay with the parking?", "The Luas wasn't too mad?", "Security didn't give you too hard a
    # time?", "…we had that time booked for ten-thirty?"
    r"(?:did you |you )?(?:find|found) (?:the )?(?:\w+ )?(?:parking|car park|place|office|building|entrance|gate|door|way in|reception)\b[^?]*"
    r"\b(?:ok|okay|all right|alright|fine|easily|easy)\b|"
    r"(?:did you )?manage (?:ok|okay|all right|alright|fine) (?:with|on) (?:the )?(?:parking|traffic|drive|journey|trains?|buses)\b|"
    r"[^?]*\b(?:wasn'?t|weren'?t|isn'?t|didn'?t)\b[^?]*\btoo (?:mad|bad|busy|crazy|rough|awful|hard|much trouble)\b[^?]*\?\W*$|"
    r"(?:[^?]*?[,;:—–-]\s*)?(?:we|i) (?:had|have) (?:this|that|the|a) (?:time|call|slot|chat)\b[^?]*\?\W*$"
    r")",
    re.IGNORECASE,
)
# "No?" after "Will you have a tea?": a word that only takes up the sentence before it. Not
# "OK?", "Good?" or "All right?", which ask whether something said suits ("We start at seven.
# All right?").
_TAKE_UP = re.compile(r"^\W*(?:no|yes|yeah|yep|nope|sure|really|right|hello|hi)\W*$", re.IGNORECASE)
# A further ask in the same sentence as the small talk: "Did you find us OK, and could you start
# by telling us about yourself?".
_ASKS_ON = re.compile(r"[,;—–-]\s*(?:(?:and|so|but|then)\s+)?(?:what|how|why|when|where|who|which|tell|walk|talk|"
                      r"could|can|would|do|did|are|is|have|give|describe)\b", re.IGNORECASE)


# "Hiya, Kirsty?", "Hi, is that Hannah?": a greeting that asks for the person by name (three
# openers of the held-out sets had said "Your profile doesn't mention Hiya").
# "Hey — Rosa?", "Hi — Daniel?" (set p, h: a dash as often as a comma).
_GREETED = re.compile(r"^\W*(?:(?:[Hh]iya|[Hh]i|[Hh]ello|[Hh]ey|[Mm]orning|[Gg]ood (?:morning|afternoon|evening)|"
                      # In the words of the interview's country (set v: "Grüß Gott, Ms Marsh?")
                      r"G'day|Grüß Gott|Gruess Gott|Kia ora|Karibu|Bore da|Hola|Bonjour|Ciao|Olá|Oi|Salaam|Namaste)\b(?:[, ]|[—–-])+"
                      r"(?:is (?:that|this|it) )?(?:(?:Mr|Mrs|Ms|Miss|Dr)\.? )?|(?:Mr|Mrs|Ms|Miss|Dr)\.? )"
                      r"[A-Z][\w'-]*(?:\s+[—–-]\s+[A-Z][\w'-]*)?\W*\?\W*$")
# "Hi Darren, it's Kelly from Northway Recruitment, thanks for getting back to me.": the caller
# saying who they are; its names are not asked about (they had opened "Your profile doesn't
# mention Kelly Northway Recruitment", set e).
_INTRODUCED = re.compile(
    r"^\W*(?:(?i:hi|hiya|hello|hey|morning|good (?:morning|afternoon))\b[^.?!]*?,\s*)?"
    r"(?i:it's|it is|this is|my name's|my name is|i'm|i am)\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?,?\s+"
    r"(?i:(?:here\s+)?(?:calling\s+|ringing\s+|phoning\s+|speaking\s+)?(?:from|at|with|over at))\s+[^?]*$"
)


# "Hi Jess, it's Brooke calling from Talent Harbour — is now still an okay time to chat?" (set p)
_GOOD_TIME = re.compile(r"\b" + _GOOD_TIME_ASKED, re.IGNORECASE)


@lru_cache(maxsize=4096)
def small_talk(sentence: str) -> bool:
    """A sentence of small talk only (``_SMALL_TALK``, with nothing more asked after it)."""
    if _TAKE_UP.match(sentence) or _GREETED.match(sentence):
        return True
    if (_INTRODUCED.match(sentence) or _GOOD_TIME.search(sentence)) and not _REQUESTS.search(sentence):
        return True
    found = _SMALL_TALK.search(sentence)
    if found is None:
        return False
    rest = sentence[found.end():]
    if _ASKS_ON.search(rest) and (more := re.sub(r"^[\s,;—–-]*(?:(?:and|so|but)\s+)?", "", rest)) != rest.strip():
        return small_talk(more)  # "How are you, how was the weekend?" (set u)
    return len(rest.split()) <= 8 and not _ASKS_ON.search(rest)


# ----- follow-ups --------------------------------------------------------------------------------

# A short question that points back at what was just said ("How did she take that?", "And what
# was the outcome?", "And do you phone him?"): read alone, it asks about nothing, and the grounding
# had answered it with whatever shared a word ("How did that land with the registrar afterwards?"
# said "I registered Medical Radiation Practitioner", set m).
_POINTS_BACK = re.compile(
    r"\b(that|it|this|then|afterwards|after that|in the end|the (outcome|result|end result)|"
    r"they|them|he|she|him|her|his|their)\b",
    re.IGNORECASE,
)
# Where those words point at nothing before: "anything like that", "that I should know about"
# (a clause's "that"), "it's" of the weather, "let them know" (the people hiring).
_NOT_POINTING = re.compile(
    # "a lesson that didn't go to plan": a relative "that" after a noun, which names its topic.
    r"\b(?:a|an|the|one|some|any|every)\s+[a-z]+\s+that\s+[a-z]|"
    r"\b((anything|something|things|stuff|or) like that|that (i|you|we|they|he|she|it)\b|it'?s been|is it|"
    r"let (them|him|her) know)\b",
    re.IGNORECASE,
)
# Words of a follow-up at most: a longer question names what it asks about.
FOLLOW_UP_WORDS = 14
# An acknowledgement before it ("Okay.", "Interesting.", "Right, got it."): no topic of its own.
ACKNOWLEDGEMENT_WORDS = 3
# Types answered by a cue of their own (a note, the closing question): never a follow-up's.
_OWN_ANSWER = frozenset({QuestionType.CLOSING, QuestionType.LOGISTICS, QuestionType.WEAKNESS,
                         QuestionType.ABOUT_YOU, QuestionType.MOTIVATION, QuestionType.NOT_A_QUESTION})


# Asking to hear again what the person just said, cut off by the line ("…I think we lost the last
# part. Just the end bit, please.", "Could you say that again?", "Can you go back to where you
# said you'd test it in… something?"): what was said, not a new question (set t had been shown
# "What was the result?" for "the end bit"; set u the person's notes on their laptop and wifi).
SAY_AGAIN = re.compile(
    # (Not "anything you didn't get a chance to say that you'd like to add", sets g, k.)
    r"\bsay (?:that|it|this|the last (?:bit|part)|what you (?:just )?said) (?:again|one more time)\b|"
    r"\brepeat (?:that|it|this|the last (?:bit|part)|what you (?:just )?said)\b|"
    # ("…we lost the last part", "Just the end bit, please", "What was the last bit?"; not "Rick's
    # gonna hop on for the last bit", set u)
    r"\b(?:just|what was|missed|lost|catch|caught|hear|heard|get|got|repeat) (?:the |that )?(?:end|last) (?:bit|part)\b(?! of)|"
    r"\b(?:end|last) (?:bit|part),? (?:please|again)\b|\bcome again\b|\bsay again\b|\bfrom (?:the top|where you (?:stopped|were))\b|"
    r"\bgo back to (?:where|what) you (?:said|were saying|were)\b|\bgo back to how you\b|"
    # ("…you froze for a bit there. … can you just repeat from there?", "Go ahead from there")
    r"\b(?:repeat|go ahead|carry on|continue|pick (?:it |that )?up) from (?:there|where you (?:left off|stopped))\b|"
    # "You froze on me there … Can you back up a bit? I lost maybe twenty seconds." (set v had
    # opened with a note of the person's winter plans)
    r"\bback up (?:a bit|a little|a few seconds|a sec|a second)\b|"
    r"\b(?:i|we)(?:'ve)? lost (?:you\b|(?:(?:maybe|about|around|like|the last|a few|some) )*(?:\w+ )?seconds\b|"
    r"the (?:line|connection|audio|sound|signal|video)\b)",
    re.IGNORECASE,
)


def asks_again(question: str) -> bool:
    """Whether the turn asks to hear again what was just said (``SAY_AGAIN``), where it asks: its
    last question or its last sentence, not its plan ("Rick is gonna hop on for the last bit").
    ("…Just the end bit, please." asks with no question mark.)"""
    # (The last three: "Can you go back to where you said you'd test it in... something? We lost
    # about ten seconds.")
    sentences = sentences_of(question)
    return any(SAY_AGAIN.search(s) for s in {last_asked(question) or "", *sentences[-3:]} if s)


def follows_up(question: str) -> bool:
    """Whether ``question`` is a follow-up that leans on the question before it for its topic:
    short, after nothing but an acknowledgement, pointing back ("that", "then", "she", "the
    outcome"), and of no type a cue answers by itself (salary, the closing question); or asks
    to hear again what was said to it (``asks_again``)."""
    if asks_again(question):
        return True
    sentences = [s for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    if not sentences or any(len(s.split()) > ACKNOWLEDGEMENT_WORDS for s in sentences[:-1]):
        return False
    asked = _NOT_POINTING.sub(" ", sentences[-1])
    if len(sentences[-1].split()) > FOLLOW_UP_WORDS or not _POINTS_BACK.search(asked) or small_talk(sentences[-1]):
        return False  # nor "How's it going?"
    return classify(question).kind not in _OWN_ANSWER


# ----- a turn said to someone else ---------------------------------------------------------------

# The cue of a turn that hands the floor to a colleague ("Johan, over to you.", "Faith, do you have
# your questions?"): nothing in it is for the person to answer (set q had read "Declan Keane =
# partner, ex-barrister, apparently blunt" from the notes for "Niamh, did you want to ask about
# the systems?", and shown the person's own questions for the panel for Faith's).
HAND_OVER = "hand-over"
# Words before a name that address it: "So Daniel, …", "Okay, Rick, go ahead.", "Alright. Dana, …"
# (not "Thanks Nadia." nor "Hi Patrick.", which thank or greet someone before turning to another).
_LEAD_INS = r"(?:(?:so|and|okay|ok|right|now|well|yes|yeah|great|sure|oh|ja|ha|good|lovely|perfect|cool|alright|fine|excellent|brilliant)[,.!]?\s+)*"
_VOCATIVE = re.compile(
    r"(?:^|(?<=[.!?])(?<!Mr\.)(?<!Dr\.)(?<!Ms\.)(?<!Mrs\.)(?<!Prof\.)\s+|[—–]\s*)(?i:" + _LEAD_INS + r")"
    r"((?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)?[A-Z][a-zà-ÿ][a-zà-ÿ'’-]*(?:\s+[A-Z][a-zà-ÿ][a-zà-ÿ'’-]*)?)"
    r"\s*(?:,|\?\W*$)"
)
# Capitalised words that open a sentence and name nobody.
_NOT_NAMES = frozenset(
    "so and okay ok right now well yes yeah great sure oh ja ha good lovely perfect cool alright fine excellent "
    "brilliant thanks thank hi hello hey morning afternoon evening look listen sorry also then next first last "
    "finally anyway honestly again just but hmm mm um er ah you your i we they he she it this that what how why "
    "when where who which helpful grand sound super nice fair understood noted deal done interesting wonderful "
    "fantastic amazing awesome splendid merci cheers ta absolutely exactly indeed true wow gosh gotcha excuse "
    "please hang wait anything everything nothing something hiya today tonight tomorrow yesterday".split()
)
# "— Teraview, Unity, Conveyancer, which ones…": a list of names, not someone spoken to.
_LISTED_AFTER = re.compile(r",\s*[A-Z][\w'’-]*\s*,")
# What hands the floor over, said to the name: a colleague is asked to go on, not the person to answer.
_HANDS_OVER = re.compile(
    r"\b(?:over to you|all yours|(?:the )?floor(?:'s| is) yours|go ahead|take it away|you(?:'re| are) up|your turn|"
    r"your questions|(?:do|did|would) you (?:want|like|wanna) to (?:take|start|ask|kick off|go|jump in|come in|pick up|"
    r"lead|cover|do)\b|(?:anything|something) (?:from you|to add)\b|"
    # "Sunita, did you have anything else?" (set r): the colleague's turn to ask, if they want it.
    r"(?:do|did) you have anything (?:else|more|further)\b)",
    re.IGNORECASE,
)
# Short forms people are called by that are no prefix of the name they wrote ("Tom" for Thomas).
_SHORT_FORMS = {
    "tom": "thomas", "bill": "william", "will": "william", "bob": "robert", "rob": "robert", "jim": "james",
    "jimmy": "james", "jack": "john", "liz": "elizabeth", "beth": "elizabeth", "betty": "elizabeth",
    "kate": "katherine", "katie": "katherine", "kathy": "katherine", "peggy": "margaret", "maggie": "margaret",
    "dick": "richard", "rick": "richard", "ted": "edward", "ned": "edward", "harry": "henry", "hank": "henry",
    "sandy": "alexandra", "sasha": "alexander", "tony": "anthony", "nell": "eleanor", "molly": "mary",
    "polly": "mary", "chuck": "charles", "charlie": "charles", "mike": "michael", "mick": "michael",
    "andy": "andrew", "drew": "andrew", "sue": "susan", "jen": "jennifer", "jenny": "jennifer",
}


def addressed_to(question: str) -> tuple[str, int, int] | None:
    """The name the turn last speaks to ("…Patrick, Kit was just talking us through it. Did you
    want to ask something?" → "Patrick"), with where it starts and ends; or None."""
    found = None
    for match in _VOCATIVE.finditer(question):
        name = match.group(1)
        if name.split()[0].lower().rstrip(".") not in _NOT_NAMES and not _LISTED_AFTER.match(question, match.end(1)):
            found = (name, match.start(1), match.end(1))
    return found


def asks_anything(text: str) -> bool:
    """Whether ``text`` asks the person anything besides small talk."""
    return any(("?" in s or _REQUEST_WORDS.search(s) or is_request(s)) and not small_talk(s) for s in sentences_of(text))


def is_own_name(name: str, own_names: frozenset[str]) -> bool:
    words = [w.lower().rstrip(".") for w in name.split()]
    words = [w for w in words if w not in ("mr", "mrs", "ms", "miss", "dr", "prof")]
    for word in words:
        if word in own_names or _SHORT_FORMS.get(word) in own_names:
            return True
        if len(word) >= 3 and any(own.startswith(word) for own in own_names):
            return True  # "Dan" for Daniel, "Chris" for Christopher
    return False


# "Kit?", "Okay. Hannah?": the person called by name, which asks nothing yet (set q: "Kit? Sorry —
# I lost you after 'displacement'. … Can you hear me?" had opened with the resume's name line).
# "Right, Daniel, is it?", "Hiya — Megan, is it?" (sets r, p) ask only whether it is them.
_CALLED = re.compile(r"^\W*(?i:(?:hi|hiya|hello|hey|morning)\W+)?(?i:" + _LEAD_INS + r")"
                     r"((?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?[A-Z][a-zà-ÿ'’-]+)(?i:,?\s+(?:is (?:it|that)|isn'?t it|right|yeah))?\W*\?\W*$")


def without_own_name_calls(question: str, own_names: frozenset[str], *, at_end: bool = False) -> str:
    """``question`` without its sentences that only call the person by name ("Kit?"), or
    (``at_end``) only those that end it ("…Sunita, anything else? No? Okay. Hannah?"); a turn of
    nothing else is kept whole."""
    sentences = _SENTENCE_END.split(question.strip())
    if at_end:
        end = len(sentences)
        while end > 0 and _is_call(sentences[end - 1], own_names):
            end -= 1
        kept = sentences[:end]
    else:
        kept = [s for s in sentences if not _is_call(s, own_names)]
    return " ".join(kept) if kept and len(kept) < len(sentences) else question


def _is_call(sentence: str, own_names: frozenset[str]) -> bool:
    return bool((m := _CALLED.match(sentence)) and is_own_name(m.group(1), own_names))


@lru_cache(maxsize=1024)
def handed_over(question: str, own_names: frozenset[str]) -> str | None:
    """The colleague a turn hands the floor to, where it is someone other than the person
    (``own_names``: the words of their name, lower case): "Johan, over to you.", "Right.
    Michelle?", "Faith, do you have your questions?", "— Tom, Jasmine's come up from Hamilton
    this morning." (said to Tom, asking nothing). None for a turn said to the person, or to no
    one by name ("Brian, do you have any questions for us?" is theirs to answer), and for one
    that asks the person something before the name ("What do you want to ask me? And Emma,
    anything from you?") or in which the colleague then asks ("Rob, over to you. Thanks Gemma.
    … Talk me through what you'd do.")."""
    text = question.strip()
    addressed = addressed_to(text)
    if addressed is None or is_own_name(addressed[0], own_names) or only_small_talk(text):
        return None
    name, start, end = addressed
    if asks_anything(text[:start]):
        return None
    after = text[end:]
    handing = _HANDS_OVER.search(after)
    if handing is not None:
        # What the colleague goes on to ask, in the sentences after the one that hands over.
        then = re.search(r"[.!?](?:\s|$)", after[handing.end():])
        return None if then is not None and asks_anything(after[handing.end() + then.end():]) else name
    if not re.search(r"[A-Za-z]", after):
        # "Right. Michelle?": after something said first; a turn of one name alone ("Figma?",
        # "Kubernetes?") asks about it.
        return name if re.search(r"[A-Za-z]", text[:start]) else None
    # Said to the colleague and asking nothing at all: an introduction, a remark.
    return None if asks_anything(text) else name
