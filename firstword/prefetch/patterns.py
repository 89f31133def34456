"""The questions that come next: tables you can read, per question type and per advisor.

Each row is a question *form*: what is shown and answered, with optional words in [brackets]
(a question that leaves them out still asks it: "why are you leaving?" asks "Why are you leaving
[your current role]?"; see ``match``) and slots in {braces} filled from the dossier:

- ``{skill}``: a tool the question being followed up names ("… with Kafka?"); a row with it is
  skipped when that question names none;
- ``{served}`` (JD rows only): who the work is for, as the requirement names them ("patient");
- ``{company}``: the employer as the job description names it (``plan.role_and_company``), a row
  with it skipped when the JD does not name one unambiguously (a wrong name is worse than none).

``also`` holds other forms of the same question, in the words people use for it ("What would you
change?" for "What would you do differently?"): matched like the form, never shown (the form
is what is shown and answered, so its optional words must read well in it).

``weight`` is a prior for ranking (how often an interviewer or a founder asks it next, as judged
from interview guides and the Board Room's own scripts), not a measured probability: it orders
predictions when there are more than the budget can pre-generate. Rows are kept short and in the
words people say, because matching needs every required word of the form to be said.
"""

from __future__ import annotations

from dataclasses import dataclass

from firstword.grounding.questions import QuestionType as Q

# The personas that answer an interviewer's questions for the user (the live copilot, the
# practice interviewer's candidate side). Every other persona is an advisor in the Board Room,
# including one a user adds: a founder asks an advisor the advisor's follow-ups.
INTERVIEW_PERSONAS = frozenset({"copilot", "nova"})


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    form: str
    weight: float
    # The question types this row follows (interview rows); empty: after any answer.
    after: frozenset[Q] = frozenset()
    # Other forms of the same question, in the words people use for it (each held to the same
    # rules as ``form``: every required word said, nothing much else).
    also: tuple[str, ...] = ()
    # Words a question may add to any form without asking anything else (``match.similarity``'s
    # context): "with your current employer" of the notice, "gross" of the salary.
    qualifiers: str = ""


def _row(id: str, form: str, weight: float, *after: Q, also: tuple[str, ...] = (), qualifiers: str = "") -> Row:
    return Row(id, form, weight, frozenset(after), also, qualifiers)


# Forms shared by rows that appear in more than one table.
_WHY_HERE = ("What attracts you to [us] [this company]?", "What attracts you to {company}?", "Why {company}?",
             "Why did you apply to {company}?")
# "Why did you apply to Northbridge?" asks why the company, not why the role: the role is said.
_WHY_ROLE = ("Why did you apply [for this role]?", "Why are you interested in this role?", "What attracts you to this role?")
_FIVE_YEARS = ("Where do you see your career going [in the next few years] [in five years]?",
               "Where do you want to be in [the next] five years?")
_NEXT_ROLE = ("What would your ideal [next] role be?",)
_PROUD = ("What [achievement] are you most proud of?",)
# Each with its verb: "what are your salary…" said so far is not yet a question (an interim).
_SALARY = tuple(f"What salary [range] are you {verb} [for your next role]?" for verb in ("looking for", "targeting", "expecting", "after")) + (
    "What are you hoping to earn?",
    # After what the person earns now, or an offer: "what would you need to make the move?".
    "What would you [need] [be looking for] [want] to make the move?", "What would you need to [be able to] say yes?",
    "What would you need to move?", "What salary would you need?", "What salary would make you say yes?",
    "What are you looking for [in] salary [and equity] [and benefits] [and bonus]?")
_START = ("When are you available to start?", "When would you be available?", "What is your [earliest] start date?",
          "Are there any constraints on your availability?", "What is your availability [like]?")
# What an arrangement's question may add without asking anything else (set m: "And what is your
# notice period with your current employer?", "What is your current gross salary?" had missed).
# Never "current" for the salary wanted: "your current salary and your expectations" asks two.
_NOTICE_QUALIFIERS = "current present employer company role contract contractual officially formally give need have"
_PAY_QUALIFIERS = "gross base basic annual total package ballpark range figure ideally"
_PAY_HAD_QUALIFIERS = f"{_PAY_QUALIFIERS} current present now hourly rate"
_START_QUALIFIERS = "earliest soonest date"
_NOTICE = ("How long is your notice [period]?", "How much notice [would you need to give] [do you need to give] [your current employer]?")
_LEAVING = ("Why do you want to leave [your current role] [your current company]?", "Why are you looking for a new role?")

