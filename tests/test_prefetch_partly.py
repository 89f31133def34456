"""A turn that asks several things, some of them predicted (``match.decide_partly``): the
prepared answers go out at once, the other asks are answered live after them, and the turn is a
miss whenever an ask cannot be read without the rest. Also the false hits of the blind set ``i``
(a scene asked "Then what?", "What will you tell them?", "Are you driving?") that became rules.

The turn manager's hand-over uses the fakes of ``tests/test_prefetcher.py``; the real engines'
partial hit is the last test."""

from __future__ import annotations

import pytest

from firstword.events import EventType
from firstword.grounding.questions import QuestionType
from firstword.prefetch.match import decide, decide_partly, similarity
from firstword.prefetch.predict import Prediction
from tests.test_prefetcher import of, rig, until

NOTICE = Prediction(text="What is your notice period?", source="common:notice", kind=QuestionType.LOGISTICS, score=0.5)
WHY_US = Prediction(text="Why do you want to work here?", source="common:why-us", kind=QuestionType.MOTIVATION, score=0.4)
RESULT = Prediction(text="What was the result?", source="pattern:result", kind=QuestionType.OTHER, score=0.3)
PREDICTIONS = [NOTICE, WHY_US, RESULT]


def test_a_predicted_ask_and_an_unpredicted_one_are_a_partial_hit_in_the_turns_words() -> None:
    partly = decide_partly("Why do you want to work here, and why leave Parcelon now?", PREDICTIONS)
    assert partly is not None
    assert [m.prediction for m in partly.matches] == [WHY_US]
    assert partly.live == "Why leave Parcelon now?"  # the joining "and" gone, a question of its own
    # The whole turn is no whole hit: one prediction does not answer both asks.
    assert decide("Why do you want to work here, and why leave Parcelon now?", PREDICTIONS).match is None


def test_the_live_ask_carries_the_sentences_it_is_about() -> None:
    turn = "We're hybrid, three days a week in the River North office. Does that work for you? And what's your notice period?"
    partly = decide_partly(turn, PREDICTIONS)
    assert partly is not None and [m.prediction for m in partly.matches] == [NOTICE]
    assert partly.live.startswith("We're hybrid, three days a week in the River North office.")
    assert "Does that work for you" in partly.live


@pytest.mark.parametrize("turn", [
    # A follow-up after another ask is about that ask, not about what it was prepared for.
    "Tell us about a time a contract was not delivering. How did you find out, and what was the result?",
    # An ask after the predicted one that leans on it: it points back, or says one thing only.
    "What's your notice period, and could that be negotiated?",
    "What's your notice period, and what are you looking for?",
    # An ask of the interviewer's colleague.
    "What's your notice period? And we'll be in touch by, Mark, what are we saying, end of next week?",
    # Every ask predicted: a whole hit of its own kind (``decide_each``), not a partial one.
    "What's your notice period?",
])
def test_a_turn_that_cannot_be_split_safely_is_no_partial_hit(turn: str) -> None:
    assert decide_partly(turn, PREDICTIONS) is None


def test_a_turn_with_an_ambiguous_ask_is_no_partial_hit() -> None:
    twins = [Prediction(text="What was your role in that?", source="a", kind=QuestionType.OTHER, score=0.5),
             Prediction(text="What was your role in that project?", source="b", kind=QuestionType.OTHER, score=0.4)]
    assert decide_partly("What was your role, and why leave Parcelon now?", twins) is None


def test_asking_whether_is_not_asking_what_drives_you() -> None:
    assert similarity("Are you driving?", "What drives you?").score < 0.8
    assert similarity("How would you get there, are you driving?", "What drives you?").score < 0.8
    # "any" makes a question of whether one of what.
    assert similarity("Did you learn anything from it?", "What did you learn from it?").score >= 0.8
    assert similarity("Do you have a notice period at the moment?", "What is your notice period?").score >= 0.8


async def test_the_prepared_answer_goes_out_at_once_and_the_other_ask_is_answered_live_after_it() -> None:
    log, manager, prefetcher, _, live, _ = rig(["What is your notice period?", "Why do you want to work here?"])
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 2)
    manager.ask("What's your notice period, and why leave Parcelon now?")
    # Shown in the same step as the question, before the live part has started.
    assert of(log, EventType.ANSWER_DELTA)[0]["text"] == "Prepared: What is your notice period?"
    await until(lambda: bool(of(log, EventType.ANSWER_DONE)) and bool(of(log, EventType.TURN_LATENCY)))
    started = of(log, EventType.ANSWER_STARTED)[0]
    assert started["trigger"] == "prefetched" and started["prepared_for"] == "What is your notice period?"
    assert started["answered_live"] == "Why leave Parcelon now?"
    assert live.questions == ["Why leave Parcelon now?"]
    done = of(log, EventType.ANSWER_DONE)[0]
    assert done["text"] == "Prepared: What is your notice period? Live answer."
    assert prefetcher.stats.hits == 1 and prefetcher.stats.partial_hits == 1
    assert "Prepared: What is your notice period?" not in [p.text for p in prefetcher.prepared()]


