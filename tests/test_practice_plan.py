"""Nova's interview plan (firstword.practice.plan): what it asks, from which words of the JD."""

from __future__ import annotations

import json
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firstword.answerer.profile import Profile, sample_profile
from firstword.grounding.questions import QuestionType
from firstword.practice.plan import (
    MAX_JD_CHARS,
    PRACTICES,
    REQUIREMENT_CUES,
    Competency,
    InterviewPlan,
    QuestionKind,
    cues_in,
    detect_language,
    parse_requirements,
    plan_interview,
    role_and_company,
)

# ----- test data: job descriptions as people paste them ---------------------------------------------

BACKEND_JD = """\
Backend Engineer (Python) at Fernhill Labs

About us
Fernhill Labs builds scheduling software for community clinics. We offer a collaborative culture and
flexible hours.

What you'll do
- Design and run the APIs behind our booking platform
- Own services end to end, from design to on-call

What you'll bring
- 5+ years of Python
- Experience leading incidents and writing blameless postmortems
- **Strong communication**: you can explain trade-offs to non-engineers
- Comfortable with PostgreSQL, Kafka and Kubernetes
- Mentoring junior engineers

Benefits
- 30 days holiday, learning budget, remote-first
"""

PM_JD = """\
Product Manager, Payments — Basketly

About Basketly: Basketly is a grocery delivery app used by two million households.

Requirements:
* 4+ years of product management experience, ideally in fintech or marketplaces
* Comfortable with SQL, Amplitude and A/B testing
* Strong stakeholder management across engineering, design and finance
* A track record of shipping products that moved a metric
* Data-driven decision making
Nice to have: experience with Stripe or Adyen
Benefits: hybrid working, private health insurance, a generous learning budget
"""

NURSE_JD = """\
Staff Nurse (Band 5) — Acute Medical Unit, St Catherine's Hospital

About the role
You will join a busy 28-bed acute medical unit caring for adults with complex needs.

What we're looking for
- NMC registration as a Registered Nurse (Adult)
- Experience of acute care, including recognising the deteriorating patient (NEWS2)
- Safe medication administration, including IV therapy
- Excellent communication with patients, families and the multidisciplinary team
- Able to prioritise care for a group of patients on a busy shift
- Willingness to mentor students and newly qualified nurses

What we offer
- A supportive team and a preceptorship programme
- 27 days annual leave plus bank holidays
"""

GERMAN_JD = """\
Pflegefachkraft (m/w/d) für unsere Intensivstation

Wir suchen ab sofort eine engagierte Pflegefachkraft für unser Team in Hamburg.

Ihre Aufgaben:
- Versorgung und Betreuung von Patientinnen und Patienten auf der Intensivstation
- Zusammenarbeit mit dem ärztlichen Dienst und anderen Berufsgruppen

Ihr Profil:
- Abgeschlossene Ausbildung als Pflegefachkraft
- Erfahrung in der Intensivpflege ist wünschenswert
- Teamfähigkeit, Empathie und Zuverlässigkeit, Kommunikation mit Angehörigen

Wir bieten:
- Eine unbefristete Vollzeitstelle mit Vergütung nach TVöD
"""

SPANISH_JD = """\
Desarrollador Backend Senior

Buscamos una persona con experiencia en Python y PostgreSQL para nuestro equipo de pagos.
Requisitos: al menos cinco años de experiencia, trabajo en equipo y buena comunicación con los clientes.
Ofrecemos trabajo remoto y un salario competitivo.
"""

ENGLISH_JDS = {"sample": sample_profile().job_description, "backend": BACKEND_JD, "pm": PM_JD, "nurse": NURSE_JD}
MARKDOWN = re.compile(r"[*_`#\[\]<>|/()]")


def _plan(jd: str, resume: str | None = None) -> InterviewPlan:
    return plan_interview(Profile(job_description=jd, resume=sample_profile().resume if resume is None else resume))


def _by_kind(plan: InterviewPlan, kind: QuestionKind) -> list:
    return [q for q in plan.questions if q.kind is kind]