STORY = (Q.BEHAVIOURAL,)
WORK = (Q.BEHAVIOURAL, Q.EXPERIENCE)

# ----- interviews: after an answer, by the type of question it answered ----------------------------

INTERVIEW_FOLLOW_UPS: tuple[Row, ...] = (
    # A story: the interviewer digs into the candidate's own part, the result, the reflection.
    _row("role", "What was your role in that?", 0.8, *WORK,
         also=("What was your role versus [the rest of] the team?", "How were you involved [in that]?")),
    _row("differently", "What would you do differently [next time]?", 0.75, *STORY,
         also=("What would you do differently [if you did it again]?", "What would you change [next time] [if you did it again]?",
               "Would you do anything differently [next time]?")),
    _row("result", "What was the result?", 0.65, *WORK,
         also=("How did it turn out?", "How did that end?", "What happened in the end?")),
    _row("measure", "How did you measure the result?", 0.6, *WORK,
         also=("How did you measure success?", "How did you know it worked?", "What did you measure?")),
    _row("hardest", "What was the hardest part?", 0.6, *WORK),
    _row("learn", "What did you learn from it?", 0.55, *STORY, also=("What did you learn [from that] [from it]?",)),
    _row("resolve", "How did you resolve it?", 0.45, *STORY, also=("What did you do to resolve it?",)),
    _row("buy-in", "How did you get buy-in?", 0.4, *STORY, also=("How did you get [people] [the team] on board?",)),
    _row("involved", "Who else was involved?", 0.35, *STORY),
    _row("tradeoffs-past", "What trade-offs did you consider?", 0.45, *WORK),
    _row("alternatives", "What alternatives did you consider?", 0.35, *WORK),
    # Experience with a skill.
    _row("example", "Can you give me an example?", 0.55, Q.EXPERIENCE, Q.WEAKNESS, Q.OTHER),
    _row("skill-hardest", "What was the hardest problem you solved with {skill}?", 0.5, Q.EXPERIENCE, Q.TECHNICAL),
    _row("team-size", "How big was the team?", 0.3, Q.EXPERIENCE),
    # A design or knowledge question.
    _row("tradeoffs", "What are the trade-offs?", 0.7, Q.TECHNICAL),
    _row("scale", "How would it scale?", 0.65, Q.TECHNICAL),
    _row("go-wrong", "What could go wrong?", 0.55, Q.TECHNICAL, also=("What could break?",)),
    _row("test", "How would you test it?", 0.5, Q.TECHNICAL),
    _row("monitor", "How would you monitor it [in production]?", 0.45, Q.TECHNICAL),
    _row("failures", "How would it handle failures?", 0.4, Q.TECHNICAL),
    # Who the candidate is, and why here.
    _row("leaving", "Why are you leaving [your current role]?", 0.7, Q.ABOUT_YOU, Q.MOTIVATION, also=_LEAVING),
    _row("why-here", "Why do you want to work here?", 0.7, Q.ABOUT_YOU, also=_WHY_HERE),
    _row("why-role", "Why do you want this role?", 0.6, Q.ABOUT_YOU, Q.EXPERIENCE, also=_WHY_ROLE),
    _row("know-company", "What do you know about {company}?", 0.55, Q.MOTIVATION, Q.ABOUT_YOU),
    _row("five-years", "Where do you see yourself in [the next] five years?", 0.5, Q.MOTIVATION, also=_FIVE_YEARS),
    _row("next-role", "What are you looking for in your next role?", 0.5, Q.MOTIVATION, Q.ABOUT_YOU, also=_NEXT_ROLE),
    _row("strength", "What is your greatest strength?", 0.5, Q.ABOUT_YOU, Q.WEAKNESS),
    _row("proud", "What are you most proud of?", 0.4, Q.ABOUT_YOU, also=_PROUD),
    # A weakness: how it is being worked on, and the other side of it.
    _row("improving", "What are you doing to improve [on] it?", 0.6, Q.WEAKNESS, also=("How are you improving [on] it?",)),
    # Logistics come in a run.
    _row("salary", "What are your salary expectations?", 0.5, Q.LOGISTICS, Q.MOTIVATION, also=_SALARY, qualifiers=_PAY_QUALIFIERS),
    _row("start", "When could you start?", 0.5, Q.LOGISTICS, also=_START, qualifiers=_START_QUALIFIERS),
    _row("notice", "What is your notice [period]?", 0.45, Q.LOGISTICS, also=_NOTICE, qualifiers=_NOTICE_QUALIFIERS),
    _row("relocate", "Are you open to relocation?", 0.3, Q.LOGISTICS),
    # Education.
    _row("degree-helped", "How has your degree helped in your work?", 0.35, Q.EDUCATION),
    _row("why-subject", "Why did you choose that subject?", 0.3, Q.EDUCATION),
)

