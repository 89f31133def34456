"""What a note keeps to its writer: the least they would take ("ask €48k. min 45") and their
reminders of what to say or not ("be honest", "DON'T oversell scale"). An answer is read aloud
as the person's own words, so these are taken out of a note before it is said
(``kept_to_self``); the rest stays as written. Hand-written rules: no library reads a person's
shorthand for what they mean to keep back."""

from __future__ import annotations

import re
from functools import lru_cache

# The signs a sum of money is written with, in notes and questions alike.
CURRENCY_SIGNS = "$€£¥₹₦₱₩₺₪₫฿₴₽"
# The least the person would take, written for themselves: "ask €48k. min 45", "floor 108",
# "don't go under 80". An answer is read aloud; said, it is the number the other side pays
# (sets k and n had said "…ask 82-85. don't go under 80." to "What are you on at the hotel?").
# ("S$15,000", "NZ$80k", "RM 6,500": a country's letters before its sign, or its code.)
_SUM = (r"[~≈]?\s*(?:(?:S|A|AU|NZ|C|CA|US|HK|NT)?[" + CURRENCY_SIGNS + r"]|R|Rs\.?|RM|KSh|AUD|NZD|CAD|USD|EUR|GBP|NGN|KES|ZAR|SGD|INR|HKD|MYR|AED)?\s*\d(?:[\d.,]*\d)?\s*(?:k|K|m|M|mil|million|lakh|LPA)?"
        r"(?:\s*(?:-|–|to)\s*[$€£]?\d(?:[\d.,]*\d)?\s*(?:k|K)?)?(?!\s*(?:\+\s*)?(?:yrs?|years?|days?|hours?|hrs?|weeks?|wks?|months?|mths?|%|people|staff|shifts?)\b)(?![\d%])")
_FLOOR = re.compile(
    # ("£19.50 -> settle £19?": where the person would settle, set j)
    rf"\b(?:(?:min|minimum|floor|walk(?:[- ]?away)?(?: (?:point|number|at|if|below|under))?(?: (?:less than|lower than|under|below))?|"
    # ("walk at less than 88k", "will take 29.5": set y had said both)
    # (Not "I'd take $120k–$125k base with meaningful equity": what the person asks for, set b.)
    rf"(?:i'?ll|i will|will) (?:take|accept)(?=\s*{_SUM})|would accept(?=\s*{_SUM})|bottom[- ]line|lowest|absolute min\w*|"
    rf"(?:would |could |i'?d |will )?settle(?: for| at| on)?(?=\s*(?:[{CURRENCY_SIGNS}]|R\s?\d|\d[\d.,]*\s*[kK]\b)))\b\s*(?:is|at|of|=|:)?\s*{_SUM}\??"
    # "will NOT go under 43k" (set q had said "…ask for 46k. will.")
    rf"|(?:(?:will|would|i'?ll|i'?d|i)\s+)?(?:don'?t|do not|never|won'?t|wont|wouldn'?t|wouldnt|would not|not)\s+"
    rf"(?:(?:go(?:ing)?|take|accept|settle)\s+)?(?:under|below|lower than|less than|for less than|for under|for below)\s*{_SUM})"
    # "min R36k + 13th cheque", "min £41k + R&R": what goes with the least goes with it
    # (up to a dash that starts the next piece: "Floor R33k + svc charge - ask how it's split")
    r"(?:\s+(?:base|gross|net|total|ctc|tc|package|p\.?a\.?)\b)?(?:\s*\+\s*[^.;,()+]{1,30}?(?=$|[.;,()+]|\s[-–—>]))*"
    # "min R40k if cottage included": the condition goes with it.
    r"(?:\s+(?:if|with|incl\w*|unless|when)\b[^.;,()]*)?(?:\s*\([^)]*\))?",
    re.IGNORECASE,
)


_A_SUM = re.compile(r"[" + CURRENCY_SIGNS + r"]\s*\d|\d\s*(?:k|K|m|LPA)\b|\b\d+\.\d+\b(?!\s*%)|\b\d{2,}(?:[.,]\d+)?\b(?!\s*(?:%|yrs?|years?|days?|hours?|weeks?|wks?|months?))")