def assert_well_formed(plan: InterviewPlan, jd: str) -> None:
    """What every plan must be, whatever the JD."""
    kinds = [q.kind for q in plan.questions]
    assert kinds[0] is QuestionKind.OPENER and kinds[-1] is QuestionKind.CLOSING
    assert 2 <= kinds.count(QuestionKind.BEHAVIOURAL) <= 3
    assert kinds.count(QuestionKind.TECHNICAL) == 1 and kinds.count(QuestionKind.MOTIVATION) == 1
    assert kinds.count(QuestionKind.OPENER) == 1 and kinds.count(QuestionKind.CLOSING) == 1
    assert len({q.id for q in plan.questions}) == len(plan.questions)
    behavioural = _by_kind(plan, QuestionKind.BEHAVIOURAL)
    assert len({q.text for q in behavioural}) == len(behavioural)
    for q in plan.questions:
        # Spoken English for text-to-speech: no markdown, brackets or slashes; a question at the end.
        assert not MARKDOWN.search(q.text), q.text
        assert q.text.endswith("?"), q.text
        assert q.source is None or q.source in jd, q.source
        assert q.about and not MARKDOWN.search(q.about)
    json.dumps(plan.to_json())


# ----- the plans for real-looking JDs ------------------------------------------------------------------


def test_sample_profile_plan_asks_for_what_its_jd_lists() -> None:
    profile = sample_profile()
    plan = plan_interview(profile)
    assert_well_formed(plan, profile.job_description)
    assert plan.notices == () and not plan.generic
    behavioural = _by_kind(plan, QuestionKind.BEHAVIOURAL)
    # "Looking for: ownership of reliability …, mentoring, clear communication …, experience with
    # on-call and incidents." wraps over two lines and still reads as four requirements.
    assert [q.competency for q in behavioural] == [Competency.OWNERSHIP, Competency.LEADERSHIP, Competency.COMMUNICATION]
    assert [q.source for q in behavioural] == [
        "ownership of reliability and latency budgets", "mentoring", "clear communication with clinical product teams",
    ]
    assert behavioural[1].text.startswith("This role asks for mentoring. Tell me about a time")
    # The technical question is about a practice the JD and the resume share (streaming).
    technical = _by_kind(plan, QuestionKind.TECHNICAL)[0]
    assert "event streaming" in technical.text and "event streaming" in technical.source
    motivation = _by_kind(plan, QuestionKind.MOTIVATION)[0]
    assert motivation.text == "Why do you want to join Helio Health as a Senior Backend Engineer?"
    assert plan.questions[-1].text.endswith("Do you have any questions for me?")


def test_backend_jd_skips_about_us_and_benefits_and_asks_for_the_stated_requirements() -> None:
    plan = _plan(BACKEND_JD)
    assert_well_formed(plan, BACKEND_JD)
    behavioural = _by_kind(plan, QuestionKind.BEHAVIOURAL)
    assert [q.competency for q in behavioural] == [Competency.LEADERSHIP, Competency.COMMUNICATION, Competency.LEADERSHIP]
    assert behavioural[0].source == "Experience leading incidents and writing blameless postmortems"
    assert behavioural[0].text.startswith("This role asks for experience leading incidents and writing blameless postmortems.")
    # The label of "**Strong communication**: you can explain …" is said, without its markdown.
    assert behavioural[1].text.startswith("This role asks for strong communication.")
    assert behavioural[2].source == "Mentoring junior engineers"
    # "We offer a collaborative culture" (About us) is an offer, not a requirement.
    assert all(q.competency is not Competency.COLLABORATION for q in plan.questions)
    assert not any("30 days holiday" in r.text for r in parse_requirements(BACKEND_JD))
    technical = _by_kind(plan, QuestionKind.TECHNICAL)[0]
    assert technical.text.startswith("This role uses Python, which I see on your resume too.")
    assert technical.source == "5+ years of Python"
    assert (plan.role, plan.company) == ("Backend Engineer", "Fernhill Labs")


