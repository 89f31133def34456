"""`firstword bench answers`: its scoring, and the JSON shape other checks read."""

from __future__ import annotations

import json
from pathlib import Path

from firstword.answerer.profile import sample_profile
from firstword.bench.answers import AnswerRecord, Question, load_questions, score, summarise
from firstword.events import AnswerCorrected, AnswerRetracted, RetractReason


def record(text: str, retracted: list[tuple[int, int]] = (), corrected: str | None = None) -> AnswerRecord:
    r = AnswerRecord(answer_id=1, started_at=0.0, text=text, first_word_at=0.01, done_at=0.5)
    for start, end in retracted:
        r.retractions.append((0.6, AnswerRetracted(answer_id=1, start=start, end=end, reason=RetractReason.UNSUPPORTED)))
        if corrected:
            r.corrections.append(AnswerCorrected(answer_id=1, text=corrected, start=start, end=end))
    return r


def test_grounded_means_naming_an_expected_phrase_and_invented_numbers_count_the_standing_text():
    q = Question("sample", "What did you do at Northwind?", ["from 40 s to 300 ms"])
    text = "I cut delivery-estimate latency from 40 s to 300 ms. I led 12 people."
    scored = score(q, sample_profile(), record(text))
    assert scored["grounded"] and scored["invented_numbers"] == [12.0] and scored["invented_numbers_raw"] == [12.0]
    # Struck out by the critic and corrected: the standing text states no invented number.
    fixed = score(q, sample_profile(), record(text, [(53, 69)], "I led a team of four."))
    assert fixed["answer"].endswith("I led a team of four.") and fixed["invented_numbers"] == []
    assert fixed["invented_numbers_raw"] == [12.0] and fixed["retracted"] == ["I led 12 people."]


def test_a_question_the_profile_cannot_answer_is_grounded_only_by_saying_so():
    q = Question("sample", "Tell me about Terraform.", [])
    honest = score(q, sample_profile(), record("Nothing in your profile covers Terraform, so here is what to cover."))
    invented = score(q, sample_profile(), record("I wrote 300 Terraform modules at Google."))
    assert honest["grounded"] and not invented["grounded"]


def test_echo_is_the_instructions_or_the_profiles_labels():
    q = Question("sample", "Why us?", [])
    assert score(q, sample_profile(), record("Candidate resume: Alex Morgan"))["echo"]
    assert score(q, sample_profile(), record("Weakness to mention: I over-own incidents."))["echo"]
    assert not score(q, sample_profile(), record("I over-own incidents; now I write runbooks."))["echo"]


def test_the_summary_has_the_fixed_shape():
    q = Question("sample", "What did you do at Northwind?", ["Northwind"])
    row = score(q, sample_profile(), record("At Northwind I led the move.", [(0, 5)]))
    row["first_word_ms"] = 12.0
    result = summarise({"answers": [row], "first_word_ms": [12.0], "retraction_ms": [40.0]},
                       {"precision": 0.95, "recall": 0.86, "sentences": 10})
    s = result["summary"]
    assert {"questions", "echo", "grounded", "invented_numbers", "empty", "first_word_ms", "critic"} <= set(s)
    assert s["first_word_ms"] == {"p50": 12.0, "p95": 12.0}
    assert s["critic"]["precision"] == 0.95 and s["critic"]["retraction_ms"] == {"p50": 40.0, "p95": 40.0}
    answer = result["answers"][0]
    assert {"profile", "question", "answer", "retracted", "grounded"} <= set(answer)
    json.dumps(result)


def test_questions_come_from_each_profile_folder_and_a_shared_file(tmp_path: Path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "resume.md").write_text("- Led things.")
    (tmp_path / "a" / "questions.jsonl").write_text(json.dumps({"question": "Own?", "expects": ["x"]}) + "\n")
    (tmp_path / "questions.jsonl").write_text(
        json.dumps({"question": "Everyone?", "expects": []}) + "\n"
        + json.dumps({"question": "Only b?", "expects": [], "profile": "b"}) + "\n"
    )
    questions = load_questions(tmp_path)
    assert [q.question for q in questions["a"]] == ["Own?", "Everyone?"]
    assert [q.question for q in questions["b"]] == ["Everyone?", "Only b?"]