# A sentence of a note that tells the person what not to say: "DON'T say number first if
# possible.", "don't say 71 unless pushed." (sets g and l had read them aloud).
_NOT_TO_SAY = re.compile(
    r"^\W*(?:don'?t|do not|dont|never|avoid)\s+(?:say\w*|mention\w*|bring\w* up|badmouth\w*|talk\w* about|reveal\w*|disclos\w*|go(?:ing)? into|"
    r"moan\w*|slag\w*|trash\w*|bash\w*|complain\w*|"
    r"volunteer\w*|give (?:a |the |my )?(?:number|figure)|name)\b",
    re.IGNORECASE,
)
# What such a sentence names ("DON'T go into counselling/burnout", "never mention the Lidl
# offer"): the note's other clauses that name it are kept back too (set u had said "…6 wks off,
# GP signed, counselling through the EAP. DON'T go into counselling/burnout." aloud).
_NOT_INTO = re.compile(
    r"^\W*(?:don'?t|do not|dont|never|avoid)\s+(?:go(?:ing)? into|mention\w*|bring\w* up|talk\w* about|reveal\w*|disclos\w*)\s+"
    r"(?P<what>.+?)(?=\s+(?:(?:if|unless|until|before|when)\b|[-–—])|[.!?]|$)",
    re.IGNORECASE,
)
# Words of such a sentence that name nothing of the note's.
_NOT_NAMES = frozenset("that this these those them it its their the any much detail details specifics reasons "
                       "why what how other whole thing things stuff story".split())
# "if asked: "I took time after my father died" - that's true and enough": the line the person
# has ready for the question; said alone, without what the note keeps behind it (set u).
# ('if Jess asks straight: "I'm talking to one other place"', set x: someone named, asking outright.)
_IF_ASKED_SAY = re.compile(r"\bif (?:asked|they ask|she asks|he asks|(?-i:[A-Z][a-z]+) asks|it comes up)\b"
                           r"(?: (?:straight|directly|outright|straight out|point blank))?(?: about [^:\"“”.]{1,40}?)?"
                           # ('if asked "anything we should know?" -> "no, I'm fit…"': the question, then the line)
                           r"(?:\s*[\"“][^\"”]*[\"”]\s*(?:->|→|=>|:|[–—-]))?"
                           r"\s*[:,–—-]?\s*(?:(?:just |then )?say\s*:?\s*)?[\"“](?P<words>[^\"”]{3,})[\"”]", re.IGNORECASE)
# Where a note keeps something back ("NEVER name, not even the department", "DON'T say
# codename"), the words it gives to say instead: 'say: "a source inside the municipality…"',
# 'only say "unannounced third-person project, can't share details"' (set u had said the source
# was "an official in supply chain").
# (Single quotes too, with an apostrophe inside: "say 'practical exam scheduled in May'", "line =
# 'plant reorganized the supervisor roles, I took it as the sign to go artisan'", set w.)
_SINGLE_QUOTED = r"['‘](?P<single>[^'‘’]{3,}?(?:['’](?=\w)[^'‘’]*?)*)['’](?!\w)"
_ONLY_SAY = re.compile(r"(?:^|[.!?;]\s*|\b(?:only|just)\s+)(?:say|line)\s*[:=—–-]?\s*(?:[\"“](?P<words>[^\"”]{3,})[\"”]|"
                       + _SINGLE_QUOTED + ")", re.IGNORECASE)
# 'DON'T frame as "couldn't hack it" -> say I wanted the coordination side (true)', 'Don't go into
# custody stuff -> "I've got family support lined up"': after an arrow, what to say instead (set v
# had said nothing of either private note, or would have said the note).
_ARROW_SAY = re.compile(r"(?:->|→|=>)\s*(?:(?:just|only|instead|rather)\s+)?(?:say\s*[:—–-]?\s*[\"“](?P<quoted>[^\"”]{3,})[\"”]|"
                        r"[\"“](?P<bare>[^\"”]{3,})[\"”]|(?:say\s*[:—–-]?\s*)?" + _SINGLE_QUOTED + "|"
                        r"say\s*[:—–-]?\s*(?P<own>(?:I|I'm|I've|I'd|I'll|I’m|I’ve|I’d|I’ll)\b[^\"”()]*?))"
                        r"\s*(?:\((?:true|honest|it'?s true|all true)\)\s*)?[.!]*\s*$", re.IGNORECASE)
# "co-op in Marathon offered me shift sup $31/hr + OT -- NOT saying the number." (set w had said
# it): a sentence that ends by keeping itself back; "only 'I've got other options' if they go 24."
# is what to say if something happens later, not now.
_KEPT_BACK_AFTER = re.compile(r"(?:--|[-–—,;(])\s*(?:(?:i'?m|am|i am)\s+)?(?:not|never|won'?t be|not gonna be|not going to be)\s+"
                              r"(?:saying|telling|mentioning|sharing|giving|disclosing|revealing)\b", re.IGNORECASE)
# "NOT FOR INTERVIEW. just say roster is fine.", "Just say I value intervision + debriefing." (set
# x): a private note's words to say, unquoted, to the end of their sentence.
_JUST_SAY = re.compile(r"(?:^|(?<=[.!?;,])\s*)(?:then\s+)?(?:just|only)\s+say\s+(?![\"“'‘])(?!(?:that|this|it|so|nothing|anything|no)\b)"
                       r"(?P<words>[^.!?;\"“”()]{3,}?)\s*(?:\((?:true|honest|it'?s true|all true)\)\s*)?(?:[.!?;]|$)", re.IGNORECASE)