def test_product_manager_jd() -> None:
    plan = _plan(PM_JD, resume="")
    assert_well_formed(plan, PM_JD)
    behavioural = _by_kind(plan, QuestionKind.BEHAVIOURAL)
    assert [q.competency for q in behavioural] == [Competency.COLLABORATION, Competency.DELIVERY, Competency.PROBLEM_SOLVING]
    assert behavioural[2].text.startswith("This role asks for data-driven decision making.")
    technical = _by_kind(plan, QuestionKind.TECHNICAL)[0]
    assert "experiment" in technical.text and technical.source == "Comfortable with SQL, Amplitude and A/B testing"
    assert _by_kind(plan, QuestionKind.MOTIVATION)[0].text == "Why do you want to join Basketly as a Product Manager?"
    # "Benefits: hybrid working, …" and "About Basketly: …" are never requirements.
    texts = [r.text for r in parse_requirements(PM_JD)]
    assert "experience with Stripe or Adyen" in texts
    assert not any("hybrid" in t or "grocery" in t for t in texts)


def test_nurse_jd_is_a_general_case_not_only_tech() -> None:
    plan = _plan(NURSE_JD, resume="Staff nurse on a respiratory ward since 2021. NMC registered.")
    assert_well_formed(plan, NURSE_JD)
    behavioural = _by_kind(plan, QuestionKind.BEHAVIOURAL)
    assert [q.competency for q in behavioural] == [Competency.COMMUNICATION, Competency.DELIVERY, Competency.LEADERSHIP]
    technical = _by_kind(plan, QuestionKind.TECHNICAL)[0]
    assert "deteriorating" in technical.text and "deteriorating patient" in technical.source
    # The brackets of "Staff Nurse (Band 5)" are not read aloud.
    assert _by_kind(plan, QuestionKind.MOTIVATION)[0].text == "Why do you want to join St Catherine's Hospital as a Staff Nurse?"
    assert "what brings you to this Staff Nurse role?" in plan.questions[0].text


@pytest.mark.parametrize("name", list(ENGLISH_JDS))
def test_questions_read_as_their_kind_to_the_copilots_classifier(name: str) -> None:
    """The same questions, heard by the copilot's grounding (``questions.classify``), are of the
    kind the plan says: an interviewer's question, not a misheard one."""
    plan = _plan(ENGLISH_JDS[name])
    expected = {
        QuestionKind.OPENER: {QuestionType.ABOUT_YOU},
        QuestionKind.BEHAVIOURAL: {QuestionType.BEHAVIOURAL},
        QuestionKind.MOTIVATION: {QuestionType.MOTIVATION},
        QuestionKind.CLOSING: {QuestionType.CLOSING},
        QuestionKind.TECHNICAL: {QuestionType.TECHNICAL, QuestionType.EXPERIENCE, QuestionType.BEHAVIOURAL, QuestionType.OTHER},
    }
    for q in plan.questions:
        assert q.question_type in expected[q.kind], (q.id, q.text, q.question_type)


def test_every_cue_question_is_a_behavioural_question_to_the_classifier() -> None:
    from firstword.grounding.questions import classify

    for cue in REQUIREMENT_CUES:
        asked = f"This role asks for {cue.topic}. {cue.question}"
        assert classify(asked).kind is QuestionType.BEHAVIOURAL, asked
        assert not MARKDOWN.search(asked)
    for practice in PRACTICES:
        assert practice.question.endswith("?") and not MARKDOWN.search(practice.question), practice.question


@pytest.mark.parametrize(
    ("requirement", "competency"),
    [
        ("Experience leading incidents", Competency.LEADERSHIP),
        ("Mentoring junior engineers", Competency.LEADERSHIP),
        ("Line management of a team of 6", Competency.LEADERSHIP),
        ("Experience with on-call and incident response", Competency.OWNERSHIP),
        ("A strong sense of ownership", Competency.OWNERSHIP),
        ("Strong written and verbal communication skills", Competency.COMMUNICATION),
        ("Excellent stakeholder management", Competency.COLLABORATION),
        ("Works well in a multidisciplinary team", Competency.COLLABORATION),
        ("Strong analytical and problem-solving skills", Competency.PROBLEM_SOLVING),
        ("Able to prioritise a heavy workload", Competency.DELIVERY),
        ("Thrives in a fast-paced environment", Competency.DELIVERY),
        ("A growth mindset and eagerness to learn", Competency.LEARNING),
        ("Compassionate, person-centred care", Competency.CUSTOMER_FOCUS),
        ("5+ years of Python", None),  # a skill: the technical question's, not a story's
        ("Recognising the deteriorating patient", None),  # a clinical skill, though it says "patient"
    ],
)
def test_requirement_table(requirement: str, competency: Competency | None) -> None:
    (req,) = parse_requirements(f"Requirements\n- {requirement}\n")
    assert req.primary
    assert (req.cue.competency if req.cue else None) is competency