# Follow-ups that ask something of their own, not about the answer before ("When could you start?"
# after the salary, "Why are you leaving?" after "tell me about yourself"): written ahead as
# asked, not with the question before them (``prefetcher.with_topic``), which would pull the
# grounded answer back to that question's facts.
STANDALONE_FOLLOW_UPS = frozenset({
    "leaving", "why-here", "why-role", "know-company", "five-years", "next-role", "strength", "proud",
    "salary", "start", "notice", "relocate",
})

# At the start of an interview (and, at ``LATER_OPENER_FACTOR`` of their weight, any time after
# while not yet asked).
INTERVIEW_OPENERS: tuple[Row, ...] = (
    _row("about-yourself", "Tell me about yourself.", 0.9,
         also=("Tell me about yourself [and your current work] [and your current role].",
               "Tell me about your background [and your current role] [and your current work].",
               "Who are you and what is your background?")),
    # What the person does now, as a recruiter or a hiring manager opens: "talk me through where
    # you are at the moment and what you're doing day to day", "what does a typical week look like
    # for you at Corbin?" (the employer is a name the context holds).
    _row("current-role", "Tell me about your current role.", 0.5,
         also=("What is your [actual] daytoday [like] [look like] [now] [there] [for you] [in your current role]?",
               "What does your daytoday [involve] [now] [there] [in your current role]?",
               "What are you doing daytoday [now] [there]?",
               "Where are you [now] and what is your daytoday?",
               "Where are you [now] and what are you doing daytoday [there]?",
               "What does your current role involve?")),
    _row("resume", "Walk me through your resume.", 0.5,
         also=("Walk me through your career [so far] [to date].", "Tell me about your career [so far] [to date].")),
    _row("why-role", "Why do you want this role?", 0.6, also=_WHY_ROLE),
    _row("why-here", "Why do you want to work here?", 0.55, also=_WHY_HERE),
    _row("leaving", "Why are you leaving [your current role]?", 0.45, also=_LEAVING),
    # "So tell me, how did you end up in wine?", "Tell me how you got into customs", "How did you
    # become a guide?" (set s; ``match`` reads the field named as "your field").
    _row("started", "How did you get started in your career?", 0.4,
         also=("How did you get into your field?", "What got you into your field?")),
)

