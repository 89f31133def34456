"""Questions about the person's own work and about the job's conditions: predicted from the
dossier (``prefetch.own_work``) and matched by what the question names (``match.anchored_similarity``),
never by wording alone; a near miss is a miss."""

from __future__ import annotations

import pytest

from firstword.answerer.profile import Profile
from firstword.prefetch import match, own_work
from firstword.prefetch.predict import predict_questions

RESUME = """# Tomasz Nowak
Kraków · tomasz@example.com

## Experience
**Senior SRE — Paylio, Kraków** (2021 – present)
- Introduced SLOs and error budgets for 14 services; paging volume down from ~55 to ~18 pages/week
- Cut monthly AWS spend by ~$38k through rightsizing, Graviton nodes and Karpenter
- Built GitLab CI pipelines for 30+ Java and Go services; deployment frequency from weekly to ~15/day
- Moved monitoring from Nagios to Prometheus and Grafana across 400 hosts

**Junior Systems Administrator — Krakowska Hosting** (2015 – 2017)
- Linux fleet administration

## Skills
Kubernetes, Terraform, Go, Python, Prometheus
"""

STORY_SLOS = """## Introducing SLOs and error budgets
Situation: In 2021 the on-call rota got ~55 pages a week, most of them CPU alerts nobody acted on.
Task: Make alerting reflect customer impact. Action: Defined SLIs with 5 product teams, set SLOs,
replaced threshold alerts with burn-rate alerts, deleted ~200 alert rules. Result: Pages dropped
to ~18/week within a quarter."""

STORY_TERRAFORM = """## Terraform state migration
Situation: One huge Terraform state; plans took 11 minutes. Task: Split it without downtime.
Action: Wrote a Go tool that generated state moves per service, migrated in 12 batches behind
Atlantis. Result: 120 stacks, plan times under 2 minutes."""

JD = """# Senior SRE — Northbridge Payments

Requirements:
- Experience running Kubernetes in production
- Hybrid: two days a week in the Amsterdam office
- Willingness to join the on-call rota, one week in six

Salary: EUR 85-95k.
"""

PROFILE = Profile(resume=RESUME, job_description=JD, notes="Notice: 1 month.", stories=[STORY_SLOS, STORY_TERRAFORM])


def _by_question(entries: list[tuple[own_work.Item, match.Anchors]], contains: str) -> match.Anchors:
    return next(anchors for item, anchors in entries if contains in item.question)


def _hit(question: str, contains: str, entries: list[tuple[own_work.Item, match.Anchors]] | None = None) -> bool:
    anchors = _by_question(entries or own_work.anchored(PROFILE), contains)
    return match.anchored_similarity(question, anchors).score >= match.THRESHOLD


def test_each_story_and_achievement_is_a_piece_of_work_and_a_bullet_a_story_tells_is_not() -> None:
    questions = [item.question for item, _ in own_work.anchored(PROFILE)]
    assert questions[:2] == ["Tell me about introducing SLOs and error budgets.", "Tell me about terraform state migration."]
    assert any("AWS spend" in q for q in questions)
    # The SLO bullet is the story told short: one prediction, or every question about it would
    # be ambiguous between the two.
    assert not any("paging volume" in q for q in questions)
    # A role line and a duty without a measure are not achievements.
    assert not any("Junior Systems Administrator" in q or "Linux fleet" in q for q in questions)


@pytest.mark.parametrize("question, about", [
    ("You've got the pages going from about 55 a week down to 18 on your CV. Walk me through how you did that.",
     "introducing SLOs"),
    ("I saw you cut the AWS bill by 38k a month. Can you talk me through how you went about that?", "AWS spend"),
    ("Tell me about the Terraform state migration.", "terraform state"),
    ("Tell me about introducing SLOs and error budgets", "introducing SLOs"),  # an interim, whole
    ("So you moved monitoring off Nagios onto Prometheus. What did you change?", "Nagios"),
])
def test_a_question_that_names_a_piece_of_work_and_asks_to_hear_it_hits(question: str, about: str) -> None:
    assert _hit(question, about)


