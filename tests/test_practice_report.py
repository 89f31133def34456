"""The end-of-interview report (firstword.practice.report): per competency, only what the
candidate's own words show, each with its transcript sequence numbers; a poor transcript is
said to be poor, not scored."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firstword.answerer.profile import Profile, sample_profile
from firstword.practice.plan import Competency, InterviewPlan, plan_interview
from firstword.practice.report import (
    LOOP_REPEATS,
    MIN_SPEECH_S,
    MIN_WORDS,
    AnsweredQuestion,
    InterviewReport,
    Segment,
    assess_transcript,
    build_report,
    looped,
    unusable,
)
from tests.conftest import corpus_dir
from tests.test_practice_plan import NURSE_JD


@pytest.fixture(scope="module")
def plan() -> InterviewPlan:
    return plan_interview(sample_profile())


def _interview(plan: InterviewPlan) -> list[AnsweredQuestion]:
    q = plan.by_id
    return [
        AnsweredQuestion(q("opener"), [
            (10, "Hi, I'm Alex. I've spent six years building Python services, and for the last two I've led a team of four at Northwind Logistics."),
            (11, "Before that I was at Brightpay, where I was on-call lead for eighteen months."),
        ], 22.0),
        AnsweredQuestion(q("behavioural-1"), [
            (20, "At the time I was on-call lead at Brightpay and there was an outage: retries were double charging customers."),
            (21, "I paused the retry worker, I added idempotency keys in PostgreSQL and I wrote the runbook."),
            (22, "[inaudible]"),
            (23, "As a result we had zero double charges in a year and checkout stayed fast."),
        ], 30.0),
        AnsweredQuestion(q("behavioural-2"), [
            (30, "Um, so, we had two new starters and, you know, we paired with them a lot. We did code reviews and like, we kind of shared the on-call."),
            (31, "They were happy."),
        ], 16.0),
        AnsweredQuestion(q("motivation"), [(40, "Because patient safety matters to me, and I enjoy real-time systems more than anything else I've built.")], 9.0),
        AnsweredQuestion(q("closing"), [(50, "Yes. How does the on-call rotation work? And what would success look like in six months?")], 7.0),
    ]


def _segment_texts(answers: list[AnsweredQuestion]) -> dict[int, str]:
    out = {}
    for a in answers:
        for s in a.segments:
            seq, text = (s.seq, s.text) if isinstance(s, Segment) else (s[0], s[1])
            out[seq] = text
    return out


def assert_every_point_is_quoted(report: InterviewReport, answers: list[AnsweredQuestion]) -> None:
    texts = _segment_texts(answers)
    for finding in report.competencies:
        for point in finding.points:
            assert point.quote and point.seqs, point
            # The quote is the candidate's words, in the segment(s) it names.
            assert point.quote in "\n".join(texts[s] for s in point.seqs), point
            assert len(point.seqs) == 1  # a quote never joins two segments


def test_a_good_interview_is_reported_per_competency_with_quotes_and_seqs(plan: InterviewPlan) -> None:
    answers = _interview(plan)
    report = build_report(answers)
    assert report.judged and report.quality.unusable_seqs == (22,)
    assert_every_point_is_quoted(report, answers)
    by = {f.competency: f for f in report.competencies}
    ownership = by[Competency.OWNERSHIP]
    assert ownership.rating == "clear"  # situation, action, result and a figure, in one story
    statements = {(p.statement, p.quote, p.seqs) for p in ownership.points}
    assert ("Said what you did", "I paused the retry worker", (21,)) in statements
    assert ("Set the scene", "At the time I was on-call lead at Brightpay", (20,)) in statements
    # The opener's "on-call lead for eighteen months" is ownership evidence too, where it was said.
    assert any(p.question_id == "opener" and p.seqs == (11,) for p in ownership.points)
    leadership = by[Competency.LEADERSHIP]
    assert leadership.rating == "partial"
    assert leadership.not_heard == ("what you did yourself; how it turned out (in the answer to behavioural-2).",)
    motivation = by[Competency.MOTIVATION]
    assert {p.quote for p in motivation.points if p.statement == "Asked a question"} == {
        "How does the on-call rotation work?", "And what would success look like in six months?",
    }
    # "customers" in a sentence about double charges is not evidence of care for customers.
    assert Competency.CUSTOMER_FOCUS not in by
    # The planned communication question was not asked, and the opener is not a story: it is
    # listed only for what it quoted.
    assert [p.statement for p in by[Competency.COMMUNICATION].points] == ["Summed up your background"]


def test_report_formats(plan: InterviewPlan) -> None:
    answers = _interview(plan)
    report = build_report(answers)
    data = json.loads(json.dumps(report.to_json()))
    assert data["judged"] is True and data["quality"]["problems"] == []
    assert data["competencies"][0]["points"][0]["seqs"]
    assert data["answers"][1]["feedback"]["star"]["action"][0]["text"] == "I paused the retry worker"
    # The feedback's offsets refer to the answer's transcript as given in the JSON.
    first = data["answers"][1]["feedback"]["star"]["action"][0]
    assert data["answers"][1]["transcript"][first["start"]:first["end"]] == first["text"]
    md = report.to_markdown()
    assert md.startswith("# Practice interview report\n")
    assert "### Ownership: shown clearly" in md
    assert "“I paused the retry worker” (seq 21, behavioural-1)" in md
    assert "Suggestion:" in md and "words a minute" in md


def test_markdown_never_lets_the_candidates_words_format_the_page(plan: InterviewPlan) -> None:
    q = plan.by_id("behavioural-1")
    assert q is not None
    answers = [AnsweredQuestion(q, [(1, "At the time I was the *lead* on a [big] outage # at Brightpay, and it was bad."),
                                    (2, "I paused the retry worker and I rolled back the release within 10 minutes. As a result we lost no payments.")], 40.0)]
    md = build_report(answers).to_markdown()
    assert r"\*lead\*" in md and r"\[big\]" in md and "*lead*" not in md.replace(r"\*lead\*", "")


# ----- poor transcripts -------------------------------------------------------------------------------


def test_too_little_speech_is_said_plainly_not_scored(plan: InterviewPlan) -> None:
    q = plan.by_id("behavioural-1")
    assert q is not None
    report = build_report([AnsweredQuestion(q, [(5, "I fixed it quickly and it was fine.")], 4.0)])
    assert not report.judged and report.competencies == () and report.answers == ()
    assert any(f"at least {MIN_WORDS}" in p for p in report.quality.problems)
    assert any(f"at least {MIN_SPEECH_S:g} s" in p for p in report.quality.problems)
    md = report.to_markdown()
    assert "## Not enough to judge" in md and "nothing is scored" in md
    assert "shown clearly" not in md and "partly shown" not in md
    data = report.to_json()
    assert data["judged"] is False and data["competencies"] == [] and data["quality"]["problems"]


def test_no_answers_at_all(plan: InterviewPlan) -> None:
    report = build_report([])
    assert not report.judged and "No answers were heard" in report.quality.problems[0]
    json.dumps(report.to_json())


def test_many_unintelligible_segments(plan: InterviewPlan) -> None:
    q = plan.by_id("behavioural-1")
    assert q is not None
    good = "At the time I was on-call lead at Brightpay and there was an outage that double charged customers for hours."
    segments = [(1, good), (2, "[inaudible]"), (3, "(unintelligible)"), (4, ""), (5, "   "),
                (6, "thank you thank you thank you thank you thank you"), (7, good)]
    report = build_report([AnsweredQuestion(q, segments, 90.0)])
    assert not report.judged
    assert report.quality.unusable_seqs == (2, 3, 4, 5, 6)
    assert any("5 of 7 transcript segments could not be understood" in p for p in report.quality.problems)


def test_low_confidence(plan: InterviewPlan) -> None:
    q = plan.by_id("behavioural-1")
    assert q is not None
    text = ("At the time I was on-call lead at Brightpay and there was an outage. I paused the retry worker and "
            "I added idempotency keys. As a result we had zero double charges in a year.")
    low = build_report([AnsweredQuestion(q, [Segment(1, text, 0.35), Segment(2, text, 0.5)], 60.0)])
    assert not low.judged and "confidence was 0.42" in low.quality.problems[0]
    high = build_report([AnsweredQuestion(q, [(1, text, 0.9), (2, text, None)], 60.0)])
    assert high.judged and high.quality.mean_confidence == 0.9


def test_loops_and_markers() -> None:
    assert looped("the the the the the")
    assert looped("Thank you. Thank you. Thank you. Thank you. Thank you.")
    assert looped("and then we and then we and then we and then we and then we went home")
    assert not looped("we tried and tried and tried again")
    assert unusable("[inaudible]") and unusable("(unintelligible)") and unusable("") and unusable("...")
    assert unusable("<noise>") and unusable("inaudible")
    assert not unusable("I fixed it.")


def test_a_real_speakers_repetition_is_not_a_loop() -> None:
    """The shared corpus's spontaneous speech repeats one word four times ("some more words words
    words words"): ``LOOP_REPEATS`` is above that, so a real speaker is never called a loop."""
    for line in (corpus_dir() / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        assert not looped(entry["reference"]), entry["file"]
    assert LOOP_REPEATS == 5


def test_real_recordings_as_answers_are_judged_by_quantity() -> None:
    """Real transcripts from the corpus, as if they were a candidate's answers: a single word
    ("no", 4 s) or one short recording (26.7 s) is too little to judge; the two spontaneous
    recordings together (52 s, about 110 words) are enough to be judged, though no competency is
    shown in them (they tell no story)."""
    entries = {json.loads(l)["file"]: json.loads(l) for l in (corpus_dir() / "manifest.jsonl").read_text().splitlines()}
    plan = plan_interview(Profile(job_description=NURSE_JD))
    q = plan.by_id("behavioural-1")
    assert q is not None

    def answer(*names: str) -> list[AnsweredQuestion]:
        return [AnsweredQuestion(q, [(i, entries[n]["reference"])], entries[n]["duration_s"]) for i, n in enumerate(names)]

    assert not build_report(answer("mfa_common_voice_en_22058264.wav")).judged
    one = build_report(answer("mfa_acoustic_corpus.wav"))
    assert not one.judged and any("26.7 s" in p for p in one.quality.problems)
    two = answer("mfa_acoustic_corpus.wav", "mfa_cold_corpus.wav")
    report = build_report(two)
    assert report.judged
    assert_every_point_is_quoted(report, two)
    (finding,) = [f for f in report.competencies if f.competency is q.competency]
    assert finding.rating == "not_shown" and finding.points == ()
    fb = report.answers[0].feedback
    assert fb.fillers_per_minute is not None and fb.fillers_per_minute > 0
    assert report.answers[0].feedback.suggestion.code in ("give_an_example", "answer_the_question")


# ----- properties -------------------------------------------------------------------------------------

_PIECES = st.sampled_from([
    "At the time I was on-call lead", "there was an outage", "I paused the worker", "I mentored two juniors",
    "As a result we saved 20%", "we", "um", "[inaudible]", "like,", "the", "the the the the the", "?",
    "How does on-call work?", "Because I enjoy it", ".", ",", "I led a team of 4", "my job was to fix it",
])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(
        st.tuples(st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=12), st.floats(min_value=0, max_value=300)),
        min_size=1, max_size=7,
    ),
)
def test_every_point_quotes_the_segment_it_names(plan: InterviewPlan, data: list[tuple[list[str], float]]) -> None:
    answers = []
    seq = 100
    for i, (pieces, duration) in enumerate(data):
        question = plan.questions[i % len(plan.questions)]
        segments = []
        for j in range(0, len(pieces), 3):
            segments.append((seq, " ".join(pieces[j:j + 3])))
            seq += 1
        answers.append(AnsweredQuestion(question, segments, duration))
    report = build_report(answers)
    assert report.judged == report.quality.judgeable
    if not report.judged:
        assert report.competencies == ()
    assert_every_point_is_quoted(report, answers)
    assert assess_transcript(answers).words == report.quality.words
    json.dumps(report.to_json())
    assert report.to_markdown()