# The questions of almost every interview, at any point until asked (at ``COMMON_FACTOR`` of their
# weight, below a follow-up to the answer just given): a recruiter's screen and a hiring manager's
# first call ask most of them, in an order no table predicts.
INTERVIEW_COMMON: tuple[Row, ...] = (
    _row("weakness", "What is your greatest weakness?", 0.6),
    _row("strength", "What is your greatest strength?", 0.55),
    _row("five-years", "Where do you see yourself in [the next] five years?", 0.45, also=_FIVE_YEARS),
    _row("salary", "What are your salary expectations?", 0.45, also=_SALARY, qualifiers=_PAY_QUALIFIERS),
    _row("start", "When could you start?", 0.4, also=_START, qualifiers=_START_QUALIFIERS),
    _row("notice", "What is your notice [period]?", 0.35, also=_NOTICE, qualifiers=_NOTICE_QUALIFIERS),
    _row("know-company", "What do you know about {company}?", 0.4),
    _row("disagree", "Tell me about a time you disagreed with a colleague.", 0.45,
         also=("Tell me about a time you had a disagreement [with someone] [on your team] [with a colleague].",)),
    _row("failed", "Tell me about a time you failed.", 0.4,
         also=("Tell me about a mistake you made.", "Tell me about a time you made a mistake.",
               # "…something went wrong, and it was, at least partly, your fault" (set r)
               "Tell me about a time something went wrong [and] [it was] [at least] [partly] your fault.")),
    # Of any job that serves people: "a patient who was unhappy with the care they'd received",
    # "a caller or customer who was extremely upset or hostile", "a member of the public who was
    # very unhappy", "a guest that went wrong" (sets g, h, s; ``match`` reads each as "a difficult
    # customer").
    _row("difficult-customer", "Tell me about a time you dealt with a difficult customer.", 0.25,
         also=("Tell me about a difficult customer [you dealt with] [you had].",
               "Tell me about a time you had to deal with a difficult customer.")),
    _row("pressure", "Tell me about a time you worked under pressure.", 0.35,
         also=("Tell me about a time you [had to] [manage] [several] [things] [tasks] [at once] [were] under pressure.",)),
    _row("proud", "What are you most proud of?", 0.35, also=_PROUD),
    _row("challenge", "What is the biggest challenge you have faced?", 0.3),
    _row("next-role", "What are you looking for in your next role?", 0.3, also=_NEXT_ROLE),
    # From interview guides' lists of the most asked questions, below the ones above.
    _row("described", "How would your colleagues describe you?", 0.3),
    _row("first-90", "What would you do in your first 90 days?", 0.3,
         also=("What would you [want to] [achieve] [accomplish] [focus on] [by the end of] [in] your first 90 days?",)),
    _row("why-hire", "Why should we hire you?", 0.3,
         also=("What makes you a good fit [for this role]?", "What makes you the best [person] [candidate] [for this role]?",
               "Why should we pick you?")),
    _row("feedback", "Tell me about a time you received difficult feedback.", 0.3,
         also=("Tell me about a time you got [critical] [difficult] [tough] [negative] feedback.",)),
    _row("bad-news", "Tell me about a time you had to deliver bad news.", 0.25,
         also=("Tell me about a time you had to tell [someone] [a client] [a customer] [your manager] [a senior leader] "
               "bad news.",)),
    _row("manager-style", "What kind of manager brings out the best in you?", 0.25,
         also=("What management style works best for you?", "How do you like to be managed?")),
    _row("motivates", "What motivates you?", 0.25, also=("What drives you?",)),
    _row("led", "Tell me about a time you showed leadership.", 0.25),
    # A recruiter's screen: where else the person is in process, and what they earn now.
    _row("other-interviews", "Are you interviewing elsewhere?", 0.3,
         # Not "Are you interviewing?" alone: "So, it's okay for you if we do the interview in
         # English?" had read as it (set ac).
         also=("Are you interviewing [with] [at] other companies?", "Are you interviewing [with] [at] other places?",
               "Are you [talking] [speaking] to other companies?",
               "Where are you in your [job] search?", "Are you in process [with] [other] [companies] elsewhere?",
               "Do you have any other interviews [on the go] [lined up] [going on]?", "Any other interviews [on the go] [lined up]?",
               # "Are you holding any other offers currently?" (set s)
               "Are you holding any [other] offers [currently]?", "Do you have any other offers [currently] [in hand]?",
               "Any other offers [in hand]?")),
    # A recruiter's screen, when an offer would start: holidays already booked.
    _row("holidays", "Do you have any holidays booked?", 0.25,
         also=("Do you have any [holidays] [holiday] [time off] [dates] [leave] booked [already] [in the next few months]?",
               "Are there any [holidays] [dates] [already] booked?", "Any holidays booked?")),
    _row("current-salary", "What is your current salary?", 0.3,
         also=("What are you [currently] earning?", "What are you making [now] [currently]?",
               # (Never "What is your current?" with every optional word left out: "You've got a
               # CDL. Still current?" asks about a licence, set x.)
               "What is your current [base] package?", "What is your current base [salary]?"),
         qualifiers=_PAY_HAD_QUALIFIERS),
)

