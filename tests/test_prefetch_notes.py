"""The topics of the person's notes (``prefetch.notes``), matched by what a question names of
them (``match.topic_similarity``); the stories a behavioural question asks for, with the parts of
a story it asks after them; and the turns that ask whether something suits. A near miss is a
miss."""

from __future__ import annotations

import pytest

from firstword.answerer.profile import Profile
from firstword.prefetch import match, notes
from firstword.prefetch.predict import predict_questions

NOTES = """Round: final, 45 min with Ellen Bosman, Operations Director.
Mark's feedback: strong on data, want to see leadership.
Why leaving: planning manager job went to the owner's son-in-law. No next step.
Salary: EUR 61,500 now. Asking EUR 78k.
Notice: 2 months in contract.
Dutch: B2. Meetings and phone calls with drivers fine; writing emails slower. Taking a C1 course on Tuesday evenings.
Days: Mon, Tue, Thu, Fri. Not Wednesdays, because nursery closes at 3.
Software: Dentally and R4. Not used SOE yet, but I picked up Dentally in about a week.
Postgres review: pg_stat_activity, pg_locks, lock_timeout, PgBouncer pool modes.
Pricing research: did Van Westendorp in a survey at Northbridge; know the basics of conjoint.
Keep answers short: two or three sentences.
Questions to ask: How will she measure success in year 1? Biggest risk in the TMS project?
"""

RESUME = """# Sanne de Vries
## Experience
**Transport Planner — Rijnmond Distribution** (2020 – present)
- Introduced route optimisation; empty kilometres down from 19% to 12.5%
"""

STORY_AGENCY = """## Challenging a partner agency
Situation: Police closed a referral about a 4-year-old without telling us. Task: Make sure the
child was safe. Action: I challenged the agency's decision, escalated through the professional
disagreement process and asked for a strategy meeting. Result: The case was reopened; I learned
to escalate in writing on the same day."""

STORY_BUDGET = """## Recovering a slipping budget
Situation: A school budget was 8% over by March. Task: Close the gap. Action: Renegotiated the
cleaning contract and paused two hires. Result: Finished the year on budget."""

JD = """# Planning Manager — Nordhaven Logistics

Requirements:
- 5+ years of transport planning
- Hybrid: three days a week in the Tilburg office
"""

PROFILE = Profile(resume=RESUME, job_description=JD, notes=NOTES, stories=[STORY_AGENCY, STORY_BUDGET])


def _topic(label: str) -> notes.Topic:
    return next(t for t in notes.topics(PROFILE) if t.label == label)


def _hit(question: str, label: str) -> bool:
    return match.topic_similarity(question, _topic(label).anchors).score >= match.THRESHOLD


def test_a_labelled_line_is_a_topic_and_its_answer_is_the_note_in_the_persons_voice() -> None:
    labels = [t.label for t in notes.topics(PROFILE)]
    # The interview itself, the reasons (the openers ask them), reminders to oneself and the
    # questions to ask (the closing question's) are not topics.
    assert labels == ["Salary", "Notice", "Dutch", "Days", "Software", "Postgres review", "Pricing research"]
    dutch = _topic("Dutch")
    assert dutch.question == "What about Dutch?"
    assert dutch.answer.startswith("B2.") and "C1 course" in dutch.answer
    software = _topic("Software")
    assert "Not used SOE yet" in software.answer and "?" not in software.answer


def test_a_topic_a_table_already_asks_is_not_predicted_and_the_rest_carry_their_answer() -> None:
    predictions = predict_questions(PROFILE, [], persona="copilot")
    topics = {p.source: p for p in predictions if p.source.startswith("notes:")}
    assert "notes:Salary" not in topics and "notes:Notice" not in topics
    assert topics["notes:Dutch"].answer == _topic("Dutch").answer
    assert all(p.anchors is not None and p.anchors.asks_to == "topic" for p in topics.values())
    # After the tables and the person's own work; none for an advisor, none when turned off.
    assert predictions.index(topics["notes:Dutch"]) > max(i for i, p in enumerate(predictions) if p.anchors is None)
    assert not [p for p in predict_questions(PROFILE, [], persona="atlas") if p.source.startswith("notes:")]
    assert not [p for p in predict_questions(PROFILE, [], persona="copilot", notes_topics=0) if p.source.startswith("notes:")]


def test_a_topic_asked_about_once_is_not_predicted_again() -> None:
    asked = [("user", "And your Dutch, how comfortable are you? The drivers will speak Dutch with you."),
             ("assistant", "B2.")]
    assert "notes:Dutch" not in {p.source for p in predict_questions(PROFILE, asked, persona="copilot")}


