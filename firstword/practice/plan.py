"""The practice interview's plan: which questions Nova asks, in what order, and why each one.

Built from the job description (JD) and the candidate's profile by rules you can read, so the
same input always gives the same plan and every question can say where it came from:

1. an opener ("tell me about yourself");
2. two or three behavioural questions, one per competency the JD asks for: each requirement of
   the JD (a bullet, an item of a "Looking for: a, b, c" list, a sentence) is matched against
   ``REQUIREMENT_CUES``, a table of cue → competency → spoken question. Requirements in a
   requirements section ("What you'll bring", "Requirements", "Looking for:") come first;
   responsibilities and unlabelled prose next; "About us", benefits and salary are never read
   as requirements ("a collaborative culture" is an offer, not a requirement);
3. one technical or role question about a tool or a practice the JD names (``TOOLS``,
   ``PRACTICES``), preferring one the candidate's own material also names (then it asks for
   depth), else the JD's first (then it asks for experience or a plan to learn it);
4. a motivation question that names the employer and the role when the JD names them
   unambiguously (a wrong name is worse than none, so a guess is never used);
5. the closing "Do you have any questions for me?".

An empty JD, or one that is not in English, gives a general plan (three general behavioural
questions, the technical question from the resume) and a ``Notice`` that says so: Nova
interviews in English, and questions stitched from another language's words would be garbled.
A very long JD is read up to ``MAX_JD_CHARS``. Question texts are plain spoken English (they go
to text-to-speech): no markdown, no brackets, no slashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from firstword.answerer.profile import Profile
from firstword.grounding.questions import QuestionType, classify


class QuestionKind(StrEnum):
    OPENER = "opener"
    BEHAVIOURAL = "behavioural"
    TECHNICAL = "technical"  # a technical or role-knowledge question (a tool, a clinical practice)
    MOTIVATION = "motivation"
    CLOSING = "closing"


class Competency(StrEnum):
    OWNERSHIP = "ownership"
    TECHNICAL_DEPTH = "technical_depth"
    COLLABORATION = "collaboration"
    COMMUNICATION = "communication"
    PROBLEM_SOLVING = "problem_solving"
    LEADERSHIP = "leadership"
    DELIVERY = "delivery"
    LEARNING = "learning"
    # Patients, customers, users, clients: the people the work is for (nursing, retail, support).
    CUSTOMER_FOCUS = "customer_focus"
    # Why this role, and the questions the candidate asks back: interest in the job.
    MOTIVATION = "motivation"


COMPETENCY_LABELS: dict[Competency, str] = {
    Competency.OWNERSHIP: "Ownership",
    Competency.TECHNICAL_DEPTH: "Technical and role knowledge",
    Competency.COLLABORATION: "Collaboration",
    Competency.COMMUNICATION: "Communication",
    Competency.PROBLEM_SOLVING: "Problem solving",
    Competency.LEADERSHIP: "Leadership",
    Competency.DELIVERY: "Delivery",
    Competency.LEARNING: "Learning and adapting",
    Competency.CUSTOMER_FOCUS: "Care for customers, patients or users",
    Competency.MOTIVATION: "Motivation",
}


@dataclass(frozen=True, slots=True)
class Cue:
    """One row of the requirement table: a requirement matching ``pattern`` (a regular expression
    over the lower-cased requirement) is about ``competency``; Nova names it as ``topic`` and
    asks ``question``. ``about`` is what a gentle re-prompt asks more about."""

    competency: Competency
    pattern: str
    topic: str
    question: str
    about: str
    # Rows of one family ask about the same kind of story (an incident): never both in a plan.
    family: str = ""


# Most specific rows first; the first row whose pattern matches a requirement wins. A requirement
# is read for one competency only, so "lead incident response" is leadership, not also ownership.
REQUIREMENT_CUES: tuple[Cue, ...] = (
    Cue(Competency.LEADERSHIP, r"\b(lead|leads|leading|led)\b.{0,30}\b(incidents?|outages?|on-?call|response)\b|\bincident (lead|command)",
        "leading incidents",
        "Tell me about a time you led the response to an incident. What was going wrong, what did you do, and how did it end?",
        "the incident you led", "incident"),
    Cue(Competency.LEADERSHIP, r"\bmentor|\bcoach|\bpreceptor|\bsupport(ing)? (students|juniors|junior|new starters|newly qualified)|\bdevelop(ing)? (others|people|juniors|talent)",
        "mentoring",
        "Tell me about a time you helped someone on your team grow. What did you do, and what changed for them?",
        "how you helped them grow"),
    Cue(Competency.LEADERSHIP, r"\bleadership\b|\b(lead|leading|led|manag\w*|supervis\w*|run|running)\b.{0,20}\b(teams?|people|engineers|staff|squads?|reports|nurses|shifts?)\b|\bline manag|\bcharge nurse|\bnurse in charge|\bin charge of",
        "leading a team",
        "Tell me about a time you led a team through something difficult. What did you do to keep people moving?",
        "how you led the team"),
    Cue(Competency.OWNERSHIP, r"\bon-?call\b|\bincidents?\b|\boutages?\b|\bpost-?mortem|\breliab|\buptime\b|\bavailability\b",
        "owning reliability",
        "Tell me about a time you handled an incident or an outage. What was going wrong, what did you do, and how did it end?",
        "the incident you handled", "incident"),
    Cue(Competency.OWNERSHIP, r"\bownership\b|\bown(s|ing)?\b.{0,15}\b(end[- ]to[- ]end|outcomes?|services?|products?|features?|roadmap|budgets?)|\bend[- ]to[- ]end\b|\baccountab|\bautonom|\bself[- ]start|\binitiative\b|\bproactive",
        "ownership",
        "Tell me about a time you owned a piece of work from start to finish. What did you do when it got hard, and what was the result?",
        "the work you owned"),
    Cue(Competency.COMMUNICATION, r"\bcommunicat|\bverbal\b|\bpresent(ing|ation|ations)?\b|\bexplain|\bstorytell|\bdocumentation\b|\bwriting\b|\bwritten\b",
        "clear communication",
        "Tell me about a time you had to explain something complex to someone outside your field. How did you make it land?",
        "how you explained it"),
    Cue(Competency.COLLABORATION, r"\bconflict|\bdisagree|\bnegotiat|\binfluenc",
        "handling disagreement",
        "Tell me about a time you disagreed with a colleague. How did you handle it, and what was the outcome?",
        "the disagreement"),
    Cue(Competency.COLLABORATION, r"\bstakeholder",
        "working with stakeholders",
        "Tell me about a time you had to bring stakeholders with different goals to one decision. What did you do?",
        "how you brought them together"),
    Cue(Competency.COLLABORATION, r"\bcollaborat|\bcross[- ]functional|\bteam ?work|\bteam player|\bwork(ing)? closely|\bpartner(ing)? with|\bmulti-?disciplinary|\bmdt\b|\bwith (the )?(clinical|product|design|engineering|sales|marketing|finance|data) teams?",
        "working across teams",
        "Tell me about a time you worked closely with people from another team or discipline to get something done. What was your part?",
        "your part in that work"),
    Cue(Competency.PROBLEM_SOLVING, r"\bdata[- ](driven|informed)|\b(decisions?|decision[- ]making)\b.{0,20}\bdata\b|\bmetrics?[- ]driven|\banalytic",
        "making decisions with data",
        "Tell me about a time you made a decision using data. What did the data show, and what did you decide?",
        "the decision and the data behind it"),
    Cue(Competency.PROBLEM_SOLVING, r"\bdebug|\btroubleshoot|\broot[- ]cause|\bproblem[- ]solv|\bsolv(e|ing) (complex |hard |difficult )?problems|\bcritical thinking|\bjudge?ment\b|\bdecision[- ]making|\bassess",
        "problem solving",
        "Tell me about a time you solved a hard problem. How did you work out what was wrong, and what did you do about it?",
        "how you solved it"),
    Cue(Competency.DELIVERY, r"\bprioriti[sz]|\btrade-?offs?",
        "prioritising",
        "Tell me about a time you had more to do than time to do it. How did you decide what came first, and how did it turn out?",
        "how you decided what came first"),
    Cue(Competency.DELIVERY, r"\bdeadlines?|\bfast[- ]paced|\bpressure\b|\bbusy\b|\bhigh[- ]acuity|\bshift work",
        "working under pressure",
        "Tell me about a time you worked under real pressure. What did you do, and how did it turn out?",
        "what you did under pressure"),
    Cue(Competency.DELIVERY, r"\bdeliver|\bship(s|ped|ping)?\b|\bexecut|\broadmaps?\b|\blaunch|\bresults[- ]driven|\bget(ting)? things done|\btrack record",
        "delivering results",
        "Tell me about a time you delivered something you're proud of. What was your part, and what was the result?",
        "what you delivered"),
    Cue(Competency.DELIVERY, r"\borgani[sz]|\btime management|\bmulti-?task|\bdetail[- ]oriented|\battention to detail|\bmeticulous",
        "attention to detail",
        "Tell me about a time your attention to detail caught a problem before it caused harm. What happened?",
        "the problem you caught"),
    Cue(Competency.LEARNING, r"\bfeedback\b",
        "acting on feedback",
        "Tell me about a time you got difficult feedback. What did you do with it?",
        "what you did with the feedback"),
    Cue(Competency.LEARNING, r"\blearn|\bcurio|\bgrowth mindset|\badapt|\bcontinuous (improvement|learning|professional)|\bcpd\b|\bambigu|\bchang(e|ing) (priorities|environment)",
        "learning and adapting",
        "Tell me about a time you had to learn something new quickly. How did you go about it, and how did it go?",
        "how you learned it"),
    Cue(Competency.CUSTOMER_FOCUS, r"\bpatients?\b(?![-\w])|\bcompassion|\bempath|\bdignity\b|\bfamilies\b|\bperson[- ]centred|\bcustomers?\b(?![-\w])|\bclients?\b(?![-\w])|\bcustomer service|\busers?\b(?![-\w])",
        "putting patients, customers or users first",
        "Tell me about a time you went out of your way for a customer, patient or user. What did you do, and what difference did it make?",
        "what you did for them"),
)

# General behavioural questions, in the order they fill a plan the JD does not (or cannot) fill.
GENERIC_CUES: tuple[Cue, ...] = (
    next(c for c in REQUIREMENT_CUES if c.topic == "problem solving"),
    next(c for c in REQUIREMENT_CUES if c.topic == "handling disagreement"),
    next(c for c in REQUIREMENT_CUES if c.topic == "ownership"),
)

_CUES = tuple((cue, re.compile(cue.pattern)) for cue in REQUIREMENT_CUES)


def cues_in(text: str) -> Iterator[Cue]:
    """The rows of ``REQUIREMENT_CUES`` whose pattern ``text`` matches, in table order."""
    lowered = text.lower()
    return (cue for cue, pattern in _CUES if pattern.search(lowered))


@dataclass(frozen=True, slots=True)
class Tool:
    """A named tool or technology: ``pattern`` is matched case-sensitively when ``exact`` (a name
    that is also an English word: "Go", "Swift", "Excel"), else ignoring case."""

    name: str
    pattern: str
    exact: bool = False


TOOLS: tuple[Tool, ...] = tuple(
    Tool(name, pattern or rf"(?<![\w+#.]){re.escape(name.lower())}(?![\w+#])", exact)
    for name, pattern, exact in (
        ("Python", None, False), ("Go", r"(?<![\w.])(Go|Golang)\b(?!-)", True), ("Java", r"\bjava\b(?!script)", False),
        ("JavaScript", None, False), ("TypeScript", None, False), ("Rust", r"(?<![\w.])Rust\b", True),
        ("C++", r"(?<![\w])c\+\+", False), ("C#", r"(?<![\w])c#", False), ("Ruby", None, False), ("PHP", None, False),
        ("Kotlin", None, False), ("Swift", r"(?<![\w.])Swift\b", True), ("Scala", None, False),
        ("PostgreSQL", r"\bpostgres(ql)?\b", False), ("MySQL", None, False), ("SQL", r"(?<![\w-])sql\b", False),
        ("Redis", None, False), ("Kafka", None, False), ("Kubernetes", r"\bkubernetes\b|\bk8s\b", False),
        ("Docker", None, False), ("Terraform", None, False), ("AWS", r"\baws\b", False), ("GCP", r"\bgcp\b", False),
        ("Azure", r"(?<![\w.])Azure\b", True), ("React", r"(?<![\w.])React\b", True), ("Node.js", r"\bnode(\.js|js)?\b", False),
        ("Django", None, False), ("FastAPI", None, False), ("Flask", r"(?<![\w.])Flask\b", True),
        ("Spark", r"(?<![\w.])Spark\b", True), ("Airflow", None, False), ("dbt", r"\bdbt\b", False),
        ("Snowflake", r"(?<![\w.])Snowflake\b", True), ("GraphQL", None, False), ("gRPC", r"\bgrpc\b", False),
        ("Linux", None, False), ("Amplitude", r"(?<![\w.])Amplitude\b", True), ("Looker", r"(?<![\w.])Looker\b", True),
        ("Tableau", None, False), ("Excel", r"(?<![\w.])Excel\b(?! at)", True), ("Figma", None, False), ("Jira", None, False),
        ("Salesforce", None, False), ("HubSpot", None, False), ("Stripe", r"(?<![\w.])Stripe\b", True),
        ("Epic", r"(?<![\w.])Epic\b(?= (EHR|EPR|electronic|record|system))|\bEpic EHR\b", True),
    )
)
_TOOLS = tuple((t, re.compile(t.pattern) if t.exact else re.compile(t.pattern, re.IGNORECASE)) for t in TOOLS)


@dataclass(frozen=True, slots=True)
class Practice:
    """A way of working a role names (a clinical practice, a product method, a system skill),
    with the spoken question that asks how the candidate does it."""

    name: str
    pattern: str
    question: str


PRACTICES: tuple[Practice, ...] = (
    Practice("event streaming", r"\b(event )?streaming\b|\bevent[- ]driven",
             "Walk me through a streaming or event-driven system you've worked on. How did the data flow, and what went wrong along the way?"),
    Practice("system design", r"\bsystem design\b|\bdistributed systems?\b|\bmicroservices?\b|\bapi design\b|\bscalab",
             "Walk me through the design of a system you built. What were the main parts, and which trade-off would you make differently today?"),
    Practice("low-latency services", r"\blow[- ]latency\b|\blatency budgets?\b|\bperformance tuning\b",
             "Tell me how you've made a slow service fast. How did you find where the time went, and what did you change?"),
    Practice("testing and code quality", r"\bcode review|\bunit test|\btest[- ]driven|\bautomated test",
             "Walk me through how you tested a recent change. How did you make sure it worked before it shipped?"),
    Practice("A B testing", r"\ba/b test|\bab test|\bexperimentation\b|\bsplit test",
             "Walk me through an experiment you ran. What was the hypothesis, how did you measure it, and what did you decide from the result?"),
    Practice("user research", r"\buser research|\bcustomer (interviews|discovery|research)|\bproduct discovery|\busability",
             "Walk me through how you found out what users actually needed on a recent project. What did you learn that surprised you?"),
    Practice("product roadmaps", r"\broadmap",
             "Walk me through how you built a roadmap. How did you decide what made the cut, and how did you explain it to people who disagreed?"),
    Practice("recognising a deteriorating patient", r"\bdeteriorat|\bnews2?\b|\bearly warning",
             "Walk me through how you recognise and respond to a patient who is deteriorating. What do you look for, and what do you do first?"),
    Practice("safe medication administration", r"\bmedicat|\bmedicines management|\bdrug (round|administration)",
             "How do you keep a medication round safe, and what did you do the last time you caught an error?"),
    Practice("IV therapy", r"\biv therapy|\bintravenous|\bcannulat",
             "How do you set up and monitor IV therapy safely, and what do you do when something looks wrong?"),
    Practice("safeguarding", r"\bsafeguard",
             "Tell me about a safeguarding concern you raised. What did you notice, and what did you do?"),
    Practice("infection prevention", r"\binfection (control|prevention)",
             "Walk me through how you prevent infection spreading on a busy shift. What do you check, and what would make you escalate?"),
    Practice("wound care", r"\bwound care|\btissue viability",
             "How do you assess and manage a wound, and how do you decide when to escalate?"),
    Practice("triage", r"\btriage",
             "Walk me through how you triage when several people need you at once. What decides who comes first?"),
    Practice("lesson planning", r"\blesson plan|\bcurriculum",
             "Think of a recent lesson. How did you plan it for a class with a wide range of abilities?"),
    Practice("behaviour management", r"\bbehaviou?r management",
             "Tell me about a time you turned around difficult behaviour in a class. What did you do?"),
)
_PRACTICES = tuple((p, re.compile(p.pattern, re.IGNORECASE)) for p in PRACTICES)


# ----- limits and language ---------------------------------------------------------------------------

# A JD is read up to this many characters (about ten pages): real JDs are 2-8 thousand; past this
# it is pasted boilerplate, and reading it all would only add noise and time.
MAX_JD_CHARS = 20_000
# A quoted source longer than this is cut around the cue that matched (a JD without line breaks).
MAX_SOURCE_CHARS = 240
# A requirement phrase read aloud as the question's lead-in ("This role asks for mentoring.") at
# most this long; a longer one is named by its topic instead.
MAX_LEAD_IN_WORDS = 10
MIN_BEHAVIOURAL = 2
MAX_BEHAVIOURAL = 3

# Function words of English and of the languages JDs most often come in otherwise. A word two
# languages share ("in", "a", "die" as an English verb, "de") is left out of both lists.
ENGLISH_MARKERS = frozenset(
    """the and of to with for you your our we will is are be this that who what have has from
    an as or at by on it can would should must about their they into than within across""".split()
)
OTHER_MARKERS = frozenset(
    # German
    """der die das und mit für wir sie ist sind eine einer einen ein von zu auf bei oder nicht auch
    ihre ihr du dich uns unser unsere werden wird sowie über kenntnisse erfahrung"""
    # Spanish
    """ el los las y con para del una que por nuestro nuestra nuestros es se somos buscamos experiencia
    conocimientos trabajo equipo"""
    # French
    """ le les et avec pour des du une nous vous est dans sur sont notre nos travail équipe"""
    # Italian, Portuguese, Dutch
    """ il di che della gli per con sono nostro uma com os não são het een en voor wij van zijn met ons""".split()
)
# Two markers more than English, at least: a JD of tool names has few of either.
MIN_OTHER_MARKERS = 3
# More than this share of the letters outside a-z (Cyrillic, Greek, CJK, Arabic…): not English.
MAX_NON_ASCII_LETTERS = 0.3


@dataclass(frozen=True, slots=True)
class Language:
    english: bool
    reason: str


def detect_language(text: str) -> Language:
    """Whether ``text`` is English, by the share of letters outside a-z and by counting common
    function words of English against those of German, Spanish, French, Italian, Portuguese and
    Dutch. Deliberately blunt: it only has to tell "English JD" from "not", and says why."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return Language(True, "no letters")
    non_ascii = sum(1 for c in letters if not ("a" <= c.lower() <= "z")) / len(letters)
    if non_ascii > MAX_NON_ASCII_LETTERS:
        return Language(False, f"{non_ascii:.0%} of its letters are not English letters")
    words = re.findall(r"[^\W\d_]+", text.lower())
    english = sum(1 for w in words if w in ENGLISH_MARKERS)
    other = sum(1 for w in words if w in OTHER_MARKERS)
    if other >= MIN_OTHER_MARKERS and other > english:
        return Language(False, f"{other} common words of other languages against {english} of English")
    return Language(True, f"{english} common English words against {other} of other languages")