# The table's story kinds the intent classifier reads (``intents.STORIES``), each with what a
# story of that kind says, in some of these words: a story the live answer tells for "You ever
# had a customer really go off at you?" is shown as prepared only if it is one ("…walked toward
# an unprotected skylight" is not, set g). Read by ``match``.
STORY_KIND_WORDS: dict[str, str] = {
    "disagree": "disagree disagreed disagreement conflict clash clashed argued argument objected pushed push "
                "pushback challenged opposed tension insisted",
    "failed": "mistake error wrong missed failed failure fault forgot slip overlooked incorrect miscounted",
    "difficult-customer": "angry upset furious complaint complained complaining shouting shouted yelling rude "
                          "aggressive unhappy frustrated hostile irate abusive distressed",
    "pressure": "deadline deadlines pressure busy urgent rush juggling priorities backlog overtime",
    "feedback": "feedback criticism criticised critical appraisal",
    "bad-news": "news disappointed disappointing unwelcome told tell",
    "led": "led lead leading leader chair charge coordinated organised organized",
}

# The closing question comes last; its weight grows with the turns (``predict.closing_weight``).
CLOSING = _row("questions-for-us", "Do you have any questions for us?", 0.2,
               also=("Do you have any questions for us [about the role] [the company] [the team] [the process]?",
                     "What questions do you have [for us] [for me] [about the role] [the company] [the team] [the process]?"))

# ----- the Board Room: a founder's follow-ups to an advisor's answer -----------------------------

# Any advisor.
ADVISOR_FOLLOW_UPS: tuple[Row, ...] = (
    _row("first", "What should I do first?", 0.7, also=("What should I do first [this week] [today]?",)),
    _row("risks", "What are the risks?", 0.7),
    _row("cost", "How much would that cost?", 0.55, also=("How much would that cost [a month] [per month] [a year]?",)),
    _row("how-long", "How long would it take?", 0.55),
    _row("alternatives", "What are the alternatives?", 0.5),
    _row("working", "How will I know it's working?", 0.45),
    _row("example", "Can you give me an example?", 0.35),
)

# One advisor's own (the persona id: ``firstword/personas/data``).
PERSONA_FOLLOW_UPS: dict[str, tuple[Row, ...]] = {
    # Atlas: strategy.
    "atlas": (
        _row("in-my-place", "What would you do in my place?", 0.5),
        _row("hire", "Should I hire someone for this?", 0.4),
        _row("measure", "What should I measure?", 0.4),
        _row("competitors", "How would competitors respond?", 0.35),
        _row("stop", "What should I stop doing?", 0.3),
    ),
    # Cipher: technical.
    "cipher": (
        _row("scale", "How would it scale?", 0.55),
        _row("go-wrong", "What could go wrong?", 0.5),
        _row("simpler", "Is there a simpler way?", 0.5),
        _row("test", "How would you test it?", 0.45),
        _row("security", "What are the security risks?", 0.35),
        _row("build-buy", "Should we build it or buy it?", 0.35),
    ),
}

ADVISOR_OPENERS: tuple[Row, ...] = (
    _row("focus", "What should I focus on [first]?", 0.4),
)

# ----- questions a job description asks for ------------------------------------------------------

# A requirement naming a tool (``plan.TOOLS``) or a practice (``plan.PRACTICES``) is asked about so.
SKILL_FORM = "Tell me about your experience with {skill}."


@dataclass(frozen=True, slots=True)
class JdRow:
    """A requirement matching ``pattern`` (a regular expression over the lower-cased requirement)
    is asked about as ``form``: the specific questions a requirement's words call for, before
    the competency row (``COMPETENCY_FORMS``) that ``plan.REQUIREMENT_CUES`` reads it as."""

    id: str
    pattern: str
    form: str