async def test_a_whole_hit_says_nothing_was_answered_live() -> None:
    log, manager, prefetcher, _, live, _ = rig(["What is your notice period?"])
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 1)
    manager.ask("What's your notice period?")
    await until(lambda: bool(of(log, EventType.ANSWER_DONE)))
    assert "answered_live" not in of(log, EventType.ANSWER_STARTED)[0]
    assert live.questions == [] and prefetcher.stats.partial_hits == 0


async def test_the_board_room_takes_no_partial_hit() -> None:
    # An advisor's every word is the model's: ``lookup`` without ``partly`` is a miss.
    _, _, prefetcher, _, _, _ = rig(["What is your notice period?"])
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 1)
    turn = "What's your notice period, and why leave Parcelon now?"
    assert prefetcher.lookup(turn) is None
    partly = prefetcher.lookup(turn, partly=True)
    assert partly is not None and partly.live == "Why leave Parcelon now?"
    # A later transcript of the same turn asks the same only if it leaves the same to answer live.
    assert prefetcher.asks_same("What's your notice period, and why leave Parcelon now", partly)
    assert not prefetcher.asks_same("What's your notice period, and why leave Acme now?", partly)
    assert not prefetcher.asks_same("What's your notice period?", partly)
    await prefetcher.aclose()


@pytest.mark.engine
@pytest.mark.e2e
async def test_the_bundled_server_answers_a_turn_partly_prepared_partly_live() -> None:
    """The real engines: a notice period the notes give, prepared in a pause, shown at once,
    then the other ask answered live from the profile."""
    from firstword.answerer.profile import Profile
    from firstword.bench.prefetch import Script
    from tests.conftest import ask_the_bundled_server

    profile = Profile(
        resume="Dana Ortiz. Payroll Officer, Brightwell Foods, Dublin, 2021-now: ran fortnightly payroll for 420 staff.",
        job_description="Senior Payroll Officer at Harbour Dairies, Cork. Hybrid, two days in the office.",
        notes="Notice period: one month at Brightwell.\nWhy leaving: no progression to senior at Brightwell.",
        stories=[],
    )
    script = Script(name="partly", persona="copilot", profile=profile, questions=[
        # (Not "…and why leave Brightwell now?": the reason to leave is prepared too, and the
        # turn is answered by the two prepared answers together.)
        "Hi Dana, thanks for coming in. What's your notice period, and how many staff are on the payroll you run now?",
    ])
    [record] = await ask_the_bundled_server(script, pause_s=1.5)
    assert record["trigger"] == "prefetched", record
    assert record["answered_live"] == "How many staff are on the payroll you run now?"
    assert "one month" in record["answer"].lower()
    # The live part follows the prepared one and is the profile's, not a guess.
    assert record["answer"].lower().index("one month") < record["answer"].lower().index("420 staff")


@pytest.mark.parametrize("question", [
    # A scene the interviewer sets, however much of the story it names (blind set i, false hit).
    "Okay, and suppose you find the pages are only from five services out of fourteen. Then what?",
    "So say the error budget for one service runs out in a week. Then what?",
    # What the person would say to someone else, not a request to hear the story.
    "The product team says the SLOs are too strict and pages are up again. What will you tell them?",
])
def test_a_scene_or_what_to_tell_someone_is_not_a_request_to_hear_a_story(question: str) -> None:
    from tests.test_prefetch_own_work import _hit

    assert not _hit(question, "SLOs")


async def test_the_live_part_leaves_out_what_the_prepared_part_said() -> None:
    """Set j (blind): the same note answered the prepared ask and the live one, and was said
    twice in one answer."""
    from firstword.prefetch.prefetcher import prepared_text, then_live

    async def live(*pieces: str):
        for piece in pieces:
            yield piece

    async def said(stream) -> str:
        return "".join([d async for d in stream])

    note = "AQE skew join helped partly, not for aggregations."
    # Shown before the stream began (``said``), or streamed by it: left out either way.
    assert await said(then_live(prepared_text(""), live(f"{note} The pipeline takes 40M events a day."), said=note)) == (
        " The pipeline takes 40M events a day.")
    assert await said(then_live(prepared_text(note), live(note, " More."))) == f"{note} More."
    # A model's first token is not a sentence already said.
    assert await said(then_live(prepared_text("Yes."), live("Yes", ", and more."))) == "Yes. Yes, and more."