def test_cues_in_reads_any_text() -> None:
    assert [c.topic for c in cues_in("I mentored two new starters")] == ["mentoring"]
    assert list(cues_in("The weather was fine")) == []


def test_short_lines_without_bullets_are_separate_requirements() -> None:
    jd = "Senior Engineer\n\nRequirements\n5+ years of Python\nExperience leading incidents\nStrong communication\n"
    texts = [r.text for r in parse_requirements(jd) if r.primary]
    assert texts == ["5+ years of Python", "Experience leading incidents", "Strong communication"]


# ----- what the plan does with an empty, foreign or huge JD ------------------------------------------


@pytest.mark.parametrize("jd", ["", "   \n\t\n"])
def test_empty_jd_gives_a_general_plan_and_says_so(jd: str) -> None:
    plan = _plan(jd)
    assert_well_formed(plan, jd)
    assert plan.generic and [n.code for n in plan.notices] == ["jd_empty"]
    assert "empty" in plan.notices[0].message and "general" in plan.notices[0].message
    assert all(q.source is None for q in plan.questions)
    assert len(_by_kind(plan, QuestionKind.BEHAVIOURAL)) == 3
    # Still personal where it can be: the technical question is from the resume.
    assert _by_kind(plan, QuestionKind.TECHNICAL)[0].text.startswith("I see Python on your resume.")


def test_empty_jd_and_empty_profile() -> None:
    plan = plan_interview(Profile())
    assert_well_formed(plan, "")
    assert "technically demanding" in _by_kind(plan, QuestionKind.TECHNICAL)[0].text


@pytest.mark.parametrize("jd", [GERMAN_JD, SPANISH_JD])
def test_jd_in_another_language_gives_a_general_english_plan_never_a_garbled_one(jd: str) -> None:
    plan = _plan(jd)
    assert_well_formed(plan, jd)
    assert plan.generic and [n.code for n in plan.notices] == ["jd_not_english"]
    assert "not look like English" in plan.notices[0].message
    foreign = {w.lower() for w in re.findall(r"[^\W\d_]{5,}", jd)} - {"python", "postgresql", "backend", "senior"}
    for q in plan.questions:
        assert q.source is None
        assert not foreign & {w.lower() for w in re.findall(r"[^\W\d_]+", q.text)}, q.text
    assert plan.role is None and plan.company is None


@pytest.mark.parametrize(
    ("text", "english"),
    [
        (NURSE_JD, True), (BACKEND_JD, True), (PM_JD, True),
        ("Python, Go, PostgreSQL, Kubernetes", True),  # names only: nothing says it is not English
        (GERMAN_JD, False), (SPANISH_JD, False),
        ("Nous recherchons un développeur pour notre équipe. Vous avez une expérience avec Python et des bases de données.", False),
        ("Мы ищем опытного разработчика Python в нашу команду.", False),
        ("募集職種：バックエンドエンジニア。Pythonの経験が3年以上。", False),
    ],
)
def test_detect_language(text: str, english: bool) -> None:
    found = detect_language(text)
    assert found.english is english, found.reason
    assert found.reason


def test_very_long_jd_is_read_up_to_the_cap_and_says_so() -> None:
    filler = "\n".join(f"- Line {i} about our wonderful culture and our values." for i in range(3000))
    jd = BACKEND_JD + filler
    assert len(jd) > MAX_JD_CHARS
    started = time.perf_counter()
    plan = _plan(jd)
    assert time.perf_counter() - started < 2.0
    assert_well_formed(plan, jd)
    assert [n.code for n in plan.notices] == ["jd_truncated"]
    assert f"{MAX_JD_CHARS:,}" in plan.notices[0].message
    assert _by_kind(plan, QuestionKind.BEHAVIOURAL)[0].source == "Experience leading incidents and writing blameless postmortems"