# ----- the plan --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedQuestion:
    id: str
    text: str
    kind: QuestionKind
    competency: Competency
    # The JD's words the question came from, exactly as written (a substring of the JD); None for
    # a general question.
    source: str | None
    # What a gentle re-prompt asks more about ("Could you tell me more about …?").
    about: str = "that"

    @property
    def question_type(self) -> QuestionType:
        """The question's type as the copilot's grounding reads it (``questions.classify``)."""
        return classify(self.text).kind

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "kind": self.kind.value, "competency": self.competency.value,
                "source": self.source, "about": self.about}


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the candidate should know about the plan ("the JD was empty, so …")."""

    code: str  # "jd_empty", "jd_not_english", "jd_truncated", "few_requirements"
    message: str


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement read from the JD, and what the table made of it."""

    text: str  # exactly as in the JD
    primary: bool  # in a requirements section or list (not a responsibility or a description)
    cue: Cue | None  # the first row of REQUIREMENT_CUES that matched, if any
    # Rows of other competencies it also matched ("strong communication and enjoy mentoring").
    also: tuple[Cue, ...] = ()


@dataclass(frozen=True, slots=True)
class InterviewPlan:
    questions: tuple[PlannedQuestion, ...]
    notices: tuple[Notice, ...] = ()
    role: str | None = None
    company: str | None = None
    requirements: tuple[Requirement, ...] = field(default=(), repr=False)

    @property
    def generic(self) -> bool:
        """The questions are general ones, not drawn from the JD (empty, or not English)."""
        return any(n.code in ("jd_empty", "jd_not_english") for n in self.notices)

    def by_id(self, question_id: str) -> PlannedQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": [q.to_json() for q in self.questions],
            "notices": [{"code": n.code, "message": n.message} for n in self.notices],
            "role": self.role,
            "company": self.company,
            "generic": self.generic,
        }