def test_an_ask_cut_before_its_question_mark_is_still_asked() -> None:
    salary = Prediction(text="What are your salary expectations?", source="common:salary", kind=QuestionType.LOGISTICS,
                        score=0.5, form="What are your salary expectations?", also=("What salary are you looking for?",))
    partly = decide_partly("You're in Utrecht, right — is that fine? Then: notice period, and what salary are you looking for?",
                           [salary, WHY_US])
    assert partly is not None and [m.prediction for m in partly.matches] == [salary]
    # The live answer reads the sentences that ask: "notice period" is one of them.
    assert partly.live.endswith("Notice period?") or partly.live.endswith("notice period?")


def test_a_hesitation_between_two_asks_leaves_them_two() -> None:
    # Set q: "…at the moment and — em — what's prompting the move?" had been a whole hit on the
    # leaving question, the account of the current role left unanswered.
    from firstword.prefetch.match import asks

    leaving = Prediction(text="Why are you leaving your current role?", source="opening:leaving",
                         kind=QuestionType.MOTIVATION, score=0.5, form="Why are you leaving [your current role]?")
    turn = ("Why don't you start by walking us through what you're doing at Hanlon Pierce at the moment and — em — "
            "what's prompting the move?")
    assert asks(turn) == ["Why don't you start by walking us through what you're doing at Hanlon Pierce at the moment",
                          "what's prompting the move?"]
    assert decide(turn, [leaving]).match is None
    partly = decide_partly(turn, [leaving])
    assert partly is not None and [m.prediction for m in partly.matches] == [leaving]
    assert "Hanlon Pierce" in partly.live


# ----- a turn cut at its question marks (``match.decide_by_sentence``) ------------------------------

START = Prediction(text="When could you start?", source="common:start", kind=QuestionType.LOGISTICS, score=0.5)
MOTIVATES = Prediction(text="What motivates you?", source="common:motivates", kind=QuestionType.MOTIVATION, score=0.3,
                       also=("What drives you?",))
DIFFERENTLY = Prediction(text="What would you do differently next time?", source="pattern:differently",
                         kind=QuestionType.OTHER, score=0.5, form="What would you do differently [next time]?",
                         also=("What would you change [next time] [if you did it again]?",))


def test_a_question_asked_without_a_question_word_is_an_ask_of_its_own() -> None:
    from firstword.prefetch.match import asks, choose, decide_by_sentence, sentence_asks

    # Set k: "…Citizen, right? Notice period is one month?" had been one ask with the pay after
    # it (``asks`` reads neither as asking on its own): a miss.
    turn = ("Okay, a few admin things from me. You're a Singapore Citizen, right? Notice period is one month? "
            "And can I check your current drawing and your expected salary?")
    assert len(asks(turn)) == 1 and len(sentence_asks(turn)) == 3
    partly = decide_by_sentence(turn, PREDICTIONS)
    assert partly is not None and [m.prediction for m in partly.matches] == [NOTICE]
    assert "Singapore Citizen" in partly.live and "current drawing" in partly.live
    assert "Notice period" not in partly.live
    # Every ask predicted, a remark between them: both shown, nothing live.
    both = "When could you start? Obviously we'd want you in for moving day. And what's your notice period?"
    partly = decide_by_sentence(both, [*PREDICTIONS, START])
    assert partly is not None and [m.prediction for m in partly.matches] == [START, NOTICE] and partly.live == ""
    # The server's choice: the turn's rules miss, then the cut (copilot only).
    choice = choose(turn, PREDICTIONS, partly=True)
    assert choice.chosen == (0,) and choice.live
    assert choose(turn, PREDICTIONS).chosen == ()


@pytest.mark.parametrize("turn", [
    # Set k: a yes-or-no ask of one word is not "What drives you?".
    "And where are you based? You drive? It's not really on a bus route, the site.",
    # Set s: "it" is the wine list of the lead, not a story the answer was prepared about.
    "You're a Swartland person, hey? Our list is quite classic, lots of Burgundy. What would you change on it?",
    # One sentence that asks: nothing to cut.
    "Our range is fifty to sixty, and we're hybrid. What is your notice period?",
])
def test_a_cut_that_loses_what_an_ask_is_about_is_no_hit(turn: str) -> None:
    from firstword.prefetch.match import decide_by_sentence

    assert decide_by_sentence(turn, [*PREDICTIONS, MOTIVATES, DIFFERENTLY]) is None
