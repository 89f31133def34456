"""The questions that come next: tables you can read, per question type and per advisor.

Each row is a question *form*: what is shown and answered, with optional words in [brackets]
(a question that leaves them out still asks it: "why are you leaving?" asks "Why are you leaving
[your current role]?"; see ``match``) and slots in {braces} filled from the dossier:

- ``{skill}``: a tool the question being followed up names ("… with Kafka?"); a row with it is
  skipped when that question names none;
- ``{served}`` (JD rows only): who the work is for, as the requirement names them ("patient");
- ``{company}``: the employer as the job description names it (``plan.role_and_company``), a row
  with it skipped when the JD does not name one unambiguously (a wrong name is worse than none).

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


def _row(id: str, form: str, weight: float, *after: Q) -> Row:
    return Row(id, form, weight, frozenset(after))


STORY = (Q.BEHAVIOURAL,)
WORK = (Q.BEHAVIOURAL, Q.EXPERIENCE)

# ----- interviews: after an answer, by the type of question it answered ----------------------------

INTERVIEW_FOLLOW_UPS: tuple[Row, ...] = (
    # A story: the interviewer digs into the candidate's own part, the result, the reflection.
    _row("role", "What was your role in that?", 0.8, *WORK),
    _row("differently", "What would you do differently [next time]?", 0.75, *STORY),
    _row("measure", "How did you measure the result?", 0.6, *WORK),
    _row("hardest", "What was the hardest part?", 0.6, *WORK),
    _row("learn", "What did you learn from it?", 0.55, *STORY),
    _row("buy-in", "How did you get buy-in?", 0.4, *STORY),
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
    _row("go-wrong", "What could go wrong?", 0.55, Q.TECHNICAL),
    _row("test", "How would you test it?", 0.5, Q.TECHNICAL),
    _row("monitor", "How would you monitor it?", 0.45, Q.TECHNICAL),
    _row("failures", "How would it handle failures?", 0.4, Q.TECHNICAL),
    # Who the candidate is, and why here.
    _row("leaving", "Why are you leaving [your current role]?", 0.7, Q.ABOUT_YOU, Q.MOTIVATION),
    _row("why-here", "Why do you want to work here?", 0.7, Q.ABOUT_YOU),
    _row("why-role", "Why do you want this role?", 0.6, Q.ABOUT_YOU, Q.EXPERIENCE),
    _row("know-company", "What do you know about {company}?", 0.55, Q.MOTIVATION, Q.ABOUT_YOU),
    _row("five-years", "Where do you see yourself in five years?", 0.5, Q.MOTIVATION),
    _row("next-role", "What are you looking for in your next role?", 0.5, Q.MOTIVATION, Q.ABOUT_YOU),
    _row("strength", "What is your greatest strength?", 0.5, Q.ABOUT_YOU, Q.WEAKNESS),
    _row("proud", "What are you most proud of?", 0.4, Q.ABOUT_YOU),
    # A weakness: how it is being worked on, and the other side of it.
    _row("improving", "What are you doing to improve [on] it?", 0.6, Q.WEAKNESS),
    # Logistics come in a run.
    _row("salary", "What are your salary expectations?", 0.5, Q.LOGISTICS, Q.MOTIVATION),
    _row("start", "When could you start?", 0.5, Q.LOGISTICS),
    _row("notice", "What is your notice [period]?", 0.45, Q.LOGISTICS),
    _row("relocate", "Are you open to relocation?", 0.3, Q.LOGISTICS),
    # Education.
    _row("degree-helped", "How has your degree helped in your work?", 0.35, Q.EDUCATION),
    _row("why-subject", "Why did you choose that subject?", 0.3, Q.EDUCATION),
)

# At the start of an interview (and, at ``LATER_OPENER_FACTOR`` of their weight, any time after
# while not yet asked).
INTERVIEW_OPENERS: tuple[Row, ...] = (
    _row("about-yourself", "Tell me about yourself.", 0.9),
    _row("resume", "Walk me through your resume.", 0.5),
    _row("why-role", "Why do you want this role?", 0.6),
    _row("why-here", "Why do you want to work here?", 0.55),
    _row("leaving", "Why are you leaving [your current role]?", 0.45),
)

# The closing question comes last; its weight grows with the turns (``predict.closing_weight``).
CLOSING = _row("questions-for-us", "Do you have any questions for us?", 0.2)

# ----- the Board Room: a founder's follow-ups to an advisor's answer -----------------------------

# Any advisor.
ADVISOR_FOLLOW_UPS: tuple[Row, ...] = (
    _row("first", "What should I do first?", 0.7),
    _row("risks", "What are the risks?", 0.7),
    _row("cost", "How much would that cost?", 0.55),
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