# "why: freelance = feast/famine, I pay $1,100/mo for insurance -> DON'T lead w/ money. say:
# courtroom, trial work, consistent record", "say: 8 yrs, peppers now but started TOMATOES…": what
# to say, unquoted, after "say:"; what comes before it is the reason the person keeps to themselves
# (sets o, q, r, x, y had said such lines whole, "say:" and all).
_SAY_COLON = re.compile(r"(?:^|(?<=[.!?;])\s+|\s*(?:->|→|=>|[-–—])\s*)\bsay\s*[:=—–]\s*(?![\"“'‘])(?=\w)", re.IGNORECASE)
_ONLY_IF = re.compile(r"^\W*only\s+[\"“'‘][^\"”'’]+(?:['’]\w[^\"”'’]*)*[\"”'’]\s+(?:if|when|once)\b", re.IGNORECASE)
_NOT_THAT = re.compile(r"^\W*(?:don'?t|do not|dont|never)\s+(?:say|mention)\s+(?:that|this|it)\b", re.IGNORECASE)
_SAY_INSTEAD = re.compile(r"(?:[,;–—-]|\blol\b)\s*(?:but\s+|instead\s+|rather\s+)?say\s+(?![\"“'‘])(?P<words>[^.!?]*\w[^.!?]*)[.!?]?\s*$",
                          re.IGNORECASE)
# "2nd stage at another practice - say 'one other process, second stage', no names": the words in
# quotes are what to say, instead of the sentence (a short reminder after them goes too; set t).
_SAY_QUOTED_INSTEAD = re.compile(r"(?:[,;–—-]|\blol\b)\s*(?:but\s+|instead\s+|rather\s+)?say\s+"
                                 r"(?:[\"“](?P<words>[^\"”]+)[\"”]|['‘](?P<single>[^'’]+(?:['’]\w[^'’]*)*)['’])"
                                 r"(?:\s*[,;]\s*[^.!?,;\"“”]{1,25})?\W*$", re.IGNORECASE)
_REMINDER_AFTER = re.compile(
    r"[\s,;–—-]+(?:but\s+)?(?:don'?t|do not|dont|never)\s+(?:sound\w*|badmouth\w*|bash\w*|trash\w*|moan\w*|complain\w*|"
    r"mention\w*|say\w*|bring\w* up)\b[^.!?]*",
    re.IGNORECASE,
)
_NEEDS = re.compile(r"\b(?:need|want|require|looking for|expect)\w*", re.IGNORECASE)
_WANTED_BEFORE = re.compile(r"\b(?:want\w*|need\w*|ask\w*|expect\w*|looking for|hoping for|ideally)\s*$", re.IGNORECASE)


# A note's reminders to its writer, between its commas, dashes and full stops: "be honest",
# "own it", "DON'T oversell scale", "REMEMBER OPERS takes 10% …", "(don't give exact)" (sets
# j, k, l, n had read them aloud). "say \"mid to high forties\"" is what to say: its words stay.
_REMINDER = re.compile(
    r"^(?:(?:be|stay) )?honest\W*$|^(?:be|stay) (?:consistent|positive|calm|brief|concise|humble)\W*$|"
    r"^own it\W*$|^tell (?:them|her|him|the (?:recruiter|panel|client))\W*$|^double[- ]check\W*$|^careful\b.*|^remember\b.*|"
    r"^factor (?:it |that )?in\W*$|^say (?:that|so|this|it)\W*$|^mention (?:it |that |this )?(?:briefly|only if asked|if asked)\W*$|"
    r"^(?:don'?t|do not|dont|never)\s+(?:get|be|go|look|seem)\s+\w+\W*$|"
    # ("don't pretend we have a big program", "don't promise", "don't claim more": set u)
    r"^maybe don'?t\b.*|^(?:don'?t|do not|dont|never)\s+(?:oversell|overclaim|overstat\w*|exaggerat\w*|undersell|overpromis\w*|haggle|interrogate|give exact|sound|badmouth|bash|moan|"
    r"pretend|promise|claim|"
    r"make (?:it|this|that|me) (?:sound|look|seem)|take (?:it|this|that) personally)\b.*|"
    # what the person means to try for, kept back like the least they would take: "try for 45" (set o)
    r"^try (?:for|to get)\b.*|^try not to\b.*|^(?:but )?if (?:asked|pushed)\W*$|"
    # "if she asks NET → clarify gross vs net!!" (set p)
    r"^if (?:she|he|they) (?:asks?|says?|pushes?)\b.*|"
    # "SHORT ANSWERS. NUMBERS. let him ask follow-ups.", "STAR STAR STAR" (set x had said them)
    r"^(?:short|brief|concise|clear) answers?\W*$|^(?:give |use |with |my )?numbers\W*$|^(?:star\W*)+$|^star every time\W*$|"
    r"^let (?:him|her|them) (?:talk|ask|lead|finish|speak)\b.*|^stop talking\W*$|^(?:speak|talk) slow(?:er|ly)?\W*$",
    re.IGNORECASE,
)
# A to-do of the writer's, with the rest of its sentence (who they will ask, and why): "check w/
# Gary if annual leave can come off it (have 9 days left)", "talk to Sr. Alves (GM Porto), he
# knows I want Lisbon eventually" (sets l, o had read them aloud as the notice period's answer).
# "wear the good polo not work gear", "Venue – CHECK EMAIL AGAIN", "look up their CQC report".
_TO_DO = re.compile(r"^(?i:check (?:w/|with|email|e-mail|again|the email|my email|before|tonight|tomorrow|first|later|manual)|"
                    r"talk to|speak to|speak with|run it by|bring|wear|look up|google|print(?: out)?|clarify|"
                    # "REVISE the LRG!!", "brush up on the GMP rules" (set v): what to study first
                    r"revise|brush up(?: on)?|read up(?: on)?|re-?read|"
                    # "have UE project open BEFORE, close Slack/Discord!!!" (set u)
                    r"close(?= [^,.;!]{0,40}\b(?:windows?|tabs?|apps?|slack|discord|teams|outlook|email|notifications|browser|door)\b)|"
                    r"mute|have [^,.;]{1,30} open)(?=[\s)]|$)|"
                    # "ask Jo (CD) if can be released early", "ask HR Mon" (set p): someone to ask
                    r"^(?i:ask) (?:[A-Z][a-z]+\b(?! ?\d)|HR\b|(?i:him|her|them|my (?:boss|manager))\b)|"
                    # "tell Tom myself before he hears it from Donal!!!" (set u): someone to tell
                    r"^(?i:tell) [A-Z][a-z]+\b(?! ?\d)|"
                    # "ask how svc charge is split (points?)", "ask about staff housing": a question
                    # the person means to put to them (set s had said it after the pay wanted)
                    r"^(?i:ask (?:how|whether|if|what|who|why|when|where|which|about|abt|re)\b)")
