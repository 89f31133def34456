"""How a turn is read before it is matched: what it asks (one thing, several, the same thing
said twice), the lead-ins that are context and the ones that set a scene, small talk; and the
literal test in front of each phrase, which must never change what a question reads as."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from firstword.answerer.profile import sample_profile
from firstword.prefetch import match
from firstword.prefetch.literals import Substitution, Substitutions, required_literals
from firstword.prefetch.match import asks, decide, decide_each, question_parts
from firstword.prefetch.predict import predict_questions
from tests.test_prefetch_match import Full as MatchFull

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Full(MatchFull):
    """A prediction with every field matching reads, which (unlike a follow-up) stands alone."""

    standalone: bool = True


LEAVING = Full("Why are you leaving your current role?", form="Why are you leaving [your current role]?")
WHY_HERE = Full("Why do you want to work here?", also=("What attracts you to [us] [this company]?",))
SALARY = Full("What are your salary expectations?", also=("What salary [range] are you looking for?",))
START = Full("When could you start?")
ROLE = Full("What was your role in that?", also=("What was your role versus [the rest of] the team?",), standalone=False)
RESULT = Full("What was the result?", standalone=False)
FIRST_90 = Full("What would you do in your first 90 days?",
                also=("What would you [want to] [achieve] [accomplish] [by the end of] [in] your first 90 days?",))
ABOUT = Full("Tell me about yourself.")
QUESTIONS = Full("Do you have any questions for us?")
ALL = [LEAVING, WHY_HERE, SALARY, START, ROLE, RESULT, FIRST_90, ABOUT, QUESTIONS]


def test_a_lead_in_that_asks_nothing_belongs_to_the_ask_after_it() -> None:
    assert len(asks("Looking back, what would you do differently?")) == 1
    assert len(asks("If you joined, what would you want to have achieved in your first ninety days?")) == 1
    assert len(asks("When you review a pull request, what are you looking for?")) == 1
    assert len(asks("Tell me about a project you led and what you did to keep it on track.")) == 1


def test_a_turn_that_asks_two_things_is_two_asks() -> None:
    assert asks("Why are you leaving, and why us?") == ["Why are you leaving", "why us?"]
    assert len(asks("What salary range are you looking for, and when would you be able to start?")) == 2
    assert len(asks("Could you tell us about yourself and what draws you to this position?")) == 2


def test_one_prediction_never_answers_a_turn_that_asks_more() -> None:
    decision = decide("Why are you leaving your current role, and why us?", [LEAVING])
    assert decision.match is None and decision.reason == "asks_several"
    # Each ask with its own prediction that stands alone: both answers, together.
    found = decide_each("Why are you leaving your current role, and why us?", ALL)
    assert [m.prediction for m in found] == [LEAVING, WHY_HERE]
    found = decide_each("What salary range are you looking for, and when could you start?", ALL)
    assert [m.prediction for m in found] == [SALARY, START]
    # A follow-up written about the previous question never answers one part of two.
    assert decide_each("What was your role in that, and what was the result?", ALL) == ()


def test_the_same_ask_said_twice_is_one_ask() -> None:
    found = decide_each("What's prompting the move? Why are you looking at the moment?", ALL)
    assert [m.prediction for m in found] == [LEAVING]
    text = "And what was your part in that, specifically? Like, what did you own versus the rest of the team?"
    assert len(asks(text)) == 1
    assert decide(text, ALL).match is not None and decide(text, ALL).match.prediction is ROLE


def test_a_scene_set_before_the_question_keeps_it_whole() -> None:
    scene = "Say you inherit an enterprise account and the champion just left. What do you do in your first 30 days?"
    assert question_parts(scene) == [scene]
    assert decide(scene, ALL).match is None
    assert decide("Imagine the database goes down, what would you do in your first 30 days?", ALL).match is None
    # A condition about joining, or doing the same work again, is not a scene.
    hit = decide("If you got the job, what would your first ninety days look like?", ALL).match
    assert hit is not None and hit.prediction is FIRST_90


def test_small_talk_is_not_an_ask() -> None:
    text = "Hi Jordan, can you hear me OK? Great. Could you start by introducing yourself?"
    hit = decide(text, ALL).match
    assert hit is not None and hit.prediction is ABOUT
    assert decide("Did you find us all right? Tell me about yourself.", ALL).match is not None


def test_the_small_talk_of_an_opening_asks_nothing() -> None:
    for opener in [
        "Find us alright? Parking OK out the front?",
        "Will you have a tea or a coffee? No?",
        "Morning! How was the drive in? Traffic OK?",
        "Sorry, you froze there for a second. Is that better? Can you still hear me?",
        "Hi Priya, how are you going? Good weekend?",
        "Did you get parked alright? Lovely day for it.",
        "Can I get you a glass of water?",
    ]:
        text = f"{opener} So, to start us off, could you tell us a bit about yourself?"
        assert asks(text) == ["So, to start us off, could you tell us a bit about yourself?"], text
        hit = decide(text, ALL).match
        assert hit is not None and hit.prediction is ABOUT, text


def test_a_phone_screens_greeting_and_plan_for_the_call_ask_nothing() -> None:
    """The caller's name, "is now a good time?" and the plan for the call with its "okay?" are
    the call's, not the asks of the turn (set k's opener had been one ask from the "okay?" on,
    which matched nothing)."""
    opener = ("Hi, is that Sam? Hi Sam, it's Jess calling from Keystone Recruitment - you applied for the night "
              "shift manager role. Is now still a good time? Brilliant. I've got about fifteen minutes, I just want "
              "to run through a few bits with you before I put you forward to the client, okay? Lovely. ")
    ask = "So first off, can you give me a quick rundown of where you're at now and what you're doing day to day?"
    assert len(asks(opener + ask)) == 1 and asks(opener + ask)[0].startswith("So first off, can you give me")
    hit = decide(opener + ask, predict_questions(sample_profile(), [], persona="copilot")).match
    assert hit is not None and hit.prediction.text == "Tell me about your current role."


def test_after_the_pay_had_a_figure_in_mind_or_what_makes_the_jump_is_the_pay_wanted() -> None:
    for turn in ("And salary-wise, what are you on now, and what sort of figure did you have in mind?",
                 "What are you on at the moment, roughly, and what would you need to make the jump?"):
        assert asks(turn)[1].rstrip("?").endswith("salary-wise"), turn


def test_telling_about_yourself_and_why_is_two_asks() -> None:
    assert asks("Tell us a bit about yourself and why you're after a trainer role.") == [
        "Tell us a bit about yourself", "why you're after a trainer role."]
    assert len(asks("Could you talk us through your career so far and why you've applied for this post?")) == 2
    # What the person does now is part of telling about themselves; a story's parts are its own.
    assert len(asks("So tell me a bit about yourself and what you're working on at the moment.")) == 1
    assert len(asks("Tell me about a project you led and what you did to keep it on track.")) == 1
    predictions = predict_questions(sample_profile(), [], persona="copilot")
    found = decide_each("Could you briefly take us through your background and why you've applied for this role?", predictions)
    assert [m.prediction.text for m in found] == ["Tell me about yourself.", "Why do you want this role?"]


def test_two_sentences_that_ask_are_two_asks_unless_the_second_is_about_the_first() -> None:
    text = "I've read your CV, but tell me about yourself in your own words. How did you end up in dentistry?"
    assert asks(text) == ["I've read your CV, but tell me about yourself in your own words.", "How did you end up in dentistry?"]
    # After a request for an account, the questions are about it.
    assert len(asks("Walk me through the ladder fall you mentioned. What made it notifiable, and what did the "
                    "investigation find?")) == 2
    assert asks("Describe a time you had to support a child whose behaviour was challenging. What approaches did "
                "you use?") == ["Describe a time you had to support a child whose behaviour was challenging. What approaches "
                                "did you use?"]


def test_small_talk_with_a_real_ask_after_it_is_not_small_talk() -> None:
    assert match._asks_something("Did you find us OK, and could you tell us why you applied?")
    assert match._asks_something("How are you finding the course, and what made you apply?")
    # A word that only takes up the sentence before it asks nothing; "All right?" asks whether
    # what was said suits.
    assert not match._asks_something("No?")
    assert match._asks_something("All right?")
    # The commute, asked about the job, is not small talk.
    assert match._asks_something("How would you get here, are you driving?")
    assert match._asks_something("How's the commute going to be for you?")


def test_got_you_looking_at_a_company_is_why_here_and_at_the_moment_is_why_leaving() -> None:
    assert decide("And what's got you looking at this company in particular?", ALL).match.prediction is WHY_HERE
    assert decide("Great. And what's got you looking at the moment?", ALL).match.prediction is LEAVING


def test_a_wider_scope_than_the_company_is_not_why_here() -> None:
    assert decide("Why do you want to work in this industry?", ALL).match is None
    assert decide("Why do you want to work at this company?", ALL).match.prediction is WHY_HERE


def test_common_questions_asked_their_usual_ways_are_predicted_and_matched() -> None:
    predictions = predict_questions(sample_profile(), [("user", "Tell me about yourself.")], persona="copilot")
    for question, expected in [
        ("What kind of salary range are you targeting for your next role?", "What are your salary expectations?"),
        ("How would your current team describe you?", "How would your colleagues describe you?"),
        ("Have you ever had to tell a client something they didn't want to hear?", "Tell me about a time you had to deliver bad news."),
        ("Tell me about a time you got something wrong.", "Tell me about a time you failed."),
        ("We've got about five minutes left, so what would you like to ask me?", "Do you have any questions for us?"),
    ]:
        hit = decide(question, predictions).match
        assert hit is not None and hit.prediction.text == expected, question
    # …and their near misses are not.
    for question in ("How would you describe your management style?", "What could go wrong?",
                     "Tell me about a time a client told you something you didn't want to hear."):
        hit = decide(question, predictions).match
        assert hit is None or hit.prediction.text not in (
            "How would your colleagues describe you?", "Tell me about a time you failed.",
            "Tell me about a time you had to deliver bad news."), question


# ----- the literal test in front of each phrase ----------------------------------------------------


def test_required_literals_follow_the_expression() -> None:
    assert required_literals(r"\bhow long's\b") == ("how long's",)
    # Of two requirements, the more selective: " else" (5 characters) over "what" (4).
    assert required_literals(r"\b(anything|something|what) else\b") == (" else",)
    assert required_literals(r"\b(anything|something|what)\b") == ("anything", "something", "what")
    # An alternative that needs nothing makes the whole need nothing.
    assert required_literals(r"\b(foo|\w+)") == ()
    assert required_literals(r"\b(foo|\w+) bar?") == (" ba",)
    assert required_literals(r"[a-z]+") == ()
    # A repeat that may be empty needs nothing; one that may not needs its body.
    assert required_literals(r"(abc)?x") == ()
    assert required_literals(r"(abc)+x") == ("abc",)


def test_substitutions_rescan_for_a_literal_a_replacement_brings_in() -> None:
    # The second needs "bar", which only the first's replacement says: one scan of the text as
    # it came in would skip it.
    substitutions = Substitutions([Substitution.of(r"\bfoo\b", "bar"), Substitution.of(r"\bbar\b", "baz"),
                                   Substitution.of(r"\bqux\b", "quux")])
    assert substitutions.apply("a foo and a qux") == "a baz and a quux"
    # In order: a later substitution's replacement is not seen by an earlier one.
    assert Substitutions([Substitution.of(r"\bbar\b", "baz"), Substitution.of(r"\bfoo\b", "bar")]).apply("foo") == "bar"
    assert Substitutions([]).apply("foo") == "foo"


def test_substitutions_name_what_a_piece_may_have_written_that_the_whole_did_not() -> None:
    # Only a pattern that looks at where the text ends (or begins) matches a piece that ends
    # sooner but not the whole; what its replacement brings in is followed ("yourself" -> "self").
    substitutions = Substitutions([Substitution.of(r"\babout you\s*$", "about yourself"),
                                   Substitution.of(r"\byourself\b", "self"), Substitution.of(r"\bfoo\b", "bar"),
                                   Substitution.of(r"^so\b", "")])
    assert substitutions.outputs("tell me about you. you're at foo now?") == ["about yourself", "self"]
    assert substitutions.outputs("so foo") == [""]
    assert substitutions.outputs("a foo") == []


def _ungated(text: str) -> str:
    """``match.normalise`` with every phrase run, as before the literal test existed."""
    saved = match._PHRASES_RE, match._CONTRACTIONS_RE
    try:
        match._PHRASES_RE = Substitutions([Substitution(re.compile(p), r, ()) for p, r in match.PHRASES])
        match._CONTRACTIONS_RE = Substitutions([Substitution(re.compile(p), r, ()) for p, r in match._CONTRACTIONS])
        return match.normalise.__wrapped__(text)  # past its cache: read again, every phrase run
    finally:
        match._PHRASES_RE, match._CONTRACTIONS_RE = saved


def _words() -> list[str]:
    words: set[str] = set()
    for pattern, replacement in match.PHRASES:
        words.update(re.findall(r"[a-z']+", pattern.replace(r"\b", " ")))
        words.update(re.findall(r"[a-z']+", replacement))
    return sorted(w for w in words if len(w) > 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_words()), min_size=1, max_size=14), st.sampled_from(["?", ".", "", ","]))
def test_the_literal_test_never_changes_a_reading(words: list[str], end: str) -> None:
    text = " ".join(words) + end
    assert match.normalise(text) == _ungated(text)


def test_the_literal_test_never_changes_a_reading_of_the_labelled_set() -> None:
    path = ROOT / "firstword" / "prefetch" / "data" / "paraphrases.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        for text in (pair["question"], pair["prediction"]):
            assert match.normalise(text) == _ungated(text), text


def test_a_live_ask_that_says_one_thing_of_its_own_makes_the_turn_a_miss_whatever_follows_it() -> None:
    """Set k: "…what are you on at the moment and what are you looking for? Just so I can manage
    expectations both ways." was answered partly live, its live part read without "salary"."""
    leaving = Full("Why are you leaving your current role?")
    text = "Why are you leaving your current role, and what are you looking for? Just so I can match you."
    assert match.decide_partly(text, [leaving, START]) is None
    # After the pay had, "what are you looking for" is the pay wanted, and is answered live as that.
    current = Full("What is your current salary?")
    text = "Perfect. Salary-wise, what are you on at the moment and what are you looking for? Just so I can manage expectations both ways."
    partly = match.decide_partly(text, [current, START])
    assert partly is not None and partly.live.startswith("What are you looking for salary-wise?")