def plan_interview(profile: Profile) -> InterviewPlan:
    """The plan for ``profile`` (its ``job_description`` and the candidate's own material)."""
    jd = profile.job_description or ""
    own = "\n".join([profile.resume, profile.notes, *profile.stories])
    notices: list[Notice] = []
    if not jd.strip():
        notices.append(Notice("jd_empty", "The job description was empty, so these are general interview questions."))
        return _generic_plan(own, notices)
    if len(jd) > MAX_JD_CHARS:
        cut = jd.rfind("\n", 0, MAX_JD_CHARS)
        jd = jd[: cut if cut > MAX_JD_CHARS // 2 else MAX_JD_CHARS]
        notices.append(Notice("jd_truncated", f"The job description was long, so only its first {MAX_JD_CHARS:,} characters were read."))
    language = detect_language(jd)
    if not language.english:
        notices.append(Notice(
            "jd_not_english",
            f"The job description does not look like English ({language.reason}), so these are general "
            "interview questions in English.",
        ))
        return _generic_plan(own, notices)

    requirements = tuple(parse_requirements(jd))
    role, company, title_line = role_and_company(jd, own)
    chosen = _choose(requirements)
    if len(chosen) < MIN_BEHAVIOURAL:
        notices.append(Notice(
            "few_requirements",
            "The job description names few requirements I could match, so some questions are general ones.",
        ))
    behavioural = [_behavioural(cue, req.text) for req, cue in chosen]
    for cue in GENERIC_CUES:
        if len(behavioural) >= MIN_BEHAVIOURAL:
            break
        if all(q.competency is not cue.competency for q in behavioural):
            behavioural.append(_behavioural(cue, None))

    questions = [
        _opener(role),
        *behavioural,
        # Requirements first, then the other sentences, the title line last.
        _technical(tuple(r.text for r in sorted(requirements, key=lambda r: (not r.primary, r.text == title_line))), own),
        _motivation(role, company, title_line),
        _closing(),
    ]
    return InterviewPlan(_numbered(questions), tuple(notices), role, company, requirements)


def _choose(requirements: tuple[Requirement, ...]) -> list[tuple[Requirement, Cue]]:
    """Up to ``MAX_BEHAVIOURAL`` (requirement, row) pairs to ask about, in JD order within each
    pass: stated requirements of competencies not yet asked about; stated requirements of another
    row (a second leadership question: incidents, then mentoring); the other competencies a
    stated requirement also names ("communication and mentoring"); then responsibilities and
    other sentences of competencies not yet asked about. Never two of one row or family."""
    chosen: list[tuple[Requirement, Cue]] = []

    def fits(cue: Cue, new_competency: bool) -> bool:
        for _, other in chosen:
            if other is cue or (cue.family and other.family == cue.family):
                return False
            if new_competency and other.competency is cue.competency:
                return False
        return True

    primary = [r for r in requirements if r.primary and r.cue is not None]
    passes: tuple[tuple[list[tuple[Requirement, Cue]], bool], ...] = (
        ([(r, r.cue) for r in primary if r.cue is not None], True),
        ([(r, r.cue) for r in primary if r.cue is not None], False),
        ([(r, c) for r in primary for c in r.also], True),
        ([(r, r.cue) for r in requirements if not r.primary and r.cue is not None], True),
    )
    for candidates, new_competency in passes:
        for req, cue in candidates:
            if len(chosen) == MAX_BEHAVIOURAL:
                return chosen
            if fits(cue, new_competency):
                chosen.append((req, cue))
    return chosen


def _generic_plan(own: str, notices: list[Notice]) -> InterviewPlan:
    questions = [
        _opener(None),
        *(_behavioural(cue, None) for cue in GENERIC_CUES[:MAX_BEHAVIOURAL]),
        _technical((), own),
        _motivation(None, None, None),
        _closing(),
    ]
    return InterviewPlan(_numbered(questions), tuple(notices))


def _numbered(questions: list[PlannedQuestion]) -> tuple[PlannedQuestion, ...]:
    """Ids by kind, readable in a report: "opener", "behavioural-1", "technical", …"""
    out = []
    count = 0
    for q in questions:
        if q.kind is QuestionKind.BEHAVIOURAL:
            count += 1
            q = PlannedQuestion(f"behavioural-{count}", q.text, q.kind, q.competency, q.source, q.about)
        out.append(q)
    return tuple(out)


def _opener(role: str | None) -> PlannedQuestion:
    text = "To start, could you tell me a little about yourself"
    text += f" and what brings you to this {role} role?" if role else " and what you're working on now?"
    return PlannedQuestion("opener", text, QuestionKind.OPENER, Competency.COMMUNICATION, None, "your background")


def _behavioural(cue: Cue, source: str | None) -> PlannedQuestion:
    lead = ""
    if source is not None:
        phrase = _lead_in(source)
        lead = f"This role asks for {phrase or cue.topic}. "
    return PlannedQuestion("behavioural", lead + cue.question, QuestionKind.BEHAVIOURAL, cue.competency, source, cue.about)


def _technical(pieces: tuple[str, ...], own: str) -> PlannedQuestion:
    """One question on a tool or practice the JD names (``pieces``: its requirements and
    sentences, in order), preferring one the candidate's own material names too."""
    found: list[tuple[int, int, bool, Tool | Practice, str]] = []  # (rank, JD position, is_practice, item, piece)
    for practice, pattern in _PRACTICES:
        if (at := _first_piece(pieces, pattern)) is not None:
            found.append((0 if pattern.search(own) else 2, at, True, practice, pieces[at]))
    for tool, pattern in _TOOLS:
        if (at := _first_piece(pieces, pattern)) is not None:
            found.append((1 if pattern.search(own) else 3, at, False, tool, pieces[at]))
    if not found and own.strip():
        # No JD (or none read): ask about the first tool the candidate's own material names.
        for tool, pattern in _TOOLS:
            if pattern.search(own) is not None:
                found.append((1, 0, False, tool, ""))
                break
    if not found:
        return PlannedQuestion(
            "technical",
            "What's the most technically demanding part of your work, and how do you keep your skills sharp for it?",
            QuestionKind.TECHNICAL, Competency.TECHNICAL_DEPTH, None, "the demanding part of your work",
        )
    # The best rank; within it the item the JD names first (then the table's order).
    rank, _, is_practice, item, piece = min(found, key=lambda f: (f[0], f[1]))
    source = piece or None
    name = _say(item.name)
    if is_practice:
        assert isinstance(item, Practice)
        lead = f"This role involves {name}. " if source else ""
        return PlannedQuestion("technical", lead + item.question, QuestionKind.TECHNICAL, Competency.TECHNICAL_DEPTH,
                               source, item.name)
    assert isinstance(item, Tool)
    if not source:
        text = (f"I see {name} on your resume. What's the hardest problem you've solved with it, "
                "and how did you solve it?")
    elif rank == 1:
        text = (f"This role uses {name}, which I see on your resume too. What's the hardest problem you've "
                "solved with it, and how did you solve it?")
    else:
        text = (f"This role uses {name}. What's your experience with it, and if it's limited, "
                "how would you get up to speed?")
    return PlannedQuestion("technical", text, QuestionKind.TECHNICAL, Competency.TECHNICAL_DEPTH, source,
                           f"your work with {name}")


def _motivation(role: str | None, company: str | None, title_line: str | None) -> PlannedQuestion:
    if role and company:
        text = f"Why do you want to join {company} as {_article(role)} {role}?"
    elif company:
        text = f"Why do you want to join {company}?"
    elif role:
        text = f"Why do you want this role as {_article(role)} {role}?"
    else:
        text = "Why do you want this role, and why now?"
    source = title_line if (role or company) else None
    return PlannedQuestion("motivation", text, QuestionKind.MOTIVATION, Competency.MOTIVATION, source,
                           "why this role appeals to you")


def _closing() -> PlannedQuestion:
    return PlannedQuestion("closing", "That's all from me. Do you have any questions for me?", QuestionKind.CLOSING,
                           Competency.MOTIVATION, None, "what you'd like to know")


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


# ----- reading the JD ------------------------------------------------------------------------------

# A heading (or a "Label:" before a list) that opens the requirements.
REQUIREMENT_HEADINGS = re.compile(
    r"requirement|qualification|looking for|about you|you have|you'll have|you will have|you bring|you'll bring|"
    r"you will bring|you.ll need|you need|must[- ]haves?|essential|desirable|nice to have|skills|who you are|"
    r"person specification|ideal candidate|what we need|competenc|experience",
    re.IGNORECASE,
)
# A heading that opens what is not a requirement: the employer, the offer, the process.
SKIP_HEADINGS = re.compile(
    # "About Basketly", "About us": the employer describing itself (not "About you", "About the role").
    r"^\W*about (?!you\b|the (role|job|position|post|opportunity)\b|this (role|job|position)\b)|"
    r"benefit|perks?\b|we offer|what we offer|why join|why work|about us|about the (company|team|organi[sz]ation|trust)|"
    r"salary|compensation|package|how to apply|apply|equal opportunit|diversity|our values|culture|location|"
    r"working hours|hours of work|contract|interview process",
    re.IGNORECASE,
)
# The headings JDs use, as whole lines.
HEADING_LINE = re.compile(
    r"^(?:about (?:you|us|the \w+|(?-i:[A-Z][\w&'’.-]*(?: [A-Z][\w&'’.-]*){0,3}))|"
    r"what (?:you['’]?ll|you will|we['’]?re|we are|we|you) (?:[\w'’]+ ?){1,3}|who (?:you are|we are)|"
    r"(?:the |your |key |essential |desirable |core |main )?(?:role|requirements?|qualifications?|responsibilities|"
    r"skills(?: and (?:experience|qualifications))?|experience(?: and (?:skills|qualifications))?|duties|benefits|perks|"
    r"competencies)|you (?:have|bring|will have|will bring|['’]ll have|['’]ll bring)|must[- ]haves?|nice[- ]to[- ]haves?|"
    r"person specification|(?:the )?ideal candidate|how to apply|our values|why (?:join|work (?:with|at|for)) \w+|"
    r"salary(?: and benefits)?|location|day to day|in this role|essential|desirable)\W*$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣–]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
# "Looking for: a, b, c" / "Requirements: …": a label, then a list on the same line.
_INLINE_LABEL = re.compile(r"^(?P<label>[A-Z][A-Za-z' ]{2,40}):\s+(?P<rest>\S)", re.DOTALL)


def parse_requirements(jd: str) -> Iterator[Requirement]:
    """Every requirement-like piece of the JD with the table's reading of it, in JD order: each
    bullet; each item of a labelled list ("Looking for: a, b, c", which may wrap over lines);
    each other sentence. Sections (or labels) that describe the employer, the offer or the
    process are skipped. Every ``Requirement.text`` is a substring of ``jd``."""
    section = "none"  # "require" | "skip" | "none"
    for kind, start, end in _blocks(jd):
        if kind == "heading":
            section = _section(jd[start:end], section)
            continue
        for s_start, s_end in _sentences(jd, start, end) if kind == "text" else [(start, end)]:
            sentence = jd[s_start:s_end]
            label = _INLINE_LABEL.match(sentence)
            # "Looking for: a, b, c" is a list; "Strong communication: you can …" is one requirement.
            labelled = _section(label.group("label"), "none") if label is not None else "none"
            if label is not None and labelled != "none":
                if labelled == "skip":
                    continue
                primary = True
                for i_start, i_end in _items(jd, s_start + label.start("rest"), s_end):
                    yield _requirement(jd[i_start:i_end], primary)
                continue
            if section == "skip":
                continue
            piece_end = s_start + len(sentence.rstrip().rstrip(".!?;").rstrip())
            if piece_end > s_start:
                yield _requirement(jd[s_start:piece_end], section == "require")


def _blocks(jd: str) -> Iterator[tuple[str, int, int]]:
    """("heading" | "bullet" | "text", start, end) over the JD: a heading's text; a bullet's text
    without its marker (with its indented continuation lines); a paragraph of wrapped lines."""
    pending: tuple[str, int, int] | None = None
    for raw, offset in _lines(jd):
        stripped = raw.strip()
        if not stripped:
            if pending:
                yield pending
            pending = None
            continue
        line_start = offset + len(raw) - len(raw.lstrip())
        line_end = offset + len(raw.rstrip())
        bullet = _BULLET.match(raw)
        heading = None if bullet else _heading(raw)
        if heading is not None:
            if pending:
                yield pending
            pending = None
            at = jd.find(heading, offset)
            yield "heading", at, at + len(heading)
            continue
        if bullet:
            if pending:
                yield pending
            pending = ("bullet", offset + bullet.end(), line_end)
            continue
        if pending and (raw[:1].isspace() if pending[0] == "bullet" else _wraps(jd[pending[1]:pending[2]], stripped)):
            pending = (pending[0], pending[1], line_end)  # a wrapped line goes on
            continue
        if pending:
            yield pending
        pending = ("text", line_start, line_end)
    if pending:
        yield pending


# A line at least this long that has not ended its sentence was wrapped (as ``facts.PROSE_WRAP``);
# a shorter one is an item of its own ("5+ years of Python" over "Strong communication").
PROSE_WRAP = 50


def _wraps(previous: str, line: str) -> bool:
    last = previous.rsplit("\n", 1)[-1].rstrip()
    if re.search(r"[.!?]$", last):
        return False
    return (len(last) >= PROSE_WRAP or line[:1].islower() or re.search(r"[,;&(]$|\b(and|or|with|of|for|to|in|the|a)$", last) is not None)


def _sentences(jd: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentences of ``jd[start:end]``: ended by . ! or ? before a space ("Node.js" is one word)."""
    at = start
    for m in re.finditer(r"(?<=[.!?])\s+", jd[start:end]):
        yield at, start + m.start()
        at = start + m.end()
    if at < end:
        yield at, end


def _lines(text: str) -> Iterator[tuple[str, int]]:
    offset = 0
    for line in text.split("\n"):
        yield line, offset
        offset += len(line) + 1


def _heading(line: str) -> str | None:
    if (m := _HEADING.match(line)) is not None:
        return m.group(1)
    stripped = line.strip().strip("*_").strip()
    if stripped.endswith(":") and len(stripped) <= 50 and not _BULLET.match(line):
        return stripped[:-1]
    # A whole line that is a JD's usual heading: "About the role", "What you'll bring" (but not
    # "Experience leading incidents", a requirement that starts like one).
    if HEADING_LINE.match(stripped):
        return stripped
    return None


def _section(heading: str, current: str) -> str:
    if SKIP_HEADINGS.search(heading):
        return "skip"
    if REQUIREMENT_HEADINGS.search(heading):
        return "require"
    return "none"


def _items(jd: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The comma- or semicolon-separated items of a list in ``jd[start:end]``, trimmed."""
    for m in re.finditer(r"[^,;]+", jd[start:end]):
        piece_start, piece_end = start + m.start(), start + m.end()
        text = jd[piece_start:piece_end]
        lead = len(text) - len(text.lstrip())
        lead += len(re.match(r"(?:and|or)\s+", text[lead:]).group(0)) if re.match(r"(?:and|or)\s+", text[lead:]) else 0
        trimmed = text[lead:].rstrip().rstrip(".!?").rstrip()
        if trimmed:
            yield piece_start + lead, piece_start + lead + len(trimmed)


def _bounded(text: str) -> str:
    """A source of at most ``MAX_SOURCE_CHARS``: a long run-on sentence is cut at a word boundary
    (still a substring of the JD, as every quote must be)."""
    if len(text) <= MAX_SOURCE_CHARS:
        return text
    cut = text.rfind(" ", 0, MAX_SOURCE_CHARS)
    return text[: cut if cut > 0 else MAX_SOURCE_CHARS]


def _requirement(text: str, primary: bool) -> Requirement:
    text = _bounded(text)
    cues: list[Cue] = []
    for cue in cues_in(text):
        if cue.competency is Competency.CUSTOMER_FOCUS and any(p.search(text) for _, p in _PRACTICES):
            # "Recognising the deteriorating patient": "patient" names who a clinical skill is
            # for; the skill is the technical question's, not a value to ask a story about.
            continue
        if all(c.competency is not cue.competency for c in cues):
            cues.append(cue)
    return Requirement(text, primary, cues[0] if cues else None, tuple(cues[1:]))


def _first_piece(pieces: tuple[str, ...], pattern: re.Pattern[str]) -> int | None:
    return next((i for i, piece in enumerate(pieces) if pattern.search(piece)), None)


_SPOKEN_OK = re.compile(r"^[A-Za-z][A-Za-z' -]*$")
_NOT_A_NOUN_START = frozenset(
    """you we our your they are is will must can be have has should would able willing to an a the
    ideally preferably bonus plus""".split()
)


def _lead_in(source: str) -> str | None:
    """The requirement as the question may say it ("experience leading incidents"), or None when
    it would not read well aloud: too long, with symbols, or a sentence about "you"."""
    text = re.sub(r"[*_`]+", "", source).strip()
    # "Strong communication: you can explain …", "Mentoring (juniors and interns)": the name part.
    text = re.split(r"\s*(?::|\s[—–-]\s|\()\s*", text, maxsplit=1)[0].strip().rstrip(".!?;:").strip()
    if not text or len(text.split()) > MAX_LEAD_IN_WORDS or not _SPOKEN_OK.match(text):
        return None
    words = text.split()
    first = words[0]
    if first.lower() in _NOT_A_NOUN_START:
        return None
    if any(tool.name.lower() == first.lower() for tool in TOOLS):
        return None  # "Python experience": the tool has the technical question; say the topic
    if first[1:] == first[1:].lower():
        words[0] = first.lower()  # "Strong communication" -> "strong communication"; "NEWS2" stays
    return " ".join(words)


# ----- the employer and the role ---------------------------------------------------------------------

ROLE_NOUNS = (
    "engineer", "developer", "programmer", "architect", "scientist", "analyst", "designer", "manager",
    "director", "lead", "head", "nurse", "midwife", "doctor", "physician", "therapist", "physiotherapist",
    "pharmacist", "teacher", "lecturer", "tutor", "accountant", "consultant", "specialist", "coordinator",
    "administrator", "assistant", "associate", "officer", "executive", "representative", "advisor", "adviser",
    "technician", "researcher", "writer", "editor", "chef", "barista", "driver", "operator", "clerk", "agent",
    "recruiter", "paralegal", "solicitor", "lawyer", "intern", "apprentice", "owner", "marketer", "strategist",
    "sre", "worker", "carer", "practitioner", "surveyor", "planner", "buyer", "receptionist", "cashier", "supervisor",
)
_ROLE_NOUN = re.compile(r"\b(" + "|".join(ROLE_NOUNS) + r")s?\b", re.IGNORECASE)
# Words that mark a name as an organisation's.
ORG_WORDS = re.compile(
    r"\b(health|hospital|trust|clinic|labs?|bank|group|ltd|limited|inc|llc|plc|gmbh|corp|corporation|company|"
    r"co|technologies|systems|software|school|academy|college|university|council|foundation|partners|"
    r"studio|studios|agency|services|solutions|nhs)\b\.?",
    re.IGNORECASE,
)
# Parts of a title line that are a place or a way of working, never an employer.
PLACE_WORDS = re.compile(
    r"^(remote|hybrid|on-?site|full[- ]time|part[- ]time|permanent|contract|fixed[- ]term|uk|us|usa|eu|emea|"
    r"europe|london|manchester|leeds|birmingham|bristol|edinburgh|glasgow|dublin|berlin|paris|amsterdam|"
    r"new york|san francisco|toronto|sydney|anywhere)\b",
    re.IGNORECASE,
)
_TITLE_SPLIT = re.compile(r"\s+[—–-]\s+|\s*\|\s*|\s+at\s+|,\s+|:\s+|\s+@\s+")
# "About Basketly", "Join Basketly", "At Basketly, we": the employer named in prose.
_PROSE_EMPLOYER = re.compile(
    r"(?:^|\n)\s*(?:#+\s*)?(?:About|Join|At)\s+(?P<name>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,3})"
)
_PROSE_ROLE = re.compile(
    r"\b(?:hiring|looking for|seeking|recruiting)\s+(?:an?|our (?:next|new|first))\s+(?:(?:experienced|talented|passionate|motivated)\s+)?"
    r"(?P<role>(?:[A-Za-z-]+\s+){0,3}?(?:" + "|".join(ROLE_NOUNS) + r"))\b",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset("you us the our this we your role team a an it me".split())


def role_and_company(jd: str, own: str = "") -> tuple[str | None, str | None, str | None]:
    """The role and the employer as the JD names them, and the title line they came from.

    The role is the part of the JD's first line that holds a job noun ("Senior Backend Engineer").
    The employer is a part of that line confirmed as a name by one of: "at X" in the title, an
    organisation word ("Helio Health", "St Catherine's Hospital"), the JD's own prose ("About X",
    "Join X") or the candidate's notes naming it. Anything less certain is left out."""
    first = next((l for l in jd.split("\n") if l.strip()), "")
    title = _clean_name(re.sub(r"^\s*#+\s*", "", first))
    role = company = None
    title_line = first.strip().lstrip("#").strip() or None
    if title and len(title) <= 100 and not re.search(r"[.!?]$", title):
        parts = [p.strip() for p in _TITLE_SPLIT.split(title) if p.strip()]
        roles = [p for p in parts if _ROLE_NOUN.search(p) and len(p.split()) <= 6]
        if roles:
            role = roles[0]
            after_at = re.search(r"\s(?:at|@)\s+(.+)$", title)
            candidates = [p for p in parts if p != role and not _ROLE_NOUN.search(p) and not PLACE_WORDS.match(p)
                          and not re.search(r"\d", p) and p.lower() not in _NOT_NAMES]
            prose = {m.group("name").strip() for m in _PROSE_EMPLOYER.finditer(jd)}
            for candidate in reversed(candidates):
                head = candidate.split()[0]
                if (
                    candidate in prose
                    or (after_at and after_at.group(1).startswith(candidate))
                    or ORG_WORDS.search(candidate)
                    or (len(head) >= 4 and re.search(rf"(?<![\w]){re.escape(head)}(?![\w])", own))
                ):
                    company = candidate
                    break
    if role is None:
        # "We are hiring a barista", "looking for an experienced Staff Nurse": the role in prose.
        m = _PROSE_ROLE.search(jd)
        if m is not None:
            role = _clean_name(m.group("role"))
            title_line = None
    if company is None:
        named = [m.group("name").strip() for m in _PROSE_EMPLOYER.finditer(jd)]
        named = [n for n in named if n.split()[0].lower() not in _NOT_NAMES and not _ROLE_NOUN.search(n)]
        if named and len(set(named)) == 1:
            company = _clean_name(named[0].rstrip(".,"))
    if title_line is not None and not any(name and name in title_line for name in (role, company)):
        title_line = None  # the names came from elsewhere: this line is not their source
    return (_say(role) if role else None), (_say(company) if company else None), title_line


# Names whose symbols a voice would misread, and how a person says them.
SPOKEN_NAMES = {"C#": "C sharp", "C++": "C plus plus", "F#": "F sharp", ".NET": "dot net", "A/B": "A B"}


def _say(name: str) -> str:
    for written, said in SPOKEN_NAMES.items():
        name = re.sub(rf"(?<![\w]){re.escape(written)}(?![\w+#])", said, name, flags=re.IGNORECASE)
    return name


def _clean_name(text: str) -> str:
    """A name as it can be said: markdown, brackets and their contents ("(m/f/d)", "(Band 5)")
    and stray symbols removed ("C#" and "C++" are said in words by ``_say``)."""
    text = re.sub(r"[*_`]+", "", text)
    text = re.sub(r"\s*[(\[][^)\]]*[)\]]", "", text)
    text = _say(text)
    text = re.sub(r"[^\w&'’.,:|@—–\- ]", " ", text)
    return re.sub(r"\s{2,}", " ", text).strip(" -—–,:|")