# "ask reiskosten (NS business card?)" (set u): a thing to ask them about; not what the person
# will ask for ("ask 45k", "ask for top of band", "ask mid-forties").
_ASK_FOR_PAY = re.compile(r"^ask\s+(?:for|around|approx|c\.?|~|top|high|low|mid|upper|lower|the (?:top|upper|high)|more|market|"
                          r"[a-z]+ties\b|[a-z]+ty\b)|\b(?:band|range|rate|salary|pay|package|base)\b", re.IGNORECASE)


def _asks_them(clause: str) -> bool:
    return clause[:4].lower() == "ask " and not re.search(r"\d", clause) and not _ASK_FOR_PAY.search(clause)


_TITLE = re.compile(r"\b(?:Sr|Sra|Mr|Mrs|Ms|Dr|St|Prof)$")
# ('Say "I've got a place lined up in Kamloops"': an apostrophe inside double quotes, set v.)
_SAY_QUOTED = re.compile(r"^say\s+(?:[\"“](?P<words>[^\"”]+)[\"”]|['‘](?P<single>[^'’]+)['’])\W*$|^say\s+(?P<own>(?:I'?ll|I'?m|I)\b.*)$",
                         re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"(\s*(?:[.;,!?]+|:(?=\s)|\s[-–—]+|->|→)\s*)")
# "(don't give exact)", "(I think!! double-check)".
_ASIDE_REMINDER = re.compile(r"\s*\((?:[^()]*?\b(?:don'?t|do not|dont|double[- ]check)\b[^()]*|(?:careful|be honest|own it)[^()]*)\)",
                             re.IGNORECASE)


def says_a_sum(text: str) -> bool:
    """Whether ``text`` writes a sum ("76", "R38k", "€59.5k")."""
    return _A_SUM.search(text) is not None


# A note its writer marked as theirs alone ("PRIVATE: sleep apnoea (dx 2022), CPAP. Fine, but a
# week of 12-hr nights wrecks me.", "Confidential - …"): none of it is said but the words it
# gives to say. Each sentence of a note is read alone, and set v had said three of them aloud
# ("I left Marine Crest b/c unpaid OT + fight with Exec Pastry Chef Rao", whose "DON'T SAY."
# was the next sentence).
# (Not "Private practice hours", "Private clients": the word alone, or with what kind of private
# matter it is.)
# ("DO NOT SAY:" over a list, "DON'T TALK ABOUT: Northwoods exit. …", "NOT for interview": set w had
# said "PREGNANT (11 wks) - nobody until after the 12 wk scan…" to "where do you see yourself?")
_PRIVATE_LABEL = re.compile(r"^\W*(?:private|confidential|secret|off[- ]the[- ]record|personal\W+private|"
                            r"(?:do not|don'?t|dont|never)\s+(?:say|talk about|mention|bring up|raise|disclose)|"
                            r"(?:cannot|can'?t|can not|must not|mustn'?t)\s+(?:say|mention|talk about|bring up|raise|disclose)|"
                            r"not for (?:the )?interview|keep to (?:my ?self|me))"
                            r"(?:\s*(?:[-–—(/].*|notes?|info|stuff|matters?|only|!+))?\W*$", re.IGNORECASE)