@pytest.mark.parametrize(("question", "label"), [
    ("And your Dutch, how comfortable are you? A lot of the planners, and certainly the drivers, will speak Dutch with you.",
     "Dutch"),
    ("Cool. Um, what else. Oh, pricing. We're going to revisit our pricing tiers this year. Is that something you've "
     "done research on, or would want to?", "Pricing research"),
    ("The practice runs on Software of Excellence. Have you used that software, or is it mostly Dentally for you?",
     "Software"),
])
def test_a_question_that_names_a_topic_and_asks_little_else_is_a_hit(question: str, label: str) -> None:
    assert _hit(question, label)


@pytest.mark.parametrize(("question", "label", "why"), [
    # One word of the label is a topic, not yet this note.
    ("Can you give me a quick overview of what your days look like?", "Days", "missing_words"),
    # It points back at what was said before ("that" is the design, not the note on Postgres).
    ("The database is Aurora Postgres and events go through Kafka. How would you approach that?", "Postgres review",
     "missing_words"),
    # It names the topic and asks about something else.
    ("We're a Dutch company, so what's your view on our pricing and our warehouse locations?", "Dutch", "missing_words"),
    ("And your Dutch, how comfortable are you with the drivers' contracts and pay negotiations?", "Dutch", "other_words"),
    # It also asks whether something else suits.
    ("It's office based in Leeds, hybrid after probation. Are you OK with that, and is your Dutch good enough for "
     "the drivers?", "Dutch", "asks_several"),
    # A scene: a new situation the note never saw.
    ("Suppose the drivers only speak Dutch on the night shift. What do you do?", "Dutch", "scene"),
    # Half-way through a spoken question.
    ("how comfortable is your Dutch with the drivers and the", "Dutch", "mid_phrase"),
])
def test_a_near_miss_of_a_topic_is_a_miss(question: str, label: str, why: str) -> None:
    found = match.topic_similarity(question, _topic(label).anchors)
    assert found.score == 0.0 and found.veto == why, found


def test_a_turn_that_asks_for_a_story_and_then_its_parts_is_that_story() -> None:
    predictions = predict_questions(PROFILE, [], persona="copilot")
    turn = "Describe a time you had to challenge another professional or agency. What happened and what did you learn?"
    decision = match.decide(turn, predictions)
    assert decision.match is not None and decision.match.prediction.text == "Tell me about challenging a partner agency."
    # A request whose words are mostly not the story's is not that story.
    assert match.decide("Tell me about a time you challenged a decision about a budget you didn't own.", predictions).match is None
    # Asking for a story and for something else than its telling is two asks.
    assert match.decide("Describe a time you challenged an agency. And why do you want this role?", predictions).match is None


def test_a_scene_asked_in_the_present_is_not_a_piece_of_work_it_names() -> None:
    predictions = predict_questions(PROFILE, [], persona="copilot")
    scene = ("In the same week your empty kilometres go from 12.5% back to 19%, and two planners are off sick. "
             "What do you do?")
    assert match.decide(scene, predictions).match is None


def test_asking_whether_what_was_said_suits_is_never_a_tables_question() -> None:
    predictions = predict_questions(PROFILE, [], persona="copilot")
    turn = ("It's hybrid, Tuesdays in the office, you'd need to live in the province, and the range is 70 to 80. "
            "Does all that work for you?")
    assert match.decide(turn, predictions).match is None
    assert match.decide("We're hybrid, three days a week in the Tilburg office. Does that work for you?",
                        predictions).match.prediction.source.startswith("condition:")


def test_the_same_question_said_twice_in_one_turn_is_one_ask() -> None:
    predictions = predict_questions(PROFILE, [], persona="copilot")
    decision = match.decide("Love that. Okay, and what's prompting the move? Like why are you looking right now?", predictions)
    assert decision.match is not None and decision.match.prediction.source.endswith("leaving")


@pytest.mark.engine
@pytest.mark.e2e
async def test_a_question_on_a_topic_of_the_notes_is_answered_at_once_with_the_note_from_the_real_server() -> None:
    """Through the real API with the bundled engines: after a pause, a question on a labelled
    line of the notes is answered with trigger ``prefetched``, in the note's words."""
    from firstword.bench.prefetch import Script
    from tests.conftest import ask_the_bundled_server

    script = Script("notes", "copilot", PROFILE, (
        "Tell me about yourself.",
        "And your Dutch, how comfortable are you? A lot of the planners, and certainly the drivers, will speak Dutch with you.",
        "How would you plan forty extra deliveries on a Saturday with a fully planned fleet?",
    ))
    records = await ask_the_bundled_server(script, pause_s=2.0)
    asked, unpredicted = records[1], records[2]
    assert asked["trigger"] == "prefetched", asked
    assert asked["prepared_for"] == "What about Dutch?"
    assert asked["answer"].startswith("B2.") and "C1 course" in asked["answer"], asked["answer"]
    assert unpredicted["trigger"] != "prefetched" and unpredicted["answer"]