# ----- set r: the ways its interviewers asked the common questions ------------------------------------


def test_set_r_common_questions_asked_their_way_are_matched() -> None:
    opening = predict_questions(sample_profile(), [], persona="copilot")
    after_a_story = predict_questions(sample_profile(), [("user", "Tell me about a time you disagreed with a colleague.")],
                                      persona="copilot")
    for question, expected in [
        # "looking to move" is leaving; a panel is told about yourself as "us" is; what was
        # measured is how the result was known.
        ("And you're with Ironstone at the moment, on an eight-six. Why are you looking to move?",
         ["Why are you leaving your current role?"]),
        ("Each panel member will score independently. Is that clear? Okay. The first question: please tell the "
         "panel about yourself and why you applied for this post.", ["Tell me about yourself.", "Why do you want this role?"]),
        ("Okay? Grand. So to start us off, maybe you'd give us a brief overview of your career to date and what's "
         "drawn you to this post.", ["Walk me through your resume.", "Why do you want this role?"]),
        ("And how did you know it worked? What did you actually measure?", ["How did you measure the result?"]),
    ]:
        predictions = after_a_story if "measure" in question else opening
        decision = decide(question, predictions)
        found = [decision.match.prediction.text] if decision.match else [m.prediction.text for m in decide_each(question, predictions)]
        assert found == expected, question
    # "…your OT journey so far" is the career so far, the other ask left live.
    predictions = opening
    partly = match.decide_partly("So to start us off, can you tell us a bit about your OT journey so far, and why acute "
                                 "medicine at VGH?", predictions)
    assert partly is not None and [m.prediction.text for m in partly.matches] == ["Walk me through your resume."]
    assert partly.live == "Why acute medicine at VGH?"
    # Not moving somewhere, not a career's goals.
    assert decide("Why are you moving to Perth?", predictions).match is None
    assert decide("What are your career goals?", predictions).match is None or decide(
        "What are your career goals?", predictions).match.prediction.text != "Walk me through your resume."