# A line of a note that says, anywhere in it, that it is its writer's alone: "T1 diabetes - fine,
# pump … no need to tell them, keep to myself.", "IVF - 2nd round … NONE OF HER BUSINESS, not
# saying anything.", "Revenue - payment plan, ~€3,100 left … private, why the van's going
# partly.", "(don't say) - plan to keep 4-5 of my oldest clients", "CANNOT MENTION - the
# complaint against the new MD" (set x had said each, or the sentence before the mark, aloud:
# a note is read a sentence at a time, and the mark is often the last sentence of its line).
# Not "don't mention Northside being sold" (what not to say is named: ``_NOT_INTO``), nor "not
# saying anything negative about Dales", nor "private practice" / "private clients".
_MARKS_ITSELF_PRIVATE = re.compile(
    r"\bkeep(?:ing)?\s+(?:it\s+|this\s+|that\s+)?to\s+(?:my\s?self|me)\b"
    r"|\bnot\s+for\s+(?:the\s+)?(?:interview|call|panel)\b"
    r"|\bnone\s+of\s+(?:her|his|their|your|anyone'?s|the\s+\w+'?s?)\s+business\b"
    # ("**PRIVATE** why leaving = …", "[private] …": marked up as a heading is, set z)
    r"|(?:^\W*|[.,;:(!]\s*|\s[-–—]\s*)private\s*(?:\*+|[,.;:)!\]]|[-–—]\s|$)"
    r"|\(\s*(?:don'?t|do not|dont|never)\s+(?:say|mention)(?:\s+(?:it|this|that|anything))?\s*\)"
    r"|\bnot\s+(?:saying|telling|mentioning)\s+(?:anything|anyone|them|her|him)\b(?!\s+(?:negative|bad)\b)"
    r"|\bkeep\s+(?:it\s+)?quiet\b|\bquiet about (?:it|this|that)\b"
    r"|^\W*(?:cannot|can'?t|can not|must not|mustn'?t)\s+(?:say|mention|talk about|bring up|raise|disclose)\b"
    # "-- not a thing to tell a recruiter", "NOT their business", "= nobody's business", "family
    # stuff -> mine, not his", "not saying at interview", "not a word", "shhh Perth", "🤐", "SHUT
    # UP", "BACK POCKET", "keep in my pocket", "I don't want it to look like…", "LEGALLY don't
    # have to say", "don't explain why", "all fine, nothing to say" (set y had said eight such
    # lines, or their other sentences, aloud).
    r"|\bnot\s+(?:a\s+thing|something|one)\s+to\s+(?:tell|say|share|mention)\b"
    r"|\b(?:not|none\s+of)\s+(?:their|his|her|your|the\s+\w+'?s?)\s+(?:business|problem|concern)\b|\bnobody'?s\s+business\b"
    r"|\bmine,?\s+not\s+(?:his|hers|theirs|yours|the\s+\w+'?s)\b"
    r"|\bnot\s+(?:saying|telling|mentioning)\s+(?:it\s+|this\s+|that\s+)?(?:at|in)\s+(?:the\s+)?(?:interview|call|panel)\b"
    r"|\bnot\s+a\s+word\b|\bsh{2,}\b|\bhush\b|[\U0001F910\U0001F92B]|\bshut\s+up\b|\bback\s+pocket\b|\bkeep\s+(?:it\s+)?in\s+my\s+pocket\b"
    r"|\bdon'?t\s+(?:want|need)\s+(?:it|them|him|her|anyone|people)\s+to\s+(?:look|know|think|see)\b"
    r"|\b(?:legally\s+)?don'?t\s+have\s+to\s+(?:say|tell|disclose|mention)\b"
    # (Not "don't bring it up", "don't volunteer": said when asked, set r's "other process" note.)
    r"|\b(?:don'?t|do not|never)\s+explain\s+why\b"
    r"|\bnothing\s+to\s+(?:say|tell)\s*\W*$"
    # ("2009 OVI - record sealed 2015. not discussing. …": set x had said it whole, "not
    # discussing" and all, to a question about the background check.)
    r"|\bnot\s+discussing(?:\s+(?:it|this|that))?\s*[.!;,]",
    re.IGNORECASE,
)
# The words a note has ready for one question: 'if "know anyone there?" -> "a couple of people
# from Dublin socially"', 'if pets come up just say "had dogs all my life"', 'if asked about
# licence: "full licence, current"', 'only if they ask "final stages elsewhere?" -> "yes, one
# other process"', '(if lifting asked: "I use the trolley…")', 'answer: "Yes, I can."'. The rest
# of such a line is why the person has the words ready (set y: a break-up, a panic attack, a
# pregnancy, demerit points), never itself the answer. ("words" never end in "?": a quoted
# question is the condition.)
_COVER = re.compile(
    # (A mark or "say" between: 'if they say "package" → clarify…' quotes what they say.)
    r"\bif\s+(?P<condition>(?:[^\"“”.;:!()\n]|[\"“][^\"”]{2,80}[\"”]){1,90}?)\s*(?:(?:->|→|=>|=|:|,|[-–—])\s*"
    r"(?:(?:just|then|only)\s+)?(?:(?:say|answer)\s*:?\s*)?|(?:just|then|only)\s+(?:say|answer)\s*:?\s*)"
    r"[\"“](?P<words>[^\"”]{2,}[^\"”?\s])[\"”]"
    r"|\banswer\s*[:=]\s*[\"“](?P<answer>[^\"”]{2,}[^\"”?\s])[\"”]",
    re.IGNORECASE,
)