def test_a_label_that_says_only_when_or_where_is_no_topic_and_no_floor_is_said() -> None:
    # Set s: "Now at Olkinyei: KES 78,000 + tips … ASK 135k. Min 115k" had been a topic named by
    # "now" and the employer, so "You've been at Olkinyei five years… What's making you want to
    # move now?" was shown the pay, the floor said aloud.
    resume = "JOSEPH SANKALE\nGuide\n\nExperience\n**Senior Guide — Olkinyei Camp** (2020 – present)\n- Led game drives."
    profile = Profile(resume=resume, notes="Now at Olkinyei: KES 78,000 + tips. ASK 135k. Min 115k\n"
                                           "Fuel sheet: built the Olkinyei fuel sheet in Excel. Min 2 hrs a week on it.\n")
    found = {t.label: t for t in notes.topics(profile)}
    assert "Now at Olkinyei" not in found
    assert found["Fuel sheet"].anchors.strong == frozenset(match.read("fuel sheet").content)
    predictions = predict_questions(profile, [], persona="copilot")
    turn = "You've been at Olkinyei five years or so, by the look of it. What's making you want to move now?"
    decision = match.decide(turn, predictions)
    assert decision.match is not None and decision.match.prediction.source.endswith("leaving")
    # A line the person keeps to themselves is no part of a topic's answer.
    assert all("Min 115k" not in t.answer for t in notes.topics(profile))


def test_shall_we_start_asks_no_start_date() -> None:
    # Set s: "…Will we start? Could you give us a brief overview of your career to date…?" had been
    # shown "When could you start?" (an Irish "shall we start?").
    from firstword.grounding.questions import small_talk

    assert small_talk("Will we start?") and small_talk("Shall we begin?")
    assert not small_talk("When will you start?")


def test_a_follow_up_is_no_hit_when_the_turn_first_names_another_piece_of_work() -> None:
    # Set s: "Okay, your reel. … The energy company, that one I liked a lot. What was exactly your
    # part in this?" had been shown the role prepared for the answer before: another project.
    history = [("user", "Tell me about a time you challenged another agency's decision."), ("assistant", "…")]
    predictions = predict_questions(PROFILE, history, persona="copilot")
    plain = match.decide("What was exactly your part in this?", predictions)
    assert plain.match is not None and plain.match.prediction.source == "pattern:role"
    turn = "Okay, your CV. I read it yesterday. The budget one, I liked that a lot. What was exactly your part in this?"
    decision = match.decide(turn, predictions)
    assert decision.match is None and decision.reason == "points_elsewhere"


def test_a_note_marked_private_is_no_topic() -> None:
    # Set v: "PRIVATE: 2015 drink driving, 6 months off licence. …" had been the prediction
    # "What about PRIVATE?", its prepared answer the note itself.
    profile = Profile(resume="Jo Bloggs\n\nExperience\n- Drove road trains.", notes=(
        "PRIVATE: 2015 drink driving (mid range), 6 months off licence. Clean since.\n"
        "Confidential: back, L4/L5 disc bulge 2022, fine now.\n"
        "Chain down D10: direct restraint, min 4 chains rated for it.\n"))
    found = notes.topics(profile)
    assert [t.label for t in found] == ["Chain down D10"]
    assert all("drink" not in t.answer and "disc" not in t.answer for t in found)


def test_a_labelled_line_after_the_questions_to_ask_is_a_topic_of_its_own() -> None:
    # Set v: "Chain down D10: …" after "Qs for Shane:" and its list had been said "I'd like to
    # ask about chain down D10 — … I'd like to ask about REVISE the LRG!!".
    profile = Profile(resume="Jo Bloggs\n\nExperience\n- Drove road trains.", notes=(
        "Qs for Shane:\n- what gear (C509s?)\n- who does permits/route surveys\n"
        "Chain down D10: direct restraint, chains rated for it, tracks chocked, pins/locks... REVISE the LRG!!\n"))
    found = {t.label: t for t in notes.topics(profile)}
    assert "Chain down D10" in found
    answer = found["Chain down D10"].answer
    assert answer.startswith("Direct restraint") and "ask" not in answer and "REVISE" not in answer