@pytest.mark.parametrize("question, why", [
    # Asks more than the piece of work says.
    ("How did you pick the SLO targets for the 14 services?", "other_words"),
    ("You cut pages from 55 to 18. How did you know it was safe to delete 200 alert rules mid-quarter?", "other_words"),
    # A hypothetical, a reason, a yes or no.
    ("You cut pages from 55 to 18. How would you do that here?", "question_word"),
    ("Why did you introduce SLOs and error budgets?", "question_word"),
    ("Have you introduced SLOs and error budgets before?", "yes_or_no"),
    # Two things at once.
    ("You cut pages from 55 to 18. Walk me through it, and what would you do differently?", "asks_several"),
    # One word in common is a topic, not this piece of work.
    ("Tell me about your SLOs.", "missing_words"),
    # An interim that stops half-way.
    ("you got pages from 55 to 18 walk me through how you", "mid_phrase"),
])
def test_a_near_miss_is_a_miss(question: str, why: str) -> None:
    anchors = _by_question(own_work.anchored(PROFILE), "introducing SLOs")
    found = match.anchored_similarity(question, anchors)
    assert found.score == 0.0 and found.veto == why, found


def test_two_pieces_of_work_a_question_names_alike_are_ambiguous() -> None:
    twin = Profile(resume=RESUME, stories=[
        "## Cutting pages at Paylio\nSituation: 55 pages a week. Action: burn-rate alerts. Result: 18 pages a week.",
        "## Paging at Paylio, part two\nSituation: 55 pages a week again. Action: runbooks. Result: 18 pages a week.",
    ])
    predictions = predict_questions(twin, [], persona="copilot")
    decision = match.decide("You got pages from 55 a week down to 18. Walk me through how you did that.", predictions)
    assert decision.match is None and decision.reason == "ambiguous"


def test_a_question_the_tables_ask_word_for_word_wins_over_a_piece_of_work() -> None:
    story = "## Disagreeing with a colleague about alerting\nSituation: A colleague wanted more alerts. Result: we agreed."
    profile = Profile(resume=RESUME, stories=[story])
    predictions = predict_questions(profile, [], persona="copilot")
    hit = match.match_question("Tell me about a time you disagreed with a colleague.", predictions)
    assert hit is not None and hit.prediction.source == "common:disagree"


def test_a_piece_of_work_asked_about_is_not_predicted_again_and_the_rest_are() -> None:
    asked = "You got pages from 55 a week down to 18. Walk me through how you did that."
    before = [p.text for p in predict_questions(PROFILE, [], persona="copilot") if p.source.startswith("own_work:")]
    after = [p.text for p in predict_questions(PROFILE, [("user", asked), ("assistant", "…")], persona="copilot")
             if p.source.startswith("own_work:")]
    assert "Tell me about introducing SLOs and error budgets." in before
    assert "Tell me about introducing SLOs and error budgets." not in after
    assert set(after) == set(before) - {"Tell me about introducing SLOs and error budgets."}


def test_an_advisor_is_never_asked_about_the_persons_own_work() -> None:
    assert not [p for p in predict_questions(PROFILE, [], persona="atlas") if p.anchors is not None]


def test_the_job_s_conditions_are_asked_whether_they_suit() -> None:
    entries = own_work.conditions(PROFILE)
    questions = [item.question for item, _ in entries]
    # (Its label is the fact's, not the condition's words.)
    assert "Would this work for you: two days a week in the Amsterdam office?" in questions
    # "Willingness to" is the JD's, not the question's.
    assert "Would this work for you: join the on-call rota, one week in six?" in questions
    # A requirement of experience is a skill, the title line is a title, and neither is a condition.
    assert not any("Kubernetes" in q or "Northbridge" in q for q in questions)
    for question, about in [
        ("We're hybrid, two days a week in the Amsterdam office. Does that work for you?", "Amsterdam"),
        ("You'd be on the on-call rota, one week in six. How do you feel about that?", "on-call"),
        ("It's two days a week in the office in Amsterdam, is that okay?", "Amsterdam"),
    ]:
        assert _hit(question, about, entries), question
    for question in [
        "We're hybrid, two days a week in the Amsterdam office. Where would you commute from?",  # asks more
        "How do you feel about that?",  # names nothing
        "We're hybrid. Does that work for you, and when could you start?",  # two things
        "You'd be on the on-call rota, one week in six. Does that not work for you?",  # negated
    ]:
        assert not _hit(question, "Amsterdam", entries) and not _hit(question, "on-call", entries), question