# A cover's condition that names no question: the line's own subject, asked again or harder
# ("want 74k BASE min, ideally 76 … if pushed: "mid-seventies base"" is still the pay wanted).
_ANY_ASKING = re.compile(r"^(?:(?:they|she|he|it|(?-i:[A-Z][a-z]+))\s+)?(?:asked|asks?|pushed|push(?:es)?|comes? up|needed|"
                         r"presses|probes?)(?:\s+(?:straight|directly|again|hard|further|more))?$", re.IGNORECASE)


def marks_itself_private(line: str) -> bool:
    """Whether a line of a note says it is its writer's alone (``_MARKS_ITSELF_PRIVATE``), or
    gives the words it has ready for a question it names (``cover``): then each of its
    sentences is, whichever one says so, and only the words it gives are said."""
    if _MARKS_ITSELF_PRIVATE.search(line) is not None:
        return True
    ready = cover(line)
    return ready is not None and bool(ready[0]) and _ANY_ASKING.match(ready[0]) is None


@lru_cache(maxsize=4096)
def cover(line: str) -> tuple[str, str] | None:
    """The question a note's line has words ready for, and the words ('if "how long will you
    stay?" -> "I'm after something long term"' → ('"how long will you stay?"', "I'm after
    something long term")); ("", words) where no question is named ('answer: "Yes, I can."',
    'if asked -> "…"'). None: the line has none."""
    found = _COVER.search(line)
    if found is None:
        return None
    return (found.group("condition") or "").strip(), (found.group("words") or found.group("answer")).strip()


def private_label(label: str | None) -> bool:
    """Whether a note's label marks it as its writer's alone ("PRIVATE", "Confidential")."""
    return bool(label) and _PRIVATE_LABEL.match(label or "") is not None


@lru_cache(maxsize=8192)
def all_kept_to_self(body: str, label: str | None = None) -> bool:
    """A note that is only reminders and to-dos of its writer ("if they say "package" →
    clarify: base or incl super!!"), or only the least they would take ("Min 115k"), or one
    marked private that gives no words to say: nothing in it to say aloud."""
    if private_label(label):
        return not kept_to_self(body, label)
    return not _without_reminders(body, drop_all=True) or not re.search(r"[A-Za-z0-9]", kept_to_self(body))


def _only_said(body: str) -> list[str]:
    """The words ``_ONLY_SAY`` finds, in double quotes or single."""
    return [m.group("words") or m.group("single") for m in _ONLY_SAY.finditer(body)]


def words_given(body: str) -> str | None:
    """The words a sentence of a note gives to say ('Say "I've got a place lined up in Kamloops
    for shift blocks"', "say I'm open to relocating"), or None when it is not such a line."""
    said = _SAY_QUOTED.match(body.strip())
    if said is None:
        return None
    words = (said.group("words") or said.group("single") or said.group("own") or "").strip()
    return words if len(words) >= 3 else None