def test_set_r_a_failure_and_pressure_asked_their_way_are_matched_from_the_tables_and_the_job() -> None:
    from firstword.answerer.profile import Profile
    predictions = predict_questions(sample_profile(), [], persona="copilot")
    failed = decide("Thanks, Morven. Okay, responsible. Tell us about a time something went wrong, and it was, at least "
                    "partly, your fault.", predictions).match
    assert failed is not None and failed.prediction.text == "Tell me about a time you failed."
    # Not any time something went wrong: that may be an incident, nobody's fault.
    wrong = decide("Tell me about a time something went wrong.", predictions).match
    assert wrong is None or wrong.prediction.text != "Tell me about a time you failed."
    # A requirement of the job ("working under pressure") predicts the common question with all its forms.
    job = Profile(resume=sample_profile().resume, job_description="Requirements:\n- Ability to work under pressure in a busy control room")
    turn = ("In the Service Centre you'll be taking calls back to back. Tell us about a time you had to manage several "
            "tasks at once under pressure, and how you made sure nothing was missed.")
    hit = decide(turn, predict_questions(job, [], persona="copilot")).match
    assert hit is not None and hit.prediction.text == "Tell me about a time you worked under pressure."


def test_set_r_the_care_of_yourself_is_not_who_you_are() -> None:
    predictions = predict_questions(sample_profile(), [], persona="copilot")
    for turn in ("And how did you feel after that call? What did you do for yourself?",
                 "What do you do to look after yourself on a hard shift?", "Be kind to yourself, what would you say?"):
        decision = decide(turn, predictions)
        assert decision.match is None and not decide_each(turn, predictions), turn
        partly = match.decide_partly(turn, predictions)
        assert partly is None or "Tell me about yourself." not in [m.prediction.text for m in partly.matches], turn
    assert decide("Could you tell us a bit about yourself?", predictions).match.prediction.text == "Tell me about yourself."


