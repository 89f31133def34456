"""The critic: sentence verdicts, the streaming retraction beside a live answer, the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from firstword.answerer.personas import PERSONAS
from firstword.answerer.profile import sample_profile
from firstword.critic.checks import Verdict
from firstword.critic.critic import AnswerCritic, Checked, ProfileCritic
from firstword.critic.sentences import SentenceStream, split
from firstword.events import AnswerDelta, AnswerDone, AnswerStarted, AnswerTrigger, EventType, RetractReason
from firstword.hub.log import EventLog
from firstword.testing import ManualClock, settle

QUESTION = "Tell me about a time you cut latency."


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
