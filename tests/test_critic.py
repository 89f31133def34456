"""The critic: sentence verdicts, the streaming retraction beside a live answer, the command."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from firstword.answerer.personas import PERSONAS
from firstword.answerer.profile import Profile, load_profile_dir, sample_profile
from firstword.critic.checks import Verdict
from firstword.critic.critic import JUDGE_AFTER_S, AnswerCritic, Checked, ProfileCritic
from firstword.critic.sentences import SentenceStream, split
from firstword.events import AnswerDelta, AnswerDone, AnswerStarted, AnswerTrigger, EventType, RetractReason
from firstword.hub.log import EventLog
from firstword.testing import ManualClock
from firstword.testing import settle as _settle

QUESTION = "Tell me about a time you cut latency."


async def settle() -> None:
    """Let the critic judge: it waits ``JUDGE_AFTER_S`` after a delta, so the readers send it first."""
    await _settle()
    await asyncio.sleep(JUDGE_AFTER_S * 2)
    await _settle()


@pytest.fixture(scope="module")
def critic() -> ProfileCritic:
    return ProfileCritic(sample_profile(), PERSONAS["copilot"])


@pytest.mark.parametrize(
    ("sentence", "verdict", "evidence"),
    [
        ("At Northwind Logistics I cut delivery-estimate latency from 40 s to 300 ms.", Verdict.SUPPORTED, ""),
        ("I streamed events through Kafka into a FastAPI service.", Verdict.SUPPORTED, ""),
        ("I enjoy working closely with product teams.", Verdict.SUPPORTED, ""),
        ("I led a team of 3 engineers.", Verdict.UNSUPPORTED, "'3'"),
        ("My salary expectation is $5,386.", Verdict.UNSUPPORTED, "$5,386"),
        ("At Google I rebuilt the ledger.", Verdict.UNSUPPORTED, "Google"),
        ("I used MongoDB to cut latency by 40%.", Verdict.UNSUPPORTED, "MongoDB"),
        ("I have five years of Go.", Verdict.UNSUPPORTED, "Go"),
        ("As a Senior Staff Engineer I set the roadmap.", Verdict.UNSUPPORTED, "title"),
        ("Candidate resume: # Alex Morgan — Backend Engineer", Verdict.ECHO, "Candidate resume"),
        ("Weakness to mention: I used to over-own incidents.", Verdict.ECHO, "Weakness to mention"),
        ("I will answer plainly, in the first person.", Verdict.ECHO, "first person"),
        ("I'm an AI-powered interviewer here to help.", Verdict.SELF_REFERENCE, "AI"),
        ("Here is a possible answer you could give.", Verdict.SELF_REFERENCE, ""),
        ("You are a backend engineer with six years of experience.", Verdict.SELF_REFERENCE, "You are"),
        ("The the the the the the the the.", Verdict.DEGENERATE, "loops"),
        ("Je suis ingénieur logiciel à Paris depuis dix ans.", Verdict.UNSUPPORTED, ""),
        ("I've worked at [company] for [years].", Verdict.DEGENERATE, "placeholder"),
    ],
)
def test_verdicts(critic, sentence, verdict, evidence):
    judgement = critic.judge(sentence, QUESTION)
    assert judgement.verdict is verdict, judgement
    assert evidence in judgement.evidence


def test_a_number_counting_something_else_is_not_support(critic):
    # "2 years" is in the resume; "2 people" is not.
    assert critic.judge("I have 2 years leading a team.", QUESTION).verdict is Verdict.SUPPORTED
    assert critic.judge("I managed 2 people at Brightpay.", QUESTION).verdict is Verdict.UNSUPPORTED


def test_the_question_is_evidence_too(critic):
    question = "How would you scale Redis to 40,000 writes a second?"
    assert critic.judge("I would shard Redis to reach 40,000 writes a second.", question).verdict is Verdict.SUPPORTED


def test_a_sentence_said_twice_is_degenerate(critic):
    first = "I streamed events through Kafka into a FastAPI service."
    assert critic.judge(first, QUESTION, [first]).verdict is Verdict.DEGENERATE


def test_questions_back_are_fine_only_when_the_interviewer_invited_them(critic):
    ask = "How does the team handle on-call?"
    assert critic.judge(ask, "Do you have any questions for us?").verdict is Verdict.SUPPORTED
    assert critic.judge(ask, QUESTION).verdict is Verdict.SELF_REFERENCE


def test_sentences_stream_with_offsets_in_the_answers_text():
    stream = SentenceStream()
    assert stream.feed(" I led") == []
    assert stream.feed(" it. Then") == [split("I led it. Then", final=False)[0]]
    done = stream.finish("I led it. Then we won.")
    assert [(s.start, s.end, s.text) for s in done] == [(10, 22, "Then we won.")]
    assert [s.text for s in split("Dr. Smith cut it to 3.5 s, e.g. by caching. Done", final=True)] == [
        "Dr. Smith cut it to 3.5 s, e.g. by caching.", "Done"
    ]


async def test_a_flagged_sentence_is_retracted_with_offsets_and_corrected_soon_after_its_last_token():
    log = EventLog("c")
    clock = ManualClock()
    checked: list[Checked] = []
    profile_critic = ProfileCritic(sample_profile(), PERSONAS["copilot"])
    critic = AnswerCritic(log.publish, lambda: profile_critic, clock=clock, on_checked=checked.append)
    log.add_listener(critic.listener)
    opening = profile_critic.opening(QUESTION)
    log.publish(AnswerStarted(answer_id=1, trigger=AnswerTrigger.MESSAGE, question=QUESTION), 1)
    log.publish(AnswerDelta(answer_id=1, text=opening), 1)
    for piece in (" I also led", " a team of 12", " at Google.", " It was fun"):
        log.publish(AnswerDelta(answer_id=1, text=piece), 1)
        await settle()
    text = f"{opening} I also led a team of 12 at Google. It was fun"
    log.publish(AnswerDone(answer_id=1, text=text, trigger=AnswerTrigger.MESSAGE), 1)
    await settle()
    events = log.events_after(0)
    retracted = [e.data for e in events if e.type == EventType.ANSWER_RETRACTED]
    assert len(retracted) == 1
    r = retracted[0]
    assert text[r["start"] : r["end"]] == "I also led a team of 12 at Google."
    assert r["reason"] == RetractReason.UNSUPPORTED and "Google" in r["evidence"] and "12" in r["evidence"]
    corrected = [e.data for e in events if e.type == EventType.ANSWER_CORRECTED]
    assert corrected and corrected[0]["start"] == r["start"] and corrected[0]["text"] not in text
    # The opening (the person's own words) was not judged; the model's sentences were, at once.
    judged = [c.sentence.text for c in checked]
    assert judged == ["I also led a team of 12 at Google.", "It was fun"]
    assert all(c.judged_at - c.completed_at == 0 for c in checked)  # no clock time passed


async def test_the_critic_never_stalls_or_breaks_the_log_it_reads():
    log = EventLog("c")

    def broken() -> ProfileCritic:
        raise RuntimeError("profile store down")

    critic = AnswerCritic(log.publish, broken)
    log.add_listener(critic.listener)
    log.publish(AnswerStarted(answer_id=1, trigger=AnswerTrigger.MESSAGE, question="Why?"), 1)
    log.publish(AnswerDelta(answer_id=1, text="Because. Yes."), 1)
    await settle()
    assert [e.type for e in log.events_after(0)] == [EventType.ANSWER_STARTED, EventType.ANSWER_DELTA]


def test_critic_check_command_prints_the_fixed_json_shape(tmp_path):
    answer = tmp_path / "answer.txt"
    answer.write_text("I led the move to Kafka at Northwind. I'm an AI assistant. I led 9 people at Google.")
    profile = Path(__file__).resolve().parents[1] / "firstword" / "data" / "sample_profile"
    out = subprocess.run(
        [sys.executable, "-m", "firstword", "critic", "check", "--profile", str(profile),
         "--question", "What did you do at Northwind?", "--answer", str(answer), "--json"],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout)
    assert set(result) == {"sentences"}
    verdicts = [(s["text"], s["verdict"]) for s in result["sentences"]]
    assert verdicts == [
        ("I led the move to Kafka at Northwind.", "supported"),
        ("I'm an AI assistant.", "self_reference"),
        ("I led 9 people at Google.", "unsupported"),
    ]
    for s in result["sentences"]:
        assert set(s) == {"start", "end", "text", "verdict", "evidence"}
        assert answer.read_text()[s["start"] : s["end"]] == s["text"]


PROFILES = Path(__file__).resolve().parents[1] / "bench" / "answers" / "profiles"


def _shipped_profiles():
    yield "sample", sample_profile(), [QUESTION, "Tell me about yourself.", "Why do you want this job?"]
    for folder in sorted(p for p in PROFILES.iterdir() if (p / "questions.jsonl").is_file()):
        lines = (folder / "questions.jsonl").read_text().splitlines()
        questions = [json.loads(line)["question"] for line in lines if line.strip()]
        yield folder.name, load_profile_dir(folder), questions


def test_the_grounded_openings_of_every_shipped_profile_are_never_flagged():
    """The opening is the person's own material in fixed glue: the critic passes each of its
    sentences, by its rules alone (a critic that never composed it) and as the live path sees it."""
    flagged = []
    for name, profile, questions in _shipped_profiles():
        live = ProfileCritic(profile, PERSONAS["copilot"])
        rules = ProfileCritic(profile, PERSONAS["copilot"])
        for question in questions:
            composition = live.grounding.ground(question).composition
            opening = live.opening(question)
            earlier: list[str] = []
            for sentence in split(opening, final=True):
                verdicts = [live.judge(sentence.text, question, earlier)]
                if composition.grounded:
                    verdicts.append(rules.judge(sentence.text, question, earlier))
                earlier.append(sentence.text)
                flagged += [(name, question, sentence.text, j) for j in verdicts if j.flagged]
    assert not flagged, flagged


# A small profile of someone else entirely, so the rules below are not the sample profile's.
CHEF = Profile(
    resume=(
        "# Dana Okafor — Sous Chef\n\n"
        "## Experience\n"
        "**Harbour Kitchen — Sous Chef, 2019–present**\n"
        "- Run a brigade of 6 cooks; lunch service opens at 11:30.\n"
        "- Wrote the weekly stock export for the finance team.\n"
        "- Member of the menu-tasting panel; helped launch the vegan tasting menu.\n"
        "- Led the switch to digital HACCP logs.\n"
        "**Fenwick Hotel — Commis Chef, 2015–2019**\n"
    ),
    job_description="# Head Chef, Linden Bistro\nYou will manage the kitchen budget and lead menu design.\n",
    notes="- Weakness to mention: I over-prep garnishes on quiet days.\n",
)
CHEF_Q = "Tell me about your time at Harbour Kitchen."


@pytest.fixture(scope="module")
def chef() -> ProfileCritic:
    return ProfileCritic(CHEF, PERSONAS["copilot"])


def test_a_list_mark_does_not_hide_a_star_label(chef):
    assert chef.judge("- Situation: the fryer failed on a Friday.", CHEF_Q).verdict is Verdict.ECHO
    assert chef.judge("2. Result: service ran on time.", CHEF_Q).verdict is Verdict.ECHO


def test_a_piece_of_an_earlier_sentence_said_again_is_the_loop_going_on(chef):
    first = "It's not a problem, it's a challenge."
    assert chef.judge("It's a challenge.", CHEF_Q, [first]).verdict is Verdict.DEGENERATE
    # Unfinished, it may still be heading somewhere new: judged on what it says.
    assert chef.judge("It's a challenge", CHEF_Q, [first]).verdict is Verdict.SUPPORTED
    # A one-word fragment is nothing on its own, but after a loop it is the loop's next turn.
    assert chef.judge("I", CHEF_Q, ["I run the pass."]).verdict is Verdict.SUPPORTED
    assert chef.judge("I", CHEF_Q, ["I have.", "I have.", "I have."]).verdict is Verdict.DEGENERATE
    # The same words inflected: "take" / "takes".
    said = "I've got skills, but I'm not the kind of person to take on too much."
    again = chef.judge("But I'm not the kind of person who takes on too much.", CHEF_Q, [said])
    assert again.verdict is Verdict.DEGENERATE


def test_the_question_names_things_it_does_not_make_them_yours(chef):
    question = "Our kitchen runs on Kafka. Have you used Kafka?"
    j = chef.judge("I've used Kafka for stock orders.", question)
    assert j.verdict is Verdict.UNSUPPORTED and "only the question" in j.evidence
    # Named, denied or wished for, it claims nothing.
    assert chef.judge("I haven't used Kafka, but I'd like to learn it.", question).verdict is Verdict.SUPPORTED
    assert chef.judge("Kafka sounds like a useful tool for orders.", question).verdict is Verdict.SUPPORTED


def test_saying_yes_to_what_the_profile_never_mentions_is_a_claim(chef):
    question = "This role includes the kitchen budget. Have you managed a budget before?"
    for yes in ("Yes.", "I have.", "Yes, I have managed one before."):
        j = chef.judge(yes, question)
        assert j.verdict is Verdict.UNSUPPORTED and "budget" in j.evidence, (yes, j)
    assert chef.judge("No, but I wrote the weekly stock export.", question).verdict is Verdict.SUPPORTED
    # Yes to what the profile has is fine.
    assert chef.judge("Yes.", "Have you run a brigade?").verdict is Verdict.SUPPORTED


def test_numbers_dates_and_times_must_count_what_the_profile_counts(chef):
    # "11:30" is a time: it gives neither 11 nor 30 to anything else.
    assert chef.judge("Lunch service opens at 11:30.", CHEF_Q).verdict is Verdict.SUPPORTED
    assert chef.judge("I worked 30 hours straight.", CHEF_Q).verdict is Verdict.UNSUPPORTED
    assert chef.judge("Service opens at 10:30.", CHEF_Q).verdict is Verdict.UNSUPPORTED
    assert chef.judge("I was a chef in my late 20s.", CHEF_Q).verdict is Verdict.UNSUPPORTED
    # Each year is in the profile; the span is not.
    assert chef.judge("I was at Harbour Kitchen 2019–present.", CHEF_Q).verdict is Verdict.SUPPORTED
    j = chef.judge("I was at Harbour Kitchen 2015–present.", CHEF_Q)
    assert j.verdict is Verdict.UNSUPPORTED and "2015–present" in j.evidence


def test_the_same_words_in_another_relation_are_not_support(chef):
    assert chef.judge("I led the switch to digital HACCP logs.", CHEF_Q).verdict is Verdict.SUPPORTED
    j = chef.judge("I led the launch of the vegan tasting menu.", CHEF_Q)
    assert j.verdict is Verdict.UNSUPPORTED and "'helped'" in j.evidence
    assert chef.judge("I helped launch the vegan tasting menu.", CHEF_Q).verdict is Verdict.SUPPORTED
    j = chef.judge("I built the weekly stock import for the finance team.", CHEF_Q)
    assert j.verdict is Verdict.UNSUPPORTED and "'export'" in j.evidence


def test_a_weakness_is_the_one_the_notes_give(chef):
    question = "What is your biggest weakness?"
    assert chef.judge("My biggest weakness is that I over-prepare garnishes.", question).verdict is Verdict.SUPPORTED
    j = chef.judge("My biggest weakness is public speaking.", question)
    assert j.verdict is Verdict.UNSUPPORTED and "over-prep" in j.evidence
    # With no weakness in the notes, a generic one is fine.
    plain = ProfileCritic(Profile(resume=CHEF.resume), PERSONAS["copilot"])
    assert plain.judge("My biggest weakness is public speaking.", question).verdict is Verdict.SUPPORTED


def test_filler_and_comments_on_the_answer_are_not_the_answer(chef):
    assert chef.judge("What a great question.", CHEF_Q).verdict is Verdict.DEGENERATE
    assert chef.judge("Thank you for asking.", CHEF_Q).verdict is Verdict.DEGENERATE
    assert chef.judge("That's a good starting point for the interview.", CHEF_Q).verdict is Verdict.SELF_REFERENCE
    assert chef.judge("That was a good start for the brigade.", CHEF_Q).verdict is Verdict.SUPPORTED


def test_the_evaluation_reports_each_split_beside_the_whole(tmp_path):
    from firstword.critic.evaluate import evaluate

    sample = Path(__file__).resolve().parents[1] / "firstword" / "data" / "sample_profile"
    for name in ("a", "b"):
        folder = tmp_path / "answers" / "profiles" / name
        folder.mkdir(parents=True)
        for file in sample.iterdir():
            (folder / file.name).write_text(file.read_text())
    (tmp_path / "answers" / "split.json").write_text(json.dumps({"dev": ["a"], "test": ["b", "c"]}))
    rows = [
        ("a", "I led the move to Kafka at Northwind.", "supported"),
        ("a", "I led 9 people at Google.", "unsupported"),
        ("b", "I'm an AI assistant.", "self_reference"),
    ]
    labelled = tmp_path / "critic" / "labelled.jsonl"
    labelled.parent.mkdir()
    labelled.write_text("\n".join(
        json.dumps({"id": f"x-{i:03d}-00", "profile": p, "question": QUESTION, "sentence": s, "label": label})
        for i, (p, s, label) in enumerate(rows)
    ))
    result = evaluate(labelled, with_rows=True)
    assert result["confusion"] == {"true_positive": 2, "false_positive": 0, "false_negative": 0, "true_negative": 1}
    assert result["splits"]["dev"]["profiles"] == ["a"] and result["splits"]["dev"]["sentences"] == 2
    assert result["splits"]["test"]["profiles"] == ["b"] and result["splits"]["test"]["recall"] == 1.0
    assert [r["split"] for r in result["rows"]] == ["dev", "dev", "test"]


def test_numbers_said_in_words_are_one_number_and_a_unit_after_a_number_ends_a_sentence() -> None:
    from firstword.answerer.personas import PERSONAS
    from firstword.answerer.profile import sample_profile
    from firstword.critic.claims import numbers_in
    from firstword.critic.sentences import split

    assert [(c.text, c.value) for c in numbers_in("from forty seconds to three hundred milliseconds")] == [
        ("forty", 40.0), ("three hundred", 300.0)
    ]
    assert [c.value for c in numbers_in("twenty-five people, two thousand five hundred users")] == [25.0, 2500.0]
    critic = ProfileCritic(sample_profile(), PERSONAS["copilot"])
    said = "It cut delivery-estimate latency from forty seconds to three hundred milliseconds."
    assert critic.judge(said, "What is your biggest strength?").verdict is Verdict.SUPPORTED
    assert critic.judge("It cut latency from forty seconds to three milliseconds.", "").verdict is Verdict.UNSUPPORTED
    # "ms." after a number is a unit ending the opening, not "Ms." before a name: the model's
    # sentence after it is judged alone, and the person's own sentence is never struck with it.
    text = "I cut latency from 40 s to 300 ms. I led a team of fourteen."
    assert [s.text for s in split(text, final=True)] == ["I cut latency from 40 s to 300 ms.", "I led a team of fourteen."]
    assert [s.text for s in split("I met Ms. Lee. She agreed.", final=True)] == ["I met Ms. Lee.", "She agreed."]


async def test_a_reader_gets_a_whole_prepared_answer_before_the_critic_judges_it():
    """A prefetch hit publishes its whole answer in one delta: the readers' copy goes out first,
    and only then are its sentences judged (listeners run before the log wakes its readers)."""
    log = EventLog("c")
    order: list[str] = []
    profile_critic = ProfileCritic(sample_profile(), PERSONAS["copilot"])
    critic = AnswerCritic(log.publish, lambda: profile_critic, on_checked=lambda c: order.append("judged"))
    log.add_listener(critic.listener)
    subscription = log.subscribe()

    async def read() -> None:
        while batch := await subscription.get_batch():
            order.extend(e.type for e in batch if e.type == EventType.ANSWER_DELTA)

    reader = asyncio.create_task(read())
    await asyncio.sleep(0)
    log.publish(AnswerStarted(answer_id=1, trigger=AnswerTrigger.PREFETCHED, question=QUESTION), 1)
    await settle()  # the reader waits again, as a connection's writer does between events
    log.publish(AnswerDelta(answer_id=1, text="I led a team of 12 at Google. It was fun. We shipped."), 1)
    await settle()
    reader.cancel()
    assert order[0] == EventType.ANSWER_DELTA and "judged" in order