def test_set_r_pay_and_notice_asked_after_what_was_said_are_prepared_and_the_rest_is_live() -> None:
    predictions = predict_questions(sample_profile(), [("user", "Tell me about yourself.")], persona="copilot")
    cases = [
        # A "when" of how the work runs sets no scene; "I'm not going to hold you to it" is a courtesy.
        ("Hours are seven-thirty till four. When it's pouring we're in the yard doing maintenance. Pay, I was "
         "thinking thirty-four an hour. What are you on at the moment?", ["What is your current salary?"], ""),
        # "Saturday mornings when we need 'em" asks no colleague.
        ("Hours are seven while five, Saturday mornings when we need 'em. Notice period? And what are you on now, "
         "roughly, I'm not going to hold you to it.", ["What is your notice period?", "What is your current salary?"], ""),
        # "Is okay for you?" asks whether the lead suits, without its "it".
        ("After that, full commission, seventy is your side. Is okay for you? What is your current package, if you "
         "don't mind?", ["What is your current salary?"], "After that, full commission, seventy is your side. Is okay for you?"),
        # A few words asked after a question are an ask of their own.
        ("Salary's twenty-eight four to thirty-one two. Is all that okay? You're already a PVG member, yes? And your "
         "notice with Northwind?", ["What is your notice period?"],
         "Salary's twenty-eight four to thirty-one two. Is all that okay? You're already a PVG member, yes?"),
    ]
    for turn, prepared, live in cases:
        decision = decide(turn, predictions)
        if decision.match is not None:
            assert [decision.match.prediction.text] == prepared and not live, turn
            continue
        if each := decide_each(turn, predictions):
            assert [m.prediction.text for m in each] == prepared and not live, turn
            continue
        partly = match.decide_partly(turn, predictions)
        assert partly is not None and [m.prediction.text for m in partly.matches] == prepared, turn
        assert partly.live == live, turn
    # A scene put to the person keeps its question whole ("when you" / "if a patient…").
    assert match._sets_a_scene("When a patient refuses the feed, and the family are upset")
    assert not match._sets_a_scene("When it's pouring we're in the yard doing maintenance.")
    # Still asked of a colleague.
    assert match._ASKS_A_COLLEAGUE.search("Mark, what are we saying, end of next week?")
    assert not match._ASKS_A_COLLEAGUE.search("Saturday mornings when we need 'em")