JD_ROWS: tuple[JdRow, ...] = (
    JdRow("on-call", r"\bon-?call\b", "How do you handle on-call?"),
    JdRow("postmortems", r"\bpost-?mortems?\b", "How do you run a postmortem?"),
    JdRow("slos", r"\bslos?\b|\bservice level", "How do you set SLOs?"),
    JdRow("code-review", r"\bcode reviews?\b", "How do you approach code review?"),
    # "Hire and coach managers", "recruiting engineers"; not "we are hiring a barista".
    JdRow("hiring", r"\b(hire|hiring|recruit\w*) (and|managers?|engineers?|staff|people|teams?|talent)\b", "How do you hire?"),
    JdRow("budget", r"(?<!latency )(?<!error )(?<!performance )\bbudgets?\b|\bspend\b|\bcost efficiency\b", "How do you manage a budget?"),
    JdRow("mentoring", r"\bmentor|\bcoach", "How do you mentor [people on your team]?"),
    JdRow("stakeholders", r"\bstakeholders?\b", "How do you manage stakeholders?"),
    JdRow("prioritise", r"\bprioriti[sz]", "How do you prioritise [your work]?"),
    JdRow("ab-tests", r"\ba/b test|\bab test|\bexperiment", "Tell me about an experiment you ran."),
)

# Other forms of a job description's questions (keyed by the form, as above or below), each held
# to the same rules; the requirement's own words are context to the matcher as well.
JD_ALSO: dict[str, tuple[str, ...]] = {
    "How do you mentor [people on your team]?": ("How do you mentor [junior engineers] [people] [on a team]?",),
    "How do you manage stakeholders?": ("How do you work with stakeholders?",),
    # A requirement that calls for one of the common questions is asked the ways that question
    # is ("working under pressure" had lost "…manage several tasks at once under pressure", set r).
    **{row.form: row.also for row in INTERVIEW_COMMON if row.also},
}

# The short question per competency row of ``plan.REQUIREMENT_CUES`` (keyed by its ``topic``):
# the plan's own question is Nova's long spoken one; an interviewer says it shorter. A topic not
# here falls back to the plan question's first sentence.
COMPETENCY_FORMS: dict[str, str] = {
    "leading incidents": "Tell me about an incident you led.",
    "mentoring": "How do you mentor [people on your team]?",
    "leading a team": "Tell me about a time you led a team.",
    "owning reliability": "Tell me about an incident you handled.",
    "ownership": "Tell me about something you owned end to end.",
    "clear communication": "Tell me about a time you explained something complex.",
    "handling disagreement": "Tell me about a time you disagreed with a colleague.",
    "working with stakeholders": "How do you manage stakeholders?",
    "working across teams": "Tell me about a time you worked with another team.",
    "making decisions with data": "Tell me about a decision you made with data.",
    "problem solving": "Tell me about a hard problem you solved.",
    "prioritising": "How do you prioritise [your work]?",
    "working under pressure": "Tell me about a time you worked under pressure.",
    "delivering results": "What are you most proud of delivering?",
    "attention to detail": "Tell me about a time your attention to detail caught a problem.",
    "acting on feedback": "Tell me about a time you got difficult feedback.",
    "learning and adapting": "Tell me about a time you had to learn something quickly.",
    "putting patients, customers or users first": "Tell me about a time you went out of your way for a {served}.",
}


def _all_rows() -> tuple[Row, ...]:
    personas = tuple(row for rows in PERSONA_FOLLOW_UPS.values() for row in rows)
    return (*INTERVIEW_FOLLOW_UPS, *INTERVIEW_OPENERS, *INTERVIEW_COMMON, CLOSING, *ADVISOR_FOLLOW_UPS, *personas,
            *ADVISOR_OPENERS)


def other_forms(text: str) -> tuple[str, ...]:
    """The forms (those without slots: its own, with its optional words, and its ``also``) of the
    rows shown as ``text``: the labelled set's predictions are written as shown, and matched the
    way the server matches them."""
    from firstword.prefetch.match import display_text

    found: dict[str, None] = {}
    for row in _all_rows():
        if display_text(row.form) == text:
            found.update(dict.fromkeys(f for f in (row.form, *row.also) if "{" not in f))
    return tuple(found)