def _without_reminders(body: str, *, drop_all: bool = False) -> str:
    text = _ASIDE_REMINDER.sub("", body)
    pieces = _CLAUSE_BREAK.split(text)
    out: list[str] = []
    to_do = False  # in a to-do's sentence, to its end
    dropped = False  # the clause before was kept back
    for i in range(0, len(pieces), 2):
        clause, gap = pieces[i], (pieces[i + 1] if i + 1 < len(pieces) else "")
        stripped = clause.strip().lstrip("—–-:> ")
        if to_do or _TO_DO.match(stripped) or _asks_them(stripped) or (dropped and re.fullmatch(r"\([^()]*\)", stripped)):
            # (An aside in brackets right after what was kept back goes with it: "clarify: base
            # or incl super!! (Brooke will prob say "140 package" = less)", set p.)
            to_do = not re.search(r"[.!]", gap) or bool(_TITLE.search(clause))  # "Sr. Alves" goes on
            if not to_do and out:
                out[-1] = out[-1].rstrip(" ,;-–—.") + ". "
            dropped = True
            continue
        dropped = False
        # Whole clauses only: not one whose bracket opens or closes elsewhere ("(pick one or two,
        # don't interrogate them): Is Applied Maths…"), nor a long one.
        whole = stripped.count("(") == stripped.count(")") and ":" not in stripped and len(stripped.split()) <= 8
        if stripped and whole and _REMINDER.match(stripped):
            dropped = True
            continue
        said = _SAY_QUOTED.match(stripped) if whole or stripped.lower().startswith(("say \"", "say '", "say “", "say ‘")) else None
        if said:
            clause = said.group("words") or said.group("single") or said.group("own")
        out.append(clause + gap)
    kept = "".join(out).strip(" ,;-–—>")
    if not re.search(r"[A-Za-z0-9]", kept):
        return "" if drop_all else body
    kept = re.sub(r"\s+([.,;])", r"\1", kept)
    if kept.count("(") > kept.count(")") and kept.rfind("(") > kept.rfind(")"):
        kept = kept.rstrip(" .,;") + ")"  # its reminder was the end of an aside: "(… 10g? CHECK TONIGHT)"
    return re.sub(r"([,;])\s*([.])|([?!])\s*\.", r"\2\3", kept)


# Where a note says what the person will ask for ("ask for R37k", "ideally 76"), a "need min
# R36k" or "74k BASE min" beside it is the least they would take, however it is worded (set p
# had read both aloud as the pay wanted).
_ASK_ELSEWHERE = re.compile(rf"\b(?:ask(?:ing)?(?: for)?|ideally|target|aim(?:ing)? for)\s*[:=]?\s*{_SUM}", re.IGNORECASE)
_NEED_MIN = re.compile(rf"\b(?:want|need)\w*\s+(?:min|minimum|at least)\s*{_SUM}[^.!?;]*[.!?;]?\s*", re.IGNORECASE)
# "would take $47 min if truck is take-home": the least, and what it hangs on (set q).
_SUM_MIN = re.compile(rf"(?:\b(?:want|need)\w*\s+|\b(?:i'?d|i would|would|will|could|can) (?:take|accept|do|go to)\s+)?(?<=\s)"
                      rf"{_SUM}\s*(?:base|gross|basic|ctc|package)?\s*(?:min|minimum)\b"
                      r"(?:\s+(?:if|with|unless|when|only if)\b[^.!?;]*)?[,;]?\s*", re.IGNORECASE)


def _floor_unless_asked(match: re.Match[str]) -> str:
    # "Want min 46k basic" is what the person asks for, in their words.
    return match.group(0) if _WANTED_BEFORE.search(match.string[: match.start()]) else " "


def _named_not_to_say(sentences: list[str]) -> list[str]:
    """What the note's "don't go into …" sentences name, as word stems ("counsel", "burnout")."""
    named: list[str] = []
    for sentence in sentences:
        if (into := _NOT_INTO.match(sentence)) is not None:
            words = re.findall(r"[A-Za-z][A-Za-z'-]{3,}", into.group("what"))
            named += [w.lower()[:max(4, len(w) - 3)] for w in words if w.lower() not in _NOT_NAMES]
    return named


def _without_clauses_naming(body: str, named: list[str]) -> str:
    pieces = _CLAUSE_BREAK.split(body)
    out: list[str] = []
    for i in range(0, len(pieces), 2):
        clause, gap = pieces[i], (pieces[i + 1] if i + 1 < len(pieces) else "")
        if any(re.search(rf"\b{re.escape(stem)}", clause, re.IGNORECASE) for stem in named):
            if out and re.search(r"[.!?]", gap):
                out[-1] = out[-1].rstrip(" ,;-–—") + ". "  # the sentence ends where the dropped clause did
            continue
        out.append(clause + gap)
    return re.sub(r"\s+([.,;])", r"\1", "".join(out)).strip(" ,;-–—")


def _said_line(words: str) -> str:
    """Words the note gives to say, as a sentence: "one other process" → "One other process."."""
    words = words.strip()
    return f"{words[:1].upper()}{words[1:]}."


_OWN_QUESTION = re.compile(r"^[^\d()]*\?\W*$")