def test_a_company_named_like_a_condition_is_not_one() -> None:
    jd = "# Junior Engineer\n\nKestrel Travel builds booking software in Bristol.\n\nWe value travel for conferences.\n"
    questions = [item.question for item, _ in own_work.conditions(Profile(job_description=jd))]
    assert questions == ["Would this work for you: We value travel for conferences?"]


def test_the_predictions_are_worked_out_once_per_profile() -> None:
    assert own_work.anchored(PROFILE) == own_work.anchored(Profile(RESUME, JD, "Notice: 1 month.", [STORY_SLOS, STORY_TERRAFORM]))
    assert own_work._anchored.cache_info().hits >= 1


@pytest.mark.engine
@pytest.mark.e2e
async def test_a_question_about_a_piece_of_work_is_answered_at_once_from_the_real_server() -> None:
    """Through the real API with the bundled engines: after a pause, a question naming a piece
    of the person's own work is answered with trigger ``prefetched``, in the profile's words."""
    from firstword.bench.prefetch import Script
    from tests.conftest import ask_the_bundled_server

    script = Script("own_work", "copilot", PROFILE, (
        "Tell me about yourself.",
        "You got pages from about 55 a week down to 18 on your CV. Walk me through how you did that.",
        "How would you design a rate limiter for a public API?",
    ))
    records = await ask_the_bundled_server(script, pause_s=2.0)
    asked, unpredicted = records[1], records[2]
    assert asked["trigger"] == "prefetched", asked
    assert asked["prepared_for"] == "Tell me about introducing SLOs and error budgets."
    assert "55" in asked["answer"] and "18" in asked["answer"], asked["answer"]
    assert unpredicted["trigger"] != "prefetched" and unpredicted["answer"]


GARAGE = Profile(
    resume="Sam Reid\n\nExperience\nClaims Assessor — Kilele Assessors Ltd | 2019 – present\n- Assessed 1,400 motor claims a year.",
    stories=[
        "## Uncovering a staged collision ring\nSituation: Three rear-end claims in five weeks, all estimated by the "
        "same garage.\nTask: Establish whether they were genuine.\nAction: I compared the photos.\nResult: The "
        "garage was removed from two insurers' panels.",
        "## Challenging an inflated garage estimate\nSituation: In 2022 a garage submitted a KES 610,000 estimate.\n"
        "Task: Pay only for accident damage.\nAction: I checked the airbag data.\nResult: The agreed repair "
        "cost came down to KES 318,000 after repair.",
    ],
)


def test_a_follow_up_on_the_story_just_told_is_not_another_story_that_shares_a_word() -> None:
    # Set m: "And what happened with the garage after that?", asked after the staged-ring story,
    # was shown the inflated-estimate story: "after" and a capitalised "In"/"The" had counted as
    # words that tell a story from the others.
    anchors = _by_question(own_work.anchored(GARAGE), "inflated garage estimate")
    assert not {"the", "in", "after"} & anchors.strong
    assert "after" not in anchors.anchors
    found = match.anchored_similarity("And what happened with the garage after that?", anchors)
    assert found.score == 0.0
    # Named by its own words, it is still asked about.
    assert _hit("You challenged an inflated garage estimate, KES 610k. Walk me through it.", "inflated garage estimate",
                own_work.anchored(GARAGE))


