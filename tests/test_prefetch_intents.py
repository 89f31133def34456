"""The prefetch intent classifier: what it reads of a turn, that the shipped weights are what
the shipped data trains, how it does on the blind check split, and how ``match.choose`` uses it
(only after the rules miss, only for a table row a prediction was made from)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from firstword.prefetch import intents, match
from firstword.prefetch.intents_train import DATA, DataError, check, fit, load_split, score, train
from tests.test_prefetch_match import _later_predictions

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / DATA


def test_features_read_words_pairs_and_the_last_sentence_apart() -> None:
    f = intents.features("Thanks, that's helpful. What're you on at the moment?")
    assert "thank" in f and "q:thank" not in f  # the lead-in, in the whole turn only
    assert "q:what" in f and "q:^ what" in f and "q:moment $" in f
    assert "are" in f  # "What're" spelled out
    assert intents.features("WHAT'S YOUR NOTICE?") == intents.features("what is your notice?")


def test_the_shipped_model_is_what_the_shipped_training_data_fits() -> None:
    pytest.importorskip("sklearn", reason="fitting needs the train extra (scikit-learn); make installs it")
    model = intents.shipped()
    turns = load_split(DATA_DIR / "train")
    from firstword.prefetch.intents_train import _digest

    assert model.meta["train_digest"] == _digest(turns), "retrain: firstword bench prefetch-intents --train"
    again = fit(turns, float(model.meta["c"]), model.threshold)
    assert again.classes == model.classes and again.index == model.index
    assert np.allclose(again.weights, model.weights, atol=2e-3) and np.allclose(again.bias, model.bias, atol=2e-3)


def test_every_intent_is_a_row_of_the_interview_table() -> None:
    from firstword.prefetch import patterns

    rows = {r.id for r in (*patterns.INTERVIEW_OPENERS, *patterns.INTERVIEW_COMMON, patterns.CLOSING)}
    assert set(intents.INTENTS) <= rows


def test_the_threshold_was_chosen_out_of_fold() -> None:
    model = intents.shipped()
    assert model.classes == (*intents.INTENTS, intents.NONE)
    assert 0.6 <= model.threshold < 1.0
    tried = model.meta["tried"]
    assert isinstance(tried, dict) and str(model.meta["c"]) in tried


def test_on_the_blind_check_split_precision_holds() -> None:
    measured = check(intents.shipped(), DATA_DIR)
    c = measured["check"]
    # Measured 2026-12-05 (README, "The intent classifier"): a regression here is a model or
    # feature change that carries worse to phrasings nobody trained on.
    assert c["precision"] >= 0.99, c["false"]
    assert c["recall"] >= 0.6
    assert measured["read_ms_per_turn"] < 5


# Ways of asking the rules do not know (``test_choose_falls_back_…`` checks they miss them).
RULES_MISS = [
    ("What do you struggle with most at work?", "weakness"),
    ("What gets you out of bed in the morning?", "motivates"),
    ("How soon could you be with us?", "start"),
    ("Any hols booked?", "holidays"),
    ("What's your superpower?", "strength"),
]


@pytest.mark.parametrize(("turn", "intent"), RULES_MISS)
def test_phrasings_the_rules_miss_are_read(turn: str, intent: str) -> None:
    assert intents.classify(turn).asks == intent


@pytest.mark.parametrize("turn", [
    "What's your team's biggest weakness?",
    "What did you earn in your first job?",
    "When does the project start?",
    "Why did your manager leave?",
    "The salary is forty-five thousand. Is that okay for you?",
    "Why are you leaving, and why us?",
])
def test_near_misses_are_not_read_as_an_intent(turn: str) -> None:
    assert intents.classify(turn).asks is None


@pytest.mark.parametrize(("turn", "intent"), RULES_MISS)
def test_choose_falls_back_on_the_classifier_after_the_rules_miss(
        turn: str, intent: str, monkeypatch: pytest.MonkeyPatch) -> None:
    predictions = _later_predictions()
    choice = match.choose(turn, predictions)
    assert choice.reason == "intent"
    assert [predictions[i].source for i in choice.chosen] == [f"common:{intent}"]
    monkeypatch.setattr(match, "INTENTS", False)
    assert match.choose(turn, predictions).chosen == ()


def test_choose_answers_by_intent_only_with_a_prediction_of_that_row() -> None:
    predictions = [p for p in _later_predictions() if p.source != "common:weakness"]
    assert match.choose("What do you struggle with most at work?", predictions).chosen == ()


@pytest.mark.parametrize("turn", [
    # Two asks joined in one sentence, or in two questions.
    "So just to start us off, take us through your career so far, and tell us why you're interested in this role.",
    "You've got a full driving licence, yeah? And what do you struggle with most at work?",
    # A lead-in that reads as an intent, with an ask that is none.
    "We're nine people, and honestly the brand is our Achilles heel. Does that make sense so far?",
    # A scene put to the person.
    "Say you inherit an account that's about to churn. What would you do in your first 90 days?",
    # Another tense, another question word than any way of asking the prediction.
    "Why did you leave your last job?",
    "Range is fifty-two to sixty-one. Where do you need to be?",
    # The ask points back at someone the lead is about.
    "One little girl has just arrived with no English. Her mum's anxious. What would you do in those first weeks?",
])
def test_the_fallback_refuses_what_the_rules_would(turn: str) -> None:
    assert match.choose(turn, _later_predictions()).reason != "intent"


def test_an_interim_cut_mid_phrase_is_not_read() -> None:
    predictions = _later_predictions()
    assert match.choose("what would you say is your", predictions).chosen == ()


def test_the_rules_refusals_stand(monkeypatch: pytest.MonkeyPatch) -> None:
    # "say that again" is not the question before it, whatever the classifier reads.
    predictions = _later_predictions()
    assert match.choose("Sorry, say that again — what are you on at the moment?", predictions).reason != "intent"


def test_bad_training_data_is_named_with_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "train"
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"text": "Notice?", "intent": "notice"}\nnot json\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"a\.jsonl:2"):
        load_split(folder)
    (folder / "a.jsonl").write_text('{"text": "Notice?", "intent": "notise"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="unknown intent 'notise'"):
        load_split(folder)
    with pytest.raises(DataError, match="no labelled turns"):
        load_split(tmp_path / "check")


def test_score_counts_a_confident_wrong_intent_as_a_false_hit() -> None:
    from firstword.prefetch.intents_train import Scored, Turn

    scored = [Scored(Turn("Notice?", "notice", "positive", "x:1"), "notice", 0.9),
              Scored(Turn("When does it start?", "none", "near_miss", "x:2"), "start", 0.95),
              Scored(Turn("Salary?", "salary", "positive", "x:3"), "salary", 0.5)]
    s = score(scored, 0.8)
    assert (s["hits"], s["false_hits"], s["asking"]) == (1, 1, 2) and s["precision"] == 0.5


def test_a_small_model_trains_and_round_trips(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="fitting needs the train extra (scikit-learn); make installs it")
    data = tmp_path / "data"
    for split in ("train", "check"):
        (data / split).mkdir(parents=True)
    rows = [{"text": t, "intent": i} for t, i in [
        ("What is your notice period?", "notice"), ("How long is your notice?", "notice"),
        ("How much notice do you need to give?", "notice"), ("Notice period?", "notice"),
        ("What's your notice like?", "notice"),
        ("When could you start?", "start"), ("When can you start?", "start"), ("Earliest start date?", "start"),
        ("When would you be able to start?", "start"), ("How soon could you start?", "start"),
        ("What did you do at the weekend?", "none"), ("Tell me about a time you failed.", "none"),
        ("How would you test it?", "none"), ("What is a linked list?", "none"), ("Did you find us okay?", "none"),
    ] * 2]
    (data / "train" / "t.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    (data / "check" / "c.jsonl").write_text(json.dumps({"text": "When could you start with us?", "intent": "start"}),
                                            encoding="utf-8")
    out = tmp_path / "m.npz"
    model, meta = train(data, out)
    again = intents.load(out)
    assert again.index == model.index and np.allclose(again.weights, model.weights)
    assert meta["train_turns"] == len(rows)
    assert again.read("When could you start with us?").intent == "start"


def test_the_bench_command_measures_the_shipped_model_and_writes_its_json(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from firstword.cli import app

    out = tmp_path / "intents.json"
    result = CliRunner().invoke(app, ["bench", "prefetch-intents", "--data", str(DATA_DIR), "--json", str(out)])
    assert result.exit_code == 0, result.output
    measured = json.loads(out.read_text(encoding="utf-8"))
    assert measured["fitted_now"] is False and measured["check"]["turns"] == len(load_split(DATA_DIR / "check"))
    assert set(measured["per_intent"]) == set(intents.INTENTS)
    assert "precision" in result.output


def test_the_bench_command_names_a_folder_with_no_data(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from firstword.cli import app

    result = CliRunner().invoke(app, ["bench", "prefetch-intents", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "no labelled turns" in result.output


# ----- story requests: read by kind, shown only as the live answer would tell them --------------

STORY_ASKS = [
    ("Tell me about a time you made a mistake at work.", "failed"),
    ("Can you give me an example of when you had to deal with a really angry customer?", "difficult-customer"),
    ("Talk me through a time you disagreed with your manager.", "disagree"),
    ("Tell me about a time you had to deliver bad news to a client.", "bad-news"),
]


@pytest.mark.parametrize(("turn", "intent"), STORY_ASKS)
def test_story_requests_are_read_as_their_kind(turn: str, intent: str) -> None:
    assert intents.classify(turn).story == intent
    assert intents.classify(turn).asks is None or intents.classify(turn).asks == intent


@pytest.mark.parametrize("turn", [
    "What would you do if a customer started shouting at you?",
    "How do you handle conflict?",
    "Tell me about a time you went above and beyond for a customer.",
    "What's your notice period?",
])
def test_what_is_no_story_request_is_read_as_none_of_the_stories(turn: str) -> None:
    assert intents.classify(turn).story is None


def test_the_story_threshold_was_chosen_out_of_fold_below_the_common_one() -> None:
    model = intents.shipped()
    assert 0.5 <= model.story_threshold <= model.threshold
    assert model.meta["story_threshold"] == model.story_threshold


def test_on_the_blind_check_split_story_readings_hold() -> None:
    stories = check(intents.shipped(), DATA_DIR)["stories"]
    # Measured 2026-12-06: 0.963 / 0.613 (three of the four wrong readings ask two stories,
    # which the matcher refuses; every one is shown only as the live answer would tell it).
    assert stories["asking"] >= 150 and stories["precision"] >= 0.93 and stories["recall"] >= 0.5


def test_a_story_read_by_the_classifier_asks_the_live_answer_to_confirm_it() -> None:
    turn = "Tell me about a time you stuffed something up on a job. Everyone has. What happened?"
    predictions = _later_predictions()
    choice = match.choose(turn, predictions)
    assert choice.reason == "intent" and choice.confirm and choice.kind == "failed"
    assert [predictions[i].source for i in choice.chosen] == ["common:failed"]
    # The common questions' readings are shown as prepared.
    assert not match.choose("What do you struggle with most at work?", predictions).confirm


@pytest.mark.parametrize("turn", [
    "Tell me about a time you dealt with a difficult customer and a time you dealt with a difficult colleague.",
    "Tell me about a time you made a mistake at work, and what are your salary expectations?",
])
def test_a_story_request_with_a_second_ask_is_not_read(turn: str) -> None:
    assert match.choose(turn, _later_predictions()).reason != "intent"


def test_the_parts_of_a_storys_telling_are_no_second_ask() -> None:
    assert match._only_parts("How'd that play out?") and match._only_parts("What happened, and what did you learn from it?")
    assert match._only_parts("How did you take it?")
    assert not match._only_parts("Who was right in the end?")


HELDOUT = ROOT / "bench" / "prefetch-heldout"


def _replayed_turn(tmp_path: Path, name: str, said: str) -> dict:
    from firstword.bench.prefetch import load_scripts, replay_predictions

    (tmp_path / f"{name}.json").write_bytes((HELDOUT / f"{name}.json").read_bytes())
    script = load_scripts(tmp_path, None)[0]
    rows = replay_predictions(script, [{"question": q} for q in script.questions], script.profile)
    return next(r for q, r in zip(script.questions, rows, strict=True) if said in q)


def test_a_story_asked_in_its_own_words_is_answered_by_the_story_the_live_answer_tells(tmp_path: Path) -> None:
    if not HELDOUT.is_dir():
        pytest.skip("bench/prefetch-heldout is absent")
    row = _replayed_turn(tmp_path, "x01_locksmith", "stuffed something up")
    assert row["predicted"] and row["reason"] == "intent" and row["prediction"] == "Tell me about a time you failed."
    # Not the row's story: one of the person's own, named by the request, and the live answer's.
    row = _replayed_turn(tmp_path, "a03_mfg_engineer_hm", "disagreed with production")
    assert row["prediction"] == "Tell me about disagreement with production on a changeover."


@pytest.mark.parametrize(("name", "said", "story"), [
    ("z07_radio_producer_belfast", "fell out with a presenter", "Tell me about falling out with a presenter (2022)."),
    # A kind of story named ("got something wrong"), and the story tells of it (a mistake).
    ("w07_stage_manager", "got something wrong on a show", "Tell me about MY MISTAKE - WRONG CUE (Kelvin Playhouse, 2019)."),
])
def test_a_story_request_no_row_reads_is_answered_by_a_story_its_title_names_and_the_live_answer_tells(
        tmp_path: Path, name: str, said: str, story: str) -> None:
    if not HELDOUT.is_dir():
        pytest.skip("bench/prefetch-heldout is absent")
    assert intents.classify(said).story is None
    row = _replayed_turn(tmp_path, name, said)
    assert row["predicted"] and row["reason"] == "intent" and row["prediction"] == story


@pytest.mark.parametrize(("name", "said"), [
    # "Something went wrong - with travel": the story of cutting travel spend went right.
    ("k08_executive_assistant", "with travel, or with an event"),
    # Only a word for people in general ("crew") is shared with "settling a conflict between
    # two crew members"; the live answer tells it, but of no one doing something unsafe.
    ("p05_warehouse_team_leader", "doing something unsafe"),
])
def test_a_story_named_only_by_its_setting_or_its_people_is_not_shown(tmp_path: Path, name: str, said: str) -> None:
    if not HELDOUT.is_dir():
        pytest.skip("bench/prefetch-heldout is absent")
    assert not _replayed_turn(tmp_path, name, said)["predicted"]


@pytest.mark.parametrize(("name", "said"), [
    # The live answer tells another story than the one prepared for "a time you failed".
    ("o07_clinical_research_coordinator", "mistake on a study"),
    # The live answer's story (a colleague's password) says no word of a difficult customer's.
    ("k09_it_support_specialist", "frustrated user"),
])
def test_a_story_the_live_answer_would_not_tell_or_not_of_that_kind_is_not_shown(
        tmp_path: Path, name: str, said: str) -> None:
    if not HELDOUT.is_dir():
        pytest.skip("bench/prefetch-heldout is absent")
    row = _replayed_turn(tmp_path, name, said)
    assert not row["predicted"] and row["reason"] == "not_the_live_answer"


@pytest.mark.parametrize(("turn", "intent"), [
    # Words no training turn of the notice says ("medical centre").
    ("And how long's your notice at the medical centre?", "notice"),
    # The ask alone is any question's ("What are you looking for?"); the lead makes it the pay.
    ("Pay-wise we're twenty-eight to thirty-four an hour, then a production bonus over the daily target. "
     "What are you looking for?", "salary"),
])
def test_a_common_question_read_less_surely_asks_the_live_answer_to_confirm_it(turn: str, intent: str) -> None:
    predictions = _later_predictions()
    choice = match.choose(turn, predictions)
    assert choice.reason == "intent" and choice.confirm and choice.kind == intent
    assert [predictions[i].source for i in choice.chosen] == [f"common:{intent}"]


def test_a_reading_with_words_its_training_never_saw_is_a_doubt() -> None:
    reading = intents.classify("And how long's your notice at the medical centre?")
    assert reading.asks is None and reading.unknown and reading.doubted == "notice"
    assert intents.classify("Which stadium do you support?").doubted is None


@pytest.mark.parametrize("turn", [
    # The manager the person is or would be, not the one who brings out their best.
    "What sort of manager do you want to be?",
    "What kind of leader are you?",
    # A move from one field to another, not how they got into theirs.
    "And what brought you from engineering into teaching?",
])
def test_asks_one_word_from_a_row_are_not_read_as_it(turn: str) -> None:
    assert match._by_intent(turn, _later_predictions()) is None


def test_the_manager_who_brings_out_the_best_is_still_read() -> None:
    predictions = _later_predictions()
    choice = match._by_intent("What sort of boss do you work best for?", predictions)
    assert choice is not None and [predictions[i].source for i in choice.chosen] == ["common:manager-style"]


def test_a_name_said_as_the_persons_own_thing_is_what_is_asked() -> None:
    assert intents.foreign_names("What is your OTA share currently", "current-salary", "OTA Marlin Suites") == {"ota"}
    # Where, not what: the dossier's employer, and the company applied to.
    assert not intents.foreign_names("What's your notice at Northwind?", "notice", "Northwind Brightpay")
    choice = match._by_intent("What is your OTA share currently?", _later_predictions())
    assert choice is None or choice.confirm


def test_a_reading_in_doubt_with_a_second_ask_joined_is_refused() -> None:
    turn = "So, to kick us off, tell us a bit about your background, and what's drawing you to dispatch work?"
    choice = match._by_intent(turn, _later_predictions())
    assert choice is None or not choice.confirm


def test_an_ask_the_classifier_reads_is_answered_and_the_rest_live(monkeypatch: pytest.MonkeyPatch) -> None:
    predictions = _later_predictions()
    turn = "We'll take you out to the yard after. Let's kick off easy: tell us a bit about yourself and why you're after a trainer role."
    choice = match.choose(turn, predictions, partly=True)
    assert [predictions[i].source for i in choice.chosen] == ["opening:about-yourself"]
    assert "trainer" in choice.live
    monkeypatch.setattr(match, "INTENTS", False)  # the rules alone read neither ask
    assert match.choose(turn, predictions, partly=True).chosen == ()


def test_the_same_question_said_twice_beside_another_is_answered_once() -> None:
    predictions = _later_predictions()
    turn = ("It's one-fifteen to one-thirty-five, plus options. Is that in the ballpark for you? And where are you "
            "at in your search, are you talking to other places?")
    choice = match.choose(turn, predictions, partly=True)
    assert [predictions[i].source for i in choice.chosen] == ["common:other-interviews"]
    # The classifier reads the second way of asking as the same question: said once, not live.
    assert "ballpark" in choice.live and "other places" not in choice.live