@lru_cache(maxsize=8192)
def kept_to_self(body: str, label: str | None = None) -> str:
    """A note without the least the person would take (``_FLOOR``) and without its reminders of
    what not to say (``_NOT_TO_SAY``); the rest as written. Of a note marked private
    (``private_label``), only the words it gives to say."""
    if private_label(label):
        # ('Say "wanted GCC experience, bigger international team" (also true)')
        given = _only_said(body) + _IF_ASKED_SAY.findall(body) + [
            m.group("quoted") or m.group("bare") or m.group("single") or m.group("own") for sentence in re.split(r"(?<=[.!?])\s+", body)
            if (m := _ARROW_SAY.search(sentence)) is not None] + [m.group("words") for m in _JUST_SAY.finditer(body)] + [
            m.group("words") or m.group("answer") for m in _COVER.finditer(body)] + [
            re.split(r"(?<=[.!?])\s", body[m.end():], maxsplit=1)[0] for m in _SAY_COLON.finditer(body)]
        once: dict[str, str] = {}  # ('if asked -> "…"' is read by two of these)
        for words in given:
            if words and words.strip():
                once.setdefault(" ".join(words.rstrip(".!?,; ").lower().split()), words)
        return " ".join(_said_line(w.rstrip(".!?,; ")) for w in once.values())
    if (say := _SAY_COLON.search(body)) is not None:
        body = body[say.end():]
    sentences = re.split(r"(?<=[.!?])\s+", body)
    if len(sentences) > 1 and not sentences[0].rstrip().endswith("?"):
        # "$$ now £44k … want 50+. bonus - how is it measured?", "… commission on call-outs??": the
        # writer's own question after what they say, to ask or to find out, not said (set x).
        # (Not a note that starts with its question: "why leaving? -> …".)
        # (Not one that says a number: "notice — 1 month??", "ask 10,800??" are the person's
        # answer, unsure; nor one cut inside a bracket.)
        asked = [s for s in sentences if _OWN_QUESTION.search(s)]
        if asked and len(asked) < len(sentences):
            sentences = [s for s in sentences if s not in asked]
            body = " ".join(sentences)
    # (``_NOT_INTO``'s sentences are ``_NOT_TO_SAY``'s too.)
    keeps_back = any(_NOT_TO_SAY.match(s) for s in sentences)
    if ready := _IF_ASKED_SAY.findall(body) or (keeps_back and _only_said(body)):
        return " ".join(_said_line(w.rstrip(".!?,; ")) for w in ready)
    named = _named_not_to_say(sentences)
    # "don't say "I'm bored of furnaces" lol - say want commercial + bigger equipment": what to
    # say instead is said (set q).
    said: list[str] = []
    quoted = False  # words in quotes to say instead: said, whatever else the note keeps
    for i, sentence in enumerate(sentences):
        if i + 1 < len(sentences) and _NOT_THAT.match(sentences[i + 1]):
            continue  # "Marlowe DOR leaving = why promo not coming. DON'T say that, …": what "that" is
        if (instead := _SAY_INSTEAD.search(sentence)) is not None:
            said.append(instead.group("words"))
        elif (instead := _SAY_QUOTED_INSTEAD.search(sentence)) is not None:
            words = (instead.group("words") or instead.group("single")).strip()
            said.append(_said_line(words))
            quoted = True
        elif not _NOT_TO_SAY.match(sentence) and not _KEPT_BACK_AFTER.search(sentence) and not _ONLY_IF.match(sentence):
            said.append(sentence)
    if said and (quoted or len(said) < len(sentences)):
        body = " ".join(said)
    if named:
        body = _without_clauses_naming(body, named)
    # "… want assumption setting, not just running don't sound negative abt LCA": the reminder
    # typed at the end of a line, after what is said.
    tail = _REMINDER_AFTER.search(body)
    if tail is not None and len(body[: tail.start()].split()) >= 3:
        body = body[: tail.start()].rstrip(" ,;-–—") + body[tail.end():]
    body = _without_reminders(body)
    if _ASK_ELSEWHERE.search(body):
        body = _SUM_MIN.sub("", _NEED_MIN.sub("", body)).strip()
    kept = _FLOOR.sub(_floor_unless_asked, body)
    if kept == body or (not _A_SUM.search(kept) and _NEEDS.search(body)):
        # Nothing to keep to oneself, or the least is the only sum the note says, as a need
        # ("Need R30k minimum"): that is what the person asks for. Not a floor written as one
        # ("Floor R33k + svc charge", "Min 115k" on a line after "ASK 135k", set s).
        return body
    if _NOT_TO_SAY.match(kept) and len(kept.split()) <= 4:
        return ""  # "Floor S$15,000 - don't say.": the reminder was about the floor (set t)
    kept = re.sub(r"\(\s*\)", " ", kept)  # "expected S$6,300 (min 6k)"
    kept = re.sub(r"([.,;])(?:\s+[.,;])+", r"\1", kept)  # "ask €48k. . notice" → "ask €48k. notice"
    kept = re.sub(r"\s+([.,;])", r"\1", kept)
    kept = re.sub(r"([.;])\s*[-–—>]+\s+", r"\1 ", kept)  # "ask R38k. - ask how…" where the floor was
    # "… if they push UoP -" where "16.5k gross minimum" was (set u): what led to it goes with it.
    kept = re.sub(r"(?:(?<=[.;,])|^)\s*[^.;,]{0,40}?\s[-–—>]+\s*\.?\s*$", "", kept)
    return re.sub(r"^[\s.,;–—>-]+", "", re.sub(r"\s{2,}", " ", kept)).strip(" ,;")  # (". their band…" where "Min ₦6.8m" was)