FARM = Profile(
    resume="# Sione Taufa\n\n## Experience\n**2IC — Wakanui Dairies** (2021 – present)\n- Herd of 600 through a 40-bail rotary\n",
    stories=["## Training a new farm assistant on a work visa\nSituation: In 2023 we took on 1 farm assistant from the "
             "Philippines. Task: Get him milking alone. Action: Paired shifts, photo instructions. Result: Milking alone in 2 weeks."],
)

DEPOT = Profile(
    resume="# Eleni Visser\n\n## Experience\n**Planner — Rijnmond Transport** (2020 – present)\n- Planned 28 trucks\n",
    stories=["## Reducing empty kilometres from 31% to 22%\nSituation: In 2022 31% of our trucks' kilometres were driven "
             "empty between Maasvlakte and Venlo. Task: Reduce empty running. Action: A daily plan matching import and "
             "export orders into round trips. Result: 22% by 2024."],
)


def test_one_said_in_passing_names_no_piece_of_work() -> None:
    # Set o: "Everyone's had one" read as the story's "1 farm assistant", with "farm", named it.
    entries = own_work.anchored(FARM)
    story = _by_question(entries, "farm assistant")
    turn = "Tell us about a stuff-up. Everyone's had one. Something that went wrong on farm, and what you did about it."
    assert match.anchored_similarity(turn, story).score < match.THRESHOLD
    assert match.anchored_similarity("Tell me about the farm assistant you took on from the Philippines.", story).score >= match.THRESHOLD


def test_an_interviewers_case_asked_forward_is_not_a_story_that_names_its_places() -> None:
    story = _by_question(own_work.anchored(DEPOT), "empty kilometres")
    case = ("Good questions. So: customs is done by us, T1 to Venlo. Trucking from Maasvlakte to Venlo is around six-fifty a "
            "box, barge was three-eighty. Now — what's your plan?")
    assert match.anchored_similarity(case, story).veto == "scene"
    # Asked of what was done, the same places name the story.
    assert _hit("Empty kilometres from Maasvlakte to Venlo, thirty-one to twenty-two percent. How?", "empty kilometres",
                own_work.anchored(DEPOT))


FITTER = Profile(
    resume="# Brendan Tully\n\n## Experience\n**HD Fitter — Ironstone Mining Services** (2019 – present)\n"
           "- Serviced a fleet of 14 Cat 793F haul trucks\n",
    stories=["## Cutting 793F 1000-hour service time\nSituation: In 2021 a 1000-hour service on our 793F fleet at Ironstone "
             "averaged 14 hours. Task: Get trucks back faster. Action: Pre-packed kits, a fixed sequence, two fitters "
             "per side. Result: 10.5 hours on average."],
)


def test_an_employers_name_does_not_tell_the_story_that_happened_there() -> None:
    # Set r: "What's the fleet at Ironstone?" asked about the workplace and was shown the story of
    # cutting its trucks' service time, named by "fleet" and the employer.
    story = _by_question(own_work.anchored(FITTER), "793F")
    assert "ironston" not in story.strong
    assert match.anchored_similarity("What's the fleet at Ironstone?", story).score < match.THRESHOLD
    # Named by what it is about, it is still asked about.
    assert match.anchored_similarity("You cut the 793F service from 14 hours at Ironstone. How did you do that?",
                                     story).score >= match.THRESHOLD


UNDERTAKER = Profile(
    resume="# Niamh Byrne\n\n## Experience\n**Funeral Arranger — Lenihan's, Limerick** (2019 – present)\n"
           "- Arrange about 90 funerals a year\n",
    stories=["## Sudden death - Garda call at night\nSituation: At 2am on an on-call weekend in 2022 the Gardaí rang us to a "
             "collision. Task: Carry out the removal with dignity. Action: Confirmed the scene was released, used screens, "
             "took a look at the route. Result: The family thanked us at the inquest."],
)