def test_one_huge_line_is_cut_into_bounded_sources() -> None:
    jd = "Requirements: " + ", ".join(["strong communication with many teams"] * 2000)
    plan = _plan(jd)
    assert_well_formed(plan, jd[:MAX_JD_CHARS])
    assert all(q.source is None or len(q.source) <= 240 for q in plan.questions)


def test_a_jd_with_few_requirements_fills_with_general_questions_and_says_so() -> None:
    jd = "We are hiring a barista in Leeds. Apply now."
    plan = _plan(jd, resume="")
    assert_well_formed(plan, jd)
    assert [n.code for n in plan.notices] == ["few_requirements"]
    assert len(_by_kind(plan, QuestionKind.BEHAVIOURAL)) == 2
    assert _by_kind(plan, QuestionKind.MOTIVATION)[0].text == "Why do you want this role as a barista?"


# ----- names: said only when certain ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("jd", "own", "role", "company"),
    [
        ("# Data Analyst — Leeds\n\nSQL and dashboards.", "", "Data Analyst", None),  # a place, not an employer
        ("Data Analyst — Northgate\n\nSQL and dashboards.", "", "Data Analyst", None),  # unconfirmed: not said
        ("Data Analyst — Northgate\n\nSQL and dashboards.", "Why Northgate: their open data work.", "Data Analyst", "Northgate"),
        ("Data Analyst at Northgate\n\nSQL and dashboards.", "", "Data Analyst", "Northgate"),
        ("Join Greenleaf Coffee! We are looking for an experienced shift supervisor.", "", "shift supervisor", "Greenleaf Coffee"),
        ("We build things. You will do stuff.", "", None, None),
    ],
)
def test_role_and_company(jd: str, own: str, role: str | None, company: str | None) -> None:
    found_role, found_company, _ = role_and_company(jd, own)
    assert (found_role, found_company) == (role, company)


# ----- properties ------------------------------------------------------------------------------------

_JD_PIECES = st.sampled_from([
    "- 5+ years of Python", "- Experience leading incidents", "- Strong communication skills", "About us",
    "Benefits", "What you'll bring", "- Mentoring", "- Stakeholder management", "Requirements:", "",
    "We offer a collaborative culture.", "**Bold** `code` [link](x) #tag", "Looking for: ownership, mentoring, SQL",
    "Wir suchen eine Pflegefachkraft mit Erfahrung.", "- Able to prioritise", "Senior Nurse — Ward 4, Riverside Hospital",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.one_of(_JD_PIECES, st.text(max_size=60)), max_size=25), resume=st.text(max_size=80))
def test_any_jd_gives_a_well_formed_deterministic_plan(pieces: list[str], resume: str) -> None:
    jd = "\n".join(pieces)
    profile = Profile(job_description=jd, resume=resume)
    plan = plan_interview(profile)
    assert_well_formed(plan, jd)
    assert plan_interview(Profile(job_description=jd, resume=resume)).to_json() == plan.to_json()


def test_names_with_symbols_are_said_in_words() -> None:
    jd = "# C# Developer at Northwind Software\n\n- 3+ years of C# and .NET\n- Strong communication\n"
    plan = _plan(jd, resume="")
    assert_well_formed(plan, jd)
    assert _by_kind(plan, QuestionKind.MOTIVATION)[0].text == "Why do you want to join Northwind Software as a C sharp Developer?"
    technical = _by_kind(plan, QuestionKind.TECHNICAL)[0]
    assert technical.text.startswith("This role uses C sharp.") and technical.source == "3+ years of C# and .NET"


def test_one_requirement_naming_two_competencies_can_give_two_questions() -> None:
    jd = "Requirements\n- You have strong communication skills and enjoy mentoring others.\n"
    plan = _plan(jd)
    assert_well_formed(plan, jd)
    behavioural = _by_kind(plan, QuestionKind.BEHAVIOURAL)
    assert [q.competency for q in behavioural] == [Competency.LEADERSHIP, Competency.COMMUNICATION]
    assert {q.source for q in behavioural} == {"You have strong communication skills and enjoy mentoring others"}
    # A sentence about "you" is named by its topic, not read back as "asks for you have …".
    assert behavioural[1].text.startswith("This role asks for clear communication.")
    assert plan.notices == ()
