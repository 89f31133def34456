"""Predicting the next questions: from the job description at the start, follow-ups by question
type after an answer, the Board Room's own; deterministic, ranked, never one already asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from firstword.answerer.profile import Profile, load_profile_dir, sample_profile
from firstword.grounding.questions import classify
from firstword.practice.plan import REQUIREMENT_CUES
from firstword.prefetch import match, patterns
from firstword.prefetch.predict import DEFAULT_LIMIT, jd_questions, predict_questions

PROFILES = Path(__file__).resolve().parent.parent / "bench" / "answers" / "profiles"
OTHER_PROFILES = sorted(p for p in PROFILES.iterdir() if p.is_dir()) if PROFILES.is_dir() else []


def _said(*questions: str) -> list[tuple[str, str]]:
    history: list[tuple[str, str]] = []
    for q in questions:
        history += [("user", q), ("assistant", "An answer.")]
    return history


def test_the_start_of_an_interview_predicts_openers_and_the_jd_questions() -> None:
    profile = sample_profile()
    predictions = predict_questions(profile, [], persona="copilot", limit=20)
    texts = [p.text for p in predictions]
    assert texts[0] == "Tell me about yourself."
    assert predictions[0].source == "opening:about-yourself"
    from_jd = [p for p in predictions if p.source.startswith("job_description:")]
    assert len(from_jd) >= 3
    for p in from_jd:
        # The source quotes the JD exactly.
        assert p.source.removeprefix("job_description:") in profile.job_description
    # The sample JD asks for "experience with on-call and incidents".
    on_call = next(p for p in from_jd if p.text == "How do you handle on-call?")
    assert "on-call" in on_call.source


def test_a_named_tool_in_the_jd_becomes_an_experience_question() -> None:
    profile = Profile(job_description="Platform Engineer\n\nRequirements:\n- 3+ years with Kubernetes\n- Terraform\n- on-call experience")
    texts = [p.text for p in jd_questions(profile)]
    assert "Tell me about your experience with Kubernetes." in texts
    assert "Tell me about your experience with Terraform." in texts
    assert "How do you handle on-call?" in texts
    assert texts.index("Tell me about your experience with Kubernetes.") < texts.index("Tell me about your experience with Terraform.")


def test_the_title_line_and_an_empty_or_foreign_jd_ask_nothing() -> None:
    assert jd_questions(Profile()) == []
    assert jd_questions(Profile(job_description="Data Analyst - Kestrel Analytics")) == []
    german = Profile(job_description="Wir suchen eine Entwicklerin mit Erfahrung in Kubernetes und der Arbeit im Team. "
                                     "Sie haben Kenntnisse in Python und sind für die Bereitschaft verantwortlich.")
    assert jd_questions(german) == []
    predictions = predict_questions(Profile(), [], persona="copilot")
    assert predictions and all(not p.source.startswith("job_description:") for p in predictions)


def test_after_a_story_the_follow_ups_dig_into_it() -> None:
    history = _said("Tell me about a time you cut latency on a service.")
    predictions = predict_questions(sample_profile(), history, persona="copilot")
    sources = [p.source for p in predictions]
    assert sources[:2] == ["pattern:role", "pattern:differently"]
    # After a follow-up, the story is still the topic: the next follow-ups, not the same one.
    history += _said("so what was your role in that")
    after = predict_questions(sample_profile(), history, persona="copilot")
    assert "pattern:role" not in [p.source for p in after]
    assert after[0].source == "pattern:differently"


def test_follow_ups_follow_the_question_type() -> None:
    profile = sample_profile()
    technical = predict_questions(profile, _said("How would you design a rate limiter?"), persona="copilot")
    assert technical[0].text == "What are the trade-offs?"
    about = predict_questions(profile, _said("Tell me about yourself."), persona="copilot")
    assert {"Why are you leaving your current role?", "Why do you want to work here?"} <= {p.text for p in about}
    # The JD names Helio Health: the company slot is filled.
    assert "What do you know about Helio Health?" in [p.text for p in predict_questions(profile, _said("Tell me about yourself."), persona="copilot", limit=20)]


def test_the_skill_slot_comes_from_the_question_followed_up() -> None:
    predictions = predict_questions(sample_profile(), _said("Have you worked with Kafka?"), persona="copilot", limit=20)
    assert "What was the hardest problem you solved with Kafka?" in [p.text for p in predictions]
    without = predict_questions(sample_profile(), _said("Have you led a team?"), persona="copilot", limit=40)
    assert all("{" not in p.text for p in without)
    assert all(p.source != "pattern:skill-hardest" for p in without)


def test_the_board_room_predicts_a_founders_follow_ups_per_advisor() -> None:
    history = _said("Should I raise prices for our enterprise plan?")
    atlas = predict_questions(sample_profile(), history, persona="atlas", limit=20)
    cipher = predict_questions(sample_profile(), history, persona="cipher", limit=20)
    for predictions in (atlas, cipher):
        assert {"What are the risks?", "What should I do first?", "How much would that cost?"} <= {p.text for p in predictions}
        assert all(not p.source.startswith("job_description:") for p in predictions)
    assert "What would you do in my place?" in [p.text for p in atlas]
    assert "What would you do in my place?" not in [p.text for p in cipher]
    assert "Is there a simpler way?" in [p.text for p in cipher]
    # A persona a user added is an advisor too.
    mine = predict_questions(sample_profile(), history, persona="my_mentor", limit=20)
    assert "What are the risks?" in [p.text for p in mine]


def test_nothing_already_asked_is_predicted() -> None:
    profile = sample_profile()
    asked = ["Tell me about yourself", "um so how do you deal with on-call", "what are your salary expectations",
             "Tell me about a time you handled an outage.", "what was your role there"]
    predictions = predict_questions(profile, _said(*asked), persona="copilot", limit=40)
    for p in predictions:
        for q in asked:
            assert match.similarity(q, p.form or p.text).score < match.THRESHOLD, (q, p.text)
    assert "How do you handle on-call?" not in [p.text for p in predictions]
    assert "What was your role in that?" not in [p.text for p in predictions]


@pytest.mark.parametrize("persona", ["copilot", "atlas"])
def test_a_whole_session_never_predicts_what_was_asked(persona: str) -> None:
    """Ask the top prediction every turn, on every profile: it never comes back."""
    for profile in [sample_profile(), *(load_profile_dir(p) for p in OTHER_PROFILES)]:
        history: list[tuple[str, str]] = [] if persona == "copilot" else _said("How should I price this?")
        for _ in range(8):
            predictions = predict_questions(profile, history, persona=persona)
            if not predictions:
                break
            asked = [t for role, t in history if role == "user"]
            for p in predictions:
                assert all(match.similarity(q, p.form or p.text).score < match.THRESHOLD for q in asked), p.text
            history += _said(predictions[0].text)


def test_predictions_are_deterministic_ranked_and_typed() -> None:
    profiles = [sample_profile(), *(load_profile_dir(p) for p in OTHER_PROFILES)]
    history = _said("Tell me about yourself.", "Tell me about a time you disagreed with your manager.")
    for profile in profiles:
        for persona in ("copilot", "cipher"):
            first = predict_questions(profile, history, persona=persona, limit=12)
            assert first == predict_questions(profile, list(history), persona=persona, limit=12)
            assert [p.score for p in first] == sorted((p.score for p in first), reverse=True)
            assert len({p.text for p in first}) == len(first)
            for p in first:
                assert p.kind == classify(p.text).kind
                assert "[" not in p.text and "{" not in p.text
                assert p.source.split(":")[0] in ("pattern", "opening", "common", "closing", "job_description", "own_work",
                                                  "condition", "notes")


def test_no_two_predictions_are_ambiguous_with_each_other() -> None:
    """Each prediction, asked as it is written, matches itself and only itself."""
    for profile in [sample_profile(), *(load_profile_dir(p) for p in OTHER_PROFILES)]:
        for history in ([], _said("Tell me about a project you led."), _said("Explain how a hash map works.")):
            predictions = predict_questions(profile, history, persona="copilot", limit=30)
            for p in predictions:
                if p.source.startswith("notes:"):
                    continue  # asked by its label and another word of the note, which its title alone is not
                hit = match.match_question(p.text, predictions)
                assert hit is not None and hit.prediction is p, p.text


def test_limit() -> None:
    assert predict_questions(sample_profile(), [], persona="copilot", limit=0) == []
    assert len(predict_questions(sample_profile(), [], persona="copilot", limit=3, own_work=0, notes_topics=0)) == 3
    said = _said("Tell me about yourself.")
    assert len(predict_questions(sample_profile(), said, persona="copilot", limit=8, own_work=0, notes_topics=0)) == 8
    assert len(predict_questions(sample_profile(), said, persona="copilot", own_work=0, notes_topics=0)) <= DEFAULT_LIMIT
    # The pieces of the person's own work come after the limit, within their own.
    found = predict_questions(sample_profile(), said, persona="copilot", limit=8, own_work=2)
    assert [p.source.split(":")[0] for p in found[8:]] == ["own_work", "own_work"]
    assert all(p.anchors is None for p in found[:8])


def test_the_closing_question_grows_likelier_with_the_turns() -> None:
    def closing_score(turns: int) -> float:
        history = _said(*[f"Tell me about project number {i}." for i in range(turns)])
        found = [p for p in predict_questions(sample_profile(), history, persona="copilot", limit=60) if p.source == "closing"]
        return found[0].score

    assert closing_score(1) < closing_score(6) <= 0.5


def test_the_tables_are_whole() -> None:
    # Every competency row of the practice plan has its short question here, and nothing else.
    assert set(patterns.COMPETENCY_FORMS) == {cue.topic for cue in REQUIREMENT_CUES}
    for table in (patterns.INTERVIEW_FOLLOW_UPS, patterns.INTERVIEW_OPENERS, patterns.ADVISOR_FOLLOW_UPS,
                  *patterns.PERSONA_FOLLOW_UPS.values()):
        ids = [row.id for row in table]
        assert len(ids) == len(set(ids))
        assert all(0 < row.weight <= 1 for row in table)
    assert all(row.after for row in patterns.INTERVIEW_FOLLOW_UPS)


def test_an_interview_predicts_the_common_questions_until_they_are_asked() -> None:
    profile = sample_profile()
    history = _said("Tell me about yourself.", "Tell me about a time you made a slow system faster.")
    texts = [p.text for p in predict_questions(profile, history, persona="copilot", limit=32)]
    for common in ("What is your greatest weakness?", "What are your salary expectations?", "When could you start?"):
        assert common in texts
    asked = _said("Tell me about yourself.", "What would you say is your biggest weakness?")
    texts = [p.text for p in predict_questions(profile, asked, persona="copilot", limit=32)]
    assert "What is your greatest weakness?" not in texts
    # The board room's advisors are not asked an interview's questions.
    assert not any(p.source.startswith("common:") for p in predict_questions(profile, history, persona="atlas", limit=24))


def test_a_question_about_past_work_of_any_type_is_followed_by_a_story_s_follow_ups() -> None:
    history = _said("How did you build the scheduler?")
    predictions = predict_questions(sample_profile(), history, persona="copilot", limit=32)
    sources = {p.source for p in predictions}
    assert {"pattern:differently", "pattern:result"} <= sources
    follow_up = next(p for p in predictions if p.source == "pattern:result")
    # A follow-up's names are the dossier's (its employers), never the question it follows.
    assert "Northwind" in follow_up.names and not follow_up.context


def test_a_form_with_an_unknown_slot_is_left_out_and_the_row_kept() -> None:
    no_company = Profile(resume="# Sam\n- Engineer at Foo", job_description="")
    predictions = predict_questions(no_company, [], persona="copilot", limit=32)
    why_here = next(p for p in predictions if p.text == "Why do you want to work here?")
    assert why_here.also and not any("{" in f for f in why_here.also)
    assert all("{company}" not in f for p in predictions for f in p.also)
    with_company = predict_questions(sample_profile(), [], persona="copilot", limit=32)
    # The company's name with all but its first word optional: "Why Helio?" asks it too.
    assert "Why Helio [Health]?" in next(p for p in with_company if p.text == "Why do you want to work here?").also
    know = next(p for p in with_company if p.source.endswith(":know-company"))
    assert know.text == "What do you know about Helio Health?"
    assert match.match_question("What do you know about Helio?", [know]) is not None