def test_a_year_alone_names_no_piece_of_work() -> None:
    # Set u: "There's a gap on the CV there, 2022, … by the look of it. What was that?" was shown the
    # one story of 2022 (named by its year and "look"): the gap is another matter, perhaps a private one.
    story = _by_question(own_work.anchored(UNDERTAKER), "Garda")
    assert "2022" not in story.strong
    gap = "There's a gap on the CV there, 2022, a couple of months by the look of it. What was that?"
    assert match.anchored_similarity(gap, story).score < match.THRESHOLD
    # Named by what it is about, with its year, it is asked about.
    assert match.anchored_similarity("The Garda call in 2022, the collision. What happened?", story).score >= match.THRESHOLD


def test_a_place_put_to_the_person_is_a_scene_not_their_own_work() -> None:
    # Set w: "Right, practical one. You're in a hall on Mull, … at five o'clock the lighting desk
    # won't boot. … What are you doing?" had been shown the person's lighting plan for a portable desk.
    profile = Profile(resume="# Inés Ruiz\n\n## Experience\n**Stage Manager — Clydeside Repertory Touring** (2019 – present)\n"
                             "- Redesigned the lighting plan for a 24-channel portable desk so the show could run in halls "
                             "with only 13-amp supplies\n")
    entries = own_work.anchored(profile)
    scene = ("Right, practical one. You're in a hall on Mull, show's at half seven, and at five o'clock the lighting desk "
             "won't boot. There's no phone signal. What are you doing?")
    assert not _hit(scene, "lighting plan", entries)
    assert _hit("Tell me about redesigning the lighting plan for the portable desk.", "lighting plan", entries)


def test_the_days_of_the_work_and_a_line_of_conditions_are_conditions() -> None:
    # Sets m, q, t, x: the days the work falls on ("Tuesday to Saturday", "one-in-two Saturdays"),
    # a header segment ("Full-time | Hybrid (3 days in office)") and a line of conditions in
    # clauses had not been predicted; a line of duties in clauses still is not.
    jd = ("# Dental Hygienist\n\nSmile Co is a dental practice in Ponsonby.\n\n"
          "Location: Auckland | Full-time, permanent | Hybrid (3 days in office)\n\n"
          "- Four-day week, Tuesday to Friday, no evenings; one Saturday morning a month\n"
          "- Tuesday to Saturday, 8:30am - 5:30pm\n"
          "- Run the recall list; chase overdue accounts; train new reception staff\n")
    entries = own_work.conditions(Profile(job_description=jd))
    questions = [item.question for item, _ in entries]
    assert any("Hybrid (3 days in office)" in q for q in questions)
    assert any("one Saturday morning a month" in q for q in questions)
    assert any("Tuesday to Saturday" in q for q in questions)
    assert not any("recall list" in q for q in questions)
    assert _hit("The hours are Tuesday to Saturday, half eight to half five. Would that be all right?",
                "Tuesday to Saturday", entries)


def test_words_most_english_says_name_no_piece_of_work() -> None:
    # "Can you talk me through how that came about? … because nothing works first time" had
    # named the story "The bus that never came" by "came" and "because" (set ab), asked about
    # another story, "Relaxed Mornings".
    profile = Profile(resume="", stories=[
        "The bus that never came (Tay Museum, 2023): A class had their coach cancelled forty minutes before "
        "they were due, because the company double-booked it. I took the session to the school instead.",
        "Relaxed Mornings (Tay Museum, 2022): Parents told us the museum was too loud for their autistic children, "
        "so I wrote a bid for monthly sensory-friendly openings.",
    ])
    bus = next(a for item, a in own_work.anchored(profile) if "bus" in a.strong)
    assert not bus.anchors & frozenset(match.read("came because now only same").content)
    turn = ("The relaxed mornings, I saw those on your form. Can you talk me through how that came about? "
            "And be honest about what didn't work, because nothing works first time.")
    chosen = match.choose(turn, predict_questions(profile, [], persona="copilot"))
    assert all("bus" not in p for p in [predict_questions(profile, [], persona="copilot")[i].text for i in chosen.chosen])
